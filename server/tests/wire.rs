//! One test per row of docs/wire.md: status, exact body, WWW-Authenticate.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method};
use common::*;

const GARBAGE_BODY: &str = r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}"#;
const EXPIRED_BODY: &str = r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is expired"}]}"#;
const WRONG_TYPE_BODY: &str = r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token has wrong type"}]}"#;

// ---- success rows ----

#[tokio::test]
async fn login_returns_refresh_then_access() {
    let h = Harness::new().await;
    let reply = h.post_json(LOGIN, DEMO_LOGIN).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(reply.body.starts_with(r#"{"refresh":""#), "{}", reply.body);
    assert_eq!(reply.keys().len(), 2);
    let refresh = payload(&reply.field("refresh"));
    let access = payload(&reply.field("access"));
    assert_eq!(refresh["token_type"], "refresh");
    assert_eq!(access["token_type"], "access");
    assert_eq!(access["user_id"], "1");
    let iat = h.clock.now_secs();
    assert_eq!(access["iat"], iat);
    assert_eq!(access["exp"], iat + 300);
    assert_eq!(refresh["exp"], iat + 86_400);
    assert_ne!(access["jti"], refresh["jti"]);
}

#[tokio::test]
async fn token_payload_is_simplejwt_shaped() {
    let h = Harness::new().await;
    let (_, access) = h.login().await;
    let text = payload_text(&access);
    let jti = payload(&access)["jti"].as_str().expect("jti").to_owned();
    assert_eq!(jti.len(), 32);
    assert!(jti.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
    let iat = h.clock.now_secs();
    assert_eq!(
        text,
        format!(
            r#"{{"token_type":"access","exp":{},"iat":{iat},"jti":"{jti}","user_id":"1"}}"#,
            iat + 300
        )
    );
    assert!(access.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
}

#[tokio::test]
async fn refresh_returns_access_only_without_rotation() {
    let h = Harness::new().await;
    let (refresh, _) = h.login().await;
    let reply = h.refresh(&refresh).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.starts_with(r#"{"access":""#));
    assert_eq!(reply.json().as_object().expect("object").len(), 1);
    assert_eq!(payload(&reply.field("access"))["token_type"], "access");
}

#[tokio::test]
async fn verify_returns_empty_object_for_either_type() {
    let h = Harness::new().await;
    let (refresh, access) = h.login().await;
    for token in [refresh, access] {
        h.post_json(VERIFY, &format!(r#"{{"token":"{token}"}}"#))
            .await
            .assert(200, "{}");
    }
}

#[tokio::test]
async fn blacklist_returns_empty_object_and_refresh_stops_working() {
    let h = Harness::new().await;
    let (refresh, _) = h.login().await;
    h.post_json(BLACKLIST, &format!(r#"{{"refresh":"{refresh}"}}"#))
        .await
        .assert(200, "{}");
    h.refresh(&refresh).await.assert(
        401,
        r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#,
    );
}

#[tokio::test]
async fn register_returns_201_email_username_id() {
    let h = Harness::new().await;
    h.post_json(USERS, r#"{"username":"alice","password":"wonderland-42"}"#)
        .await
        .assert(201, r#"{"email":"","username":"alice","id":2}"#);
}

#[tokio::test]
async fn me_returns_email_id_username() {
    let h = Harness::new().await;
    let (_, access) = h.login().await;
    h.me(&access).await.assert(
        200,
        r#"{"email":"demo@example.com","id":1,"username":"demo"}"#,
    );
}

// ---- error rows ----

#[tokio::test]
async fn login_wrong_password_or_unknown_user() {
    let h = Harness::new().await;
    let body = r#"{"detail":"No active account found with the given credentials"}"#;
    h.post_json(LOGIN, r#"{"username":"demo","password":"nope"}"#)
        .await
        .assert(401, body);
    h.post_json(LOGIN, r#"{"username":"nobody","password":"demo-password"}"#)
        .await
        .assert(401, body);
}

#[tokio::test]
async fn login_fields_missing() {
    let h = Harness::new().await;
    let body = r#"{"username":["This field is required."],"password":["This field is required."]}"#;
    h.post_json(LOGIN, "{}").await.assert(400, body);
    // No body at all is no fields at all.
    h.send(
        request(Method::POST, LOGIN)
            .body(Body::empty())
            .expect("request"),
    )
    .await
    .assert(400, body);
}

#[tokio::test]
async fn login_only_password_missing() {
    let h = Harness::new().await;
    h.post_json(LOGIN, r#"{"username":"demo"}"#)
        .await
        .assert(400, r#"{"password":["This field is required."]}"#);
}

#[tokio::test]
async fn body_is_not_json() {
    let h = Harness::new().await;
    h.post_json(LOGIN, "not json").await.assert(
        400,
        r#"{"detail":"JSON parse error - Expecting value: line 1 column 1 (char 0)"}"#,
    );
}

#[tokio::test]
async fn wrong_content_type() {
    let h = Harness::new().await;
    let reply = h
        .send(
            request(Method::POST, LOGIN)
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from(DEMO_LOGIN))
                .expect("request"),
        )
        .await;
    reply.assert(
        415,
        r#"{"detail":"Unsupported media type \"text/plain\" in request."}"#,
    );
}

#[tokio::test]
async fn wrong_method_on_jwt_create() {
    let h = Harness::new().await;
    let reply = h.get(LOGIN).await;
    reply.assert(405, r#"{"detail":"Method \"GET\" not allowed."}"#);
    assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
}

#[tokio::test]
async fn me_without_credentials() {
    let h = Harness::new().await;
    let body = r#"{"detail":"Authentication credentials were not provided."}"#;
    h.get(ME).await.assert(401, body);
    // A scheme other than Bearer is no credentials at all.
    h.get_with_auth(ME, "Basic ZGVtbzpkZW1vLXBhc3N3b3Jk")
        .await
        .assert(401, body);
    h.get_with_auth(ME, "bearer abc").await.assert(401, body);
    h.get_with_auth(ME, "").await.assert(401, body);
}

#[tokio::test]
async fn me_with_garbage_expired_or_refresh_token() {
    let h = Harness::new().await;
    h.me("garbage").await.assert(401, GARBAGE_BODY);
    let (refresh, access) = h.login().await;
    h.me(&refresh).await.assert(401, WRONG_TYPE_BODY);
    h.clock.advance(Duration::from_secs(300));
    h.me(&access).await.assert(401, EXPIRED_BODY);
}

#[tokio::test]
async fn refresh_with_garbage_token() {
    let h = Harness::new().await;
    h.refresh("garbage").await.assert(
        401,
        r#"{"detail":"Token is invalid","code":"token_not_valid"}"#,
    );
}

#[tokio::test]
async fn refresh_with_expired_token() {
    let h = Harness::new().await;
    let (refresh, _) = h.login().await;
    h.clock.advance(Duration::from_secs(86_400));
    h.refresh(&refresh).await.assert(
        401,
        r#"{"detail":"Token is expired","code":"token_not_valid"}"#,
    );
}

#[tokio::test]
async fn refresh_with_blacklisted_token() {
    let h = Harness::new().await;
    let (refresh, _) = h.login().await;
    h.post_json(BLACKLIST, &format!(r#"{{"refresh":"{refresh}"}}"#))
        .await
        .assert(200, "{}");
    h.refresh(&refresh).await.assert(
        401,
        r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#,
    );
}

#[tokio::test]
async fn refresh_with_access_token() {
    let h = Harness::new().await;
    let (_, access) = h.login().await;
    h.refresh(&access).await.assert(
        401,
        r#"{"detail":"Token has wrong type","code":"token_not_valid"}"#,
    );
}

#[tokio::test]
async fn refresh_field_missing_or_blank() {
    let h = Harness::new().await;
    h.post_json(REFRESH, "{}")
        .await
        .assert(400, r#"{"refresh":["This field is required."]}"#);
    h.post_json(REFRESH, r#"{"refresh":""}"#)
        .await
        .assert(400, r#"{"refresh":["This field may not be blank."]}"#);
}

#[tokio::test]
async fn blacklist_already_blacklisted() {
    let h = Harness::new().await;
    let (refresh, _) = h.login().await;
    let body = format!(r#"{{"refresh":"{refresh}"}}"#);
    h.post_json(BLACKLIST, &body).await.assert(200, "{}");
    h.post_json(BLACKLIST, &body).await.assert(
        401,
        r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#,
    );
}

#[tokio::test]
async fn verify_expired_token() {
    let h = Harness::new().await;
    let (_, access) = h.login().await;
    h.clock.advance(Duration::from_secs(301));
    h.post_json(VERIFY, &format!(r#"{{"token":"{access}"}}"#))
        .await
        .assert(
            401,
            r#"{"detail":"Token is expired","code":"token_not_valid"}"#,
        );
}

#[tokio::test]
async fn register_username_taken() {
    let h = Harness::new().await;
    h.post_json(
        USERS,
        r#"{"username":"demo","password":"another-password"}"#,
    )
    .await
    .assert(
        400,
        r#"{"username":["A user with that username already exists."]}"#,
    );
}

#[tokio::test]
async fn register_fields_missing() {
    let h = Harness::new().await;
    h.post_json(USERS, "{}").await.assert(
        400,
        r#"{"username":["This field is required."],"password":["This field is required."]}"#,
    );
}

#[tokio::test]
async fn invalid_bearer_token_on_open_endpoint() {
    let h = Harness::new().await;
    h.post_json_bearer(
        USERS,
        r#"{"username":"bob","password":"builder-123"}"#,
        "garbage",
    )
    .await
    .assert(401, GARBAGE_BODY);
    // Even before the body is parsed.
    h.post_json_bearer(USERS, "not json", "garbage")
        .await
        .assert(401, GARBAGE_BODY);
    // The jwt/* views ignore the Authorization header entirely.
    let reply = h.post_json_bearer(LOGIN, DEMO_LOGIN, "garbage").await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn path_without_trailing_slash_redirects() {
    let h = Harness::new().await;
    let reply = h.get("/api/v1/auth/users/me").await;
    assert_eq!(reply.status, 301);
    assert_eq!(reply.header("location"), Some(ME));
    assert_eq!(reply.body, "");
}
