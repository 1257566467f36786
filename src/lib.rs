//! interceptor-app: a Leptos SPA that logs in against a djoser + SimpleJWT API and keeps the
//! user logged in by refreshing the access token automatically.
//!
//! The reusable part is [`auth`], [`api`] and [`context`]; none of them depends on [`pages`] or
//! [`components`], which are the demo app built on them.
//!
//! # Use it in your app
//!
//! Provide the store, the client and the keeper once, near the root, then take them from
//! context anywhere below:
//!
//! ```no_run
//! use interceptor_app::api::{ApiBase, ApiRequest};
//! use interceptor_app::auth::StorageKind;
//! use interceptor_app::{provide_auth, use_auth, use_client, AuthConfig};
//! use leptos::prelude::*;
//!
//! #[component]
//! fn MyApp() -> impl IntoView {
//!     // `<meta name="api-base" content="https://api.example.com/">` in index.html, or `/api/`.
//!     let base = ApiBase::from_document().expect("a valid API base");
//!     let config = AuthConfig {
//!         storage: StorageKind::Session,   // one tab; `Local` (default) shares tabs
//!         refresh_lead_ms: Some(60_000.0), // refresh a minute before expiry
//!         ..AuthConfig::new(base)
//!     };
//!     provide_auth(config);
//!     view! { <Orders/> }
//! }
//!
//! #[component]
//! fn Orders() -> impl IntoView {
//!     let auth = use_auth();
//!     let client = use_client();
//!     // Any endpoint under the base gets the Bearer token, refresh and retry.
//!     let orders = LocalResource::new(move || async move {
//!         client.call::<serde_json::Value>(&ApiRequest::get("v1/orders/")).await
//!     });
//!     view! {
//!         <Show when=move || auth.is_authenticated() fallback=|| "Please log in.">
//!             {move || orders.get().map(|result| match result {
//!                 Ok(orders) => orders.to_string(),
//!                 Err(error) => error.to_string(),
//!             })}
//!         </Show>
//!     }
//! }
//! ```

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod components;
pub mod context;
pub mod json;
pub mod pages;
pub mod routes;

pub use app::App;
pub use context::{provide_auth, use_auth, use_client, use_keeper, AuthConfig};
