//! Requests as the Fetch API allows them, through the interceptor: every kind of body sent again
//! intact after a refresh, the caller's headers over the client's, HEAD, the answer's headers and
//! bytes, a timeout and an abort of the caller's own.
#![cfg(target_arch = "wasm32")]

mod support;

use std::time::Duration;

use leptos_jwt_session::{ApiError, ApiRequest};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const USERS_ME: &str = "v1/auth/users/me/";

/// Sends `request` with an access token the server refuses, so that it goes out twice: once
/// refused, once after the refresh.
async fn sent_twice(request: ApiRequest) -> leptos_jwt_session::ApiResponse {
    let h = logged_in().await;
    spoil_access_token(&h.store).await;
    clear_log().await;
    let response = h.client.send(&request).await.expect("an answer");
    let log = server_log().await;
    assert_eq!(statuses(&log, ME).first(), Some(&401), "{log:?}");
    assert_eq!(count(&log, REFRESH), 1, "{log:?}");
    assert_eq!(count(&log, ME), 2, "refused, then replayed: {log:?}");
    response
}

#[wasm_bindgen_test]
async fn a_form_body_is_sent_again_intact_after_a_refresh() {
    reset().await;
    let email = format!("{}@example.com", unique_name("form"));
    let response = sent_twice(ApiRequest::patch(USERS_ME).form([("email", email.as_str())])).await;
    assert_eq!(response.status(), 200, "{}", response.text());
    let user: serde_json::Value = serde_json::from_slice(response.bytes()).expect("JSON");
    assert_eq!(user["email"], email.as_str());
}

#[wasm_bindgen_test]
async fn a_bytes_body_keeps_its_content_type_and_bytes_on_the_replay() {
    reset().await;
    let email = format!("{}@example.com", unique_name("bytes"));
    let body = format!(r#"{{"email":"{email}"}}"#).into_bytes();
    let response = sent_twice(ApiRequest::patch(USERS_ME).bytes(body, "application/json")).await;
    assert_eq!(response.status(), 200, "{}", response.text());
    assert!(response.text().contains(&email), "{}", response.text());
}

/// The reference backend, like a Django without `MultiPartParser`, refuses multipart bodies with
/// a 415 naming the content type it received: the replay carried the browser's own multipart
/// type and boundary, so the `FormData` itself was sent again.
#[wasm_bindgen_test]
async fn a_form_data_body_is_sent_again_as_multipart() {
    reset().await;
    let form = web_sys::FormData::new().expect("FormData");
    form.append_with_str("email", "upload@example.com")
        .expect("append");
    let response = sent_twice(ApiRequest::patch(USERS_ME).form_data(form)).await;
    assert_eq!(response.status(), 415);
    assert!(
        response.text().contains("multipart/form-data; boundary="),
        "{}",
        response.text()
    );
}

#[wasm_bindgen_test]
async fn the_callers_content_type_wins() {
    reset().await;
    let h = logged_in().await;
    let request = ApiRequest::patch(USERS_ME)
        .json_fields([("email", "x@example.com")])
        .header("Content-Type", "text/plain");
    let response = h.client.send(&request).await.expect("an answer");
    assert_eq!(response.status(), 415);
    assert!(
        response.text().contains(r#"\"text/plain\""#),
        "the server received the caller's type: {}",
        response.text()
    );
}

#[wasm_bindgen_test]
async fn head_answers_with_headers_and_no_body() {
    reset().await;
    let h = logged_in().await;
    let response = h
        .client
        .send(&ApiRequest::head(USERS_ME))
        .await
        .expect("an answer");
    assert_eq!(response.status(), 200);
    assert!(response.bytes().is_empty());
    assert_eq!(response.header("Content-Type"), Some("application/json"));
    assert!(response.headers().any(|(name, _)| name == "content-type"));
}

#[wasm_bindgen_test]
async fn a_request_of_its_own_timeout_ends_in_a_timeout() {
    reset().await;
    let h = logged_in().await;
    set_fault(r#"{"path":"v1/auth/users/me/","delay_ms":1500}"#).await;
    let request = ApiRequest::get(USERS_ME).timeout(Duration::from_millis(200));
    assert_eq!(h.client.send(&request).await, Err(ApiError::Timeout));
    assert!(
        h.store.is_authenticated_untracked(),
        "a timeout is no logout"
    );
}

#[wasm_bindgen_test]
async fn the_callers_abort_stops_the_request() {
    reset().await;
    let h = logged_in().await;
    let controller = web_sys::AbortController::new().expect("controller");
    controller.abort();
    let aborted_before = ApiRequest::get(USERS_ME).abort_signal(&controller.signal());
    assert_eq!(h.client.send(&aborted_before).await, Err(ApiError::Aborted));

    set_fault(r#"{"path":"v1/auth/users/me/","delay_ms":1500}"#).await;
    let controller = web_sys::AbortController::new().expect("controller");
    let request = ApiRequest::get(USERS_ME).abort_signal(&controller.signal());
    let sending = h.client.send(&request);
    let abort_soon = async {
        sleep(150).await;
        controller.abort();
    };
    let (answer, ()) = futures::join!(sending, abort_soon);
    assert_eq!(answer, Err(ApiError::Aborted));
    assert!(
        h.store.is_authenticated_untracked(),
        "an abort is no logout"
    );
}

#[wasm_bindgen_test]
async fn a_path_the_browser_cannot_fetch_is_refused_before_sending() {
    reset().await;
    let h = logged_in().await;
    clear_log().await;
    let answer = h.client.send(&ApiRequest::get("http://[::1")).await;
    assert!(
        matches!(answer, Err(ApiError::InvalidUrl { .. })),
        "{answer:?}"
    );
    assert_eq!(answer.map(drop).expect_err("refused").code(), "invalid_url");
    assert!(server_log().await.is_empty());
}
