//! Wiring the store and the client into a Leptos app.

use leptos::prelude::*;

use crate::api::{keep_session_fresh, ApiBase, ApiClient, ClientConfig, Endpoints, SessionKeeper};
use crate::auth::{AuthStore, StorageKind};

/// Everything the auth layer needs to know about its deployment.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Where the API lives; see [`ApiBase::from_document`].
    pub base: ApiBase,
    pub endpoints: Endpoints,
    pub storage: StorageKind,
    /// How long one HTTP exchange may take, ms.
    pub timeout_ms: u32,
    /// How long before expiry the access token is refreshed, ms; `None`: 30 s or a tenth of
    /// its lifetime, whichever is less.
    pub refresh_lead_ms: Option<f64>,
}

impl AuthConfig {
    /// Defaults for an API at `base`: djoser + SimpleJWT paths, localStorage, 15 s timeout.
    pub fn new(base: ApiBase) -> Self {
        Self {
            base,
            endpoints: Endpoints::default(),
            storage: StorageKind::Local,
            timeout_ms: 15_000,
            refresh_lead_ms: None,
        }
    }
}

/// Restores the session, follows other tabs, keeps the access token fresh, and puts the store,
/// the client and the keeper in context.
pub fn provide_auth(config: AuthConfig) -> (AuthStore, ApiClient) {
    let store = AuthStore::restore(config.storage);
    store.watch_other_tabs();
    let client = ApiClient::new(
        store,
        ClientConfig {
            base: config.base,
            endpoints: config.endpoints,
            timeout_ms: config.timeout_ms,
            refresh_lead_ms: config.refresh_lead_ms,
        },
    );
    let keeper = keep_session_fresh(client);
    provide_context(store);
    provide_context(client);
    provide_context(keeper);
    (store, client)
}

/// The auth store from context. Panics when [`provide_auth`] was not called above.
pub fn use_auth() -> AuthStore {
    expect_context()
}

/// The session keeper from context. Panics when [`provide_auth`] was not called above.
pub fn use_keeper() -> SessionKeeper {
    expect_context()
}

/// The API client from context. Panics when [`provide_auth`] was not called above.
pub fn use_client() -> ApiClient {
    expect_context()
}
