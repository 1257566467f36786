//! The bundled Django backend (`backends/django`, through `scripts/django`) as a child process on
//! a free port, with its test hooks, stopped when dropped. `scripts/setup` makes its
//! virtualenv; `scripts/test` runs it.

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
    child: Child,
    hooks: Hooks,
}

impl DjangoServer {
    /// Starts Django on a free loopback port with its test hooks, allowing browser calls from
    /// `cors_origin`, with the Django settings of `variant`, and with the `simplejwt-lossless`
    /// package at `reuse_interval` when there is one.
    ///
    /// # Panics
    ///
    /// When it cannot start or does not say where it listens within a minute.
    pub async fn start(
        cors_origin: &str,
        variant: &Variant,
        reuse_interval: Option<Duration>,
    ) -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut command = AsyncCommand::new("bash");
        command
            .arg(root.join("scripts/django"))
            .args([
                "--bind",
                "127.0.0.1:0",
                "--test-hooks",
                "--cors-origin",
                cors_origin,
            ])
            .args(variant.server_flags())
            .args(reuse_interval.iter().flat_map(|interval| {
                [
                    "--refresh-reuse-interval".to_owned(),
                    format!("{}ms", interval.as_millis()),
                ]
            }))
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
            panic!(
                "Django did not say where it listens within {START_TIMEOUT:?} (run scripts/setup?)"
            )
        });
        // Keep reading, so that a full pipe never blocks it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self {
            child,
            hooks: Hooks::new(&origin),
        }
    }

    /// Its test hooks and token endpoints.
    pub fn hooks(&self) -> &Hooks {
        &self.hooks
    }
}

impl Drop for DjangoServer {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            // Up to two seconds to clean up, then it is killed (`kill_on_drop`).
            for _ in 0..40 {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.start_kill();
    }
}
