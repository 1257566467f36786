//! The interceptor: where every API request is sent. [`ApiClient::send`] adds
//! `Authorization: <type> <access>` to requests under the API base, refreshes first when the
//! token is due, and on a 401 that the wire says is a stale token (SimpleJWT's
//! `token_not_valid`) refreshes and sends the same request again, once. All requests that meet
//! an expired token share one refresh. A refused refresh ends the session; a network failure
//! does not.

use std::future::Future;
use std::rc::Rc;

use futures::future::LocalBoxFuture;

use crate::api::exchange::exchange;
use crate::api::refresh::{refresh_due, refresh_replacing};
use crate::config::wire::RefreshOn;
use crate::config::AuthConfig;
use crate::http::error::{is_token_not_valid, ApiError, ApiResult};
use crate::http::request::ApiRequest;
use crate::http::response::ApiResponse;
use crate::platform::{browser_window, now_ms, BrowserOnly};
use crate::session::events::{AuthEvent, RefreshReason};
use crate::session::tab::TabSession;
use crate::session::tokens::{Claims, Tokens};

/// The HTTP client every API call goes through. `Copy`; [`use_client`](crate::use_client)
/// takes it from context.
///
/// Its futures hold what they need: a request, a refresh or a login that is under way when the
/// component that provided the layer unmounts runs to its end without touching anything that
/// went with it; a call made after that ends at once in [`ApiError::Stopped`].
#[derive(Debug, Clone, Copy)]
pub struct ApiClient {
    tab: BrowserOnly<Rc<TabSession>>,
}

/// The grant a request went out with (its access token, where the page holds one), and which
/// session it belonged to.
struct SentWith {
    tokens: Tokens,
    session_id: Option<String>,
}

impl ApiClient {
    pub(crate) fn new(tab: Rc<TabSession>) -> Self {
        Self {
            tab: BrowserOnly::new(tab),
        }
    }

    /// The tab's session, while the layer is mounted, in a browser.
    pub(crate) fn tab(&self) -> ApiResult<Rc<TabSession>> {
        if browser_window().is_none() {
            return Err(ApiError::NotInBrowser);
        }
        self.tab.get().ok_or(ApiError::Stopped)
    }

    /// Runs `work` with the tab's session; the returned future holds it, not this handle.
    pub(crate) fn with_tab<T, F, Fut>(
        &self,
        work: F,
    ) -> impl Future<Output = ApiResult<T>> + 'static
    where
        F: FnOnce(Rc<TabSession>) -> Fut,
        Fut: Future<Output = ApiResult<T>> + 'static,
    {
        let started = self.tab().map(work);
        async move { started?.await }
    }

    /// Sends `request` and returns whatever status came back. `Err` only when no usable answer
    /// came: network failure, timeout, abort, a session that ended during a refresh, or a URL
    /// that is not one.
    pub fn send(
        &self,
        request: &ApiRequest,
    ) -> impl Future<Output = ApiResult<ApiResponse>> + 'static {
        let request = request.clone();
        self.with_tab(move |tab| send(tab, request))
    }

    /// Sends and decodes a 2xx body as `T`; any other status becomes its [`ApiError`].
    #[cfg(feature = "serde")]
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    pub fn call<T: serde::de::DeserializeOwned + 'static>(
        &self,
        request: &ApiRequest,
    ) -> impl Future<Output = ApiResult<T>> + 'static {
        let sent = self.send(request);
        async move { sent.await?.json() }
    }

    /// Refreshes the access token now, or joins the refresh already under way (in this tab or,
    /// through the cross-tab lock, another).
    pub fn refresh(&self) -> impl Future<Output = ApiResult<()>> + 'static {
        self.with_tab(|tab| async move {
            let stale = tab.tokens().map(|tokens| tokens.key());
            refresh_replacing(&tab, stale, RefreshReason::Requested)
                .await
                .map(drop)
        })
    }

    /// The settings this client runs with (`None` once its layer is unmounted).
    #[must_use]
    pub fn config(&self) -> Option<AuthConfig> {
        self.tab.with(|tab| tab.config.clone())
    }
}

/// The interceptor itself. Boxed: every call of the client awaits it, and one copy of its
/// state machine serves them all.
pub(crate) fn send(
    tab: Rc<TabSession>,
    request: ApiRequest,
) -> LocalBoxFuture<'static, ApiResult<ApiResponse>> {
    Box::pin(async move { intercept(&tab, &request).await })
}

async fn intercept(tab: &Rc<TabSession>, request: &ApiRequest) -> ApiResult<ApiResponse> {
    let config = &tab.config;
    let target = config
        .base
        .locate(&request.path)
        .ok_or_else(|| ApiError::InvalidUrl {
            path: request.path.clone(),
        })?;
    let wants_token = !request.skip_auth
        && target
            .relative
            .as_deref()
            .is_some_and(|path| !config.wire.endpoints.is_token_endpoint(path));
    if !wants_token {
        return exchange(tab, &target, request, None).await;
    }
    let Some(sent) = access_for_request(tab).await? else {
        return exchange(tab, &target, request, None).await;
    };
    let response = exchange(tab, &target, request, sent.tokens.access()).await?;
    if !asks_for_refresh(config.wire.refresh_on, &response) {
        return Ok(response);
    }
    // Another request may have refreshed while this one was out: use its grant.
    let sent_key = sent.tokens.key();
    let fresh = match tab.tokens() {
        Some(current) if current.key() != sent_key => current,
        _ => refresh_replacing(tab, Some(sent_key), RefreshReason::Refused).await?,
    };
    let path = target.for_events();
    if !same_owner(tab, &sent, &fresh) {
        tab.emit(|| AuthEvent::ReplayDropped { path });
        return Err(ApiError::SessionExpired);
    }
    tab.emit(|| AuthEvent::Replaying { path });
    // Once: whatever this answer is, it goes back to the caller.
    exchange(tab, &target, request, fresh.access()).await
}

/// Whether `response` says the token is stale, as the wire tells it.
fn asks_for_refresh(refresh_on: RefreshOn, response: &ApiResponse) -> bool {
    response.status() == 401
        && match refresh_on {
            RefreshOn::TokenNotValid => is_token_not_valid(&response.text()),
            RefreshOn::AnyUnauthorized => true,
        }
}

/// Whether `fresh` belongs to the user `sent` was for: the same user-id claim (SimpleJWT's
/// `USER_ID_CLAIM`), or, where tokens carry none, the same login session. A logout and another
/// user's login in another tab must never have one user's request replayed as another's.
fn same_owner(tab: &TabSession, sent: &SentWith, fresh: &Tokens) -> bool {
    let claim = &tab.config.user_id_claim;
    let owner = |tokens: &Tokens| Claims::decode(tokens.access()?).ok()?.user_id(claim);
    match (owner(&sent.tokens), owner(fresh)) {
        (Some(before), Some(after)) => before == after,
        _ => sent.session_id.is_some() && sent.session_id == tab.session_id(),
    }
}

/// The token a request should carry now: it waits for a refresh under way, and refreshes first
/// when the token is due by the local clock.
async fn access_for_request(tab: &Rc<TabSession>) -> ApiResult<Option<SentWith>> {
    let in_flight = tab.flight.borrow().clone();
    if let Some(flight) = in_flight {
        tab.emit(|| AuthEvent::WaitingForRefresh);
        if let Err(error) = flight.wait().await {
            return unexpired_access_after(tab, error).map(Some);
        }
    }
    let Some(tokens) = tab.tokens() else {
        return Ok(None);
    };
    if !refresh_due(&tab.config, &tokens) {
        return Ok(Some(SentWith {
            tokens,
            session_id: tab.session_id(),
        }));
    }
    match refresh_replacing(tab, Some(tokens.key()), RefreshReason::Expiring).await {
        Ok(tokens) => Ok(Some(SentWith {
            tokens,
            session_id: tab.session_id(),
        })),
        Err(error) => unexpired_access_after(tab, error).map(Some),
    }
}

/// After a failed refresh: a passing failure (network, 5xx, 429) says nothing about an access
/// token that has not expired yet, so requests go on with it.
fn unexpired_access_after(tab: &TabSession, error: ApiError) -> ApiResult<SentWith> {
    // Unexpired, and one this tab can send: a `RefreshCookie` tab that never had its own has
    // nothing to go on with.
    let unexpired = tab.tokens().filter(|tokens| {
        tokens.access_expires_at > now_ms()
            && (tokens.access.is_some() || tab.config.token_mode.access_in_cookie())
    });
    match unexpired {
        Some(tokens) if error.is_transient() => Ok(SentWith {
            tokens,
            session_id: tab.session_id(),
        }),
        _ => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> ApiResponse {
        ApiResponse::new(status, Vec::new(), body.as_bytes().to_vec())
    }

    #[test]
    fn the_wire_decides_which_401_asks_for_a_refresh() {
        let stale = answer(401, r#"{"detail":"x","code":"token_not_valid"}"#);
        let bare = answer(
            401,
            r#"{"detail":"Authentication credentials were not provided."}"#,
        );
        assert!(asks_for_refresh(RefreshOn::TokenNotValid, &stale));
        assert!(!asks_for_refresh(RefreshOn::TokenNotValid, &bare));
        assert!(asks_for_refresh(RefreshOn::AnyUnauthorized, &bare));
        assert!(!asks_for_refresh(
            RefreshOn::AnyUnauthorized,
            &answer(403, "{}")
        ));
    }
}
