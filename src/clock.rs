//! The local wall clock, in milliseconds since the epoch.

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

/// The wall clock as a signal that moves every second, for countdowns; it stops with the
/// component (or owner) that asked for it.
pub fn ticking_now_ms() -> leptos::prelude::ReadSignal<f64> {
    use leptos::prelude::*;
    let now = RwSignal::new(now_ms());
    if let Ok(ticker) =
        set_interval_with_handle(move || now.set(now_ms()), std::time::Duration::from_secs(1))
    {
        on_cleanup(move || ticker.clear());
    }
    now.read_only()
}
