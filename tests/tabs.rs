//! Several tabs sharing one session. Each "tab" is a same-origin frame with its own window:
//! the frames share localStorage, receive each other's `storage` events and share Web Locks,
//! exactly as tabs do.
#![cfg(target_arch = "wasm32")]

mod support;

use futures::future::join_all;
use interceptor_app::auth::{SessionEnd, StorageArea, StorageKind, StoredState, STORAGE_KEY};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A store and client living in `window`, as the app would set them up in that tab.
fn tab(window: web_sys::Window) -> Harness {
    harness_in(
        API,
        StorageArea::in_window(StorageKind::Local, window),
        5_000,
    )
}

/// Three tabs; the first has logged in, the other two have picked the session up.
async fn three_tabs() -> [Harness; 3] {
    let first = tab(web_sys::window().expect("window"));
    let second = tab(new_frame_window());
    let third = tab(new_frame_window());
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

async fn burst_in_every_tab(tabs: &[Harness; 3]) -> usize {
    let requests = tabs.iter().flat_map(|tab| (0..10).map(|_| tab.client.me()));
    join_all(requests)
        .await
        .iter()
        .filter(|r| r.is_ok())
        .count()
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
    set_config(
        r#"{"access_ttl_ms":2000,"rotate_refresh_tokens":true,"blacklist_after_rotation":true}"#,
    )
    .await;
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
async fn a_stale_tab_never_writes_old_tokens_over_a_logout() {
    reset().await;
    let active = tab(web_sys::window().expect("window"));
    log_in_demo(&active).await;
    // A tab that restored the session but hears nothing more (asleep, or its event was lost).
    let stale = {
        let owner = leptos::prelude::Owner::new();
        owner.set();
        let store = interceptor_app::auth::AuthStore::restore_from(StorageArea::in_window(
            StorageKind::Local,
            new_frame_window(),
        ));
        (owner, store)
    };
    assert!(stale.1.is_authenticated_untracked());
    active.client.log_out().await;

    // The stale tab learns a user and tries to store it with its old tokens.
    stale.1.set_user(interceptor_app::auth::User {
        email: String::new(),
        id: 1,
        username: DEMO_USER.into(),
    });
    let stored = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .expect("stored state");
    let stored = StoredState::decode(&stored).expect("state");
    assert_eq!(stored.session, None, "the logout stands");
    assert!(
        !stale.1.is_authenticated_untracked(),
        "the stale tab adopted the logout"
    );

    // A reload anywhere finds nobody logged in.
    let reloaded = tab(web_sys::window().expect("window"));
    assert!(!reloaded.store.is_authenticated_untracked());
}

#[wasm_bindgen_test]
async fn a_refresh_in_one_tab_serves_the_others_without_a_request() {
    reset().await;
    let [first, second, _third] = three_tabs().await;
    clear_log().await;
    first.client.refresh().await.expect("refresh");
    let same = || second.store.access_token_untracked() == first.store.access_token_untracked();
    assert!(eventually(1_000, same).await);
    assert_eq!(count(&server_log().await, REFRESH), 1);
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
    let hidden_tab = tab(window.clone());
    log_in_demo(&hidden_tab).await;
    set_hidden(&window, true);
    let _keeper = hidden_tab.keep_fresh();
    clear_log().await;
    sleep(2_500).await;
    assert_eq!(
        count(&server_log().await, REFRESH),
        0,
        "no timer runs in a hidden tab"
    );

    set_hidden(&window, false);
    let refreshed = || async { count(&server_log().await, REFRESH) > 0 };
    let mut shown_refresh = false;
    for _ in 0..25 {
        if refreshed().await {
            shown_refresh = true;
            break;
        }
        sleep(40).await;
    }
    assert!(
        shown_refresh,
        "back in view with an expired token: it refreshes at once"
    );
}

#[wasm_bindgen_test]
async fn without_web_locks_the_storage_lease_still_serialises_refreshes() {
    reset().await;
    // Two tabs whose browser has no navigator.locks.
    let windows = [new_frame_window(), new_frame_window()];
    for window in &windows {
        let descriptor = js_sys::Object::new();
        js_sys::Reflect::set(
            &descriptor,
            &"value".into(),
            &wasm_bindgen::JsValue::UNDEFINED,
        )
        .expect("descriptor");
        js_sys::Object::define_property(&window.navigator(), &"locks".into(), &descriptor);
        assert!(js_sys::Reflect::get(&window.navigator(), &"locks".into())
            .expect("get")
            .is_undefined());
    }
    let inside = std::rc::Rc::new(std::cell::Cell::new(0));
    let overlapped = std::rc::Rc::new(std::cell::Cell::new(false));
    let runs = windows.iter().map(|window| {
        let (inside, overlapped) = (inside.clone(), overlapped.clone());
        let window = window.clone();
        async move {
            interceptor_app::api::lock::with_lock(Some(&window), "test.lease", move || async move {
                inside.set(inside.get() + 1);
                overlapped.set(overlapped.get() || inside.get() > 1);
                sleep(200).await;
                inside.set(inside.get() - 1);
            })
            .await
        }
    });
    let finished = join_all(runs).await;
    assert!(finished.iter().all(Option::is_some), "both ran");
    assert!(
        !overlapped.get(),
        "the two critical sections never overlapped"
    );
}

#[wasm_bindgen_test]
async fn a_refresh_survives_an_unrelated_write_from_another_tab() {
    reset().await;
    let [first, second, _third] = three_tabs().await;
    // Real tokens to apply as if a refresh with rotation had just answered.
    let donor = logged_in().await;
    let answer = donor.store.tokens_untracked().expect("tokens");

    let used = second.store.refresh_token_untracked().expect("refresh");
    // The first tab stores something unrelated (the user) just before the answer arrives in
    // the second, which has not heard of it yet.
    let renamed = interceptor_app::auth::User {
        email: "renamed@example.com".into(),
        id: 1,
        username: DEMO_USER.into(),
    };
    first.store.set_user(renamed.clone());
    let applied = second
        .store
        .apply_refresh(&used, answer.access.clone(), Some(answer.refresh.clone()))
        .expect("JWTs");
    assert_eq!(applied, Some(answer.access.clone()), "the refresh stands");

    let stored = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .expect("stored state");
    let stored = StoredState::decode(&stored).expect("state");
    let session = stored.session.expect("a session");
    assert_eq!(
        session.tokens.refresh, answer.refresh,
        "the rotated token is not lost"
    );
    assert_eq!(
        session.user,
        Some(renamed),
        "and neither is the other tab's write"
    );
}
