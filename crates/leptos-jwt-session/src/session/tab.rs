//! The session in one tab: what the tab knows, how it learns what other tabs did, and how it
//! writes. Shared as an `Rc` by the store, the client and the keeper, and held by their futures:
//! unlike signals and stored values it outlives the reactive owner, so work that is under way
//! when the app unmounts finishes without touching anything disposed. Signals are only ever
//! written from here, with `try_` accessors that do nothing once they are gone.
//!
//! Every write of the stored session happens in [`TabSession::as_writer`], under the cross-tab
//! lock ([`crate::tabs::lock`]), after reading the newest state there is: one writer at a time,
//! each building on the last.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use futures::future::LocalBoxFuture;
use gloo_events::EventListener;
use leptos::prelude::*;

use crate::config::AuthConfig;
use crate::platform::{now_ms, random_id};
use crate::session::events::{AuthEvent, EventHub};
use crate::session::flight::Flight;
use crate::session::snapshot::Snapshot;
use crate::session::state::{Session, SessionEnd, StoredState};
use crate::session::tokens::Tokens;
use crate::tabs::ledger::{Idb, LedgerError};
use crate::tabs::lock::{claim, with_lock, Claim, ClaimDecision, LockPlace};
use crate::tabs::mirror::{StorageArea, StorageKind};

/// A write's work, boxed so that the lock code exists once, not once per kind of write.
type Job = Box<dyn FnOnce(Rc<TabSession>, StoredState) -> LocalBoxFuture<'static, ()>>;

/// The reactive face of the state, written only by [`TabSession::publish`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signals {
    /// Whether the page knows the session yet: not on a server that cannot read the browser's
    /// storage, nor in the browser until hydration is over.
    pub(crate) known: RwSignal<bool>,
    /// Whether there are tokens: set only when that changes, so what depends on it alone (a
    /// guarded page) is not built again at every refresh.
    pub(crate) authenticated: RwSignal<bool>,
    pub(crate) tokens: RwSignal<Option<Tokens>>,
    /// The user as the server sent it (JSON text).
    pub(crate) user: RwSignal<Option<String>>,
    pub(crate) ended: RwSignal<Option<SessionEnd>>,
}

impl Signals {
    pub(crate) fn new() -> Self {
        Self {
            known: RwSignal::new(false),
            authenticated: RwSignal::new(false),
            tokens: RwSignal::new(None),
            user: RwSignal::new(None),
            ended: RwSignal::new(None),
        }
    }
}

/// Where the consistent copy of the session lives (see [`crate::idb`]).
enum Ledger {
    Unopened,
    Open(Idb),
    Missing,
}

/// The session as this tab knows it, and the only code that writes it.
pub(crate) struct TabSession {
    pub(crate) config: AuthConfig,
    area: StorageArea,
    key: String,
    /// This tab's name in the stamps it writes.
    writer: String,
    state: RefCell<StoredState>,
    signals: Signals,
    ledger: RefCell<Ledger>,
    /// Serialises writes where no other tab shares the session (session and memory storage).
    tab_lock: futures::lock::Mutex<()>,
    /// The refresh under way in this tab, which every request that needs one joins.
    pub(crate) flight: RefCell<Option<Rc<Flight>>>,
    pub(crate) events: Rc<EventHub>,
    /// The session this tab is logging out of: until that is written, other tabs' writes of it
    /// (a refresh that was under way there) must not log this tab back in.
    ending: RefCell<Option<String>>,
    token_watcher: RefCell<Option<Box<dyn Fn()>>>,
    /// A session that ran out was seen in storage: the next writer forgets it there.
    expired_in_storage: Cell<bool>,
    /// With `sessionStorage`: the Web Lock that says this tab holds its session, so that a
    /// duplicated tab (which starts on a copy of it) can tell it is the copy.
    claim: RefCell<Option<Claim>>,
    /// `TokenMode::RefreshCookie`: this tab's own access token (never stored), with the session
    /// it was issued to.
    memory: RefCell<Option<(String, Tokens)>>,
    /// While hydrating: the signals show what the server rendered, not this state.
    held: Cell<bool>,
}

impl TabSession {
    /// The session as this tab's storage left it. Anything unreadable is removed and gives the
    /// logged-out state, so it cannot fail again on the next load.
    ///
    /// With `first` (what the server rendered), the signals show that instead of the restored
    /// state until [`Self::release`].
    pub(crate) fn restore(
        config: AuthConfig,
        signals: Signals,
        events: Rc<EventHub>,
        first: Option<&Snapshot>,
    ) -> Rc<Self> {
        let area = StorageArea::new(config.storage, config.window());
        let key = config.storage_key();
        let core = Rc::new(Self {
            config,
            area,
            key,
            writer: random_id(),
            state: RefCell::new(StoredState::default()),
            signals,
            ledger: RefCell::new(Ledger::Unopened),
            tab_lock: futures::lock::Mutex::new(()),
            flight: RefCell::new(None),
            events,
            ending: RefCell::new(None),
            token_watcher: RefCell::new(None),
            expired_in_storage: Cell::new(false),
            claim: RefCell::new(None),
            memory: RefCell::new(None),
            held: Cell::new(first.is_some()),
        });
        if let Some(first) = first {
            core.show(first);
        }
        let stored = core.read_mirror();
        if stored.is_none() {
            core.publish();
        }
        if let Some(stored) = stored {
            let settled = core.settle(stored);
            core.state.replace(settled);
            core.publish();
            if let Some((id, decided)) = core.claim_session() {
                let tab = core.clone();
                leptos::task::spawn_local(async move {
                    if decided.await == Some(false) && tab.session_id().as_deref() == Some(&id) {
                        leptos::logging::warn!("this tab's session is another tab's: logged out");
                        tab.claim.replace(None);
                        tab.set_state(StoredState::default());
                    }
                });
            }
            core.forget_expired_soon();
        }
        core
    }

    /// Shows `first` (the server's view) in the signals: what the page renders until
    /// [`Self::release`].
    fn show(&self, first: &Snapshot) {
        set_if_changed(self.signals.ended, None);
        set_if_changed(self.signals.user, first.user.clone());
        set_if_changed(self.signals.tokens, None);
        set_if_changed(self.signals.authenticated, first.known && first.logged_in);
        set_if_changed(self.signals.known, first.known);
    }

    /// Hydration is over: the signals show this tab's state from now on. Where the server knew
    /// the session from its cookies, its word settles what this tab's storage does not know: a
    /// session begun elsewhere (the marker missing here) is taken, one the server no longer
    /// knows is over.
    #[cfg(any(feature = "ssr", feature = "hydrate"))]
    pub(crate) fn release(self: &Rc<Self>, first: &Snapshot) {
        self.held.set(false);
        self.publish();
        if !(first.known && self.config.token_mode.in_cookies()) {
            return;
        }
        let here = self.state.borrow().session.is_some();
        if here == first.logged_in {
            return;
        }
        let first = first.clone();
        let tab = self.clone();
        leptos::task::spawn_local(async move {
            tab.as_writer(move |tab, latest| async move {
                let next = match (&latest.session, first.logged_in) {
                    (None, true) => {
                        let now = now_ms();
                        let lifetime = first.access_lifetime_ms.unwrap_or(0.0);
                        let expires_at = now + first.access_left_ms.unwrap_or(0.0);
                        let session = Session {
                            id: random_id(),
                            tokens: Tokens::restore_in_cookies(expires_at, lifetime, None),
                            user: first.user,
                        };
                        tab.next_state(&latest, Some(session), None)
                    }
                    (Some(_), false) => tab.next_state(&latest, None, Some(SessionEnd::Expired)),
                    _ => return,
                };
                tab.write(next).await;
            })
            .await;
        });
    }

    /// `stored` as it stands now: a session whose refresh token has run out is over (see
    /// [`StoredState::settled`]), and is to be forgotten in storage too.
    fn settle(&self, stored: StoredState) -> StoredState {
        let had_session = stored.session.is_some();
        let settled = stored.settled(now_ms());
        if had_session && settled.session.is_none() {
            self.expired_in_storage.set(true);
        }
        settled
    }

    /// Forgets a session that ran out in every storage, under the lock, soon: its tokens and its
    /// user must not stay behind for the next person at this computer.
    fn forget_expired_soon(self: &Rc<Self>) {
        if self.expired_in_storage.get() {
            let tab = self.clone();
            leptos::task::spawn_local(async move {
                tab.as_writer(|_, _| async {}).await;
            });
        }
    }

    /// With `sessionStorage`: claims this tab's session (a Web Lock named after it, held until
    /// the session changes), and says whether the claim held. A tab that finds its session
    /// claimed already is a duplicate of another (the browser copied `sessionStorage` into it):
    /// [`Self::restore`] drops the copy, whose refresh token the other tab may rotate at any
    /// moment, and its user logs in on their own.
    fn claim_session(&self) -> Option<(String, ClaimDecision)> {
        self.claim.replace(None);
        if self.area.kind() != StorageKind::Session {
            return None;
        }
        let window = self.area.window()?;
        let id = self.session_id()?;
        let (held, decided) = claim(window, &format!("{}.tab.{id}", self.config.lock_name()))?;
        self.claim.replace(Some(held));
        Some((id, decided))
    }

    /// What this tab knows of the session.
    pub(crate) fn state(&self) -> StoredState {
        self.state.borrow().clone()
    }

    /// The session's tokens as this tab may use them: with its own access token where that lives
    /// in memory.
    pub(crate) fn tokens(&self) -> Option<Tokens> {
        self.tokens_of(&self.state.borrow())
    }

    /// `state`'s tokens as this tab may use them (see [`Self::tokens`]).
    pub(crate) fn tokens_of(&self, state: &StoredState) -> Option<Tokens> {
        let session = state.session.as_ref()?;
        match &*self.memory.borrow() {
            Some((id, mine)) if *id == session.id => Some(Tokens {
                refresh_expires_at: session.tokens.refresh_expires_at,
                ..mine.clone()
            }),
            _ => Some(session.tokens.clone()),
        }
    }

    /// Keeps `tokens` (with their access token) as this tab's own for session `id`, in memory
    /// only (`TokenMode::RefreshCookie`).
    pub(crate) fn remember_access(&self, id: &str, tokens: Tokens) {
        self.memory.replace(Some((id.to_owned(), tokens)));
        self.publish();
    }

    pub(crate) fn session_id(&self) -> Option<String> {
        self.state.borrow().session_id().map(str::to_owned)
    }

    /// The user's JSON, once known.
    pub(crate) fn user(&self) -> Option<String> {
        self.state
            .borrow()
            .session
            .as_ref()
            .and_then(|session| session.user.clone())
    }

    pub(crate) fn emit(&self, event: impl FnOnce() -> AuthEvent) {
        self.events.emit(event);
    }

    /// What `localStorage` (or `sessionStorage`) holds, if it reads; an unreadable entry is
    /// removed.
    fn read_mirror(&self) -> Option<StoredState> {
        let text = self.area.load(&self.key)?;
        StoredState::decode(&text, self.config.wire.refresh_token)
            .inspect_err(|error| {
                leptos::logging::warn!("discarding the stored session: {error}");
                self.area.remove(&self.key);
            })
            .ok()
    }

    /// The window whose tabs share this session, when they do.
    fn shared_window(&self) -> Option<web_sys::Window> {
        (self.area.kind() == StorageKind::Local && self.area.is_available())
            .then(|| self.area.window().cloned())
            .flatten()
    }

    fn opened_ledger(&self) -> Option<Idb> {
        match &*self.ledger.borrow() {
            Ledger::Open(idb) => Some(idb.clone()),
            _ => None,
        }
    }

    async fn ledger(&self) -> Option<Idb> {
        if let Ledger::Open(idb) = &*self.ledger.borrow() {
            return Some(idb.clone());
        }
        if let Ledger::Missing = &*self.ledger.borrow() {
            return None;
        }
        let window = self.shared_window()?;
        match Idb::open(&window, &self.config.namespace).await {
            Ok(idb) => {
                self.ledger.replace(Ledger::Open(idb.clone()));
                Some(idb)
            }
            Err(error) => {
                // A stall may pass: the next write tries again. A refusal will not.
                if error == LedgerError::Refused {
                    self.ledger.replace(Ledger::Missing);
                }
                self.ledger_failed(error);
                None
            }
        }
    }

    /// IndexedDB gave nothing: a stall is said (the tab went on without its consistent copy).
    fn ledger_failed(&self, error: LedgerError) {
        leptos::logging::warn!("the session's copy in IndexedDB: {error}");
        if error == LedgerError::Stalled {
            self.emit(|| AuthEvent::StorageStalled);
        }
    }

    /// The newest state any tab has written, as well as this browser can tell: the consistent
    /// copy in IndexedDB, or `localStorage` where it is newer or IndexedDB is missing. An entry
    /// missing from `localStorage` while this tab has no session stays missing (storage was
    /// cleared): the copy in IndexedDB does not bring a session back. Ties go to IndexedDB,
    /// which is the order the browser committed.
    pub(crate) async fn read_latest(&self) -> StoredState {
        let mirror = self.read_mirror();
        let ledger = match self.opened_ledger() {
            Some(idb) => match idb.get(&self.key).await {
                Ok(text) => text.and_then(|text| {
                    StoredState::decode(&text, self.config.wire.refresh_token).ok()
                }),
                Err(error) => {
                    self.ledger_failed(error);
                    None
                }
            },
            None => None,
        };
        let latest = match (mirror, ledger) {
            (Some(mirror), Some(ledger)) => {
                if mirror.stamp.generation > ledger.stamp.generation {
                    mirror
                } else {
                    ledger
                }
            }
            (Some(mirror), None) => mirror,
            (None, Some(ledger)) if self.state.borrow().session.is_some() => ledger,
            (None, _) => self.state(),
        };
        self.settle(latest)
    }

    /// The newest state as the one writer sees it, with a session that ran out forgotten in
    /// storage (the writer holds the lock for that). Only inside [`Self::as_writer`].
    async fn latest_for_writer(&self) -> StoredState {
        let latest = self.read_latest().await;
        self.adopt(latest.clone());
        if !self.expired_in_storage.replace(false) {
            return latest;
        }
        let forgotten = self.next_state(&latest, None, Some(SessionEnd::Expired));
        self.write(forgotten.clone()).await;
        forgotten
    }

    /// Runs `work` as the one writer of the session: under the cross-tab lock where tabs share
    /// it, with the newest state there is (which this tab adopts first). `None` when the lock
    /// could not be had; `work` has not run then.
    pub(crate) async fn as_writer<R, F, Fut>(self: &Rc<Self>, work: F) -> Option<R>
    where
        R: 'static,
        F: FnOnce(Rc<Self>, StoredState) -> Fut + 'static,
        Fut: Future<Output = R> + 'static,
    {
        let result = Rc::new(RefCell::new(None));
        let output = result.clone();
        let job: Job = Box::new(move |core, latest| {
            Box::pin(async move {
                let value = work(core, latest).await;
                output.replace(Some(value));
            })
        });
        self.run_as_writer(job).await;
        result.take()
    }

    /// The part of [`Self::as_writer`] that does not depend on the work: one copy of the lock
    /// code for every kind of write.
    async fn run_as_writer(self: &Rc<Self>, job: Job) {
        let Some(window) = self.shared_window() else {
            let _turn = self.tab_lock.lock().await;
            let latest = self.latest_for_writer().await;
            job(self.clone(), latest).await;
            return;
        };
        let idb = self.ledger().await;
        let name = self.config.lock_name();
        let place = LockPlace {
            window: &window,
            name: &name,
            max_hold_ms: self.config.max_hold_ms(),
            idb: idb.as_ref(),
        };
        let core = self.clone();
        let had_lock = with_lock(
            place,
            Box::new(move || {
                Box::pin(async move {
                    let latest = core.latest_for_writer().await;
                    job(core, latest).await;
                })
            }),
        )
        .await;
        if !had_lock {
            self.emit(|| AuthEvent::LockTimedOut);
        }
    }

    /// Stores `next` (the consistent copy first, then `localStorage`, whose `storage` events
    /// tell the other tabs) and makes it this tab's state, unless it is the session this tab is
    /// logging out of (a refresh that was under way): that is stored, for the logout to read and
    /// end, but never shown again here. Only inside [`Self::as_writer`].
    pub(crate) async fn write(&self, next: StoredState) {
        let text = next.encode();
        if let Some(idb) = self.opened_ledger() {
            if let Err(error) = idb.put(&self.key, &text).await {
                self.ledger_failed(error);
            }
        }
        // A refusal (quota, privacy mode) leaves the session in this tab's memory only.
        self.area.save(&self.key, &text);
        if !self.is_ending(&next) {
            self.set_state(next);
        }
    }

    /// Whether `stored` holds the session this tab is logging out of.
    fn is_ending(&self, stored: &StoredState) -> bool {
        self.ending
            .borrow()
            .as_deref()
            .is_some_and(|ending| stored.session_id() == Some(ending))
    }

    /// The state after a write by this tab over `latest`.
    pub(crate) fn next_state(
        &self,
        latest: &StoredState,
        session: Option<Session>,
        ended: Option<SessionEnd>,
    ) -> StoredState {
        latest.next(&self.writer, session, ended)
    }

    /// Takes `stored` as this tab's state if it differs from what the tab knows.
    pub(crate) fn adopt(&self, stored: StoredState) {
        if self.is_ending(&stored) {
            return;
        }
        if *self.state.borrow() != stored {
            self.set_state(stored);
        }
    }

    /// Follows what other tabs wrote (a `storage` event, the tab shown again, a page restored
    /// from the back/forward cache). Never back a generation: Chrome may deliver `localStorage`
    /// late, after this tab has read newer from IndexedDB. Storage emptied behind the app's back
    /// ends the session here, and the next session starts afresh; nothing needs writing, as a
    /// missing entry never brings a session back (see [`Self::read_latest`]).
    pub(crate) fn sync_from_storage(self: &Rc<Self>) {
        if let Some(stored) = self.read_mirror() {
            if stored.stamp.generation < self.state.borrow().stamp.generation {
                return;
            }
            let settled = self.settle(stored);
            self.adopt(settled);
            self.forget_expired_soon();
        } else if self.area.is_available() && self.state.borrow().session.is_some() {
            self.set_state(StoredState {
                ended: Some(SessionEnd::LoggedOut),
                ..StoredState::default()
            });
        }
    }

    /// Listens for what other tabs write (`storage` events), and for this page coming back from
    /// the back/forward cache or into view, when storage may have moved on without it. The
    /// listeners stop when dropped.
    pub(crate) fn follow_other_tabs(self: &Rc<Self>) -> Vec<EventListener> {
        let mut listeners = Vec::new();
        let other_tabs = self.clone();
        if let Some(listener) = self
            .area
            .on_change_elsewhere(self.key.clone(), move || other_tabs.sync_from_storage())
        {
            listeners.push(listener);
        }
        if let Some(window) = self.shared_window() {
            let restored = self.clone();
            listeners.push(EventListener::new(&window, "pageshow", move |_| {
                restored.sync_from_storage();
            }));
            // A tab coming back into view may have slept through other tabs' storage events, or
            // through its refresh token's expiry.
            if let Some(document) = window.document() {
                let shown = self.clone();
                listeners.push(EventListener::new(
                    &document,
                    "visibilitychange",
                    move |_| {
                        shown.sync_from_storage();
                    },
                ));
            }
        }
        listeners
    }

    /// Ends session `id` for every tab: at once in this one, then in storage under the lock
    /// (unless another login has taken its place by then). Returns the newest tokens the session
    /// had, for the server to forget its refresh token.
    pub(crate) async fn end_session(
        self: &Rc<Self>,
        id: &str,
        reason: SessionEnd,
    ) -> Option<Tokens> {
        let mut ended = self.state();
        let known = ended
            .session
            .as_ref()
            .filter(|session| session.id == id)
            .map(|session| session.tokens.clone());
        if known.is_some() {
            ended.session = None;
            ended.ended = Some(reason);
            self.set_state(ended);
        }
        self.ending.replace(Some(id.to_owned()));
        let owned_id = id.to_owned();
        let newest = self
            .as_writer(move |core, latest| async move {
                let session = latest.session.as_ref().filter(|s| s.id == owned_id)?;
                let newest = session.tokens.clone();
                core.write(core.next_state(&latest, None, Some(reason)))
                    .await;
                Some(newest)
            })
            .await;
        self.ending.replace(None);
        match newest {
            // Rotated since this tab last heard, perhaps: the newest is the one to forget.
            Some(Some(newest)) => Some(newest),
            // Ended already, or another login has taken its place: that login stands.
            Some(None) => known,
            // No lock in time: a session must not outlive its logout, so it is written anyway.
            None => {
                let latest = self.state();
                let next = self.next_state(&latest, None, Some(reason));
                self.write(next).await;
                known
            }
        }
    }

    fn set_state(&self, next: StoredState) {
        let previous = self.state.replace(next);
        let (before, after, reason) = {
            let state = self.state.borrow();
            (
                previous.session_id().map(str::to_owned),
                state.session_id().map(str::to_owned),
                state.ended.unwrap_or(SessionEnd::LoggedOut),
            )
        };
        // This tab's access token goes with the session it was issued to.
        let foreign_memory = self
            .memory
            .borrow()
            .as_ref()
            .is_some_and(|(id, _)| Some(id.as_str()) != after.as_deref());
        if foreign_memory {
            self.memory.replace(None);
        }
        self.publish();
        if before != after {
            self.claim_session();
        }
        match (before, after) {
            (Some(_), None) => self.emit(|| AuthEvent::SessionEnded { reason }),
            (before, Some(after)) if before.as_deref() != Some(after.as_str()) => {
                self.emit(|| AuthEvent::SessionStarted);
            }
            _ => {}
        }
    }

    /// Shows the state in the signals. Once they are disposed (the app unmounted) this does
    /// nothing.
    fn publish(&self) {
        if self.held.get() {
            return;
        }
        let (tokens, user, ended) = {
            let state = self.state.borrow();
            let session = state.session.as_ref();
            (
                self.tokens_of(&state),
                session.and_then(|s| s.user.clone()),
                state.ended,
            )
        };
        let authenticated = tokens.is_some();
        // The reason first: whatever reacts to the tokens going away can read it.
        set_if_changed(self.signals.ended, ended);
        set_if_changed(self.signals.user, user);
        let renewed = set_if_changed(self.signals.tokens, tokens);
        set_if_changed(self.signals.authenticated, authenticated);
        set_if_changed(self.signals.known, true);
        if renewed {
            if let Some(watcher) = self.token_watcher.borrow().as_ref() {
                watcher();
            }
        }
    }

    /// Calls `watcher` whenever this tab's tokens change (a login, a refresh here or in another
    /// tab, the end of the session); one watcher, the refresh ahead of expiry.
    pub(crate) fn watch_tokens(&self, watcher: Box<dyn Fn()>) {
        self.token_watcher.replace(Some(watcher));
    }

    /// Replaces the tokens as if the server had issued these, for tests.
    #[cfg(feature = "testing")]
    pub(crate) async fn replace_tokens(self: &Rc<Self>, tokens: Tokens) {
        self.as_writer(move |core, latest| async move {
            let Some(mut session) = latest.session.clone() else {
                return;
            };
            session.tokens = tokens;
            core.write(core.next_state(&latest, Some(session), None))
                .await;
        })
        .await;
    }
}

/// Sets `signal` to `value` unless it holds that already; whether it changed.
pub(crate) fn set_if_changed<T>(signal: RwSignal<T>, value: T) -> bool
where
    T: PartialEq + Send + Sync + 'static,
{
    let changed = signal.try_with_untracked(|current| *current != value) == Some(true);
    if changed {
        signal.try_set(value);
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::wire::RefreshTokenKind;
    use crate::http::api_base::ApiBase;
    use crate::session::tokens::tests::jwt;

    fn token(kind: &str, n: i64) -> String {
        jwt(&format!(
            r#"{{"token_type":"{kind}","exp":{},"iat":{n},"jti":"{n}"}}"#,
            n + 300
        ))
    }

    /// A core in memory, with the owner its signals live in.
    fn core() -> (Owner, Rc<TabSession>) {
        let config = AuthConfig::new(ApiBase::new("http://localhost/api/").expect("base"))
            .storage(StorageKind::Memory);
        let owner = Owner::new();
        owner.set();
        let core = TabSession::restore(config, Signals::new(), Rc::default(), None);
        (owner, core)
    }

    fn logged_in(core: &Rc<TabSession>) -> StoredState {
        let session = Session {
            id: "login".into(),
            tokens: Tokens::new(
                token("access", 1),
                token("refresh", 1),
                0.0,
                RefreshTokenKind::Jwt,
            )
            .expect("tokens"),
            user: None,
        };
        core.next_state(&core.state(), Some(session), None)
    }

    #[test]
    fn the_signals_follow_the_state_and_say_why_it_ended() {
        let (_owner, core) = core();
        core.adopt(logged_in(&core));
        assert!(core.signals.tokens.get_untracked().is_some());
        let mut over = core.state();
        over.session = None;
        over.ended = Some(SessionEnd::Expired);
        core.adopt(over);
        assert_eq!(core.signals.tokens.get_untracked(), None);
        assert_eq!(
            core.signals.ended.get_untracked(),
            Some(SessionEnd::Expired)
        );
    }

    #[test]
    fn nothing_panics_once_the_owner_is_gone() {
        let (owner, core) = core();
        owner.cleanup();
        core.adopt(logged_in(&core));
        assert!(core.tokens().is_some(), "the state lives on in the Rc");
    }

    #[test]
    fn a_logout_is_not_undone_by_another_tabs_late_write_of_that_session() {
        let (_owner, core) = core();
        let session = logged_in(&core);
        core.adopt(session.clone());
        core.ending.replace(Some("login".into()));
        let mut refreshed_elsewhere = session.clone();
        refreshed_elsewhere.stamp.generation += 1;
        core.adopt(refreshed_elsewhere);
        assert_eq!(
            core.state(),
            session,
            "ignored while the logout is being written"
        );
    }
}
