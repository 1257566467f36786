//! One exchange of the layer's, with its events: what the interceptor, the refresh and the
//! accounts calls all send through.

use crate::http::api_base::Target;
use crate::http::error::{ApiError, ApiResult};
use crate::http::fetch::Exchange;
use crate::http::request::ApiRequest;
use crate::http::response::ApiResponse;
use crate::platform::now_ms;
use crate::session::events::AuthEvent;
use crate::session::tab::TabSession;

/// Sends `request` to `target` once, with `access` as its token if any, telling the subscribers
/// of events.
pub(crate) async fn exchange(
    tab: &TabSession,
    target: &Target,
    request: &ApiRequest,
    access: Option<&str>,
) -> ApiResult<ApiResponse> {
    let config = &tab.config;
    let authorization = access.map(|token| format!("{} {token}", config.header_type));
    let (id, method, path) = (tab.events.next_id(), request.method, target.for_events());
    tab.emit(|| AuthEvent::RequestStarted {
        id,
        method,
        path: path.clone(),
    });
    let started = now_ms();
    let timeout_ms = request.timeout.map_or(config.timeout_ms, |timeout| {
        u32::try_from(timeout.as_millis())
            .unwrap_or(u32::MAX)
            .max(1)
    });
    let result = match config.window() {
        Some(window) => {
            Exchange {
                window: &window,
                method,
                url: &target.url,
                headers: &request.headers,
                body: request.body.as_ref(),
                authorization: authorization.as_deref(),
                layer_headers: &[],
                credentials: request.credentials.unwrap_or(config.credentials),
                keepalive: request.keepalive,
                timeout_ms,
                abort: request.abort.as_ref(),
            }
            .send()
            .await
        }
        // No browser to send it from (a server render).
        None => Err(ApiError::Network),
    };
    tab.emit(|| AuthEvent::RequestFinished {
        id,
        method,
        path,
        status: result.as_ref().ok().map(ApiResponse::status),
        error: result.as_ref().err().cloned(),
        duration_ms: now_ms() - started,
    });
    result
}
