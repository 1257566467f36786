//! The app's journeys, each against whatever backend the harness runs: the reference backend
//! (`e2e.rs`), Django with each of its settings (`django.rs`) and Django's dj-rest-auth with the
//! tokens in httpOnly cookies (`cookies.rs`) run the same ones.
#![allow(dead_code)]

use std::time::Duration;

use interceptor_e2e::hooks::{describe, requests_to};
use interceptor_e2e::{now_ms, Harness, DEMO_PASSWORD};
use serde_json::json;

/// Logging in through the form shows the user at home, after one login request.
pub async fn logging_in_shows_the_user_at_home(h: &Harness) {
    h.log_in_from_home().await;
    assert_eq!(
        h.browser.count_visible("#password").await,
        0,
        "the login form is gone"
    );
    let log = h.server.log().await;
    assert_eq!(
        requests_to(&log, h.variant.wire().login).len(),
        1,
        "one login:\n{}",
        describe(&log)
    );
}

/// A reload keeps the session: it comes from storage, not from a new login.
pub async fn a_reload_keeps_the_session(h: &Harness) {
    h.log_in_from_home().await;
    a_reload_keeps_the_session_when_logged_in(h).await;
}

/// [`a_reload_keeps_the_session`], already logged in.
pub async fn a_reload_keeps_the_session_when_logged_in(h: &Harness) {
    h.server.clear_log().await;
    h.browser.reload().await;
    shows_home_without_a_new_login(h, 0, "after a reload").await;
}

/// The page is home with the user, no login form, and the server saw `logins` logins since its
/// log was last cleared: the session came from storage.
async fn shows_home_without_a_new_login(h: &Harness, logins: usize, when: &str) {
    let browser = &h.browser;
    browser
        .wait_for_text("[data-test=username]", h.variant.demo_name())
        .await;
    assert_eq!(browser.location().await, "/");
    assert_eq!(
        browser.count_visible("#password").await,
        0,
        "no login form {when}"
    );
    let log = h.server.log().await;
    assert_eq!(
        requests_to(&log, h.variant.wire().login).len(),
        logins,
        "the session came from storage, not from a new login, {when}:\n{}",
        describe(&log)
    );
}

/// The login's token is dead by the click, and all ten requests still succeed.
///
/// Besides refreshing on demand, the app refreshes *ahead* of expiry (the library's keeper). A
/// 2 s token counts as 1 s of validity (the claims' whole seconds are taken off) and the keeper
/// renews it about once a second, so the burst meets either a token still valid or the keeper's
/// refresh under way, and joins it. Hence:
///
/// - How many refreshes follow the click (0 or 1) depends on where the click falls in the
///   keeper's cycle, so it is not asserted; what always holds is that refreshes never overlap:
///   one shared refresh, never one per request.
/// - No request is refused: a request refreshes first once the token is within the lead time
///   of its expiry, so none goes out with a token the server may already count as expired.
pub async fn an_expired_access_token_does_not_stop_the_next_action(h: &Harness, rotation: bool) {
    let browser = &h.browser;
    let wire = h.variant.wire();
    h.server
        .set_config(json!({
            "access_ttl_ms": 2000,
            "rotate_refresh_tokens": rotation,
            "blacklist_after_rotation": rotation,
        }))
        .await;
    h.log_in_from_home().await;
    let logged_in_at = now_ms();

    // Longer than the token lives: the one from the login is dead by the click.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let clicked_at = now_ms();
    browser.click_button("Fire 10 requests").await;
    browser
        .wait_for_text("[data-test=burst-result]", "10 of 10 succeeded")
        .await;

    let log = h.server.log().await;
    let all = describe(&log);
    assert!(
        log.iter().all(|entry| entry.status != 401),
        "no request met a refused token, no refresh token was refused:\n{all}"
    );
    let burst: Vec<_> = requests_to(&log, wire.me)
        .into_iter()
        .filter(|entry| entry.at_ms >= clicked_at)
        .collect();
    assert_eq!(
        burst.len(),
        10,
        "ten users/me/ after the click, none retried:\n{all}"
    );
    // In the header, or, on the cookie wire, in the access cookie alone (the 200s below).
    let in_header = wire.refresh_cookie.is_none();
    assert!(
        burst.iter().all(|entry| entry.bearer == in_header),
        "every burst request carried the token (in the header: {in_header}):\n{all}"
    );
    assert_eq!(
        burst.iter().filter(|entry| entry.status == 200).count(),
        10,
        "{all}"
    );

    let mut refreshes: Vec<u64> = requests_to(&log, wire.refresh)
        .iter()
        .map(|entry| entry.at_ms)
        .collect();
    refreshes.sort_unstable();
    assert!(
        refreshes
            .iter()
            .any(|at| (logged_in_at..clicked_at).contains(at)),
        "the keeper renews the token before it expires, with nothing to send:\n{all}"
    );
    assert!(
        refreshes.windows(2).all(|pair| pair[1] - pair[0] >= 500),
        "refreshes never overlap (requests join the one under way):\n{all}"
    );
    let after_click = refreshes.iter().filter(|at| **at >= clicked_at).count();
    eprintln!("after the click: {after_click} refresh(es), no request refused");
}

/// The server stops honouring the refresh token (an administrator, or a logout on another
/// device, blacklisted it) while the user is on a protected page: the next refresh is refused,
/// the app sends the user to `/login?next=...` saying why, and after logging in they are back on
/// that page.
pub async fn a_refused_refresh_sends_to_login_and_back_to_the_same_page(h: &Harness) {
    let browser = &h.browser;
    // A short access token, so that the keeper needs the refresh token soon.
    h.server.set_config(json!({ "access_ttl_ms": 3000 })).await;
    h.log_in_from_home().await;
    browser.click_link("Profile").await;
    browser.wait_for_location("/profile").await;
    browser
        .wait_for_text("[data-test=profile-username]", h.variant.demo_name())
        .await;

    let refresh = h.refresh_token_held().await;
    let blacklisted = h.server.blacklist(&h.variant.wire(), &refresh).await;
    assert_eq!(blacklisted.status, 200, "{blacklisted:?}");

    browser.wait_for_location("/login?next=/profile").await;
    browser
        .wait_for_text(".alert", "Your session has expired. Please log in again.")
        .await;
    let log = h.server.log().await;
    assert!(
        requests_to(&log, h.variant.wire().refresh)
            .iter()
            .any(|entry| entry.status == 401),
        "the refresh was refused:\n{}",
        describe(&log)
    );
    browser
        .submit_login(h.variant.demo_login(), DEMO_PASSWORD)
        .await;
    browser.wait_for_location("/profile").await;
    browser
        .wait_for_text("[data-test=profile-username]", h.variant.demo_name())
        .await;
}

/// "Log out" ends the session on the server too: the refresh token the browser held (checked by
/// the test itself, presented as its wire takes it) is blacklisted.
pub async fn logging_out_ends_the_session_on_the_server_too(h: &Harness) {
    let browser = &h.browser;
    let wire = h.variant.wire();
    h.log_in_from_home().await;
    let refresh = h.refresh_token_held().await;
    // The token works before the logout (so the 401 below is the logout's doing). Under
    // rotation it would be replaced by this check, so the server must not rotate here.
    h.server
        .set_config(json!({ "rotate_refresh_tokens": false }))
        .await;
    let before = h.server.refresh(&wire, &refresh).await;
    assert_eq!(before.status, 200, "{before:?}");

    browser.click_button("Log out").await;

    browser.wait_for_location("/login").await;
    let server = &h.server;
    browser
        .poll(
            "the app to blacklist its refresh token",
            interceptor_e2e::WAIT,
            || async {
                let log = server.log().await;
                if requests_to(&log, wire.logout)
                    .iter()
                    .any(|e| e.status == 200)
                {
                    Ok(())
                } else {
                    Err(describe(&log))
                }
            },
        )
        .await;
    let after = h.server.refresh(&wire, &refresh).await;
    assert_eq!(after.status, 401, "{after:?}");
    assert_eq!(after.body["code"], "token_not_valid", "{after:?}");
    let stored = h.stored_state().await;
    assert!(
        stored
            .as_ref()
            .is_none_or(|state| state["session"].is_null()),
        "no session left in storage: {stored:?}"
    );
}

/// A second tab shares the first one's session, and a logout in one logs the other out.
pub async fn a_logout_in_one_tab_logs_the_other_out(h: &Harness) {
    let browser = &h.browser;
    h.log_in_from_home().await;
    let first = browser.window().await;

    let second = browser.new_window(true).await;
    browser.switch_to(second).await;
    browser.open("/").await;
    // The first tab's login, and none more.
    shows_home_without_a_new_login(h, 1, "in the second tab").await;

    browser.click_button("Log out").await;
    browser.wait_for_location("/login").await;

    browser.switch_to(first).await;
    browser
        .wait_for_location_within("/login", Duration::from_secs(3))
        .await;
    assert_eq!(browser.count("[data-test=username]").await, 0);
}

/// The backend goes away while a refresh is due and comes back on the same port: the session is
/// kept, the page says it is reconnecting, and it recovers by itself.
pub async fn the_server_going_down_during_a_refresh_keeps_the_session_and_recovers(
    h: &mut Harness,
) {
    h.server.set_config(json!({ "access_ttl_ms": 3000 })).await;
    h.log_in_from_home().await;
    h.server.go_down().await;

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
        Ok(h.variant.demo_name())
    );

    h.server.come_back().await;
    h.browser
        .wait_for_text("[data-test=connectivity]", "online")
        .await;
    h.browser.click_button("Fire 10 requests").await;
    h.browser
        .wait_for_text("[data-test=burst-result]", "10 of 10 succeeded")
        .await;
    assert_eq!(h.browser.location().await, "/");
}
