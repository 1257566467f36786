//! One writer of the stored session at a time, across every tab of the origin.
//!
//! What each browser gives, in the order tried:
//! 1. **Web Locks** (`navigator.locks`, secure contexts: HTTPS and `localhost`): exclusive; a
//!    tab that closes or crashes releases its lock at once.
//! 2. **A lease in IndexedDB** (plain HTTP on another host, where Web Locks are missing): taken
//!    by a compare-and-set in one read-write transaction, so it is exclusive too. It lasts
//!    [`LEASE_MS`] and its holder renews it every [`RENEW_EVERY_MS`] while it works, for as long
//!    as a whole exchange can take (the request timeout plus a margin): a tab that closes,
//!    reloads or crashes holding it blocks the others for a few seconds at most, and a live
//!    holder never loses it in the middle of its work.
//! 3. **A lease in `localStorage`** (neither available, e.g. some private modes): written, then
//!    read back after a pause, and renewed the same way. Best effort only: across browser
//!    processes two tabs can both believe they hold it. Rotation with blacklisting may then log
//!    a user out now and then.

use std::cell::{Cell, RefCell};
#[cfg(feature = "testing")]
use std::future::Future;
use std::rc::Rc;

use futures::future::{select, LocalBoxFuture};
use js_sys::{Function, Reflect};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::platform::now_ms;
use crate::tabs::ledger::Idb;

/// Where the lock lives, and how long a holder may keep a fallback lease at most.
pub(crate) struct LockPlace<'a> {
    pub(crate) window: &'a web_sys::Window,
    pub(crate) name: &'a str,
    pub(crate) max_hold_ms: f64,
    pub(crate) idb: Option<&'a Idb>,
}

/// How long a fallback lease lasts unless renewed: what a dead holder costs the other tabs.
pub(crate) const LEASE_MS: f64 = 4_000.0;
/// How often a working holder renews it (timers of a background tab still run once a second).
pub(crate) const RENEW_EVERY_MS: u32 = 1_000;

/// Work to run under the lock.
pub(crate) type Work = Box<dyn FnOnce() -> LocalBoxFuture<'static, ()>>;

/// How long a tab waits for the lock at most: its holder's longest hold, one more lease, and a
/// margin. A holder past that has hung (or its storage has), and waiting on would hang every tab.
pub(crate) fn max_wait_ms(max_hold_ms: f64) -> f64 {
    max_hold_ms + LEASE_MS + 2_000.0
}

/// Runs `work` while holding the lock; `false` when the lock could not be had within
/// [`max_wait_ms`], or the browser's lock manager lost `work` (which the Web Locks specification
/// does not allow). `work` has not run then; callers treat it as a passing failure.
pub(crate) async fn with_lock(place: LockPlace<'_>, work: Work) -> bool {
    let work = Rc::new(RefCell::new(Some(work)));
    match with_web_lock(&place, work.clone()).await {
        WebLock::Ran => return true,
        WebLock::NotHad => return false,
        WebLock::Missing => {}
    }
    let Some(work) = work.borrow_mut().take() else {
        return false;
    };
    with_lease(&place, work).await
}

/// How a Web Lock request ended.
enum WebLock {
    Ran,
    /// Not granted in time (or refused): `work` has not run.
    NotHad,
    /// No Web Locks here (plain HTTP on another host than `localhost`).
    Missing,
}

async fn with_web_lock(place: &LockPlace<'_>, work: Rc<RefCell<Option<Work>>>) -> WebLock {
    let locks = Reflect::get(&place.window.navigator(), &"locks".into()).ok();
    let request: Option<Function> = locks
        .as_ref()
        .and_then(|locks| Reflect::get(locks, &"request".into()).ok())
        .and_then(|request| request.dyn_into().ok());
    let (Some(locks), Some(request)) = (locks, request) else {
        return WebLock::Missing;
    };
    let ran = Rc::new(Cell::new(false));
    let done = ran.clone();
    let callback = Closure::once_into_js(move |_lock: JsValue| {
        wasm_bindgen_futures::future_to_promise(async move {
            let work = work.borrow_mut().take();
            if let Some(work) = work {
                work().await;
                done.set(true);
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    // The wait is bounded: the signal withdraws a request not granted in time (it does nothing
    // to a lock once held).
    let Ok(controller) = web_sys::AbortController::new() else {
        return WebLock::NotHad;
    };
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"signal".into(), &controller.signal());
    let _give_up =
        gloo_timers::callback::Timeout::new(max_wait_ms(place.max_hold_ms) as u32, move || {
            controller.abort()
        });
    let requested = request.call3(&locks, &JsValue::from_str(place.name), &options, &callback);
    let Ok(promise) = requested else {
        return WebLock::NotHad;
    };
    let _ = JsFuture::from(js_sys::Promise::from(promise)).await;
    if ran.get() {
        WebLock::Ran
    } else {
        WebLock::NotHad
    }
}

/// A Web Lock held for as long as this value lives (see [`claim`]).
#[derive(Debug)]
pub(crate) struct Claim {
    release: Rc<RefCell<Option<Function>>>,
    dropped: Rc<Cell<bool>>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.dropped.set(true);
        if let Some(release) = self.release.borrow_mut().take() {
            let _ = release.call0(&JsValue::NULL);
        }
    }
}

/// Whether a [`claim`] holds its lock: `Some(true)` it does, `Some(false)` another holder has
/// it, `None` the browser refused the request.
pub(crate) type ClaimDecision = LocalBoxFuture<'static, Option<bool>>;

/// Asks for the Web Lock `name` without waiting for it: granted if nobody holds it, and then held
/// until the returned [`Claim`] is dropped. The request is made before this returns, so claims
/// made one after the other are decided in that order. `None` where Web Locks are missing.
pub(crate) fn claim(window: &web_sys::Window, name: &str) -> Option<(Claim, ClaimDecision)> {
    let locks = Reflect::get(&window.navigator(), &"locks".into()).ok()?;
    let request: Function = Reflect::get(&locks, &"request".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let release = Rc::new(RefCell::new(None::<Function>));
    let dropped = Rc::new(Cell::new(false));
    let decide = Rc::new(RefCell::new(None::<Function>));
    let decided = js_sys::Promise::new(&mut |resolve: Function, _reject: Function| {
        decide.replace(Some(resolve));
    });
    let (release_in, dropped_in) = (release.clone(), dropped.clone());
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let held = !lock.is_null();
        if let Some(decide) = decide.borrow_mut().take() {
            let _ = decide.call1(&JsValue::NULL, &JsValue::from_bool(held));
        }
        // Held until the claim is dropped; at once released if it was dropped meanwhile.
        if !held || dropped_in.get() {
            return JsValue::UNDEFINED;
        }
        js_sys::Promise::new(&mut |resolve: Function, _reject: Function| {
            release_in.replace(Some(resolve));
        })
        .into()
    });
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    let requested = request
        .call3(&locks, &JsValue::from_str(name), &options, &callback)
        .ok()?;
    let requested = JsFuture::from(js_sys::Promise::from(requested));
    let decision = Box::pin(async move {
        // The request settles first only when the browser refused it.
        match select(JsFuture::from(decided), requested).await {
            futures::future::Either::Left((held, _)) => held.ok().and_then(|held| held.as_bool()),
            futures::future::Either::Right(_) => None,
        }
    });
    Some((Claim { release, dropped }, decision))
}

/// A lease is `"<holder> <until, whole ms>"`; anything unreadable counts as expired.
/// (Integers, so that no float formatting or parsing code is linked for it.)
fn lease_expired(lease: &str, now_ms: f64) -> bool {
    lease
        .split_once(' ')
        .and_then(|(_, until)| until.parse::<i64>().ok())
        .is_none_or(|until| until as f64 <= now_ms)
}

fn new_holder() -> String {
    format!("{} ", crate::platform::random_id())
}

async fn pause_before_retry() {
    gloo_timers::future::TimeoutFuture::new(40 + (crate::platform::random() * 40.0) as u32).await;
}

/// `"<holder> <until>"` for a lease taken or renewed now, lasting `lease_ms`.
pub(crate) fn lease_until_now_plus(holder: &str, lease_ms: f64) -> String {
    format!("{holder}{}", (now_ms() + lease_ms) as i64)
}

/// How long a lease taken or renewed now lasts: [`LEASE_MS`], or the holder's whole hold when its
/// page is hidden, where the browser may throttle the renewal timer to once a minute. A hidden
/// tab is rarely reloaded or closed while it works, so the longer wait a dead one would cost the
/// others is the lesser risk than a live holder losing the lease in the middle of a refresh.
pub(crate) fn lease_ms(hidden: bool, max_hold_ms: f64) -> f64 {
    if hidden {
        max_hold_ms.max(LEASE_MS)
    } else {
        LEASE_MS
    }
}

fn page_hidden(window: &web_sys::Window) -> bool {
    window.document().is_some_and(|document| document.hidden())
}

/// Writes `value` over the IndexedDB lease at `key` if `holder` holds it (to renew or release
/// it); a lease another tab has taken meanwhile is left alone.
async fn replace_own_lease(idb: &Idb, key: &str, holder: &str, value: &str) {
    let holder = holder.to_owned();
    // A failure here is the same as a lease not renewed: it runs out.
    let _ = idb
        .compare_and_set(key, value, move |current| {
            current.is_some_and(|lease| lease.starts_with(&holder))
        })
        .await;
}

/// Whether `holder` holds the `localStorage` lease at `key`.
fn holds_storage_lease(storage: &web_sys::Storage, key: &str, holder: &str) -> bool {
    storage
        .get_item(key)
        .ok()
        .flatten()
        .is_some_and(|lease| lease.starts_with(holder))
}

/// Renews a lease.
type Renew = Box<dyn Fn() -> LocalBoxFuture<'static, ()>>;

/// Runs `work`, renewing the lease with `renew` every second meanwhile, up to `max_hold_ms`.
async fn hold_while(work: Work, max_hold_ms: f64, renew: Renew) {
    let stop_renewing_at = now_ms() + max_hold_ms;
    let renewing = async move {
        while now_ms() < stop_renewing_at {
            gloo_timers::future::TimeoutFuture::new(RENEW_EVERY_MS).await;
            renew().await;
        }
        // A holder this slow has gone wrong: the lease runs out and another tab may take it.
        futures::future::pending::<()>().await;
    };
    select(work(), Box::pin(renewing)).await;
}

/// Where the fallback lease of the lock `name` is kept.
pub(crate) fn lease_key(name: &str) -> String {
    format!("{name}.lease")
}

async fn with_lease(place: &LockPlace<'_>, work: Work) -> bool {
    let key = lease_key(place.name);
    let holder = new_holder();
    // Whoever holds it now lets go within its longest hold and one more lease.
    let give_up_at = now_ms() + max_wait_ms(place.max_hold_ms);
    let max_hold_ms = place.max_hold_ms;
    if let Some(idb) = place.idb {
        loop {
            let now = now_ms();
            let lease =
                lease_until_now_plus(&holder, lease_ms(page_hidden(place.window), max_hold_ms));
            let taken = idb
                .compare_and_set(&key, &lease, move |current| {
                    current.is_none_or(|lease| lease_expired(&lease, now))
                })
                .await;
            match taken {
                Ok(true) => {
                    let (renewer, held) = (idb.clone(), holder.clone());
                    let (renew_key, window) = (key.clone(), place.window.clone());
                    let renew: Renew = Box::new(move || {
                        let (idb, key, holder) = (renewer.clone(), renew_key.clone(), held.clone());
                        let lasting = lease_ms(page_hidden(&window), max_hold_ms);
                        Box::pin(async move {
                            let mine = lease_until_now_plus(&holder, lasting);
                            replace_own_lease(&idb, &key, &holder, &mine).await;
                        })
                    });
                    hold_while(work, max_hold_ms, renew).await;
                    replace_own_lease(idb, &key, &holder, &format!("{holder}0")).await;
                    return true;
                }
                // IndexedDB failed (or stalled) under us: the storage lease is all that is left.
                Err(_) => break,
                Ok(false) if now_ms() > give_up_at => return false,
                Ok(false) => pause_before_retry().await,
            }
        }
    }
    with_storage_lease(place, &key, &holder, give_up_at, work).await
}

async fn with_storage_lease(
    place: &LockPlace<'_>,
    key: &str,
    holder: &str,
    give_up_at: f64,
    work: Work,
) -> bool {
    let Some(storage) = place.window.local_storage().ok().flatten() else {
        // No storage at all: no other tab can share a session with this one.
        work().await;
        return true;
    };
    loop {
        let current = storage.get_item(key).ok().flatten();
        if current.is_none_or(|lease| lease_expired(&lease, now_ms())) {
            let lease = lease_until_now_plus(
                holder,
                lease_ms(page_hidden(place.window), place.max_hold_ms),
            );
            if storage.set_item(key, &lease).is_err() {
                // Storage refuses writes: no lease is possible, so none can be contended.
                work().await;
                return true;
            }
            // Another tab may have written in the same moment; the last writer holds it.
            gloo_timers::future::TimeoutFuture::new(30).await;
            if holds_storage_lease(&storage, key, holder) {
                break;
            }
        }
        if now_ms() > give_up_at {
            return false;
        }
        pause_before_retry().await;
    }
    let (renewed, key_owned, holder_owned) = (storage.clone(), key.to_owned(), holder.to_owned());
    let (window, max_hold_ms) = (place.window.clone(), place.max_hold_ms);
    let renew: Renew = Box::new(move || {
        if holds_storage_lease(&renewed, &key_owned, &holder_owned) {
            let lasting = lease_ms(page_hidden(&window), max_hold_ms);
            let _ = renewed.set_item(&key_owned, &lease_until_now_plus(&holder_owned, lasting));
        }
        Box::pin(async {})
    });
    hold_while(work, place.max_hold_ms, renew).await;
    if holds_storage_lease(&storage, key, holder) {
        let _ = storage.remove_item(key);
    }
    true
}

/// The cross-tab lock, for the browser tests of its fallbacks: runs `work` under the lock
/// `name` of `window`'s origin; `false` when the lock could not be had.
#[cfg(feature = "testing")]
pub(crate) async fn with_lock_for_tests<Fut>(
    window: &web_sys::Window,
    name: &str,
    max_hold_ms: f64,
    work: impl FnOnce() -> Fut + 'static,
) -> bool
where
    Fut: Future<Output = ()> + 'static,
{
    let idb = Idb::open(window, name).await.ok();
    let place = LockPlace {
        window,
        name,
        max_hold_ms,
        idb: idb.as_ref(),
    };
    with_lock(place, Box::new(move || Box::pin(work()))).await
}

#[cfg(test)]
mod tests {
    use super::{lease_expired, lease_ms, max_wait_ms, LEASE_MS};

    #[test]
    fn a_hidden_holder_takes_its_lease_for_its_whole_hold() {
        // Throttled timers may renew once a minute in a hidden page: the lease must not depend
        // on them there.
        assert_eq!(lease_ms(false, 20_000.0), LEASE_MS);
        assert_eq!(lease_ms(true, 20_000.0), 20_000.0);
        assert_eq!(lease_ms(true, 1.0), LEASE_MS, "never shorter than a lease");
    }

    #[test]
    fn a_lock_is_waited_for_one_hold_and_one_lease_at_most() {
        assert_eq!(max_wait_ms(20_000.0), 20_000.0 + LEASE_MS + 2_000.0);
    }

    #[test]
    fn leases_expire_and_garbage_is_free() {
        assert!(!lease_expired("abc 2000", 1000.0));
        assert!(lease_expired("abc 2000", 2000.0));
        assert!(lease_expired("abc 0", 1.0));
        assert!(lease_expired("garbage", 0.0));
        assert!(lease_expired("abc soon", 0.0));
    }
}
