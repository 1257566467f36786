//! The activity log behind the home page's panel: the auth layer's events as lines, kept while
//! the app runs (the newest hundred), plus the app's own steps.

use std::collections::VecDeque;

use leptos::prelude::*;
use leptos_jwt_session::{use_auth_events, AuthEvent, RefreshReason, SessionEnd};

use crate::clock::now_ms;

/// How many entries are kept; older ones fall off.
const CAPACITY: usize = 100;

/// One line of activity.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEntry {
    /// Increases by one per entry: a stable key for lists.
    pub seq: u64,
    /// Local time, ms.
    pub at_ms: f64,
    /// What happened.
    pub kind: ActivityKind,
}

/// What a line says.
#[derive(Debug, Clone, PartialEq)]
pub enum ActivityKind {
    /// One HTTP exchange. `status` is `None` when no answer came (`error` says why).
    Exchange {
        method: &'static str,
        path: String,
        status: Option<u16>,
        duration_ms: f64,
        error: Option<String>,
    },
    /// A step of the interceptor's own, or of the app.
    Step(String),
}

/// The log. `Copy`; in context.
#[derive(Clone, Copy)]
pub struct ActivityLog {
    entries: RwSignal<VecDeque<ActivityEntry>>,
}

impl ActivityLog {
    /// Starts logging the auth layer's events (from `provide_auth` above) for as long as the
    /// current owner lives, and puts the log in context.
    pub fn provide() -> Self {
        let log = Self {
            entries: RwSignal::new(VecDeque::new()),
        };
        use_auth_events(move |event| {
            if let Some(kind) = describe(event) {
                log.record(kind);
            }
        });
        provide_context(log);
        log
    }

    fn record(&self, kind: ActivityKind) {
        // The layer may still report after the app has unmounted: then there is nothing to do.
        self.entries.try_update(|entries| {
            let seq = entries.back().map_or(0, |last| last.seq + 1);
            if entries.len() == CAPACITY {
                entries.pop_front();
            }
            entries.push_back(ActivityEntry {
                seq,
                at_ms: now_ms(),
                kind,
            });
        });
    }

    /// Records one of the app's own steps.
    pub fn step(&self, text: impl Into<String>) {
        self.record(ActivityKind::Step(text.into()));
    }

    /// Newest first (tracked).
    pub fn newest_first(&self) -> Vec<ActivityEntry> {
        self.entries
            .with(|entries| entries.iter().rev().cloned().collect())
    }

    /// Whether nothing is logged (tracked), without copying the log.
    pub fn is_empty(&self) -> bool {
        self.entries.with(VecDeque::is_empty)
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.entries.update(VecDeque::clear);
    }
}

/// The log from context. Panics when [`ActivityLog::provide`] was not called above.
pub fn use_activity() -> ActivityLog {
    expect_context()
}

/// An event as a line of the log; `None` for what the panel does not show (a request starting:
/// its line comes when it ends).
fn describe(event: &AuthEvent) -> Option<ActivityKind> {
    let step = |text: &str| Some(ActivityKind::Step(text.to_owned()));
    match event {
        AuthEvent::RequestFinished {
            method,
            path,
            status,
            error,
            duration_ms,
            ..
        } => Some(ActivityKind::Exchange {
            method: method.as_str(),
            path: path.clone(),
            status: *status,
            duration_ms: *duration_ms,
            error: error.as_ref().map(ToString::to_string),
        }),
        AuthEvent::WaitingForRefresh => step("waiting for the refresh under way"),
        AuthEvent::RefreshStarted { reason } => step(match reason {
            RefreshReason::Refused => "401 token_not_valid → refreshing",
            RefreshReason::Expiring => "access token expiring → refreshing",
            _ => "refreshing",
        }),
        AuthEvent::RefreshFinished { rotated: true } => {
            step("refreshed: new access and rotated refresh token stored")
        }
        AuthEvent::RefreshFinished { rotated: false } => step("refreshed: new access token stored"),
        AuthEvent::RefreshedElsewhere => step("another tab already refreshed → using its token"),
        AuthEvent::RefreshFailed { error } => Some(ActivityKind::Step(format!(
            "refresh failed: {error} → session kept"
        ))),
        AuthEvent::RefreshRefused => step("refresh refused → session ended"),
        AuthEvent::Replaying { path } => Some(ActivityKind::Step(format!(
            "retrying {path} with the new token"
        ))),
        AuthEvent::ReplayDropped { .. } => {
            step("the session changed during the retry → request dropped")
        }
        AuthEvent::SessionEnded {
            reason: SessionEnd::Expired,
        } => step("session expired"),
        AuthEvent::SessionEnded { .. } => step("logged out"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_hundred_in_order() {
        let owner = Owner::new();
        owner.set();
        let log = ActivityLog {
            entries: RwSignal::new(VecDeque::new()),
        };
        for i in 0..150 {
            log.step(format!("step {i}"));
        }
        let entries = log.entries.get_untracked();
        assert_eq!(entries.len(), CAPACITY);
        assert_eq!(entries.front().map(|e| e.seq), Some(50));
        assert_eq!(log.newest_first().first().map(|e| e.seq), Some(149));
    }

    #[test]
    fn exchanges_are_lines_and_starts_are_not() {
        let finished = AuthEvent::RefreshRefused;
        assert_eq!(
            describe(&finished),
            Some(ActivityKind::Step("refresh refused → session ended".into()))
        );
        assert_eq!(describe(&AuthEvent::SessionStarted), None);
    }
}
