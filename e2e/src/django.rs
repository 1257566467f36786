//! The bundled Django backend (`backends/django`, through `scripts/django`) as a child process on
//! a free port, with its test hooks, stopped when dropped. `scripts/setup` makes its
//! virtualenv; `scripts/test` runs it.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command as AsyncCommand};

use crate::hooks::Hooks;
use crate::Variant;

/// How long Django may take to say it listens: a cold virtualenv import on a busy 2-core machine.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running Django. Dropping it stops it with SIGTERM, so that it removes its throwaway
/// database, and kills it if it lingers.
pub struct DjangoServer {
    /// `None` while it is down.
    child: Option<Child>,
    hooks: Hooks,
    /// `scripts/django`'s flags but `--bind`, to start it again the same.
    flags: Vec<String>,
    /// Its `SECRET_KEY`, the tokens' signing key: kept across a restart, so that the tokens it
    /// issued stay good.
    secret_key: String,
}

impl DjangoServer {
    /// Starts Django on a free loopback port with its test hooks, allowing browser calls from
    /// `cors_origin` (with cookies and through the CSRF check, on the cookie wire), with the
    /// Django settings of `variant`, and with the `simplejwt-lossless` package at
    /// `reuse_interval` when there is one.
    ///
    /// # Panics
    ///
    /// When it cannot start or does not say where it listens within a minute.
    pub async fn start(
        cors_origin: &str,
        variant: &Variant,
        reuse_interval: Option<Duration>,
    ) -> Self {
        let mut flags: Vec<String> = ["--test-hooks", "--cors-origin", cors_origin]
            .map(String::from)
            .into();
        if variant.cookies.is_some() {
            flags.extend(
                ["--cors-credentials", "--csrf-trusted-origin", cors_origin].map(String::from),
            );
        }
        flags.extend(variant.server_flags());
        flags.extend(reuse_interval.iter().flat_map(|interval| {
            [
                "--refresh-reuse-interval".to_owned(),
                format!("{}ms", interval.as_millis()),
            ]
        }));
        Self::with_flags(flags).await
    }

    /// Starts Django on a free loopback port with `flags`: `scripts/django`'s (the reference
    /// backend's) flags but `--bind`, for settings [`DjangoServer::start`] does not make.
    ///
    /// # Panics
    ///
    /// As [`DjangoServer::start`].
    pub async fn with_flags(flags: Vec<String>) -> Self {
        let secret_key = random_secret_key();
        let (child, origin) = spawn("127.0.0.1:0", &flags, &secret_key).await;
        Self {
            child: Some(child),
            hooks: Hooks::new(&origin),
            flags,
            secret_key,
        }
    }

    /// Its test hooks and token endpoints.
    pub fn hooks(&self) -> &Hooks {
        &self.hooks
    }

    /// Stops it (SIGTERM, as a restart would): from now on its port refuses connections. Its
    /// database goes with it; the next one has the same demo user, with the same id.
    pub async fn go_down(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&child);
            if tokio::time::timeout(Duration::from_secs(5), child.wait())
                .await
                .is_err()
            {
                let _ = child.kill().await;
            }
        }
    }

    /// Starts it again on the same port, with the same settings and signing key.
    ///
    /// # Panics
    ///
    /// As [`DjangoServer::start`].
    pub async fn come_back(&mut self) {
        let bind = self.hooks.origin().trim_start_matches("http://").to_owned();
        let (child, _) = spawn(&bind, &self.flags, &self.secret_key).await;
        self.child = Some(child);
    }
}

/// Runs `scripts/django --bind <bind> <flags>` and waits until it says where it listens.
async fn spawn(bind: &str, flags: &[String], secret_key: &str) -> (Child, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut command = AsyncCommand::new("bash");
    command
        .arg(root.join("scripts/django"))
        .args(["--bind", bind])
        .args(flags)
        .env("DJANGO_SECRET_KEY", secret_key)
        .current_dir(&root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start scripts/django: {error}"));
    let stdout = child.stdout.take().expect("Django's output");
    let mut lines = BufReader::new(stdout).lines();
    let origin = tokio::time::timeout(START_TIMEOUT, async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.strip_prefix("listening on ") {
                let origin = rest.split_whitespace().next().unwrap_or_default();
                return Some(origin.trim_end_matches('/').to_owned());
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_else(|| {
        panic!("Django did not say where it listens within {START_TIMEOUT:?} (run scripts/setup?)")
    });
    // Keep reading, so that a full pipe never blocks it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, origin)
}

/// 64 hex digits from the standard library's per-process random keys: as random as Django's own
/// default, and known to the test.
fn random_secret_key() -> String {
    (0..4)
        .map(|_| format!("{:016x}", RandomState::new().build_hasher().finish()))
        .collect()
}

/// SIGTERM, so that it removes its throwaway database.
fn terminate(child: &Child) {
    if let Some(pid) = child.id() {
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for DjangoServer {
    fn drop(&mut self) {
        let Some(child) = self.child.as_mut() else {
            return;
        };
        terminate(child);
        // Up to two seconds to clean up, then it is killed (`kill_on_drop`).
        for _ in 0..40 {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.start_kill();
    }
}
