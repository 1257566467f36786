//! The layer on plain SimpleJWT (`Wire::simplejwt`): SimpleJWT's own views at `token/`,
//! `token/refresh/` and `token/blacklist/`, no djoser, and the app's own `me/`, against both
//! backends `scripts/test` starts with `--url-layout simplejwt`: the reference server and real
//! Django. Login (with the user), a burst after expiry (one refresh, no 401 reaching the app),
//! rotation with blacklisting, logout.
#![cfg(target_arch = "wasm32")]

mod support;

use futures::future::join_all;
use leptos_jwt_session::{ApiBase, ApiError, AuthConfig, Credentials, DjoserUser, Wire};
use support::{
    count, harness_with, hook_at, reset, server_log_at, sleep, statuses, Harness, Method,
    DEMO_PASSWORD, DEMO_USER,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The reference server in the simplejwt layout.
const REFERENCE: &str = match option_env!("INTERCEPTOR_TEST_SIMPLEJWT_API") {
    Some(api) => api,
    None => "http://127.0.0.1:18767/api/",
};

/// The bundled Django in the simplejwt layout.
const DJANGO: &str = match option_env!("INTERCEPTOR_TEST_DJANGO_SIMPLEJWT_API") {
    Some(api) => api,
    None => "http://127.0.0.1:18768/api/",
};

const BACKENDS: [&str; 2] = [REFERENCE, DJANGO];
const REFRESH: &str = "/token/refresh/";
const ME: &str = "/me/";

async fn set_config(api: &str, json: &str) {
    hook_at(api, Method::PUT, "config", Some(json)).await;
}

async fn clear_log(api: &str) {
    hook_at(api, Method::DELETE, "log", None).await;
}

/// The layer as a plain-SimpleJWT project configures it, against `api`.
fn simplejwt(api: &str) -> Harness {
    let config = AuthConfig::new(ApiBase::new(api).expect("base"))
        .namespace("tests-simplejwt")
        .storage(leptos_jwt_session::StorageKind::Memory)
        .timeout(std::time::Duration::from_secs(5))
        .refresh_ahead(false)
        .wire(Wire::simplejwt("").user_endpoint("me/"));
    harness_with(config)
}

async fn start(api: &str, settings: &str) -> Harness {
    set_config(api, DEFAULTS).await;
    set_config(api, settings).await;
    let h = simplejwt(api);
    h.client
        .log_in(&Credentials::new(DEMO_USER, DEMO_PASSWORD))
        .await
        .unwrap_or_else(|error| panic!("{api}: login: {error}"));
    h
}

const DEFAULTS: &str = r#"{"access_ttl_ms":60000,"refresh_ttl_ms":86400000,"rotate_refresh_tokens":false,"blacklist_after_rotation":false}"#;

#[wasm_bindgen_test]
async fn logging_in_posts_to_token_and_loads_the_user_from_me() {
    reset().await;
    for api in BACKENDS {
        clear_log(api).await;
        let h = start(api, DEFAULTS).await;
        let user = h
            .store
            .user::<DjoserUser>()
            .expect("the user with the login");
        assert_eq!(user.username, DEMO_USER, "{api}");
        let log = server_log_at(api).await;
        assert_eq!(statuses(&log, "/token/"), [200], "{api}: {log:?}");
        assert_eq!(statuses(&log, ME), [200], "{api}: {log:?}");
        assert_eq!(
            h.client
                .register(&leptos_jwt_session::Registration::new("x", "y"))
                .await,
            Err(ApiError::NotOffered { endpoint: "users" }),
            "no registration in this layout, and nothing sent"
        );
    }
}

#[wasm_bindgen_test]
async fn a_burst_after_expiry_makes_one_refresh_and_no_401_reaches_the_app() {
    reset().await;
    for api in BACKENDS {
        let h = start(api, r#"{"access_ttl_ms":2000}"#).await;
        sleep(2_100).await;
        clear_log(api).await;
        let answers = join_all((0..10).map(|_| h.client.me::<DjoserUser>())).await;
        assert!(answers.iter().all(Result::is_ok), "{api}: {answers:?}");
        let log = server_log_at(api).await;
        assert_eq!(count(&log, REFRESH), 1, "{api}: {log:?}");
        assert_eq!(statuses(&log, ME), [200; 10], "{api}: {log:?}");
    }
}

#[wasm_bindgen_test]
async fn a_token_refused_by_the_server_is_refreshed_and_replayed() {
    reset().await;
    for api in BACKENDS {
        let h = start(api, DEFAULTS).await;
        leptos_jwt_session::testing::replace_tokens(
            &h.store,
            leptos_jwt_session::testing::with_access_refused_by_server,
        )
        .await;
        clear_log(api).await;
        assert!(h.client.me::<DjoserUser>().await.is_ok(), "{api}");
        let log = server_log_at(api).await;
        assert_eq!(statuses(&log, ME), [401, 200], "{api}: {log:?}");
        assert_eq!(count(&log, REFRESH), 1, "{api}: {log:?}");
    }
}

#[wasm_bindgen_test]
async fn rotation_with_blacklisting_keeps_the_session() {
    reset().await;
    let rotating =
        r#"{"access_ttl_ms":2000,"rotate_refresh_tokens":true,"blacklist_after_rotation":true}"#;
    for api in BACKENDS {
        let h = start(api, rotating).await;
        clear_log(api).await;
        for round in 0..3 {
            sleep(2_100).await;
            let answers = join_all((0..5).map(|_| h.client.me::<DjoserUser>())).await;
            assert!(answers.iter().all(Result::is_ok), "{api} round {round}");
        }
        let log = server_log_at(api).await;
        assert_eq!(statuses(&log, REFRESH), [200; 3], "{api}: {log:?}");
        assert!(log.iter().all(|r| r.status < 400), "{api}: {log:?}");
        assert!(h.store.is_authenticated_untracked());
    }
}

#[wasm_bindgen_test]
async fn logging_out_blacklists_the_refresh_token_at_token_blacklist() {
    reset().await;
    for api in BACKENDS {
        let h = start(api, DEFAULTS).await;
        let refresh = leptos_jwt_session::testing::refresh_token(
            &h.store.tokens_untracked().expect("tokens"),
        );
        clear_log(api).await;
        h.client.log_out().await;
        assert!(!h.store.is_authenticated_untracked());
        let log = server_log_at(api).await;
        assert_eq!(statuses(&log, "/token/blacklist/"), [200], "{api}: {log:?}");
        // The old refresh token is refused from now on.
        let again = gloo_net::http::Request::post(&format!("{api}token/refresh/"))
            .header("Content-Type", "application/json")
            .body(format!(r#"{{"refresh":"{refresh}"}}"#))
            .expect("request")
            .send()
            .await
            .expect("answer");
        assert_eq!(again.status(), 401, "{api}");
    }
}
