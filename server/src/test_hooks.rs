//! Routes for browser tests, mounted only with `--test-hooks`:
//!
//! - `GET /__test__/log` lists every `/api/` request since the last
//!   `DELETE /__test__/log` (preflights included).
//! - `GET`/`PUT /__test__/config` reads or changes the live token settings.
//! - `PUT /__test__/fault` makes the next requests to one `/api/`-relative path fail or
//!   stall, optionally with a given JSON body, or holds their answers back once handled;
//!   `GET` lists the faults (a fault used up is gone), `DELETE` clears them all.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::config::TokenSettingsJson;
use crate::errors;
use crate::state::AppState;

/// The most log entries kept; older ones are dropped first.
pub const LOG_CAPACITY: usize = 10_000;

/// The longest delay a fault may inject: enough to outlast any client timeout, short
/// enough that a forgotten fault cannot hold connections for good.
pub const MAX_FAULT_DELAY_MS: u64 = 60_000;

/// The warning printed at start-up while the hooks are on, one line per log event.
pub fn banner(addr: &str) -> Vec<String> {
    let bar = "!".repeat(72);
    let line = |text: &str| format!("!! {text:<66} !!");
    vec![
        bar.clone(),
        line("TEST HOOKS ARE ON (--test-hooks): for automated tests only."),
        line(&format!("Anyone reaching http://{addr}/__test__/")),
        line("can change token lifetimes, stall or fail any API request"),
        line("and read the request log. Never run this where others connect."),
        bar,
    ]
}

/// One recorded `/api/` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub bearer: bool,
    /// When the request arrived (Unix milliseconds, the server's clock).
    pub at_ms: u64,
    /// When its answer was ready: a test can tell which requests were in flight at an instant.
    pub done_ms: u64,
}

/// A `Retry-After` value: seconds or an HTTP date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RetryAfter {
    Seconds(u64),
    Text(String),
}

/// An injected fault.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// The path relative to `/api/`, e.g. `v1/auth/jwt/refresh/`.
    pub path: String,
    /// The status to answer with; `None` to handle the request normally after the delay.
    #[serde(default)]
    pub status: Option<u16>,
    /// How long to wait first.
    #[serde(default)]
    pub delay_ms: u64,
    /// How long to hold the answer back once the request is handled: the server has acted (a
    /// refresh has rotated and blacklisted) and the client learns it only then, or never if it
    /// goes away first (a page reloaded mid-refresh). Left out of the listing when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub answer_delay_ms: u64,
    /// A `Retry-After` header for the injected response.
    #[serde(default)]
    pub retry_after: Option<RetryAfter>,
    /// How many requests it applies to; `None` for all of them.
    #[serde(default)]
    pub times: Option<u64>,
    /// The injected response's JSON body, any JSON value, sent exactly as given (key
    /// order and spacing kept); `None` (absent or `null`) for
    /// `{"detail":"Injected fault"}`. Left out of the listing when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Box<RawValue>>,
}

fn is_zero(ms: &u64) -> bool {
    *ms == 0
}

/// The status of an answer that is ready but held back (a fault's `answer_delay_ms`), shared
/// by the fault injection with the request log: if the client goes away during the hold, the
/// log still records the request, with what the server did and when the client left.
#[derive(Debug, Clone, Default)]
pub struct HeldAnswer(Arc<AtomicU16>);

impl HeldAnswer {
    /// The held answer's status, if an answer was held.
    pub fn status(&self) -> Option<u16> {
        match self.0.load(Ordering::Acquire) {
            0 => None,
            status => Some(status),
        }
    }

    fn hold(&self, status: StatusCode) {
        self.0.store(status.as_u16(), Ordering::Release);
    }
}

/// The hooks' state.
#[derive(Debug, Default)]
pub struct TestHooks {
    log: Mutex<VecDeque<LogEntry>>,
    faults: Mutex<Vec<Fault>>,
}

/// The lists hold plain data, so a panic elsewhere cannot leave them inconsistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl TestHooks {
    /// Records a request.
    pub fn record(&self, entry: LogEntry) {
        let mut log = lock(&self.log);
        if log.len() >= LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(entry);
    }

    /// The recorded requests, oldest first.
    pub fn log(&self) -> Vec<LogEntry> {
        lock(&self.log).iter().cloned().collect()
    }

    /// Takes one use of the fault for `path`, if any.
    fn take_fault(&self, path: &str) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let index = faults.iter().position(|fault| fault.path == path)?;
        let fault = faults[index].clone();
        match &mut faults[index].times {
            Some(0) | Some(1) => {
                faults.remove(index);
            }
            Some(times) => *times -= 1,
            None => {}
        }
        match fault.times {
            Some(0) => None,
            _ => Some(fault),
        }
    }
}

/// The `/__test__/` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__test__/log", get(get_log).delete(clear_log))
        .route("/__test__/config", get(get_config).put(put_config))
        .route(
            "/__test__/fault",
            get(get_faults).put(put_fault).delete(clear_faults),
        )
}

#[derive(Serialize)]
struct LogBody {
    requests: Vec<LogEntry>,
}

#[derive(Serialize)]
struct FaultsBody {
    faults: Vec<Fault>,
}

#[derive(Serialize)]
struct Detail {
    detail: String,
}

/// What a hook request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// The hooks are off (their routes are not mounted then, so this is defensive).
    #[error("Not found.")]
    Disabled,
    /// A body the hook cannot use.
    #[error("{0}")]
    BadRequest(String),
}

impl IntoResponse for HookError {
    fn into_response(self) -> Response {
        match self {
            Self::Disabled => errors::ApiError::NotFound.into_response(),
            Self::BadRequest(detail) => {
                (StatusCode::BAD_REQUEST, Json(Detail { detail })).into_response()
            }
        }
    }
}

fn hooks(state: &AppState) -> Result<&TestHooks, HookError> {
    state.hooks().ok_or(HookError::Disabled)
}

async fn get_log(State(state): State<AppState>) -> Result<Json<LogBody>, HookError> {
    Ok(Json(LogBody {
        requests: hooks(&state)?.log(),
    }))
}

async fn clear_log(State(state): State<AppState>) -> Result<StatusCode, HookError> {
    lock(&hooks(&state)?.log).clear();
    Ok(StatusCode::NO_CONTENT)
}

async fn get_config(State(state): State<AppState>) -> Json<TokenSettingsJson> {
    Json(state.token_settings().into())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigPatch {
    access_ttl_ms: Option<u64>,
    refresh_ttl_ms: Option<u64>,
    rotate_refresh_tokens: Option<bool>,
    blacklist_after_rotation: Option<bool>,
}

async fn put_config(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<TokenSettingsJson>, HookError> {
    let patch: ConfigPatch = if body.iter().all(u8::is_ascii_whitespace) {
        ConfigPatch::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| HookError::BadRequest(format!("Invalid config: {e}")))?
    };
    let mut settings = state.token_settings();
    if let Some(ms) = patch.access_ttl_ms {
        settings.access_ttl = Duration::from_millis(ms);
    }
    if let Some(ms) = patch.refresh_ttl_ms {
        settings.refresh_ttl = Duration::from_millis(ms);
    }
    if let Some(rotate) = patch.rotate_refresh_tokens {
        settings.rotate_refresh_tokens = rotate;
    }
    if let Some(blacklist) = patch.blacklist_after_rotation {
        settings.blacklist_after_rotation = blacklist;
    }
    state.set_token_settings(settings);
    Ok(Json(settings.into()))
}

async fn get_faults(State(state): State<AppState>) -> Result<Json<FaultsBody>, HookError> {
    Ok(Json(FaultsBody {
        faults: lock(&hooks(&state)?.faults).clone(),
    }))
}

/// `/api/v1/x/`, `api/v1/x/` and `v1/x/` all name the same path.
fn normalize_fault_path(path: &str) -> String {
    let path = path.trim().trim_start_matches('/');
    path.strip_prefix("api/").unwrap_or(path).to_owned()
}

async fn put_fault(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<FaultsBody>, HookError> {
    let hooks = hooks(&state)?;
    let invalid = |why: String| HookError::BadRequest(format!("Invalid fault: {why}"));
    let mut fault: Fault = serde_json::from_slice(&body).map_err(|e| invalid(e.to_string()))?;
    fault.path = normalize_fault_path(&fault.path);
    for (name, ms) in [
        ("delay_ms", fault.delay_ms),
        ("answer_delay_ms", fault.answer_delay_ms),
    ] {
        if ms > MAX_FAULT_DELAY_MS {
            return Err(invalid(format!(
                "{name} {ms} is over the maximum of {MAX_FAULT_DELAY_MS}"
            )));
        }
    }
    if let Some(status) = fault.status {
        if !(100..=599).contains(&status) {
            return Err(invalid(format!("status {status} is not an HTTP status")));
        }
    }
    if let Some(RetryAfter::Text(text)) = &fault.retry_after {
        if HeaderValue::from_str(text).is_err() {
            return Err(invalid("retry_after is not a header value".to_owned()));
        }
    }
    let mut faults = lock(&hooks.faults);
    faults.retain(|existing| existing.path != fault.path);
    faults.push(fault);
    Ok(Json(FaultsBody {
        faults: faults.clone(),
    }))
}

async fn clear_faults(State(state): State<AppState>) -> Result<StatusCode, HookError> {
    lock(&hooks(&state)?.faults).clear();
    Ok(StatusCode::NO_CONTENT)
}

/// Applies injected faults to `/api/` requests (inside the CORS layer, so injected
/// responses carry CORS headers and preflights are never faulted).
pub async fn inject_faults(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let fault = state.hooks().and_then(|hooks| {
        let relative = request.uri().path().strip_prefix("/api/")?;
        hooks.take_fault(relative)
    });
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    if fault.delay_ms > 0 {
        let delay = fault.delay_ms.min(MAX_FAULT_DELAY_MS);
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let held = request.extensions().get::<HeldAnswer>().cloned();
    let response = match fault.status.and_then(|s| StatusCode::from_u16(s).ok()) {
        Some(status) => injected_response(status, &fault),
        None => next.run(request).await,
    };
    if fault.answer_delay_ms > 0 {
        if let Some(held) = held {
            held.hold(response.status());
        }
        let delay = fault.answer_delay_ms.min(MAX_FAULT_DELAY_MS);
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    response
}

/// The answer of a fault with a status, instead of the route's.
fn injected_response(status: StatusCode, fault: &Fault) -> Response {
    let mut response = match &fault.body {
        Some(body) => (status, Json(body)).into_response(),
        None => (
            status,
            Json(Detail {
                detail: "Injected fault".to_owned(),
            }),
        )
            .into_response(),
    };
    if let Some(retry_after) = &fault.retry_after {
        let value = match retry_after {
            RetryAfter::Seconds(seconds) => HeaderValue::from(*seconds),
            RetryAfter::Text(text) => match HeaderValue::from_str(text) {
                Ok(value) => value,
                Err(_) => HeaderValue::from_static("0"),
            },
        };
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(errors::WWW_AUTHENTICATE),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(times: Option<u64>) -> Fault {
        Fault {
            path: "v1/x/".into(),
            status: Some(503),
            delay_ms: 0,
            answer_delay_ms: 0,
            retry_after: None,
            times,
            body: None,
        }
    }

    #[test]
    fn faults_count_down_and_disappear() {
        let hooks = TestHooks::default();
        lock(&hooks.faults).push(fault(Some(2)));
        assert!(hooks.take_fault("v1/x/").is_some());
        assert!(hooks.take_fault("v1/y/").is_none());
        assert!(hooks.take_fault("v1/x/").is_some());
        assert!(hooks.take_fault("v1/x/").is_none());
        lock(&hooks.faults).push(fault(None));
        for _ in 0..5 {
            assert!(hooks.take_fault("v1/x/").is_some());
        }
        lock(&hooks.faults).clear();
        lock(&hooks.faults).push(fault(Some(0)));
        assert!(hooks.take_fault("v1/x/").is_none());
    }

    #[test]
    fn the_banner_is_loud_and_names_the_address() {
        let lines = banner("127.0.0.1:8000");
        assert!(lines.len() >= 4);
        assert!(
            lines.iter().all(|line| line.chars().count() == 72),
            "{lines:#?}"
        );
        assert!(lines
            .iter()
            .any(|line| line.contains("127.0.0.1:8000/__test__/")));
    }

    #[test]
    fn fault_paths_are_api_relative() {
        assert_eq!(normalize_fault_path("/api/v1/a/"), "v1/a/");
        assert_eq!(normalize_fault_path("api/v1/a/"), "v1/a/");
        assert_eq!(normalize_fault_path("v1/a/"), "v1/a/");
    }
}
