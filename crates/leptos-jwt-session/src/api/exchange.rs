//! One exchange of the layer's, with its events: what the interceptor, the refresh and the
//! accounts calls all send through.

use wasm_bindgen::JsCast;

use crate::config::AuthConfig;
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
            let csrf = csrf_header(config, &window, request);
            Exchange {
                window: &window,
                method,
                url: &target.url,
                headers: &request.headers,
                body: request.body.as_ref(),
                authorization: authorization.as_deref(),
                layer_headers: csrf.as_slice(),
                credentials: request
                    .credentials
                    .unwrap_or_else(|| config.default_credentials()),
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

/// Django's CSRF header for an unsafe request in the cookie modes, from its cookie, when the
/// page can read it (the cookie of the page's own site; an API on another site needs
/// `CSRF_COOKIE_DOMAIN` set to a domain both share).
fn csrf_header(
    config: &AuthConfig,
    window: &web_sys::Window,
    request: &ApiRequest,
) -> Option<(String, String)> {
    let (cookie, header) = config.csrf.as_ref()?;
    if !config.token_mode.in_cookies() || !request.method.is_unsafe() {
        return None;
    }
    let cookies = window
        .document()?
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()?
        .cookie()
        .ok()?;
    let value = cookie_value(&cookies, cookie)?;
    Some((header.clone(), value.to_owned()))
}

/// The value of cookie `name` in a `document.cookie` string.
pub(crate) fn cookie_value<'a>(cookies: &'a str, name: &str) -> Option<&'a str> {
    cookies.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::cookie_value;

    #[test]
    fn a_cookie_is_read_by_its_whole_name() {
        let cookies = "sessionid_x=1; csrftoken=AbC123; other=csrftoken=no";
        assert_eq!(cookie_value(cookies, "csrftoken"), Some("AbC123"));
        assert_eq!(cookie_value(cookies, "sessionid"), None);
        assert_eq!(cookie_value("", "csrftoken"), None);
    }
}
