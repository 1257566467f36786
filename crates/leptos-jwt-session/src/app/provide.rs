//! Wiring the layer into a Leptos app: one call near the root, hooks below it.

use std::rc::Rc;

use leptos::prelude::*;

use crate::api::client::ApiClient;
use crate::app::events::Events;
use crate::app::refresh_ahead::{keep_session_fresh, SessionKeeper};
use crate::app::store::AuthStore;
use crate::config::AuthConfig;
use crate::session::events::EventHub;
use crate::session::tab::{Signals, TabSession};

/// What [`provide_auth`] puts in context, all `Copy`.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Auth {
    /// The session's state (see [`use_auth`]).
    pub store: AuthStore,
    /// The HTTP client (see [`use_client`]).
    pub client: ApiClient,
    /// Refresh ahead of expiry and its connectivity (see [`use_keeper`]).
    pub keeper: SessionKeeper,
}

/// Restores the session from storage, follows other tabs, keeps the access token fresh, and puts
/// the store, the client and the keeper in context, for as long as the current component lives.
/// Call it once, near the root:
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_jwt_session::{provide_auth, AuthConfig};
///
/// #[component]
/// fn App() -> impl IntoView {
///     match AuthConfig::from_document() {
///         Ok(config) => {
///             provide_auth(config);
///             view! { <p>"…the app…"</p> }.into_any()
///         }
///         Err(error) => view! { <p>{error.to_string()}</p> }.into_any(),
///     }
/// }
/// ```
///
/// Unmounting the component that called it stops the timers and listeners; requests and
/// refreshes under way finish without touching anything that went with it.
// Called for what it puts in context; the handles it returns are a convenience.
#[allow(clippy::must_use_candidate)]
pub fn provide_auth(config: AuthConfig) -> Auth {
    let hub = Rc::new(EventHub::default());
    let signals = Signals::new();
    let tab = TabSession::restore(config, signals, hub.clone());
    StoredValue::new_local(tab.follow_other_tabs());
    let store = AuthStore::new(signals, tab.clone());
    let keeper = keep_session_fresh(tab.clone());
    let client = ApiClient::new(tab);
    provide_context(store);
    provide_context(client);
    provide_context(keeper);
    provide_context(Events {
        hub: StoredValue::new_local(hub),
    });
    Auth {
        store,
        client,
        keeper,
    }
}

/// The session's state from context.
///
/// # Panics
/// When [`provide_auth`] was not called above.
#[must_use]
pub fn use_auth() -> AuthStore {
    expect_context()
}

/// The HTTP client from context.
///
/// # Panics
/// When [`provide_auth`] was not called above.
#[must_use]
pub fn use_client() -> ApiClient {
    expect_context()
}

/// Refresh ahead of expiry from context: when the next refresh is due, and whether refreshes get
/// through.
///
/// # Panics
/// When [`provide_auth`] was not called above.
#[must_use]
pub fn use_keeper() -> SessionKeeper {
    expect_context()
}
