//! How the server starts and ends, and how its requests end: start-up from the command
//! line ([`run`]), a timeout for each request, periodic pruning of expired token rows,
//! and a graceful shutdown with a deadline.

use std::future::Future;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::cli::Args;
use crate::clock::{unix_seconds, Clock};
use crate::config::{check_database_location, ConfigError, SECRET_KEY_ENV};
use crate::db::{self, Db, DbError};
use crate::errors::ApiError;
use crate::state::{AppState, InitError};
use crate::{app, test_hooks};

/// Why the server did not start, or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot open database {path:?}: {source}")]
    Database { path: String, source: DbError },
    #[error(transparent)]
    Init(#[from] InitError),
    #[error("cannot listen on {bind}: {source}")]
    Listen {
        bind: String,
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Serve(#[from] std::io::Error),
}

/// Starts the server the command line describes, serves until `shutdown` resolves, and
/// says how it stopped. Everything refusable (settings, the database's place) is refused
/// before the database file is created or a port is bound.
pub async fn run(
    args: Args,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Stopped, StartError> {
    let settings = args.settings()?;
    check_database_location(&args.db, settings.static_dir.as_deref())?;
    if let Some(dir) = &settings.static_dir {
        if !dir.join("index.html").is_file() {
            tracing::warn!(dir = %dir.display(), "static dir has no index.html");
        }
    }
    let secret_from_env = settings.secret_key.is_some();
    let db = Db::open(&args.db).map_err(|source| StartError::Database {
        path: args.db.clone(),
        source,
    })?;
    let state = AppState::new(settings, db, Clock::system()).await?;
    let listener = TcpListener::bind(&args.bind)
        .await
        .map_err(|source| StartError::Listen {
            bind: args.bind.clone(),
            source,
        })?;
    let addr = listener.local_addr()?;

    if args.test_hooks {
        for line in test_hooks::banner(&addr.to_string()) {
            tracing::warn!("{line}");
        }
    }
    tracing::info!("listening on http://{addr}/ (API at http://{addr}/api/)");
    tracing::info!("{}", args.demo_login_line());
    if secret_from_env {
        tracing::info!("signing secret from {SECRET_KEY_ENV}");
    }

    let pruner = spawn_pruner(state.clone(), args.prune_interval);
    let limits = ConnectionLimits {
        header_read_timeout: args.header_read_timeout,
        shutdown_deadline: args.shutdown_deadline,
    };
    let stopped = serve(listener, app(state), shutdown, limits).await;
    pruner.abort();
    match stopped {
        Stopped::Gracefully => tracing::info!("stopped"),
        Stopped::AtDeadline => tracing::warn!(
            "stopped with requests still running after the {:?} shutdown deadline",
            args.shutdown_deadline
        ),
    }
    Ok(stopped)
}

/// The default `--prune-interval`: expired rows are harmless, only their number grows.
pub const DEFAULT_PRUNE_INTERVAL: Duration = Duration::from_secs(60 * 60);
/// The default `--shutdown-deadline`.
pub const DEFAULT_SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);

/// Middleware: a request still running after the state's request timeout is answered 503
/// `{"detail":"Request timed out."}` (a 5xx: a client keeps its session and retries). It
/// sits inside the fault injection, so a test hook's deliberate delay does not count.
pub async fn time_out_requests(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(state.request_timeout(), next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}

/// Deletes expired outstanding and blacklisted token rows every `every` (SimpleJWT's
/// `flushexpiredtokens`, which Django projects run from cron), by the state's clock.
pub fn spawn_pruner(state: AppState, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every.max(Duration::from_millis(1)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is immediate, and start-up has just pruned.
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let now = unix_seconds(state.clock().now());
            match state
                .db()
                .call(move |conn| db::purge_expired(conn, now))
                .await
            {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "pruned expired token rows"),
                Err(error) => tracing::warn!(%error, "could not prune expired token rows"),
            }
        }
    })
}

/// How [`serve`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every connection finished after the shutdown signal.
    Gracefully,
    /// Requests were still running at the deadline and were abandoned.
    AtDeadline,
}

/// The default `--header-read-timeout`: hyper's own default, which `axum::serve` leaves off.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a connection may keep the server waiting.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// From the connection's start, or the end of its previous response, to a whole request
    /// head; past it the connection is closed.
    pub header_read_timeout: Duration,
    /// After the shutdown signal, how long requests in flight may still run.
    pub shutdown_deadline: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            shutdown_deadline: DEFAULT_SHUTDOWN_DEADLINE,
        }
    }
}

/// Serves `router` over HTTP/1.1 until `shutdown` resolves, then lets requests in flight
/// finish for at most the shutdown deadline: a client that never ends its request cannot hold
/// the process up. A client that never sends a whole request head is cut off after the header
/// read timeout.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: ConnectionLimits,
) -> Stopped {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let connections = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: pass, as axum::serve does.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Small responses go out at once rather than waiting for an acknowledgement.
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let connection = connections.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    match tokio::time::timeout(limits.shutdown_deadline, connections.shutdown()).await {
        Ok(()) => Stopped::Gracefully,
        Err(_) => Stopped::AtDeadline,
    }
}
