//! Shared set-up for the browser tests: the auth layer against the reference server that
//! `scripts/test` starts with `--test-hooks`, and the hooks to read its request log, change its
//! config and inject faults.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

pub use gloo_net::http::Method;
use gloo_net::http::RequestBuilder;
use leptos::prelude::*;
use leptos_jwt_session::testing::{self, forget_stored_session};
#[allow(unused_imports)]
pub use leptos_jwt_session::DjoserUser;
use leptos_jwt_session::{
    provide_auth, use_auth_events, ApiBase, ApiClient, ApiRequest, AuthConfig, AuthEvent,
    AuthStore, Credentials, SessionKeeper, StorageKind,
};
use serde::Deserialize;
use wasm_bindgen::JsCast;

/// The reference server's API base; `scripts/test` sets it, the default matches its port.
pub const API: &str = match option_env!("INTERCEPTOR_TEST_API") {
    Some(api) => api,
    None => "http://127.0.0.1:18765/api/",
};

pub const DEMO_USER: &str = "demo";
pub const DEMO_PASSWORD: &str = "demo-password";
/// Every test's session lives under this namespace (and tests of namespaces add their own).
pub const NAMESPACE: &str = "tests";

pub fn origin() -> &'static str {
    API.trim_end_matches('/').trim_end_matches("api")
}

/// One line of the server's request log.
#[derive(Debug, Clone, Deserialize)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub bearer: bool,
}

#[derive(Deserialize)]
struct Log {
    requests: Vec<Logged>,
}

async fn hook(method: Method, path: &str, body: Option<&str>) -> String {
    hook_at(API, method, path, body).await
}

/// A test hook of the backend whose API base is `api` (every backend the tests start answers
/// the reference server's hooks).
pub async fn hook_at(api: &str, method: Method, path: &str, body: Option<&str>) -> String {
    let origin = api.trim_end_matches('/').trim_end_matches("api");
    let url = format!("{origin}__test__/{path}");
    let builder = RequestBuilder::new(&url).method(method);
    let request = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body.to_owned()),
        None => builder.build(),
    }
    .expect("hook request");
    let response = request
        .send()
        .await
        .expect("the test server answers its hooks");
    assert!(response.ok(), "hook {url} answered {}", response.status());
    response.text().await.unwrap_or_default()
}

/// The API requests the server saw since the last [`reset`], preflights left out.
pub async fn server_log() -> Vec<Logged> {
    server_log_at(API).await
}

/// The API requests the backend at `api` saw since its log was last cleared, preflights left
/// out.
pub async fn server_log_at(api: &str) -> Vec<Logged> {
    let text = hook_at(api, Method::GET, "log", None).await;
    let log: Log = serde_json::from_str(&text).expect("log JSON");
    log.requests
        .into_iter()
        .filter(|r| r.method != "OPTIONS")
        .collect()
}

/// How many logged requests went to a path ending in `suffix`.
pub fn count(log: &[Logged], suffix: &str) -> usize {
    log.iter().filter(|r| r.path.ends_with(suffix)).count()
}

/// The statuses of the logged requests to paths ending in `suffix`, in order.
pub fn statuses(log: &[Logged], suffix: &str) -> Vec<u16> {
    log.iter()
        .filter(|r| r.path.ends_with(suffix))
        .map(|r| r.status)
        .collect()
}

pub const REFRESH: &str = "/jwt/refresh/";
pub const ME: &str = "/users/me/";

/// Forgets the server's request log.
pub async fn clear_log() {
    hook(Method::DELETE, "log", None).await;
}

/// Removes every injected fault.
pub async fn hook_clear_faults() {
    hook(Method::DELETE, "fault", None).await;
}

pub async fn set_config(json: &str) {
    hook(Method::PUT, "config", Some(json)).await;
}

pub async fn set_fault(json: &str) {
    hook(Method::PUT, "fault", Some(json)).await;
}

fn window() -> web_sys::Window {
    web_sys::window().expect("window")
}

/// Puts the server and the browser back to a known state; every test starts with it: default
/// token settings, no faults, an empty log, no stored session and no frames left by the last
/// test.
pub async fn reset() {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    console_error_panic_hook::set_once();
    hook_clear_faults().await;
    set_config(
        r#"{"access_ttl_ms":60000,"refresh_ttl_ms":86400000,"rotate_refresh_tokens":false,"blacklist_after_rotation":false}"#,
    )
    .await;
    clear_log().await;
    remove_frames();
    forget_stored_session(&window(), NAMESPACE).await;
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.clear();
    }
}

/// The auth layer with its own reactive owner (kept alive, and disposed, with this value).
pub struct Harness {
    pub owner: Owner,
    pub store: AuthStore,
    pub client: ApiClient,
    pub keeper: SessionKeeper,
}

/// The settings every test starts from: the test server, memory storage, a 5 s timeout and no
/// refresh ahead of time (tests that want the keeper's timer say so), so that every refresh a
/// test counts is one it caused.
pub fn config() -> AuthConfig {
    config_at(API)
}

/// [`config`] for an API at `api`.
pub fn config_at(api: &str) -> AuthConfig {
    AuthConfig::new(ApiBase::new(api).expect("test API base"))
        .namespace(NAMESPACE)
        .storage(StorageKind::Memory)
        .timeout(Duration::from_secs(5))
        .refresh_ahead(false)
}

/// `provide_auth` under a fresh owner, as an app would call it.
pub fn harness_with(config: AuthConfig) -> Harness {
    let owner = Owner::new();
    owner.set();
    let auth = provide_auth(config);
    Harness {
        owner,
        store: auth.store,
        client: auth.client,
        keeper: auth.keeper,
    }
}

pub fn harness() -> Harness {
    harness_with(config())
}

/// A tab: the layer over `localStorage` in `window` (this page, or a frame standing in for
/// another tab).
pub fn tab(window: web_sys::Window) -> Harness {
    harness_with(testing::in_window(
        config().storage(StorageKind::Local),
        window,
    ))
}

/// A harness logged in as the demo user.
pub async fn logged_in() -> Harness {
    let harness = harness();
    log_in_demo(&harness).await;
    harness
}

/// Logs `harness` in as the demo user.
pub async fn log_in_demo(harness: &Harness) {
    harness
        .client
        .log_in(&Credentials::new(DEMO_USER, DEMO_PASSWORD))
        .await
        .expect("demo login");
}

/// Replaces the access token with one the server refuses (`token_not_valid`) while the client
/// still believes it: as if it had expired on the server.
pub async fn spoil_access_token(store: &AuthStore) {
    testing::replace_tokens(store, testing::with_access_refused_by_server).await;
}

/// The refresh token `store` holds.
pub fn refresh_token(store: &AuthStore) -> String {
    testing::refresh_token(&store.tokens_untracked().expect("logged in"))
}

/// The access token `store` holds.
pub fn access_token(store: &AuthStore) -> Option<String> {
    store
        .tokens_untracked()
        .and_then(|tokens| tokens.access().map(str::to_owned))
}

/// Every event of `harness`'s layer from now on.
pub fn record_events(harness: &Harness) -> std::rc::Rc<std::cell::RefCell<Vec<AuthEvent>>> {
    let events = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let log = events.clone();
    harness
        .owner
        .with(|| use_auth_events(move |event| log.borrow_mut().push(event.clone())));
    events
}

/// Puts the page at `path` (path and query) without loading anything: where a router mounted
/// next starts.
pub fn go_to(path: &str) {
    web_sys::window()
        .expect("window")
        .history()
        .expect("history")
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
        .expect("url");
}

/// A new, empty element at the end of the page's body, to mount an app or a component in.
pub fn new_container() -> web_sys::HtmlElement {
    let document = window().document().expect("document");
    let container: web_sys::HtmlElement = document
        .create_element("div")
        .expect("div")
        .unchecked_into();
    document
        .body()
        .expect("body")
        .append_child(&container)
        .expect("append");
    container
}

/// A new same-origin frame: another window on the same storage, `storage` events, IndexedDB and
/// Web Locks, which is what the app's tabs share. [`reset`] removes it.
pub fn new_frame_window() -> web_sys::Window {
    let document = window().document().expect("document");
    let frame: web_sys::HtmlIFrameElement = document
        .create_element("iframe")
        .expect("iframe")
        .unchecked_into();
    frame.set_attribute("data-test-tab", "").expect("attribute");
    document
        .body()
        .expect("body")
        .append_child(&frame)
        .expect("append");
    frame.content_window().expect("frame window")
}

fn remove_frames() {
    let Some(document) = window().document() else {
        return;
    };
    if let Ok(frames) = document.query_selector_all("iframe[data-test-tab]") {
        for index in 0..frames.length() {
            if let Some(frame) = frames.item(index) {
                if let Some(parent) = frame.parent_node() {
                    let _ = parent.remove_child(&frame);
                }
            }
        }
    }
}

/// Blacklists `refresh` on the server behind the client's back, as another device's logout
/// or an administrator would.
pub async fn blacklist_behind_the_clients_back(client: &ApiClient, refresh: &str) {
    let request = ApiRequest::post("v1/auth/jwt/blacklist/").json_fields([("refresh", refresh)]);
    assert_eq!(client.send(&request).await.map(|r| r.status()), Ok(200));
}

pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Waits until `condition` holds, up to `ms`; false if it never did.
pub async fn eventually(ms: u32, condition: impl Fn() -> bool) -> bool {
    for _ in 0..ms / 20 {
        if condition() {
            return true;
        }
        sleep(20).await;
    }
    condition()
}

/// Waits until the server's log satisfies `condition`, up to `ms`; false if it never did.
pub async fn eventually_logged(ms: u32, condition: impl Fn(&[Logged]) -> bool) -> bool {
    for _ in 0..ms / 50 {
        if condition(&server_log().await) {
            return true;
        }
        sleep(50).await;
    }
    condition(&server_log().await)
}

/// A username no other test has used.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}{}", (js_sys::Math::random() * 1e12) as u64)
}

/// The JSON stored under `store`'s key in `localStorage`, parsed.
pub fn stored_json(store: &AuthStore) -> Option<serde_json::Value> {
    let key = testing::storage_key(store)?;
    let text = window()
        .local_storage()
        .ok()
        .flatten()?
        .get_item(&key)
        .ok()
        .flatten()?;
    Some(serde_json::from_str(&text).expect("stored JSON"))
}

/// Hides `window`'s `navigator.locks`, as a browser without Web Locks (plain HTTP) has it.
pub fn hide_web_locks(window: &web_sys::Window) {
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
