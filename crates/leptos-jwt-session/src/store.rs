//! The session as the app's views see it: signals, read through a small `Copy` handle.

use std::rc::Rc;

use leptos::prelude::*;

use crate::core::{Core, Signals};
use crate::session::SessionEnd;
use crate::token::Tokens;
use crate::user::{DjoserUser, SessionUser};

/// Reactive session state: whether someone is logged in, who, and how the last session ended.
/// `Copy`; [`use_auth`](crate::use_auth) takes it from context.
///
/// Whether the user is authenticated is derived from the tokens, never stored apart, so the two
/// cannot disagree. The state changes only through the client (logging in, refreshing, logging
/// out) or through another tab; every tab sharing `localStorage` shows the same session.
pub struct AuthStore<U: SessionUser = DjoserUser> {
    signals: Signals<U>,
    authenticated: Memo<bool>,
    core: StoredValue<Rc<Core<U>>, LocalStorage>,
}

impl<U: SessionUser> Clone for AuthStore<U> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<U: SessionUser> Copy for AuthStore<U> {}

impl<U: SessionUser> AuthStore<U> {
    pub(crate) fn new(signals: Signals<U>, core: Rc<Core<U>>) -> Self {
        let tokens = signals.tokens;
        Self {
            signals,
            authenticated: Memo::new(move |_| tokens.with(Option::is_some)),
            core: StoredValue::new_local(core),
        }
    }

    /// Whether there is a session (tracked).
    pub fn is_authenticated(&self) -> bool {
        self.authenticated.try_get().unwrap_or(false)
    }

    /// Whether there is a session, without subscribing to it.
    pub fn is_authenticated_untracked(&self) -> bool {
        self.authenticated.try_get_untracked().unwrap_or(false)
    }

    /// The current user, once `users/me/` has answered (tracked).
    pub fn user(&self) -> Option<U> {
        self.signals.user.try_get().flatten()
    }

    /// The current user, without subscribing to it.
    pub fn user_untracked(&self) -> Option<U> {
        self.signals.user.try_get_untracked().flatten()
    }

    /// Both tokens with their expiry times (tracked).
    pub fn tokens(&self) -> Option<Tokens> {
        self.signals.tokens.try_get().flatten()
    }

    /// Both tokens, without subscribing to them.
    pub fn tokens_untracked(&self) -> Option<Tokens> {
        self.core.try_with_value(|core| core.tokens()).flatten()
    }

    /// How the last session ended, if it did (tracked).
    pub fn ended(&self) -> Option<SessionEnd> {
        self.signals.ended.try_get().flatten()
    }

    /// How the last session ended, without subscribing to it.
    pub fn ended_untracked(&self) -> Option<SessionEnd> {
        self.signals.ended.try_get_untracked().flatten()
    }

    /// Reads what other tabs have stored now, rather than when their `storage` event arrives.
    /// The layer does this itself when the tab is shown again; call it if your app has other
    /// reasons to think it missed something.
    pub fn sync_from_storage(&self) {
        self.core.try_with_value(|core| core.sync_from_storage());
    }

    /// Replaces the stored tokens with `change(current)`, as if the server had issued them.
    #[cfg(feature = "testing")]
    pub async fn replace_tokens_for_tests(&self, change: impl FnOnce(&Tokens) -> Tokens) {
        let Some(core) = self.core.try_get_value() else {
            return;
        };
        if let Some(tokens) = core.tokens() {
            core.replace_tokens(change(&tokens)).await;
        }
    }

    /// The storage key this session is kept under, for tests that look at storage.
    #[cfg(feature = "testing")]
    pub fn storage_key_for_tests(&self) -> Option<String> {
        self.core
            .try_with_value(|core| core.storage_key().to_owned())
    }
}
