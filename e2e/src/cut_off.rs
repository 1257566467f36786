//! Cutting a refresh off on purpose, the loss the library README's "A reload in the middle of a
//! refresh" describes: the server holds the refresh's answer back once it has rotated and
//! blacklisted the token (a fault's `answer_delay_ms`), and the test reloads or closes the page
//! that sent it before that answer can leave. The server's request log then tells whether the
//! page really went while the refresh was in flight.

use std::time::{Duration, Instant};

use interceptor_server::test_hooks::LogEntry;
use serde_json::json;

use crate::hooks::{requests_to, Hooks, WirePaths};
use crate::now_ms;

/// How often the test looks whether the held refresh has arrived.
const POLL_EVERY: Duration = Duration::from_millis(20);

/// xorshift64*: enough to spread a test's choices, and the same for the same seed.
pub struct Random(u64);

impl Random {
    /// The seed in the environment variable `name` (a decimal number), else `default`.
    pub fn seeded_from_env(name: &str) -> (Self, u64) {
        let seed = std::env::var(name)
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or(DEFAULT_SEED);
        (Self(seed.max(1)), seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A duration in `from..to` milliseconds.
    pub fn millis(&mut self, from: u64, to: u64) -> Duration {
        Duration::from_millis(from + self.below(to - from))
    }
}

/// The seed when none is given.
pub const DEFAULT_SEED: u64 = 20_261_201;

/// Holds the next refresh's answer back for `hold` once the server has handled it. No other
/// fault may be set meanwhile: [`wait_for_held_refresh`] waits for the list to empty.
pub async fn hold_next_refresh(server: &Hooks, wire: &WirePaths, hold: Duration) {
    // Faults name the path below `/api/`.
    let path = wire.refresh.trim_start_matches("/api/");
    server
        .set_fault(json!({
            "path": path,
            "answer_delay_ms": hold.as_millis() as u64,
            "times": 1,
        }))
        .await;
}

/// Waits, up to `within`, until the held refresh has arrived (its fault is used up), and
/// answers the instant (Unix ms) the test saw it; `Err` when none came (the fault is cleared).
pub async fn wait_for_held_refresh(server: &Hooks, within: Duration) -> Result<u64, String> {
    let deadline = Instant::now() + within;
    loop {
        if server.faults().await.is_empty() {
            return Ok(now_ms());
        }
        if Instant::now() >= deadline {
            server.clear_faults().await;
            return Err(format!("no refresh arrived within {within:?} to hold"));
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// A page the test made go (reloaded or closed): asked at `from`, gone by `to` (the next page
/// loaded, or the window closed), Unix ms.
#[derive(Debug, Clone, Copy)]
pub struct Departure {
    pub from: u64,
    pub to: u64,
}

impl Departure {
    /// Runs `go` (a reload, a close) and notes when it was asked and when it was done.
    pub async fn of<F: std::future::Future<Output = ()>>(go: F) -> Self {
        let from = now_ms();
        go.await;
        Self { from, to: now_ms() }
    }
}

/// A refresh whose answer was held and the pages that went meanwhile.
#[derive(Debug, Clone)]
pub struct CutOff {
    /// The refresh URL's path, as the request log has it.
    pub refresh: &'static str,
    /// When the test saw the held refresh had arrived.
    pub seen_ms: u64,
    pub hold: Duration,
    pub departures: Vec<Departure>,
}

impl CutOff {
    /// The held refresh in the log: the one that had arrived and was not yet answered when the
    /// test saw it had arrived. Django logs it once its answer has left, so only after the hold.
    pub fn held<'a>(&self, log: &'a [LogEntry]) -> Option<&'a LogEntry> {
        requests_to(log, self.refresh)
            .into_iter()
            .find(|entry| entry.at_ms <= self.seen_ms && self.seen_ms <= entry.done_ms)
    }

    /// The held refresh, when it rotated (200) and every page the test made go went after it
    /// arrived, before the log has it answered (`done_ms`: on the reference server the instant
    /// the page's connection closed, if it did), and was gone before its answer could leave
    /// (`at_ms` + the hold): no page read it.
    ///
    /// # Errors
    ///
    /// Which of those failed, with the timings.
    pub fn in_flight<'a>(&self, log: &'a [LogEntry]) -> Result<&'a LogEntry, String> {
        let held = self
            .held(log)
            .ok_or_else(|| "the held refresh is not in the log".to_owned())?;
        let first = self.departures.iter().map(|d| d.from).min().unwrap_or(0);
        let last = self
            .departures
            .iter()
            .map(|d| d.to)
            .max()
            .unwrap_or(u64::MAX);
        let answer_leaves = held.at_ms + self.hold.as_millis() as u64;
        let why = if held.status != 200 {
            "it did not rotate"
        } else if first < held.at_ms {
            "a page went before it arrived"
        } else if held.done_ms < first {
            "it was answered before a page went"
        } else if last > answer_leaves {
            "a page was still there when its answer could leave"
        } else {
            return Ok(held);
        };
        Err(format!("held refresh: {why}: {}", self.describe(held)))
    }

    /// The first refresh to arrive after the held one, once both are in the log.
    pub fn next_refresh<'a>(&self, log: &'a [LogEntry]) -> Option<&'a LogEntry> {
        let held = self.held(log)?;
        requests_to(log, self.refresh)
            .into_iter()
            .filter(|entry| entry.at_ms > held.at_ms)
            .min_by_key(|entry| entry.at_ms)
    }

    /// The timings, relative to the held refresh's arrival.
    pub fn describe(&self, held: &LogEntry) -> String {
        let since = |at: u64| at as i64 - held.at_ms as i64;
        let pages: Vec<String> = self
            .departures
            .iter()
            .map(|d| format!("{}..{}", since(d.from), since(d.to)))
            .collect();
        format!(
            "{} done at +{} ms (held {} ms), pages went at +[{}] ms",
            held.status,
            since(held.done_ms),
            self.hold.as_millis(),
            pages.join(", ")
        )
    }
}
