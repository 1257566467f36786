//! The `/__test__/` hooks: request log, live config, fault injection.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Method};
use common::*;
use interceptor_server::{CorsPolicy, Settings};

async fn hooked() -> Harness {
    Harness::with(Settings {
        test_hooks: true,
        cors: CorsPolicy::new(["http://127.0.0.1:9000"]),
        ..Settings::default()
    })
    .await
}

fn put_json(path: &str, body: &str) -> axum::http::Request<Body> {
    json_request(Method::PUT, path, body, None)
}

fn delete(path: &str) -> axum::http::Request<Body> {
    request(Method::DELETE, path)
        .body(Body::empty())
        .expect("request")
}

#[tokio::test]
async fn hooks_are_absent_unless_enabled() {
    let h = Harness::new().await;
    // Unrouted, so Django's 404 page.
    for reply in [
        h.get("/__test__/log").await,
        h.send(put_json("/__test__/config", "{}")).await,
    ] {
        assert_eq!(reply.status, 404);
        assert!(reply.body.contains("<h1>Not Found</h1>"), "{}", reply.body);
    }
}

#[tokio::test]
async fn log_records_api_requests_since_the_last_clear() {
    let h = hooked().await;
    h.get("/").await;
    let (_, access) = h.login().await;
    h.me(&access).await;
    h.send(
        request(Method::OPTIONS, ME)
            .header(header::ORIGIN, "http://127.0.0.1:9000")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    h.get(ME).await;

    let reply = h.get("/__test__/log").await;
    assert_eq!(reply.status, 200);
    let log = reply.json();
    let entries = log["requests"].as_array().expect("requests");
    let summary: Vec<(String, String, u64, bool)> = entries
        .iter()
        .map(|e| {
            (
                e["method"].as_str().expect("method").to_owned(),
                e["path"].as_str().expect("path").to_owned(),
                e["status"].as_u64().expect("status"),
                e["bearer"].as_bool().expect("bearer"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("POST".into(), LOGIN.into(), 200, false),
            ("GET".into(), ME.into(), 200, true),
            ("OPTIONS".into(), ME.into(), 200, false),
            ("GET".into(), ME.into(), 401, false),
        ]
    );
    assert_eq!(entries[0]["at_ms"], 1_795_742_062_250u64);
    assert_eq!(entries[0]["done_ms"], 1_795_742_062_250u64);
    let keys: Vec<&String> = entries[0].as_object().expect("entry").keys().collect();
    assert_eq!(keys.len(), 6);
    assert!(reply.body.starts_with(r#"{"requests":[{"method":"POST","path":"/api/v1/auth/jwt/create/","status":200,"bearer":false,"at_ms":"#));

    let cleared = h.send(delete("/__test__/log")).await;
    assert_eq!(cleared.status, 204);
    h.get("/__test__/log")
        .await
        .assert(200, r#"{"requests":[]}"#);
}

#[tokio::test]
async fn config_reads_and_changes_live() {
    let h = hooked().await;
    h.get("/__test__/config").await.assert(
        200,
        r#"{"access_ttl_ms":300000,"refresh_ttl_ms":86400000,"rotate_refresh_tokens":false,"blacklist_after_rotation":false}"#,
    );
    h.send(put_json(
        "/__test__/config",
        r#"{"access_ttl_ms":2000,"rotate_refresh_tokens":true,"blacklist_after_rotation":true}"#,
    ))
    .await
    .assert(
        200,
        r#"{"access_ttl_ms":2000,"refresh_ttl_ms":86400000,"rotate_refresh_tokens":true,"blacklist_after_rotation":true}"#,
    );
    let (refresh, access) = h.login().await;
    assert_eq!(payload(&access)["exp"], h.clock.now_secs() + 2);
    let reply = h.refresh(&refresh).await;
    assert_eq!(reply.status, 200);
    assert!(reply.json()["refresh"].is_string());
    assert_eq!(h.refresh(&refresh).await.status, 401);

    let bad = h
        .send(put_json("/__test__/config", r#"{"access_ttl":1}"#))
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["detail"].is_string());
}

#[tokio::test]
async fn faults_fail_the_next_requests_then_stop() {
    let h = hooked().await;
    let reply = h
        .send(put_json(
            "/__test__/fault",
            r#"{"path":"v1/auth/jwt/refresh/","status":503,"delay_ms":0,"retry_after":7,"times":2}"#,
        ))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        r#"{"faults":[{"path":"v1/auth/jwt/refresh/","status":503,"delay_ms":0,"retry_after":7,"times":2}]}"#
    );
    let (refresh, _) = h.login().await;
    for _ in 0..2 {
        let reply = h
            .send(json_request(
                Method::POST,
                REFRESH,
                &format!(r#"{{"refresh":"{refresh}"}}"#),
                None,
            ))
            .await;
        reply.assert(503, r#"{"detail":"Injected fault"}"#);
        assert_eq!(reply.header("retry-after"), Some("7"));
    }
    assert_eq!(h.refresh(&refresh).await.status, 200);
    h.get("/__test__/fault")
        .await
        .assert(200, r#"{"faults":[]}"#);
}

#[tokio::test]
async fn faults_keep_cors_and_spare_preflights() {
    let h = hooked().await;
    h.send(put_json(
        "/__test__/fault",
        r#"{"path":"/api/v1/auth/users/me/","status":401}"#,
    ))
    .await;
    let preflight = h
        .send(
            request(Method::OPTIONS, ME)
                .header(header::ORIGIN, "http://127.0.0.1:9000")
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(preflight.status, 200);
    let (_, access) = h.login().await;
    for _ in 0..3 {
        let reply = h
            .send(
                request(Method::GET, ME)
                    .header(header::ORIGIN, "http://127.0.0.1:9000")
                    .header(header::AUTHORIZATION, format!("Bearer {access}"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        reply.assert(401, r#"{"detail":"Injected fault"}"#);
        assert_eq!(
            reply.header("access-control-allow-origin"),
            Some("http://127.0.0.1:9000")
        );
    }
    assert_eq!(h.send(delete("/__test__/fault")).await.status, 204);
    assert_eq!(h.me(&access).await.status, 200);
}

#[tokio::test]
async fn faults_can_carry_a_json_body() {
    let h = hooked().await;
    let token_not_valid =
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid"}"#;
    let reply = h
        .send(put_json(
            "/__test__/fault",
            &format!(
                r#"{{"path":"v1/auth/users/me/","status":401,"body":{token_not_valid},"times":1}}"#
            ),
        ))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body,
        format!(
            r#"{{"faults":[{{"path":"v1/auth/users/me/","status":401,"delay_ms":0,"retry_after":null,"times":1,"body":{token_not_valid}}}]}}"#
        )
    );
    let (_, access) = h.login().await;
    let reply = h.me(&access).await;
    reply.assert(401, token_not_valid);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(h.me(&access).await.status, 200);

    // Any JSON value works, sent exactly as given; `null` means the default body.
    for (body, expected) in [
        (r#"{ "z": 1, "a": [2] }"#, r#"{ "z": 1, "a": [2] }"#),
        (r#"[1,"two"]"#, r#"[1,"two"]"#),
        (r#""text""#, r#""text""#),
        ("{}", "{}"),
        ("null", r#"{"detail":"Injected fault"}"#),
    ] {
        h.send(put_json(
            "/__test__/fault",
            &format!(r#"{{"path":"v1/auth/jwt/create/","status":500,"body":{body},"times":1}}"#),
        ))
        .await;
        h.post_json(LOGIN, DEMO_LOGIN).await.assert(500, expected);
    }
    // Without a status there is no injected response, so the body goes unused.
    h.send(put_json(
        "/__test__/fault",
        r#"{"path":"v1/auth/jwt/create/","body":{"x":1},"times":1}"#,
    ))
    .await;
    assert_eq!(h.post_json(LOGIN, DEMO_LOGIN).await.status, 200);
}

#[tokio::test]
async fn a_delay_without_status_stalls_then_answers_normally() {
    let h = hooked().await;
    h.send(put_json(
        "/__test__/fault",
        r#"{"path":"v1/auth/jwt/create/","status":null,"delay_ms":300,"retry_after":null,"times":1}"#,
    ))
    .await;
    let started = Instant::now();
    let reply = h.post_json(LOGIN, DEMO_LOGIN).await;
    assert_eq!(reply.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(h.post_json(LOGIN, DEMO_LOGIN).await.status, 200);
    assert!(started.elapsed() < Duration::from_millis(300));
}

/// Hooks on, rotation with blacklisting, and the demo user's refresh token.
async fn hooked_rotating() -> (Harness, String) {
    let h = hooked().await;
    h.send(put_json(
        "/__test__/config",
        r#"{"rotate_refresh_tokens":true,"blacklist_after_rotation":true}"#,
    ))
    .await;
    let (refresh, _) = h.login().await;
    (h, refresh)
}

/// A held answer: the request is handled at once (a refresh rotates and blacklists) and only
/// its answer waits.
#[tokio::test]
async fn an_answer_delay_handles_first_then_holds_the_answer() {
    let (h, refresh) = hooked_rotating().await;
    let reply = h
        .send(put_json(
            "/__test__/fault",
            r#"{"path":"v1/auth/jwt/refresh/","answer_delay_ms":300,"times":1}"#,
        ))
        .await;
    reply.assert(
        200,
        r#"{"faults":[{"path":"v1/auth/jwt/refresh/","status":null,"delay_ms":0,"answer_delay_ms":300,"retry_after":null,"times":1}]}"#,
    );
    let started = Instant::now();
    let (held, concurrent) = tokio::join!(h.refresh(&refresh), async {
        // Sent while the first answer is held: the token is already rotated and blacklisted.
        tokio::time::sleep(Duration::from_millis(100)).await;
        h.refresh(&refresh).await
    });
    assert_eq!(held.status, 200, "{}", held.body);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(concurrent.status, 401, "{}", concurrent.body);
}

/// A client that leaves while its answer is held (a page reloaded mid-refresh) finds the
/// request in the log all the same, with the status of the answer it never read.
#[tokio::test]
async fn a_request_whose_client_leaves_during_the_hold_is_logged() {
    let (h, refresh) = hooked_rotating().await;
    h.send(put_json(
        "/__test__/fault",
        r#"{"path":"v1/auth/jwt/refresh/","answer_delay_ms":60000,"times":1}"#,
    ))
    .await;
    h.send(delete("/__test__/log")).await;
    // Giving up drops the request's future, as hyper does when the connection closes.
    let gave_up = tokio::time::timeout(Duration::from_millis(300), h.refresh(&refresh)).await;
    assert!(gave_up.is_err(), "the answer was held");
    h.get("/__test__/fault")
        .await
        .assert(200, r#"{"faults":[]}"#);
    assert_eq!(h.refresh(&refresh).await.status, 401, "it rotated");
    let log = h.get("/__test__/log").await.json();
    let statuses: Vec<(&str, u64)> = log["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().expect("path"),
                e["status"].as_u64().expect("status"),
            )
        })
        .collect();
    assert_eq!(statuses, [(REFRESH, 200), (REFRESH, 401)]);
}

#[tokio::test]
async fn bad_faults_are_400() {
    let h = hooked().await;
    for bad in [
        "",
        "{}",
        r#"{"path":"x","status":42}"#,
        r#"{"path":"x","colour":"red"}"#,
        r#"{"path":"x","status":500,"body":{"a":1},"bodies":[]}"#,
    ] {
        let reply = h.send(put_json("/__test__/fault", bad)).await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.body);
    }
}
