//! Tokens someone made or changed: every one is "Token is invalid", as PyJWT + SimpleJWT
//! answer. Each forged token is signed with the server's real secret where a signature
//! is possible, so only the forged part can be what is refused.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use hmac::{Hmac, Mac};
use interceptor_server::config::SecretKey;
use interceptor_server::Settings;

const SECRET: &[u8] = b"a known secret for forging tokens";
const INVALID_BEARER: &str = r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}"#;
const INVALID_REFRESH: &str = r#"{"detail":"Token is invalid","code":"token_not_valid"}"#;

async fn harness() -> Harness {
    Harness::with(Settings {
        secret_key: Some(SecretKey::new(SECRET.to_vec()).expect("key")),
        ..Settings::default()
    })
    .await
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn signed_with<M: Mac + hmac::digest::KeyInit>(header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(SECRET).expect("any key length");
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(&mac.finalize().into_bytes()))
}

fn hs256(header: &str, payload: &str) -> String {
    signed_with::<Hmac<sha2::Sha256>>(header, payload)
}

const HS256_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// A payload the server would issue, `iat` and `exp` around the harness clock.
fn claims(h: &Harness, token_type: &str, extra: &str) -> String {
    let now = h.clock.now_secs();
    format!(
        r#"{{"token_type":"{token_type}","exp":{},"iat":{now},"jti":"0123456789abcdef0123456789abcdef","user_id":"1"{extra}}}"#,
        now + 300
    )
}

/// Both ways a token is used: as a Bearer access token and as a refresh token.
async fn assert_refused(h: &Harness, access: &str, refresh: &str) {
    h.me(access).await.assert(401, INVALID_BEARER);
    h.refresh(refresh).await.assert(401, INVALID_REFRESH);
}

#[tokio::test]
async fn a_well_made_token_is_accepted() {
    // The control: the forging helpers produce tokens the server takes.
    let h = harness().await;
    let access = hs256(HS256_HEADER, &claims(&h, "access", ""));
    h.me(&access).await.assert(
        200,
        r#"{"email":"demo@example.com","id":1,"username":"demo"}"#,
    );
    let refresh = hs256(HS256_HEADER, &claims(&h, "refresh", ""));
    assert_eq!(h.refresh(&refresh).await.status, 200);
}

#[tokio::test]
async fn alg_none_is_invalid() {
    let h = harness().await;
    let unsigned = |kind: &str| {
        format!(
            "{}.{}.",
            b64(br#"{"alg":"none","typ":"JWT"}"#),
            b64(claims(&h, kind, "").as_bytes())
        )
    };
    assert_refused(&h, &unsigned("access"), &unsigned("refresh")).await;
    // Signed or not, "none" is not HS256.
    let header = r#"{"alg":"none","typ":"JWT"}"#;
    assert_refused(
        &h,
        &hs256(header, &claims(&h, "access", "")),
        &hs256(header, &claims(&h, "refresh", "")),
    )
    .await;
}

#[tokio::test]
async fn hs512_is_invalid_even_with_the_right_key() {
    let h = harness().await;
    let header = r#"{"alg":"HS512","typ":"JWT"}"#;
    let sign = |kind: &str| signed_with::<Hmac<sha2::Sha512>>(header, &claims(&h, kind, ""));
    assert_refused(&h, &sign("access"), &sign("refresh")).await;
}

#[tokio::test]
async fn a_header_without_alg_is_invalid() {
    let h = harness().await;
    for header in [
        r#"{"typ":"JWT"}"#,
        r#"{"alg":null,"typ":"JWT"}"#,
        r#"{"alg":"","typ":"JWT"}"#,
    ] {
        assert_refused(
            &h,
            &hs256(header, &claims(&h, "access", "")),
            &hs256(header, &claims(&h, "refresh", "")),
        )
        .await;
    }
}

#[tokio::test]
async fn a_payload_changed_under_its_signature_is_invalid() {
    let h = harness().await;
    h.post_json(USERS, r#"{"username":"alice","password":"wonderland-42"}"#)
        .await
        .assert(201, r#"{"email":"","username":"alice","id":2}"#);
    let (refresh, access) = h.login().await;
    let swap_payload = |token: &str, payload: &str| {
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = b64(payload.as_bytes());
        parts.join(".")
    };
    // Another user, a longer life: the original signature no longer fits.
    let as_alice =
        |token: &str| payload_text(token).replace(r#""user_id":"1""#, r#""user_id":"2""#);
    let longer = |token: &str| {
        let exp = payload(token)["exp"].as_i64().expect("exp");
        payload_text(token).replace(
            &format!(r#""exp":{exp}"#),
            &format!(r#""exp":{}"#, exp + 86_400),
        )
    };
    for change in [as_alice, longer] {
        let forged_access = swap_payload(&access, &change(&access));
        let forged_refresh = swap_payload(&refresh, &change(&refresh));
        assert_ne!(forged_access, access);
        assert_refused(&h, &forged_access, &forged_refresh).await;
    }
    // The originals still work.
    assert_eq!(h.me(&access).await.status, 200);
}

#[tokio::test]
async fn iat_or_nbf_in_the_future_is_invalid() {
    let h = harness().await;
    let now = h.clock.now_secs();
    for future in [
        format!(
            r#"{{"token_type":"%T","exp":{},"iat":{},"jti":"0123456789abcdef0123456789abcdef","user_id":"1"}}"#,
            now + 600,
            now + 60
        ),
        format!(
            r#"{{"token_type":"%T","exp":{},"iat":{now},"nbf":{},"jti":"0123456789abcdef0123456789abcdef","user_id":"1"}}"#,
            now + 600,
            now + 60
        ),
    ] {
        assert_refused(
            &h,
            &hs256(HS256_HEADER, &future.replace("%T", "access")),
            &hs256(HS256_HEADER, &future.replace("%T", "refresh")),
        )
        .await;
    }
    // An nbf already passed is fine.
    let past_nbf = claims(&h, "access", &format!(r#","nbf":{}"#, now - 1));
    assert_eq!(h.me(&hs256(HS256_HEADER, &past_nbf)).await.status, 200);
}
