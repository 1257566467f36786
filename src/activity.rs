//! The activity log behind the home page's panel: the auth layer's events as lines, kept while
//! the app runs (the newest hundred), plus the app's own steps.

use std::collections::VecDeque;
use std::fmt::Write as _;

use leptos::prelude::*;
use leptos_jwt_session::{use_auth_events, AuthEvent, RefreshReason, SessionEnd};

use crate::clock::now_ms;

/// How many entries are kept; older ones fall off.
const CAPACITY: usize = 100;

/// One line of activity.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEntry {
    /// Increases by one per entry, also across [`ActivityLog::clear`]: a stable key for lists,
    /// and the mark of what has been announced.
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
    entries: RwSignal<Entries>,
}

#[derive(Default)]
struct Entries {
    lines: VecDeque<ActivityEntry>,
    next_seq: u64,
}

impl ActivityLog {
    /// Starts logging the auth layer's events (from `provide_auth` above) for as long as the
    /// current owner lives, and puts the log in context.
    pub fn provide() -> Self {
        let log = Self {
            entries: RwSignal::new(Entries::default()),
        };
        let in_cookies = crate::account::tokens_in_cookies();
        use_auth_events(move |event| {
            if let Some(kind) = describe(event, in_cookies) {
                log.record(kind);
            }
        });
        provide_context(log);
        log
    }

    fn record(&self, kind: ActivityKind) {
        // The layer may still report after the app has unmounted: then there is nothing to do.
        self.entries.try_update(|entries| {
            let seq = entries.next_seq;
            entries.next_seq += 1;
            if entries.lines.len() == CAPACITY {
                entries.lines.pop_front();
            }
            entries.lines.push_back(ActivityEntry {
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
            .with(|entries| entries.lines.iter().rev().cloned().collect())
    }

    /// Whether nothing is logged (tracked), without copying the log.
    pub fn is_empty(&self) -> bool {
        self.entries.with(|entries| entries.lines.is_empty())
    }

    /// The `seq` the next entry will get (tracked): it moves with every entry.
    pub fn next_seq(&self) -> u64 {
        self.entries.with(|entries| entries.next_seq)
    }

    /// The entries from `seq` on (those still kept) in one sentence ([`summarize`]), and the
    /// `seq` the next batch starts at; untracked. `None` once the owner is gone.
    pub fn batch_from(&self, seq: u64) -> Option<(Option<String>, u64)> {
        self.entries.try_with_untracked(|entries| {
            let batch = entries.lines.iter().filter(|entry| entry.seq >= seq);
            (summarize(batch), entries.next_seq)
        })
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.entries.update(|entries| entries.lines.clear());
    }
}

/// One sentence for a batch of entries, for screen readers: "10 requests: 10 succeeded."
/// rather than one announcement per line. `None` for an empty batch.
pub fn summarize<'a>(entries: impl IntoIterator<Item = &'a ActivityEntry>) -> Option<String> {
    let (mut succeeded, mut failed, mut steps) = (0usize, 0usize, 0usize);
    for entry in entries {
        match &entry.kind {
            ActivityKind::Exchange { status, .. } if is_success(*status) => succeeded += 1,
            ActivityKind::Exchange { .. } => failed += 1,
            ActivityKind::Step(_) => steps += 1,
        }
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let requests = succeeded + failed;
    let mut sentence = String::new();
    if requests > 0 {
        let _ = write!(
            sentence,
            "{requests} request{}: {succeeded} succeeded",
            plural(requests)
        );
        if failed > 0 {
            let _ = write!(sentence, ", {failed} failed");
        }
        sentence.push_str(". ");
    }
    if steps > 0 {
        let other = if requests > 0 { "other " } else { "" };
        let _ = write!(sentence, "{steps} {other}event{} logged.", plural(steps));
    }
    let sentence = sentence.trim_end();
    (!sentence.is_empty()).then(|| sentence.to_owned())
}

/// Whether an exchange's answer counts as a success: 2xx and 3xx.
pub fn is_success(status: Option<u16>) -> bool {
    matches!(status, Some(200..=399))
}

/// The log from context. Panics when [`ActivityLog::provide`] was not called above.
pub fn use_activity() -> ActivityLog {
    expect_context()
}

/// An event as a line of the log; `None` for what the panel does not show (a request starting:
/// its line comes when it ends). `in_cookies`: the tokens are httpOnly cookies, which the
/// server sets and the page never sees.
fn describe(event: &AuthEvent, in_cookies: bool) -> Option<ActivityKind> {
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
        AuthEvent::RefreshFinished { .. } if in_cookies => {
            step("refreshed: the server set new token cookies")
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
            entries: RwSignal::new(Entries::default()),
        };
        for i in 0..150 {
            log.step(format!("step {i}"));
        }
        let front = log
            .entries
            .with_untracked(|e| e.lines.front().map(|e| e.seq));
        assert_eq!(log.newest_first().len(), CAPACITY);
        assert_eq!(front, Some(50));
        assert_eq!(log.newest_first().first().map(|e| e.seq), Some(149));
    }

    #[test]
    fn numbering_goes_on_after_a_clear() {
        let owner = Owner::new();
        owner.set();
        let log = ActivityLog {
            entries: RwSignal::new(Entries::default()),
        };
        log.step("before");
        log.clear();
        assert!(log.is_empty());
        log.step("after");
        assert_eq!(log.newest_first().first().map(|e| e.seq), Some(1));
        assert_eq!(log.next_seq(), 2);
        assert_eq!(
            log.batch_from(1),
            Some((Some("1 event logged.".to_owned()), 2))
        );
        assert_eq!(log.batch_from(2), Some((None, 2)));
    }

    fn exchange(status: Option<u16>) -> ActivityEntry {
        ActivityEntry {
            seq: 0,
            at_ms: 0.0,
            kind: ActivityKind::Exchange {
                method: "GET",
                path: "/api/v1/auth/users/me/".into(),
                status,
                duration_ms: 3.0,
                error: None,
            },
        }
    }

    fn step() -> ActivityEntry {
        ActivityEntry {
            seq: 0,
            at_ms: 0.0,
            kind: ActivityKind::Step("refreshing".into()),
        }
    }

    #[test]
    fn a_batch_is_one_sentence() {
        let burst: Vec<_> = std::iter::repeat_with(|| exchange(Some(200)))
            .take(10)
            .chain([step(), step()])
            .collect();
        assert_eq!(
            summarize(&burst).as_deref(),
            Some("10 requests: 10 succeeded. 2 other events logged.")
        );
        let mixed = [exchange(Some(200)), exchange(Some(401)), exchange(None)];
        assert_eq!(
            summarize(&mixed).as_deref(),
            Some("3 requests: 1 succeeded, 2 failed.")
        );
        assert_eq!(
            summarize(&[exchange(Some(503))]).as_deref(),
            Some("1 request: 0 succeeded, 1 failed.")
        );
        assert_eq!(summarize(&[step()]).as_deref(), Some("1 event logged."));
        assert_eq!(summarize(&[]), None);
    }

    #[test]
    fn exchanges_are_lines_and_starts_are_not() {
        let finished = AuthEvent::RefreshRefused;
        assert_eq!(
            describe(&finished, false),
            Some(ActivityKind::Step("refresh refused → session ended".into()))
        );
        assert_eq!(describe(&AuthEvent::SessionStarted, false), None);
        // The page never sees a cookie refresh's tokens, nor whether they rotated.
        assert_eq!(
            describe(&AuthEvent::RefreshFinished { rotated: false }, true),
            Some(ActivityKind::Step(
                "refreshed: the server set new token cookies".into()
            ))
        );
    }
}
