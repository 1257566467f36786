//! Shared set-up for the browser tests: a store and client against the reference server that
//! `scripts/test` starts with `--test-hooks`, and the hooks to read its request log, change its
//! config and inject faults.
#![allow(dead_code)]

use gloo_net::http::{Method, RequestBuilder};
use interceptor_app::api::{
    keep_session_fresh, ApiBase, ApiClient, ClientConfig, Endpoints, SessionKeeper,
};
use interceptor_app::auth::{AuthStore, StorageArea, StorageKind, Tokens};
use leptos::prelude::*;
use serde::Deserialize;

/// The reference server's API base; `scripts/test` sets it, the default matches its port.
pub const API: &str = match option_env!("INTERCEPTOR_TEST_API") {
    Some(api) => api,
    None => "http://127.0.0.1:18765/api/",
};

pub const DEMO_USER: &str = "demo";
pub const DEMO_PASSWORD: &str = "demo-password";

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
    let url = format!("{}__test__/{path}", origin());
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
    assert!(response.ok(), "hook {path} answered {}", response.status());
    response.text().await.unwrap_or_default()
}

/// The API requests the server saw since the last [`reset`], preflights left out.
pub async fn server_log() -> Vec<Logged> {
    let text = hook(Method::GET, "log", None).await;
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

/// Puts the server and the browser back to a known state; every test starts with it.
pub async fn reset() {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    hook_clear_faults().await;
    set_config(
        r#"{"access_ttl_ms":60000,"refresh_ttl_ms":86400000,"rotate_refresh_tokens":false,"blacklist_after_rotation":false}"#,
    )
    .await;
    clear_log().await;
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.clear();
    }
}

/// A store and a client with their own reactive owner (kept alive by the returned value).
pub struct Harness {
    pub owner: Owner,
    pub store: AuthStore,
    pub client: ApiClient,
}

impl Harness {
    /// Starts proactive refresh for this harness's session.
    pub fn keep_fresh(&self) -> SessionKeeper {
        self.owner.with(|| keep_session_fresh(self.client))
    }
}

/// A store over `area` and a client for `api`, following other tabs like the app does.
pub fn harness_in(api: &str, area: StorageArea, timeout_ms: u32) -> Harness {
    let owner = Owner::new();
    owner.set();
    let store = AuthStore::restore_from(area);
    store.watch_other_tabs();
    let base = ApiBase::new(api).expect("test API base");
    let config = ClientConfig {
        base,
        endpoints: Endpoints::default(),
        timeout_ms,
        refresh_lead_ms: None,
    };
    let client = ApiClient::new(store, config);
    Harness {
        owner,
        store,
        client,
    }
}

pub fn harness_with(api: &str, storage: StorageKind) -> Harness {
    harness_in(api, StorageArea::new(storage), 5_000)
}

pub fn harness() -> Harness {
    harness_with(API, StorageKind::Memory)
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
        .log_in(DEMO_USER, DEMO_PASSWORD)
        .await
        .expect("demo login");
}

/// The same token with a broken signature: well-formed and unexpired to the client, refused by
/// the server with `token_not_valid`.
pub fn tamper(token: &str) -> String {
    let mut token = token.to_owned();
    let last = token.pop().expect("non-empty token");
    token.push(if last == 'A' { 'B' } else { 'A' });
    token
}

/// Replaces the access token with a tampered copy, as if it had expired on the server.
pub fn spoil_access_token(store: &AuthStore) {
    let tokens = store.tokens_untracked().expect("logged in");
    let spoiled = Tokens {
        access: tamper(&tokens.access),
        ..tokens
    };
    store.log_in(spoiled);
}

/// A new same-origin frame: another window on the same storage, `storage` events and Web
/// Locks, which is what the app's tabs share.
pub fn new_frame_window() -> web_sys::Window {
    use wasm_bindgen::JsCast;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("document");
    let frame: web_sys::HtmlIFrameElement = document
        .create_element("iframe")
        .expect("iframe")
        .unchecked_into();
    document
        .body()
        .expect("body")
        .append_child(&frame)
        .expect("append");
    frame.content_window().expect("frame window")
}

/// Blacklists `refresh` on the server behind the client's back, as another device's logout
/// or an administrator would.
pub async fn blacklist_behind_the_clients_back(client: &ApiClient, refresh: &str) {
    let request = interceptor_app::api::ApiRequest::post("v1/auth/jwt/blacklist/")
        .json(&serde_json::json!({ "refresh": refresh }))
        .expect("json");
    assert_eq!(client.send(&request).await.map(|r| r.status), Ok(200));
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

/// A username no other test has used.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}{}", (js_sys::Math::random() * 1e12) as u64)
}
