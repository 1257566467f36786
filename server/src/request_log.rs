//! One log line per request, plus the test hooks' in-memory record of `/api/` requests.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::has_token;
use crate::state::AppState;
use crate::test_hooks::{HeldAnswer, LogEntry};

/// The test hooks' record of a request whose answer was held back (a fault's
/// `answer_delay_ms`) and whose client went away during the hold: hyper then drops the
/// request's future, and with it the log's own record, yet the server did act. Recorded on
/// drop, with the held status and the instant the client left as `done_ms`.
struct RecordIfAbandoned {
    state: AppState,
    held: HeldAnswer,
    entry: Option<LogEntry>,
}

impl Drop for RecordIfAbandoned {
    fn drop(&mut self) {
        let (Some(mut entry), Some(status), Some(hooks)) =
            (self.entry.take(), self.held.status(), self.state.hooks())
        else {
            return;
        };
        entry.status = status;
        entry.done_ms = self.state.clock().unix_millis();
        hooks.record(entry);
    }
}

/// The request-log middleware (outermost, so it sees preflights and injected faults).
pub async fn log_requests(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let at_ms = state.clock().unix_millis();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let bearer = request
        .headers()
        .get(AUTHORIZATION)
        .is_some_and(|value| has_token(value.as_bytes(), state.auth_header_types()));
    // Only `/api/` requests are recorded, and only while the hooks are on.
    let mut record = (state.hooks().is_some() && path.starts_with("/api/")).then(|| {
        let held = HeldAnswer::default();
        request.extensions_mut().insert(held.clone());
        RecordIfAbandoned {
            state: state.clone(),
            held,
            entry: Some(LogEntry {
                method: method.to_string(),
                path: path.clone(),
                status: 0,
                bearer,
                at_ms,
                done_ms: at_ms,
            }),
        }
    });

    let response = next.run(request).await;
    // Answered: recorded below, not on drop.
    let answered = record.as_mut().and_then(|record| record.entry.take());

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
    if let (Some(hooks), Some(mut entry)) = (state.hooks(), answered) {
        entry.status = status;
        entry.done_ms = state.clock().unix_millis();
        hooks.record(entry);
    }
    response
}
