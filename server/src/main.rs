//! `interceptor-server`: run the reference API.
//!
//! ```text
//! cargo run -p interceptor-server -- --db :memory: --bind 127.0.0.1:8000 --test-hooks
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Parser};
use interceptor_server::config::{parse_duration, DEFAULT_DEMO_PASSWORD};
use interceptor_server::state::{DEMO_EMAIL, DEMO_USERNAME};
use interceptor_server::{
    app, AppState, Clock, CorsPolicy, Db, LogFormat, Settings, TokenSettings,
};
use tracing_subscriber::EnvFilter;

/// The djoser + SimpleJWT reference API for the interceptor app.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "INTERCEPTOR_BIND", default_value = "127.0.0.1:8000")]
    bind: String,
    /// SQLite database file, or `:memory:` for a throwaway one.
    #[arg(long, env = "INTERCEPTOR_DB", default_value = "interceptor.sqlite3")]
    db: String,
    /// Access token lifetime (500ms, 2s, 5m, 1h, 1d).
    #[arg(long, env = "INTERCEPTOR_ACCESS_TTL", default_value = "5m", value_parser = parse_duration)]
    access_ttl: Duration,
    /// Refresh token lifetime.
    #[arg(long, env = "INTERCEPTOR_REFRESH_TTL", default_value = "1d", value_parser = parse_duration)]
    refresh_ttl: Duration,
    /// A refresh also returns a new refresh token (ROTATE_REFRESH_TOKENS).
    #[arg(long, env = "INTERCEPTOR_ROTATE_REFRESH_TOKENS", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    rotate_refresh_tokens: bool,
    /// A rotated refresh token is blacklisted (BLACKLIST_AFTER_ROTATION).
    #[arg(long, env = "INTERCEPTOR_BLACKLIST_AFTER_ROTATION", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    blacklist_after_rotation: bool,
    /// An origin allowed to call the API from a browser; repeatable; `*` for any.
    #[arg(
        long = "cors-origin",
        env = "INTERCEPTOR_CORS_ORIGINS",
        value_delimiter = ','
    )]
    cors_origins: Vec<String>,
    /// Serve a built single-page app from this directory (index.html for unknown paths).
    #[arg(long, env = "INTERCEPTOR_STATIC_DIR")]
    static_dir: Option<PathBuf>,
    /// Log format: text or json.
    #[arg(long, env = "INTERCEPTOR_LOG_FORMAT", default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Password of the demo user, set when that user is first created.
    #[arg(long, env = "INTERCEPTOR_DEMO_PASSWORD", default_value = DEFAULT_DEMO_PASSWORD, hide_env_values = true)]
    demo_password: String,
    /// Mount the /__test__/ routes (request log, live config, fault injection).
    #[arg(long, env = "INTERCEPTOR_TEST_HOOKS", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    test_hooks: bool,
}

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
    let settings = Settings {
        tokens: TokenSettings {
            access_ttl: args.access_ttl,
            refresh_ttl: args.refresh_ttl,
            rotate_refresh_tokens: args.rotate_refresh_tokens,
            blacklist_after_rotation: args.blacklist_after_rotation,
        },
        cors: CorsPolicy::new(args.cors_origins),
        static_dir: args.static_dir,
        test_hooks: args.test_hooks,
        demo_password: args.demo_password.clone(),
    };
    if let Some(dir) = &settings.static_dir {
        if !dir.join("index.html").is_file() {
            tracing::warn!(dir = %dir.display(), "static dir has no index.html");
        }
    }
    let db = Db::open(&args.db).map_err(|e| format!("cannot open database {:?}: {e}", args.db))?;
    let state = AppState::new(settings, db, Clock::system()).await?;
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let addr = listener.local_addr()?;

    tracing::info!("listening on http://{addr}/ (API at http://{addr}/api/)");
    tracing::info!(
        "demo login: username {DEMO_USERNAME:?}, password {:?} (email {DEMO_EMAIL}), unless the database already had that user",
        args.demo_password
    );
    if args.test_hooks {
        tracing::info!("test hooks enabled at http://{addr}/__test__/");
    }

    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
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
