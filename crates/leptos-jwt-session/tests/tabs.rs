//! Several tabs sharing one session. Each "tab" is a same-origin frame with its own window:
//! the frames share localStorage, IndexedDB, `storage` events and Web Locks, exactly as tabs do
//! (though in one process, where `localStorage` never lags: the tests that need a lagging tab
//! make one).
#![cfg(target_arch = "wasm32")]

mod support;

use std::cell::Cell;
use std::rc::Rc;

use futures::future::join_all;
use leptos_jwt_session::testing::{self, with_lock as with_lock_for_tests};
use leptos_jwt_session::{DjoserUser, SessionEnd};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn this_window() -> web_sys::Window {
    web_sys::window().expect("window")
}

/// Three tabs in frames; the first has logged in, the other two have picked the session up.
async fn three_tabs_in(windows: [web_sys::Window; 3]) -> [Harness; 3] {
    let [first, second, third] = windows.map(tab);
    log_in_demo(&first).await;
    let shared = || {
        second.store.tokens_untracked() == first.store.tokens_untracked()
            && third.store.tokens_untracked() == first.store.tokens_untracked()
    };
    assert!(
        eventually(1_000, shared).await,
        "a login in one tab reaches the others"
    );
    [first, second, third]
}

async fn three_tabs() -> [Harness; 3] {
    three_tabs_in([this_window(), new_frame_window(), new_frame_window()]).await
}

async fn burst_in_every_tab(tabs: &[Harness; 3]) -> usize {
    let requests = tabs
        .iter()
        .flat_map(|tab| (0..10).map(|_| tab.client.me::<DjoserUser>()));
    join_all(requests)
        .await
        .iter()
        .filter(|r| r.is_ok())
        .count()
}

async fn rotation_with_blacklist(access_ttl_ms: u32) {
    set_config(&format!(
        r#"{{"access_ttl_ms":{access_ttl_ms},"rotate_refresh_tokens":true,"blacklist_after_rotation":true}}"#
    ))
    .await;
}

#[wasm_bindgen_test]
async fn one_refresh_serves_three_tabs() {
    reset().await;
    set_config(r#"{"access_ttl_ms":2000}"#).await;
    let tabs = three_tabs().await;
    sleep(2_100).await;
    clear_log().await;
    assert_eq!(burst_in_every_tab(&tabs).await, 30);
    let log = server_log().await;
    assert_eq!(count(&log, REFRESH), 1, "{log:?}");
    assert!(log.iter().all(|r| r.status < 400), "{log:?}");
}

#[wasm_bindgen_test]
async fn three_tabs_under_rotation_and_blacklist_stay_logged_in() {
    reset().await;
    rotation_with_blacklist(2000).await;
    let tabs = three_tabs().await;
    for round in 0..2 {
        sleep(2_100).await;
        clear_log().await;
        assert_eq!(burst_in_every_tab(&tabs).await, 30, "round {round}");
        let log = server_log().await;
        assert_eq!(count(&log, REFRESH), 1, "round {round}: {log:?}");
        assert!(log.iter().all(|r| r.status < 400), "round {round}: {log:?}");
    }
    assert!(tabs.iter().all(|t| t.store.is_authenticated_untracked()));
}

#[wasm_bindgen_test]
async fn without_web_locks_three_tabs_under_rotation_and_blacklist_stay_logged_in() {
    reset().await;
    rotation_with_blacklist(2000).await;
    let windows = [new_frame_window(), new_frame_window(), new_frame_window()];
    windows.iter().for_each(hide_web_locks);
    let tabs = three_tabs_in(windows).await;
    for round in 0..3 {
        sleep(2_100).await;
        clear_log().await;
        assert_eq!(burst_in_every_tab(&tabs).await, 30, "round {round}");
        let log = server_log().await;
        assert_eq!(statuses(&log, REFRESH), vec![200], "round {round}: {log:?}");
        assert!(log.iter().all(|r| r.status < 400), "round {round}: {log:?}");
    }
    assert!(tabs.iter().all(|t| t.store.is_authenticated_untracked()));
}

#[wasm_bindgen_test]
async fn a_logout_in_one_tab_logs_out_every_tab_within_a_second() {
    reset().await;
    let [first, second, third] = three_tabs().await;
    second.client.log_out().await;
    let everyone_out =
        || !first.store.is_authenticated_untracked() && !third.store.is_authenticated_untracked();
    assert!(eventually(1_000, everyone_out).await);
    assert_eq!(first.store.ended_untracked(), Some(SessionEnd::LoggedOut));
}

#[wasm_bindgen_test]
async fn a_late_answer_in_another_tab_never_writes_a_session_over_a_logout() {
    reset().await;
    let [active, slow, _third] = three_tabs().await;
    // The slow tab asks for the user; its answer comes after the active tab has logged out.
    set_fault(r#"{"path":"v1/auth/users/me/","delay_ms":500}"#).await;
    let log_out = async {
        sleep(100).await;
        active.client.log_out().await;
    };
    let (answered, ()) = futures::join!(slow.client.me::<DjoserUser>(), log_out);
    assert!(
        answered.is_ok(),
        "the request itself went through: {answered:?}"
    );

    let stored = stored_json(&active.store).expect("stored state");
    assert_eq!(
        stored["session"],
        serde_json::Value::Null,
        "the logout stands"
    );
    assert!(!slow.store.is_authenticated_untracked());
    // A reload anywhere finds nobody logged in.
    let reloaded = tab(this_window());
    assert!(!reloaded.store.is_authenticated_untracked());
}

#[wasm_bindgen_test]
async fn a_refresh_in_one_tab_serves_the_others_without_a_request() {
    reset().await;
    let [first, second, _third] = three_tabs().await;
    clear_log().await;
    first.client.refresh().await.expect("refresh");
    let same = || access_token(&second.store) == access_token(&first.store);
    assert!(eventually(1_000, same).await);
    assert_eq!(count(&server_log().await, REFRESH), 1);
}

/// Failed before the IndexedDB ledger: the lagging tab read the old refresh token from
/// `localStorage`, sent it, got `401 Token is blacklisted` and logged everyone out.
#[wasm_bindgen_test]
async fn a_tab_whose_local_storage_lags_refreshes_with_the_newest_token() {
    reset().await;
    rotation_with_blacklist(60_000).await;
    let [first, second, _third] = three_tabs().await;
    let storage = this_window()
        .local_storage()
        .ok()
        .flatten()
        .expect("storage");
    let key = testing::storage_key(&first.store).expect("key");
    let before_rotation = storage.get_item(&key).ok().flatten().expect("stored");
    first.client.refresh().await.expect("rotated");
    // What a tab in another renderer process may still read for a while: the state from before
    // the rotation. (Frames share one process, so the lag is made by hand.)
    storage.set_item(&key, &before_rotation).expect("write");
    clear_log().await;

    // Its own copy is old too (the `storage` event brought the old state to the frames).
    second.client.refresh().await.expect("the session goes on");
    let log = server_log().await;
    assert!(log.iter().all(|r| r.status != 401), "{log:?}");
    assert_eq!(
        count(&log, REFRESH),
        0,
        "the rotated token another tab stored is used as it is: {log:?}"
    );
    assert_eq!(refresh_token(&second.store), refresh_token(&first.store));
    assert!(second.store.is_authenticated_untracked());
    assert!(first.store.is_authenticated_untracked());
}

/// Failed before every tab compared whole stamps: an equal generation from another writer was
/// taken for "nothing new".
#[wasm_bindgen_test]
async fn an_equal_generation_from_another_writer_is_adopted_everywhere() {
    reset().await;
    let [first, _second, _third] = three_tabs().await;
    let user = DjoserUser {
        id: 1,
        username: DEMO_USER.into(),
        email: "from-elsewhere@example.com".into(),
    };
    let mut stored = stored_json(&first.store).expect("stored state");
    // Same generation, another writer, other contents: two writers raced where the lock is
    // only a best-effort lease.
    stored["writer"] = "some-other-tab".into();
    stored["session"]["user"] = serde_json::json!({
        "email": user.email,
        "id": user.id,
        "username": user.username,
    });
    let key = testing::storage_key(&first.store).expect("key");
    // Written from a frame, so that this window hears a `storage` event.
    new_frame_window()
        .local_storage()
        .ok()
        .flatten()
        .expect("storage")
        .set_item(&key, &stored.to_string())
        .expect("write");
    assert!(
        eventually(1_000, || first.store.user_untracked::<DjoserUser>()
            == Some(user.clone()))
        .await,
        "the stored state wins"
    );
}

#[wasm_bindgen_test]
async fn a_refresh_survives_another_tabs_write_while_it_is_under_way() {
    reset().await;
    rotation_with_blacklist(60_000).await;
    let [first, second, _third] = three_tabs().await;
    // The first tab's refresh takes 500 ms; the second tab learns the user meanwhile.
    set_fault(r#"{"path":"v1/auth/jwt/refresh/","delay_ms":500}"#).await;
    let refresh = first.client.refresh();
    let learn_user = async {
        sleep(100).await;
        second.client.me::<DjoserUser>().await
    };
    let (refreshed, user) = futures::join!(refresh, learn_user);
    refreshed.expect("refreshed");
    let user = user.expect("user");

    let stored = stored_json(&first.store).expect("stored state");
    assert_eq!(
        stored["session"]["tokens"]["refresh"],
        refresh_token(&first.store),
        "the rotated token is not lost"
    );
    assert_eq!(
        stored["session"]["user"]["email"], user.email,
        "and neither is the other tab's write"
    );
    assert!(
        eventually(1_000, || second.store.user_untracked::<DjoserUser>()
            == Some(user.clone()))
        .await
    );
}

/// Hides `window`'s document (or shows it again) as a browser does for a background tab.
fn set_hidden(window: &web_sys::Window, hidden: bool) {
    let document = window.document().expect("document");
    let descriptor = js_sys::Object::new();
    js_sys::Reflect::set(&descriptor, &"value".into(), &hidden.into()).expect("descriptor");
    js_sys::Reflect::set(&descriptor, &"configurable".into(), &true.into()).expect("descriptor");
    js_sys::Object::define_property(&document, &"hidden".into(), &descriptor);
    let event = web_sys::Event::new("visibilitychange").expect("event");
    document.dispatch_event(&event).expect("dispatch");
}

#[wasm_bindgen_test]
async fn a_hidden_tab_does_not_refresh_until_it_is_shown_again() {
    reset().await;
    set_config(r#"{"access_ttl_ms":2000}"#).await;
    let window = new_frame_window();
    set_hidden(&window, true);
    let hidden_tab = harness_with(testing::in_window(
        config()
            .storage(leptos_jwt_session::StorageKind::Local)
            .refresh_ahead(true),
        window.clone(),
    ));
    log_in_demo(&hidden_tab).await;
    clear_log().await;
    sleep(2_500).await;
    assert_eq!(
        count(&server_log().await, REFRESH),
        0,
        "no timer runs in a hidden tab"
    );

    set_hidden(&window, false);
    assert!(
        eventually_logged(1_000, |log| count(log, REFRESH) > 0).await,
        "back in view with an expired token: it refreshes at once"
    );
}

/// Failed before: the session read as cleared, and the user met "logged out" without `next`
/// and without being told the session had expired.
#[wasm_bindgen_test]
async fn a_refresh_token_that_ran_out_while_away_ends_the_session_as_expired() {
    reset().await;
    set_config(r#"{"refresh_ttl_ms":2000}"#).await;
    let window = new_frame_window();
    let away = tab(window.clone());
    log_in_demo(&away).await;
    set_hidden(&window, true);
    sleep(2_100).await;
    set_hidden(&window, false);
    assert!(eventually(500, || !away.store.is_authenticated_untracked()).await);
    assert_eq!(away.store.ended_untracked(), Some(SessionEnd::Expired));
    // A reload says the same.
    let reloaded = tab(new_frame_window());
    assert_eq!(reloaded.store.ended_untracked(), Some(SessionEnd::Expired));
}

/// Two critical sections in two windows of `lock_name`'s lock never overlap, even when they
/// last longer than a lease (the holder renews it).
async fn never_overlap(windows: &[web_sys::Window]) {
    never_overlap_for(windows, 2, 150).await;
}

async fn never_overlap_for(windows: &[web_sys::Window], runs_per_window: usize, work_ms: u32) {
    let inside = Rc::new(Cell::new(0));
    let overlapped = Rc::new(Cell::new(false));
    let runs = windows.iter().flat_map(|window| {
        (0..runs_per_window).map(|_| {
            let (inside, overlapped) = (inside.clone(), overlapped.clone());
            let window = window.clone();
            async move {
                with_lock_for_tests(&window, "tests.lease", 5_000.0, move || async move {
                    inside.set(inside.get() + 1);
                    overlapped.set(overlapped.get() || inside.get() > 1);
                    sleep(work_ms).await;
                    inside.set(inside.get() - 1);
                })
                .await
            }
        })
    });
    let finished = join_all(runs).await;
    assert!(finished.iter().all(|ran| *ran), "all ran");
    assert!(!overlapped.get(), "the critical sections never overlapped");
}

#[wasm_bindgen_test]
async fn without_web_locks_the_indexeddb_lease_serialises_writers() {
    reset().await;
    let windows = [new_frame_window(), new_frame_window()];
    windows.iter().for_each(hide_web_locks);
    never_overlap(&windows).await;
}

fn hide_indexeddb(window: &web_sys::Window) {
    let descriptor = js_sys::Object::new();
    js_sys::Reflect::set(&descriptor, &"value".into(), &wasm_bindgen::JsValue::NULL)
        .expect("descriptor");
    js_sys::Object::define_property(window, &"indexedDB".into(), &descriptor);
}

#[wasm_bindgen_test]
async fn without_web_locks_and_indexeddb_the_storage_lease_still_serialises_writers() {
    reset().await;
    let windows = [new_frame_window(), new_frame_window()];
    for window in &windows {
        hide_web_locks(window);
        hide_indexeddb(window);
    }
    never_overlap(&windows).await;
}

/// Failed before the lease was renewed while held: it lasted the whole timeout, so holding it
/// longer than a lease meant nothing, and a tab that closed holding it blocked the others for
/// 20 s.
#[wasm_bindgen_test]
async fn a_lease_is_kept_while_its_holder_works_and_lost_soon_when_it_dies() {
    reset().await;
    for hide_idb in [false, true] {
        let windows = [new_frame_window(), new_frame_window()];
        for window in &windows {
            hide_web_locks(window);
            if hide_idb {
                hide_indexeddb(window);
            }
        }
        // Longer than a lease (4 s): the holder keeps it by renewing it.
        never_overlap_for(&windows, 1, 4_500).await;

        // A tab closed while holding it: the next tab waits out one lease, not a whole timeout.
        leptos_jwt_session::testing::leave_dead_lease(&windows[0], "tests.lease").await;
        let started = js_sys::Date::now();
        let ran = with_lock_for_tests(&windows[1], "tests.lease", 20_000.0, || async {}).await;
        let waited = js_sys::Date::now() - started;
        assert!(ran, "the lock was had");
        assert!(
            (3_000.0..6_000.0).contains(&waited),
            "waited {waited} ms for a dead tab's lease (IndexedDB hidden: {hide_idb})"
        );
    }
}
