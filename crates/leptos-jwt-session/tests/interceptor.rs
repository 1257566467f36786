//! The store and the interceptor in a real browser against the reference server.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos_jwt_session::{ApiError, ApiRequest, Credentials, SessionEnd, StorageKind};
use serde_json::json;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Failed before logging in loaded the user: `auth.user()` stayed `None` until a page called
/// `me()`, which an app written from the README alone never did.
#[wasm_bindgen_test]
async fn logging_in_stores_the_tokens_and_the_user() {
    reset().await;
    let h = logged_in().await;
    assert!(h.store.is_authenticated_untracked());
    let user = h
        .store
        .user::<DjoserUser>()
        .expect("the user, known at once");
    assert_eq!(user.username, DEMO_USER);
    assert_eq!(user.email, "demo@example.com");
    let log = server_log().await;
    assert_eq!(count(&log, "/jwt/create/"), 1);
    assert_eq!(count(&log, ME), 1, "one users/me/, with the new token");
    assert!(
        log.iter()
            .all(|r| r.status < 400 && (r.path.ends_with(ME) == r.bearer)),
        "{log:?}"
    );
    // A page asking again changes nothing but the answer's freshness.
    assert_eq!(h.client.me::<DjoserUser>().await, Ok(user.clone()));
    assert_eq!(h.store.user::<DjoserUser>(), Some(user));
}

#[wasm_bindgen_test]
async fn an_app_that_never_shows_the_user_can_skip_loading_it() {
    reset().await;
    let h = harness_with(config().load_user(false));
    log_in_demo(&h).await;
    assert!(h.store.is_authenticated_untracked());
    assert_eq!(h.store.user::<DjoserUser>(), None);
    assert_eq!(count(&server_log().await, ME), 0);
}

#[wasm_bindgen_test]
async fn a_user_endpoint_that_fails_does_not_undo_the_login() {
    reset().await;
    set_fault(r#"{"path":"/api/v1/auth/users/me/","status":503,"times":1}"#).await;
    let h = logged_in().await;
    assert!(h.store.is_authenticated_untracked(), "the login stands");
    assert_eq!(h.store.user::<DjoserUser>(), None);
    assert_eq!(
        h.client.me::<DjoserUser>().await.map(|user| user.username),
        Ok(DEMO_USER.to_owned()),
        "the next call loads it"
    );
    assert!(h.store.user::<DjoserUser>().is_some());
}

#[wasm_bindgen_test]
async fn wrong_password_is_refused_with_the_servers_detail() {
    reset().await;
    let h = harness();
    let error = h
        .client
        .log_in(&Credentials::new(DEMO_USER, "wrong-password"))
        .await
        .expect_err("refused");
    assert_eq!(
        error.to_string(),
        "No active account found with the given credentials"
    );
    assert!(!h.store.is_authenticated_untracked());
    let log = server_log().await;
    assert_eq!(count(&log, REFRESH), 0, "a refused login never refreshes");
}

#[wasm_bindgen_test]
async fn missing_fields_come_back_per_field() {
    reset().await;
    let h = harness();
    let Err(ApiError::Fields(fields)) = h.client.log_in(&Credentials::new("", "")).await else {
        panic!("expected field errors");
    };
    assert!(
        fields.field("username").is_some() || fields.field("password").is_some(),
        "{fields:?}"
    );
}

#[wasm_bindgen_test]
async fn the_session_survives_a_reload_through_local_storage() {
    reset().await;
    let first = harness_with(config().storage(StorageKind::Local));
    log_in_demo(&first).await;
    first.client.me::<DjoserUser>().await.expect("users/me/");
    let tokens = first.store.tokens_untracked();

    let reloaded = harness_with(config().storage(StorageKind::Local));
    assert_eq!(reloaded.store.tokens_untracked(), tokens);
    assert_eq!(
        reloaded
            .store
            .user::<DjoserUser>()
            .map(|u| u.username)
            .as_deref(),
        Some(DEMO_USER)
    );
    assert_eq!(
        reloaded.client.me::<DjoserUser>().await.map(|u| u.id),
        Ok(1)
    );
}

#[wasm_bindgen_test]
async fn corrupt_storage_gives_the_logged_out_state_and_is_removed() {
    let storage = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("storage");
    let key = format!("{NAMESPACE}.session.v1");
    for junk in [
        "{not json",
        r#"{"tokens":{"access":"a","refresh":"b","access_received_at":0,"refresh_received_at":0}}"#,
        r#"{"generation":1,"session":{"id":"x","tokens":{"access":"a","refresh":"b","access_received_at":0,"refresh_received_at":0}}}"#,
        r#"{"something":"else"}"#,
        "null",
    ] {
        reset().await;
        storage.set_item(&key, junk).expect("write");
        let h = harness_with(config().storage(StorageKind::Local));
        assert!(!h.store.is_authenticated_untracked(), "{junk}");
        assert_eq!(
            storage.get_item(&key).ok().flatten(),
            None,
            "{junk} was not removed"
        );
    }
}

#[wasm_bindgen_test]
async fn the_bearer_token_goes_only_under_the_api_base() {
    reset().await;
    let h = logged_in().await;
    clear_log().await;
    // The same server under another origin name: outside the base, so no token.
    let elsewhere = API.replace("127.0.0.1", "localhost");
    assert_ne!(elsewhere, API);
    let response = h
        .client
        .send(&ApiRequest::get(format!("{elsewhere}v1/auth/users/me/")))
        .await
        .expect("answer");
    assert_eq!(response.status(), 401);
    h.client
        .me::<DjoserUser>()
        .await
        .expect("me under the base");

    let log: Vec<_> = server_log()
        .await
        .into_iter()
        .filter(|r| r.path.ends_with(ME))
        .collect();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(!log[0].bearer, "another origin must not see the token");
    assert!(log[1].bearer, "under the base it goes along");
}

#[wasm_bindgen_test]
async fn a_token_endpoint_never_gets_the_bearer_token() {
    reset().await;
    let h = logged_in().await;
    let token = access_token(&h.store).expect("token");
    let response = h
        .client
        .send(&ApiRequest::post("v1/auth/jwt/verify/").json_fields([("token", token)]))
        .await;
    assert_eq!(response.map(|r| r.status()), Ok(200));
    let log = server_log().await;
    assert!(
        log.iter()
            .filter(|r| r.path.contains("/jwt/"))
            .all(|r| !r.bearer),
        "{log:?}"
    );
}

#[wasm_bindgen_test]
async fn a_refused_token_is_refreshed_once_and_a_post_is_replayed_intact() {
    reset().await;
    let h = logged_in().await;
    spoil_access_token(&h.store).await;
    clear_log().await;
    let username = unique_name("replayed");
    // users/ authenticates a Bearer token before its view runs: a POST that gets a 401 first.
    let request = ApiRequest::post("v1/auth/users/")
        .json(
            &json!({"username": username, "password": "a-long-password", "email": "r@example.com"}),
        )
        .expect("json");
    let response = h.client.send(&request).await.expect("answer");
    assert_eq!(response.status(), 201, "{}", response.text());
    let created: serde_json::Value = serde_json::from_slice(response.bytes()).expect("json");
    assert_eq!(created["username"], username);
    assert_eq!(created["email"], "r@example.com");

    let log = server_log().await;
    let posts: Vec<_> = log
        .iter()
        .filter(|r| r.path.ends_with("/auth/users/"))
        .collect();
    assert_eq!(
        posts.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![401, 201]
    );
    assert_eq!(count(&log, REFRESH), 1);
}

#[wasm_bindgen_test]
async fn an_expired_access_token_is_refreshed_before_it_is_sent() {
    reset().await;
    set_config(r#"{"access_ttl_ms":2000}"#).await;
    let h = logged_in().await;
    sleep(2_100).await;
    clear_log().await;
    assert_eq!(
        h.client
            .me::<DjoserUser>()
            .await
            .map(|u| u.username)
            .as_deref(),
        Ok(DEMO_USER)
    );
    let log = server_log().await;
    assert_eq!(count(&log, REFRESH), 1, "{log:?}");
    assert!(
        log.iter().all(|r| r.status != 401),
        "no wasted 401: {log:?}"
    );
}

#[wasm_bindgen_test]
async fn a_refresh_nobody_waits_for_any_more_still_finishes() {
    reset().await;
    let h = logged_in().await;
    let before = access_token(&h.store);
    // Memory storage takes no lock, so nothing but the client itself can finish this refresh.
    let mut refresh = Box::pin(h.client.refresh());
    assert!(futures::poll!(refresh.as_mut()).is_pending());
    drop(refresh);
    assert!(
        eventually(3_000, || access_token(&h.store) != before).await,
        "the refresh stalled when its only caller went away"
    );
    // And the slot is free: the next refresh is a new one.
    h.client.refresh().await.expect("a second refresh");
    assert_eq!(count(&server_log().await, REFRESH), 2);
}

#[wasm_bindgen_test]
async fn a_refused_refresh_ends_the_session() {
    reset().await;
    let h = logged_in().await;
    let refresh = refresh_token(&h.store);
    // Blacklist it behind the client's back, then make the access token fail.
    blacklist_behind_the_clients_back(&h.client, &refresh).await;
    spoil_access_token(&h.store).await;

    assert_eq!(
        h.client.me::<DjoserUser>().await,
        Err(ApiError::SessionExpired)
    );
    assert!(!h.store.is_authenticated_untracked());
    assert_eq!(h.store.ended_untracked(), Some(SessionEnd::Expired));
}

#[wasm_bindgen_test]
async fn a_network_failure_keeps_the_session() {
    reset().await;
    // Logged in, then the server is gone: port 9 (discard) has no HTTP server, so the fetch
    // fails outright. The session lives in storage and a second layer restores it over there.
    let live = harness_with(config().storage(StorageKind::Local));
    log_in_demo(&live).await;
    let dead = harness_with(config_at("http://127.0.0.1:9/api/").storage(StorageKind::Local));
    assert!(dead.store.is_authenticated_untracked());
    assert_eq!(dead.client.me::<DjoserUser>().await, Err(ApiError::Network));
    assert!(dead.store.is_authenticated_untracked());

    // The refresh itself cannot get through either.
    spoil_access_token(&dead.store).await;
    assert_eq!(dead.client.me::<DjoserUser>().await, Err(ApiError::Network));
    assert!(
        dead.store.is_authenticated_untracked(),
        "a network failure is not a logout"
    );
}

#[wasm_bindgen_test]
async fn a_server_error_during_refresh_keeps_the_session() {
    reset().await;
    let h = logged_in().await;
    set_fault(r#"{"path":"v1/auth/jwt/refresh/","status":503}"#).await;
    spoil_access_token(&h.store).await;
    assert_eq!(
        h.client.me::<DjoserUser>().await,
        Err(ApiError::Server { status: 503 })
    );
    assert!(h.store.is_authenticated_untracked());
}

#[wasm_bindgen_test]
async fn a_401_that_persists_after_the_refresh_is_not_retried_again() {
    reset().await;
    let h = logged_in().await;
    spoil_access_token(&h.store).await;
    let invalid =
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid"}"#;
    set_fault(&format!(
        r#"{{"path":"v1/auth/users/me/","status":401,"body":{invalid}}}"#
    ))
    .await;
    clear_log().await;
    let error = h
        .client
        .me::<DjoserUser>()
        .await
        .expect_err("still refused");
    assert!(
        matches!(error, ApiError::Unauthorized { ref code, .. } if code.as_deref() == Some("token_not_valid")),
        "{error:?}"
    );
    let log = server_log().await;
    assert_eq!(count(&log, ME), 2, "one try and one retry: {log:?}");
    assert_eq!(count(&log, REFRESH), 1);
}

#[wasm_bindgen_test]
async fn a_401_without_token_not_valid_goes_back_as_is() {
    reset().await;
    let h = harness();
    let error = h
        .client
        .me::<DjoserUser>()
        .await
        .expect_err("no credentials");
    assert_eq!(
        error.to_string(),
        "Authentication credentials were not provided."
    );
    assert_eq!(count(&server_log().await, REFRESH), 0);
}

#[wasm_bindgen_test]
async fn logout_blacklists_the_refresh_token() {
    reset().await;
    let h = logged_in().await;
    let refresh = refresh_token(&h.store);
    h.client.log_out().await;
    assert!(!h.store.is_authenticated_untracked());
    assert_eq!(h.store.ended_untracked(), Some(SessionEnd::LoggedOut));

    let again = ApiRequest::post("v1/auth/jwt/refresh/").json_fields([("refresh", refresh)]);
    let response = h.client.send(&again).await.expect("answer");
    assert_eq!(response.status(), 401);
    assert!(
        response.text().contains("Token is blacklisted"),
        "{}",
        response.text()
    );
}
