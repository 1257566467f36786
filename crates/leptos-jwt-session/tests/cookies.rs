//! The httpOnly-cookie modes against the reference server's dj-rest-auth wire
//! (`--url-layout dj-rest-auth --cookie-csrf`, CORS with credentials for this page's exact
//! origin, which `scripts/test` fixes with `WASM_BINDGEN_TEST_ADDRESS`): the session survives a
//! reload, a burst after expiry makes one refresh (across tabs too), a refused refresh ends the
//! session, logout revokes, CSRF goes along, and a script in the page finds no refresh token
//! anywhere it can look.
#![cfg(target_arch = "wasm32")]

mod support;

use futures::future::join_all;
use leptos_jwt_session::testing;
use leptos_jwt_session::{
    ApiBase, ApiError, ApiRequest, AuthConfig, Credentials, StorageKind, TokenMode, UserFields,
    Wire,
};
use support::{
    count, eventually, harness_with, hook_at, new_frame_window, record_events, reset,
    server_log_at, sleep, statuses, Harness, Method, DEMO_PASSWORD, DEMO_USER,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const API: &str = match option_env!("INTERCEPTOR_TEST_COOKIE_API") {
    Some(api) => api,
    None => "http://127.0.0.1:18769/api/",
};
const NAMESPACE: &str = "tests-cookies";
const REFRESH: &str = "/auth/token/refresh/";
const USER: &str = "/auth/user/";
const DEFAULTS: &str = r#"{"access_ttl_ms":60000,"refresh_ttl_ms":86400000,"rotate_refresh_tokens":true,"blacklist_after_rotation":true}"#;

fn this_window() -> web_sys::Window {
    web_sys::window().expect("window")
}

fn config(mode: TokenMode) -> AuthConfig {
    AuthConfig::new(ApiBase::new(API).expect("base"))
        .namespace(NAMESPACE)
        .storage(StorageKind::Local)
        .timeout(std::time::Duration::from_secs(5))
        .refresh_ahead(false)
        .token_mode(mode)
        .wire(Wire::dj_rest_auth("auth/"))
}

/// A tab of the cookie session in `window`.
fn tab_in(window: web_sys::Window, mode: TokenMode) -> Harness {
    harness_with(testing::in_window(config(mode), window))
}

/// The server, the cookies and the page as they were: default lifetimes (rotation and
/// blacklisting on), no session cookies (a logout deletes them), nothing stored, an empty log.
async fn fresh(settings: &str) {
    reset().await;
    hook_at(API, Method::PUT, "config", Some(DEFAULTS)).await;
    hook_at(API, Method::PUT, "config", Some(settings)).await;
    // The cookies are the server's to delete: a logout does, whatever it answers (with the
    // CSRF header the server asks of a request its access cookie authenticates).
    let mut logout = gloo_net::http::Request::post(&format!("{API}auth/logout/"))
        .credentials(web_sys::RequestCredentials::Include);
    if let Some(token) = csrf_cookie() {
        logout = logout.header("X-CSRFToken", &token);
    }
    let _ = logout.send().await;
    testing::forget_stored_session(&this_window(), NAMESPACE).await;
    hook_at(API, Method::DELETE, "log", None).await;
}

fn csrf_cookie() -> Option<String> {
    let document: web_sys::HtmlDocument = this_window().document()?.unchecked_into();
    document.cookie().ok()?.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == "csrftoken").then(|| value.to_owned())
    })
}

async fn log_in(h: &Harness) {
    h.client
        .log_in(&Credentials::new(DEMO_USER, DEMO_PASSWORD))
        .await
        .expect("login");
}

/// Every JWT in `text` whose payload says it is a refresh token.
fn refresh_tokens_in(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .filter(|word| word.matches('.').count() == 2)
        .filter(|jwt| {
            let payload = jwt.split('.').nth(1).unwrap_or_default();
            let padded = format!("{payload}{}", "=".repeat((4 - payload.len() % 4) % 4));
            let standard = padded.replace('-', "+").replace('_', "/");
            this_window()
                .atob(&standard)
                .is_ok_and(|json| json.contains("\"refresh\""))
        })
        .map(str::to_owned)
        .collect()
}

/// What a script injected into the page can read: `document.cookie`, every key of
/// `localStorage` and `sessionStorage`, and every value of the layer's IndexedDB store.
async fn everything_a_page_script_reads() -> String {
    let window = this_window();
    let mut found = String::new();
    let document: web_sys::HtmlDocument = window.document().expect("document").unchecked_into();
    found.push_str(&document.cookie().unwrap_or_default());
    for storage in [window.local_storage(), window.session_storage()] {
        let Some(storage) = storage.ok().flatten() else {
            continue;
        };
        for index in 0..storage.length().unwrap_or(0) {
            if let Some(key) = storage.key(index).ok().flatten() {
                found.push_str(&storage.get_item(&key).ok().flatten().unwrap_or_default());
            }
        }
    }
    let every_value = js_sys::Function::new_with_args(
        "win, name",
        r#"return new Promise((resolve) => {
            const open = win.indexedDB.open(name);
            open.onerror = () => resolve("");
            open.onsuccess = () => {
                const db = open.result;
                if (!db.objectStoreNames.contains("kv")) { db.close(); resolve(""); return; }
                const all = db.transaction("kv", "readonly").objectStore("kv").getAll();
                all.onsuccess = () => { db.close(); resolve(JSON.stringify(all.result)); };
                all.onerror = () => { db.close(); resolve(""); };
            };
        })"#,
    );
    if let Ok(promise) = every_value.call2(&wasm_bindgen::JsValue::NULL, &window, &NAMESPACE.into())
    {
        if let Ok(value) =
            wasm_bindgen_futures::JsFuture::from(promise.unchecked_into::<js_sys::Promise>()).await
        {
            found.push_str(&value.as_string().unwrap_or_default());
        }
    }
    found
}

#[wasm_bindgen_test]
async fn logging_in_keeps_no_token_in_the_page_and_requests_go_by_cookie() {
    fresh(DEFAULTS).await;
    let h = tab_in(this_window(), TokenMode::Cookies);
    log_in(&h).await;
    assert!(h.store.is_authenticated_untracked());
    assert_eq!(
        h.store
            .user::<UserFields>()
            .and_then(|u| u.get("username").map(str::to_owned)),
        Some(DEMO_USER.to_owned()),
        "dj-rest-auth's login answer carries the user"
    );
    assert_eq!(
        h.store
            .tokens_untracked()
            .and_then(|t| t.access().map(drop)),
        None
    );
    let me = h
        .client
        .send(&ApiRequest::get("auth/user/"))
        .await
        .expect("answer");
    assert_eq!(me.status(), 200, "{}", me.text());
    let log = server_log_at(API).await;
    assert_eq!(count(&log, USER), 1, "no users/me/ after login: {log:?}");
    assert!(
        log.iter().all(|r| !r.bearer),
        "no Authorization anywhere: {log:?}"
    );
    let stored = everything_a_page_script_reads().await;
    assert!(
        stored.contains("access_expires_at"),
        "the marker is stored: {stored}"
    );
}

/// The attacker: a script in the logged-in page (after a login, a refresh under rotation and a
/// logout-free session of requests) searches every place it can read, and the layer's events,
/// for a refresh token.
#[wasm_bindgen_test]
async fn a_script_in_the_page_finds_no_refresh_token_anywhere() {
    // The search finds one where there is one (the storage mode's way of keeping it).
    let payload = this_window()
        .btoa(r#"{"token_type":"refresh","exp":1}"#)
        .expect("base64")
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");
    let kept = format!(r#"{{"refresh":"eyJhbGciOiJIUzI1NiJ9.{payload}.c2ln"}}"#);
    assert_eq!(refresh_tokens_in(&kept).len(), 1, "{kept}");
    for mode in [TokenMode::Cookies, TokenMode::RefreshCookie] {
        fresh(r#"{"access_ttl_ms":2000}"#).await;
        let h = tab_in(this_window(), mode);
        let events = record_events(&h);
        log_in(&h).await;
        sleep(2_100).await;
        let answers = join_all((0..3).map(|_| h.client.me::<UserFields>())).await;
        assert!(answers.iter().all(Result::is_ok), "{mode:?}: {answers:?}");
        let mut readable = everything_a_page_script_reads().await;
        readable.push_str(&format!("{:?}", events.borrow()));
        readable.push_str(&format!("{:?}", h.store.tokens_untracked()));
        assert!(
            !readable.contains("jwt-refresh=") && !readable.contains("jwt-access="),
            "{mode:?}: an httpOnly cookie showed: {readable}"
        );
        assert_eq!(
            refresh_tokens_in(&readable),
            Vec::<String>::new(),
            "{mode:?}"
        );
        let log = server_log_at(API).await;
        assert_eq!(statuses(&log, REFRESH), [200], "{mode:?}: {log:?}");
    }
}

#[wasm_bindgen_test]
async fn a_reload_keeps_the_session_through_the_cookie() {
    for mode in [TokenMode::Cookies, TokenMode::RefreshCookie] {
        fresh(DEFAULTS).await;
        let first = tab_in(this_window(), mode);
        log_in(&first).await;
        drop(first);
        let reloaded = tab_in(this_window(), mode);
        assert!(reloaded.store.is_authenticated_untracked(), "{mode:?}");
        assert_eq!(
            reloaded
                .client
                .me::<UserFields>()
                .await
                .map(|u| u.get("username").map(str::to_owned)),
            Ok(Some(DEMO_USER.to_owned())),
            "{mode:?}"
        );
        let refreshes = count(&server_log_at(API).await, REFRESH);
        // A tab that keeps its access token in memory gets one through the cookie first.
        let expected = usize::from(mode == TokenMode::RefreshCookie);
        assert_eq!(refreshes, expected, "{mode:?}");
    }
}

#[wasm_bindgen_test]
async fn a_burst_after_expiry_makes_one_refresh_in_every_tab_together() {
    fresh(r#"{"access_ttl_ms":2000}"#).await;
    let tabs: Vec<Harness> = [this_window(), new_frame_window(), new_frame_window()]
        .into_iter()
        .map(|window| tab_in(window, TokenMode::Cookies))
        .collect();
    log_in(&tabs[0]).await;
    assert!(
        eventually(1_000, || tabs
            .iter()
            .all(|t| t.store.is_authenticated_untracked()))
        .await
    );
    for round in 0..2 {
        sleep(2_100).await;
        hook_at(API, Method::DELETE, "log", None).await;
        let burst = tabs
            .iter()
            .flat_map(|tab| (0..5).map(|_| tab.client.me::<UserFields>()));
        let answers = join_all(burst).await;
        assert!(
            answers.iter().all(Result::is_ok),
            "round {round}: {answers:?}"
        );
        let log = server_log_at(API).await;
        assert_eq!(statuses(&log, REFRESH), [200], "round {round}: {log:?}");
        assert!(log.iter().all(|r| r.status < 400), "round {round}: {log:?}");
    }
}

#[wasm_bindgen_test]
async fn a_refused_refresh_ends_the_session_and_leaves_nothing_behind() {
    fresh(r#"{"refresh_ttl_ms":3000,"access_ttl_ms":1000}"#).await;
    let h = tab_in(this_window(), TokenMode::Cookies);
    log_in(&h).await;
    sleep(3_200).await;
    assert_eq!(h.client.refresh().await, Err(ApiError::SessionExpired));
    assert!(!h.store.is_authenticated_untracked());
    let readable = everything_a_page_script_reads().await;
    assert!(!readable.contains(DEMO_USER), "no user left: {readable}");
}

#[wasm_bindgen_test]
async fn logging_out_revokes_the_refresh_cookie_on_the_server() {
    fresh(DEFAULTS).await;
    let h = tab_in(this_window(), TokenMode::Cookies);
    log_in(&h).await;
    h.client.log_out().await;
    assert!(!h.store.is_authenticated_untracked());
    let log = server_log_at(API).await;
    assert_eq!(statuses(&log, "/auth/logout/"), [200], "{log:?}");
    // The cookie is gone, and so the session on the server: a refresh is refused.
    let again = gloo_net::http::Request::post(&format!("{API}auth/token/refresh/"))
        .credentials(web_sys::RequestCredentials::Include)
        .send()
        .await
        .expect("answer");
    assert_eq!(again.status(), 401);
}

/// The server checks CSRF on cookie-authenticated unsafe requests: the header goes along from
/// Django's `csrftoken` cookie; without it (`no_csrf`) the same request is refused.
#[wasm_bindgen_test]
async fn unsafe_requests_carry_the_csrf_token_from_its_cookie() {
    fresh(DEFAULTS).await;
    let h = tab_in(this_window(), TokenMode::Cookies);
    log_in(&h).await;
    let patch = ApiRequest::patch("auth/user/").json_fields([("first_name", "Ada")]);
    let answer = h.client.send(&patch).await.expect("answer");
    assert_eq!(answer.status(), 200, "{}", answer.text());
    drop(h);
    let careless = harness_with(testing::in_window(
        config(TokenMode::Cookies).no_csrf(),
        this_window(),
    ));
    let refused = careless.client.send(&patch).await.expect("answer");
    assert_eq!(refused.status(), 403, "{}", refused.text());
    assert!(refused.text().contains("CSRF"), "{}", refused.text());
}
