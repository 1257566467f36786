//! The axum middleware that reads a visitor's cookies, refreshes through the refresh cookie when
//! needed (once per refresh token), and passes the rotated cookies on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use http::HeaderValue;
use tokio::sync::OnceCell;

use crate::config::AuthConfig;
use crate::http::api_base::ApiBase;
use crate::http::error::{ApiError, ApiResult};
use crate::http::response::ApiResponse;
use crate::json::Json;
use crate::platform::now_ms;
use crate::server::session::ServerSession;
use crate::session::tokens::Claims;

/// How long a refresh's outcome answers for the refresh token it used: the requests a page's
/// tabs send together, with the token the browser held before the rotated one reached it.
const REMEMBERED: Duration = Duration::from_secs(60);
/// An access token this close to expiry is refreshed first, as the browser's client does.
const LEAD_S: f64 = 5.0;

/// What the middleware needs: where the server reaches the API, the wire and the cookies'
/// names, one HTTP client, and the refreshes under way or just done. Cheap to clone.
#[derive(Clone)]
pub struct SessionServer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SessionServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionServer")
            .field("base", &self.shared.base.as_str())
            .finish_non_exhaustive()
    }
}

/// A refresh's outcome.
#[derive(Debug, Clone)]
enum Renewal {
    /// A new access token, and the cookies to pass on to the browser.
    Renewed {
        access: String,
        set_cookies: Vec<HeaderValue>,
    },
    /// The API refused the refresh token: the session is over.
    Refused,
    /// No usable answer: the session is kept, with no access token for now.
    Unreachable,
}

type Flight = Arc<OnceCell<Renewal>>;

pub(crate) struct Shared {
    base: ApiBase,
    config: AuthConfig,
    access_cookie: String,
    refresh_cookie: String,
    client: reqwest::Client,
    refreshes: Mutex<HashMap<String, (Instant, Flight)>>,
    users: Mutex<HashMap<String, (Instant, Option<String>)>>,
}

impl SessionServer {
    /// The middleware's state for an app configured as `config` (its wire, its cookie names:
    /// [`AuthConfig::cookie_names`]), reaching the API at `server_base` (Django's address on the
    /// server's network, which may differ from the browser's).
    #[must_use]
    pub fn new(config: &AuthConfig, server_base: ApiBase) -> Self {
        let (access_cookie, refresh_cookie) = config.cookie_names.clone();
        Self {
            shared: Arc::new(Shared {
                base: server_base,
                config: config.clone(),
                access_cookie,
                refresh_cookie,
                client: reqwest::Client::new(),
                refreshes: Mutex::new(HashMap::new()),
                users: Mutex::new(HashMap::new()),
            }),
        }
    }
}

/// The axum middleware: puts the visitor's [`ServerSession`] in the request (for the page and
/// the server functions; [`ServerSession::current`]) and adds any rotated cookie to the
/// response's headers, which leave before its body streams. Mount it with
/// `axum::middleware::from_fn_with_state(sessions, session_cookies)` on the pages and the
/// server functions (`.layer` after `.leptos_routes…`), not on static files. Requests under the
/// API base (a proxy to Django on the same server) pass through untouched: those are the
/// browser's own, refreshes included.
pub async fn session_cookies(
    State(server): State<SessionServer>,
    mut request: Request,
    next: Next,
) -> Response {
    let shared = server.shared;
    // The API's own requests (a proxy on this server) carry the browser's refreshes; refreshing
    // here as well would race them for the same refresh token.
    if request.uri().path().starts_with(shared.config.base.path()) {
        return next.run(request).await;
    }
    let cookies = request
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect::<Vec<_>>();
    let cookie = |name: &str| {
        cookies
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .filter(|value| !value.is_empty())
    };
    let (access, refresh) = (
        cookie(&shared.access_cookie),
        cookie(&shared.refresh_cookie),
    );
    let mut set_cookies = Vec::new();
    let (access, logged_in) = match (access.filter(|access| fresh(access)), refresh) {
        (Some(access), _) => (Some(access), true),
        (None, Some(refresh)) => match shared.renewal(&refresh).await {
            Renewal::Renewed {
                access,
                set_cookies: renewed,
            } => {
                set_cookies = renewed;
                (Some(access), true)
            }
            Renewal::Refused => (None, false),
            Renewal::Unreachable => (None, true),
        },
        (None, None) => (None, false),
    };
    let user = match &access {
        Some(access) => shared.user(access).await,
        None => None,
    };
    request.extensions_mut().insert(ServerSession {
        access,
        logged_in,
        user,
        server: shared.clone(),
    });
    let mut response = next.run(request).await;
    for value in set_cookies {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// Whether an access token has a while left by its own `exp` (the server shares the API's
/// clock, near enough).
fn fresh(access: &str) -> bool {
    let now = now_ms() / 1000.0;
    Claims::decode(access).is_ok_and(|claims| claims.exp as f64 > now + LEAD_S)
}

impl Shared {
    /// The outcome of refreshing with `refresh`: one refresh per token, whoever asks, and its
    /// outcome kept a while for the requests that still carry it.
    async fn renewal(&self, refresh: &str) -> Renewal {
        let flight = {
            let mut refreshes = self
                .refreshes
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            refreshes.retain(|_, (at, _)| at.elapsed() < REMEMBERED);
            refreshes
                .entry(refresh.to_owned())
                .or_insert_with(|| (Instant::now(), Arc::new(OnceCell::new())))
                .1
                .clone()
        };
        flight.get_or_init(|| self.refresh(refresh)).await.clone()
    }

    async fn refresh(&self, refresh: &str) -> Renewal {
        let wire = &self.config.wire;
        let Some(url) = self.base.locate(&wire.endpoints.token_refresh) else {
            return Renewal::Unreachable;
        };
        let sent = self
            .client
            .post(url.url)
            .header(COOKIE, format!("{}={refresh}", self.refresh_cookie))
            .header(CONTENT_TYPE, "application/json")
            .body("{}")
            .send()
            .await;
        let Ok(answer) = sent else {
            return Renewal::Unreachable;
        };
        let status = answer.status().as_u16();
        let set_cookies: Vec<HeaderValue> = answer
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        let Ok(body) = answer.text().await else {
            return Renewal::Unreachable;
        };
        match status {
            200..=299 => Json::parse(&body)
                .ok()
                .and_then(|json| {
                    json.field(&wire.access_field, Json::as_str)
                        .ok()
                        .map(str::to_owned)
                })
                .map_or(Renewal::Unreachable, |access| Renewal::Renewed {
                    access,
                    set_cookies,
                }),
            400 | 401 => Renewal::Refused,
            _ => Renewal::Unreachable,
        }
    }

    /// The user for `access`, asked of the user endpoint once per token.
    async fn user(&self, access: &str) -> Option<String> {
        let known = self
            .users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(access)
            .map(|(_, user)| user.clone());
        if let Some(user) = known {
            return user;
        }
        let me = self.config.wire.endpoints.me.clone()?;
        let user = self
            .get(&me, access)
            .await
            .ok()
            .filter(ApiResponse::is_success)
            .and_then(|response| response.parse_json().ok())
            .filter(|json| matches!(json, Json::Object(_)))
            .map(|json| json.to_string());
        let mut users = self.users.lock().unwrap_or_else(PoisonError::into_inner);
        users.retain(|_, (at, _)| at.elapsed() < REMEMBERED);
        users.insert(access.to_owned(), (Instant::now(), user.clone()));
        user
    }

    /// `GET path` with `access` as the `Authorization` header.
    pub(crate) async fn get(&self, path: &str, access: &str) -> ApiResult<ApiResponse> {
        let target = self.base.locate(path).ok_or_else(|| ApiError::InvalidUrl {
            path: path.to_owned(),
        })?;
        let answer = self
            .client
            .get(target.url)
            .header(
                AUTHORIZATION,
                format!("{} {access}", self.config.header_type),
            )
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|_| ApiError::Network)?;
        let status = answer.status().as_u16();
        let headers = answer
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        let body = answer.bytes().await.map_err(|_| ApiError::Network)?;
        Ok(ApiResponse::new(status, headers, body.to_vec()))
    }
}
