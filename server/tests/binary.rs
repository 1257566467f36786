//! The `interceptor-server` binary itself: what it refuses to start with, and what its
//! start-up log says (and does not say).

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_interceptor-server");

/// A server process, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .args(args)
        .args(["--log-format", "json"])
        .env_remove("RUST_LOG")
        .env_remove("INTERCEPTOR_SECRET_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs a server that must refuse to start: its exit status and everything it printed.
fn refused(args: &[&str]) -> (std::process::ExitStatus, String) {
    let output = command(args).output().expect("the binary runs");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status, printed)
}

/// Starts a server and collects its log up to the "listening" line.
fn start(args: &[&str]) -> (Running, String) {
    let mut child = command(args).spawn().expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    let (lines_tx, lines_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = String::new();
    loop {
        let line = lines_rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no \"listening\" line within 60 s; log so far:\n{log}"));
        log.push_str(&line);
        log.push('\n');
        if line.contains("listening on") {
            // The lines right after it belong to start-up too.
            while let Ok(line) = lines_rx.recv_timeout(Duration::from_millis(300)) {
                log.push_str(&line);
                log.push('\n');
            }
            return (running, log);
        }
    }
}

#[test]
fn test_hooks_are_refused_off_loopback() {
    for bind in ["0.0.0.0:0", "[::]:0"] {
        let (status, printed) = refused(&["--test-hooks", "--bind", bind, "--db", ":memory:"]);
        assert!(!status.success(), "{bind}: {printed}");
        assert!(printed.contains("loopback"), "{bind}: {printed}");
    }
}

#[test]
fn the_test_hooks_banner_is_loud() {
    let (_server, log) = start(&["--test-hooks", "--bind", "127.0.0.1:0", "--db", ":memory:"]);
    let banner: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("!!") && line.contains("\"WARN\""))
        .collect();
    assert!(banner.len() >= 4, "{log}");
    assert!(log.contains("TEST HOOKS ARE ON"), "{log}");
    assert!(log.contains("/__test__/"), "{log}");
}

#[test]
fn a_database_inside_the_static_dir_is_refused_and_not_created() {
    let site = tempfile::tempdir().expect("tempdir");
    std::fs::write(site.path().join("index.html"), "app").expect("index");
    let database = site.path().join("interceptor.sqlite3");
    let (status, printed) = refused(&[
        "--static-dir",
        site.path().to_str().expect("utf-8"),
        "--db",
        database.to_str().expect("utf-8"),
        "--bind",
        "127.0.0.1:0",
    ]);
    assert!(!status.success(), "{printed}");
    assert!(printed.contains("inside --static-dir"), "{printed}");
    assert!(!database.exists(), "the refused start created the database");
}

#[test]
fn a_chosen_demo_password_never_reaches_the_log() {
    let (_server, log) = start(&[
        "--bind",
        "127.0.0.1:0",
        "--db",
        ":memory:",
        "--demo-password",
        "correct-horse-battery",
    ]);
    assert!(log.contains("demo login"), "{log}");
    assert!(!log.contains("correct-horse-battery"), "{log}");

    let (_server, log) = start(&["--bind", "127.0.0.1:0", "--db", ":memory:"]);
    assert!(
        log.contains("demo-password"),
        "the default may be shown: {log}"
    );
}
