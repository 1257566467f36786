//! Page timings of release builds in headless Chromium, as users feel them: the median (min,
//! max) over fresh browser sessions, one at a time, each app served gzip-compressed by the
//! reference backend as a production host serves it (hashed files immutable, the HTML
//! `no-cache` and revalidated; `scripts/compress-dist` writes the `.gz` files it sends). In
//! each session, in this order:
//!
//! 1. navigation → login field typable: `performance.now()` (ms since navigation start) when
//!    `#username` is on screen, on `/login` with empty storage and cache (a fresh browser);
//! 2. navigation → app running: when the app itself has rendered the page (the login field
//!    with no app shell left: with an app shell, the field is typable before the app runs);
//! 3. "Log in" click → username visible: from the click to `[data-test=username]` reading `demo`;
//! 4. reload of the logged-in home → username visible (the cache is warm by then);
//! 5. a returning user, cold cache: the session stays in `localStorage` where step 3 put it,
//!    the HTTP cache (and the code caches kept with it) is emptied through the DevTools protocol
//!    (`Network.clearBrowserCache`), the tab goes to `about:blank` and then to `/`: navigation
//!    → username visible, and → app running (the username shown by the app itself, no app
//!    shell left: the same moment unless a shell shows the username first);
//! 6. a returning user, warm cache: `about:blank` again, then `/`, the same two figures: the
//!    hashed files come from the cache without a request, the HTML costs a 304;
//!
//! and, for 5 and 6, the bytes the app's own files took on the wire by the time it ran
//! (Resource Timing's `transferSize`; the API calls and a browser's own `/favicon.ico` left
//! out): they show that the cache was as said.
//!
//! Two profiles: `desktop` (no throttling) and `mobile` (Chrome's emulation through chromedriver:
//! 150 ms round trips, 1.6 Mbit/s down, 750 kbit/s up, the CPU four times slower). The browser
//! asks for gzip only: Chromium would ask a loopback origin for brotli as it does an HTTPS one,
//! which `--brotli` lets it do.
//!
//! ```text
//! trunk build --release && scripts/compress-dist dist
//! cargo run --release -p interceptor-e2e --bin page-timings -- [--runs N] [--profile desktop|mobile|both] [--brotli] [--dist DIR]... [--original DIR]
//! ```
//!
//! `--dist` (repeatable) names builds of this app, `--original` the build of the tutorial's Vue
//! app (`bench/vue-original`), which has the same selectors (`#username`, `#password`, a
//! "Log in" button, `[data-test=username]`) and no app shell (so 1 and 2 are the same moment
//! for it). All apps' sessions alternate, run by run, so that each meets the same machine; with
//! `--original`, every figure also gets the ratio of each build to it. The figures go to
//! stdout as one Markdown table per profile, progress to stderr. All are taken inside the page,
//! so WebDriver round trips do not enter them.

use std::path::PathBuf;
use std::process::ExitCode;

use interceptor_e2e::{Harness, DEMO_PASSWORD, DEMO_USERNAME};
use serde_json::{json, Value};

const DEFAULT_RUNS: usize = 7;
const MIN_RUNS: usize = 5;

/// Installed before any script of each page runs, called with the expected username: promises
/// that resolve with `performance.now()` when the login field is on screen, when the app has
/// rendered, and when the username shows. Each is checked at once (an app shell may already be
/// there) and at every DOM change from the start of the document, so a page that is done before
/// WebDriver asks still gets its own time. The login field's are installed on `/login` only:
/// whether it is on screen takes a layout, and a layout forced at every DOM change of a home
/// page that never shows the field cost the page under test tens of milliseconds (of its own
/// start-up on the mobile profile, more for an app that changes the DOM in more steps).
const OBSERVERS: &str = r"
((username) => {
  const when = (test) => new Promise((resolve) => {
    const check = () => { if (test()) { resolve(performance.now()); return true; } return false; };
    if (check()) return;
    const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
    observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  if (location.pathname === '/login') {
    const field = () => { const input = document.querySelector('#username');
      return input !== null && input.getClientRects().length > 0; };
    window.__typable = when(field);
    // The app has taken over: index.html's app shell (if any) is gone and its own form is there.
    window.__appRunning = when(() => document.getElementById('app-shell') === null && field());
  }
  const usernameShown = () =>
    document.querySelector('[data-test=username]')?.textContent.trim() === username;
  window.__usernameShown = when(usernameShown);
  window.__homeRunning = when(() => document.getElementById('app-shell') === null && usernameShown());
})";

/// Resolves with what `window[arguments[0]]` (a promise) resolves with.
const AWAIT: &str = r"
const [name, done] = arguments;
const promise = window[name];
if (!promise) { done('the observer script was not installed'); } else { promise.then(done); }";

/// Clicks "Log in" and resolves with the ms until the username shows.
const CLICK_TO_USERNAME: &str = r"
const [done] = arguments;
const button = [...document.querySelectorAll('button')]
  .find((b) => b.textContent.trim() === 'Log in' && b.getAttribute('aria-disabled') !== 'true');
if (!button) { done('no enabled Log in button'); return; }
const start = performance.now();
window.__usernameShown.then((at) => done(at - start));
button.click();";

/// The bytes this document's own files (the page and what it loaded) took on the wire: 0 for a
/// file from the cache, the headers alone for a 304. Not the API, nor the `/favicon.ico` a
/// browser asks for by itself when a page names no icon (the Vue original), after the load
/// event: whether it is counted would depend on timing.
const FILE_BYTES_ON_THE_WIRE: &str = r"
const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
return entries
  .map((entry) => [new URL(entry.name).pathname, entry.transferSize])
  .filter(([path]) => !path.startsWith('/api/') && path !== '/favicon.ico')
  .reduce((sum, [, bytes]) => sum + bytes, 0);";

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

/// What a session measures, in the order of [`Measure::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    Typable,
    Running,
    LogIn,
    Reload,
    ColdUsername,
    ColdRunning,
    ColdBytes,
    WarmUsername,
    WarmRunning,
    WarmBytes,
}

impl Measure {
    const ALL: [Self; 10] = [
        Self::Typable,
        Self::Running,
        Self::LogIn,
        Self::Reload,
        Self::ColdUsername,
        Self::ColdRunning,
        Self::ColdBytes,
        Self::WarmUsername,
        Self::WarmRunning,
        Self::WarmBytes,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Typable => "first visit: navigation → login field typable",
            Self::Running => "first visit: navigation → app running",
            Self::LogIn => "\"Log in\" click → username visible",
            Self::Reload => "reload of the home → username visible",
            Self::ColdUsername => "returning user, cold cache: navigation to / → username",
            Self::ColdRunning => "returning user, cold cache: navigation to / → app running",
            Self::ColdBytes => "returning user, cold cache: the app's files on the wire",
            Self::WarmUsername => "returning user, warm cache: navigation to / → username",
            Self::WarmRunning => "returning user, warm cache: navigation to / → app running",
            Self::WarmBytes => "returning user, warm cache: the app's files on the wire",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Self::ColdBytes | Self::WarmBytes => "kB",
            _ => "ms",
        }
    }
}

/// One session's figures, in the order of [`Measure::ALL`] (ms, or kB for the bytes).
type Session = [f64; Measure::ALL.len()];

/// A build to measure.
struct App {
    label: String,
    dir: PathBuf,
    /// The tutorial's original, which the other builds are set against.
    original: bool,
}

struct Options {
    runs: usize,
    profiles: Vec<Profile>,
    encodings: Encodings,
    apps: Vec<App>,
}

/// The compressed files the browser takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encodings {
    /// gzip only, as over plain HTTP.
    Gzip,
    /// brotli too, as over HTTPS (Chromium's own choice on a loopback origin).
    Brotli,
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut runs = DEFAULT_RUNS;
    let mut profiles = vec![Profile::Desktop, Profile::Mobile];
    let mut encodings = Encodings::Gzip;
    let mut builds = Vec::new();
    let mut original = None;
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--runs" => {
                runs = value()?
                    .parse()
                    .ok()
                    .filter(|runs| *runs >= MIN_RUNS)
                    .ok_or(format!("--runs: a number, at least {MIN_RUNS}"))?;
            }
            "--profile" => {
                profiles = match value()?.as_str() {
                    "desktop" => vec![Profile::Desktop],
                    "mobile" => vec![Profile::Mobile],
                    "both" => vec![Profile::Desktop, Profile::Mobile],
                    other => return Err(format!("--profile {other}: desktop, mobile or both")),
                };
            }
            "--brotli" => encodings = Encodings::Brotli,
            "--dist" => builds.push(value()?),
            "--original" => original = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if builds.is_empty() {
        builds.push(format!("{}/../dist", env!("CARGO_MANIFEST_DIR")));
    }
    // One build of ours is "ours"; several are told apart by their directories.
    let single = builds.len() == 1;
    let mut apps: Vec<App> = builds
        .into_iter()
        .map(|dir| App {
            label: if single {
                "ours".to_owned()
            } else {
                dir.clone()
            },
            dir: PathBuf::from(dir),
            original: false,
        })
        .collect();
    if let Some(dir) = original {
        apps.push(App {
            label: "Vue original".to_owned(),
            dir: PathBuf::from(dir),
            original: true,
        });
    }
    for app in &apps {
        if !app.dir.join("index.html").is_file() {
            return Err(format!(
                "{} has no index.html: build it first (scripts/bench does)",
                app.dir.display()
            ));
        }
    }
    Ok(Options {
        runs,
        profiles,
        encodings,
        apps,
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("page-timings: {error}\nusage: page-timings [--runs N] [--profile desktop|mobile|both] [--brotli] [--dist DIR]... [--original DIR]");
            return ExitCode::FAILURE;
        }
    };
    // sessions[app][profile]: one entry per run.
    let mut sessions =
        vec![vec![Vec::<Session>::new(); options.profiles.len()]; options.apps.len()];
    for run in 1..=options.runs {
        for (a, app) in options.apps.iter().enumerate() {
            for (p, profile) in options.profiles.iter().enumerate() {
                let session = one_session(app.dir.clone(), *profile, options.encodings).await;
                let figures: Vec<String> = Measure::ALL
                    .iter()
                    .zip(session)
                    .map(|(measure, value)| format!("{value:.0} {}", measure.unit()))
                    .collect();
                eprintln!(
                    "run {run}/{}: {} · {}: {}",
                    options.runs,
                    app.label,
                    profile.name(),
                    figures.join(", ")
                );
                sessions[a][p].push(session);
            }
        }
    }
    for (p, profile) in options.profiles.iter().enumerate() {
        let of_profile: Vec<&[Session]> = sessions.iter().map(|runs| runs[p].as_slice()).collect();
        println!(
            "{}",
            table(*profile, options.encodings, &options.apps, &of_profile)
        );
    }
    ExitCode::SUCCESS
}

/// One fresh server and Chromium for the build in `site`: the figures of [`Measure::ALL`].
async fn one_session(site: PathBuf, profile: Profile, encodings: Encodings) -> Session {
    let h = Harness::start_serving(site).await;
    let browser = &h.browser;
    let observers = format!("{OBSERVERS}({});", json!(DEMO_USERNAME));
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": observers }),
        )
        .await;
    browser.cdp("Network.enable", json!({})).await;
    if encodings == Encodings::Gzip {
        browser
            .cdp(
                "Network.setExtraHTTPHeaders",
                json!({ "headers": { "Accept-Encoding": "gzip, deflate" } }),
            )
            .await;
    }
    if profile == Profile::Mobile {
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
    let log_in = run_async(&h, CLICK_TO_USERNAME, vec![]).await;
    browser.reload().await;
    let reload = run_async(&h, AWAIT, vec![json!("__usernameShown")]).await;

    // The session stays where logging in put it; only the cache goes.
    browser.cdp("Network.clearBrowserCache", json!({})).await;
    let cold = return_to_home(&h).await;
    let warm = return_to_home(&h).await;
    h.finish().await;
    [
        typable, running, log_in, reload, cold[0], cold[1], cold[2], warm[0], warm[1], warm[2],
    ]
}

/// Leaves the app for `about:blank`, then opens `/` as a returning user does: the ms until the
/// username shows and until the app runs, and the kB the app's files took on the wire.
async fn return_to_home(h: &Harness) -> [f64; 3] {
    h.browser
        .client()
        .goto("about:blank")
        .await
        .unwrap_or_else(|error| panic!("cannot open about:blank: {error}"));
    h.browser.open("/").await;
    let shown = run_async(h, AWAIT, vec![json!("__usernameShown")]).await;
    let running = run_async(h, AWAIT, vec![json!("__homeRunning")]).await;
    let bytes = h.browser.execute(FILE_BYTES_ON_THE_WIRE, vec![]).await;
    let bytes = bytes
        .as_f64()
        .unwrap_or_else(|| panic!("the transfer sizes gave {bytes}"));
    [shown, running, bytes / 1000.0]
}

/// Runs `script` with `execute_async`; it must resolve with a number of ms.
async fn run_async(h: &Harness, script: &str, args: Vec<Value>) -> f64 {
    let value = match h.browser.client().execute_async(script, args).await {
        Ok(value) => value,
        Err(error) => panic!(
            "script failed: {error}\n{script}\n{}",
            h.browser.diagnostics().await
        ),
    };
    match value.as_f64() {
        Some(ms) => ms,
        None => panic!("the script gave {value}\n{}", h.browser.diagnostics().await),
    }
}

/// The profile's figures as a Markdown table: a row per measure, a column per app with the
/// median (min–max), then each build's ratio to the original when there is one.
fn table(profile: Profile, encodings: Encodings, apps: &[App], sessions: &[&[Session]]) -> String {
    let original = apps.iter().position(|app| app.original);
    let runs = sessions.first().map_or(0, |runs| runs.len());
    let mut header = vec![String::new()];
    header.extend(apps.iter().map(|app| app.label.clone()));
    if let Some(o) = original {
        header.extend(
            apps.iter()
                .filter(|app| !app.original)
                .map(|app| format!("{} / {}", app.label, apps[o].label)),
        );
    }
    let mut lines = vec![
        format!(
            "{}, {} served: medians (min–max) of {runs} sessions, apps alternating",
            profile.name(),
            match encodings {
                Encodings::Gzip => "gzip",
                Encodings::Brotli => "brotli",
            }
        ),
        String::new(),
        format!("| {} |", header.join(" | ")),
        format!("|---|{}", "---:|".repeat(header.len() - 1)),
    ];
    for (m, measure) in Measure::ALL.iter().enumerate() {
        let spreads: Vec<Spread> = sessions
            .iter()
            .map(|runs| Spread::of(runs.iter().map(|session| session[m]).collect()))
            .collect();
        let mut cells = vec![measure.label().to_owned()];
        cells.extend(spreads.iter().map(|spread| spread.show(measure.unit())));
        if let Some(o) = original {
            cells.extend(
                apps.iter()
                    .zip(&spreads)
                    .filter(|(app, _)| !app.original)
                    .map(|(_, spread)| format!("{:.2}x", spread.median / spreads[o].median)),
            );
        }
        lines.push(format!("| {} |", cells.join(" | ")));
    }
    lines.push(String::new());
    lines.join("\n")
}

/// Median, min and max of a set of figures.
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(mut values: Vec<f64>) -> Self {
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = match n {
            0 => f64::NAN,
            _ if n % 2 == 1 => values[n / 2],
            _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
        };
        Self {
            median,
            min: values.first().copied().unwrap_or(f64::NAN),
            max: values.last().copied().unwrap_or(f64::NAN),
        }
    }

    /// `1,664.2 ms (1,601.0–1,702.9)`.
    fn show(&self, unit: &str) -> String {
        format!(
            "{} {unit} ({}–{})",
            thousands(self.median),
            thousands(self.min),
            thousands(self.max)
        )
    }
}

/// `1664.25` → `1,664.3`.
fn thousands(value: f64) -> String {
    let text = format!("{value:.1}");
    let (whole, decimals) = text.split_once('.').unwrap_or((&text, "0"));
    let (sign, digits) = whole
        .strip_prefix('-')
        .map_or(("", whole), |digits| ("-", digits));
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}.{decimals}")
}
