//! Accessibility of the release build: axe-core on every page in every state a user meets, in
//! the light and the dark colour scheme; the main journey with the keyboard alone.
//!
//! ```text
//! scripts/setup && trunk build --release && cargo test -p interceptor-e2e --test a11y
//! ```

use fantoccini::key::Key;
use fantoccini::Locator;
use interceptor_e2e::a11y::{
    assert_nothing_moves_under_reduced_motion, emulate, AccessibilityAudit, MediaPreferences,
};
use interceptor_e2e::keyboard::{
    assert_focus, press, shift_tab_to, tab_to, type_text, wait_for_focus,
};
use interceptor_e2e::{Browser, Harness, DEMO_PASSWORD, DEMO_USERNAME, WAIT};
use serde_json::{json, Value};

/// Waits until the element matching `css` shows some text, and returns it.
async fn wait_for_message(browser: &Browser, css: &str) -> String {
    browser
        .poll(format!("a message in {css}"), WAIT, || async {
            match browser.try_text(css).await {
                Ok(text) if !text.is_empty() => Ok(text),
                Ok(_) => Err(format!("{css} is empty")),
                Err(error) => Err(error),
            }
        })
        .await
}

/// One browser walks through every state, so the suite starts Chromium once for all of them:
/// logged out (login empty, refused; register refused; not found), logged in (home fresh,
/// after a burst, cleared; profile with both forms refused; not found), the backend going away
/// (home's reconnecting banner; the login form unable to reach it). Nothing may move under
/// `prefers-reduced-motion: reduce`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_in_every_state_passes_axe_in_light_and_dark() {
    let mut h = Harness::start().await;
    let mut audit = AccessibilityAudit::new();

    let browser = &h.browser;
    browser.open("/login").await;
    browser.wait_for("input[autocomplete=username]").await;
    audit.check(browser, "login, empty").await;

    browser
        .submit_login(DEMO_USERNAME, "not-the-password")
        .await;
    wait_for_message(browser, ".alert").await;
    audit.check(browser, "login, refused").await;

    browser.click_link("Create an account").await;
    browser.wait_for_location("/register").await;
    browser.fill("#email", "not-an-email").await;
    browser.fill("#password", "1").await;
    browser.click_button("Create account").await;
    wait_for_message(browser, "#username-error").await;
    audit.check(browser, "register, field errors").await;

    browser.open("/no-such-page").await;
    browser.wait_for_text("h1", "Page not found").await;
    audit.check(browser, "not found, logged out").await;

    h.log_in_from_home().await;
    let browser = &h.browser;
    audit
        .check(browser, "home, fresh, the session card counting down")
        .await;

    browser.click_button("Fire 10 requests").await;
    browser
        .wait_for_text("[data-test=burst-result]", "10 of 10 succeeded")
        .await;
    audit.check(browser, "home, after Fire 10 requests").await;
    assert_nothing_moves_under_reduced_motion(browser).await;

    browser.click_button("Clear").await;
    browser
        .poll("the empty activity list's note", WAIT, || async {
            let note = browser
                .client()
                .find(Locator::Css(".empty-note"))
                .await
                .map_err(|error| error.to_string())?;
            match note.is_displayed().await {
                Ok(true) => Ok(()),
                Ok(false) => Err("it is hidden".to_owned()),
                Err(error) => Err(error.to_string()),
            }
        })
        .await;
    audit.check(browser, "home, activity cleared").await;

    browser.click_link("Profile").await;
    browser.wait_for_location("/profile").await;
    browser
        .wait_for_text("[data-test=profile-username]", DEMO_USERNAME)
        .await;
    browser.fill("#email", "not-an-email").await;
    browser.click_button("Save").await;
    wait_for_message(browser, "#email-error").await;
    browser.fill("#current_password", "not-the-password").await;
    browser.fill("#new_password", "1").await;
    browser.click_button("Change password").await;
    wait_for_message(browser, "#current_password-error").await;
    audit.check(browser, "profile, both forms refused").await;

    browser.open("/no-such-page").await;
    browser.wait_for_text("h1", "Page not found").await;
    browser.wait_for("nav a[href='/profile']").await;
    audit.check(browser, "not found, logged in").await;

    // A token that lives 3 s, so that the keeper's refresh falls due soon after the server
    // has gone away.
    browser.click_link("Home").await;
    browser.wait_for_location("/").await;
    h.server.set_config(json!({ "access_ttl_ms": 3000 })).await;
    browser.click_button("Refresh now").await;
    browser
        .poll("a 3 s access token", WAIT, || async {
            let left = browser.try_text("[data-test=access-left]").await?;
            if ["1 s", "2 s", "3 s"].contains(&left.as_str()) {
                Ok(())
            } else {
                Err(format!("the access token has {left} left"))
            }
        })
        .await;
    h.server.reference().go_down().await;
    let browser = &h.browser;
    wait_for_message(browser, "[data-test=retry-banner]").await;
    audit.check(browser, "home, reconnecting banner").await;

    h.server.reference().come_back().await;
    let browser = &h.browser;
    browser
        .wait_for_text("[data-test=connectivity]", "online")
        .await;
    browser.click_button("Log out").await;
    browser.wait_for_location("/login").await;
    h.server.reference().go_down().await;
    let browser = &h.browser;
    browser.submit_login(DEMO_USERNAME, DEMO_PASSWORD).await;
    wait_for_message(browser, ".alert").await;
    audit.check(browser, "login, server down").await;

    h.server.reference().come_back().await;
    h.finish().await;
    audit.assert_no_violations();
}

/// Installs a watcher on the activity panel's live region that keeps what it announces in
/// `window.announcements`.
const RECORD_ANNOUNCEMENTS: &str = "
const region = document.querySelector('[data-test=activity-summary]');
window.announcements = [];
new MutationObserver(() => {
    const said = region.textContent.trim();
    if (said) window.announcements.push(said);
}).observe(region, { childList: true, characterData: true, subtree: true });
";

/// Records what every live region of the page says from now on (`window.spoken`): each
/// `role=status`, `role=alert`, `aria-live` or `<output>` (a status) that is not `aria-live=off`.
const RECORD_LIVE_REGIONS: &str = "
window.spoken = [];
const live = node => (node.getAttribute('aria-live') || 'polite') !== 'off';
for (const region of document.querySelectorAll('[role=status], [role=alert], [aria-live], output')) {
    if (!live(region)) continue;
    new MutationObserver(() => {
        const said = region.textContent.trim();
        if (said) window.spoken.push(said);
    }).observe(region, { childList: true, characterData: true, subtree: true });
}
";

/// Waits until the activity panel has announced `expected`, in that order, and nothing else.
async fn wait_for_announcements(browser: &Browser, expected: &[&str]) {
    let expected = json!(expected);
    browser
        .poll(format!("the announcements {expected}"), WAIT, || async {
            let said = browser
                .execute("return window.announcements;", vec![])
                .await;
            if said == expected {
                Ok(())
            } else {
                Err(format!("announced so far: {said}"))
            }
        })
        .await;
}

/// The burst: ten requests and the two steps that open and close it, in one sentence.
const BURST_ANNOUNCED: &str = "10 requests: 10 succeeded. 2 other events logged.";

/// Logs in, fires the requests, reads the activity list, opens the profile and logs out with
/// Tab, Shift+Tab, Enter and Space alone; at each step the focus must be where a user expects
/// it and be visible (`:focus-visible`, a 2 px outline at 3:1 against its background, in the
/// viewport).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journey_works_with_the_keyboard_alone() {
    let h = Harness::start().await;
    let browser = &h.browser;
    browser.open("/login").await;
    browser.wait_for("input[autocomplete=username]").await;
    assert_focus(browser, "the page", "loading /login").await;

    tab_to(browser, r#"link "interceptor-app""#).await;
    tab_to(browser, r#"link "Log in""#).await;
    tab_to(browser, "input #username").await;
    type_text(browser, DEMO_USERNAME).await;
    tab_to(browser, "input #password").await;
    type_text(browser, DEMO_PASSWORD).await;
    tab_to(browser, r#"button "Log in""#).await;
    press(browser, Key::Enter).await;
    browser.wait_for_location("/").await;
    browser
        .wait_for_text("[data-test=username]", DEMO_USERNAME)
        .await;
    // From here on, what the activity panel announces.
    browser.execute(RECORD_ANNOUNCEMENTS, vec![]).await;
    // The login form left with the focus: it is on the new page's heading, from where Tab
    // goes on into the page and Shift+Tab back to the navigation.
    wait_for_focus(browser, r#"heading "Your account""#, "logging in").await;
    // The login loaded the user: the home page sends no request of its own, so says nothing.
    shift_tab_to(browser, r#"link "Profile""#).await;
    shift_tab_to(browser, r#"link "Home""#).await;
    shift_tab_to(browser, r#"link "interceptor-app""#).await;
    tab_to(browser, r#"link "Home""#).await;
    tab_to(browser, r#"link "Profile""#).await;
    tab_to(browser, r#"button "Fire 10 requests""#).await;
    for preferences in [MediaPreferences::DARK, MediaPreferences::LIGHT] {
        emulate(browser, preferences).await;
        assert_focus(
            browser,
            r#"button "Fire 10 requests""#,
            &format!("emulating {preferences:?}"),
        )
        .await;
    }
    browser.execute(RECORD_LIVE_REGIONS, vec![]).await;
    press(browser, Key::Space).await;
    browser
        .wait_for_text("[data-test=burst-result]", "10 of 10 succeeded")
        .await;
    assert_focus(browser, r#"button "Fire 10 requests""#, "Space").await;
    // Once, as a whole; and nothing more comes of it over the next seconds.
    wait_for_announcements(browser, &[BURST_ANNOUNCED]).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    wait_for_announcements(browser, &[BURST_ANNOUNCED]).await;
    // By the page as a whole, too: the burst's own result is shown, not spoken a second time.
    assert_eq!(
        browser.execute("return window.spoken;", vec![]).await,
        json!([BURST_ANNOUNCED]),
        "what the page's live regions said of the burst"
    );

    tab_to(browser, r#"button "Log out""#).await;
    tab_to(browser, r#"button "Refresh now""#).await;
    tab_to(browser, r#"button "Clear""#).await;
    tab_to(browser, r#"region "Activity""#).await;
    let scrolled = "return document.querySelector('[data-test=activity-region]').scrollTop;";
    assert_eq!(browser.execute(scrolled, vec![]).await, json!(0));
    press(browser, Key::Space).await;
    browser
        .poll("Space to scroll the activity list", WAIT, || async {
            match browser.execute(scrolled, vec![]).await {
                Value::Number(top) if top.as_f64().is_some_and(|top| top > 0.0) => Ok(()),
                other => Err(format!("scrollTop is {other}")),
            }
        })
        .await;
    assert_focus(browser, r#"region "Activity""#, "Space").await;
    // Its lines say how each request went in words, not only in colour.
    let line = browser
        .try_text("[data-test=activity] li.exchange")
        .await
        .unwrap_or_else(|error| panic!("no request in the activity list: {error}"));
    assert!(
        line.contains("GET") && line.contains("200 OK"),
        "an activity line reads {line:?}"
    );

    shift_tab_to(browser, r#"button "Clear""#).await;
    shift_tab_to(browser, r#"button "Refresh now""#).await;
    shift_tab_to(browser, r#"button "Log out""#).await;
    shift_tab_to(browser, r#"button "Fire 10 requests""#).await;
    shift_tab_to(browser, r#"link "Profile""#).await;
    press(browser, Key::Enter).await;
    browser.wait_for_location("/profile").await;
    browser
        .wait_for_text("[data-test=profile-username]", DEMO_USERNAME)
        .await;
    assert_focus(browser, r#"link "Profile""#, "Enter").await;
    tab_to(browser, "input #email").await;

    shift_tab_to(browser, r#"link "Profile""#).await;
    shift_tab_to(browser, r#"link "Home""#).await;
    press(browser, Key::Enter).await;
    browser.wait_for_location("/").await;
    tab_to(browser, r#"link "Profile""#).await;
    tab_to(browser, r#"button "Fire 10 requests""#).await;
    tab_to(browser, r#"button "Log out""#).await;
    press(browser, Key::Enter).await;
    browser.wait_for_location("/login").await;
    wait_for_focus(browser, r#"heading "Log in""#, "logging out").await;
    tab_to(browser, "input #username").await;
    browser
        .poll("the session to leave storage", WAIT, || async {
            match h.stored_state().await {
                Some(state) if !state["session"].is_null() => {
                    Err(format!("{}: {state}", interceptor_e2e::storage_key()))
                }
                _ => Ok(()),
            }
        })
        .await;
    h.finish().await;
}

/// How many headings named `name` the accessibility tree has, leaving out what assistive
/// technology does not see (an inert subtree, say).
async fn headings_in_the_accessibility_tree(browser: &Browser, name: &str) -> usize {
    let tree = browser.cdp("Accessibility.getFullAXTree", json!({})).await;
    tree["nodes"].as_array().map_or(0, |nodes| {
        nodes
            .iter()
            .filter(|node| {
                node["ignored"] != json!(true)
                    && node["role"]["value"] == json!("heading")
                    && node["name"]["value"] == json!(name)
            })
            .count()
    })
}

/// A returning user on a slow link: while index.html's shell shows their home page (until the
/// app is there), the keyboard cannot reach into it and a screen reader has nothing of it to
/// read; it has no live region. Once the app is there, its page is read, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_shells_home_takes_no_focus_and_is_read_once() {
    let h = Harness::start_eager().await;
    h.log_in_from_home().await;
    let browser = &h.browser;
    browser.emulate_slow_link(40_000).await;
    browser.cdp("Network.clearBrowserCache", json!({})).await;
    browser.open("/").await;
    browser
        .wait_for_text("[data-test=username]", DEMO_USERNAME)
        .await;
    assert_eq!(
        browser.count("#app-shell").await,
        1,
        "the app is not there yet"
    );
    let live_regions = "#app-shell [role=status], #app-shell [role=alert], \
        #app-shell [aria-live]:not([aria-live=off]), #app-shell output:not([aria-live=off])";
    assert_eq!(
        browser.count(live_regions).await,
        0,
        "the shell says nothing"
    );
    assert_eq!(
        headings_in_the_accessibility_tree(browser, "Your account").await,
        0,
        "the shell's page is not read out"
    );
    let focus_in_shell =
        "return document.getElementById('app-shell')?.contains(document.activeElement) ?? false;";
    for _ in 0..3 {
        press(browser, Key::Tab).await;
        assert_eq!(
            browser.execute(focus_in_shell, vec![]).await,
            json!(false),
            "Tab does not go into the shell"
        );
    }
    assert_eq!(browser.count("#app-shell").await, 1, "still before the app");

    browser
        .wait_for_the_app(std::time::Duration::from_secs(30))
        .await;
    assert_eq!(
        headings_in_the_accessibility_tree(browser, "Your account").await,
        1,
        "the app's page is read, once"
    );
    h.finish().await;
}
