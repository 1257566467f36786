//! The server side of a server-rendered app (the `ssr` feature): what the server knows of a
//! visitor from their cookies ([`ServerSession`]), and the axum middleware that finds it out
//! ([`session_cookies`], with a [`SessionServer`]): it refreshes through the refresh cookie when
//! the access cookie is missing or about to expire, once per refresh token however many
//! requests (restored tabs) arrive with it, and passes the rotated cookies on to the browser
//! before the page starts streaming.
//!
//! Only the cookie modes give a server anything to know: in the storage mode the tokens live in
//! the browser's storage, which no server reads, and pages render the session as not known yet.
//!
//! ```no_run
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::Router;
//! use leptos_jwt_session::server::{session_cookies, SessionServer};
//! use leptos_jwt_session::{ApiBase, AuthConfig, TokenMode, Wire};
//!
//! let config = AuthConfig::new(ApiBase::new("http://127.0.0.1:3000/api/")?)
//!     .wire(Wire::dj_rest_auth("auth/"))
//!     .token_mode(TokenMode::Cookies);
//! // Where this server reaches Django (its own network), and the cookies' names.
//! let sessions = SessionServer::new(&config, ApiBase::new("http://127.0.0.1:8000/api/")?);
//! let app: Router = Router::new() // .leptos_routes(…)
//!     .layer(axum::middleware::from_fn_with_state(sessions, session_cookies));
//! # let _ = app;
//! # Ok(())
//! # }
//! ```

mod middleware;
mod session;

pub use middleware::{session_cookies, SessionServer};
pub use session::ServerSession;
