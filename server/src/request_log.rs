//! One log line per request, plus the test hooks' in-memory record of `/api/` requests.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::has_token;
use crate::state::AppState;
use crate::test_hooks::LogEntry;

/// The request-log middleware (outermost, so it sees preflights and injected faults).
pub async fn log_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let at_ms = state.clock().unix_millis();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let bearer = request
        .headers()
        .get(AUTHORIZATION)
        .is_some_and(|value| has_token(value.as_bytes(), state.auth_header_types()));

    let response = next.run(request).await;

    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        target: "interceptor_server::request",
        method = %method,
        path = %path,
        status,
        latency_ms = (latency_ms * 10.0).round() / 10.0,
        bearer,
        "request"
    );
    if let Some(hooks) = state.hooks() {
        if path.starts_with("/api/") {
            hooks.record(LogEntry {
                method: method.to_string(),
                path,
                status,
                bearer,
                at_ms,
                done_ms: state.clock().unix_millis(),
            });
        }
    }
    response
}
