//! A JWT session for [Leptos](https://leptos.dev) 0.8 apps (client-side rendering) against a
//! Django API with [djoser](https://djoser.readthedocs.io) and
//! [SimpleJWT](https://django-rest-framework-simplejwt.readthedocs.io): log in, stay logged in,
//! log out, in every tab at once.
//!
//! - [`AuthStore`]: the session as signals (is someone logged in, who, how did the last session
//!   end), persisted to `localStorage` and shared by every tab.
//! - [`ApiClient`]: one HTTP client (over gloo-net) for every API call. It adds
//!   `Authorization: Bearer <access>` (or your `AUTH_HEADER_TYPES`) to requests under the API
//!   base and nowhere else; on a `401` with `"code": "token_not_valid"` it refreshes the access
//!   token once and replays the request; concurrent requests, and tabs, share one refresh; a
//!   refused refresh ends the session, a network failure never does.
//! - [`SessionKeeper`]: refreshes ahead of expiry, so a normal session sees no 401 at all, and
//!   retries with backoff while the server cannot be reached.
//! - [`RequireAuth`]: the route guard, sending visitors to `/login?next=<where they were>`.
//! - [`use_auth_events`]: every request and refresh as it happens, if you want to show them.
//!
//! Every djoser/SimpleJWT setting that changes the wire is a setting of [`AuthConfig`], with
//! djoser's defaults.
//!
//! # Use it in your app
//!
//! ```no_run
//! use leptos::prelude::*;
//! use leptos_router::components::{Route, Router, Routes};
//! use leptos_router::path;
//! use leptos_jwt_session::{
//!     provide_auth, replacing, use_auth, use_client, use_next_path, ApiClient, ApiRequest,
//!     AuthConfig, AuthStore, Credentials, DjoserUser, RequireAuth,
//! };
//!
//! #[component]
//! fn App() -> impl IntoView {
//!     // `<meta name="api-base" content="/api/">` in index.html (the default), or another origin.
//!     let Ok(config) = AuthConfig::from_document() else {
//!         return view! { <p>"No API base."</p> }.into_any();
//!     };
//!     // Your Django's settings, e.g. SIMPLE_JWT["AUTH_HEADER_TYPES"] = ("JWT",):
//!     provide_auth::<DjoserUser>(config.header_type("JWT"));
//!     view! {
//!         <Router>
//!             <Routes fallback=|| "Not found.">
//!                 <Route path=path!("/login") view=Login/>
//!                 <Route path=path!("/") view=|| view! { <RequireAuth><Orders/></RequireAuth> }/>
//!             </Routes>
//!         </Router>
//!     }
//!     .into_any()
//! }
//!
//! #[component]
//! fn Login() -> impl IntoView {
//!     let client: ApiClient = use_client();
//!     let navigate = leptos_router::hooks::use_navigate();
//!     let next = use_next_path();
//!     let (username, password) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
//!     let log_in = Action::new_local(move |credentials: &Credentials| {
//!         client.log_in(credentials)
//!     });
//!     Effect::new(move |_| {
//!         if let Some(Ok(())) = log_in.value().get() {
//!             navigate(&next, replacing());
//!         }
//!     });
//!     view! {
//!         <form on:submit=move |event| {
//!             event.prevent_default();
//!             log_in.dispatch_local(Credentials::new(username.get(), password.get()));
//!         }>
//!             <input bind:value=username autocomplete="username"/>
//!             <input type="password" bind:value=password autocomplete="current-password"/>
//!             <button type="submit">"Log in"</button>
//!             // Typed errors whose `Display` is a message for the user.
//!             <p>{move || log_in.value().get().and_then(Result::err).map(|e| e.to_string())}</p>
//!         </form>
//!     }
//! }
//!
//! #[component]
//! fn Orders() -> impl IntoView {
//!     let auth: AuthStore = use_auth();
//!     let client: ApiClient = use_client();
//!     // Any endpoint under the base gets the token, the refresh and the replay.
//!     let orders = LocalResource::new(move || async move {
//!         let response = client.send(&ApiRequest::get("v1/orders/")).await?;
//!         response.ok()?;
//!         Ok::<_, leptos_jwt_session::ApiError>(response.body)
//!     });
//!     let log_out = Action::new_local(move |_: &()| client.log_out());
//!     view! {
//!         <p>"Hello " {move || auth.user().map(|user| user.username)}</p>
//!         <pre>{move || orders.get().map(|result| result.unwrap_or_else(|e| e.to_string()))}</pre>
//!         <button on:click=move |_| { log_out.dispatch_local(()); }>"Log out"</button>
//!     }
//! }
//! ```
//!
//! # Tabs, locks and what each browser guarantees
//!
//! With [`StorageKind::Local`] (the default) every tab shares one session. Every write of it
//! (login, refresh, user, logout) happens under a cross-tab lock after reading the newest state
//! from IndexedDB, which every browser process sees in commit order: under rotation and
//! blacklisting, no tab ever sends a refresh token that another tab has rotated. The lock is a
//! Web Lock where the page is a secure context (HTTPS, `localhost`); elsewhere, a lease taken by
//! compare-and-set in IndexedDB, which is as exclusive but waits out a tab that died holding it
//! (4 s at most: its holder renews it every second). Where neither IndexedDB nor Web Locks
//! exist, a `localStorage` lease is all there is: best effort, and two tabs in different
//! processes may then both refresh.
//!
//! One loss no client can prevent: under rotation with blacklisting, a page that reloads or
//! closes while its refresh is in flight never reads the rotated token, and the server has
//! already blacklisted the one the other tabs hold, so the session ends at the next refresh.
//! The window is one refresh round trip per access lifetime.
//!
//! # Features
//!
//! - `serde`: [`ApiClient::call`] and [`ApiRequest::json`] for your serde types, and any
//!   `Serialize + DeserializeOwned` type as the session's user ([`SessionUser`]). Off by
//!   default: serde_json adds about 40 kB of gzip to a Leptos app, and the layer's own JSON
//!   does not need it.
//! - `testing`: what this crate's browser tests need. Not part of the API.
#![deny(missing_docs)]

mod base;
mod client;
mod clock;
mod config;
mod context;
mod core;
mod djoser;
mod error;
mod events;
mod idb;
mod json;
mod keeper;
mod lock;
mod refresh;
mod request;
mod routes;
mod session;
mod storage;
mod store;
mod token;
mod transport;
mod user;

pub use base::{ApiBase, BaseUrlError, DEFAULT_API_BASE};
pub use client::ApiClient;
pub use config::{AuthConfig, Endpoints, StorageKind, DEFAULT_NAMESPACE};
pub use context::{provide_auth, use_auth, use_client, use_keeper, Auth};
pub use error::{ApiError, ApiResult, FieldErrors};
pub use events::{use_auth_events, AuthEvent, RefreshReason};
pub use keeper::{Connectivity, SessionKeeper};
pub use request::{ApiRequest, Credentials, Registration};
pub use routes::{login_with_next, replacing, safe_next, use_next_path, RequireAuth};
pub use session::SessionEnd;
pub use store::AuthStore;
pub use token::Tokens;
pub use transport::{ApiResponse, HttpMethod};
pub use user::{DjoserUser, SessionUser, UserDecodeError, UserFields};

/// What this crate's browser tests need and nothing else. Not part of the API: it may change in
/// any release.
#[cfg(feature = "testing")]
pub mod testing {
    pub use crate::lock::with_lock_for_tests;

    /// Leaves a fallback lease on the lock `name` as a tab that closed while holding it leaves
    /// it: taken just now, and never to be renewed or released.
    pub async fn leave_dead_lease(window: &web_sys::Window, name: &str) {
        let key = format!("{name}.lease");
        let lease = crate::lock::lease_until_now_plus("dead-tab ");
        if let Some(storage) = window.local_storage().ok().flatten() {
            let _ = storage.set_item(&key, &lease);
        }
        if let Some(idb) = crate::idb::Idb::open(window, name).await {
            idb.put(&key, &lease).await;
        }
    }

    /// Removes namespace `namespace`'s stored session from `window`'s origin: `localStorage`,
    /// IndexedDB and any lease.
    pub async fn forget_stored_session(window: &web_sys::Window, namespace: &str) {
        let key = format!("{namespace}.session.v1");
        let lease = format!("{namespace}.session.lease");
        if let Some(storage) = window.local_storage().ok().flatten() {
            let _ = storage.remove_item(&key);
            let _ = storage.remove_item(&lease);
        }
        if let Some(idb) = crate::idb::Idb::open(window, namespace).await {
            idb.delete(&key).await;
            idb.delete(&lease).await;
        }
    }
}
