//! The session as the app's views see it: signals, read through a small `Copy` handle.

use std::rc::Rc;

use leptos::prelude::*;

use crate::platform::BrowserOnly;
use crate::session::state::SessionEnd;
use crate::session::tab::{Signals, TabSession};
use crate::session::tokens::Tokens;
use crate::session::user::SessionUser;

/// Reactive session state: whether someone is logged in, who, and how the last session ended.
/// `Copy`; [`use_auth`](crate::use_auth) takes it from context.
///
/// Whether the user is authenticated is set from the tokens in the one place that sets both, so
/// the two cannot disagree. The state changes only through the client (logging in, refreshing,
/// logging out) or through another tab; every tab sharing `localStorage` shows the same session.
#[derive(Debug, Clone, Copy)]
pub struct AuthStore {
    signals: Signals,
    tab: BrowserOnly<Rc<TabSession>>,
    /// Read while rendering, also on a server, where the tab's session is not kept.
    login_path: StoredValue<String>,
}

impl AuthStore {
    pub(crate) fn new(signals: Signals, tab: Rc<TabSession>) -> Self {
        Self {
            signals,
            login_path: StoredValue::new(tab.config.login_path.clone()),
            tab: BrowserOnly::new(tab),
        }
    }

    /// Whether the page knows yet whether there is a session (tracked). Always, in a
    /// client-side rendered app; in a server-rendered one, not on the server in the storage mode
    /// (it cannot read the browser's storage), and not in the browser until hydration is over.
    /// [`RequireAuth`](crate::RequireAuth) and [`Authenticated`](crate::Authenticated) show their
    /// fallback meanwhile.
    #[must_use]
    pub fn is_known(&self) -> bool {
        self.signals.known.try_get().unwrap_or(false)
    }

    /// Whether there is a session (tracked); `false` while that is not known.
    #[must_use]
    pub fn is_authenticated(&self) -> bool {
        self.signals.authenticated.try_get().unwrap_or(false)
    }

    /// Whether there is a session, without subscribing to it.
    #[must_use]
    pub fn is_authenticated_untracked(&self) -> bool {
        self.signals
            .authenticated
            .try_get_untracked()
            .unwrap_or(false)
    }

    /// The current user as `U` (tracked): known from the login on, and kept with the session
    /// (a reload shows it at once). `None` when nobody is logged in, or when the server's user
    /// does not read as `U` (a warning in the console says why).
    ///
    /// ```no_run
    /// # use leptos_jwt_session::{use_auth, DjoserUser};
    /// let auth = use_auth();
    /// let name = move || auth.user::<DjoserUser>().map(|user| user.username);
    /// ```
    #[must_use]
    pub fn user<U: SessionUser>(&self) -> Option<U> {
        self.signals
            .user
            .try_with(|user| read_user(user.as_deref()))
            .flatten()
    }

    /// The current user as `U`, without subscribing to it.
    #[must_use]
    pub fn user_untracked<U: SessionUser>(&self) -> Option<U> {
        self.signals
            .user
            .try_with_untracked(|user| read_user(user.as_deref()))
            .flatten()
    }

    /// Both tokens with their expiry times (tracked).
    #[must_use]
    pub fn tokens(&self) -> Option<Tokens> {
        self.signals.tokens.try_get().flatten()
    }

    /// Both tokens, without subscribing to them.
    #[must_use]
    pub fn tokens_untracked(&self) -> Option<Tokens> {
        self.tab.with(|tab| tab.tokens()).flatten()
    }

    /// How the last session ended, if it did (tracked).
    #[must_use]
    pub fn ended(&self) -> Option<SessionEnd> {
        self.signals.ended.try_get().flatten()
    }

    /// How the last session ended, without subscribing to it.
    #[must_use]
    pub fn ended_untracked(&self) -> Option<SessionEnd> {
        self.signals.ended.try_get_untracked().flatten()
    }

    /// Reads what other tabs have stored now, rather than when their `storage` event arrives.
    /// The layer does this itself when the tab is shown again; call it if your app has other
    /// reasons to think it missed something.
    pub fn sync_from_storage(&self) {
        self.tab.with(|tab| tab.sync_from_storage());
    }

    /// The app's login page (see [`AuthConfig::login_path`](crate::AuthConfig::login_path)).
    pub(crate) fn login_path(&self) -> String {
        self.login_path
            .try_get_value()
            .unwrap_or_else(|| "/login".to_owned())
    }

    /// The tab's session, for the test hooks.
    #[cfg(feature = "testing")]
    pub(crate) fn tab(&self) -> Option<Rc<TabSession>> {
        self.tab.get()
    }
}

fn read_user<U: SessionUser>(json: Option<&str>) -> Option<U> {
    U::from_json(json?)
        .inspect_err(|error| leptos::logging::warn!("the session's user: {error}"))
        .ok()
}
