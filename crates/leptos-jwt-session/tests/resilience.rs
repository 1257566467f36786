//! Beyond the seed, in one tab: one refresh for a burst, rotation, proactive refresh, faults.
#![cfg(target_arch = "wasm32")]

mod support;

use futures::future::join_all;
use leptos_jwt_session::{ApiError, Connectivity};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Sends `n` concurrent `users/me/` requests and returns how many succeeded.
async fn burst(h: &Harness, n: usize) -> usize {
    let results = join_all((0..n).map(|_| h.client.me::<DjoserUser>())).await;
    results.iter().filter(|r| r.is_ok()).count()
}

#[wasm_bindgen_test]
async fn ten_requests_after_expiry_share_one_refresh_and_waste_no_401() {
    reset().await;
    set_config(r#"{"access_ttl_ms":2000}"#).await;
    let h = logged_in().await;
    sleep(2_100).await;
    clear_log().await;
    assert_eq!(burst(&h, 10).await, 10);
    let log = server_log().await;
    assert_eq!(statuses(&log, REFRESH), vec![200], "{log:?}");
    assert_eq!(statuses(&log, ME), vec![200; 10]);
}

#[wasm_bindgen_test]
async fn ten_refused_tokens_share_one_refresh() {
    reset().await;
    let h = logged_in().await;
    spoil_access_token(&h.store).await;
    clear_log().await;
    assert_eq!(burst(&h, 10).await, 10);
    let log = server_log().await;
    assert_eq!(count(&log, REFRESH), 1, "{log:?}");
    assert_eq!(statuses(&log, ME).iter().filter(|s| **s == 200).count(), 10);
}

#[wasm_bindgen_test]
async fn two_bursts_under_rotation_and_blacklist_keep_the_session() {
    reset().await;
    set_config(
        r#"{"access_ttl_ms":2000,"rotate_refresh_tokens":true,"blacklist_after_rotation":true}"#,
    )
    .await;
    let h = logged_in().await;
    let first_refresh = refresh_token(&h.store);
    for round in 0..2 {
        sleep(2_100).await;
        clear_log().await;
        assert_eq!(burst(&h, 10).await, 10, "round {round}");
        let log = server_log().await;
        assert_eq!(statuses(&log, REFRESH), vec![200], "round {round}: {log:?}");
    }
    assert!(h.store.is_authenticated_untracked());
    assert_ne!(
        refresh_token(&h.store),
        first_refresh,
        "the rotated token is kept"
    );
}

#[wasm_bindgen_test]
async fn a_request_during_a_refresh_waits_for_the_new_token() {
    reset().await;
    set_config(r#"{"access_ttl_ms":2000}"#).await;
    let h = logged_in().await;
    sleep(2_100).await;
    // The refresh takes 400 ms; the request starts 100 ms into it.
    set_fault(r#"{"path":"v1/auth/jwt/refresh/","delay_ms":400}"#).await;
    clear_log().await;
    let client = h.client;
    let refresh = client.refresh();
    let request = async move {
        sleep(100).await;
        client.me::<DjoserUser>().await
    };
    let (refreshed, me) = futures::join!(refresh, request);
    assert!(refreshed.is_ok());
    assert_eq!(me.map(|u| u.username).as_deref(), Ok(DEMO_USER));
    let log = server_log().await;
    assert_eq!(statuses(&log, REFRESH), vec![200]);
    assert_eq!(
        statuses(&log, ME),
        vec![200],
        "it went out once, with the new token"
    );
}

#[wasm_bindgen_test]
async fn proactive_refresh_means_no_401_over_several_lifetimes() {
    reset().await;
    set_config(r#"{"access_ttl_ms":3000}"#).await;
    let h = harness_with(config().refresh_ahead(true));
    log_in_demo(&h).await;
    clear_log().await;
    // Ten seconds: more than three access lifetimes, a request every 250 ms.
    for _ in 0..40 {
        assert!(h.client.me::<DjoserUser>().await.is_ok());
        sleep(250).await;
    }
    let log = server_log().await;
    assert!(log.iter().all(|r| r.status != 401), "{log:?}");
    assert!(count(&log, REFRESH) >= 3, "{log:?}");
}

#[wasm_bindgen_test]
async fn a_server_down_during_refresh_keeps_the_session_and_recovers() {
    reset().await;
    set_config(r#"{"access_ttl_ms":3000}"#).await;
    let h = harness_with(config().refresh_ahead(true));
    log_in_demo(&h).await;
    set_fault(r#"{"path":"v1/auth/jwt/refresh/","status":503}"#).await;
    let keeper = h.keeper;
    let reconnecting = || matches!(keeper.connectivity(), Connectivity::Reconnecting { .. });
    assert!(
        eventually(5_000, reconnecting).await,
        "the keeper reports the outage"
    );
    assert!(
        h.store.is_authenticated_untracked(),
        "a 503 is not a logout"
    );

    hook_clear_faults().await;
    assert!(eventually(10_000, || keeper.connectivity() == Connectivity::Online).await);
    assert!(h.store.is_authenticated_untracked());
    assert_eq!(h.client.me::<DjoserUser>().await.map(|u| u.id), Ok(1));
}

#[wasm_bindgen_test]
async fn a_hanging_refresh_times_out_and_keeps_the_session() {
    reset().await;
    set_config(r#"{"access_ttl_ms":2000}"#).await;
    let h = harness_with(config().timeout(std::time::Duration::from_secs(1)));
    log_in_demo(&h).await;
    sleep(2_100).await;
    set_fault(r#"{"path":"v1/auth/jwt/refresh/","delay_ms":3000}"#).await;
    assert_eq!(h.client.me::<DjoserUser>().await, Err(ApiError::Timeout));
    assert!(h.store.is_authenticated_untracked());
}

#[wasm_bindgen_test]
async fn a_429_on_refresh_is_honoured() {
    reset().await;
    set_config(r#"{"access_ttl_ms":3000}"#).await;
    let h = harness_with(config().refresh_ahead(true));
    log_in_demo(&h).await;
    set_fault(r#"{"path":"v1/auth/jwt/refresh/","status":429,"retry_after":5}"#).await;
    let keeper = h.keeper;
    let started = js_sys::Date::now();
    assert!(
        eventually(5_000, || matches!(
            keeper.connectivity(),
            Connectivity::Reconnecting { .. }
        ))
        .await
    );
    let Connectivity::Reconnecting { retry_at, .. } = keeper.connectivity() else {
        unreachable!("checked above")
    };
    assert!(
        retry_at - started >= 5_000.0,
        "retries no sooner than Retry-After says"
    );
    assert!(h.store.is_authenticated_untracked());
}
