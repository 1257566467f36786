//! The races a review of the library found, each forced rather than left to chance: a logout
//! during the tab's own refresh, a stalled IndexedDB and a lock held for ever, a retry after an
//! outage that another refresh already ended, a lagging `localStorage` taken for news, an ended
//! session left behind in storage, and a duplicated `sessionStorage` tab.
#![cfg(target_arch = "wasm32")]

mod support;

use std::rc::Rc;

use futures::future::{select, Either};
use leptos_jwt_session::testing;
use leptos_jwt_session::{ApiError, AuthEvent, Connectivity, SessionEnd, StorageKind};
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn this_window() -> web_sys::Window {
    web_sys::window().expect("window")
}

/// `work`, or `None` when it takes longer than `ms`.
async fn within<T>(ms: u32, work: impl std::future::Future<Output = T>) -> Option<T> {
    match select(Box::pin(work), Box::pin(sleep(ms))).await {
        Either::Left((done, _)) => Some(done),
        Either::Right(_) => None,
    }
}

/// Holds a read-write transaction on the layer's IndexedDB store (database `database`, store
/// `kv`) for `ms`, from `window`, by issuing one request after another: every other transaction
/// on the store waits behind it, as behind a browser whose IndexedDB has stalled.
async fn stall_indexed_db(window: &web_sys::Window, database: &str, ms: u32) {
    let hog = js_sys::Function::new_with_args(
        "win, name, ms",
        r#"return new Promise((resolve, reject) => {
            const open = win.indexedDB.open(name, 1);
            open.onupgradeneeded = () => open.result.createObjectStore("kv");
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
                const db = open.result;
                const store = db.transaction("kv", "readwrite").objectStore("kv");
                const until = Date.now() + ms;
                const spin = () => { if (Date.now() < until) store.get("x").onsuccess = spin; };
                spin();
                resolve();
            };
        })"#,
    );
    let started = hog
        .call3(
            &wasm_bindgen::JsValue::NULL,
            window,
            &database.into(),
            &ms.into(),
        )
        .expect("the hog starts");
    wasm_bindgen_futures::JsFuture::from(started.unchecked_into::<js_sys::Promise>())
        .await
        .expect("the hog holds the store");
}

/// The tab's stored state, as JSON, from `localStorage` of this origin.
fn stored_text(key: &str) -> Option<String> {
    text_in(this_window().local_storage(), key)
}

/// What `storage` (`localStorage` or `sessionStorage`, as the window gives it) holds at `key`.
fn text_in(storage: Result<Option<web_sys::Storage>, JsValue>, key: &str) -> Option<String> {
    storage.ok().flatten()?.get_item(key).ok().flatten()
}

/// The value under `key` in the layer's IndexedDB store, read in `window`.
async fn ledger_text(window: &web_sys::Window, database: &str, key: &str) -> Option<String> {
    let read = js_sys::Function::new_with_args(
        "win, name, key",
        r#"return new Promise((resolve) => {
            const open = win.indexedDB.open(name, 1);
            open.onupgradeneeded = () => open.result.createObjectStore("kv");
            open.onsuccess = () => {
                const db = open.result;
                const get = db.transaction("kv", "readonly").objectStore("kv").get(key);
                get.onsuccess = () => { db.close(); resolve(get.result ?? null); };
                get.onerror = () => { db.close(); resolve(null); };
            };
            open.onerror = () => resolve(null);
        })"#,
    );
    let promise = read
        .call3(
            &wasm_bindgen::JsValue::NULL,
            window,
            &database.into(),
            &key.into(),
        )
        .ok()?;
    wasm_bindgen_futures::JsFuture::from(promise.unchecked_into::<js_sys::Promise>())
        .await
        .ok()?
        .as_string()
}

/// Failed before: the refresh under way wrote its session back into the tab after the logout
/// had begun, so the signals flipped to logged in and `SessionStarted` fired before the logout
/// ended it.
#[wasm_bindgen_test]
async fn a_logout_during_this_tabs_refresh_never_brings_the_session_back() {
    reset().await;
    for round in 0..3 {
        let h = tab(this_window());
        log_in_demo(&h).await;
        let events = record_events(&h);
        set_fault(r#"{"path":"v1/auth/jwt/refresh/","delay_ms":400}"#).await;
        let refreshing = h.client.refresh();
        let logging_out = async {
            sleep(100).await;
            h.client.log_out().await;
        };
        let (refreshed, ()) = futures::join!(refreshing, logging_out);
        hook_clear_faults().await;
        assert!(refreshed.is_ok(), "round {round}: {refreshed:?}");
        assert!(!h.store.is_authenticated_untracked(), "round {round}");
        let events = events.borrow().clone();
        let ended_at = events
            .iter()
            .position(|e| matches!(e, AuthEvent::SessionEnded { .. }))
            .expect("the session ended");
        assert!(
            !events[ended_at..]
                .iter()
                .any(|e| matches!(e, AuthEvent::SessionStarted)),
            "round {round}: the session came back after the logout began: {events:?}"
        );
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, AuthEvent::SessionEnded { .. }))
                .count(),
            1,
            "round {round}: {events:?}"
        );
        // The blacklisted token is the refreshed one, the newest there was.
        assert!(eventually_logged(2_000, |log| statuses(log, "/jwt/blacklist/") == [200]).await);
        clear_log().await;
    }
}

/// Failed before: a login waited for as long as IndexedDB stalled (here 8 s), with nothing
/// said, while holding the cross-tab lock.
#[wasm_bindgen_test]
async fn a_stalled_indexed_db_delays_a_login_by_its_bound_at_most() {
    reset().await;
    let h = tab(this_window());
    let events = record_events(&h);
    stall_indexed_db(&new_frame_window(), NAMESPACE, 8_000).await;
    let login = within(
        5_000,
        h.client.log_in(&leptos_jwt_session::Credentials::new(
            DEMO_USER,
            DEMO_PASSWORD,
        )),
    )
    .await;
    assert_eq!(login, Some(Ok(())), "the login went on without IndexedDB");
    assert!(h.store.is_authenticated_untracked());
    let key = testing::storage_key(&h.store).expect("key");
    assert!(stored_text(&key).is_some_and(|text| text.contains("\"tokens\"")));
    assert!(
        events
            .borrow()
            .iter()
            .any(|e| matches!(e, AuthEvent::StorageStalled)),
        "{:?}",
        events.borrow()
    );
}

/// Failed before: a refresh waited for the lock for as long as another tab held it (here
/// 13 s, past the 11.5 s bound of a 0.5 s timeout), with `Connectivity` still `Online`.
#[wasm_bindgen_test]
async fn a_lock_held_for_ever_elsewhere_bounds_the_wait_and_says_so() {
    reset().await;
    set_config(r#"{"access_ttl_ms":2000}"#).await;
    let h = harness_with(testing::in_window(
        config()
            .storage(StorageKind::Local)
            .timeout(std::time::Duration::from_millis(500))
            .refresh_ahead(true),
        this_window(),
    ));
    log_in_demo(&h).await;
    // Another tab takes the session's lock and does not let go for 13 s.
    let other = new_frame_window();
    let lock = format!("{NAMESPACE}.session");
    let released = Rc::new(std::cell::Cell::new(false));
    let done = released.clone();
    leptos::task::spawn_local(async move {
        testing::with_lock(&other, &lock, 60_000.0, || sleep(13_000)).await;
        done.set(true);
    });
    sleep(100).await;
    let refreshed = within(12_800, h.client.refresh()).await;
    assert_eq!(refreshed, Some(Err(ApiError::LockTimeout)));
    assert!(
        h.store.is_authenticated_untracked(),
        "a busy lock is no logout"
    );
    assert!(
        eventually(8_000, || matches!(
            h.keeper.connectivity(),
            Connectivity::Reconnecting {
                reason: ApiError::LockTimeout,
                ..
            }
        ))
        .await,
        "the keeper says so: {:?}",
        h.keeper.connectivity()
    );
    // The next test starts with the lock free.
    assert!(eventually(3_000, || released.get()).await);
}

/// Failed before: after an outage the keeper waited for its retry time even when a request
/// had refreshed meanwhile, showed "reconnecting" until then, and then rotated once more.
#[wasm_bindgen_test]
async fn a_refresh_that_gets_through_ends_the_keepers_outage_at_once() {
    reset().await;
    set_config(r#"{"access_ttl_ms":3000}"#).await;
    let h = harness_with(config().refresh_ahead(true));
    log_in_demo(&h).await;
    set_fault(r#"{"path":"v1/auth/jwt/refresh/","status":503}"#).await;
    assert!(
        eventually(6_000, || matches!(
            h.keeper.connectivity(),
            Connectivity::Reconnecting { attempt: 2.., .. }
        ))
        .await
    );
    let Connectivity::Reconnecting { retry_at, .. } = h.keeper.connectivity() else {
        panic!("reconnecting");
    };
    hook_clear_faults().await;
    clear_log().await;
    h.client.refresh().await.expect("a refresh gets through");
    assert_eq!(h.keeper.connectivity(), Connectivity::Online);
    // Past the old retry time, with a fresh 3 s token: nothing more to refresh.
    let wait = (retry_at - js_sys::Date::now()).max(0.0) as u32 + 300;
    sleep(wait.min(1_500)).await;
    assert_eq!(
        count(&server_log().await, REFRESH),
        1,
        "only the request's own refresh"
    );
}

/// Failed before: a `storage` event carrying an older generation than the tab knew (what
/// Chrome's cross-process lag delivers) logged the tab back in after another tab's logout.
#[wasm_bindgen_test]
async fn a_lagging_local_storage_never_takes_the_tab_back_a_generation() {
    reset().await;
    let here = tab(this_window());
    let elsewhere = tab(new_frame_window());
    log_in_demo(&here).await;
    assert!(eventually(1_000, || elsewhere.store.is_authenticated_untracked()).await);
    let key = testing::storage_key(&here.store).expect("key");
    let logged_in = stored_text(&key).expect("stored");
    elsewhere.client.log_out().await;
    assert!(eventually(1_000, || !here.store.is_authenticated_untracked()).await);
    // The older, logged-in state arrives late, through a `storage` event.
    new_frame_window()
        .local_storage()
        .ok()
        .flatten()
        .expect("storage")
        .set_item(&key, &logged_in)
        .expect("write");
    sleep(300).await;
    assert!(
        !here.store.is_authenticated_untracked(),
        "a stale generation brought the session back"
    );
}

/// Failed before: a session whose refresh token ran out while away settled as expired without
/// a write, so both tokens and the user stayed in `localStorage` and IndexedDB for the next
/// person at this computer.
#[wasm_bindgen_test]
async fn an_ended_session_leaves_no_token_and_no_user_in_any_storage() {
    reset().await;
    set_config(r#"{"refresh_ttl_ms":2000}"#).await;
    let window = this_window();
    let first = tab(window.clone());
    log_in_demo(&first).await;
    let key = testing::storage_key(&first.store).expect("key");
    drop(first);
    sleep(2_100).await;
    let reloaded = tab(window.clone());
    assert_eq!(reloaded.store.ended_untracked(), Some(SessionEnd::Expired));
    let clean = |text: Option<String>| {
        text.is_none_or(|text| !text.contains("\"tokens\"") && !text.contains(DEMO_USER))
    };
    assert!(
        eventually(2_000, || clean(stored_text(&key))).await,
        "localStorage: {:?}",
        stored_text(&key)
    );
    assert!(clean(ledger_text(&window, NAMESPACE, &key).await));
    assert!(stored_text(&key).is_some_and(|text| text.contains("Expired")));

    // A logout and a refused refresh leave nothing either.
    set_config(r#"{"refresh_ttl_ms":86400000}"#).await;
    log_in_demo(&reloaded).await;
    reloaded.client.log_out().await;
    assert!(clean(stored_text(&key)));
    assert!(clean(ledger_text(&window, NAMESPACE, &key).await));
    log_in_demo(&reloaded).await;
    blacklist_behind_the_clients_back(&reloaded.client, &refresh_token(&reloaded.store)).await;
    assert_eq!(
        reloaded.client.refresh().await,
        Err(ApiError::SessionExpired)
    );
    assert!(clean(stored_text(&key)));
    assert!(clean(ledger_text(&window, NAMESPACE, &key).await));
}

/// The names of the Web Locks this origin's tabs hold now.
async fn held_lock_names() -> Vec<String> {
    let navigator = this_window().navigator();
    let locks = js_sys::Reflect::get(&navigator, &"locks".into()).expect("locks");
    let query: js_sys::Function = js_sys::Reflect::get(&locks, &"query".into())
        .expect("query")
        .unchecked_into();
    let snapshot = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(
        query.call0(&locks).expect("query called"),
    ))
    .await
    .expect("snapshot");
    let held: js_sys::Array = js_sys::Reflect::get(&snapshot, &"held".into())
        .expect("held")
        .unchecked_into();
    held.iter()
        .filter_map(|lock| {
            js_sys::Reflect::get(&lock, &"name".into())
                .ok()?
                .as_string()
        })
        .collect()
}

/// Waits until a Web Lock whose name ends with `suffix` is held, up to `ms`; false if none was.
async fn eventually_held(ms: u32, suffix: &str) -> bool {
    for _ in 0..ms / 20 {
        if held_lock_names()
            .await
            .iter()
            .any(|name| name.ends_with(suffix))
        {
            return true;
        }
        sleep(20).await;
    }
    false
}

/// Failed before: a tab started on a copy of another's `sessionStorage` (the browser's
/// "Duplicate tab"; here two frames of one page, which share it) held the same refresh token
/// under a lock of its own, so under rotation one of them was logged out at its next refresh.
#[wasm_bindgen_test]
async fn a_duplicated_session_storage_tab_does_not_share_the_refresh_token() {
    reset().await;
    let session_tab = |window| {
        harness_with(testing::in_window(
            config().storage(StorageKind::Session),
            window,
        ))
    };
    let original = session_tab(new_frame_window());
    log_in_demo(&original).await;
    // A real duplicate is opened after its original has claimed the session. Frames' requests
    // reach the lock manager through pipes of their own, in no set order: a copy asking within
    // a moment of the original's claim could be granted first (3 failures in 17 runs before
    // this wait).
    let key = testing::storage_key(&original.store).expect("key");
    let stored =
        text_in(this_window().session_storage(), &key).expect("the session in sessionStorage");
    let stored: serde_json::Value = serde_json::from_str(&stored).expect("stored JSON");
    let id = stored["session"]["id"]
        .as_str()
        .expect("session id")
        .to_owned();
    assert!(
        eventually_held(1_000, &format!(".tab.{id}")).await,
        "the original claims its session"
    );
    let duplicate = session_tab(new_frame_window());
    assert!(
        eventually(1_000, || !duplicate.store.is_authenticated_untracked()).await,
        "the copy is not used"
    );
    assert!(original.store.is_authenticated_untracked());
    // And it stays dropped when the original writes again (here, frames of one page, that
    // write reaches the copy as a `storage` event).
    assert_eq!(original.client.refresh().await, Ok(()));
    sleep(200).await;
    assert!(
        !duplicate.store.is_authenticated_untracked(),
        "the copy stays dropped when storage moves on"
    );
    log_in_demo(&duplicate).await;
    assert_ne!(
        refresh_token(&duplicate.store),
        refresh_token(&original.store),
        "a login of its own"
    );
}
