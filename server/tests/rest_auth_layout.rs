//! `--url-layout dj-rest-auth`: the cookie wire, as docs/wire.md's "the cookie wire
//! (dj-rest-auth)" section records it.

mod common;

use axum::body::Body;
use axum::http::{header, Method};
use common::*;
use interceptor_server::cookies::{CookieSettings, SameSite};
use interceptor_server::{CorsPolicy, Settings, TokenSettings, UrlLayout};

const LOGIN: &str = "/api/auth/login/";
const LOGOUT: &str = "/api/auth/logout/";
const USER: &str = "/api/auth/user/";
const TOKEN_REFRESH: &str = "/api/auth/token/refresh/";
const PASSWORD_CHANGE: &str = "/api/auth/password/change/";
const DEMO_DETAILS: &str =
    r#"{"pk":1,"username":"demo","email":"demo@example.com","first_name":"","last_name":""}"#;
const NARROWED: &str = "/api/auth/token/refresh/";

fn rest_auth(cookies: CookieSettings) -> Settings {
    Settings {
        url_layout: UrlLayout::RestAuth,
        cookies,
        ..Settings::default()
    }
}

/// A request without a body, with a `Cookie` header and optional other headers.
async fn send(
    h: &Harness,
    method: Method,
    path: &str,
    cookie: &str,
    headers: &[(&str, &str)],
) -> Reply {
    send_json(h, method, path, cookie, headers, "").await
}

/// A JSON request with a `Cookie` header and optional other headers.
async fn send_json(
    h: &Harness,
    method: Method,
    path: &str,
    cookie: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let mut builder = request(method, path).header(header::CONTENT_TYPE, "application/json");
    if !cookie.is_empty() {
        builder = builder.header(header::COOKIE, cookie);
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    h.send(builder.body(Body::from(body.to_owned())).expect("request"))
        .await
}

fn set_cookies(reply: &Reply) -> Vec<String> {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().expect("ascii").to_owned())
        .collect()
}

/// The value a reply sets for cookie `name`.
fn cookie(reply: &Reply, name: &str) -> String {
    set_cookies(reply)
        .iter()
        .find_map(|line| line.strip_prefix(&format!("{name}=")))
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", set_cookies(reply)))
        .to_owned()
}

/// The attributes after a Set-Cookie line's `expires`.
fn attributes(reply: &Reply, name: &str) -> String {
    let line = set_cookies(reply)
        .into_iter()
        .find(|line| line.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"));
    line.split("GMT; ").nth(1).expect("attributes").to_owned()
}

/// A refresh with the token in the body, as a direct check of whether it still works.
async fn refresh_in_body(h: &Harness, token: &str) -> Reply {
    h.post_json(
        TOKEN_REFRESH,
        &serde_json::json!({ "refresh": token }).to_string(),
    )
    .await
}

async fn log_in(h: &Harness) -> Reply {
    let reply = h.post_json(LOGIN, DEMO_LOGIN).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
}

#[tokio::test]
async fn login_sets_both_token_cookies_and_djangos_own() {
    let h = Harness::with(rest_auth(CookieSettings::default())).await;
    let reply = log_in(&h).await;
    let body = reply.json();
    let after_access = reply
        .body
        .split_once(r#"","refresh":"#)
        .expect("refresh after access")
        .1;
    let expected = format!(r#""","user":{DEMO_DETAILS},"access_expiration":""#);
    assert!(after_access.starts_with(&expected), "{}", reply.body);
    assert!(
        reply.body.contains(r#"","refresh_expiration":""#),
        "{}",
        reply.body
    );
    // The test clock stands at ...062.250: five minutes on.
    assert_eq!(body["access_expiration"], "2026-11-27T01:19:22.250000Z");
    assert_eq!(cookie(&reply, "jwt-access"), body["access"]);
    assert_eq!(
        payload(&cookie(&reply, "jwt-refresh"))["token_type"],
        "refresh"
    );
    assert_eq!(
        attributes(&reply, "jwt-access"),
        "HttpOnly; Max-Age=300; Path=/; SameSite=Lax"
    );
    assert_eq!(
        attributes(&reply, "jwt-refresh"),
        "HttpOnly; Max-Age=86400; Path=/; SameSite=Lax"
    );
    assert_eq!(
        attributes(&reply, "csrftoken"),
        "Max-Age=31449600; Path=/; SameSite=Lax"
    );
    assert_eq!(cookie(&reply, "sessionid").len(), 32);
    assert_eq!(reply.header("vary"), Some("Accept, Cookie, origin"));

    h.post_json(LOGIN, r#"{"username":"demo","password":"nope"}"#)
        .await
        .assert(
            400,
            r#"{"non_field_errors":["Unable to log in with provided credentials."]}"#,
        );
    let by_email = h
        .post_json(
            LOGIN,
            r#"{"email":"demo@example.com","password":"demo-password"}"#,
        )
        .await;
    assert_eq!(by_email.status, 200, "{}", by_email.body);
}

#[tokio::test]
async fn the_access_cookie_authenticates_unless_a_header_came() {
    let h = Harness::with(rest_auth(CookieSettings::default())).await;
    let access = cookie(&log_in(&h).await, "jwt-access");
    let jar = format!("jwt-access={access}");
    send(&h, Method::GET, USER, &jar, &[])
        .await
        .assert(200, DEMO_DETAILS);
    send(&h, Method::GET, "/api/auth/user", &jar, &[])
        .await
        .assert(200, DEMO_DETAILS);
    // Any Authorization header is read instead of the cookie.
    send(&h, Method::GET, USER, &jar, &[("authorization", "Basic x")])
        .await
        .assert(
            401,
            r#"{"detail":"Authentication credentials were not provided."}"#,
        );
    let garbage = send(&h, Method::GET, USER, "jwt-access=garbage", &[]).await;
    assert!(
        garbage.body.contains("Token is invalid"),
        "{}",
        garbage.body
    );
}

#[tokio::test]
async fn refresh_reads_the_cookie_and_rotation_replaces_it() {
    let h = Harness::with(Settings {
        tokens: TokenSettings {
            rotate_refresh_tokens: true,
            blacklist_after_rotation: true,
            ..TokenSettings::default()
        },
        ..rest_auth(CookieSettings::default())
    })
    .await;
    send(&h, Method::POST, TOKEN_REFRESH, "", &[]).await.assert(
        401,
        r#"{"detail":"No valid refresh token found.","code":"token_not_valid"}"#,
    );
    let old = cookie(&log_in(&h).await, "jwt-refresh");
    let rotated = send(
        &h,
        Method::POST,
        TOKEN_REFRESH,
        &format!("jwt-refresh={old}"),
        &[],
    )
    .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert!(
        rotated.body.starts_with(r#"{"access":""#),
        "{}",
        rotated.body
    );
    assert!(
        rotated.body.contains(r#"","access_expiration":""#),
        "{}",
        rotated.body
    );
    let new = cookie(&rotated, "jwt-refresh");
    assert_ne!(new, old);
    refresh_in_body(&h, &old).await.assert(
        401,
        r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#,
    );
    // A body `refresh` wins over the cookie.
    let body_wins = send_json(
        &h,
        Method::POST,
        TOKEN_REFRESH,
        &format!("jwt-refresh={new}"),
        &[],
        r#"{"refresh":"not.a.token"}"#,
    )
    .await;
    body_wins.assert(
        401,
        r#"{"detail":"Token is invalid","code":"token_not_valid"}"#,
    );
}

#[tokio::test]
async fn logout_revokes_when_the_refresh_cookie_reaches_it() {
    let h = Harness::with(rest_auth(CookieSettings::default())).await;
    let login = log_in(&h).await;
    let refresh = cookie(&login, "jwt-refresh");
    let jar = format!(
        "jwt-access={}; jwt-refresh={refresh}; sessionid=abc",
        cookie(&login, "jwt-access")
    );
    let logout = send(&h, Method::POST, LOGOUT, &jar, &[]).await;
    logout.assert(200, r#"{"detail":"Successfully logged out."}"#);
    assert_eq!(
        set_cookies(&logout),
        [
            r#"jwt-access=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"#,
            r#"jwt-refresh=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"#,
            r#"sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"#,
        ]
    );
    assert_eq!(logout.header("vary"), Some("Accept, origin, Cookie"));
    refresh_in_body(&h, &refresh).await.assert(
        401,
        r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#,
    );
}

#[tokio::test]
async fn a_narrowed_refresh_cookie_path_leaves_the_token_valid_after_logout() {
    let h = Harness::with(rest_auth(CookieSettings {
        refresh_cookie_path: NARROWED.into(),
        ..CookieSettings::default()
    }))
    .await;
    let login = log_in(&h).await;
    assert_eq!(
        attributes(&login, "jwt-refresh"),
        format!("HttpOnly; Max-Age=86400; Path={NARROWED}; SameSite=Lax")
    );
    // The browser sends only the access cookie to logout/.
    let jar = format!("jwt-access={}", cookie(&login, "jwt-access"));
    let logout = send(&h, Method::POST, LOGOUT, &jar, &[]).await;
    assert_eq!(logout.status, 401);
    assert_eq!(
        logout.body,
        r#"{"detail":"Refresh token was not included in cookie data."}"#
    );
    assert_eq!(logout.header("www-authenticate"), None);
    assert_eq!(set_cookies(&logout).len(), 2, "both token cookies deleted");
    assert!(set_cookies(&logout)[1].contains(&format!("Path={NARROWED}")));
    let still_valid = refresh_in_body(&h, &cookie(&login, "jwt-refresh")).await;
    assert_eq!(still_valid.status, 200, "{}", still_valid.body);
}

#[tokio::test]
async fn csrf_guards_what_the_access_cookie_authenticates() {
    let h = Harness::with(rest_auth(CookieSettings {
        csrf: true,
        csrf_trusted_origins: vec!["http://localhost:8080".into()],
        ..CookieSettings::default()
    }))
    .await;
    let login = log_in(&h).await;
    let (access, csrf) = (cookie(&login, "jwt-access"), cookie(&login, "csrftoken"));
    let only_access = format!("jwt-access={access}");
    let both = format!("jwt-access={access}; csrftoken={csrf}");
    let refused = |reason: &str| format!(r#"{{"detail":"CSRF Failed: {reason}"}}"#);
    send(&h, Method::POST, LOGOUT, &only_access, &[])
        .await
        .assert(403, &refused("CSRF cookie not set."));
    send(&h, Method::POST, LOGOUT, &both, &[])
        .await
        .assert(403, &refused("CSRF token missing."));
    send(
        &h,
        Method::POST,
        LOGOUT,
        &both,
        &[("x-csrftoken", &"x".repeat(32))],
    )
    .await
    .assert(
        403,
        &refused("CSRF token from the 'X-Csrftoken' HTTP header incorrect."),
    );
    send(
        &h,
        Method::POST,
        LOGOUT,
        &both,
        &[("x-csrftoken", &csrf), ("origin", "http://evil.example")],
    )
    .await
    .assert(
        403,
        &refused(
            "Origin checking failed - http://evil.example does not match any trusted origins.",
        ),
    );
    // A login while holding the access cookie is checked too.
    send(&h, Method::POST, LOGIN, &only_access, &[])
        .await
        .assert(403, &refused("CSRF cookie not set."));
    // Safe methods and Bearer authentication are not checked.
    send(&h, Method::GET, USER, &only_access, &[])
        .await
        .assert(200, DEMO_DETAILS);
    let bearer = format!("Bearer {access}");
    let mismatch = send(
        &h,
        Method::POST,
        PASSWORD_CHANGE,
        "",
        &[("authorization", &bearer)],
    )
    .await;
    assert_eq!(mismatch.status, 400, "{}", mismatch.body);
    // The token passes from a trusted origin.
    let passed = send(
        &h,
        Method::POST,
        LOGOUT,
        &both,
        &[("x-csrftoken", &csrf), ("origin", "http://localhost:8080")],
    )
    .await;
    assert_eq!(
        passed.body,
        r#"{"detail":"Refresh token was not included in cookie data."}"#
    );
}

#[tokio::test]
async fn cookie_settings_and_live_lifetimes_shape_the_cookies() {
    let h = Harness::with(Settings {
        test_hooks: true,
        cors: CorsPolicy::new(["http://localhost:8080"])
            .with_credentials(true)
            .expect("exact origins"),
        ..rest_auth(CookieSettings {
            access_cookie: "access".into(),
            refresh_cookie: "refresh".into(),
            same_site: SameSite::None,
            secure: true,
            ..CookieSettings::default()
        })
    })
    .await;
    let config = h
        .send(json_request(
            Method::PUT,
            "/__test__/config",
            r#"{"access_ttl_ms":7000,"refresh_ttl_ms":9500}"#,
            None,
        ))
        .await;
    assert_eq!(config.status, 200, "{}", config.body);
    let login = h
        .send(
            request(Method::POST, LOGIN)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ORIGIN, "http://localhost:8080")
                .body(Body::from(DEMO_LOGIN))
                .expect("request"),
        )
        .await;
    assert_eq!(
        attributes(&login, "access"),
        "HttpOnly; Max-Age=7; Path=/; SameSite=None; Secure"
    );
    // 9.5 s: Django's added second, rounded down.
    assert_eq!(
        attributes(&login, "refresh"),
        "HttpOnly; Max-Age=10; Path=/; SameSite=None; Secure"
    );
    assert_eq!(
        login.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(
        login.header("access-control-allow-origin"),
        Some("http://localhost:8080")
    );
    assert!(CorsPolicy::new(["*"]).with_credentials(true).is_err());
}

#[tokio::test]
async fn password_change_takes_two_matching_passwords() {
    let h = Harness::with(rest_auth(CookieSettings::default())).await;
    let jar = format!("jwt-access={}", cookie(&log_in(&h).await, "jwt-access"));
    let change = |body| send_json(&h, Method::POST, PASSWORD_CHANGE, &jar, &[], body);
    change(r#"{"new_password1":"new-password-1","new_password2":"other"}"#)
        .await
        .assert(
            400,
            "{\"new_password2\":[\"The two password fields didn\u{2019}t match.\"]}",
        );
    change(r#"{"new_password1":"123","new_password2":"123"}"#).await.assert(
        400,
        r#"{"new_password2":["This password is too short. It must contain at least 8 characters.","This password is entirely numeric."]}"#,
    );
    let saved =
        change(r#"{"new_password1":"new-password-1","new_password2":"new-password-1"}"#).await;
    saved.assert(200, r#"{"detail":"New password has been saved."}"#);
    assert_eq!(cookie(&saved, "sessionid").len(), 32);
    let relogin = h
        .post_json(LOGIN, r#"{"username":"demo","password":"new-password-1"}"#)
        .await;
    assert_eq!(relogin.status, 200, "{}", relogin.body);
}

#[tokio::test]
async fn user_details_take_names_and_a_new_username() {
    let h = Harness::with(rest_auth(CookieSettings::default())).await;
    let jar = format!("jwt-access={}", cookie(&log_in(&h).await, "jwt-access"));
    let update = |method, body| send_json(&h, method, USER, &jar, &[], body);
    update(Method::PATCH, r#"{"first_name":"Dee","email":"x@example.com"}"#)
        .await
        .assert(
            200,
            r#"{"pk":1,"username":"demo","email":"demo@example.com","first_name":"Dee","last_name":""}"#,
        );
    update(Method::PUT, r#"{"first_name":"Dee"}"#)
        .await
        .assert(400, r#"{"username":["This field is required."]}"#);
    update(Method::PUT, r#"{"username":"dee","last_name":"Mo"}"#)
        .await
        .assert(
            200,
            r#"{"pk":1,"username":"dee","email":"demo@example.com","first_name":"Dee","last_name":"Mo"}"#,
        );
    let relogin = h
        .post_json(LOGIN, r#"{"username":"dee","password":"demo-password"}"#)
        .await;
    assert!(
        relogin
            .body
            .contains(r#""first_name":"Dee","last_name":"Mo""#),
        "{}",
        relogin.body
    );
}
