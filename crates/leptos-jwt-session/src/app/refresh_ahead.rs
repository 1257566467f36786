//! Refresh ahead of expiry: the access token is renewed a lead time before it expires, so
//! requests do not meet an expired token and the server sees no 401 in normal use.
//!
//! One timer, rescheduled whenever the tokens change (here or in another tab). No timer runs
//! while the tab is hidden; on its return the refresh happens at once if it is due. A failed
//! refresh that says nothing about the session (network, 5xx, 429, timeout) is retried with
//! exponential backoff, and the state shows as [`Connectivity::Reconnecting`] meanwhile, until a
//! refresh gets through, here or anywhere else.
//!
//! Driven by the tab's session (which tells it when the tokens change) rather than by a reactive
//! effect: plain cells and one timer, and no signal of its own but the two it shows.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;

use crate::api::refresh::{refresh_due_at, refresh_replacing};
use crate::http::error::ApiError;
use crate::platform::{now_ms, random, BrowserOnly};
use crate::session::events::RefreshReason;
use crate::session::tab::{set_if_changed, TabSession};

/// Whether refreshes are getting through.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Connectivity {
    /// They are (or none was needed yet).
    Online,
    /// The last refresh failed for a reason that may pass; the session is kept and the next try
    /// is at `retry_at`.
    Reconnecting {
        /// How many tries have failed in a row.
        attempt: u32,
        /// When the next try is, local clock, ms since the epoch.
        retry_at: f64,
        /// Why the last one failed: its [`ApiError::code`] to translate, its `Display` to show.
        reason: ApiError,
    },
}

/// The first retry waits this long; each further one twice as long, up to [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: f64 = 1_000.0;
const MAX_BACKOFF_MS: f64 = 30_000.0;
/// Two proactive refreshes are at least this far apart, whatever the tokens say.
const MIN_SPACING_MS: f64 = 1_000.0;

/// How long to wait before retry number `attempt` (1-based), honouring a server's `Retry-After`.
/// `jitter` in `0.0..1.0` spreads tabs and clients apart (±20 %).
fn backoff_ms(attempt: u32, error: &ApiError, jitter: f64) -> f64 {
    let exponential = FIRST_BACKOFF_MS * 2f64.powi(attempt.saturating_sub(1).min(16) as i32);
    let spread = exponential.min(MAX_BACKOFF_MS) * (0.8 + 0.4 * jitter);
    match error {
        ApiError::RateLimited {
            retry_after_s: Some(seconds),
        } => spread.max(f64::from(*seconds) * 1000.0),
        _ => spread,
    }
}

/// The keeper's state, for pages that show it. `Copy`; [`use_keeper`](crate::use_keeper)
/// takes it from context.
#[derive(Debug, Clone, Copy)]
pub struct SessionKeeper {
    connectivity: RwSignal<Connectivity>,
    next_refresh_at: RwSignal<Option<f64>>,
}

impl SessionKeeper {
    /// Whether refreshes are getting through (tracked).
    #[must_use]
    pub fn connectivity(&self) -> Connectivity {
        self.connectivity.try_get().unwrap_or(Connectivity::Online)
    }

    /// When the next proactive refresh is due, local clock, ms since the epoch (tracked).
    #[must_use]
    pub fn next_refresh_at(&self) -> Option<f64> {
        self.next_refresh_at.try_get().flatten()
    }

    fn set_connectivity(&self, connectivity: Connectivity) {
        set_if_changed(self.connectivity, connectivity);
    }

    fn show_next_refresh(&self, at: Option<f64>) {
        set_if_changed(self.next_refresh_at, at);
    }
}

/// The schedule of one tab's refreshes: one timer, set again whenever the tokens change (a
/// login, a refresh here or in another tab), the tab is shown or hidden, or the network returns.
struct Schedule {
    tab: Rc<TabSession>,
    keeper: SessionKeeper,
    timer: RefCell<Option<Timeout>>,
    visible: Cell<bool>,
    last_run_at: Cell<f64>,
    failures: Cell<u32>,
    /// After a failed refresh: when to try again, and the access token that was then current.
    retry: RefCell<Option<(f64, Option<String>)>>,
    _listeners: Vec<EventListener>,
}

impl Schedule {
    /// Sets the timer for the next refresh, or none: no session, or a hidden tab (which
    /// refreshes at once when shown again, if due by then).
    fn reschedule(self: &Rc<Self>) {
        self.timer.replace(None);
        let Some(tokens) = self.tab.tokens() else {
            self.recovered();
            self.keeper.show_next_refresh(None);
            return;
        };
        // A request, or another tab, refreshed since the failure: the outage is over for this
        // session, and retrying the old token's refresh would rotate once more for nothing.
        let moved_on = self
            .retry
            .borrow()
            .as_ref()
            .is_some_and(|(_, failed)| failed.as_deref() != Some(tokens.key().as_str()));
        if moved_on {
            self.recovered();
        }
        let due = match self.retry.borrow().as_ref() {
            Some((retry_at, _)) => *retry_at,
            None => refresh_due_at(&self.tab.config, &tokens).unwrap_or_else(now_ms),
        };
        let due = due.max(self.last_run_at.get() + MIN_SPACING_MS);
        self.keeper.show_next_refresh(Some(due));
        if self.visible.get() {
            let delay = (due - now_ms()).clamp(0.0, f64::from(i32::MAX)) as u32;
            let schedule = Rc::downgrade(self);
            let timer = Timeout::new(delay, move || {
                if let Some(schedule) = schedule.upgrade() {
                    schedule.run();
                }
            });
            self.timer.replace(Some(timer));
        }
    }

    fn recovered(&self) {
        self.failures.set(0);
        self.retry.replace(None);
        self.keeper.set_connectivity(Connectivity::Online);
    }

    /// Refreshes now. The task may outlive the page: it holds the schedule, not the signals.
    fn run(self: &Rc<Self>) {
        self.last_run_at.set(now_ms());
        let schedule = self.clone();
        leptos::task::spawn_local(async move {
            let tab = &schedule.tab;
            let stale = tab.tokens().map(|tokens| tokens.key());
            match refresh_replacing(tab, stale.clone(), RefreshReason::Expiring).await {
                Ok(_) => schedule.recovered(),
                // The session is over; the tokens going away reschedules (to nothing).
                Err(ApiError::SessionExpired) => {}
                Err(error) => {
                    let attempt = schedule.failures.get() + 1;
                    schedule.failures.set(attempt);
                    let retry_at = now_ms() + backoff_ms(attempt, &error, random());
                    schedule.retry.replace(Some((retry_at, stale)));
                    schedule
                        .keeper
                        .set_connectivity(Connectivity::Reconnecting {
                            attempt,
                            retry_at,
                            reason: error,
                        });
                }
            }
            schedule.reschedule();
        });
    }

    /// Back online: the next try is now rather than at the end of the backoff.
    fn retry_now(self: &Rc<Self>) {
        let retrying = self.retry.borrow_mut().as_mut().map(|(retry_at, _)| {
            *retry_at = now_ms();
        });
        if retrying.is_some() {
            self.keeper.connectivity.try_update(|state| {
                if let Connectivity::Reconnecting { retry_at, .. } = state {
                    *retry_at = now_ms();
                }
            });
            self.reschedule();
        }
    }
}

/// Starts refreshing the tab's session ahead of expiry (unless the config says not to), for as
/// long as the current reactive owner lives.
pub(crate) fn keep_session_fresh(tab: Rc<TabSession>) -> SessionKeeper {
    let keeper = SessionKeeper {
        connectivity: RwSignal::new(Connectivity::Online),
        next_refresh_at: RwSignal::new(None),
    };
    // Off the browser (a server render) there is nothing to keep fresh.
    let Some(window) = tab.config.window().filter(|_| tab.config.refresh_ahead) else {
        return keeper;
    };
    let window = Some(window);
    let document = window.as_ref().and_then(|window| window.document());
    let schedule = Rc::new_cyclic(|weak: &Weak<Schedule>| {
        let mut listeners = Vec::new();
        if let Some(document) = &document {
            let (watched, weak, tab) = (document.clone(), weak.clone(), tab.clone());
            listeners.push(EventListener::new(
                document,
                "visibilitychange",
                move |_| {
                    // A tab coming back may have slept through other tabs' storage events.
                    tab.sync_from_storage();
                    if let Some(schedule) = weak.upgrade() {
                        schedule.visible.set(!watched.hidden());
                        schedule.reschedule();
                    }
                },
            ));
        }
        if let Some(window) = &window {
            let weak = weak.clone();
            listeners.push(EventListener::new(window, "online", move |_| {
                if let Some(schedule) = weak.upgrade() {
                    schedule.retry_now();
                }
            }));
        }
        Schedule {
            tab: tab.clone(),
            keeper,
            timer: RefCell::new(None),
            visible: Cell::new(document.as_ref().is_none_or(|d| !d.hidden())),
            last_run_at: Cell::new(f64::MIN),
            failures: Cell::new(0),
            retry: RefCell::new(None),
            _listeners: listeners,
        }
    });
    let weak = Rc::downgrade(&schedule);
    tab.watch_tokens(Box::new(move || {
        if let Some(schedule) = weak.upgrade() {
            schedule.reschedule();
        }
    }));
    schedule.reschedule();
    // Dropped with the owner, and with it the timer and the listeners.
    BrowserOnly::new(schedule);
    keeper
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_ceiling() {
        let network = ApiError::Network;
        assert_eq!(backoff_ms(1, &network, 0.5), 1_000.0);
        assert_eq!(backoff_ms(2, &network, 0.5), 2_000.0);
        assert_eq!(backoff_ms(3, &network, 0.5), 4_000.0);
        assert_eq!(backoff_ms(10, &network, 0.5), 30_000.0);
        assert_eq!(backoff_ms(u32::MAX, &network, 0.5), 30_000.0);
    }

    #[test]
    fn jitter_spreads_by_a_fifth() {
        assert_eq!(backoff_ms(1, &ApiError::Network, 0.0), 800.0);
        assert!((backoff_ms(1, &ApiError::Network, 0.999_999) - 1_200.0).abs() < 0.01);
    }

    #[test]
    fn retry_after_is_honoured() {
        let limited = ApiError::RateLimited {
            retry_after_s: Some(20),
        };
        assert_eq!(backoff_ms(1, &limited, 0.5), 20_000.0);
        let vague = ApiError::RateLimited {
            retry_after_s: None,
        };
        assert_eq!(backoff_ms(1, &vague, 0.5), 1_000.0);
    }
}
