//! `interceptor-server`: run the reference API.
//!
//! ```text
//! cargo run -p interceptor-server -- --db :memory: --bind 127.0.0.1:8000 --test-hooks
//! ```

use std::process::ExitCode;

use clap::Parser as _;
use interceptor_server::cli::Args;
use interceptor_server::config::{check_database_location, SECRET_KEY_ENV};
use interceptor_server::lifecycle::{self, Stopped};
use interceptor_server::{app, test_hooks, AppState, Clock, Db, LogFormat};
use tracing_subscriber::EnvFilter;

fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    init_tracing(args.log_format);
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let settings = args.settings()?;
    // Checked before the file is created, so a refused start leaves nothing behind.
    check_database_location(&args.db, settings.static_dir.as_deref())?;
    if let Some(dir) = &settings.static_dir {
        if !dir.join("index.html").is_file() {
            tracing::warn!(dir = %dir.display(), "static dir has no index.html");
        }
    }
    let secret_from_env = settings.secret_key.is_some();
    let db = Db::open(&args.db).map_err(|e| format!("cannot open database {:?}: {e}", args.db))?;
    let state = AppState::new(settings, db, Clock::system()).await?;
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
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

    let pruner = lifecycle::spawn_pruner(state.clone(), args.prune_interval);
    let stopped = lifecycle::serve(
        listener,
        app(state),
        shutdown_signal(),
        args.shutdown_deadline,
    )
    .await?;
    pruner.abort();
    match stopped {
        Stopped::Gracefully => tracing::info!("stopped"),
        Stopped::AtDeadline => tracing::warn!(
            "stopped with requests still running after the {:?} shutdown deadline",
            args.shutdown_deadline
        ),
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
