//! What the server knows of one visitor's session, for the page it renders and the server
//! functions it runs.

use std::sync::Arc;

use crate::http::error::{ApiError, ApiResult};
use crate::http::response::ApiResponse;
use crate::platform::now_ms;
use crate::server::middleware::Shared;
use crate::session::snapshot::Snapshot;
use crate::session::tokens::Claims;
use crate::session::user::SessionUser;

/// One visitor's session as the server knows it from their cookies: put in the request by
/// [`session_cookies`](crate::server::session_cookies), read with [`ServerSession::current`].
///
/// `Debug` shows no token.
#[derive(Clone)]
pub struct ServerSession {
    pub(crate) access: Option<String>,
    pub(crate) logged_in: bool,
    pub(crate) user: Option<String>,
    pub(crate) server: Arc<Shared>,
}

impl std::fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSession")
            .field("logged_in", &self.logged_in)
            .field("has_access", &self.access.is_some())
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl ServerSession {
    /// The session of the request being handled: in a component rendering on the server, or in
    /// a server function. `None` outside a request, or without the middleware.
    #[must_use]
    pub fn current() -> Option<Self> {
        leptos::prelude::use_context::<http::request::Parts>()?
            .extensions
            .get::<Self>()
            .cloned()
    }

    /// Whether the visitor has a session: a refresh cookie the server has not refused. A session
    /// whose refresh failed only for want of an answer (the API down) still counts: that is no
    /// logout.
    #[must_use]
    pub fn is_logged_in(&self) -> bool {
        self.logged_in
    }

    /// The user, as the API's user endpoint answered for this visitor, read as `U`.
    #[must_use]
    pub fn user<U: SessionUser>(&self) -> Option<U> {
        U::from_json(self.user.as_deref()?).ok()
    }

    /// `GET path` (relative to the API base the server reaches) as this visitor.
    ///
    /// # Errors
    /// [`ApiError::SessionExpired`] for a visitor without a session, or why no answer came.
    pub async fn get(&self, path: &str) -> ApiResult<ApiResponse> {
        let access = self.access.as_deref().ok_or(if self.logged_in {
            ApiError::Network
        } else {
            ApiError::SessionExpired
        })?;
        self.server.get(path, access).await
    }

    /// What the page is rendered with, and hydrates with: no token in it.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let claims = self
            .access
            .as_deref()
            .and_then(|access| Claims::decode(access).ok());
        let now_s = now_ms() / 1000.0;
        Snapshot {
            known: true,
            logged_in: self.logged_in,
            user: self.user.clone(),
            access_left_ms: claims
                .as_ref()
                .map(|claims| ((claims.exp as f64 - now_s) * 1000.0).max(0.0)),
            access_lifetime_ms: claims.as_ref().and_then(Claims::lifetime_ms),
        }
    }
}
