//! Wiring the layer into a Leptos app: one call near the root, hooks below it.

use std::rc::Rc;

use leptos::prelude::*;

use crate::client::ApiClient;
use crate::config::AuthConfig;
use crate::core::{Core, Signals};
use crate::events::{EventHub, Events};
use crate::keeper::{keep_session_fresh, SessionKeeper};
use crate::routes::Guard;
use crate::store::AuthStore;
use crate::user::{DjoserUser, SessionUser};

/// What [`provide_auth`] puts in context, all `Copy`.
#[non_exhaustive]
pub struct Auth<U: SessionUser = DjoserUser> {
    /// The session's state (see [`use_auth`]).
    pub store: AuthStore<U>,
    /// The HTTP client (see [`use_client`]).
    pub client: ApiClient<U>,
    /// Proactive refresh and its connectivity (see [`use_keeper`]).
    pub keeper: SessionKeeper,
}

impl<U: SessionUser> Clone for Auth<U> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<U: SessionUser> Copy for Auth<U> {}

/// Restores the session from storage, follows other tabs, keeps the access token fresh, and puts
/// the store, the client and the keeper in context, for as long as the current component lives.
///
/// Call it once, near the root, with the app's user type (`DjoserUser` unless your user model
/// differs):
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_jwt_session::{provide_auth, AuthConfig, DjoserUser};
///
/// #[component]
/// fn App() -> impl IntoView {
///     match AuthConfig::from_document() {
///         Ok(config) => {
///             provide_auth::<DjoserUser>(config);
///             view! { <p>"…the app…"</p> }.into_any()
///         }
///         Err(error) => view! { <p>{error.to_string()}</p> }.into_any(),
///     }
/// }
/// ```
///
/// Unmounting the component that called it stops the timers and listeners; requests and
/// refreshes under way finish without touching anything that went with it.
pub fn provide_auth<U: SessionUser>(config: AuthConfig) -> Auth<U> {
    let hub = Rc::new(EventHub::default());
    let signals = Signals::new();
    let login_path = config.login_path.clone();
    let core = Core::restore(config, signals, hub.clone());
    StoredValue::new_local(core.follow_other_tabs());
    let store = AuthStore::new(signals, core.clone());
    let keeper = keep_session_fresh(core.clone(), signals.tokens);
    let client = ApiClient::new(core);
    provide_context(store);
    provide_context(client);
    provide_context(keeper);
    provide_context(Events {
        hub: StoredValue::new_local(hub),
    });
    provide_context(Guard {
        authenticated: Signal::derive(move || store.is_authenticated()),
        ended: Signal::derive(move || store.ended()),
        login_path: StoredValue::new(login_path),
    });
    Auth {
        store,
        client,
        keeper,
    }
}

/// The session's state from context: `let auth: AuthStore = use_auth();` (or
/// `AuthStore<YourUser>`).
///
/// # Panics
/// When [`provide_auth`] was not called above with the same user type.
pub fn use_auth<U: SessionUser>() -> AuthStore<U> {
    expect_context()
}

/// The HTTP client from context: `let client: ApiClient = use_client();` (or
/// `ApiClient<YourUser>`).
///
/// # Panics
/// When [`provide_auth`] was not called above with the same user type.
pub fn use_client<U: SessionUser>() -> ApiClient<U> {
    expect_context()
}

/// The session keeper from context: when the next refresh is due, and whether refreshes get
/// through.
///
/// # Panics
/// When [`provide_auth`] was not called above.
pub fn use_keeper() -> SessionKeeper {
    expect_context()
}
