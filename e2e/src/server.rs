//! The reference backend, in this process: the API, its test hooks and the release build of the
//! app, on a port of its own.

use std::net::SocketAddr;
use std::path::PathBuf;

use interceptor_server::db::IN_MEMORY;
use interceptor_server::{app, AppState, Clock, Db, Settings};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::hooks::Hooks;

/// The release build that `trunk build --release` leaves in `<workspace>/dist`, or the one
/// `INTERCEPTOR_E2E_DIST` names.
///
/// # Panics
///
/// When `dist/index.html` is missing: the tests need the built app.
pub fn dist_dir() -> PathBuf {
    // Another build can stand in, to run the suite against it (an earlier commit's, say).
    let dist = std::env::var_os("INTERCEPTOR_E2E_DIST").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("dist")
        },
        PathBuf::from,
    );
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
    hooks: Hooks,
    addr: SocketAddr,
    state: AppState,
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
        Self::serving(dist_dir()).await
    }

    /// [`TestServer::start`] with lossless rotation (`--refresh-reuse-interval`).
    pub async fn start_lossless(reuse_interval: Duration) -> Self {
        Self::serving_with(dist_dir(), Some(reuse_interval)).await
    }

    /// [`TestServer::start`] with another build of the app as the site (a benchmark comparing
    /// builds).
    pub async fn serving(site: PathBuf) -> Self {
        Self::serving_with(site, None).await
    }

    async fn serving_with(site: PathBuf, refresh_reuse_interval: Option<Duration>) -> Self {
        let settings = Settings {
            static_dir: Some(site),
            test_hooks: true,
            refresh_reuse_interval,
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
            hooks: Hooks::new(&format!("http://{addr}")),
            addr,
            state,
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

    /// Its test hooks and token endpoints.
    pub fn hooks(&self) -> &Hooks {
        &self.hooks
    }

    /// The server's state, for what the hooks do not show.
    pub fn state(&self) -> &AppState {
        &self.state
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
