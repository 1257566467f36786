//! One refresh at a time across every tab of the app.
//!
//! Web Locks (`navigator.locks`) where the browser has them; where it does not, a lease kept in
//! `localStorage`, written, then read back after a pause to confirm that no other tab took it.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::clock::now_ms;

/// How long a fallback lease is good for: a tab that dies holding it blocks others this long.
/// Longer than a refresh can take (the client's 15 s timeout) with a margin, so a live holder
/// never loses it mid-refresh.
const LEASE_MS: f64 = 30_000.0;

/// Runs `work` while holding the lock `name` across the tabs that share `window`'s origin.
/// Without a window (host, memory storage) it simply runs `work`.
///
/// `None` when the lock could not be had: the fallback lease stayed taken for a whole lease
/// length, or the browser's lock manager lost `work` (which the Web Locks specification does
/// not allow). `work` has not run then; callers treat it as a failure.
pub async fn with_lock<T, F, Fut>(
    window: Option<&web_sys::Window>,
    name: &str,
    work: F,
) -> Option<T>
where
    T: 'static,
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = T> + 'static,
{
    let Some(window) = window else {
        return Some(work().await);
    };
    let work = Rc::new(RefCell::new(Some(work)));
    if let Some(result) = with_web_lock(window, name, work.clone()).await {
        return Some(result);
    }
    // Web Locks are missing, or refused the request before running anything.
    let work = work.borrow_mut().take()?;
    with_lease(window, name, work).await
}

type Work<F> = Rc<RefCell<Option<F>>>;

/// `Some(result)` when Web Locks ran `work`; `None` when they are not there to use.
async fn with_web_lock<T, F, Fut>(window: &web_sys::Window, name: &str, work: Work<F>) -> Option<T>
where
    T: 'static,
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = T> + 'static,
{
    let locks = Reflect::get(&window.navigator(), &"locks".into()).ok()?;
    let request: Function = Reflect::get(&locks, &"request".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let result: Rc<RefCell<Option<T>>> = Rc::default();
    let output = result.clone();
    let callback = Closure::once_into_js(move |_lock: JsValue| {
        wasm_bindgen_futures::future_to_promise(async move {
            let work = work.borrow_mut().take();
            if let Some(work) = work {
                let value = work().await;
                output.borrow_mut().replace(value);
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    let promise = request
        .call2(&locks, &JsValue::from_str(name), &callback)
        .ok()?;
    let _ = JsFuture::from(js_sys::Promise::from(promise)).await;
    result.take()
}

async fn with_lease<T, F, Fut>(window: &web_sys::Window, name: &str, work: F) -> Option<T>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T>,
{
    let storage = window.local_storage().ok().flatten();
    let Some(storage) = storage else {
        return Some(work().await);
    };
    let key = format!("{name}.lease");
    // A lease is "<holder> <until>"; this prefix marks ours.
    let mine = format!("{:x} ", (js_sys::Math::random() * 1e16) as u64);
    let held_by_me = || {
        storage
            .get_item(&key)
            .ok()
            .flatten()
            .is_some_and(|lease| lease.starts_with(&mine))
    };
    // Wait out one whole lease (a dead holder's lease expires within it), then give up:
    // storage misbehaves.
    let give_up_at = now_ms() + LEASE_MS + 2_000.0;
    loop {
        let holder = storage.get_item(&key).ok().flatten();
        let free = holder
            .as_deref()
            .is_none_or(|lease| lease_expired(lease, now_ms()));
        if free {
            if storage
                .set_item(&key, &format!("{mine}{}", (now_ms() + LEASE_MS) as i64))
                .is_err()
            {
                // Storage refuses writes: no lease is possible, so none can be contended.
                return Some(work().await);
            }
            // Another tab may have written in the same moment; the last writer holds it.
            gloo_timers::future::TimeoutFuture::new(30).await;
            if held_by_me() {
                break;
            }
        }
        if now_ms() > give_up_at {
            return None;
        }
        gloo_timers::future::TimeoutFuture::new(50 + (js_sys::Math::random() * 50.0) as u32).await;
    }
    let result = work().await;
    if held_by_me() {
        let _ = storage.remove_item(&key);
    }
    Some(result)
}

/// A lease is `"<holder> <until, whole ms>"`; anything unreadable counts as expired.
/// (Integers, so that no float formatting or parsing code is linked for it.)
fn lease_expired(lease: &str, now_ms: f64) -> bool {
    lease
        .split_once(' ')
        .and_then(|(_, until)| until.parse::<i64>().ok())
        .is_none_or(|until| until as f64 <= now_ms)
}

#[cfg(test)]
mod tests {
    use super::lease_expired;

    #[test]
    fn leases_expire_and_garbage_is_free() {
        assert!(!lease_expired("abc 2000", 1000.0));
        assert!(lease_expired("abc 2000", 2000.0));
        assert!(lease_expired("garbage", 0.0));
        assert!(lease_expired("abc soon", 0.0));
    }
}
