//! What the layer runs on: the clock and the browser's window. Off the browser (a server render,
//! host tests) there is no window, and nothing here calls into JavaScript, whose imports would
//! panic there.

/// The local wall clock, in milliseconds since the epoch.
#[cfg(target_arch = "wasm32")]
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The local wall clock, in milliseconds since the epoch.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64() * 1000.0)
}

/// The page's window in a browser; `None` elsewhere.
pub(crate) fn browser_window() -> Option<web_sys::Window> {
    #[cfg(target_arch = "wasm32")]
    return web_sys::window();
    #[cfg(not(target_arch = "wasm32"))]
    return None;
}

/// A number in `0.0..1.0`, for jitter and ids.
pub(crate) fn random() -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Math::random();
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(1);
        (COUNTER.fetch_add(1, Ordering::Relaxed) as f64 * 0.618_033_988_749).fract()
    }
}

/// A random id for a tab, a login or a lease holder, unique enough to tell them apart.
pub(crate) fn random_id() -> String {
    format!("{:x}", (random() * 1e16) as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_differ() {
        assert_ne!(super::random_id(), super::random_id());
    }
}
