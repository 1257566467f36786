//! Wiring the layer into a Leptos app: one call near the root, hooks below it.

use std::rc::Rc;

use leptos::prelude::*;

use crate::api::client::ApiClient;
use crate::app::events::Events;
use crate::app::refresh_ahead::{keep_session_fresh, SessionKeeper};
use crate::app::store::AuthStore;
use crate::config::AuthConfig;
use crate::platform::BrowserOnly;
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
    let tab = restore(config, signals, hub.clone());
    BrowserOnly::new(tab.follow_other_tabs());
    let store = AuthStore::new(signals, tab.clone());
    let keeper = keep_session_fresh(tab.clone());
    let client = ApiClient::new(tab);
    provide_context(store);
    provide_context(client);
    provide_context(keeper);
    provide_context(Events {
        hub: BrowserOnly::new(hub),
    });
    Auth {
        store,
        client,
        keeper,
    }
}

/// This tab's session, as a client-side rendered app has it at once.
#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn restore(config: AuthConfig, signals: Signals, hub: Rc<EventHub>) -> Rc<TabSession> {
    TabSession::restore(config, signals, hub, None)
}

/// This tab's session in a server-rendered app: the page first shows what the server knew (its
/// view is written into the page, and read back while hydrating), and the browser's own state
/// once hydration is over, in the same frame.
#[cfg(any(feature = "ssr", feature = "hydrate"))]
fn restore(config: AuthConfig, signals: Signals, hub: Rc<EventHub>) -> Rc<TabSession> {
    use crate::session::snapshot::Snapshot;
    let first = leptos::server::SharedValue::new_str(|| server_view(&config)).into_inner();
    let first = Snapshot::decode(&first);
    let tab = TabSession::restore(config, signals, hub, Some(&first));
    if tab.config.window().is_some() {
        let released = tab.clone();
        // Effects run once the page has hydrated.
        Effect::new(move |_| released.release(&first));
    }
    tab
}

/// What the server knows of the visitor's session, as text for the page.
#[cfg(feature = "ssr")]
fn server_view(config: &AuthConfig) -> String {
    crate::server::ServerSession::current()
        .filter(|_| config.token_mode.in_cookies())
        .map_or_else(crate::session::snapshot::Snapshot::unknown, |session| {
            session.snapshot()
        })
        .encode()
}

/// In the browser the server's view is read from the page; a page that has none knows nothing.
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn server_view(_: &AuthConfig) -> String {
    crate::session::snapshot::Snapshot::unknown().encode()
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
