//! `examples/ssr`, the server-rendered app, end to end: its server (`ssr-example`, built with
//! its wasm by `scripts/ssr-build`) in front of the bundled Django, headless Chromium hydrating
//! its pages. In the cookie mode (dj-rest-auth, httpOnly cookies, rotation and blacklist) the
//! server knows the visitor; in the storage mode (djoser, `localStorage`) only the browser does.
//!
//! Every page a test loads is watched for console errors and warnings (a hydration mismatch is
//! one, then a panic) and uncaught errors, and the server's output for panics.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::header::{ACCEPT, COOKIE, LOCATION, SET_COOKIE};
use hyper::Request;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use interceptor_e2e::django::DjangoServer;
use interceptor_e2e::hooks::{describe, requests_to};
use interceptor_e2e::{Browser, DEMO_PASSWORD, DEMO_USERNAME};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

/// What the server renders when it loaded the account as the visitor.
const LOADED_ON_THE_SERVER: &str = "Loaded on the server for demo";
/// `RequireAuth`'s fallback in the example, while the session is not known yet.
const FALLBACK: &str = "Checking your session";
/// dj-rest-auth's refresh URL under the example's Django (`--url-layout dj-rest-auth`).
const COOKIE_REFRESH: &str = "/api/auth/token/refresh/";
/// dj-rest-auth's logout URL.
const COOKIE_LOGOUT: &str = "/api/auth/logout/";
/// How long the cookie mode's access tokens live in the tests that wait for one to expire.
const SHORT_ACCESS: Duration = Duration::from_secs(4);
/// How long a process may take to say where it listens: Django's cold import on 2 busy cores.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Records what a page reports as going wrong, before any of its own scripts run.
const PROBLEM_RECORDER: &str = r"
window.__problems = [];
for (const level of ['error', 'warn']) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    window.__problems.push(level + ': ' + args.map(String).join(' '));
    original(...args);
  };
}
window.addEventListener('error', (event) => window.__problems.push('uncaught: ' + event.message));
window.addEventListener('unhandledrejection', (event) =>
  window.__problems.push('unhandled rejection: ' + event.reason));
document.addEventListener('DOMContentLoaded', () => {
  window.__fallbackAtFirst = document.getElementById('checking') !== null;
});";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// dj-rest-auth, the tokens in httpOnly cookies, rotation and blacklist.
    Cookies,
    /// djoser, the tokens in `localStorage`.
    Storage,
}

/// A child process whose output (both streams) is kept; killed when dropped.
struct Process {
    _child: Child,
    output: Arc<Mutex<Vec<String>>>,
}

impl Process {
    /// Starts `command` and waits until it prints `listening on <origin>`; returns the origin.
    async fn start(what: &str, mut command: Command) -> (Self, String) {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {what}: {error}"));
        let output = Arc::new(Mutex::new(Vec::new()));
        let (origin_sender, origin) = tokio::sync::oneshot::channel();
        let origin_sender = Arc::new(Mutex::new(Some(origin_sender)));
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        keep_lines(stdout, output.clone(), Some(origin_sender));
        keep_lines(stderr, output.clone(), None);
        let origin = tokio::time::timeout(START_TIMEOUT, origin)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_else(|| {
                panic!(
                    "{what} did not say where it listens within {START_TIMEOUT:?} \
                     (run scripts/ssr-build and scripts/setup?); it printed:\n{}",
                    output
                        .lock()
                        .map(|lines| lines.join("\n"))
                        .unwrap_or_default()
                )
            });
        (
            Self {
                _child: child,
                output,
            },
            origin,
        )
    }

    fn output(&self) -> String {
        self.output
            .lock()
            .map(|lines| lines.join("\n"))
            .unwrap_or_default()
    }
}

type OriginSender = Arc<Mutex<Option<tokio::sync::oneshot::Sender<String>>>>;

/// Reads `stream` line by line into `output` (so that a full pipe never blocks the process),
/// sending the origin of the first `listening on …` line.
fn keep_lines(
    stream: impl AsyncRead + Unpin + Send + 'static,
    output: Arc<Mutex<Vec<String>>>,
    origin: Option<OriginSender>,
) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let (Some(rest), Some(origin)) = (line.strip_prefix("listening on "), &origin) {
                let address = rest.split_whitespace().next().unwrap_or_default();
                if let Some(sender) = origin.lock().ok().and_then(|mut slot| slot.take()) {
                    let _ = sender.send(address.trim_end_matches('/').to_owned());
                }
            }
            if let Ok(mut kept) = output.lock() {
                kept.push(line);
            }
        }
    });
}

/// Django, the example's server in front of it, and a browser on the example.
struct Site {
    browser: Browser,
    origin: String,
    django: DjangoServer,
    server: Process,
}

impl Site {
    async fn start(mode: Mode, access_ttl: Option<Duration>) -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        let binary = target.join("debug/ssr-example");
        assert!(
            binary.exists(),
            "{} is missing: run scripts/ssr-build",
            binary.display()
        );
        // The example's address is in its page settings, so it is chosen before Django starts
        // (which must trust it for CSRF).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .unwrap_or_else(|error| panic!("no free port: {error}"));
        let origin = format!("http://127.0.0.1:{port}");

        let mut flags: Vec<String> = vec!["--test-hooks".into()];
        if let Some(ttl) = access_ttl {
            flags.extend(["--access-ttl".into(), format!("{}ms", ttl.as_millis())]);
        }
        if mode == Mode::Cookies {
            flags.extend(
                [
                    "--url-layout",
                    "dj-rest-auth",
                    "--cookie-csrf",
                    "--rotate-refresh-tokens",
                    "--blacklist-after-rotation",
                    "--csrf-trusted-origin",
                    &origin,
                ]
                .map(String::from),
            );
        }
        let django = DjangoServer::with_flags(flags).await;
        let django_origin = django.hooks().origin().to_owned();

        let mut server = Command::new(&binary);
        server
            .current_dir(&root)
            .env(
                "SSR_MODE",
                if mode == Mode::Cookies {
                    "cookies"
                } else {
                    "storage"
                },
            )
            .env("SSR_DJANGO", format!("{django_origin}/api/"))
            .env("LEPTOS_OUTPUT_NAME", "ssr-example")
            .env("LEPTOS_SITE_ROOT", target.join("ssr-site"))
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"));
        let (server, _) = Process::start("the SSR example", server).await;

        let browser = Browser::start(&origin).await;
        browser.on_every_new_page(PROBLEM_RECORDER).await;
        Self {
            browser,
            origin,
            server,
            django,
        }
    }

    /// Loads `path` (a full page load) and waits until the page is hydrated.
    async fn open_hydrated(&self, path: &str) {
        self.browser.open(path).await;
        self.wait_hydrated().await;
    }

    async fn wait_hydrated(&self) {
        self.browser.wait_for("body[data-hydrated]").await;
    }

    /// Logs the demo user in through the login page, from wherever the browser is.
    async fn log_in(&self) {
        self.wait_hydrated().await;
        self.browser.fill("#username", DEMO_USERNAME).await;
        self.browser.fill("#password", DEMO_PASSWORD).await;
        self.browser
            .execute("document.querySelector('form').requestSubmit();", vec![])
            .await;
    }

    /// The browser's cookies for the site (httpOnly ones too: DevTools, not the page).
    async fn cookies(&self) -> Vec<(String, String)> {
        let answer = self
            .browser
            .cdp("Network.getCookies", json!({ "urls": [self.origin] }))
            .await;
        answer["cookies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|cookie| {
                Some((
                    cookie["name"].as_str()?.to_owned(),
                    cookie["value"].as_str()?.to_owned(),
                ))
            })
            .collect()
    }

    async fn cookie(&self, name: &str) -> Option<String> {
        self.cookies()
            .await
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// What the page and the server reported as going wrong: none, or the test fails.
    async fn assert_no_problems(&self, after: &str) {
        let problems = self
            .browser
            .execute("return window.__problems ?? [];", vec![])
            .await;
        assert_eq!(
            problems,
            json!([]),
            "the console after {after}:\n{}",
            self.browser.diagnostics().await
        );
        let output = self.server.output();
        assert!(
            !output.contains("panicked"),
            "the server panicked (after {after}):\n{output}"
        );
    }
}

/// A page as a browser's first request gets it: its status, `Location`, `Set-Cookie`s and text.
struct Page {
    status: u16,
    location: Option<String>,
    set_cookies: Vec<String>,
    text: String,
}

/// `GET url` as a browser navigating there would send it, with `cookies`.
async fn get_page(url: &str, cookies: &[(String, String)]) -> Page {
    let client: Client<HttpConnector, Empty<Bytes>> =
        Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let mut request = Request::get(url).header(ACCEPT, "text/html");
    if !cookies.is_empty() {
        let header = cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        request = request.header(COOKIE, header);
    }
    let request = request.body(Empty::new()).expect("a request");
    let response = tokio::time::timeout(Duration::from_secs(30), client.request(request))
        .await
        .unwrap_or_else(|_| panic!("GET {url}: no answer within 30 s"))
        .unwrap_or_else(|error| panic!("GET {url}: {error}"));
    let header = |name| {
        response
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect::<Vec<_>>()
    };
    let location = header(LOCATION).into_iter().next();
    let set_cookies = header(SET_COOKIE);
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: reading the body: {error}"))
        .to_bytes();
    Page {
        status,
        location,
        set_cookies,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_a_hard_load_while_logged_in_has_the_users_data_in_the_servers_html() {
    let site = Site::start(Mode::Cookies, None).await;
    site.open_hydrated("/login").await;
    site.assert_no_problems("loading the login page").await;
    site.log_in().await;
    site.browser.wait_for_location("/").await;
    site.browser
        .wait_for_text("#account", LOADED_ON_THE_SERVER)
        .await;

    let cookies = site.cookies().await;
    let page = get_page(&format!("{}/", site.origin), &cookies).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains(LOADED_ON_THE_SERVER) && !page.text.contains(FALLBACK),
        "the server's HTML has the account, not the fallback:\n{}",
        page.text
    );

    site.open_hydrated("/").await;
    site.browser
        .wait_for_text("#account", LOADED_ON_THE_SERVER)
        .await;
    assert_eq!(
        site.browser
            .execute("return window.__fallbackAtFirst;", vec![])
            .await,
        json!(false),
        "the first HTML was the page itself"
    );
    site.assert_no_problems("a hard load of / while logged in")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_a_visitor_gets_an_http_redirect_to_the_login_page() {
    let site = Site::start(Mode::Cookies, None).await;
    for (path, login) in [
        ("/", "/login"),
        ("/browser?tab=2", "/login?next=/browser%3Ftab%3D2"),
    ] {
        let page = get_page(&format!("{}{path}", site.origin), &[]).await;
        assert!(
            matches!(page.status, 302 | 303),
            "GET {path} logged out: {} {:?}",
            page.status,
            page.location
        );
        assert_eq!(page.location.as_deref(), Some(login), "GET {path}");
    }
    site.open_hydrated("/browser?tab=2").await;
    assert_eq!(
        site.browser.location().await,
        "/login?next=/browser%3Ftab%3D2"
    );
    site.assert_no_problems("a hard load of /browser logged out")
        .await;
    // Logging in there comes back to the page asked for.
    site.log_in().await;
    site.browser.wait_for_location("/browser?tab=2").await;
    site.browser.wait_for_text("#user", DEMO_USERNAME).await;
    site.assert_no_problems("logging in from the redirect")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_a_hard_load_shows_the_fallback_then_the_page() {
    let site = Site::start(Mode::Storage, None).await;
    // A visitor: the server cannot know, so it sends the fallback; the browser then redirects.
    let page = get_page(&format!("{}/browser", site.origin), &[]).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains(FALLBACK), "{}", page.text);
    site.open_hydrated("/browser").await;
    site.browser.wait_for_location("/login?next=/browser").await;
    site.assert_no_problems("a visitor's hard load of /browser")
        .await;

    site.log_in().await;
    site.browser.wait_for_location("/browser").await;
    site.browser
        .wait_for_text("#browser-account", "From the browser: demo")
        .await;

    // A returning user: the same fallback from the server, the page once hydrated, no redirect.
    let page = get_page(&format!("{}/", site.origin), &[]).await;
    assert!(
        page.text.contains(FALLBACK) && !page.text.contains("From the browser"),
        "the server cannot know a localStorage session:\n{}",
        page.text
    );
    site.open_hydrated("/").await;
    site.browser
        .wait_for_text("#browser-account", "From the browser: demo")
        .await;
    assert_eq!(site.browser.location().await, "/");
    assert_eq!(
        site.browser
            .execute("return window.__fallbackAtFirst;", vec![])
            .await,
        json!(true),
        "the first HTML was the fallback"
    );
    site.assert_no_problems("a returning user's hard load of /")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_a_burst_after_expiry_makes_one_refresh_from_the_browser_and_the_server() {
    let site = Site::start(Mode::Cookies, Some(SHORT_ACCESS)).await;
    site.open_hydrated("/login?next=/browser").await;
    site.log_in().await;
    site.browser.wait_for_location("/browser").await;
    site.browser
        .wait_for_text("#browser-account", "From the browser: demo")
        .await;

    // From the browser: five requests at once with an expired access token. The page is frozen
    // meanwhile (as a background tab is), so that its refresh ahead of expiry cannot come first;
    // on waking, its timer and the burst share one refresh.
    for round in 1..=3 {
        site.browser
            .cdp("Page.setWebLifecycleState", json!({ "state": "frozen" }))
            .await;
        tokio::time::sleep(SHORT_ACCESS + Duration::from_millis(500)).await;
        site.django.hooks().clear_log().await;
        site.browser
            .cdp("Page.setWebLifecycleState", json!({ "state": "active" }))
            .await;
        site.browser
            .execute("document.getElementById('burst').click();", vec![])
            .await;
        site.browser
            .wait_for_text("#burst-answers", "5 of 5 answered")
            .await;
        let log = site.django.hooks().log().await;
        assert_eq!(
            requests_to(&log, COOKIE_REFRESH).len(),
            1,
            "round {round}: one refresh for the burst:\n{}",
            describe(&log)
        );
        assert!(
            log.iter().all(|entry| entry.status == 200),
            "round {round}: no request met an expired token:\n{}",
            describe(&log)
        );
    }

    // From the server: three tabs restored at once, each a hard load of a protected page with
    // the same expired access cookie.
    tokio::time::sleep(SHORT_ACCESS + Duration::from_millis(500)).await;
    let cookies = site.cookies().await;
    site.django.hooks().clear_log().await;
    let url = format!("{}/", site.origin);
    let (a, b, c) = tokio::join!(
        get_page(&url, &cookies),
        get_page(&url, &cookies),
        get_page(&url, &cookies)
    );
    let pages = [a, b, c];
    for (tab, page) in pages.iter().enumerate() {
        assert_eq!(page.status, 200, "tab {tab}: {}", page.text);
        assert!(
            page.text.contains(LOADED_ON_THE_SERVER),
            "tab {tab}:\n{}",
            page.text
        );
        assert!(
            page.set_cookies
                .iter()
                .any(|cookie| cookie.starts_with("jwt-refresh=")),
            "tab {tab} gets the rotated refresh cookie: {:?}",
            page.set_cookies
        );
    }
    let log = site.django.hooks().log().await;
    assert_eq!(
        requests_to(&log, COOKIE_REFRESH).len(),
        1,
        "one refresh for the three tabs:\n{}",
        describe(&log)
    );
    site.assert_no_problems("the bursts").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_logout_ends_the_session_on_the_server_too() {
    let site = Site::start(Mode::Cookies, None).await;
    site.open_hydrated("/login").await;
    site.log_in().await;
    site.browser.wait_for_location("/").await;
    site.browser
        .wait_for_text("#account", LOADED_ON_THE_SERVER)
        .await;
    let refresh = site
        .cookie("jwt-refresh")
        .await
        .expect("the refresh cookie after login");

    site.browser
        .execute("document.getElementById('log-out').click();", vec![])
        .await;
    // Their own logout: no `?next=`.
    site.browser.wait_for_location("/login").await;
    // The page leaves at once; the logout's answer may come after.
    site.browser
        .poll(
            "Django to answer the logout",
            Duration::from_secs(15),
            || async {
                let log = site.django.hooks().log().await;
                if requests_to(&log, COOKIE_LOGOUT).is_empty() {
                    Err(describe(&log))
                } else {
                    Ok(())
                }
            },
        )
        .await;
    let refused = site
        .django
        .hooks()
        .post(COOKIE_REFRESH, &json!({ "refresh": refresh }))
        .await;
    assert_eq!(
        refused.status,
        401,
        "the refresh token is revoked: {refused:?}\n{}",
        describe(&site.django.hooks().log().await)
    );
    assert_eq!(site.cookie("jwt-refresh").await, None);

    let page = get_page(&format!("{}/", site.origin), &site.cookies().await).await;
    assert!(matches!(page.status, 302 | 303), "{}", page.text);
    site.open_hydrated("/").await;
    assert_eq!(site.browser.location().await, "/login");
    site.assert_no_problems("logging out").await;
}
