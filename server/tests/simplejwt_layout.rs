//! `--url-layout simplejwt`: SimpleJWT's own views at `/api/token/...` and the app's
//! `/api/me/`, as docs/wire.md's "plain SimpleJWT" section records them.

mod common;

use axum::http::Method;
use common::*;
use interceptor_server::{AuthHeaderTypes, LoginField, Settings, UrlLayout};

const TOKEN: &str = "/api/token/";
const TOKEN_REFRESH: &str = "/api/token/refresh/";
const TOKEN_VERIFY: &str = "/api/token/verify/";
const TOKEN_BLACKLIST: &str = "/api/token/blacklist/";
const API_ME: &str = "/api/me/";
const NOT_PROVIDED: &str = r#"{"detail":"Authentication credentials were not provided."}"#;
const BLACKLISTED: &str = r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#;

fn simplejwt() -> Settings {
    Settings {
        url_layout: UrlLayout::SimpleJwt,
        ..Settings::default()
    }
}

async fn pair(h: &Harness, body: &str) -> (String, String) {
    let reply = h.post_json(TOKEN, body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    (reply.field("refresh"), reply.field("access"))
}

fn refresh_body(refresh: &str) -> String {
    serde_json::json!({ "refresh": refresh }).to_string()
}

#[tokio::test]
async fn login_me_refresh_and_logout() {
    let h = Harness::with(simplejwt()).await;
    let (refresh, access) = pair(&h, DEMO_LOGIN).await;
    assert_eq!(payload(&access)["user_id"], "1");

    let me = h.get_with_auth(API_ME, &format!("Bearer {access}")).await;
    me.assert(
        200,
        r#"{"id":1,"username":"demo","email":"demo@example.com"}"#,
    );
    assert_eq!(me.header("allow"), Some("GET, HEAD, OPTIONS"));

    let refreshed = h.post_json(TOKEN_REFRESH, &refresh_body(&refresh)).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    assert!(refreshed.json().get("refresh").is_none());
    h.post_json(
        TOKEN_VERIFY,
        &serde_json::json!({ "token": access }).to_string(),
    )
    .await
    .assert(200, "{}");

    h.post_json(TOKEN_BLACKLIST, &refresh_body(&refresh))
        .await
        .assert(200, "{}");
    h.post_json(TOKEN_REFRESH, &refresh_body(&refresh))
        .await
        .assert(401, BLACKLISTED);
}

#[tokio::test]
async fn me_refuses_what_simplejwt_refuses() {
    let h = Harness::with(simplejwt()).await;
    h.get(API_ME).await.assert(401, NOT_PROVIDED);
    h.get_with_auth(API_ME, "Bearer not.a.token").await.assert(
        401,
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}"#,
    );
    let (refresh, access) = pair(&h, DEMO_LOGIN).await;
    let wrong_type = h.get_with_auth(API_ME, &format!("Bearer {refresh}")).await;
    assert!(
        wrong_type.body.contains("Token has wrong type"),
        "{}",
        wrong_type.body
    );
    // The permission runs before the method lookup: anonymous is 401, signed in 405.
    h.post_json(API_ME, "{}").await.assert(401, NOT_PROVIDED);
    let post = h.json_bearer(Method::POST, API_ME, "{}", &access).await;
    post.assert(405, r#"{"detail":"Method \"POST\" not allowed."}"#);
    assert_eq!(post.header("allow"), Some("GET, HEAD, OPTIONS"));

    h.clock.advance(std::time::Duration::from_secs(301));
    let expired = h.get_with_auth(API_ME, &format!("Bearer {access}")).await;
    assert!(
        expired.body.contains("Token is expired"),
        "{}",
        expired.body
    );
}

#[tokio::test]
async fn rotation_blacklists_the_old_refresh_token() {
    let h = Harness::with(Settings {
        tokens: interceptor_server::TokenSettings {
            rotate_refresh_tokens: true,
            blacklist_after_rotation: true,
            ..Default::default()
        },
        ..simplejwt()
    })
    .await;
    let (old, _) = pair(&h, DEMO_LOGIN).await;
    let rotated = h.post_json(TOKEN_REFRESH, &refresh_body(&old)).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new = rotated.field("refresh");
    h.post_json(TOKEN_REFRESH, &refresh_body(&old))
        .await
        .assert(401, BLACKLISTED);
    let again = h.post_json(TOKEN_REFRESH, &refresh_body(&new)).await;
    assert_eq!(again.status, 200, "{}", again.body);
}

#[tokio::test]
async fn paths_are_slashed_and_djoser_is_absent() {
    let h = Harness::with(simplejwt()).await;
    for path in [TOKEN, TOKEN_REFRESH, TOKEN_VERIFY, TOKEN_BLACKLIST, API_ME] {
        let reply = h.get(path.trim_end_matches('/')).await;
        assert_eq!(reply.status, 301, "{path}");
        assert_eq!(reply.header("location"), Some(path));
    }
    for path in [LOGIN, REFRESH, ME, USERS, "/api/"] {
        let reply = h.get(path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
    }
    assert_eq!(h.post_json(USERS, "{}").await.status, 404);
}

#[tokio::test]
async fn the_email_login_model_has_its_own_me() {
    let h = Harness::with(Settings {
        login_field: LoginField::Email,
        auth_header_types: AuthHeaderTypes::new(["JWT"]).expect("valid"),
        user_id_claim: "sub".into(),
        ..simplejwt()
    })
    .await;
    let (_, access) = pair(&h, DEMO_EMAIL_LOGIN).await;
    assert_eq!(payload(&access)["sub"], "1");
    h.get_with_auth(API_ME, &format!("JWT {access}"))
        .await
        .assert(
            200,
            r#"{"id":1,"email":"demo@example.com","display_name":"Demo User"}"#,
        );
}
