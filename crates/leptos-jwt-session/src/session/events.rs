//! What the layer does, as it happens, for apps that want to show or log it: every exchange and
//! every step of its own. Opt-in: with no subscriber nothing is built or kept.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use crate::http::error::ApiError;
use crate::http::request::HttpMethod;
use crate::session::state::SessionEnd;

/// Something the auth layer did. Paths are relative to the API base; a URL elsewhere appears as
/// its origin only (its path and query are not the app's to log). No event carries a token or a
/// password.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AuthEvent {
    /// An HTTP exchange is being sent. `id` pairs it with its [`AuthEvent::RequestFinished`].
    RequestStarted {
        /// Unique in this tab.
        id: u64,
        /// The method.
        method: HttpMethod,
        /// Where it goes (see above).
        path: String,
    },
    /// The exchange ended: with an answer (`status`), or without one (`error`).
    RequestFinished {
        /// The id of its [`AuthEvent::RequestStarted`].
        id: u64,
        /// The method.
        method: HttpMethod,
        /// Where it went.
        path: String,
        /// The HTTP status, when an answer came.
        status: Option<u16>,
        /// Why no answer came.
        error: Option<ApiError>,
        /// How long it took, ms.
        duration_ms: f64,
    },
    /// A request waits for the refresh already under way in this tab.
    WaitingForRefresh,
    /// A refresh is starting.
    RefreshStarted {
        /// What asked for it.
        reason: RefreshReason,
    },
    /// New tokens are stored; `rotated` when the refresh token was replaced too.
    RefreshFinished {
        /// Whether the server rotated the refresh token.
        rotated: bool,
    },
    /// Another tab had refreshed already: its token is used and no request is made.
    RefreshedElsewhere,
    /// A refresh failed for a reason that may pass (network, timeout, 5xx, 429): the session is
    /// kept and the refresh tried again later.
    RefreshFailed {
        /// What went wrong.
        error: ApiError,
    },
    /// The server refused the refresh token: the session is over.
    RefreshRefused,
    /// A request refused with `token_not_valid` is sent again with the new token.
    Replaying {
        /// Where it goes.
        path: String,
    },
    /// A request was not replayed: the session changed hands while it waited (a logout and
    /// another user's login), and one user's request is never sent with another's token.
    ReplayDropped {
        /// Where it would have gone.
        path: String,
    },
    /// A session began: a login here, or one adopted from another tab.
    SessionStarted,
    /// IndexedDB, where the session's consistent copy is kept, did not answer in time: the tab
    /// went on with `localStorage` alone (what another tab wrote just before may not be seen).
    StorageStalled,
    /// Another tab held the session's lock for longer than any write may take: this tab's write
    /// (a refresh, say) was given up, and is tried again later.
    LockTimedOut,
    /// The session ended, here or in another tab.
    SessionEnded {
        /// How.
        reason: SessionEnd,
    },
}

/// Why a refresh was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshReason {
    /// The access token is about to expire (before a request, or ahead of time by the keeper).
    Expiring,
    /// The server refused the access token (`401 token_not_valid`).
    Refused,
    /// [`ApiClient::refresh`](crate::ApiClient::refresh) was called.
    Requested,
}

pub(crate) type Listener = Rc<dyn Fn(&AuthEvent)>;

#[inline(never)]
fn deliver(listeners: Vec<Listener>, event: &AuthEvent) {
    for listener in listeners {
        listener(event);
    }
}

/// The subscribers of one auth layer.
#[derive(Default)]
pub(crate) struct EventHub {
    listeners: RefCell<Vec<(u64, Listener)>>,
    ids: Cell<u64>,
}

impl EventHub {
    /// Calls every subscriber with `event`. Builds the event only when someone listens.
    pub(crate) fn emit(&self, event: impl FnOnce() -> AuthEvent) {
        if let Some(listeners) = self.listeners_now() {
            deliver(listeners, &event());
        }
    }

    /// The subscribers as they are now (cloned: a listener may subscribe or unsubscribe while it
    /// runs); `None` when nobody listens. Kept out of line, like [`deliver`]: `emit` is inlined
    /// at some twenty call sites, most of them inside large futures.
    #[inline(never)]
    fn listeners_now(&self) -> Option<Vec<Listener>> {
        let listeners = self.listeners.borrow();
        (!listeners.is_empty()).then(|| listeners.iter().map(|(_, l)| l.clone()).collect())
    }

    /// A fresh id, unique in this hub (requests and subscriptions).
    pub(crate) fn next_id(&self) -> u64 {
        let id = self.ids.get();
        self.ids.set(id + 1);
        id
    }

    /// Calls `listener` with every event until the returned subscription is dropped.
    pub(crate) fn subscribe(self: &Rc<Self>, listener: Listener) -> Subscription {
        let id = self.next_id();
        self.listeners.borrow_mut().push((id, listener));
        Subscription {
            hub: Rc::downgrade(self),
            id,
        }
    }
}

/// Unsubscribes when dropped.
pub(crate) struct Subscription {
    hub: Weak<EventHub>,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.listeners.borrow_mut().retain(|(id, _)| *id != self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_hear_events_until_their_subscription_drops() {
        let hub = Rc::new(EventHub::default());
        let heard = Rc::new(RefCell::new(Vec::new()));
        let log = heard.clone();
        let subscription = hub.subscribe(Rc::new(move |event: &AuthEvent| {
            log.borrow_mut().push(event.clone());
        }));
        hub.emit(|| AuthEvent::RefreshedElsewhere);
        drop(subscription);
        hub.emit(|| AuthEvent::RefreshRefused);
        assert_eq!(*heard.borrow(), vec![AuthEvent::RefreshedElsewhere]);
    }

    #[test]
    fn without_listeners_no_event_is_built() {
        let hub = EventHub::default();
        hub.emit(|| unreachable!("nobody listens"));
    }
}
