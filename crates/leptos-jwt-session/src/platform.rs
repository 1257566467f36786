//! What the layer runs on: the clock and the browser's window, and where its thread-bound values
//! live. Off the browser (a server render, host tests) there is no window, and nothing here calls
//! into JavaScript, whose imports would panic there.

use leptos::prelude::{LocalStorage, StoredValue, WithValue};

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

/// A thread-bound value of the browser's (an `Rc`, a closure, listeners) kept for as long as the
/// current reactive owner lives: in a browser only. A server's render moves between threads, and
/// a thread-bound value in the owner's arena panics when it is touched or dropped on another, so
/// on a server none is kept and every read finds nothing. `Copy`.
pub(crate) struct BrowserOnly<T: 'static>(Option<StoredValue<T, LocalStorage>>);

impl<T: 'static> BrowserOnly<T> {
    /// Keeps `value` with the current owner, in a browser; drops it at once elsewhere.
    pub(crate) fn new(value: T) -> Self {
        Self(browser_window().map(|_| StoredValue::new_local(value)))
    }

    /// Runs `read` on the value, unless there is none (off the browser, or its owner is gone).
    pub(crate) fn with<R>(&self, read: impl FnOnce(&T) -> R) -> Option<R> {
        self.0.and_then(|value| value.try_with_value(read))
    }

    /// A copy of the value, unless there is none.
    pub(crate) fn get(&self) -> Option<T>
    where
        T: Clone,
    {
        self.with(T::clone)
    }
}

impl<T: 'static> Clone for BrowserOnly<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for BrowserOnly<T> {}

impl<T: 'static> std::fmt::Debug for BrowserOnly<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "BrowserOnly(kept)"
        } else {
            "BrowserOnly(none)"
        })
    }
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
