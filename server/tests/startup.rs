//! Start-up as the `interceptor-server` binary does it (`lifecycle::run`), in this
//! process: what it refuses to start with, and what its log says and does not say.

use std::io::Write;
use std::sync::{Arc, Mutex};

use clap::Parser as _;
use interceptor_server::cli::Args;
use interceptor_server::config::ConfigError;
use interceptor_server::lifecycle::{self, StartError, Stopped};

fn args(list: &[&str]) -> Args {
    Args::try_parse_from(std::iter::once("interceptor-server").chain(list.iter().copied()))
        .expect("arguments parse")
}

/// A log writer the test reads back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Starts a server that stops at once, and returns its start-up log. The subscriber is
/// this thread's, and the test runtime runs `run` on this thread.
/// Why a start with these arguments is refused; fails the test if it starts.
async fn refused_start(list: &[&str]) -> StartError {
    lifecycle::run(args(list), async {})
        .await
        .expect_err("refused")
}

async fn start_up_log(list: &[&str]) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let stopped = lifecycle::run(args(list), async {}).await.expect("started");
    drop(guard);
    assert_eq!(stopped, Stopped::Gracefully);
    captured.text()
}

#[tokio::test]
async fn test_hooks_are_refused_off_loopback() {
    for bind in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
        let error = refused_start(&["--test-hooks", "--bind", bind, "--db", ":memory:"]).await;
        assert!(
            matches!(
                error,
                StartError::Config(ConfigError::TestHooksNeedLoopback(_))
            ),
            "{bind}: {error}"
        );
        assert!(error.to_string().contains("loopback"), "{error}");
    }
}

#[tokio::test]
async fn the_test_hooks_banner_is_loud() {
    let log = start_up_log(&["--test-hooks", "--bind", "127.0.0.1:0", "--db", ":memory:"]).await;
    let banner: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("WARN") && line.contains("!!"))
        .collect();
    assert!(banner.len() >= 4, "{log}");
    assert!(log.contains("TEST HOOKS ARE ON"), "{log}");
    assert!(log.contains("/__test__/"), "{log}");

    let log = start_up_log(&["--bind", "127.0.0.1:0", "--db", ":memory:"]).await;
    assert!(!log.contains("TEST HOOKS"), "{log}");
}

#[tokio::test]
async fn a_database_inside_the_static_dir_is_refused_and_not_created() {
    let site = tempfile::tempdir().expect("tempdir");
    std::fs::write(site.path().join("index.html"), "app").expect("index");
    let database = site.path().join("interceptor.sqlite3");
    let error = refused_start(&[
        "--static-dir",
        site.path().to_str().expect("utf-8"),
        "--db",
        database.to_str().expect("utf-8"),
        "--bind",
        "127.0.0.1:0",
    ])
    .await;
    assert!(
        matches!(
            error,
            StartError::Config(ConfigError::DatabaseInsideStaticDir { .. })
        ),
        "{error}"
    );
    assert!(!database.exists(), "the refused start created the database");
}

#[tokio::test]
async fn a_chosen_demo_password_never_reaches_the_log() {
    let log = start_up_log(&[
        "--bind",
        "127.0.0.1:0",
        "--db",
        ":memory:",
        "--demo-password",
        "correct-horse-battery",
    ])
    .await;
    assert!(log.contains("demo login"), "{log}");
    assert!(!log.contains("correct-horse-battery"), "{log}");

    let log = start_up_log(&["--bind", "127.0.0.1:0", "--db", ":memory:"]).await;
    assert!(
        log.contains("demo-password"),
        "the default may be shown: {log}"
    );
}
