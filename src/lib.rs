//! interceptor-app: a Leptos SPA that logs in against a djoser + SimpleJWT API and keeps the
//! user logged in by refreshing the access token automatically.
//!
//! The reusable part is [`auth`], [`api`] and [`context`]; [`pages`] and [`components`] are the
//! demo app built on them.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod components;
pub mod context;
pub mod pages;
pub mod routes;

pub use app::App;
pub use context::{provide_auth, use_auth, use_client, AuthConfig};
