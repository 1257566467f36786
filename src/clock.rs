//! Time as the pages show it.

use leptos::prelude::*;

/// The local wall clock, in milliseconds since the epoch.
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64() * 1000.0)
}

/// A span in whole seconds, rounded up, so a countdown shows 0 only once nothing is left.
pub fn whole_seconds(ms: f64) -> u64 {
    (ms / 1000.0).ceil().max(0.0) as u64
}

/// The wall clock as a signal that moves every second, for countdowns; it stops with the
/// component (or owner) that asked for it.
pub fn ticking_now_ms() -> ReadSignal<f64> {
    let now = RwSignal::new(now_ms());
    if let Ok(ticker) = set_interval_with_handle(
        move || {
            now.try_set(now_ms());
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || ticker.clear());
    }
    now.read_only()
}

#[cfg(test)]
mod tests {
    use super::whole_seconds;

    #[test]
    fn spans_round_up_to_whole_seconds() {
        assert_eq!(whole_seconds(-5.0), 0);
        assert_eq!(whole_seconds(0.0), 0);
        assert_eq!(whole_seconds(1.0), 1);
        assert_eq!(whole_seconds(1_000.0), 1);
        assert_eq!(whole_seconds(1_001.0), 2);
    }
}
