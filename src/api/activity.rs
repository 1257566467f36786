//! What the interceptor did, as it happens: every exchange and every step of its own
//! (refreshing, waiting for a refresh, retrying), for the activity panel.

use std::collections::VecDeque;

use leptos::prelude::*;

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
    pub kind: ActivityKind,
}

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
    /// A step of the interceptor's own, e.g. "token expired → refreshing".
    Step(String),
}

/// The activity log. `Copy`; the client writes it, pages read it.
#[derive(Clone, Copy)]
pub struct Activity {
    entries: RwSignal<VecDeque<ActivityEntry>>,
    next_seq: StoredValue<u64>,
}

impl Default for Activity {
    fn default() -> Self {
        Self::new()
    }
}

impl Activity {
    pub fn new() -> Self {
        Self {
            entries: RwSignal::new(VecDeque::new()),
            next_seq: StoredValue::new(0),
        }
    }

    pub fn record(&self, kind: ActivityKind) {
        let seq = self.next_seq.get_value();
        self.next_seq.set_value(seq + 1);
        self.entries.update(|entries| {
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

    /// Records one of the interceptor's own steps.
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

    pub fn clear(&self) {
        self.entries.update(VecDeque::clear);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_hundred_in_order() {
        let activity = Activity::new();
        for i in 0..150 {
            activity.step(format!("step {i}"));
        }
        let entries = activity.entries.get_untracked();
        assert_eq!(entries.len(), CAPACITY);
        assert_eq!(entries.front().map(|e| e.seq), Some(50));
        assert_eq!(activity.newest_first().first().map(|e| e.seq), Some(149));
    }
}
