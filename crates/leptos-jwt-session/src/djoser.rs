//! djoser's and SimpleJWT's own calls: logging in and out, the current user, registration and
//! the password.

use std::future::Future;
use std::rc::Rc;

use crate::client::{send, ApiClient};
use crate::clock::now_ms;
use crate::core::{random_id, Core};
use crate::error::{ApiError, ApiResult};
use crate::json::{Json, JsonError};
use crate::request::{ApiRequest, Credentials, Registration};
use crate::session::{Session, SessionEnd};
use crate::token::Tokens;
use crate::transport::ApiResponse;
use crate::user::SessionUser;

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

impl<U: SessionUser> ApiClient<U> {
    /// Logs in (`POST jwt/create/` with the configured login field and the password): the
    /// tokens are stored and the session has begun, in every tab. The user is not loaded here:
    /// the page the user goes to next asks `users/me/` ([`Self::me`]) as it opens.
    ///
    /// # Errors
    /// [`ApiError::Unauthorized`] for wrong credentials (with the server's message),
    /// [`ApiError::Fields`] for missing fields, or why no answer came.
    pub fn log_in(
        &self,
        credentials: &Credentials,
    ) -> impl Future<Output = ApiResult<()>> + 'static {
        let credentials = credentials.clone();
        self.with_core(move |core| async move { log_in(&core, &credentials).await })
    }

    /// Registers an account (djoser `POST users/`), then logs in with it.
    ///
    /// # Errors
    /// [`ApiError::Fields`] with the server's message per field (a username taken, a password
    /// too short …), or why no answer came.
    pub fn register(
        &self,
        registration: &Registration,
    ) -> impl Future<Output = ApiResult<()>> + 'static {
        let registration = registration.clone();
        self.with_core(move |core| async move {
            let body = registration.body(&core.config.login_field).to_string();
            let request = ApiRequest::post(core.config.endpoints.users.clone())
                .skip_auth()
                .json_text(body);
            send(core.clone(), request).await?.ok()?;
            log_in(&core, &registration.credentials()).await
        })
    }

    /// `GET users/me/`; the answer becomes the session's user (in storage and every tab).
    pub fn me(&self) -> impl Future<Output = ApiResult<U>> + 'static {
        self.with_core(|core| async move {
            let request = ApiRequest::get(core.config.endpoints.me.clone());
            user_from(&core, request).await
        })
    }

    /// Changes fields of the current user (djoser `PATCH users/me/`), e.g.
    /// `[("email", "new@example.com")]`; the answer becomes the session's user.
    pub fn update_me<I, K, V>(&self, fields: I) -> impl Future<Output = ApiResult<U>> + 'static
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let fields: Vec<(String, String)> = fields
            .into_iter()
            .map(|(name, value)| (name.into(), value.into()))
            .collect();
        self.with_core(move |core| async move {
            let request = ApiRequest::patch(core.config.endpoints.me.clone()).json_fields(fields);
            user_from(&core, request).await
        })
    }

    /// Changes the password (djoser `POST users/set_password/`, 204). The session goes on, as
    /// SimpleJWT's tokens do not depend on the password by default; where the server revokes
    /// them with it (`CHECK_REVOKE_TOKEN`), the next refresh is refused and the user logs in
    /// again.
    pub fn set_password(
        &self,
        current: &str,
        new: &str,
    ) -> impl Future<Output = ApiResult<()>> + 'static {
        let fields = [
            ("new_password", new.to_owned()),
            ("current_password", current.to_owned()),
        ];
        self.with_core(move |core| async move {
            let request =
                ApiRequest::post(core.config.endpoints.set_password.clone()).json_fields(fields);
            send(core, request).await?.ok()
        })
    }

    /// Ends the session at once, in this tab and every other, then blacklists the refresh token
    /// on the server (SimpleJWT's `jwt/blacklist/`), best effort: a network failure must not
    /// keep anyone logged in.
    pub fn log_out(&self) -> impl Future<Output = ()> + 'static {
        let core = self.core().ok();
        async move {
            let Some(core) = core else { return };
            let Some(id) = core.session_id() else { return };
            let Some(refresh) = core.end_session(&id, SessionEnd::LoggedOut).await else {
                return;
            };
            let request = ApiRequest::post(core.config.endpoints.token_blacklist.clone())
                .json_fields([("refresh", refresh)]);
            let blacklisted = send(core, request).await.and_then(|response| response.ok());
            if let Err(error) = blacklisted {
                leptos::logging::warn!("could not blacklist the refresh token: {error}");
            }
        }
    }
}

async fn log_in<U: SessionUser>(core: &Rc<Core<U>>, credentials: &Credentials) -> ApiResult<()> {
    let body = credentials.body(&core.config.login_field).to_string();
    let request = ApiRequest::post(core.config.endpoints.token_create.clone())
        .skip_auth()
        .json_text(body);
    let pair = send(core.clone(), request)
        .await?
        .read_json(TokenPair::from_json)?;
    let tokens = Tokens::new(pair.access, pair.refresh, now_ms())
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    let session = Session {
        id: random_id(),
        tokens,
        user: None,
    };
    core.transact(move |core, latest| async move {
        // A login wins over whatever was stored.
        core.write(core.next_state(&latest, Some(session), None))
            .await;
    })
    .await
    .ok_or(ApiError::Timeout)
}

/// Sends `request` and keeps the user it answers with.
async fn user_from<U: SessionUser>(core: &Rc<Core<U>>, request: ApiRequest) -> ApiResult<U> {
    let session_id = core.session_id();
    let response: ApiResponse = send(core.clone(), request).await?;
    response.ok()?;
    let user = U::from_json(&response.body).map_err(|e| ApiError::Decode(e.to_string()))?;
    if let Some(session_id) = session_id {
        keep_user(core, session_id, user.clone()).await;
    }
    Ok(user)
}

/// Records `user` for session `session_id`, unless the session has ended or changed hands
/// meanwhile: a late answer must not bring anyone back.
async fn keep_user<U: SessionUser>(core: &Rc<Core<U>>, session_id: String, user: U) {
    if core.user().as_ref() == Some(&user) {
        return;
    }
    core.transact(move |core, latest| async move {
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
        core.write(core.next_state(&latest, Some(with_user), None))
            .await;
    })
    .await;
}
