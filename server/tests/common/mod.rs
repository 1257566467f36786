//! Shared test harness: an app over an in-memory database and a clock the test moves.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use interceptor_server::{app, AppState, Clock, Db, Settings};
use serde_json::Value;
use tower::ServiceExt as _;

pub const LOGIN: &str = "/api/v1/auth/jwt/create/";
pub const REFRESH: &str = "/api/v1/auth/jwt/refresh/";
pub const VERIFY: &str = "/api/v1/auth/jwt/verify/";
pub const BLACKLIST: &str = "/api/v1/auth/jwt/blacklist/";
pub const USERS: &str = "/api/v1/auth/users/";
pub const ME: &str = "/api/v1/auth/users/me/";
pub const SET_PASSWORD: &str = "/api/v1/auth/users/set_password/";
pub const DEMO_LOGIN: &str = r#"{"username":"demo","password":"demo-password"}"#;
pub const WWW_AUTH: &str = r#"Bearer realm="api""#;
pub const DEMO_EMAIL_LOGIN: &str = r#"{"email":"demo@example.com","password":"demo-password"}"#;

/// A clock that stands still until the test moves it.
#[derive(Clone)]
pub struct TestClock(Arc<AtomicU64>);

impl TestClock {
    /// Starts at the docs/wire.md example's `iat`, 1795742062 (plus 250 ms).
    pub fn new() -> Self {
        Self(Arc::new(AtomicU64::new(1_795_742_062_250)))
    }

    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }

    pub fn clock(&self) -> Clock {
        let millis = Arc::clone(&self.0);
        Clock::from_fn(move || UNIX_EPOCH + Duration::from_millis(millis.load(Ordering::SeqCst)))
    }

    pub fn now_secs(&self) -> i64 {
        (self.0.load(Ordering::SeqCst) / 1000) as i64
    }
}

pub struct Harness {
    pub state: AppState,
    pub app: Router,
    pub clock: TestClock,
}

/// A response with its body read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// The body's top-level keys, in order.
    pub fn keys(&self) -> Vec<String> {
        match self.json() {
            Value::Object(object) => object.keys().cloned().collect(),
            other => panic!("not a JSON object: {other}"),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts status and exact body bytes, and `WWW-Authenticate` on a 401.
    #[track_caller]
    pub fn assert(&self, status: u16, body: &str) {
        assert_eq!(self.status.as_u16(), status, "status; body {:?}", self.body);
        assert_eq!(self.body, body);
        if status == 401 {
            assert_eq!(
                self.header("www-authenticate"),
                Some(WWW_AUTH),
                "WWW-Authenticate"
            );
        } else {
            assert_eq!(self.header("www-authenticate"), None);
        }
    }

    /// Asserts a 401 with exact body bytes and the given `WWW-Authenticate`.
    #[track_caller]
    pub fn assert_401(&self, body: &str, www_authenticate: &str) {
        assert_eq!(self.status.as_u16(), 401, "status; body {:?}", self.body);
        assert_eq!(self.body, body);
        assert_eq!(self.header("www-authenticate"), Some(www_authenticate));
    }

    pub fn field(&self, name: &str) -> String {
        self.json()[name]
            .as_str()
            .unwrap_or_else(|| panic!("no {name} in {}", self.body))
            .to_owned()
    }
}

impl Harness {
    pub async fn new() -> Self {
        Self::with(Settings::default()).await
    }

    pub async fn with(settings: Settings) -> Self {
        let db = Db::open(":memory:").expect("in-memory db");
        Self::with_db(settings, db, TestClock::new()).await
    }

    pub async fn with_db(settings: Settings, db: Db, clock: TestClock) -> Self {
        let state = AppState::new(settings, db, clock.clock())
            .await
            .expect("state");
        Self {
            app: app(state.clone()),
            state,
            clock,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        send(&self.app, request).await
    }

    pub async fn post_json(&self, path: &str, body: &str) -> Reply {
        self.send(json_request(Method::POST, path, body, None))
            .await
    }

    pub async fn post_json_bearer(&self, path: &str, body: &str, token: &str) -> Reply {
        self.send(json_request(
            Method::POST,
            path,
            body,
            Some(&format!("Bearer {token}")),
        ))
        .await
    }

    /// A JSON request with `Authorization: Bearer <token>`.
    pub async fn json_bearer(&self, method: Method, path: &str, body: &str, token: &str) -> Reply {
        self.send(json_request(
            method,
            path,
            body,
            Some(&format!("Bearer {token}")),
        ))
        .await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(
            request(Method::GET, path)
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    pub async fn get_with_auth(&self, path: &str, authorization: &str) -> Reply {
        self.send(
            request(Method::GET, path)
                .header(header::AUTHORIZATION, authorization)
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    pub async fn me(&self, access: &str) -> Reply {
        self.get_with_auth(ME, &format!("Bearer {access}")).await
    }

    /// Logs the demo user in: `(refresh, access)`.
    pub async fn login(&self) -> (String, String) {
        let reply = self.post_json(LOGIN, DEMO_LOGIN).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        (reply.field("refresh"), reply.field("access"))
    }

    /// Logs in with a JSON body: `(refresh, access)`.
    pub async fn login_with(&self, body: &str) -> (String, String) {
        let reply = self.post_json(LOGIN, body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        (reply.field("refresh"), reply.field("access"))
    }

    pub async fn refresh(&self, refresh: &str) -> Reply {
        self.post_json(
            REFRESH,
            &serde_json::json!({ "refresh": refresh }).to_string(),
        )
        .await
    }
}

pub fn request(method: Method, path: &str) -> axum::http::request::Builder {
    Request::builder().method(method).uri(path)
}

pub fn json_request(
    method: Method,
    path: &str,
    body: &str,
    authorization: Option<&str>,
) -> Request<Body> {
    let mut builder = request(method, path).header(header::CONTENT_TYPE, "application/json");
    if let Some(authorization) = authorization {
        builder = builder.header(header::AUTHORIZATION, authorization);
    }
    builder.body(Body::from(body.to_owned())).expect("request")
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The decoded payload of a JWT.
pub fn payload(token: &str) -> Value {
    use base64::Engine as _;
    let segment = token.split('.').nth(1).expect("payload segment");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("json payload")
}

/// The raw payload text of a JWT (to check key order).
pub fn payload_text(token: &str) -> String {
    use base64::Engine as _;
    let segment = token.split('.').nth(1).expect("payload segment");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .expect("base64url");
    String::from_utf8(bytes).expect("utf8")
}

pub fn now() -> SystemTime {
    SystemTime::now()
}
