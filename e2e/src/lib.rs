//! End-to-end tests for interceptor-app: the release build of the app (`dist/`) in headless
//! Chromium, driven through chromedriver with fantoccini, against the reference backend running
//! in the test process.
//!
//! ```text
//! trunk build --release
//! cargo test -p interceptor-e2e -- --test-threads=1
//! ```
//!
//! Each test starts its own [`Harness`]: a [`TestServer`] on a free port (in-memory database,
//! test hooks on, the demo user) and a [`Browser`] (chromedriver on another free port, one
//! Chromium). Nothing is shared between tests and no port is fixed. `CHROMEDRIVER` and
//! `CHROMIUM` override the Debian paths.

pub mod browser;
pub mod driver;
pub mod http;
pub mod server;

pub use browser::{Browser, WAIT};
pub use driver::ChromeDriver;
pub use http::{Answer, Http};
pub use interceptor_server::config::DEFAULT_DEMO_PASSWORD as DEMO_PASSWORD;
pub use interceptor_server::state::DEMO_USERNAME;
pub use interceptor_server::test_hooks::LogEntry;
pub use server::TestServer;

use std::sync::{Arc, LazyLock};

use serde_json::Value;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Where the app keeps its session in `localStorage` (`src/auth/session.rs`, `STORAGE_KEY`).
pub const STORAGE_KEY: &str = "interceptor-app.session.v1";

/// One harness at a time in this process, even when the test harness runs tests in parallel
/// (`cargo test --workspace` without `--test-threads=1`): two Chromiums on two cores make the
/// timing-sensitive scenarios slow and unfair, and nothing is gained.
static ONE_AT_A_TIME: LazyLock<Arc<Mutex<()>>> = LazyLock::new(|| Arc::new(Mutex::new(())));

/// A server and a browser pointed at it.
pub struct Harness {
    // Dropped in this order: the browser while the server still answers, then the server, then
    // the turn, so the next test starts on a quiet machine.
    pub browser: Browser,
    pub server: TestServer,
    _turn: OwnedMutexGuard<()>,
}

impl Harness {
    /// Waits for its turn, then starts the server, then the browser.
    pub async fn start() -> Self {
        let turn = Arc::clone(&ONE_AT_A_TIME).lock_owned().await;
        let server = TestServer::start().await;
        let browser = Browser::start(server.origin()).await;
        Self {
            browser,
            server,
            _turn: turn,
        }
    }

    /// Ends the browser session and stops everything.
    pub async fn finish(self) {
        let Self {
            browser,
            server,
            _turn: turn,
        } = self;
        browser.close().await;
        drop(server);
        drop(turn);
    }

    /// Opens `/`, lands on the login form (the session is empty), logs in as the demo user and
    /// waits until the home page shows the user.
    pub async fn log_in_from_home(&self) {
        let browser = &self.browser;
        browser.open("/").await;
        browser.wait_for_location("/login").await;
        browser.submit_login(DEMO_USERNAME, DEMO_PASSWORD).await;
        browser.wait_for_location("/").await;
        browser
            .wait_for_text("[data-test=username]", DEMO_USERNAME)
            .await;
    }

    /// The app's stored state (`StoredState`: `{"generation", "session": {"tokens", "user"}}`),
    /// `None` when nothing is stored.
    pub async fn stored_state(&self) -> Option<Value> {
        let json = self.browser.local_storage(STORAGE_KEY).await?;
        Some(
            serde_json::from_str(&json)
                .unwrap_or_else(|error| panic!("{STORAGE_KEY} is not JSON ({error}): {json}")),
        )
    }

    /// The refresh token the app has stored.
    pub async fn stored_refresh_token(&self) -> String {
        let state = self.stored_state().await.expect("a stored session");
        state["session"]["tokens"]["refresh"]
            .as_str()
            .unwrap_or_else(|| panic!("no refresh token in the stored state: {state}"))
            .to_owned()
    }
}

/// Milliseconds since the epoch, the clock the server's request log uses (same process).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}
