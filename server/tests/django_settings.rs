//! The flags that mimic Django settings: `--auth-header-type` (`AUTH_HEADER_TYPES`),
//! `--user-id-claim` (`USER_ID_CLAIM`) and `--login-field email` (djoser's `LOGIN_FIELD`
//! with a custom user model), including docs/wire.md's "common variant" table.

mod common;

use axum::http::Method;
use common::*;
use interceptor_server::{AuthHeaderTypes, Db, LoginField, Settings, TokenSettings};

const NOT_PROVIDED: &str = r#"{"detail":"Authentication credentials were not provided."}"#;
const GARBAGE_BODY: &str = r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}"#;
const NO_ACTIVE_ACCOUNT: &str =
    r#"{"detail":"No active account found with the given credentials"}"#;
const JWT_REALM: &str = r#"JWT realm="api""#;
const DEMO_USER_EMAIL_MODEL: &str =
    r#"{"display_name":"Demo User","id":1,"email":"demo@example.com"}"#;

fn header_types(types: &[&str]) -> Settings {
    Settings {
        auth_header_types: AuthHeaderTypes::new(types.iter().copied()).expect("valid types"),
        ..Settings::default()
    }
}

fn email_login() -> Settings {
    Settings {
        login_field: LoginField::Email,
        ..Settings::default()
    }
}

/// The settings of djoser's JWT docs with the custom user model, as docs/wire.md records them.
fn common_variant() -> Settings {
    Settings {
        auth_header_types: AuthHeaderTypes::new(["JWT"]).expect("valid"),
        user_id_claim: "sub".into(),
        login_field: LoginField::Email,
        ..Settings::default()
    }
}

// ---- --auth-header-type ----

#[tokio::test]
async fn only_the_configured_scheme_word_carries_a_token() {
    let h = Harness::with(header_types(&["JWT"])).await;
    let (_, access) = h.login().await;
    h.get_with_auth(ME, &format!("JWT {access}")).await.assert(
        200,
        r#"{"email":"demo@example.com","id":1,"username":"demo"}"#,
    );
    // Bearer is now "another scheme": no credentials, and no `code` to refresh on.
    h.get_with_auth(ME, &format!("Bearer {access}"))
        .await
        .assert_401(NOT_PROVIDED, JWT_REALM);
    // Case-sensitive, as SimpleJWT compares bytes.
    h.get_with_auth(ME, &format!("jwt {access}"))
        .await
        .assert_401(NOT_PROVIDED, JWT_REALM);
    h.get(ME).await.assert_401(NOT_PROVIDED, JWT_REALM);
    h.get_with_auth(ME, "JWT garbage")
        .await
        .assert_401(GARBAGE_BODY, JWT_REALM);
    h.get_with_auth(ME, "JWT").await.assert_401(
        r#"{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}"#,
        JWT_REALM,
    );
    // Every 401 names the scheme, the token views' too.
    h.refresh("garbage").await.assert_401(
        r#"{"detail":"Token is invalid","code":"token_not_valid"}"#,
        JWT_REALM,
    );
    h.post_json(LOGIN, r#"{"username":"demo","password":"nope"}"#)
        .await
        .assert_401(NO_ACTIVE_ACCOUNT, JWT_REALM);
    // Other statuses carry no WWW-Authenticate.
    assert_eq!(
        h.post_json(LOGIN, "{}").await.header("www-authenticate"),
        None
    );
}

#[tokio::test]
async fn several_types_are_all_accepted_and_the_first_is_named() {
    let h = Harness::with(header_types(&["JWT", "Bearer"])).await;
    let (_, access) = h.login().await;
    for scheme in ["JWT", "Bearer"] {
        let reply = h.get_with_auth(ME, &format!("{scheme} {access}")).await;
        assert_eq!(reply.status, 200, "{scheme}: {}", reply.body);
    }
    h.get_with_auth(ME, &format!("Token {access}"))
        .await
        .assert_401(NOT_PROVIDED, JWT_REALM);
}

#[tokio::test]
async fn the_default_still_says_bearer() {
    let h = Harness::new().await;
    let (_, access) = h.login().await;
    h.get_with_auth(ME, &format!("JWT {access}"))
        .await
        .assert(401, NOT_PROVIDED);
}

#[tokio::test]
async fn the_request_log_and_injected_faults_follow_the_scheme() {
    let h = Harness::with(Settings {
        test_hooks: true,
        ..header_types(&["JWT"])
    })
    .await;
    let (_, access) = h.login().await;
    h.get_with_auth(ME, &format!("JWT {access}")).await;
    h.get_with_auth(ME, &format!("Bearer {access}")).await;
    let log = h.get("/__test__/log").await.json();
    let bearer: Vec<bool> = log["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|entry| entry["bearer"].as_bool().expect("bearer"))
        .collect();
    assert_eq!(bearer, [false, true, false]);

    h.send(json_request(
        Method::PUT,
        "/__test__/fault",
        r#"{"path":"v1/auth/users/me/","status":401,"times":1}"#,
        None,
    ))
    .await;
    h.get_with_auth(ME, &format!("JWT {access}"))
        .await
        .assert_401(r#"{"detail":"Injected fault"}"#, JWT_REALM);
}

// ---- --user-id-claim ----

#[tokio::test]
async fn tokens_carry_the_configured_claim_only() {
    let h = Harness::with(Settings {
        user_id_claim: "sub".into(),
        tokens: TokenSettings {
            rotate_refresh_tokens: true,
            ..TokenSettings::default()
        },
        ..Settings::default()
    })
    .await;
    let (refresh, access) = h.login().await;
    let iat = h.clock.now_secs();
    for (token, kind, lifetime) in [(&access, "access", 300), (&refresh, "refresh", 86_400)] {
        let jti = payload(token)["jti"].as_str().expect("jti").to_owned();
        assert_eq!(
            payload_text(token),
            format!(
                r#"{{"token_type":"{kind}","exp":{},"iat":{iat},"jti":"{jti}","sub":"1"}}"#,
                iat + lifetime
            )
        );
    }
    h.me(&access).await.assert(
        200,
        r#"{"email":"demo@example.com","id":1,"username":"demo"}"#,
    );
    // Refreshed and rotated tokens keep the claim.
    let reply = h.refresh(&refresh).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    for token in [reply.field("access"), reply.field("refresh")] {
        let claims = payload(&token);
        assert_eq!(claims["sub"], "1");
        assert!(claims.get("user_id").is_none(), "{claims}");
    }
    assert_eq!(h.me(&reply.field("access")).await.status, 200);
}

#[tokio::test]
async fn a_token_without_the_configured_claim_names_no_user() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("interceptor.sqlite3");
    let path = path.to_str().expect("utf-8 path");
    let clock = TestClock::new();
    let before = Harness::with_db(
        Settings::default(),
        Db::open(path).expect("db"),
        clock.clone(),
    )
    .await;
    // Same database, same secret: only the claim name changes.
    let (refresh, access) = before.login().await;
    drop(before);
    let after = Harness::with_db(
        Settings {
            user_id_claim: "sub".into(),
            ..Settings::default()
        },
        Db::open(path).expect("db"),
        clock,
    )
    .await;
    after.me(&access).await.assert(
        401,
        r#"{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}"#,
    );
    // SimpleJWT's refresh looks no user up then, and copies no claim it does not have.
    let reply = after.refresh(&refresh).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let new_access = reply.field("access");
    assert!(payload(&new_access).get("sub").is_none());
    assert_eq!(after.me(&new_access).await.status, 401);
}

// ---- --login-field email ----

#[tokio::test]
async fn email_login_and_its_field_errors() {
    let h = Harness::with(email_login()).await;
    let (_, access) = h.login_with(DEMO_EMAIL_LOGIN).await;
    h.me(&access).await.assert(200, DEMO_USER_EMAIL_MODEL);
    h.post_json(LOGIN, DEMO_LOGIN)
        .await
        .assert(400, r#"{"email":["This field is required."]}"#);
    h.post_json(LOGIN, "{}").await.assert(
        400,
        r#"{"email":["This field is required."],"password":["This field is required."]}"#,
    );
    h.post_json(LOGIN, r#"{"email":"demo@example.com"}"#)
        .await
        .assert(400, r#"{"password":["This field is required."]}"#);
    h.post_json(LOGIN, r#"{"email":"demo@example.com","password":"nope"}"#)
        .await
        .assert(401, NO_ACTIVE_ACCOUNT);
    // The natural key is matched exactly, as Django's `get_by_natural_key` does.
    h.post_json(
        LOGIN,
        r#"{"email":"Demo@example.com","password":"demo-password"}"#,
    )
    .await
    .assert(401, NO_ACTIVE_ACCOUNT);
    // The username is not a login any more.
    h.post_json(LOGIN, r#"{"email":"demo","password":"demo-password"}"#)
        .await
        .assert(401, NO_ACTIVE_ACCOUNT);
    h.get_with_auth(USERS, &format!("Bearer {access}"))
        .await
        .assert(200, &format!("[{DEMO_USER_EMAIL_MODEL}]"));
}

#[tokio::test]
async fn email_registration() {
    let h = Harness::with(email_login()).await;
    h.post_json(
        USERS,
        r#"{"email":"x@Example.COM","password":"long-enough-1","display_name":" X "}"#,
    )
    .await
    .assert(
        201,
        r#"{"display_name":"X","email":"x@example.com","id":2}"#,
    );
    let (_, access) = h
        .login_with(r#"{"email":"x@example.com","password":"long-enough-1"}"#)
        .await;
    h.me(&access).await.assert(
        200,
        r#"{"display_name":"X","id":2,"email":"x@example.com"}"#,
    );

    h.post_json(USERS, "{}").await.assert(
        400,
        r#"{"display_name":["This field is required."],"email":["This field is required."],"password":["This field is required."]}"#,
    );
    h.post_json(
        USERS,
        r#"{"email":"demo@example.com","password":"long-enough-1","display_name":"D"}"#,
    )
    .await
    .assert(
        400,
        r#"{"email":["user with this email address already exists."]}"#,
    );
    h.post_json(
        USERS,
        r#"{"email":"nope","password":"long-enough-1","display_name":""}"#,
    )
    .await
    .assert(
        400,
        r#"{"display_name":["This field may not be blank."],"email":["Enter a valid email address."]}"#,
    );
    let long = "n".repeat(151);
    h.post_json(
        USERS,
        &format!(
            r#"{{"email":"y@example.com","password":"long-enough-1","display_name":"{long}"}}"#
        ),
    )
    .await
    .assert(
        400,
        r#"{"display_name":["Ensure this field has no more than 150 characters."]}"#,
    );
    h.post_json(
        USERS,
        r#"{"email":"y@example.com","password":"short","display_name":"Y"}"#,
    )
    .await
    .assert(
        400,
        r#"{"password":["This password is too short. It must contain at least 8 characters."]}"#,
    );
    // The unique validator sees the address as sent; only `create_user` normalizes it, so
    // the clash surfaces as djoser's IntegrityError answer.
    h.post_json(
        USERS,
        r#"{"email":"x@EXAMPLE.com","password":"long-enough-1","display_name":"X2"}"#,
    )
    .await
    .assert(400, r#"["Unable to create account."]"#);
}

#[tokio::test]
async fn updating_me_edits_display_name_and_never_the_login_email() {
    let h = Harness::with(email_login()).await;
    let (_, access) = h.login_with(DEMO_EMAIL_LOGIN).await;
    h.json_bearer(
        Method::PATCH,
        ME,
        r#"{"display_name":"Renamed","email":"mallory@example.com","id":7}"#,
        &access,
    )
    .await
    .assert(
        200,
        r#"{"display_name":"Renamed","id":1,"email":"demo@example.com"}"#,
    );
    // PATCH without the field changes nothing; PUT requires it.
    h.json_bearer(Method::PATCH, ME, "{}", &access)
        .await
        .assert(
            200,
            r#"{"display_name":"Renamed","id":1,"email":"demo@example.com"}"#,
        );
    h.json_bearer(Method::PUT, ME, r#"{"email":"x@example.com"}"#, &access)
        .await
        .assert(400, r#"{"display_name":["This field is required."]}"#);
    h.json_bearer(Method::PATCH, ME, r#"{"display_name":"  "}"#, &access)
        .await
        .assert(400, r#"{"display_name":["This field may not be blank."]}"#);
    h.json_bearer(Method::PUT, ME, r#"{"display_name":"Put"}"#, &access)
        .await
        .assert(
            200,
            r#"{"display_name":"Put","id":1,"email":"demo@example.com"}"#,
        );
    // Still logs in by the same email.
    h.login_with(DEMO_EMAIL_LOGIN).await;
}

#[tokio::test]
async fn one_database_serves_both_login_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("interceptor.sqlite3");
    let path = path.to_str().expect("utf-8 path");
    let clock = TestClock::new();
    let by_email =
        Harness::with_db(email_login(), Db::open(path).expect("db"), clock.clone()).await;
    by_email
        .post_json(
            USERS,
            r#"{"email":"eve@example.com","password":"long-enough-1","display_name":"Eve"}"#,
        )
        .await
        .assert(
            201,
            r#"{"display_name":"Eve","email":"eve@example.com","id":2}"#,
        );
    drop(by_email);
    let by_username =
        Harness::with_db(Settings::default(), Db::open(path).expect("db"), clock).await;
    by_username.login().await;
    by_username
        .login_with(r#"{"username":"eve@example.com","password":"long-enough-1"}"#)
        .await;
}

// ---- all three: docs/wire.md's "common variant" table, row by row ----

#[tokio::test]
async fn the_common_variant_of_wire_md() {
    let h = Harness::with(common_variant()).await;

    let reply = h.post_json(LOGIN, DEMO_EMAIL_LOGIN).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.starts_with(r#"{"refresh":""#));
    let access = reply.field("access");
    let claims = payload(&access);
    let keys: Vec<&String> = claims.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["exp", "iat", "jti", "sub", "token_type"]);
    assert_eq!(claims["sub"], "1");
    assert!(payload_text(&access).ends_with(r#","sub":"1"}"#));

    h.post_json(LOGIN, DEMO_LOGIN)
        .await
        .assert(400, r#"{"email":["This field is required."]}"#);
    h.post_json(LOGIN, r#"{"email":"demo@example.com","password":"nope"}"#)
        .await
        .assert_401(NO_ACTIVE_ACCOUNT, JWT_REALM);
    h.get_with_auth(ME, &format!("JWT {access}"))
        .await
        .assert(200, DEMO_USER_EMAIL_MODEL);
    h.get_with_auth(ME, &format!("Bearer {access}"))
        .await
        .assert_401(NOT_PROVIDED, JWT_REALM);
    h.get_with_auth(ME, "JWT garbage")
        .await
        .assert_401(GARBAGE_BODY, JWT_REALM);
    h.post_json(
        USERS,
        r#"{"email":"x@example.com","password":"long-enough-1","display_name":"X"}"#,
    )
    .await
    .assert(
        201,
        r#"{"display_name":"X","email":"x@example.com","id":2}"#,
    );
}
