//! The mounted app in a real browser: forms, routes and redirects, against the reference server.
#![cfg(target_arch = "wasm32")]

#[path = "../crates/leptos-jwt-session/tests/support/mod.rs"]
mod support;

use interceptor_app::account::{display_name, shown_email, User};
use interceptor_app::pages::SESSION_EXPIRED;
use interceptor_app::{App, NAMESPACE};
use leptos_jwt_session::SessionUser;
use leptos_jwt_session::{Credentials, Registration, StorageKind};
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("document")
}

fn location() -> String {
    let location = web_sys::window().expect("window").location();
    location.pathname().unwrap_or_default() + &location.search().unwrap_or_default()
}

/// The app mounted at `path` in a fresh container; unmounted and removed on drop.
struct Mounted {
    _handle: Box<dyn std::any::Any>,
    container: HtmlElement,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.container.remove();
    }
}

fn mount_at(path: &str) -> Mounted {
    let document = document();
    if document
        .query_selector("meta[name='api-base']")
        .ok()
        .flatten()
        .is_none()
    {
        let meta = document.create_element("meta").expect("meta");
        meta.set_attribute("name", "api-base").expect("name");
        meta.set_attribute("content", API).expect("content");
        document
            .head()
            .expect("head")
            .append_child(&meta)
            .expect("append");
    }
    go_to(path);
    let container = new_container();
    let handle = leptos::mount::mount_to(container.clone(), App);
    Mounted {
        _handle: Box::new(handle),
        container,
    }
}

/// Waits up to `ms` for the router to arrive at `path`, and fails saying where it is instead.
async fn arrives_at(ms: u32, path: &str) {
    assert!(
        eventually(ms, || location() == path).await,
        "expected {path}, at {}",
        location()
    );
}

/// The `id` of the focused element, or "".
fn focused_id() -> String {
    document()
        .active_element()
        .map(|e| e.id())
        .unwrap_or_default()
}

fn find(mounted: &Mounted, selector: &str) -> Option<HtmlElement> {
    mounted
        .container
        .query_selector(selector)
        .ok()
        .flatten()
        .map(|e| e.unchecked_into())
}

fn text(mounted: &Mounted, selector: &str) -> String {
    find(mounted, selector)
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

fn button(mounted: &Mounted, label: &str) -> Option<HtmlElement> {
    let buttons = mounted.container.query_selector_all("button").ok()?;
    (0..buttons.length())
        .filter_map(|i| buttons.item(i))
        .map(|node| node.unchecked_into::<HtmlElement>())
        .find(|button| button.text_content().is_some_and(|t| t.trim() == label))
}

fn type_into(mounted: &Mounted, selector: &str, value: &str) {
    let input: HtmlInputElement = find(mounted, selector).expect(selector).unchecked_into();
    input.set_value(value);
    let event = web_sys::Event::new("input").expect("event");
    input.dispatch_event(&event).expect("dispatch");
}

async fn log_in_through_the_form(mounted: &Mounted, password: &str) {
    assert!(
        eventually(2_000, || find(mounted, "#username").is_some()).await,
        "no login form"
    );
    type_into(mounted, "#username", DEMO_USER);
    type_into(mounted, "#password", password);
    button(mounted, "Log in").expect("Log in button").click();
}

/// Everything back to the start, the app's own stored session included, and no app shell.
async fn reset_app() {
    reset().await;
    let window = web_sys::window().expect("window");
    leptos_jwt_session::testing::forget_stored_session(&window, NAMESPACE).await;
    if let Some(shell) = document().get_element_by_id("app-shell") {
        shell.remove();
    }
    if let Some(root) = document().document_element() {
        let _ = root.class_list().remove_2("shell-login", "shell-home");
    }
}

/// The auth layer as the app sets it up, in this window, for a test to act through.
fn app_layer() -> Harness {
    harness_with(config().storage(StorageKind::Local).namespace(NAMESPACE))
}

/// Stores a session for the demo user the way the app would have.
async fn store_demo_session() {
    let h = app_layer();
    log_in_demo(&h).await;
    h.owner.cleanup();
}

/// The app's stored state, parsed.
fn app_stored_state() -> serde_json::Value {
    let text = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|storage| {
            storage
                .get_item(&format!("{NAMESPACE}.session.v1"))
                .ok()
                .flatten()
        })
        .expect("a stored state");
    serde_json::from_str(&text).expect("JSON")
}

#[wasm_bindgen_test]
async fn logging_in_shows_the_user_on_home() {
    reset_app().await;
    let app = mount_at("/login");
    log_in_through_the_form(&app, DEMO_PASSWORD).await;
    assert!(eventually(3_000, || text(&app, "[data-test=username]") == DEMO_USER).await);
    assert_eq!(location(), "/");
    assert_eq!(text(&app, "[data-test=email]"), "demo@example.com");
    assert_eq!(text(&app, "[data-test=user-id]"), "1");
    let log = server_log().await;
    assert_eq!(count(&log, "/jwt/create/"), 1);
    assert_eq!(
        count(&log, "users/me/"),
        1,
        "logging in asks for the user once: {log:?}"
    );
}

#[wasm_bindgen_test]
async fn a_wrong_password_shows_the_servers_message_and_stays() {
    reset_app().await;
    let app = mount_at("/login");
    log_in_through_the_form(&app, "not-the-password").await;
    let detail = "No active account found with the given credentials";
    assert!(eventually(3_000, || text(&app, "[role=alert]").contains(detail)).await);
    assert_eq!(location(), "/login");
}

#[wasm_bindgen_test]
async fn a_protected_page_sends_a_visitor_to_login_and_back() {
    reset_app().await;
    let app = mount_at("/profile?tab=email");
    assert!(eventually(2_000, || location().starts_with("/login")).await);
    assert_eq!(location(), "/login?next=/profile%3Ftab%3Demail");
    log_in_through_the_form(&app, DEMO_PASSWORD).await;
    arrives_at(3_000, "/profile?tab=email").await;
    assert!(
        eventually(3_000, || text(&app, "[data-test=profile-username]")
            == DEMO_USER)
        .await
    );
}

#[wasm_bindgen_test]
async fn back_from_the_login_redirect_skips_the_protected_page() {
    reset_app().await;
    let history = web_sys::window()
        .expect("window")
        .history()
        .expect("history");
    let before = unique_name("/before-");
    for path in [before.as_str(), "/profile"] {
        history
            .push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
            .expect("push");
    }
    let _app = mount_at("/profile");
    arrives_at(2_000, "/login?next=/profile").await;
    // The redirect took /profile's place: Back goes to the page before it. Had it pushed, Back
    // would land on /profile, which would send the visitor to /login again.
    history.back().expect("back");
    arrives_at(2_000, &before).await;
    sleep(200).await;
    assert_eq!(location(), before, "nothing redirected again");
}

#[wasm_bindgen_test]
async fn a_refused_refresh_sends_the_user_to_login_with_next() {
    reset_app().await;
    let h = app_layer();
    log_in_demo(&h).await;
    let refresh = refresh_token(&h.store);
    blacklist_behind_the_clients_back(&h.client, &refresh).await;
    spoil_access_token(&h.store).await;
    h.owner.cleanup();

    let app = mount_at("/profile");
    arrives_at(3_000, "/login?next=/profile").await;
    assert!(
        eventually(1_000, || text(&app, "[role=alert]")
            .contains("session has expired"))
        .await
    );
    // What storage keeps is a logged-out state, so no tab can bring the session back.
    assert_eq!(app_stored_state()["session"], serde_json::Value::Null);
}

/// Failed before: a refresh token that had run out read as "nothing stored", and the login
/// page said nothing about why the user was there.
#[wasm_bindgen_test]
async fn a_session_that_ran_out_while_away_says_so_and_keeps_next() {
    reset_app().await;
    set_config(r#"{"refresh_ttl_ms":2000}"#).await;
    store_demo_session().await;
    sleep(2_100).await;
    let app = mount_at("/profile");
    arrives_at(3_000, "/login?next=/profile").await;
    assert!(
        eventually(1_000, || text(&app, "[role=alert]")
            .contains("session has expired"))
        .await,
        "{:?}",
        text(&app, "[role=alert]")
    );
}

#[wasm_bindgen_test]
async fn the_banner_counts_down_to_the_next_try_and_the_session_stays() {
    reset_app().await;
    set_config(r#"{"access_ttl_ms":3000}"#).await;
    store_demo_session().await;
    set_fault(r#"{"path":"v1/auth/jwt/refresh/","status":429,"retry_after":5}"#).await;
    let app = mount_at("/");
    let announced = || text(&app, ".banner [role=status]");
    assert!(
        eventually(6_000, || announced().starts_with("Reconnecting")).await,
        "no banner: {:?}",
        announced()
    );
    assert!(
        announced().contains("next try in about"),
        "{:?}",
        announced()
    );
    let first = text(&app, "[data-test=retry-banner]");
    assert!(first.contains("Next try in"), "{first:?}");
    let said = announced();
    assert!(
        eventually(2_500, || {
            let now = text(&app, "[data-test=retry-banner]");
            now != first && now.contains("Next try in")
        })
        .await,
        "the countdown stood still at {first:?}"
    );
    assert_eq!(announced(), said, "the live region does not tick");
    assert_eq!(location(), "/", "the session is kept");
    hook_clear_faults().await;
}

#[wasm_bindgen_test]
async fn the_password_changes_on_the_profile_page() {
    reset_app().await;
    let username = unique_name("changer");
    let h = app_layer();
    h.client
        .register(&Registration::new(username.clone(), "first-password-1").with_field("email", ""))
        .await
        .expect("register");
    h.owner.cleanup();

    let app = mount_at("/profile");
    assert!(eventually(3_000, || find(&app, "#current_password").is_some()).await);
    type_into(&app, "#current_password", "not-the-password");
    type_into(&app, "#new_password", "second-password-2");
    button(&app, "Change password").expect("button").click();
    assert!(
        eventually(3_000, || text(&app, "#current_password-error")
            == "Invalid password.")
        .await
    );
    assert!(eventually(1_000, || focused_id() == "current_password").await);

    type_into(&app, "#current_password", "first-password-1");
    button(&app, "Change password").expect("button").click();
    assert!(
        eventually(3_000, || text(&app, "[data-test=password-changed]")
            == "Password changed.")
        .await
    );
    let value = |id: &str| -> String {
        find(&app, id)
            .map(|e| e.unchecked_into::<HtmlInputElement>().value())
            .unwrap_or_default()
    };
    assert_eq!(value("#current_password"), "", "cleared once changed");
    assert_eq!(value("#new_password"), "");
    assert_eq!(location(), "/profile", "the session goes on");

    let other = harness();
    other
        .client
        .log_in(&Credentials::new(username.clone(), "second-password-2"))
        .await
        .expect("the new password works");
    assert!(
        other
            .client
            .log_in(&Credentials::new(username.clone(), "first-password-1"))
            .await
            .is_err(),
        "the old one does not"
    );
}

#[wasm_bindgen_test]
async fn a_busy_button_keeps_the_focus_and_ignores_a_second_press() {
    reset_app().await;
    store_demo_session().await;
    set_fault(r#"{"path":"v1/auth/users/set_password/","delay_ms":1000}"#).await;
    let app = mount_at("/profile");
    assert!(eventually(3_000, || find(&app, "#current_password").is_some()).await);
    type_into(&app, "#current_password", "not-the-password");
    type_into(&app, "#new_password", "another-password-3");
    let submit = button(&app, "Change password").expect("button");
    submit.focus().expect("focus");
    submit.click();
    assert!(
        eventually(500, || submit.get_attribute("aria-disabled").as_deref()
            == Some("true"))
        .await
    );
    assert_eq!(
        document().active_element().map(|e| e.text_content()),
        Some(Some("Changing…".into())),
        "a disabled button would have dropped the focus to the page"
    );
    submit.click();
    assert!(
        eventually(3_000, || text(&app, "#current_password-error")
            == "Invalid password.")
        .await
    );
    let sent = count(&server_log().await, "users/set_password/");
    assert_eq!(sent, 1, "the press while busy sent nothing");
    hook_clear_faults().await;
}

#[wasm_bindgen_test]
async fn the_login_page_sends_a_logged_in_user_home() {
    reset_app().await;
    store_demo_session().await;
    let _app = mount_at("/login");
    arrives_at(2_000, "/").await;
}

#[wasm_bindgen_test]
async fn ten_concurrent_requests_all_succeed() {
    reset_app().await;
    store_demo_session().await;
    let app = mount_at("/");
    assert!(eventually(3_000, || text(&app, "[data-test=username]") == DEMO_USER).await);
    button(&app, "Fire 10 requests")
        .expect("burst button")
        .click();
    assert!(
        eventually(5_000, || text(&app, "[data-test=burst-result]")
            == "10 of 10 succeeded")
        .await
    );
}

#[wasm_bindgen_test]
async fn the_log_out_button_ends_the_session_everywhere() {
    reset_app().await;
    store_demo_session().await;
    let app = mount_at("/");
    assert!(eventually(3_000, || text(&app, "[data-test=username]") == DEMO_USER).await);
    button(&app, "Log out").expect("Log out button").click();
    arrives_at(3_000, "/login").await;
    // Blacklisting goes on after the page has left; give it a moment.
    let mut blacklisted = false;
    for _ in 0..50 {
        let log = server_log().await;
        blacklisted = log
            .iter()
            .any(|r| r.path.ends_with("/jwt/blacklist/") && r.status == 200);
        if blacklisted {
            break;
        }
        sleep(50).await;
    }
    assert!(blacklisted, "the refresh token was not blacklisted");
}

#[wasm_bindgen_test]
async fn an_unknown_path_shows_not_found() {
    reset_app().await;
    let app = mount_at("/no/such/page");
    assert!(eventually(2_000, || text(&app, "h1") == "Page not found").await);
}

#[wasm_bindgen_test]
async fn registration_shows_field_errors_then_logs_the_new_user_in() {
    reset_app().await;
    let app = mount_at("/register");
    assert!(eventually(2_000, || find(&app, "#username").is_some()).await);
    button(&app, "Create account").expect("button").click();
    let required = "This field may not be blank.";
    assert!(eventually(3_000, || text(&app, "#username-error") == required).await);
    assert_eq!(text(&app, "#password-error"), required);
    assert_eq!(location(), "/register");
    assert!(
        eventually(1_000, || focused_id() == "username").await,
        "the first refused field takes the focus, not {:?}",
        focused_id()
    );

    let username = unique_name("newcomer");
    type_into(&app, "#username", &username);
    type_into(&app, "#email", "not-an-email");
    type_into(&app, "#password", "a-long-password");
    button(&app, "Create account").expect("button").click();
    assert!(
        eventually(3_000, || text(&app, "#email-error")
            == "Enter a valid email address.")
        .await
    );
    assert_eq!(
        text(&app, "#username-error"),
        "",
        "the fixed field's error is gone"
    );
    assert!(
        eventually(1_000, || focused_id() == "email").await,
        "focus on the one refused field, not {:?}",
        focused_id()
    );

    type_into(&app, "#email", "newcomer@example.com");
    button(&app, "Create account").expect("button").click();
    assert!(eventually(3_000, || text(&app, "[data-test=username]") == username).await);
    assert_eq!(location(), "/");
    assert_eq!(text(&app, "[data-test=email]"), "newcomer@example.com");
}

#[wasm_bindgen_test]
async fn the_activity_panel_and_session_card_show_the_interceptor_at_work() {
    reset_app().await;
    store_demo_session().await;
    let app = mount_at("/");
    assert!(eventually(3_000, || text(&app, "[data-test=username]") == DEMO_USER).await);
    let access_left = text(&app, "[data-test=access-left]");
    assert!(
        access_left.ends_with(" s"),
        "a countdown, got {access_left:?}"
    );
    assert_eq!(text(&app, "[data-test=connectivity]"), "online");

    button(&app, "Fire 10 requests")
        .expect("burst button")
        .click();
    assert!(
        eventually(5_000, || text(&app, "[data-test=burst-result]")
            == "10 of 10 succeeded")
        .await
    );
    let activity = text(&app, "[data-test=activity]");
    assert!(
        activity.contains("Fire 10 requests: 10 of 10 succeeded"),
        "{activity}"
    );
    let lines = app
        .container
        .query_selector_all("[data-test=activity] li.exchange")
        .expect("lines")
        .length();
    assert!(
        lines >= 10,
        "each request of the burst is listed ({lines} lines)"
    );
}

/// `index.html`'s app shell (its markup and its script) put into this page, as the browser
/// parses it before the wasm arrives.
fn insert_app_shell() {
    let page = include_str!("../index.html");
    let between = |start: &str, end: &str| {
        let from = page.find(start).expect("start marker in index.html");
        let to = from + page[from..].find(end).expect("end marker in index.html");
        page[from..to].to_owned()
    };
    let markup = between(r#"<div id="app-shell">"#, "\n  </body>");
    // The stylesheet index.html inlines, which shows the shell's parts or hides them.
    if document().get_element_by_id("app-stylesheet").is_none() {
        let style = document().create_element("style").expect("style");
        style.set_id("app-stylesheet");
        style.set_text_content(Some(include_str!("../style/main.css")));
        document()
            .head()
            .expect("head")
            .append_child(&style)
            .expect("append");
    }
    let script = between("(() => {", "\n    </script>");
    let holder = document().create_element("div").expect("div");
    holder.set_inner_html(&markup);
    let shell = holder.first_element_child().expect("the shell");
    document()
        .body()
        .expect("body")
        .append_child(&shell)
        .expect("append");
    js_sys::Function::new_no_args(&script)
        .call0(&wasm_bindgen::JsValue::NULL)
        .expect("the shell's script runs");
}

fn shell_input(autocomplete: &str) -> HtmlInputElement {
    document()
        .query_selector(&format!("#app-shell input[autocomplete={autocomplete}]"))
        .ok()
        .flatten()
        .expect("a shell field")
        .unchecked_into()
}

fn input_value(mounted: &Mounted, selector: &str) -> String {
    find(mounted, selector)
        .map(|e| e.unchecked_into::<HtmlInputElement>().value())
        .unwrap_or_default()
}

/// Mounts the app the way `main.rs` does: the shell is handed over once the app has rendered.
fn mount_over_shell(path: &str) -> Mounted {
    let mounted = mount_at(path);
    interceptor_app::shell::hand_over();
    mounted
}

#[wasm_bindgen_test]
async fn what_was_typed_into_the_app_shell_is_kept_with_the_focus() {
    reset_app().await;
    go_to("/login");
    insert_app_shell();
    shell_input("username").set_value("demo");
    let password = shell_input("current-password");
    password.set_value("half-typ");
    password.focus().expect("focus");
    password.set_selection_range(3, 3).expect("caret");

    let app = mount_over_shell("/login");
    assert!(
        eventually(2_000, || document()
            .get_element_by_id("app-shell")
            .is_none())
        .await,
        "the shell goes once the app has rendered"
    );
    assert_eq!(input_value(&app, "#username"), "demo");
    assert_eq!(input_value(&app, "#password"), "half-typ");
    assert!(
        eventually(1_000, || focused_id() == "password").await,
        "the focus follows: {:?}",
        focused_id()
    );
    let caret = document()
        .active_element()
        .map(|e| e.unchecked_into::<HtmlInputElement>())
        .and_then(|input| input.selection_start().ok().flatten());
    assert_eq!(caret, Some(3), "and the caret");
    assert_eq!(
        count(&server_log().await, "/jwt/create/"),
        0,
        "nothing was sent"
    );
}

#[wasm_bindgen_test]
async fn a_login_submitted_in_the_app_shell_goes_through_once_the_app_is_there() {
    reset_app().await;
    // A visitor of a protected page: the shell shows the login form there, and the app first
    // redirects to the login page, which takes the submit.
    go_to("/profile");
    insert_app_shell();
    assert!(
        document()
            .document_element()
            .is_some_and(|root| root.class_list().contains("shell-login")),
        "the shell shows its login form to a visitor without a session"
    );
    shell_input("username").set_value(DEMO_USER);
    shell_input("current-password").set_value(DEMO_PASSWORD);
    let form: web_sys::HtmlFormElement = document()
        .get_element_by_id("shell-login")
        .expect("form")
        .unchecked_into();
    form.request_submit().expect("submit");

    let app = mount_over_shell("/profile");
    arrives_at(5_000, "/profile").await;
    assert!(
        eventually(3_000, || text(&app, "[data-test=profile-username]")
            == DEMO_USER)
        .await,
        "logged in with what was typed"
    );
    assert_eq!(
        count(&server_log().await, "/jwt/create/"),
        1,
        "exactly one login"
    );
}

#[wasm_bindgen_test]
async fn the_app_shell_shows_no_login_form_to_a_logged_in_visitor() {
    reset_app().await;
    store_demo_session().await;
    go_to("/");
    insert_app_shell();
    let root = document().document_element().expect("root");
    assert!(
        !root.class_list().contains("shell-login"),
        "no login form flashes before the app shows the home page"
    );
}

/// Runs `code` as the body of a function in the page and returns what it returns.
fn run_script(code: &str) -> wasm_bindgen::JsValue {
    js_sys::Function::new_no_args(code)
        .call0(&wasm_bindgen::JsValue::NULL)
        .unwrap_or_else(|error| panic!("{code} failed: {error:?}"))
}

/// A JSON string from the page, parsed.
fn parse_json<T: serde::de::DeserializeOwned>(json: &wasm_bindgen::JsValue) -> T {
    let text = json.as_string().expect("a JSON string");
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{text}: {error}"))
}

/// Moves this page to `path`, as if the visitor had opened it.
fn go_to(path: &str) {
    web_sys::window()
        .expect("window")
        .history()
        .expect("history")
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
        .expect("url");
}

/// Takes the app shell out again (its markup, and what its script put on the root), so that a
/// test can insert it afresh over another stored state.
fn remove_app_shell() {
    if let Some(shell) = document().get_element_by_id("app-shell") {
        shell.remove();
    }
    if let Some(root) = document().document_element() {
        let _ = root.class_list().remove_2("shell-login", "shell-home");
    }
}

fn root_has_class(class: &str) -> bool {
    document()
        .document_element()
        .is_some_and(|root| root.class_list().contains(class))
}

fn shell_element(selector: &str) -> HtmlElement {
    document()
        .query_selector(&format!("#app-shell {selector}"))
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no {selector} in the app shell"))
        .unchecked_into()
}

/// What the shell's home page shows in `[data-test=…]`.
fn shell_home_text(test: &str) -> String {
    shell_element(&format!("[data-shell=home] [data-test={test}]"))
        .text_content()
        .unwrap_or_default()
}

/// Whether the shell's element is on screen (not inside a part `display: none`).
fn shell_shows(selector: &str) -> bool {
    shell_element(selector).offset_height() > 0
}

fn set_app_stored_state(state: &serde_json::Value) {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("localStorage")
        .set_item(&format!("{NAMESPACE}.session.v1"), &state.to_string())
        .expect("stored");
}

/// The demo user's stored session, with `user` (any JSON) in place of the user the server sent.
async fn store_demo_session_with_user(user: &str) {
    store_demo_session().await;
    let mut state = app_stored_state();
    state["session"]["user"] = serde_json::from_str(user).expect("a user's JSON");
    set_app_stored_state(&state);
}

#[wasm_bindgen_test]
async fn the_app_shell_shows_a_returning_user_their_home_until_the_app_takes_over() {
    reset_app().await;
    store_demo_session().await;
    go_to("/");
    insert_app_shell();
    assert!(
        root_has_class("shell-home"),
        "the shell shows the home page"
    );
    assert!(!root_has_class("shell-login"), "and no login form");
    assert!(shell_shows("[data-test=username]"));
    assert!(!shell_shows("#shell-login"));
    assert_eq!(shell_home_text("username"), DEMO_USER);
    assert_eq!(shell_home_text("email"), "demo@example.com");
    assert_eq!(shell_home_text("user-id"), "1");
    assert!(
        document()
            .get_element_by_id("app-shell")
            .is_some_and(|shell| shell.has_attribute("inert")),
        "a picture of the page until the app is there: no focus, nothing read out"
    );

    // What the page's (first) username reads after every change to the document, from now on.
    run_script(
        "window.namesSeen = [];
         window.namesWatch = new MutationObserver(() => window.namesSeen.push(
             document.querySelector('[data-test=username]')?.textContent ?? null));
         window.namesWatch.observe(document, { subtree: true, childList: true, characterData: true });",
    );
    let app = mount_over_shell("/");
    assert!(
        eventually(1_000, || document()
            .get_element_by_id("app-shell")
            .is_none())
        .await,
        "the app takes over: {}",
        app.container.inner_html()
    );
    assert_eq!(text(&app, "[data-test=username]"), DEMO_USER);
    let seen: Vec<Option<String>> = parse_json(&run_script(
        "window.namesWatch.disconnect(); return JSON.stringify(window.namesSeen);",
    ));
    assert!(
        !seen.is_empty() && seen.iter().all(|name| name.as_deref() == Some(DEMO_USER)),
        "the name was there through every change: {seen:?}"
    );
    assert_eq!(location(), "/");
}

/// Each element's tag, classes and `data-test` under `root`, in document order, with the text
/// of those that hold only text (but not of a `[data-test]` one: that is what a page shows, not
/// its frame). Leaves out ids, roles and aria attributes: the shell's home is inert and has
/// none, so that nothing in it is read out or found twice.
fn skeleton(root: &Element) -> Vec<String> {
    let mut lines = Vec::new();
    let mut next = root.first_element_child();
    while let Some(element) = next {
        next = element.next_element_sibling();
        if element.get_attribute("data-shell").as_deref() == Some("login") {
            continue;
        }
        let mut line = element.tag_name().to_lowercase();
        if let Some(class) = element.get_attribute("class") {
            line += &format!(
                ".{}",
                class.split_whitespace().collect::<Vec<_>>().join(".")
            );
        }
        match element.get_attribute("data-test") {
            Some(test) => line += &format!("[data-test={test}]"),
            None if element.child_element_count() == 0 => {
                line += &format!(" {:?}", element.text_content().unwrap_or_default().trim());
            }
            None => {}
        }
        let children = skeleton(&element);
        lines.push(line.clone());
        lines.extend(
            children
                .into_iter()
                .map(|child| format!("{line} > {child}")),
        );
    }
    lines
}

#[wasm_bindgen_test]
async fn the_app_shells_home_is_the_apps_home_page_in_its_own_markup() {
    reset_app().await;
    store_demo_session().await;
    go_to("/");
    insert_app_shell();
    let shell = document().get_element_by_id("app-shell").expect("shell");
    let of_shell = |selector| {
        skeleton(
            &shell
                .query_selector(selector)
                .ok()
                .flatten()
                .expect(selector),
        )
    };
    let (shell_header, shell_page) = (of_shell("header"), of_shell("main.page"));
    remove_app_shell();

    let app = mount_at("/");
    assert!(eventually(2_000, || text(&app, "[data-test=username]") == DEMO_USER).await);
    let of_app = |selector| skeleton(&find(&app, selector).expect(selector));
    assert_eq!(shell_header, of_app("header"), "the header");
    assert_eq!(shell_page, of_app("main.page"), "the page");
}

#[wasm_bindgen_test]
async fn an_expired_session_gets_the_app_shells_login_form_not_its_home() {
    reset_app().await;
    set_config(r#"{"refresh_ttl_ms":2000}"#).await;
    store_demo_session().await;
    sleep(2_100).await;
    go_to("/");
    insert_app_shell();
    assert!(
        !root_has_class("shell-home"),
        "no home page for a session that ran out"
    );
    assert!(root_has_class("shell-login"));
    assert!(!shell_shows("[data-test=username]"));
    assert!(shell_shows("#shell-login"));
    assert_eq!(
        shell_element("#shell-login .alert")
            .text_content()
            .as_deref(),
        Some(SESSION_EXPIRED),
        "and it says why, as the app's login page will"
    );

    let app = mount_over_shell("/");
    arrives_at(3_000, "/login").await;
    assert!(
        eventually(1_000, || text(&app, "[role=alert]") == SESSION_EXPIRED).await,
        "{:?}",
        text(&app, "[role=alert]")
    );
}

#[wasm_bindgen_test]
async fn a_stored_name_with_html_in_it_is_shown_as_text() {
    reset_app().await;
    let name = r#"<img src=x onerror="window.shellInjected=1">demo"#;
    store_demo_session_with_user(
        &serde_json::json!({ "username": name, "email": "<b>e</b>", "id": 1 }).to_string(),
    )
    .await;
    go_to("/");
    insert_app_shell();
    assert_eq!(shell_home_text("username"), name);
    assert_eq!(shell_home_text("email"), "<b>e</b>");
    let shell = document().get_element_by_id("app-shell").expect("shell");
    assert_eq!(
        shell
            .query_selector_all("img, b")
            .map(|found| found.length())
            .ok(),
        Some(0),
        "no element was made from the stored text"
    );
}

/// The shell's script and the app name a user by the same rule, whatever fields the user model
/// has (`src/account.rs`; a host test in `src/shell.rs` checks the field list).
#[wasm_bindgen_test]
async fn the_app_shell_names_every_kind_of_user_as_the_app_does() {
    reset_app().await;
    let users = [
        r#"{"email":"demo@example.com","id":1,"username":"demo"}"#,
        r#"{"display_name":"Demo User","id":1,"email":"d@example.com"}"#,
        r#"{"username":"","display_name":"","email":"only@example.com","id":"7"}"#,
        r#"{"id":2}"#,
        r#"{"username":null,"display_name":42,"email":true,"id":null}"#,
        r#"{"username":["a"],"display_name":{"b":1},"email":"","id":false}"#,
        r#"{"username":"first","username":"last"}"#,
        r#""demo""#,
        r#"[1]"#,
        r#"null"#,
    ];
    for user in users {
        remove_app_shell();
        store_demo_session_with_user(user).await;
        go_to("/");
        insert_app_shell();
        let app_user = User::from_json(user).ok();
        let expected = [
            app_user.as_ref().map(display_name),
            app_user.as_ref().map(shown_email),
            app_user
                .as_ref()
                .and_then(|u| u.get("id").map(str::to_owned)),
        ]
        .map(Option::unwrap_or_default);
        let shown = ["username", "email", "user-id"].map(shell_home_text);
        assert_eq!(shown, expected, "the user {user}");
    }
}

/// A JWT (unsigned: neither the app nor the shell checks signatures) with the given claims.
fn jwt(claims: &serde_json::Value) -> String {
    let window = web_sys::window().expect("window");
    let base64url = |text: &str| {
        window
            .btoa(text)
            .expect("btoa")
            .replace('+', "-")
            .replace('/', "_")
            .trim_end_matches('=')
            .to_owned()
    };
    format!(
        "{}.{}.c2lnbmF0dXJl",
        base64url(r#"{"alg":"HS256","typ":"JWT"}"#),
        base64url(&claims.to_string())
    )
}

/// The shell's verdict and the app's on the stored state, each as (logged in, told the session
/// expired). The app's is the auth layer's as it starts, before any request.
fn verdicts() -> ((bool, bool), (bool, bool)) {
    remove_app_shell();
    go_to("/");
    insert_app_shell();
    let alert = shell_element("#shell-login .alert")
        .text_content()
        .unwrap_or_default();
    let shell = (root_has_class("shell-home"), alert == SESSION_EXPIRED);
    let layer = app_layer();
    let app = (
        layer.store.is_authenticated_untracked(),
        layer.store.ended_untracked() == Some(leptos_jwt_session::SessionEnd::Expired),
    );
    layer.owner.cleanup();
    (shell, app)
}

/// The shell reads the stored session as the app does: which one is live, which one ran out by
/// its stored times (a refresh token's lifetime counts from when it arrived, less a second),
/// and which one the app cannot read and throws away.
#[wasm_bindgen_test]
async fn the_app_shell_decides_on_the_stored_session_as_the_app_does() {
    reset_app().await;
    let now_ms = js_sys::Date::now();
    let now = (now_ms / 1000.0) as i64;
    let access = jwt(&serde_json::json!({ "exp": now + 300, "iat": now, "user_id": "1" }));
    let refresh_for =
        |lifetime: i64| jwt(&serde_json::json!({ "exp": now + lifetime, "iat": now }));
    let state = |refresh: serde_json::Value, received_ms_ago: f64| {
        serde_json::json!({
            "generation": 1,
            "writer": "test",
            "session": {
                "id": "s",
                "tokens": {
                    "access": access,
                    "refresh": refresh,
                    "access_received_at": (now_ms - received_ms_ago) as i64,
                    "refresh_received_at": (now_ms - received_ms_ago) as i64,
                },
                "user": { "username": "demo", "id": 1 },
            },
            "ended": null,
        })
    };
    let with = |mut state: serde_json::Value, pointer: &str, value: serde_json::Value| {
        *state.pointer_mut(pointer).expect(pointer) = value;
        state
    };
    let live = state(refresh_for(10).into(), 8_500.0);
    let cases = [
        ("a live session", live.clone()),
        // 10 s from iat to exp live 9 s from their arrival: the claims' whole seconds.
        (
            "a 10 s refresh token 9.5 s after it arrived",
            state(refresh_for(10).into(), 9_500.0),
        ),
        (
            "a refresh token without iat, before exp",
            state(jwt(&serde_json::json!({ "exp": now + 100 })).into(), 0.0),
        ),
        (
            "a refresh token without iat, past exp",
            state(jwt(&serde_json::json!({ "exp": now - 1 })).into(), 0.0),
        ),
        (
            "iat after exp, so exp alone counts",
            state(
                jwt(&serde_json::json!({ "exp": now + 100, "iat": now + 200 })).into(),
                0.0,
            ),
        ),
        (
            "a padded payload",
            state(padded(&refresh_for(10)).into(), 0.0),
        ),
        (
            "an access token that is no JWT",
            with(live.clone(), "/session/tokens/access", "garbage".into()),
        ),
        (
            "a refresh token that is no JWT",
            with(live.clone(), "/session/tokens/refresh", "a.b".into()),
        ),
        (
            "a refresh token without exp",
            state(jwt(&serde_json::json!({ "iat": now })).into(), 0.0),
        ),
        (
            "a time that is text",
            with(
                live.clone(),
                "/session/tokens/refresh_received_at",
                "1".into(),
            ),
        ),
        (
            "no generation",
            with(live.clone(), "/generation", serde_json::Value::Null),
        ),
        (
            "a session that ended by expiring",
            serde_json::json!({ "generation": 2, "session": null, "ended": "Expired" }),
        ),
        (
            "a logout",
            serde_json::json!({ "generation": 2, "session": null, "ended": "LoggedOut" }),
        ),
    ];
    for (case, stored) in cases {
        set_app_stored_state(&stored);
        let (shell, app) = verdicts();
        assert_eq!(
            shell, app,
            "{case}: (logged in, expired) in the shell and in the app"
        );
    }
    set_app_stored_state(&live);
    assert_eq!(
        verdicts(),
        ((true, false), (true, false)),
        "a live session is live"
    );
}

/// `token` with its payload padded, as some encoders write it.
fn padded(token: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!("{}.{}==.{}", parts[0], parts[1], parts[2])
}
