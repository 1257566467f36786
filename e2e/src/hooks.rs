//! A backend's test hooks and token endpoints, spoken from the test itself. The reference
//! backend and the bundled Django have the same hooks (`/__test__/config`, `/__test__/log`,
//! `/__test__/fault`), so one client serves both.

use hyper::Method;
use interceptor_server::test_hooks::LogEntry;
use serde_json::{json, Value};

use crate::http::{Answer, Http};

/// The API's token paths, as the request log shows them.
pub const JWT_CREATE: &str = "/api/v1/auth/jwt/create/";
pub const JWT_REFRESH: &str = "/api/v1/auth/jwt/refresh/";
pub const JWT_BLACKLIST: &str = "/api/v1/auth/jwt/blacklist/";
pub const USERS_ME: &str = "/api/v1/auth/users/me/";

/// One wire's token and user paths, as the request log shows them, and how its token calls
/// take the refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WirePaths {
    pub login: &'static str,
    pub refresh: &'static str,
    /// The logout, which blacklists the refresh token: djoser's `jwt/blacklist/`,
    /// dj-rest-auth's `logout/`.
    pub logout: &'static str,
    pub me: &'static str,
    /// The httpOnly cookie that carries the refresh token, where it is one (else it goes in the
    /// body as `refresh`).
    pub refresh_cookie: Option<&'static str>,
}

/// djoser + SimpleJWT under `/api/v1/auth/`.
pub const DJOSER: WirePaths = WirePaths {
    login: JWT_CREATE,
    refresh: JWT_REFRESH,
    logout: JWT_BLACKLIST,
    me: USERS_ME,
    refresh_cookie: None,
};

/// dj-rest-auth's logout view where the bundled Django mounts it a second time: below the
/// refresh URL, for a refresh cookie narrowed to that URL.
pub const LOGOUT_BELOW_REFRESH: &str = "/api/auth/token/refresh/logout/";

/// dj-rest-auth under `/api/auth/`, the tokens in httpOnly cookies (`docs/wire.md`).
pub const DJ_REST_AUTH: WirePaths = WirePaths {
    login: "/api/auth/login/",
    refresh: "/api/auth/token/refresh/",
    logout: "/api/auth/logout/",
    me: "/api/auth/user/",
    refresh_cookie: Some("jwt-refresh"),
};

/// A backend at `origin` (`http://127.0.0.1:<port>`, its API under `/api/`).
#[derive(Debug, Clone)]
pub struct Hooks {
    origin: String,
    http: Http,
}

impl Hooks {
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.trim_end_matches('/').to_owned(),
            http: Http::default(),
        }
    }

    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// `PUT /__test__/config` with a partial config such as `{"access_ttl_ms": 2000}`; returns the
    /// config now in force.
    pub async fn set_config(&self, patch: Value) -> Value {
        let answer = self
            .http
            .expect(Method::PUT, &self.url("/__test__/config"), Some(&patch))
            .await;
        assert_eq!(
            answer.status, 200,
            "PUT /__test__/config {patch}: {answer:?}"
        );
        answer.body
    }

    /// `GET /__test__/log`: every `/api/` request so far, preflights included, in the order
    /// they finished.
    pub async fn log(&self) -> Vec<LogEntry> {
        let answer = self
            .http
            .expect(Method::GET, &self.url("/__test__/log"), None)
            .await;
        assert_eq!(answer.status, 200, "GET /__test__/log: {answer:?}");
        serde_json::from_value(answer.body["requests"].clone()).expect("the log's JSON shape")
    }

    /// `DELETE /__test__/log`.
    pub async fn clear_log(&self) {
        let answer = self
            .http
            .expect(Method::DELETE, &self.url("/__test__/log"), None)
            .await;
        assert_eq!(answer.status, 204, "DELETE /__test__/log: {answer:?}");
    }

    /// `PUT /__test__/fault`, e.g. `{"path": "v1/auth/jwt/refresh/", "answer_delay_ms": 1500,
    /// "times": 1}`: the server's own fault injection, the same on both backends.
    pub async fn set_fault(&self, fault: Value) {
        let answer = self
            .http
            .expect(Method::PUT, &self.url("/__test__/fault"), Some(&fault))
            .await;
        assert_eq!(
            answer.status, 200,
            "PUT /__test__/fault {fault}: {answer:?}"
        );
    }

    /// `GET /__test__/fault`: the faults not used up yet.
    pub async fn faults(&self) -> Vec<Value> {
        let answer = self
            .http
            .expect(Method::GET, &self.url("/__test__/fault"), None)
            .await;
        assert_eq!(answer.status, 200, "GET /__test__/fault: {answer:?}");
        answer.body["faults"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// `DELETE /__test__/fault`.
    pub async fn clear_faults(&self) {
        let answer = self
            .http
            .expect(Method::DELETE, &self.url("/__test__/fault"), None)
            .await;
        assert_eq!(answer.status, 204, "DELETE /__test__/fault: {answer:?}");
    }

    /// `POST <path>` with a JSON body, from the test rather than the browser.
    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.http
            .expect(Method::POST, &self.url(path), Some(body))
            .await
    }

    /// `POST <path>` presenting `refresh` the way `wire` takes it: in the body, or as its
    /// refresh cookie (alone: without the access cookie no CSRF check applies).
    async fn present(&self, wire: &WirePaths, path: &str, refresh: &str) -> Answer {
        match wire.refresh_cookie {
            Some(name) => {
                let cookie = format!("{name}={refresh}");
                self.http
                    .send_with_headers(Method::POST, &self.url(path), None, &[("cookie", &cookie)])
                    .await
                    .unwrap_or_else(|error| panic!("{error}"))
            }
            None => self.post(path, &json!({ "refresh": refresh })).await,
        }
    }

    /// Blacklists `refresh` through `wire`'s logout, as a logout elsewhere would.
    pub async fn blacklist(&self, wire: &WirePaths, refresh: &str) -> Answer {
        self.present(wire, wire.logout, refresh).await
    }

    /// A refresh with `refresh`, from the test rather than the browser.
    pub async fn refresh(&self, wire: &WirePaths, refresh: &str) -> Answer {
        self.present(wire, wire.refresh, refresh).await
    }
}

/// The entries for `path` (preflights left out).
pub fn requests_to<'a>(log: &'a [LogEntry], path: &str) -> Vec<&'a LogEntry> {
    log.iter()
        .filter(|entry| entry.method != "OPTIONS" && entry.path == path)
        .collect()
}

/// One line per entry, for assertion messages.
pub fn describe(log: &[LogEntry]) -> String {
    log.iter()
        .map(|e| {
            format!(
                "  {} {} {} bearer={} at {}..{}",
                e.method, e.path, e.status, e.bearer, e.at_ms, e.done_ms
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
