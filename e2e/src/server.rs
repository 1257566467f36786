//! The reference backend, in this process: the API, its test hooks and the release build of the
//! app, on a port of its own.

use std::net::SocketAddr;
use std::path::PathBuf;

use hyper::Method;
use interceptor_server::db::IN_MEMORY;
use interceptor_server::test_hooks::LogEntry;
use interceptor_server::{app, AppState, Clock, Db, Settings};
use serde_json::{json, Value};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::http::{Answer, Http};

/// The API's token paths, as the request log shows them.
pub const JWT_CREATE: &str = "/api/v1/auth/jwt/create/";
pub const JWT_REFRESH: &str = "/api/v1/auth/jwt/refresh/";
pub const JWT_BLACKLIST: &str = "/api/v1/auth/jwt/blacklist/";
pub const USERS_ME: &str = "/api/v1/auth/users/me/";

/// The release build that `trunk build --release` leaves in `<workspace>/dist`.
///
/// # Panics
///
/// When `dist/index.html` is missing: the tests need the built app.
pub fn dist_dir() -> PathBuf {
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("dist");
    assert!(
        dist.join("index.html").is_file(),
        "{} has no index.html: the end-to-end tests drive the release build of the app; run \
         `trunk build --release` in the workspace root first (scripts/test does)",
        dist.display()
    );
    dist
}

/// The backend serving on `127.0.0.1:<free port>`: in-memory database, test hooks on, the demo
/// user with its default password, `dist/` as the site. Stops when dropped.
pub struct TestServer {
    origin: String,
    addr: SocketAddr,
    state: AppState,
    http: Http,
    task: JoinHandle<()>,
    stop: Option<oneshot::Sender<()>>,
}

/// Serves `state` on `listener` until told to stop (gracefully: idle keep-alive connections
/// are closed, so the port then refuses the browser).
fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
) -> (JoinHandle<()>, oneshot::Sender<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let router = app(state);
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, router).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        if let Err(error) = server.await {
            eprintln!("test server stopped: {error}");
        }
    });
    (task, stop)
}

impl TestServer {
    /// Builds the state the way `interceptor-server`'s `main` does and serves it.
    ///
    /// # Panics
    ///
    /// When `dist/` is not built, or the server cannot start.
    pub async fn start() -> Self {
        let settings = Settings {
            static_dir: Some(dist_dir()),
            test_hooks: true,
            ..Settings::default()
        };
        let db = Db::open(IN_MEMORY).expect("an in-memory database opens");
        let state = AppState::new(settings, db, Clock::system())
            .await
            .expect("the server state builds");
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("a free port on 127.0.0.1");
        let addr = listener.local_addr().expect("the listener's address");
        let (task, stop) = serve(listener, state.clone());
        Self {
            origin: format!("http://{addr}"),
            addr,
            state,
            http: Http::default(),
            task,
            stop: Some(stop),
        }
    }

    /// Takes the server down: from now on its port refuses connections, as a crashed or
    /// restarting backend's does. The state (users, tokens, blacklist) is kept for
    /// [`TestServer::come_back`].
    pub async fn go_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // A request in progress may finish; after that the task ends by itself.
        if tokio::time::timeout(Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }

    /// Serves again, on the same port, with the same state.
    pub async fn come_back(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("the same port again");
        let (task, stop) = serve(listener, self.state.clone());
        self.task = task;
        self.stop = Some(stop);
    }

    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// The server's state, for what the hooks do not show.
    pub fn state(&self) -> &AppState {
        &self.state
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

    /// `POST <path>` with a JSON body, from the test rather than the browser.
    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.http
            .expect(Method::POST, &self.url(path), Some(body))
            .await
    }

    /// `POST jwt/blacklist/` for `refresh`.
    pub async fn blacklist(&self, refresh: &str) -> Answer {
        self.post(JWT_BLACKLIST, &json!({ "refresh": refresh }))
            .await
    }

    /// `POST jwt/refresh/` with `refresh`.
    pub async fn refresh(&self, refresh: &str) -> Answer {
        self.post(JWT_REFRESH, &json!({ "refresh": refresh })).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
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
                "  {} {} {} bearer={} at {}",
                e.method, e.path, e.status, e.bearer, e.at_ms
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
