#![doc = include_str!("../README.md")]
//!
//! # Inside the crate
//!
//! Five layers, each importing only from those below it (a unit test checks it):
//!
//! ```text
//! app/      what an app touches: provide_auth, AuthStore, RequireAuth, use_login, events, refresh
//!           ahead; server/ (`ssr`): what a server-rendered app's server knows from the cookies
//! api/      the interceptor (ApiClient), the refresh, the accounts calls, one exchange with events
//! session/  the session in this tab: its states and rules, tokens, user, events, the one writer
//! config/   settings and the wire's shape;  tabs/: the cross-tab lock, the ledger, the mirror
//! http/     one HTTP exchange, the request and the answer, the API base, errors; platform, json
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![warn(missing_debug_implementations, unreachable_pub)]

mod api;
mod app;
mod config;
mod http;
mod json;
mod platform;
#[cfg(feature = "ssr")]
#[cfg_attr(docsrs, doc(cfg(feature = "ssr")))]
pub mod server;
mod session;
mod tabs;
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod testing;

pub use api::client::ApiClient;
pub use api::credentials::{Credentials, Registration};
pub use app::events::use_auth_events;
pub use app::guard::{Authenticated, AuthenticatedProps, RequireAuth, RequireAuthProps};
pub use app::login::{use_login, use_logout, LoginForm, LogoutButton};
pub use app::next::{login_with_next, replacing, safe_next, use_next_path};
pub use app::provide::{provide_auth, use_auth, use_client, use_keeper, Auth};
pub use app::refresh_ahead::{Connectivity, SessionKeeper};
pub use app::store::AuthStore;
pub use config::wire::{Endpoints, RefreshOn, RefreshTokenKind, Wire};
pub use config::{storage_key, AuthConfig, PageConfigError, TokenMode, DEFAULT_NAMESPACE};
pub use http::api_base::{ApiBase, BaseUrlError, DEFAULT_API_BASE};
pub use http::error::{ApiError, ApiResult, FieldErrors};
pub use http::request::{ApiRequest, FetchCredentials, HttpMethod};
pub use http::response::ApiResponse;
pub use session::events::{AuthEvent, RefreshReason};
pub use session::state::SessionEnd;
pub use session::tokens::Tokens;
pub use session::user::{DjoserUser, SessionUser, UserDecodeError, UserFields};
pub use tabs::mirror::StorageKind;

/// What the `impl_session_user!` macro needs; not API.
#[cfg(feature = "serde")]
#[doc(hidden)]
pub mod __private {
    pub use serde_json;
}

#[cfg(test)]
mod layers;
