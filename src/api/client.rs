//! The interceptor: every API call goes through [`ApiClient`].
//!
//! It adds `Authorization: Bearer <access>` to requests under the API base, and on a 401 whose
//! body says `token_not_valid` it refreshes the access token and sends the same request again,
//! once. All requests that meet an expired token share one refresh. A refused refresh ends the
//! session; a network failure does not.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::Poll;

use futures::future::{poll_fn, FutureExt, LocalBoxFuture, Shared};
use leptos::prelude::*;
use serde::Serialize;

use super::activity::{Activity, ActivityKind};
use super::base::ApiBase;
use super::error::{is_token_not_valid, ApiError, ApiResult};
use super::lock::with_lock;
use super::transport::{ApiResponse, Exchange, HttpMethod};
use crate::auth::token::Claims;
use crate::auth::{AuthStore, SessionEnd, Tokens, User};
use crate::clock::now_ms;
use crate::json::{Json, JsonError};

/// The API paths, relative to the base. The defaults are djoser + SimpleJWT's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub token_create: String,
    pub token_refresh: String,
    pub token_verify: String,
    pub token_blacklist: String,
    pub users: String,
    pub me: String,
    pub set_password: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            token_create: "v1/auth/jwt/create/".into(),
            token_refresh: "v1/auth/jwt/refresh/".into(),
            token_verify: "v1/auth/jwt/verify/".into(),
            token_blacklist: "v1/auth/jwt/blacklist/".into(),
            users: "v1/auth/users/".into(),
            me: "v1/auth/users/me/".into(),
            set_password: "v1/auth/users/set_password/".into(),
        }
    }
}

impl Endpoints {
    /// The token endpoints authenticate by their body: they never get a Bearer header, and a 401
    /// from them is an answer, not a reason to refresh.
    fn is_token_endpoint(&self, relative: &str) -> bool {
        [
            &self.token_create,
            &self.token_refresh,
            &self.token_verify,
            &self.token_blacklist,
        ]
        .iter()
        .any(|endpoint| endpoint.as_str() == relative)
    }
}

/// A request the client can send twice: method, path, headers and body bytes are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    method: HttpMethod,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    skip_auth: bool,
}

impl ApiRequest {
    /// A request to `path`, relative to the API base (or an absolute URL).
    pub fn new(method: HttpMethod, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            headers: Vec::new(),
            body: None,
            skip_auth: false,
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Get, path)
    }

    pub fn post(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Post, path)
    }

    pub fn patch(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Patch, path)
    }

    /// A JSON body from a serde type; sent again byte for byte on a retry.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> ApiResult<Self> {
        self.body = Some(serde_json::to_string(body).map_err(|e| ApiError::Decode(e.to_string()))?);
        Ok(self)
    }

    /// A JSON body from a [`Json`] tree (what the client's own requests use: no serde).
    pub fn json_body(mut self, body: &Json) -> Self {
        self.body = Some(body.to_string());
        self
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends without a Bearer token and never refreshes (registration, public endpoints).
    pub fn skip_auth(mut self) -> Self {
        self.skip_auth = true;
        self
    }

    pub fn method(&self) -> HttpMethod {
        self.method
    }

    pub fn path(&self) -> &str {
        &self.path
    }
}

/// Settings for the client.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub base: ApiBase,
    pub endpoints: Endpoints,
    /// How long one exchange may take before it is abandoned.
    pub timeout_ms: u32,
    /// How long before the access token expires it is refreshed, ms; `None` for the default,
    /// 30 s or a tenth of the token's lifetime, whichever is less.
    pub refresh_lead_ms: Option<f64>,
}

/// The name of the cross-tab lock that refreshes take.
const REFRESH_LOCK: &str = "interceptor-app.refresh";

type RefreshFlight = Shared<LocalBoxFuture<'static, ApiResult<String>>>;

struct ClientState {
    config: ClientConfig,
    /// The refresh under way, shared by every request that needs it.
    refresh_flight: RefCell<Option<RefreshFlight>>,
}

/// The HTTP client every API call goes through. `Copy`; lives in context.
#[derive(Clone, Copy)]
pub struct ApiClient {
    store: AuthStore,
    activity: Activity,
    state: StoredValue<Rc<ClientState>, LocalStorage>,
}

/// `jwt/create/`'s answer.
struct TokenPair {
    access: String,
    refresh: String,
}

impl TokenPair {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        Ok(Self {
            access: json.field("access", Json::as_str)?.to_owned(),
            refresh: json.field("refresh", Json::as_str)?.to_owned(),
        })
    }
}

/// `jwt/refresh/`'s answer.
struct RefreshAnswer {
    access: String,
    /// Present when the server rotates refresh tokens.
    refresh: Option<String>,
}

impl RefreshAnswer {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        Ok(Self {
            access: json.field("access", Json::as_str)?.to_owned(),
            refresh: json.optional("refresh", Json::as_str)?.map(str::to_owned),
        })
    }
}

/// The body `jwt/refresh/` and `jwt/blacklist/` take.
fn refresh_body(refresh: &str) -> Json {
    Json::object([("refresh", refresh.into())])
}

/// What registration sends (djoser `POST users/`).
#[derive(Debug, Clone)]
pub struct Registration {
    pub username: String,
    pub email: String,
    pub password: String,
}

impl Registration {
    pub fn to_json(&self) -> Json {
        Json::object([
            ("username", self.username.as_str().into()),
            ("email", self.email.as_str().into()),
            ("password", self.password.as_str().into()),
        ])
    }
}

impl ApiClient {
    pub fn new(store: AuthStore, config: ClientConfig) -> Self {
        let state = Rc::new(ClientState {
            config,
            refresh_flight: RefCell::new(None),
        });
        Self {
            store,
            activity: Activity::new(),
            state: StoredValue::new_local(state),
        }
    }

    /// What this client has done, for an activity panel.
    pub fn activity(&self) -> Activity {
        self.activity
    }

    /// Sends one exchange and records it in the activity log.
    async fn exchange(&self, exchange: Exchange<'_>) -> ApiResult<ApiResponse> {
        let started = now_ms();
        let result = exchange.send().await;
        let base = &self.state().config.base;
        let path = base
            .relative(exchange.url)
            .unwrap_or(exchange.url)
            .to_owned();
        self.activity.record(ActivityKind::Exchange {
            method: exchange.method.as_str(),
            path,
            status: result.as_ref().ok().map(|response| response.status),
            duration_ms: now_ms() - started,
            error: result.as_ref().err().map(ToString::to_string),
        });
        result
    }

    fn state(&self) -> Rc<ClientState> {
        self.state.get_value()
    }

    /// The API base this client sends to.
    pub fn base(&self) -> ApiBase {
        self.state().config.base.clone()
    }

    /// The store this client reads tokens from and writes refreshes to.
    pub fn store(&self) -> AuthStore {
        self.store
    }

    /// Sends `request` and returns whatever status came back. `Err` only when no usable answer
    /// came: network failure, timeout, or a session that ended during a refresh.
    pub async fn send(&self, request: &ApiRequest) -> ApiResult<ApiResponse> {
        let state = self.state();
        let config = &state.config;
        let url = config.base.resolve(&request.path);
        let relative = config.base.relative(&url);
        let wants_bearer = !request.skip_auth
            && relative.is_some_and(|path| !config.endpoints.is_token_endpoint(path));
        let exchange = |bearer| Exchange {
            method: request.method,
            url: &url,
            headers: &request.headers,
            body: request.body.as_deref(),
            bearer,
            timeout_ms: config.timeout_ms,
        };
        if !wants_bearer {
            return self.exchange(exchange(None)).await;
        }

        let sent = self.access_token_for_request().await?;
        let response = self.exchange(exchange(sent.as_deref())).await?;
        let Some(sent) = sent.as_deref() else {
            return Ok(response);
        };
        if response.status != 401 || !is_token_not_valid(&response.body) {
            return Ok(response);
        }
        // Another request may have refreshed while this one was out: use its token.
        let fresh = match self.store.access_token_untracked() {
            Some(current) if current != sent => {
                self.activity
                    .step("401 token_not_valid → token already replaced → retrying");
                current
            }
            _ => {
                self.activity.step("401 token_not_valid → refreshing");
                self.refresh_replacing(Some(sent.to_owned())).await?
            }
        };
        // The session may have changed hands meanwhile (a logout and another login, in another
        // tab): never replay one user's request with another user's token.
        let owner = |token: &str| Claims::decode(token).ok().and_then(|claims| claims.user_id);
        if owner(&fresh) != owner(sent) {
            self.activity
                .step("the session changed during the retry → request dropped");
            return Err(ApiError::SessionExpired);
        }
        // Once: whatever this answer is, it goes back to the caller.
        let retried = self.exchange(exchange(Some(&fresh))).await;
        self.activity.step(match &retried {
            Ok(response) => format!("retried {} → {}", request.path, response.status),
            Err(error) => format!("retry of {} failed: {error}", request.path),
        });
        retried
    }

    /// Sends and decodes a 2xx body as `T` with serde.
    pub async fn call<T: serde::de::DeserializeOwned>(&self, request: &ApiRequest) -> ApiResult<T> {
        self.send(request).await?.json()
    }

    /// Sends and reads a 2xx body with `read` (the client's own types: no serde).
    pub async fn call_with<T>(
        &self,
        request: &ApiRequest,
        read: impl FnOnce(&Json) -> Result<T, JsonError>,
    ) -> ApiResult<T> {
        self.send(request).await?.read_json(read)
    }

    /// The token a request should carry now: it waits for a refresh under way, and refreshes
    /// first when the token is about to expire (within the lead time) by the local clock.
    async fn access_token_for_request(&self) -> ApiResult<Option<String>> {
        let in_flight = self.state().refresh_flight.borrow().clone();
        if let Some(flight) = in_flight {
            self.activity.step("waiting for the refresh under way");
            if let Err(error) = flight.await {
                return self.unexpired_access_after(error).map(Some);
            }
        }
        let Some(tokens) = self.store.tokens_untracked() else {
            return Ok(None);
        };
        // Due rather than expired: a token checked a moment before expiry could still arrive
        // after it, and the server would answer 401.
        let due = self
            .refresh_due_at(&tokens)
            .is_none_or(|due_at| due_at <= now_ms());
        if !due {
            return Ok(Some(tokens.access));
        }
        self.activity
            .step("access token expiring → refreshing before sending");
        match self.refresh_replacing(Some(tokens.access)).await {
            Ok(access) => Ok(Some(access)),
            Err(error) => self.unexpired_access_after(error).map(Some),
        }
    }

    /// After a failed refresh: a passing failure (network, 5xx, 429) says nothing about an
    /// access token that has not expired yet, so requests go on with it.
    fn unexpired_access_after(&self, error: ApiError) -> ApiResult<String> {
        let unexpired = self.store.tokens_untracked().filter(|tokens| {
            tokens
                .access_expires_at()
                .is_some_and(|expires_at| expires_at > now_ms())
        });
        match unexpired {
            Some(tokens) if error.is_transient() => Ok(tokens.access),
            _ => Err(error),
        }
    }

    /// When the access token should be refreshed, by the local clock (ms).
    pub fn refresh_due_at(&self, tokens: &Tokens) -> Option<f64> {
        tokens.access_refresh_due_at(self.state().config.refresh_lead_ms)
    }

    /// Refreshes the access token now, joining the refresh already under way if there is one.
    pub async fn refresh(&self) -> ApiResult<String> {
        self.refresh_replacing(self.store.access_token_untracked())
            .await
    }

    /// Refreshes because `stale` is no good: joins the refresh under way in this tab, or takes
    /// the cross-tab lock, and skips the network when another tab has already replaced `stale`.
    pub async fn refresh_replacing(&self, stale: Option<String>) -> ApiResult<String> {
        let state = self.state();
        let flight = {
            let mut slot = state.refresh_flight.borrow_mut();
            match slot.as_ref() {
                Some(flight) => flight.clone(),
                None => {
                    let client = *self;
                    let flight = async move { client.refresh_once(stale).await }
                        .boxed_local()
                        .shared();
                    *slot = Some(flight.clone());
                    // Driven to the end even if every caller stops waiting. Otherwise its answer
                    // would sit unread until the next request, and the lease that stands in for
                    // Web Locks would stay taken meanwhile.
                    let mut driver = flight.clone();
                    leptos::task::spawn_local(poll_fn(move |cx| {
                        // A client whose owner is gone (its app unmounted) is not touched again.
                        if client.state.is_disposed() {
                            return Poll::Ready(());
                        }
                        driver.poll_unpin(cx).map(drop)
                    }));
                    flight
                }
            }
        };
        flight.await
    }

    async fn refresh_once(self, stale: Option<String>) -> ApiResult<String> {
        let window = self.store.window();
        let outcome = with_lock(window.as_ref(), REFRESH_LOCK, move || async move {
            // Another tab may have refreshed while this one waited for the lock.
            self.store.sync_from_storage();
            let Some(tokens) = self.store.tokens_untracked() else {
                return Err(ApiError::SessionExpired);
            };
            let replaced = stale.as_deref() != Some(tokens.access.as_str());
            let due = self
                .refresh_due_at(&tokens)
                .is_none_or(|due| due <= now_ms());
            if replaced && !due {
                self.activity
                    .step("another tab already refreshed → using its token");
                return Ok(tokens.access);
            }
            self.exchange_refresh_token().await
        })
        .await
        // No lock in time: another tab holds it far too long. Refreshing anyway could race it.
        .unwrap_or(Err(ApiError::Timeout));
        self.state().refresh_flight.borrow_mut().take();
        outcome
    }

    async fn exchange_refresh_token(&self) -> ApiResult<String> {
        let Some(used) = self.store.refresh_token_untracked() else {
            return Err(ApiError::SessionExpired);
        };
        let state = self.state();
        let config = &state.config;
        let body = refresh_body(&used).to_string();
        let response = self
            .exchange(Exchange {
                method: HttpMethod::Post,
                url: &config.base.resolve(&config.endpoints.token_refresh),
                headers: &[],
                body: Some(&body),
                bearer: None,
                timeout_ms: config.timeout_ms,
            })
            .await
            .inspect_err(|error| {
                self.activity
                    .step(format!("refresh failed: {error} → session kept"));
            })?;
        match response.status {
            200..=299 => {
                let answer = response.read_json(RefreshAnswer::from_json)?;
                let rotated = answer.refresh.is_some();
                match self
                    .store
                    .apply_refresh(&used, answer.access, answer.refresh)
                {
                    Ok(Some(access)) => {
                        self.activity.step(if rotated {
                            "refreshed: new access and rotated refresh token stored"
                        } else {
                            "refreshed: new access token stored"
                        });
                        Ok(access)
                    }
                    // The session changed meanwhile (logout, new login): its token, if any, stands.
                    Ok(None) => self
                        .store
                        .access_token_untracked()
                        .ok_or(ApiError::SessionExpired),
                    Err(error) => Err(ApiError::Decode(error.to_string())),
                }
            }
            400 | 401 => {
                self.activity.step("refresh refused → session ended");
                // Only the session this refresh was for: another tab may have logged in anew.
                self.store.sync_from_storage();
                if self.store.refresh_token_untracked().as_deref() == Some(used.as_str()) {
                    self.store.end(SessionEnd::Expired);
                }
                Err(ApiError::SessionExpired)
            }
            _ => {
                let error = response.ok().err().unwrap_or(ApiError::Server {
                    status: response.status,
                });
                self.activity
                    .step(format!("refresh failed: {error} → session kept"));
                Err(error)
            }
        }
    }

    /// Logs in with a username and password: the tokens are stored, the session has begun. The
    /// user is not loaded here: the page the user goes to next asks `users/me/` ([`Self::me`])
    /// as it opens, so loading it here too would ask twice.
    pub async fn log_in(&self, username: &str, password: &str) -> ApiResult<()> {
        let endpoints = self.state().config.endpoints.clone();
        let request = ApiRequest::post(endpoints.token_create)
            .skip_auth()
            .json_body(&Json::object([
                ("username", username.into()),
                ("password", password.into()),
            ]));
        let pair = self.call_with(&request, TokenPair::from_json).await?;
        let tokens = Tokens::new(pair.access, pair.refresh, now_ms())
            .map_err(|e| ApiError::Decode(e.to_string()))?;
        self.store.log_in(tokens);
        Ok(())
    }

    /// `GET users/me/`; the answer becomes the store's current user.
    pub async fn me(&self) -> ApiResult<User> {
        let path = self.state().config.endpoints.me.clone();
        let user = self
            .call_with(&ApiRequest::get(path), User::from_json)
            .await?;
        self.store.set_user(user.clone());
        Ok(user)
    }

    /// Changes the user's email (djoser `PATCH users/me/`); the answer becomes the current user.
    pub async fn update_email(&self, email: &str) -> ApiResult<User> {
        let path = self.state().config.endpoints.me.clone();
        let request = ApiRequest::patch(path).json_body(&Json::object([("email", email.into())]));
        let user = self.call_with(&request, User::from_json).await?;
        self.store.set_user(user.clone());
        Ok(user)
    }

    /// Changes the password (djoser `POST users/set_password/`, 204). The session goes on, as
    /// SimpleJWT's tokens do not depend on the password by default; where the server revokes
    /// them with it (`CHECK_REVOKE_TOKEN`), the next request finds the refresh refused and the
    /// user logs in again.
    pub async fn set_password(&self, current: &str, new: &str) -> ApiResult<()> {
        let path = self.state().config.endpoints.set_password.clone();
        let request = ApiRequest::post(path).json_body(&Json::object([
            ("new_password", new.into()),
            ("current_password", current.into()),
        ]));
        self.send(&request).await?.ok()
    }

    /// Registers an account (djoser `POST users/`), then logs in with it.
    pub async fn register(&self, registration: &Registration) -> ApiResult<()> {
        let path = self.state().config.endpoints.users.clone();
        let request = ApiRequest::post(path)
            .skip_auth()
            .json_body(&registration.to_json());
        self.send(&request).await?.ok()?;
        self.log_in(&registration.username, &registration.password)
            .await
    }

    /// Ends the session here at once, then blacklists the refresh token on the server, best
    /// effort: a network failure must not keep anyone logged in.
    pub async fn log_out(&self) {
        let refresh = self.store.refresh_token_untracked();
        self.store.end(SessionEnd::LoggedOut);
        let Some(refresh) = refresh else { return };
        let path = self.state().config.endpoints.token_blacklist.clone();
        let request = ApiRequest::post(path)
            .skip_auth()
            .json_body(&refresh_body(&refresh));
        let sent = self.send(&request).await.and_then(|response| response.ok());
        if let Err(error) = sent {
            leptos::logging::warn!("could not blacklist the refresh token: {error}");
        }
    }
}
