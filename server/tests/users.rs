//! `users/me/` updates (djoser's `UserSerializer`), its deletion (`UserDeleteSerializer`)
//! and `users/set_password/` (djoser's `SetPasswordSerializer`).

mod common;

use axum::body::Body;
use axum::http::{header, Method};
use common::*;
use interceptor_server::{Db, Settings};

const DEMO_ME: &str = r#"{"email":"demo@example.com","id":1,"username":"demo"}"#;
const NOT_PROVIDED: &str = r#"{"detail":"Authentication credentials were not provided."}"#;
const INVALID_EMAIL: &str = r#"{"email":["Enter a valid email address."]}"#;
const TOO_SHORT: &str = "This password is too short. It must contain at least 8 characters.";
const NUMERIC: &str = "This password is entirely numeric.";

async fn set_password(h: &Harness, body: &str, access: &str) -> Reply {
    h.post_json_bearer(SET_PASSWORD, body, access).await
}

async fn login_as(h: &Harness, username: &str, password: &str) -> Reply {
    h.post_json(
        LOGIN,
        &serde_json::json!({ "username": username, "password": password }).to_string(),
    )
    .await
}

#[tokio::test]
async fn patch_and_put_update_the_email_and_ignore_read_only_fields() {
    let h = Harness::new().await;
    let (_, access) = h.login().await;

    let reply = h
        .json_bearer(
            Method::PATCH,
            ME,
            r#"{"email":"new@example.com","username":"mallory","id":99,"is_staff":true}"#,
            &access,
        )
        .await;
    reply.assert(
        200,
        r#"{"email":"new@example.com","id":1,"username":"demo"}"#,
    );
    assert_eq!(
        reply.header("allow"),
        Some("GET, PUT, PATCH, DELETE, HEAD, OPTIONS")
    );
    h.me(&access).await.assert(
        200,
        r#"{"email":"new@example.com","id":1,"username":"demo"}"#,
    );

    h.json_bearer(Method::PUT, ME, r#"{"email":" put@example.com "}"#, &access)
        .await
        .assert(
            200,
            r#"{"email":"put@example.com","id":1,"username":"demo"}"#,
        );
    // Without an email (PUT too: the field is optional) nothing changes.
    for method in [Method::PUT, Method::PATCH] {
        h.json_bearer(method.clone(), ME, r#"{"username":"x"}"#, &access)
            .await
            .assert(
                200,
                r#"{"email":"put@example.com","id":1,"username":"demo"}"#,
            );
        h.json_bearer(method, ME, "", &access).await.assert(
            200,
            r#"{"email":"put@example.com","id":1,"username":"demo"}"#,
        );
    }
    // Blank clears it.
    h.json_bearer(Method::PATCH, ME, r#"{"email":""}"#, &access)
        .await
        .assert(200, r#"{"email":"","id":1,"username":"demo"}"#);
    // The username did not change: the demo user still logs in by it.
    assert_eq!(h.post_json(LOGIN, DEMO_LOGIN).await.status, 200);
}

#[tokio::test]
async fn invalid_emails_are_400_and_change_nothing() {
    let h = Harness::new().await;
    let (_, access) = h.login().await;
    for method in [Method::PATCH, Method::PUT] {
        for bad in ["plain", "a@b", "@example.com", "a b@example.com"] {
            h.json_bearer(
                method.clone(),
                ME,
                &format!(r#"{{"email":"{bad}"}}"#),
                &access,
            )
            .await
            .assert(400, INVALID_EMAIL);
        }
        h.json_bearer(method.clone(), ME, r#"{"email":null}"#, &access)
            .await
            .assert(400, r#"{"email":["This field may not be null."]}"#);
        h.json_bearer(method, ME, "[]", &access).await.assert(
            400,
            r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}"#,
        );
    }
    let long = format!("{}@example.com", "a".repeat(250));
    h.json_bearer(
        Method::PATCH,
        ME,
        &format!(r#"{{"email":"{long}"}}"#),
        &access,
    )
    .await
    .assert(
        400,
        r#"{"email":["Ensure this field has no more than 254 characters."]}"#,
    );
    h.me(&access).await.assert(200, DEMO_ME);
}

#[tokio::test]
async fn updates_authenticate_before_reading_the_body() {
    let h = Harness::new().await;
    for method in [Method::PATCH, Method::PUT] {
        // No credentials: 401 even for a body that would be a 400 or 415.
        h.send(json_request(method.clone(), ME, "not json", None))
            .await
            .assert(401, NOT_PROVIDED);
        h.send(
            request(method.clone(), ME)
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("x"))
                .expect("request"),
        )
        .await
        .assert(401, NOT_PROVIDED);
        let reply = h
            .json_bearer(
                method.clone(),
                ME,
                r#"{"email":"a@example.com"}"#,
                "garbage",
            )
            .await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.json()["code"], "token_not_valid");
    }
    let (_, access) = h.login().await;
    let reply = h.json_bearer(Method::PATCH, ME, "not json", &access).await;
    assert_eq!(reply.status, 400);
    assert!(reply.json()["detail"]
        .as_str()
        .expect("detail")
        .starts_with("JSON parse error - "));
    h.me(&access).await.assert(200, DEMO_ME);
}

#[tokio::test]
async fn form_encoded_patch_works_too() {
    let h = Harness::new().await;
    let (_, access) = h.login().await;
    h.send(
        request(Method::PATCH, ME)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::AUTHORIZATION, format!("Bearer {access}"))
            .body(Body::from("email=form%40example.com"))
            .expect("request"),
    )
    .await
    .assert(
        200,
        r#"{"email":"form@example.com","id":1,"username":"demo"}"#,
    );
}

#[tokio::test]
async fn email_and_password_changes_persist_in_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("interceptor.sqlite3");
    let path = path.to_str().expect("utf-8 path");
    let clock = TestClock::new();

    let first = Harness::with_db(
        Settings::default(),
        Db::open(path).expect("db"),
        clock.clone(),
    )
    .await;
    let (_, access) = first.login().await;
    first
        .json_bearer(
            Method::PATCH,
            ME,
            r#"{"email":"kept@example.com"}"#,
            &access,
        )
        .await
        .assert(
            200,
            r#"{"email":"kept@example.com","id":1,"username":"demo"}"#,
        );
    set_password(
        &first,
        r#"{"new_password":"brand-new-secret","current_password":"demo-password"}"#,
        &access,
    )
    .await
    .assert(204, "");
    drop(first);

    let second = Harness::with_db(Settings::default(), Db::open(path).expect("db"), clock).await;
    assert_eq!(second.post_json(LOGIN, DEMO_LOGIN).await.status, 401);
    let reply = login_as(&second, "demo", "brand-new-secret").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    second.me(&reply.field("access")).await.assert(
        200,
        r#"{"email":"kept@example.com","id":1,"username":"demo"}"#,
    );
}

#[tokio::test]
async fn set_password_changes_which_password_logs_in() {
    let h = Harness::new().await;
    let (_, access) = h.login().await;
    let reply = set_password(
        &h,
        r#"{"new_password":"brand-new-secret","current_password":"demo-password"}"#,
        &access,
    )
    .await;
    reply.assert(204, "");
    assert_eq!(reply.header("content-type"), None);
    assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));

    login_as(&h, "demo", "demo-password").await.assert(
        401,
        r#"{"detail":"No active account found with the given credentials"}"#,
    );
    let reply = login_as(&h, "demo", "brand-new-secret").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // The access token issued before the change still works (JWTs are stateless).
    h.me(&access).await.assert(200, DEMO_ME);
    // The old password is now the wrong current password.
    set_password(
        &h,
        r#"{"new_password":"another-secret","current_password":"demo-password"}"#,
        &access,
    )
    .await
    .assert(400, r#"{"current_password":["Invalid password."]}"#);
}

#[tokio::test]
async fn set_password_field_errors() {
    let h = Harness::new().await;
    let (_, access) = h.login().await;
    set_password(&h, "{}", &access).await.assert(
        400,
        r#"{"new_password":["This field is required."],"current_password":["This field is required."]}"#,
    );
    set_password(&h, "", &access).await.assert(
        400,
        r#"{"new_password":["This field is required."],"current_password":["This field is required."]}"#,
    );
    set_password(&h, r#"{"new_password":"brand-new-secret"}"#, &access)
        .await
        .assert(400, r#"{"current_password":["This field is required."]}"#);
    set_password(
        &h,
        r#"{"new_password":"","current_password":"demo-password"}"#,
        &access,
    )
    .await
    .assert(400, r#"{"new_password":["This field may not be blank."]}"#);
    // Field errors come in serializer order; the current password is checked as a field.
    set_password(&h, r#"{"current_password":"wrong-password"}"#, &access)
        .await
        .assert(
            400,
            r#"{"new_password":["This field is required."],"current_password":["Invalid password."]}"#,
        );
    set_password(
        &h,
        r#"{"new_password":"brand-new-secret","current_password":"wrong-password"}"#,
        &access,
    )
    .await
    .assert(400, r#"{"current_password":["Invalid password."]}"#);
    // The password validators wait until both fields are valid.
    set_password(
        &h,
        r#"{"new_password":"1","current_password":"wrong-password"}"#,
        &access,
    )
    .await
    .assert(400, r#"{"current_password":["Invalid password."]}"#);

    for (new, messages) in [
        ("short", format!(r#"["{TOO_SHORT}"]"#)),
        ("1234567890", format!(r#"["{NUMERIC}"]"#)),
        ("1234", format!(r#"["{TOO_SHORT}","{NUMERIC}"]"#)),
    ] {
        set_password(
            &h,
            &format!(r#"{{"new_password":"{new}","current_password":"demo-password"}}"#),
            &access,
        )
        .await
        .assert(400, &format!(r#"{{"new_password":{messages}}}"#));
    }
    // Nothing changed.
    assert_eq!(h.post_json(LOGIN, DEMO_LOGIN).await.status, 200);
}

#[tokio::test]
async fn set_password_authenticates_first() {
    let h = Harness::new().await;
    let body = r#"{"new_password":"brand-new-secret","current_password":"demo-password"}"#;
    h.post_json(SET_PASSWORD, body)
        .await
        .assert(401, NOT_PROVIDED);
    h.post_json(SET_PASSWORD, "not json")
        .await
        .assert(401, NOT_PROVIDED);
    let reply = set_password(&h, body, "garbage").await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["code"], "token_not_valid");
    // A refresh token is not an access token.
    let (refresh, _) = h.login().await;
    assert_eq!(set_password(&h, body, &refresh).await.status, 401);
    assert_eq!(h.post_json(LOGIN, DEMO_LOGIN).await.status, 200);
}

#[tokio::test]
async fn set_password_options_is_metadata() {
    let h = Harness::new().await;
    let (_, access) = h.login().await;
    let reply = h
        .send(
            request(Method::OPTIONS, SET_PASSWORD)
                .header(header::AUTHORIZATION, format!("Bearer {access}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["name"], "Set password");
    assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
}

#[tokio::test]
async fn deleting_the_account_needs_the_current_password() {
    let h = Harness::new().await;
    h.post_json(USERS, r#"{"username":"zoe","password":"zoe-password"}"#)
        .await
        .assert(201, r#"{"email":"","username":"zoe","id":2}"#);
    let reply = login_as(&h, "zoe", "zoe-password").await;
    let (access, refresh) = (reply.field("access"), reply.field("refresh"));

    h.json_bearer(
        Method::DELETE,
        ME,
        r#"{"current_password":"wrong"}"#,
        &access,
    )
    .await
    .assert(400, r#"{"current_password":["Invalid password."]}"#);
    let reply = h
        .json_bearer(
            Method::DELETE,
            ME,
            r#"{"current_password":"zoe-password"}"#,
            &access,
        )
        .await;
    reply.assert(204, "");

    // Its tokens outlive it, naming nobody: SimpleJWT's answers for a missing user.
    h.me(&access).await.assert(
        401,
        r#"{"detail":"User not found","code":"user_not_found"}"#,
    );
    h.post_json(VERIFY, &format!(r#"{{"token":"{refresh}"}}"#))
        .await
        .assert(200, "{}");
    login_as(&h, "zoe", "zoe-password").await.assert(
        401,
        r#"{"detail":"No active account found with the given credentials"}"#,
    );
    // Anonymous: 401 before anything else.
    let reply = h
        .send(
            request(Method::DELETE, ME)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    reply.assert(401, NOT_PROVIDED);
}
