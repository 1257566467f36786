//! Registration validates like djoser's `UserCreateSerializer` on Django's `User`.

mod common;

use axum::body::Body;
use axum::http::{header, Method};
use common::*;

const INVALID_USERNAME: &str = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
const TOO_SHORT: &str = "This password is too short. It must contain at least 8 characters.";
const NUMERIC: &str = "This password is entirely numeric.";

async fn register(h: &Harness, body: &str) -> Reply {
    h.post_json(USERS, body).await
}

#[tokio::test]
async fn registered_user_can_log_in_and_see_themself() {
    let h = Harness::new().await;
    register(
        &h,
        r#"{"username":"alice","password":"wonderland-42","email":"Alice@Example.COM"}"#,
    )
    .await
    .assert(
        201,
        r#"{"email":"Alice@example.com","username":"alice","id":2}"#,
    );
    let reply = h
        .post_json(LOGIN, r#"{"username":"alice","password":"wonderland-42"}"#)
        .await;
    assert_eq!(reply.status, 200);
    let access = reply.field("access");
    assert_eq!(payload(&access)["user_id"], "2");
    h.me(&access).await.assert(
        200,
        r#"{"email":"Alice@example.com","id":2,"username":"alice"}"#,
    );
    h.get_with_auth(USERS, &format!("Bearer {access}"))
        .await
        .assert(
            200,
            r#"[{"email":"Alice@example.com","id":2,"username":"alice"}]"#,
        );
    // Ids keep counting up.
    register(&h, r#"{"username":"bob","password":"builder-1234"}"#)
        .await
        .assert(201, r#"{"email":"","username":"bob","id":3}"#);
}

#[tokio::test]
async fn username_rules() {
    let h = Harness::new().await;
    let expect_invalid = format!(r#"{{"username":["{INVALID_USERNAME}"]}}"#);
    for bad in ["with space", "semi;colon", "slash/", "new\\nline"] {
        register(
            &h,
            &format!(r#"{{"username":"{bad}","password":"long-enough-1"}}"#),
        )
        .await
        .assert(400, &expect_invalid);
    }
    let long = "a".repeat(151);
    register(
        &h,
        &format!(r#"{{"username":"{long}","password":"long-enough-1"}}"#),
    )
    .await
    .assert(
        400,
        r#"{"username":["Ensure this field has no more than 150 characters."]}"#,
    );
    register(&h, r#"{"username":"   ","password":"long-enough-1"}"#)
        .await
        .assert(400, r#"{"username":["This field may not be blank."]}"#);
    register(&h, r#"{"username":null,"password":"long-enough-1"}"#)
        .await
        .assert(400, r#"{"username":["This field may not be null."]}"#);
    register(&h, r#"{"username":["x"],"password":"long-enough-1"}"#)
        .await
        .assert(400, r#"{"username":["Not a valid string."]}"#);
    // Every allowed character, and surrounding whitespace trimmed.
    let reply = register(
        &h,
        r#"{"username":"  j.ü@x+y-z_1  ","password":"long-enough-1"}"#,
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["username"], "j.ü@x+y-z_1");
    // Usernames are case-sensitive, as in Django.
    assert_eq!(
        register(&h, r#"{"username":"Demo","password":"long-enough-1"}"#)
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn email_rules() {
    let h = Harness::new().await;
    let invalid = r#"{"email":["Enter a valid email address."]}"#;
    for bad in ["plain", "a@b", "@example.com", "a b@example.com"] {
        register(
            &h,
            &format!(r#"{{"username":"u1","password":"long-enough-1","email":"{bad}"}}"#),
        )
        .await
        .assert(400, invalid);
    }
    // Blank is allowed (the field is optional).
    register(
        &h,
        r#"{"username":"u1","password":"long-enough-1","email":""}"#,
    )
    .await
    .assert(201, r#"{"email":"","username":"u1","id":2}"#);
    register(
        &h,
        r#"{"username":"u2","password":"long-enough-1","email":"u2@localhost"}"#,
    )
    .await
    .assert(201, r#"{"email":"u2@localhost","username":"u2","id":3}"#);
}

#[tokio::test]
async fn password_rules() {
    let h = Harness::new().await;
    register(&h, r#"{"username":"p","password":"short"}"#)
        .await
        .assert(400, &format!(r#"{{"password":["{TOO_SHORT}"]}}"#));
    register(&h, r#"{"username":"p","password":"1234567890"}"#)
        .await
        .assert(400, &format!(r#"{{"password":["{NUMERIC}"]}}"#));
    register(&h, r#"{"username":"p","password":"1234"}"#)
        .await
        .assert(
            400,
            &format!(r#"{{"password":["{TOO_SHORT}","{NUMERIC}"]}}"#),
        );
    register(&h, r#"{"username":"p","password":""}"#)
        .await
        .assert(400, r#"{"password":["This field may not be blank."]}"#);
}

#[tokio::test]
async fn errors_come_in_field_order_and_password_rules_wait() {
    let h = Harness::new().await;
    // email, username, password: djoser's field order.
    register(&h, r#"{"email":"nope","username":"demo"}"#).await.assert(
        400,
        r#"{"email":["Enter a valid email address."],"username":["A user with that username already exists."],"password":["This field is required."]}"#,
    );
    // Password validators do not run while a field is invalid.
    register(&h, r#"{"username":"demo","password":"1"}"#)
        .await
        .assert(
            400,
            r#"{"username":["A user with that username already exists."]}"#,
        );
}

#[tokio::test]
async fn body_must_be_an_object() {
    let h = Harness::new().await;
    register(&h, "[]").await.assert(
        400,
        r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}"#,
    );
    register(&h, r#""text""#).await.assert(
        400,
        r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}"#,
    );
}

#[tokio::test]
async fn form_encoded_registration_and_login() {
    let h = Harness::new().await;
    let form = |path: &str, body: &str| {
        request(Method::POST, path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .expect("request")
    };
    h.send(form(USERS, "username=carol&password=caroling%2B123"))
        .await
        .assert(201, r#"{"email":"","username":"carol","id":2}"#);
    let reply = h
        .send(form(LOGIN, "username=carol&password=caroling%2B123"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    h.send(form(LOGIN, "username=carol"))
        .await
        .assert(400, r#"{"password":["This field is required."]}"#);
}
