//! Page timings of the release build in headless Chromium, as users feel them: the median (min,
//! max) over fresh browser sessions, one at a time, each served gzip-compressed by the reference
//! backend (`scripts/compress-dist` writes the `.gz` files it sends):
//!
//! 1. navigation → login field typable: `performance.now()` (ms since navigation start) when
//!    `#username` is on screen, on `/login` with empty storage (a cold load: a fresh browser);
//! 2. navigation → app running: when the app itself has rendered the page (the login field
//!    with no app shell left: with an app shell, the field is typable before the app runs);
//! 3. "Log in" click → username visible: from the click to `[data-test=username]` reading `demo`;
//! 4. reload of the logged-in home → username visible (the browser's cache is warm by then).
//!
//! Two profiles: `desktop` (no throttling) and `mobile` (Chrome's emulation through chromedriver:
//! 150 ms round trips, 1.6 Mbit/s down, 750 kbit/s up, the CPU four times slower).
//!
//! ```text
//! trunk build --release && scripts/compress-dist dist
//! cargo run --release -p interceptor-e2e --bin page-timings -- [--runs N] [--profile desktop|mobile|both] [--dist DIR]...
//! ```
//!
//! With several `--dist` (say, the build of two commits), their sessions alternate, so that both
//! meet the same machine. The figures go to stdout, everything else to stderr. All are taken
//! inside the page, so WebDriver round trips do not enter them.

use std::path::PathBuf;
use std::process::ExitCode;

use interceptor_e2e::{Harness, DEMO_PASSWORD, DEMO_USERNAME};
use serde_json::{json, Value};

const DEFAULT_RUNS: usize = 7;
const MIN_RUNS: usize = 5;

/// Installed before any script of each page runs: promises that resolve with
/// `performance.now()` when the login field is on screen, when the app has rendered, and when
/// the username shows. Checked every frame, and once before the first one (an app shell may
/// already be there).
const OBSERVERS: &str = r"
(() => {
  const when = (test) => new Promise((resolve) => {
    const check = () => { if (test()) { resolve(performance.now()); return true; } return false; };
    if (check()) return;
    const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
    observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  const field = () => { const input = document.querySelector('#username');
    return input !== null && input.getClientRects().length > 0; };
  window.__typable = when(field);
  // The app has taken over: index.html's app shell (if any) is gone and its own form is there.
  window.__appRunning = when(() => document.getElementById('app-shell') === null && field());
  window.__usernameShown = (name) => when(() =>
    document.querySelector('[data-test=username]')?.textContent.trim() === name);
})();";

/// Resolves with what `window[arguments[0]]` (a promise) resolves with.
const AWAIT: &str = r"
const [name, done] = arguments;
const promise = window[name];
if (!promise) { done('the observer script was not installed'); } else { promise.then(done); }";

/// Resolves when the username shows (since navigation start).
const AWAIT_USERNAME: &str = r"
const [name, done] = arguments;
window.__usernameShown(name).then(done);";

/// Clicks "Log in" and resolves with the ms until `[data-test=username]` reads `arguments[0]`.
const CLICK_TO_USERNAME: &str = r"
const [username, done] = arguments;
const button = [...document.querySelectorAll('button')]
  .find((b) => b.textContent.trim() === 'Log in' && b.getAttribute('aria-disabled') !== 'true');
if (!button) { done('no enabled Log in button'); return; }
const start = performance.now();
window.__usernameShown(username).then((at) => done(at - start));
button.click();";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Desktop,
    Mobile,
}

impl Profile {
    fn name(self) -> &'static str {
        match self {
            Self::Desktop => "desktop",
            Self::Mobile => "mobile (150 ms RTT, 1.6/0.75 Mbit/s, CPU 4x slower)",
        }
    }
}

/// The four figures of one session, ms.
#[derive(Debug, Default, Clone)]
struct Figures {
    typable: Vec<f64>,
    running: Vec<f64>,
    log_in: Vec<f64>,
    reload: Vec<f64>,
}

struct Options {
    runs: usize,
    profiles: Vec<Profile>,
    sites: Vec<PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        runs: DEFAULT_RUNS,
        profiles: vec![Profile::Desktop, Profile::Mobile],
        sites: Vec::new(),
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--runs" => {
                options.runs = value()?
                    .parse()
                    .ok()
                    .filter(|runs| *runs >= MIN_RUNS)
                    .ok_or(format!("--runs: a number, at least {MIN_RUNS}"))?;
            }
            "--profile" => {
                options.profiles = match value()?.as_str() {
                    "desktop" => vec![Profile::Desktop],
                    "mobile" => vec![Profile::Mobile],
                    "both" => vec![Profile::Desktop, Profile::Mobile],
                    other => return Err(format!("--profile {other}: desktop, mobile or both")),
                };
            }
            "--dist" => options.sites.push(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if options.sites.is_empty() {
        options
            .sites
            .push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist"));
    }
    for site in &options.sites {
        if !site.join("index.html").is_file() {
            return Err(format!(
                "{} has no index.html: run `trunk build --release` first",
                site.display()
            ));
        }
    }
    Ok(options)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("page-timings: {error}\nusage: page-timings [--runs N] [--profile desktop|mobile|both] [--dist DIR]...");
            return ExitCode::FAILURE;
        }
    };
    let mut figures = vec![vec![Figures::default(); options.profiles.len()]; options.sites.len()];
    for run in 1..=options.runs {
        for (s, site) in options.sites.iter().enumerate() {
            for (p, profile) in options.profiles.iter().enumerate() {
                let session = one_session(site.clone(), *profile).await;
                eprintln!(
                    "run {run}/{}: {} {}: typable {:.0}, running {:.0}, log in {:.0}, reload {:.0} ms",
                    options.runs,
                    site.display(),
                    profile.name(),
                    session.0,
                    session.1,
                    session.2,
                    session.3
                );
                let into = &mut figures[s][p];
                into.typable.push(session.0);
                into.running.push(session.1);
                into.log_in.push(session.2);
                into.reload.push(session.3);
            }
        }
    }
    for (s, site) in options.sites.iter().enumerate() {
        for (p, profile) in options.profiles.iter().enumerate() {
            let f = figures[s][p].clone();
            let label = |what: &str| {
                if options.sites.len() > 1 {
                    format!("{} · {} · {what}", site.display(), profile.name())
                } else {
                    format!("{} · {what}", profile.name())
                }
            };
            println!(
                "{}",
                summary(&label("navigation → login field typable"), f.typable)
            );
            println!("{}", summary(&label("navigation → app running"), f.running));
            println!(
                "{}",
                summary(&label("log in click → username visible"), f.log_in)
            );
            println!(
                "{}",
                summary(&label("reload of home → username visible"), f.reload)
            );
        }
    }
    ExitCode::SUCCESS
}

/// One fresh server and Chromium: the four figures, in ms.
async fn one_session(site: PathBuf, profile: Profile) -> (f64, f64, f64, f64) {
    let h = Harness::start_serving(site).await;
    let browser = &h.browser;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": OBSERVERS }),
        )
        .await;
    if profile == Profile::Mobile {
        browser.cdp("Network.enable", json!({})).await;
        browser
            .cdp(
                "Network.emulateNetworkConditions",
                json!({
                    "offline": false,
                    "latency": 150,
                    "downloadThroughput": 1_600_000 / 8,
                    "uploadThroughput": 750_000 / 8,
                }),
            )
            .await;
        browser
            .cdp("Emulation.setCPUThrottlingRate", json!({ "rate": 4 }))
            .await;
    }
    browser.open("/login").await;
    let typable = run_async(&h, AWAIT, vec![json!("__typable")]).await;
    let running = run_async(&h, AWAIT, vec![json!("__appRunning")]).await;

    browser.fill("#username", DEMO_USERNAME).await;
    browser.fill("#password", DEMO_PASSWORD).await;
    let log_in = run_async(&h, CLICK_TO_USERNAME, vec![json!(DEMO_USERNAME)]).await;
    browser.reload().await;
    let reload = run_async(&h, AWAIT_USERNAME, vec![json!(DEMO_USERNAME)]).await;
    h.finish().await;
    (typable, running, log_in, reload)
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
