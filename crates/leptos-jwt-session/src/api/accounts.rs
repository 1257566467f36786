//! The accounts calls of djoser and SimpleJWT: logging in and out, the current user,
//! registration and the password.

use std::future::Future;
use std::rc::Rc;

use crate::api::client::{send, ApiClient};
use crate::api::credentials::{Credentials, Registration};
use crate::api::exchange::exchange;
use crate::config::wire::Wire;
use crate::http::error::{ApiError, ApiResult};
use crate::http::request::ApiRequest;
use crate::http::response::ApiResponse;
use crate::json::{Json, JsonError};
use crate::platform::{now_ms, random_id};
use crate::session::state::{Session, SessionEnd};
use crate::session::tab::TabSession;
use crate::session::tokens::{cookie_lifetime_ms, Tokens};
use crate::session::user::SessionUser;

/// The login answer: the token pair (the refresh token empty where it went into a cookie), the
/// refresh cookie's expiry where the server says it, and, where the wire has one, the user.
struct LoginAnswer {
    access: String,
    refresh: String,
    refresh_expiration: Option<String>,
    user: Option<String>,
}

impl LoginAnswer {
    fn from_json(json: &Json, wire: &Wire) -> Result<Self, JsonError> {
        let user = match &wire.login_user_field {
            Some(field) => json
                .optional(field, Some)?
                .filter(|user| matches!(user, Json::Object(_)))
                .map(Json::to_string),
            None => None,
        };
        Ok(Self {
            access: json.field(&wire.access_field, Json::as_str)?.to_owned(),
            refresh: json
                .optional(&wire.refresh_field, Json::as_str)?
                .unwrap_or_default()
                .to_owned(),
            refresh_expiration: json
                .optional("refresh_expiration", Json::as_str)?
                .map(str::to_owned),
            user,
        })
    }
}

/// An endpoint the wire may lack.
fn offered(endpoint: Option<&String>, name: &'static str) -> ApiResult<String> {
    endpoint
        .cloned()
        .ok_or(ApiError::NotOffered { endpoint: name })
}

impl ApiClient {
    /// Logs in (the token endpoint, with the configured login field and the password), and
    /// loads the user (the login answer's own, or one call of the user endpoint; see
    /// [`AuthConfig::load_user`](crate::AuthConfig::load_user)): the session begins in every tab
    /// with its user known, so the first page can show it. When the user cannot be loaded (the
    /// server is down just then), the login stands and the user is unknown until
    /// [`Self::me`] succeeds.
    ///
    /// # Errors
    /// [`ApiError::Unauthorized`] for wrong credentials (with the server's message),
    /// [`ApiError::Fields`] for missing fields, or why no answer came.
    pub fn log_in(
        &self,
        credentials: &Credentials,
    ) -> impl Future<Output = ApiResult<()>> + 'static {
        let credentials = credentials.clone();
        self.with_tab(move |tab| async move { log_in(&tab, &credentials).await })
    }

    /// Registers an account (djoser `POST users/`), then logs in with it.
    ///
    /// # Errors
    /// [`ApiError::Fields`] with the server's message per field (a username taken, a password
    /// too short …), [`ApiError::NotOffered`] where the wire has no registration, or why no
    /// answer came.
    pub fn register(
        &self,
        registration: &Registration,
    ) -> impl Future<Output = ApiResult<()>> + 'static {
        let registration = registration.clone();
        self.with_tab(move |tab| async move {
            let users = offered(tab.config.wire.endpoints.users.as_ref(), "users")?;
            let body = registration.body(&tab.config.login_field).to_string();
            let request = ApiRequest::post(users).skip_auth().json_text(body);
            send(tab.clone(), request).await?.ok()?;
            log_in(&tab, &registration.credentials()).await
        })
    }

    /// The current user (djoser's `GET users/me/`, or the wire's user endpoint), read as `U`;
    /// the answer becomes the session's user (in storage and every tab).
    ///
    /// # Errors
    /// As [`Self::send`], [`ApiError::Decode`] when the answer does not read as `U`,
    /// [`ApiError::NotOffered`] where the wire has no user endpoint.
    pub fn me<U: SessionUser + 'static>(&self) -> impl Future<Output = ApiResult<U>> + 'static {
        self.with_tab(|tab| async move {
            let me = offered(tab.config.wire.endpoints.me.as_ref(), "me")?;
            user_from(&tab, ApiRequest::get(me)).await
        })
    }

    /// Changes fields of the current user (djoser `PATCH users/me/`), e.g.
    /// `[("email", "new@example.com")]`; the answer becomes the session's user.
    ///
    /// # Errors
    /// As [`Self::me`].
    pub fn update_me<U: SessionUser + 'static>(
        &self,
        fields: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> impl Future<Output = ApiResult<U>> + 'static {
        let fields: Vec<(String, String)> = fields
            .into_iter()
            .map(|(name, value)| (name.into(), value.into()))
            .collect();
        self.with_tab(move |tab| async move {
            let me = offered(tab.config.wire.endpoints.me.as_ref(), "me")?;
            user_from(&tab, ApiRequest::patch(me).json_fields(fields)).await
        })
    }

    /// Changes the password (djoser `POST users/set_password/`, 204). The session goes on, as
    /// SimpleJWT's tokens do not depend on the password by default; where the server revokes
    /// them with it (`CHECK_REVOKE_TOKEN`), the next refresh is refused and the user logs in
    /// again.
    ///
    /// # Errors
    /// [`ApiError::Fields`] (the current password is wrong, the new one too weak), or as
    /// [`Self::send`].
    pub fn set_password(
        &self,
        current: &str,
        new: &str,
    ) -> impl Future<Output = ApiResult<()>> + 'static {
        let fields = [
            ("new_password", new.to_owned()),
            ("current_password", current.to_owned()),
        ];
        self.with_tab(move |tab| async move {
            let path = offered(
                tab.config.wire.endpoints.set_password.as_ref(),
                "set_password",
            )?;
            send(tab, ApiRequest::post(path).json_fields(fields))
                .await?
                .ok()
        })
    }

    /// Ends the session at once, in this tab and every other, then blacklists the refresh token
    /// on the server (SimpleJWT's `jwt/blacklist/`, or dj-rest-auth's `logout/`, which reads
    /// the refresh cookie and deletes both), best effort: a network failure must not keep anyone
    /// logged in. It is sent with `keepalive`, so it reaches the server even when the page closes
    /// right after.
    pub fn log_out(&self) -> impl Future<Output = ()> + 'static {
        let tab = self.tab().ok();
        async move {
            let Some(tab) = tab else { return };
            let Some(id) = tab.session_id() else { return };
            let Some(ended) = tab.end_session(&id, SessionEnd::LoggedOut).await else {
                return;
            };
            let wire = &tab.config.wire;
            let Some(blacklist) = wire.endpoints.token_blacklist.clone() else {
                return;
            };
            let request = match ended.refresh {
                Some(refresh) => {
                    ApiRequest::post(blacklist).json_fields([(wire.refresh_field.clone(), refresh)])
                }
                // The refresh cookie goes by itself.
                None => ApiRequest::post(blacklist).json_text("{}"),
            }
            .keepalive(true);
            let blacklisted = send(tab, request).await.and_then(|r| r.ok());
            if let Err(error) = blacklisted {
                leptos::logging::warn!("could not blacklist the refresh token: {error}");
            }
        }
    }
}

async fn log_in(tab: &Rc<TabSession>, credentials: &Credentials) -> ApiResult<()> {
    let config = &tab.config;
    let body = credentials.body(&config.login_field).to_string();
    let request = ApiRequest::post(config.wire.endpoints.token_create.clone())
        .skip_auth()
        .json_text(body);
    let answer = send(tab.clone(), request)
        .await?
        .read_json(|json| LoginAnswer::from_json(json, &config.wire))?;
    let now = now_ms();
    let unusable = |e: crate::session::tokens::TokenError| ApiError::Decode(e.to_string());
    let mode = config.token_mode;
    let (tokens, mine) = if mode.in_cookies() {
        let lifetime = cookie_lifetime_ms(answer.refresh_expiration.as_deref(), &answer.access);
        let shared = Tokens::in_cookies(&answer.access, lifetime, now).map_err(unusable)?;
        // Only `RefreshCookie` keeps the access token (in this tab's memory).
        let mine = mode
            .access_in_memory()
            .then(|| shared.with_access(answer.access, now))
            .transpose()
            .map_err(unusable)?;
        (shared, mine)
    } else if answer.refresh.is_empty() {
        return Err(ApiError::Decode(
            "the login answer has no refresh token: the server keeps it in an httpOnly cookie \
             (dj-rest-auth's JWT_AUTH_HTTPONLY), which needs TokenMode::Cookies (the `cookies` \
             feature)"
                .to_owned(),
        ));
    } else {
        let tokens = Tokens::new(
            answer.access,
            answer.refresh,
            now,
            config.wire.refresh_token,
        )
        .map_err(unusable)?;
        (tokens.clone(), Some(tokens))
    };
    let user = match answer.user {
        Some(user) => Some(user),
        None if config.load_user => {
            // The new token goes as a header, except where only its cookie may carry it.
            let header = if mode.access_in_cookie() {
                None
            } else {
                mine.as_ref().and_then(|tokens| tokens.access.clone())
            };
            load_user(tab, header.as_deref()).await
        }
        None => None,
    };
    let session = Session {
        id: random_id(),
        tokens,
        user,
    };
    if let (true, Some(mine)) = (mode.access_in_memory(), mine) {
        tab.remember_access(&session.id, mine);
    }
    tab.as_writer(move |tab, latest| async move {
        // A login wins over whatever was stored.
        tab.write(tab.next_state(&latest, Some(session), None))
            .await;
    })
    .await
    .ok_or(ApiError::LockTimeout)
}

/// The user for a login's fresh `access` token (none: its cookie), before the session is stored,
/// so that tokens and user arrive in every tab together. `None` where there is no user endpoint
/// or it fails.
async fn load_user(tab: &TabSession, access: Option<&str>) -> Option<String> {
    let me = tab.config.wire.endpoints.me.as_ref()?;
    let target = tab.config.base.locate(me)?;
    let loaded = exchange(tab, &target, &ApiRequest::get(me.clone()), access)
        .await
        .and_then(|response| user_json(&response));
    loaded
        .inspect_err(|error| {
            leptos::logging::warn!("logged in, but the user did not load: {error}")
        })
        .ok()
}

/// The user in a 2xx answer, as compact JSON text.
fn user_json(response: &ApiResponse) -> ApiResult<String> {
    response.read_json(|json| match json {
        Json::Object(_) => Ok(json.to_string()),
        _ => Err(JsonError::NotAnObject),
    })
}

/// Sends `request` and keeps the user it answers with.
async fn user_from<U: SessionUser>(tab: &Rc<TabSession>, request: ApiRequest) -> ApiResult<U> {
    let session_id = tab.session_id();
    let response = send(tab.clone(), request).await?;
    let json = user_json(&response)?;
    let user = U::from_json(&json).map_err(|e| ApiError::Decode(e.to_string()))?;
    if let Some(session_id) = session_id {
        keep_user(tab, session_id, json).await;
    }
    Ok(user)
}

/// Records `user` for session `session_id`, unless the session has ended or changed hands
/// meanwhile: a late answer must not bring anyone back.
async fn keep_user(tab: &Rc<TabSession>, session_id: String, user: String) {
    if tab.user().as_ref() == Some(&user) {
        return;
    }
    tab.as_writer(move |tab, latest| async move {
        let Some(session) = latest.session.clone().filter(|s| s.id == session_id) else {
            return;
        };
        if session.user.as_ref() == Some(&user) {
            return;
        }
        let with_user = Session {
            user: Some(user),
            ..session
        };
        tab.write(tab.next_state(&latest, Some(with_user), None))
            .await;
    })
    .await;
}
