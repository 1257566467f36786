//! The app end to end: the release build in headless Chromium against the reference backend.
//!
//! ```text
//! trunk build --release && cargo test -p interceptor-e2e -- --test-threads=1
//! ```

mod scenarios;

use interceptor_e2e::{Harness, DEMO_USERNAME};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_in_through_the_form_shows_the_user_at_home() {
    let h = Harness::start().await;
    scenarios::logging_in_shows_the_user_at_home(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_keeps_the_session() {
    let h = Harness::start().await;
    scenarios::a_reload_keeps_the_session(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_does_not_stop_the_next_action() {
    let h = Harness::start().await;
    scenarios::an_expired_access_token_does_not_stop_the_next_action(&h, false).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_sends_to_login_and_back_to_the_same_page() {
    let h = Harness::start().await;
    scenarios::a_refused_refresh_sends_to_login_and_back_to_the_same_page(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_out_ends_the_session_on_the_server_too() {
    let h = Harness::start().await;
    scenarios::logging_out_ends_the_session_on_the_server_too(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_in_one_tab_logs_the_other_out() {
    let h = Harness::start().await;
    scenarios::a_logout_in_one_tab_logs_the_other_out(&h).await;
    h.finish().await;
}

/// The backend goes away while a refresh is due and comes back on the same port: the session is
/// kept, the page says it is reconnecting, and it recovers by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_going_down_during_a_refresh_keeps_the_session_and_recovers() {
    let mut h = Harness::start().await;
    h.server.set_config(json!({ "access_ttl_ms": 3000 })).await;
    h.log_in_from_home().await;
    h.server.reference().go_down().await;

    // The keeper's refresh falls due about 1.7 s after login and cannot connect.
    h.browser
        .wait_for_text("[data-test=connectivity]", "reconnecting (attempt 1)")
        .await;
    assert_eq!(
        h.browser.location().await,
        "/",
        "a network failure is not a logout"
    );
    assert_eq!(
        h.browser.try_text("[data-test=username]").await.as_deref(),
        Ok(DEMO_USERNAME)
    );

    h.server.reference().come_back().await;
    h.browser
        .wait_for_text("[data-test=connectivity]", "online")
        .await;
    h.browser.click_button("Fire 10 requests").await;
    h.browser
        .wait_for_text("[data-test=burst-result]", "10 of 10 succeeded")
        .await;
    assert_eq!(h.browser.location().await, "/");
    h.finish().await;
}
