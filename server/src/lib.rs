//! The reference backend for the interceptor app: the djoser +
//! djangorestframework-simplejwt wire contract (`docs/wire.md`) on axum and SQLite.
//!
//! ```text
//! cargo run -p interceptor-server -- --db :memory: --test-hooks
//! ```
//!
//! [`app`] builds the whole service from an [`AppState`], so tests drive it with
//! `tower::ServiceExt::oneshot` and no socket.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod cookies;
pub mod cors;
pub mod db;
pub mod errors;
pub mod families;
pub mod input;
pub mod lifecycle;
pub mod passwords;
pub mod request_log;
pub mod routes;
pub mod state;
pub mod test_hooks;
pub mod tokens;

use axum::middleware::from_fn_with_state;
use axum::Router;

pub use clock::Clock;
pub use config::{
    AuthHeaderTypes, CorsPolicy, LogFormat, LoginField, Settings, TokenSettings, UrlLayout,
};
pub use db::Db;
pub use state::{AppState, InitError};

/// The complete service: API routes, test hooks when enabled, static files when
/// configured, wrapped (inside out) in the request timeout, fault injection, the
/// configured `WWW-Authenticate`, CORS, the session's `Vary: Cookie` (the cookie wire) and
/// the request log.
///
/// The middleware wraps the routed service as a whole rather than each route
/// (`Router::layer` would run it after method dispatch), so a preflight is answered
/// before any view or method router sees it.
pub fn app(state: AppState) -> Router {
    let mut routes = routes::api(state.url_layout());
    if state.hooks().is_some() {
        routes = routes.merge(test_hooks::routes());
    }
    let routed = routes.fallback(routes::fallback).with_state(state.clone());
    Router::new()
        .fallback_service(routed)
        .layer(from_fn_with_state(
            state.clone(),
            lifecycle::time_out_requests,
        ))
        .layer(from_fn_with_state(state.clone(), test_hooks::inject_faults))
        .layer(from_fn_with_state(state.clone(), auth::www_authenticate))
        .layer(from_fn_with_state(state.clone(), cors::cors))
        .layer(axum::middleware::from_fn(cookies::session_vary))
        .layer(from_fn_with_state(state, request_log::log_requests))
}
