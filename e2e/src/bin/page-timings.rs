//! Page timings of the release build in headless Chromium, as the median (min, max) over fresh
//! browser sessions, one at a time:
//!
//! 1. navigation → login form interactive: `performance.now()` (ms since navigation start) when
//!    `#username` exists and the "Log in" button is enabled, on `/login` with empty storage;
//! 2. "Log in" click → username visible: from the click to `[data-test=username]` reading `demo`.
//!
//! ```text
//! trunk build --release
//! cargo run --release -p interceptor-e2e --bin page-timings -- [RUNS]   # default 7, minimum 5
//! ```
//!
//! The figures go to stdout, everything else to stderr. Both are taken inside the page
//! (MutationObserver), so WebDriver round trips do not enter them.

use std::path::Path;
use std::process::ExitCode;

use interceptor_e2e::{Harness, DEMO_PASSWORD, DEMO_USERNAME};
use serde_json::{json, Value};

const DEFAULT_RUNS: usize = 7;
const MIN_RUNS: usize = 5;

/// Installed before any script of the page runs (the app may render before WebDriver's
/// navigation returns): `window.__loginFormReady` resolves with `performance.now()` at the
/// first DOM change after which the form is interactive.
const FORM_READY_OBSERVER: &str = r"
window.__loginFormReady = new Promise((resolve) => {
  const ready = () => document.querySelector('#username') !== null &&
    [...document.querySelectorAll('button')]
      .some((b) => b.textContent.trim() === 'Log in' && b.getAttribute('aria-disabled') !== 'true');
  const observer = new MutationObserver(() => {
    if (ready()) { observer.disconnect(); resolve(performance.now()); }
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
});";

/// Waits for the promise above.
const AWAIT_FORM_READY: &str = r"
const done = arguments[arguments.length - 1];
if (!window.__loginFormReady) { done('the observer script was not installed'); }
else { window.__loginFormReady.then(done); }";

/// Clicks "Log in" and resolves with the ms until `[data-test=username]` reads `arguments[0]`.
const CLICK_TO_USERNAME: &str = r"
const [username, done] = arguments;
const button = [...document.querySelectorAll('button')]
  .find((b) => b.textContent.trim() === 'Log in' && b.getAttribute('aria-disabled') !== 'true');
if (!button) { done('no enabled Log in button'); return; }
const shown = () => document.querySelector('[data-test=username]')?.textContent.trim() === username;
const start = performance.now();
const observer = new MutationObserver(() => {
  if (shown()) { observer.disconnect(); done(performance.now() - start); }
});
observer.observe(document, { subtree: true, childList: true, characterData: true });
button.click();";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let runs = match std::env::args().nth(1).map(|arg| arg.parse::<usize>()) {
        None => DEFAULT_RUNS,
        Some(Ok(runs)) if runs >= MIN_RUNS => runs,
        Some(_) => {
            eprintln!(
                "usage: page-timings [RUNS]  (RUNS: at least {MIN_RUNS}, default {DEFAULT_RUNS})"
            );
            return ExitCode::FAILURE;
        }
    };
    let index = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist/index.html");
    if !index.is_file() {
        eprintln!(
            "page-timings: {} is missing; run `trunk build --release` in the workspace root first",
            index.display()
        );
        return ExitCode::FAILURE;
    }

    let (mut form, mut login) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        let (form_ms, login_ms) = one_session().await;
        eprintln!("run {run}/{runs}: form interactive {form_ms:.1} ms, log in {login_ms:.1} ms");
        form.push(form_ms);
        login.push(login_ms);
    }
    println!("{}", summary("navigation → login form interactive", form));
    println!("{}", summary("log in click → username visible", login));
    ExitCode::SUCCESS
}

/// One fresh server and Chromium: both figures, in ms.
async fn one_session() -> (f64, f64) {
    let h = Harness::start().await;
    let browser = &h.browser;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": FORM_READY_OBSERVER }),
        )
        .await;
    browser.open("/login").await;
    let form = run_async(&h, AWAIT_FORM_READY, vec![]).await;

    browser.fill("#username", DEMO_USERNAME).await;
    browser.fill("#password", DEMO_PASSWORD).await;
    let login = run_async(&h, CLICK_TO_USERNAME, vec![json!(DEMO_USERNAME)]).await;
    h.finish().await;
    (form, login)
}

/// Runs `script` with `execute_async`; it must resolve with a number of ms.
async fn run_async(h: &Harness, script: &str, args: Vec<Value>) -> f64 {
    let value = h
        .browser
        .client()
        .execute_async(script, args)
        .await
        .unwrap_or_else(|error| panic!("script failed: {error}\n{script}"));
    match value.as_f64() {
        Some(ms) => ms,
        None => panic!("the script gave {value}\n{}", h.browser.diagnostics().await),
    }
}

/// `label: median 123.4 ms (min 110.2, max 140.9, 7 runs)`.
fn summary(label: &str, mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    let n = ms.len();
    let median = if n % 2 == 1 {
        ms[n / 2]
    } else {
        (ms[n / 2 - 1] + ms[n / 2]) / 2.0
    };
    format!(
        "{label}: median {median:.1} ms (min {:.1}, max {:.1}, {n} runs)",
        ms[0],
        ms[n - 1]
    )
}
