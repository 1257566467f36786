//! The interceptor: every API call goes through [`ApiClient`].
//!
//! It adds `Authorization: <type> <access>` to requests under the API base, and on a 401 whose
//! body says `token_not_valid` it refreshes the access token and sends the same request again,
//! once. All requests that meet an expired token share one refresh. A refused refresh ends the
//! session; a network failure does not.

use std::future::Future;
use std::rc::Rc;

use futures::future::LocalBoxFuture;

use leptos::prelude::*;

use crate::base::Target;
use crate::clock::now_ms;
use crate::core::Core;
use crate::error::{is_token_not_valid, ApiError, ApiResult};
use crate::events::{AuthEvent, RefreshReason};
use crate::refresh::refresh_replacing;
use crate::request::ApiRequest;
use crate::token::Claims;
use crate::transport::{ApiResponse, Exchange};
use crate::user::{DjoserUser, SessionUser};

/// The HTTP client every API call goes through. `Copy`; [`use_client`](crate::use_client)
/// takes it from context.
///
/// Its futures hold what they need: a request, a refresh or a login that is under way when the
/// component that provided the layer unmounts runs to its end without touching anything that
/// went with it; a call made after that ends at once in [`ApiError::Stopped`].
pub struct ApiClient<U: SessionUser = DjoserUser> {
    core: StoredValue<Rc<Core<U>>, LocalStorage>,
}

impl<U: SessionUser> Clone for ApiClient<U> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<U: SessionUser> Copy for ApiClient<U> {}

/// The token a request went out with, and which session it belonged to.
struct SentWith {
    access: String,
    session_id: Option<String>,
}

impl<U: SessionUser> ApiClient<U> {
    pub(crate) fn new(core: Rc<Core<U>>) -> Self {
        Self {
            core: StoredValue::new_local(core),
        }
    }

    /// The shared state, while the layer is mounted.
    pub(crate) fn core(&self) -> ApiResult<Rc<Core<U>>> {
        self.core.try_get_value().ok_or(ApiError::Stopped)
    }

    /// Runs `work` with the shared state; the returned future holds it, not this handle.
    pub(crate) fn with_core<T, F, Fut>(
        &self,
        work: F,
    ) -> impl Future<Output = ApiResult<T>> + 'static
    where
        F: FnOnce(Rc<Core<U>>) -> Fut,
        Fut: Future<Output = ApiResult<T>> + 'static,
    {
        let started = self.core().map(work);
        async move { started?.await }
    }

    /// Sends `request` and returns whatever status came back. `Err` only when no usable answer
    /// came: network failure, timeout, a session that ended during a refresh, or a URL that is
    /// not one.
    pub fn send(
        &self,
        request: &ApiRequest,
    ) -> impl Future<Output = ApiResult<ApiResponse>> + 'static {
        let request = request.clone();
        self.with_core(move |core| send(core, request))
    }

    /// Sends and decodes a 2xx body as `T`; any other status becomes its [`ApiError`].
    #[cfg(feature = "serde")]
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
        self.with_core(|core| async move {
            let stale = core.tokens().map(|tokens| tokens.access);
            refresh_replacing(&core, stale, RefreshReason::Requested)
                .await
                .map(drop)
        })
    }

    /// The settings this client runs with (`None` once its layer is unmounted).
    pub fn config(&self) -> Option<crate::AuthConfig> {
        self.core.try_with_value(|core| core.config.clone())
    }
}

/// The interceptor itself. Boxed: every call of the client awaits it, and one copy of its
/// state machine serves them all.
pub(crate) fn send<U: SessionUser>(
    core: Rc<Core<U>>,
    request: ApiRequest,
) -> LocalBoxFuture<'static, ApiResult<ApiResponse>> {
    Box::pin(async move { intercept(&core, &request).await })
}

async fn intercept<U: SessionUser>(
    core: &Rc<Core<U>>,
    request: &ApiRequest,
) -> ApiResult<ApiResponse> {
    let target = core
        .config
        .base
        .locate(&request.path)
        .ok_or_else(|| ApiError::Rejected {
            status: 0,
            detail: format!("{:?} is not a URL this app can request.", request.path),
        })?;
    let wants_token = !request.skip_auth
        && target
            .relative
            .as_deref()
            .is_some_and(|path| !core.config.endpoints.is_token_endpoint(path));
    if !wants_token {
        return exchange(core, &target, request, None).await;
    }
    let Some(sent) = access_for_request(core).await? else {
        return exchange(core, &target, request, None).await;
    };
    let response = exchange(core, &target, request, Some(&sent.access)).await?;
    if response.status != 401 || !is_token_not_valid(&response.body) {
        return Ok(response);
    }
    // Another request may have refreshed while this one was out: use its token.
    let fresh = match core.tokens() {
        Some(current) if current.access != sent.access => current.access,
        _ => refresh_replacing(core, Some(sent.access.clone()), RefreshReason::Refused).await?,
    };
    let path = target.for_events();
    if !same_owner(core, &sent, &fresh) {
        core.emit(|| AuthEvent::ReplayDropped { path });
        return Err(ApiError::SessionExpired);
    }
    core.emit(|| AuthEvent::Replaying { path });
    // Once: whatever this answer is, it goes back to the caller.
    exchange(core, &target, request, Some(&fresh)).await
}

/// Whether `fresh` belongs to the user `sent` was for: the same user-id claim (SimpleJWT's
/// `USER_ID_CLAIM`), or, where tokens carry none, the same login session. A logout and another
/// user's login in another tab must never have one user's request replayed as another's.
fn same_owner<U: SessionUser>(core: &Core<U>, sent: &SentWith, fresh: &str) -> bool {
    let claim = &core.config.user_id_claim;
    let owner = |token: &str| Claims::decode(token).ok()?.user_id(claim);
    match (owner(&sent.access), owner(fresh)) {
        (Some(before), Some(after)) => before == after,
        _ => sent.session_id.is_some() && sent.session_id == core.session_id(),
    }
}

/// The token a request should carry now: it waits for a refresh under way, and refreshes first
/// when the token is about to expire (within the lead time) by the local clock.
async fn access_for_request<U: SessionUser>(core: &Rc<Core<U>>) -> ApiResult<Option<SentWith>> {
    let in_flight = core.flight.borrow().clone();
    if let Some(flight) = in_flight {
        core.emit(|| AuthEvent::WaitingForRefresh);
        if let Err(error) = flight.await {
            return unexpired_access_after(core, error).map(Some);
        }
    }
    let Some(tokens) = core.tokens() else {
        return Ok(None);
    };
    // Due rather than expired: a token checked a moment before expiry could still arrive after
    // it, and the server would answer 401.
    if !core.refresh_due(&tokens) {
        return Ok(Some(SentWith {
            access: tokens.access,
            session_id: core.session_id(),
        }));
    }
    match refresh_replacing(core, Some(tokens.access), RefreshReason::Expiring).await {
        Ok(access) => Ok(Some(SentWith {
            access,
            session_id: core.session_id(),
        })),
        Err(error) => unexpired_access_after(core, error).map(Some),
    }
}

/// After a failed refresh: a passing failure (network, 5xx, 429) says nothing about an access
/// token that has not expired yet, so requests go on with it.
fn unexpired_access_after<U: SessionUser>(core: &Core<U>, error: ApiError) -> ApiResult<SentWith> {
    let unexpired = core.tokens().filter(|tokens| {
        tokens
            .access_expires_at()
            .is_some_and(|expires_at| expires_at > now_ms())
    });
    match unexpired {
        Some(tokens) if error.is_transient() => Ok(SentWith {
            access: tokens.access,
            session_id: core.session_id(),
        }),
        _ => Err(error),
    }
}

/// Sends one exchange, telling the subscribers of events.
pub(crate) async fn exchange<U: SessionUser>(
    core: &Core<U>,
    target: &Target,
    request: &ApiRequest,
    access: Option<&str>,
) -> ApiResult<ApiResponse> {
    let authorization = access.map(|token| format!("{} {token}", core.config.header_type));
    let (id, method, path) = (core.events.next_id(), request.method, target.for_events());
    core.emit(|| AuthEvent::RequestStarted {
        id,
        method,
        path: path.clone(),
    });
    let started = now_ms();
    let result = Exchange {
        method,
        url: &target.url,
        headers: &request.headers,
        body: request.body.as_deref(),
        authorization: authorization.as_deref(),
        timeout_ms: core.config.timeout_ms,
    }
    .send()
    .await;
    core.emit(|| AuthEvent::RequestFinished {
        id,
        method,
        path,
        status: result.as_ref().ok().map(|response| response.status),
        error: result.as_ref().err().cloned(),
        duration_ms: now_ms() - started,
    });
    result
}
