//! Refresh ahead of expiry: the access token is renewed a lead time before it expires, so
//! requests do not meet an expired token and the server sees no 401 in normal use.
//!
//! One timer, rescheduled whenever the tokens change (here or in another tab). No timer runs
//! while the tab is hidden; on its return the refresh happens at once if it is due. A failed
//! refresh that says nothing about the session (network, 5xx, 429, timeout) is retried with
//! exponential backoff, and the state shows as [`Connectivity::Reconnecting`] meanwhile.

use std::cell::Cell;
use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;

use crate::api::refresh::{refresh_due_at, refresh_replacing};
use crate::http::error::ApiError;
use crate::platform::{now_ms, random};
use crate::session::events::RefreshReason;
use crate::session::tab::TabSession;
use crate::session::tokens::Tokens;

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
        if self
            .connectivity
            .try_with_untracked(|current| *current != connectivity)
            == Some(true)
        {
            self.connectivity.try_set(connectivity);
        }
    }
}

/// Starts refreshing the tab's session ahead of expiry, for as long as the current reactive
/// owner lives. `tokens` is the store's signal, which the schedule follows.
pub(crate) fn keep_session_fresh(
    tab: Rc<TabSession>,
    tokens: RwSignal<Option<Tokens>>,
) -> SessionKeeper {
    let keeper = SessionKeeper {
        connectivity: RwSignal::new(Connectivity::Online),
        next_refresh_at: RwSignal::new(None),
    };
    let window = tab.config.window();
    let document = window.as_ref().and_then(|window| window.document());
    let visible = RwSignal::new(document.as_ref().is_none_or(|d| !d.hidden()));
    // Bumped to reschedule when something the effect does not track has changed.
    let wake = RwSignal::new(0u32);
    let failures = Rc::new(Cell::new(0u32));
    let last_run_at = Rc::new(Cell::new(f64::MIN));

    let mut listeners = Vec::new();
    if let Some(document) = document {
        let (watched, tab) = (document.clone(), tab.clone());
        listeners.push(EventListener::new(
            &document,
            "visibilitychange",
            move |_| {
                // A tab coming back may have slept through other tabs' storage events.
                tab.sync_from_storage();
                visible.try_set(!watched.hidden());
            },
        ));
    }
    if let Some(window) = &window {
        // Back online: retry now rather than at the end of the backoff.
        listeners.push(EventListener::new(window, "online", move |_| {
            keeper.connectivity.try_update(|state| {
                if let Connectivity::Reconnecting { retry_at, .. } = state {
                    *retry_at = now_ms();
                }
            });
            wake.try_update(|n| *n = n.wrapping_add(1));
        }));
    }

    let run = {
        let (tab, failures, last_run_at) = (tab.clone(), failures.clone(), last_run_at.clone());
        move || {
            last_run_at.set(now_ms());
            let (tab, failures) = (tab.clone(), failures.clone());
            // May outlive the owner: it touches only its `Rc`s and `try_` accessors.
            leptos::task::spawn_local(async move {
                let stale = tab.tokens().map(|tokens| tokens.access);
                match refresh_replacing(&tab, stale, RefreshReason::Expiring).await {
                    Ok(_) => {
                        failures.set(0);
                        keeper.set_connectivity(Connectivity::Online);
                    }
                    // The session is over; the effect sees the tokens go.
                    Err(ApiError::SessionExpired) => {}
                    Err(error) => {
                        let attempt = failures.get() + 1;
                        failures.set(attempt);
                        let wait = backoff_ms(attempt, &error, random());
                        keeper.set_connectivity(Connectivity::Reconnecting {
                            attempt,
                            retry_at: now_ms() + wait,
                            reason: error,
                        });
                    }
                }
                wake.try_update(|n| *n = n.wrapping_add(1));
            });
        }
    };

    let timer = StoredValue::new_local(None::<Timeout>);
    if !tab.config.refresh_ahead {
        StoredValue::new_local(listeners);
        return keeper;
    }
    Effect::new(move |_| {
        wake.track();
        let tokens = tokens.get();
        let visible = visible.get();
        timer.set_value(None);
        let Some(tokens) = tokens else {
            failures.set(0);
            keeper.next_refresh_at.set(None);
            keeper.set_connectivity(Connectivity::Online);
            return;
        };
        let due = match keeper.connectivity.get_untracked() {
            Connectivity::Reconnecting { retry_at, .. } => retry_at,
            Connectivity::Online => refresh_due_at(&tab.config, &tokens).unwrap_or_else(now_ms),
        };
        let due = due.max(last_run_at.get() + MIN_SPACING_MS);
        keeper.next_refresh_at.set(Some(due));
        if visible {
            let delay = (due - now_ms()).clamp(0.0, f64::from(i32::MAX)) as u32;
            timer.set_value(Some(Timeout::new(delay, run.clone())));
        }
    });
    // Removed, with the timer, when the owner goes.
    StoredValue::new_local(listeners);
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
