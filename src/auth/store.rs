//! The auth store: the session as signals, shared through context.

use leptos::prelude::*;

use super::session::{
    may_write, PersistedSession, SessionEnd, StoredState, Tokens, User, STORAGE_KEY,
};
use super::storage::{StorageArea, StorageKind};
use super::token::TokenError;
use crate::clock::now_ms;

/// Reactive session state. `Copy`, so closures and views take it freely.
///
/// Whether the user is authenticated is derived from the tokens, never stored apart, so the two
/// cannot disagree. Every change is written to storage at once, compare-and-swap on a
/// generation number, so that tabs sharing `localStorage` agree on one session (see
/// [`StoredState`]); that ordering is why writes happen in the methods rather than in an effect,
/// which would run later, after another tab may have written.
#[derive(Clone, Copy)]
pub struct AuthStore {
    tokens: RwSignal<Option<Tokens>>,
    user: RwSignal<Option<User>>,
    ended: RwSignal<Option<SessionEnd>>,
    authenticated: Memo<bool>,
    /// The stored generation this tab's state matches.
    generation: StoredValue<u64>,
    area: StoredValue<StorageArea, LocalStorage>,
    other_tabs: StoredValue<Option<gloo_events::EventListener>, LocalStorage>,
}

impl AuthStore {
    /// An empty store over `area`; [`AuthStore::restore`] is the usual way in.
    pub fn new(area: StorageArea) -> Self {
        let tokens = RwSignal::new(None::<Tokens>);
        Self {
            tokens,
            user: RwSignal::new(None),
            ended: RwSignal::new(None),
            authenticated: Memo::new(move |_| tokens.with(Option::is_some)),
            generation: StoredValue::new(0),
            area: StoredValue::new_local(area),
            other_tabs: StoredValue::new_local(None),
        }
    }

    /// The store as `kind` storage left it in this window.
    pub fn restore(kind: StorageKind) -> Self {
        Self::restore_from(StorageArea::new(kind))
    }

    /// The store as `area` left it. Anything unreadable gives the logged-out state and is
    /// removed, so it cannot fail again on the next load.
    pub fn restore_from(area: StorageArea) -> Self {
        let store = Self::new(area);
        store.sync_from_storage();
        store
    }

    /// Follows changes that other tabs make to the stored session: a refresh there serves this
    /// tab too, a logout there logs this tab out.
    pub fn watch_other_tabs(self) {
        let listener = self.area.with_value(|area| {
            area.on_change_elsewhere(STORAGE_KEY, move || {
                self.sync_from_storage();
            })
        });
        self.other_tabs.set_value(listener);
    }

    fn read_stored(&self) -> Option<StoredState> {
        let json = self.area.with_value(|area| area.load(STORAGE_KEY))?;
        StoredState::parse(&json, now_ms())
            .inspect_err(|error| {
                leptos::logging::warn!("discarding the stored session: {error}");
                self.area.with_value(|area| area.remove(STORAGE_KEY));
            })
            .ok()
    }

    /// Adopts what storage holds if another tab has written since this one last looked.
    /// Returns whether anything changed.
    pub fn sync_from_storage(&self) -> bool {
        match self.read_stored() {
            Some(stored) if stored.generation != self.generation.get_value() => {
                self.adopt(stored);
                true
            }
            Some(_) => false,
            // Storage was cleared, or held something unusable, after this tab had written.
            None if self.generation.get_value() > 0
                && self.is_authenticated_untracked()
                && self.area.with_value(StorageArea::is_available) =>
            {
                self.adopt(StoredState {
                    generation: 0,
                    session: None,
                    ended: Some(SessionEnd::LoggedOut),
                });
                true
            }
            None => false,
        }
    }

    fn adopt(&self, stored: StoredState) {
        self.generation.set_value(stored.generation);
        match stored.session {
            Some(session) => {
                if self
                    .tokens
                    .with_untracked(|t| t.as_ref() != Some(&session.tokens))
                {
                    self.ended.set(None);
                    self.tokens.set(Some(session.tokens));
                }
                if self.user.with_untracked(|u| *u != session.user) {
                    self.user.set(session.user);
                }
            }
            None if self.is_authenticated_untracked() => {
                self.ended
                    .set(Some(stored.ended.unwrap_or(SessionEnd::LoggedOut)));
                self.tokens.set(None);
                self.user.set(None);
            }
            None => {}
        }
    }

    /// Writes `session` unless another tab wrote since this one last looked (`force` writes
    /// anyway: a login or a logout wins). On a lost race this tab adopts the stored state.
    /// `ended` says why there is no session, for the other tabs.
    fn write(
        &self,
        session: Option<PersistedSession>,
        ended: Option<SessionEnd>,
        force: bool,
    ) -> bool {
        let seen = self.generation.get_value();
        let stored = self.read_stored();
        let stored_generation = stored.as_ref().map_or(seen, |s| s.generation);
        if !may_write(stored_generation, seen, force) {
            if let Some(stored) = stored {
                self.adopt(stored);
            }
            return false;
        }
        let generation = stored_generation.max(seen).saturating_add(1);
        let json = StoredState {
            generation,
            session,
            ended,
        }
        .encode();
        let saved = self.area.with_value(|area| area.save(STORAGE_KEY, &json));
        // A write that did not land must not claim a generation: storage still holds the old
        // one, and claiming a newer one would later read as "cleared by another tab".
        if saved {
            self.generation.set_value(generation);
        }
        true
    }

    /// Whether there is a session (tracked).
    pub fn is_authenticated(&self) -> bool {
        self.authenticated.get()
    }

    pub fn is_authenticated_untracked(&self) -> bool {
        self.authenticated.get_untracked()
    }

    /// Both tokens (tracked).
    pub fn tokens(&self) -> Option<Tokens> {
        self.tokens.get()
    }

    pub fn tokens_untracked(&self) -> Option<Tokens> {
        self.tokens.get_untracked()
    }

    pub fn access_token_untracked(&self) -> Option<String> {
        self.tokens
            .with_untracked(|tokens| tokens.as_ref().map(|t| t.access.clone()))
    }

    pub fn refresh_token_untracked(&self) -> Option<String> {
        self.tokens
            .with_untracked(|tokens| tokens.as_ref().map(|t| t.refresh.clone()))
    }

    /// The current user, once `users/me/` has answered (tracked).
    pub fn user(&self) -> Option<User> {
        self.user.get()
    }

    /// How the last session ended, if it did (tracked).
    pub fn ended(&self) -> Option<SessionEnd> {
        self.ended.get()
    }

    pub fn ended_untracked(&self) -> Option<SessionEnd> {
        self.ended.get_untracked()
    }

    /// The window whose storage the store uses, if any (the refresh lock lives there too).
    pub fn window(&self) -> Option<web_sys::Window> {
        self.area.with_value(|area| area.window().cloned())
    }

    /// Starts a session from a login.
    pub fn log_in(&self, tokens: Tokens) {
        self.write(
            Some(PersistedSession {
                tokens: tokens.clone(),
                user: None,
            }),
            None,
            true,
        );
        self.ended.set(None);
        self.user.set(None);
        self.tokens.set(Some(tokens));
    }

    /// Records the user; ignored when the session has ended meanwhile.
    pub fn set_user(&self, user: User) {
        let Some(tokens) = self.tokens_untracked() else {
            return;
        };
        if self
            .user
            .with_untracked(|current| current.as_ref() == Some(&user))
        {
            return;
        }
        let write_user = |tokens| {
            self.write(
                Some(PersistedSession {
                    tokens,
                    user: Some(user.clone()),
                }),
                None,
                false,
            )
        };
        // A lost race on an unrelated write (another tab's refresh of the same session) is
        // retried on top of what that tab wrote; a different session drops the user.
        let written = write_user(tokens.clone())
            || self
                .tokens_untracked()
                .filter(|now| now.refresh == tokens.refresh || now.user_id() == tokens.user_id())
                .is_some_and(write_user);
        if written {
            self.user.set(Some(user));
        }
    }

    /// Applies a refresh made with `used_refresh`. Returns the new access token, or `None` when
    /// the session changed while the refresh was under way (a logout, another login): a late
    /// answer must not bring an ended session back.
    pub fn apply_refresh(
        &self,
        used_refresh: &str,
        access: String,
        rotated_refresh: Option<String>,
    ) -> Result<Option<String>, TokenError> {
        let Some(current) = self
            .tokens_untracked()
            .filter(|t| t.refresh == used_refresh)
        else {
            return Ok(None);
        };
        let next = current.refreshed(access, rotated_refresh, now_ms())?;
        let session = PersistedSession {
            tokens: next.clone(),
            user: self.user.get_untracked(),
        };
        if !self.write(Some(session), None, false) {
            // Another tab wrote meanwhile, and this tab adopted it. If what it wrote still holds
            // the refresh token this refresh used, it was unrelated (a user, say): this refresh
            // stands, and under rotation must not be lost.
            let unrelated = self.refresh_token_untracked().as_deref() == Some(used_refresh);
            let session = PersistedSession {
                tokens: next.clone(),
                user: self.user.get_untracked(),
            };
            if !(unrelated && self.write(Some(session), None, false)) {
                return Ok(None);
            }
        }
        let access = next.access.clone();
        self.tokens.set(Some(next));
        Ok(Some(access))
    }

    /// Ends the session, in every tab; `reason` tells the login page what happened.
    pub fn end(&self, reason: SessionEnd) {
        self.write(None, Some(reason), true);
        // The reason first: whatever reacts to the tokens going away can read it.
        self.ended.set(Some(reason));
        self.tokens.set(None);
        self.user.set(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::token::tests::jwt;

    fn token(kind: &str, n: i64) -> String {
        jwt(&format!(
            r#"{{"token_type":"{kind}","exp":{},"iat":{n},"jti":"{n}"}}"#,
            n + 300
        ))
    }

    fn logged_in() -> AuthStore {
        let store = AuthStore::new(StorageArea::new(StorageKind::Memory));
        store.log_in(Tokens::new(token("access", 1), token("refresh", 1), 0.0).expect("tokens"));
        store
    }

    #[test]
    fn authentication_follows_the_tokens() {
        let store = AuthStore::new(StorageArea::new(StorageKind::Memory));
        assert!(!store.is_authenticated_untracked());
        store.log_in(Tokens::new(token("access", 1), token("refresh", 1), 0.0).expect("tokens"));
        assert!(store.is_authenticated_untracked());
        store.end(SessionEnd::Expired);
        assert!(!store.is_authenticated_untracked());
        assert_eq!(store.ended.get_untracked(), Some(SessionEnd::Expired));
    }

    #[test]
    fn the_user_is_dropped_with_the_session() {
        let store = logged_in();
        store.set_user(User {
            email: String::new(),
            id: 1,
            username: "demo".into(),
        });
        assert!(store.user.get_untracked().is_some());
        store.end(SessionEnd::LoggedOut);
        assert_eq!(store.user.get_untracked(), None);
        store.set_user(User {
            email: String::new(),
            id: 1,
            username: "late".into(),
        });
        assert_eq!(
            store.user.get_untracked(),
            None,
            "a late users/me answer must not log anyone in"
        );
    }

    #[test]
    fn a_refresh_applies_only_to_the_session_it_was_made_for() {
        let store = logged_in();
        let used = store.refresh_token_untracked().expect("refresh");
        let applied = store
            .apply_refresh(&used, token("access", 2), None)
            .expect("jwt");
        assert_eq!(applied, Some(token("access", 2)));
        assert_eq!(store.access_token_untracked(), Some(token("access", 2)));

        store.end(SessionEnd::LoggedOut);
        let late = store
            .apply_refresh(&used, token("access", 3), None)
            .expect("jwt");
        assert_eq!(late, None);
        assert!(!store.is_authenticated_untracked());
    }

    #[test]
    fn a_rotated_refresh_token_replaces_the_old_one() {
        let store = logged_in();
        let used = store.refresh_token_untracked().expect("refresh");
        store
            .apply_refresh(&used, token("access", 2), Some(token("refresh", 2)))
            .expect("jwt");
        assert_eq!(store.refresh_token_untracked(), Some(token("refresh", 2)));
        // The old refresh token no longer matches: a second answer for it is ignored.
        assert_eq!(
            store.apply_refresh(&used, token("access", 3), None),
            Ok(None)
        );
    }

    #[test]
    fn a_garbage_refresh_answer_keeps_the_session() {
        let store = logged_in();
        let before = store.tokens_untracked();
        let used = store.refresh_token_untracked().expect("refresh");
        assert!(store.apply_refresh(&used, "garbage".into(), None).is_err());
        assert_eq!(store.tokens_untracked(), before);
    }

    #[test]
    fn a_new_login_forgets_how_the_last_session_ended() {
        let store = logged_in();
        store.end(SessionEnd::Expired);
        store.log_in(Tokens::new(token("access", 5), token("refresh", 5), 0.0).expect("tokens"));
        assert_eq!(store.ended.get_untracked(), None);
    }
}
