//! Headless Chromium through chromedriver, with waits that poll up to a bound and, when it
//! passes, fail with what the page showed instead.

use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::{Capabilities, WindowHandle};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper::Method;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::driver::ChromeDriver;
use crate::http::Http;

/// Where Debian puts Chromium; `CHROMIUM` overrides it.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// How long a wait lasts unless a test says otherwise: long enough for a cold wasm start on a
/// busy 2-core machine, short enough that a broken app fails soon.
pub const WAIT: Duration = Duration::from_secs(15);

/// An XPath test for what a user can click: not inside an `inert` element, such as the app
/// shell's picture of the home page (index.html) while the app loads.
const NOT_INERT: &str = "not(ancestor-or-self::*[@inert])";

/// How often a wait looks again.
const POLL_EVERY: Duration = Duration::from_millis(50);

/// Chromium's flags: headless, as root (no sandbox), quiet, a fixed window.
const CHROMIUM_ARGS: [&str; 9] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
];

/// One browser session against the app at `origin`. Drop ends it (see [`ChromeDriver`]);
/// [`Browser::close`] ends it politely.
pub struct Browser {
    // Declared first, so dropped before the driver that serves it.
    client: Client,
    origin: String,
    driver: ChromeDriver,
}

impl Browser {
    /// Starts chromedriver, then a Chromium session, for the app served at `origin`.
    ///
    /// # Panics
    ///
    /// When chromedriver or Chromium cannot start.
    pub async fn start(origin: &str) -> Self {
        Self::start_with(origin, "normal").await
    }

    /// [`Browser::start`] whose navigations return once the document is parsed
    /// (`DOMContentLoaded`) rather than loaded, so that a test can act on a page whose scripts
    /// are still arriving.
    pub async fn start_eager(origin: &str) -> Self {
        Self::start_with(origin, "eager").await
    }

    async fn start_with(origin: &str, page_load_strategy: &str) -> Self {
        let mut driver = ChromeDriver::start().await;
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| DEFAULT_CHROMIUM.to_owned());
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("pageLoadStrategy".into(), json!(page_load_strategy));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": binary, "args": CHROMIUM_ARGS }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|error| panic!("cannot start {binary} through chromedriver: {error}"));
        driver.set_session(client.session_id().await.ok().flatten());
        Self {
            client,
            origin: origin.trim_end_matches('/').to_owned(),
            driver,
        }
    }

    /// Ends the browser session and stops chromedriver.
    pub async fn close(self) {
        let Self {
            client, mut driver, ..
        } = self;
        if client.close().await.is_ok() {
            driver.set_session(None);
        }
    }

    /// The fantoccini client, for anything the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Loads `path` (starting with `/`) of the app: a full page load.
    pub async fn open(&self, path: &str) {
        let url = format!("{}{path}", self.origin);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|error| panic!("cannot open {url}: {error}"));
    }

    /// Reloads the current page.
    pub async fn reload(&self) {
        self.client
            .refresh()
            .await
            .unwrap_or_else(|error| panic!("cannot reload: {error}"));
    }

    /// The current path and query, e.g. `/login?next=/profile`.
    ///
    /// # Errors
    ///
    /// When the browser cannot say.
    pub async fn try_location(&self) -> Result<String, String> {
        let url = self
            .client
            .current_url()
            .await
            .map_err(|e| format!("no current URL: {e}"))?;
        Ok(match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
    }

    /// [`Browser::try_location`] for a test.
    pub async fn location(&self) -> String {
        self.try_location()
            .await
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// Polls `probe` every 50 ms until it returns `Ok`, for at most `timeout`; then fails the
    /// test with `what`, the probe's last complaint, and the page as it is.
    pub async fn poll<T, F, Fut>(&self, what: impl Display, timeout: Duration, mut probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, String>>,
    {
        let deadline = Instant::now() + timeout;
        loop {
            let last = match probe().await {
                Ok(value) => return value,
                Err(complaint) => complaint,
            };
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; last seen: {last}\n{}",
                    self.diagnostics().await
                );
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// Slows the link to `bytes_per_second` each way with 100 ms round trips (the DevTools
    /// protocol's emulation), so that the app's files take seconds: what the page shows before
    /// the app is there stays long enough to be seen.
    pub async fn emulate_slow_link(&self, bytes_per_second: u32) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({
                "offline": false,
                "latency": 100,
                "downloadThroughput": bytes_per_second,
                "uploadThroughput": bytes_per_second,
            }),
        )
        .await;
    }

    /// Waits until the app has taken over from index.html's app shell (the shell is gone), for
    /// at most `timeout`.
    pub async fn wait_for_the_app(&self, timeout: Duration) {
        self.poll("the app to take over", timeout, || async {
            match self.count("#app-shell").await {
                0 => Ok(()),
                _ => Err("the app shell is still there".to_owned()),
            }
        })
        .await;
    }

    /// Waits until the URL's path and query are `expected`.
    pub async fn wait_for_location(&self, expected: &str) {
        self.wait_for_location_within(expected, WAIT).await;
    }

    /// [`Browser::wait_for_location`] with its own bound.
    pub async fn wait_for_location_within(&self, expected: &str, timeout: Duration) {
        let this = self;
        self.poll(format!("the URL {expected}"), timeout, move || async move {
            let location = this.try_location().await?;
            if location == expected {
                Ok(())
            } else {
                Err(format!("the URL is {location}"))
            }
        })
        .await;
    }

    /// Waits for an element matching `css`.
    pub async fn wait_for(&self, css: &str) -> Element {
        let this = self;
        self.poll(format!("an element {css}"), WAIT, move || async move {
            this.client
                .find(Locator::Css(css))
                .await
                .map_err(|e| format!("{css}: {e}"))
        })
        .await
    }

    /// Waits until the element matching `css` reads exactly `expected` (trimmed).
    pub async fn wait_for_text(&self, css: &str, expected: &str) {
        let this = self;
        self.poll(
            format!("{css} to read {expected:?}"),
            WAIT,
            move || async move {
                let text = this.try_text(css).await?;
                if text == expected {
                    Ok(())
                } else {
                    Err(format!("{css} reads {text:?}"))
                }
            },
        )
        .await;
    }

    /// The visible text of the first element matching `css`, trimmed.
    ///
    /// # Errors
    ///
    /// When there is no such element (yet).
    pub async fn try_text(&self, css: &str) -> Result<String, String> {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("{css}: {e}"))?;
        let text = element.text().await.map_err(|e| format!("{css}: {e}"))?;
        Ok(text.trim().to_owned())
    }

    /// How many elements match `css` right now.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map_or(0, |elements| elements.len())
    }

    /// How many elements match `css` and are rendered (not `display: none`, like the login form
    /// of index.html's app shell for a logged-in visitor).
    pub async fn count_visible(&self, css: &str) -> usize {
        let count = self
            .execute(
                "return [...document.querySelectorAll(arguments[0])].filter((e) => e.getClientRects().length > 0).length;",
                vec![json!(css)],
            )
            .await;
        count.as_u64().map_or(0, |n| n as usize)
    }

    /// Waits for a `<button>` labelled `label` that is not busy (`aria-disabled`), then clicks it.
    pub async fn click_button(&self, label: &str) {
        let what = format!("the button {label:?}");
        self.poll(what, WAIT, || self.try_click_button(label)).await;
    }

    /// Waits for a link labelled `label`, then clicks it.
    pub async fn click_link(&self, label: &str) {
        let xpath = format!("//a[normalize-space()='{label}' and {NOT_INERT}]");
        self.click(&format!("the link {label:?}"), &xpath).await;
    }

    /// Clicks a `<button>` labelled `label` that is not busy, if there is one now.
    pub async fn try_click_button(&self, label: &str) -> Result<(), String> {
        let xpath = format!(
            "//button[normalize-space()='{label}' and not(@aria-disabled='true') and {NOT_INERT}]"
        );
        self.try_click(&xpath).await
    }

    async fn click(&self, what: &str, xpath: &str) {
        self.poll(what, WAIT, || self.try_click(xpath)).await;
    }

    async fn try_click(&self, xpath: &str) -> Result<(), String> {
        let element = self
            .client
            .find(Locator::XPath(xpath))
            .await
            .map_err(|e| format!("not found: {e}"))?;
        element
            .click()
            .await
            .map_err(|e| format!("not clickable: {e}"))
    }

    /// Waits for the input matching `css`, empties it and types `value`.
    pub async fn fill(&self, css: &str, value: &str) {
        let this = self;
        self.poll(format!("the input {css}"), WAIT, move || async move {
            let input = this
                .client
                .find(Locator::Css(css))
                .await
                .map_err(|e| format!("not found: {e}"))?;
            input
                .clear()
                .await
                .map_err(|e| format!("cannot clear: {e}"))?;
            input
                .send_keys(value)
                .await
                .map_err(|e| format!("cannot type: {e}"))
        })
        .await;
    }

    /// Fills in the login form (its login field is a username or an email address, whichever
    /// the user model logs in with) and submits it. Does not wait for the outcome.
    pub async fn submit_login(&self, login: &str, password: &str) {
        self.fill("input[autocomplete=username]", login).await;
        self.fill("#password", password).await;
        self.click_button("Log in").await;
    }

    /// Runs `script` in the page (`arguments[i]` are `args`) and returns what it returns.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|error| panic!("script failed: {error}\n{script}"))
    }

    /// Sends the Chrome DevTools Protocol command `cmd` through chromedriver
    /// (`POST /session/<id>/goog/cdp/execute`) and returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let session = self.client.session_id().await.ok().flatten();
        let session = session.expect("a WebDriver session");
        let url = format!("{}/session/{session}/goog/cdp/execute", self.driver.url());
        let body = json!({ "cmd": cmd, "params": params });
        let answer = Http::default()
            .expect(Method::POST, &url, Some(&body))
            .await;
        assert_eq!(answer.status, 200, "CDP {cmd}: {answer:?}");
        answer.body["value"].clone()
    }

    /// Runs `source` in every page this window loads from now on, before the page's own
    /// scripts (CDP `Page.addScriptToEvaluateOnNewDocument`).
    pub async fn on_every_new_page(&self, source: &str) {
        self.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await;
    }

    /// Closes the current window; the commands then go nowhere until [`Browser::switch_to`].
    pub async fn close_window(&self) {
        self.client
            .close_window()
            .await
            .unwrap_or_else(|error| panic!("cannot close the window: {error}"));
    }

    /// The cookies the browser would send to `url`, httpOnly ones too, as DevTools lists them
    /// (`[{"name", "value", "path", "httpOnly", …}]`): the browser's jar, not the page's view.
    pub async fn cookies_for(&self, url: &str) -> Vec<Value> {
        let answer = self
            .cdp("Network.getCookies", json!({ "urls": [url] }))
            .await;
        answer["cookies"].as_array().cloned().unwrap_or_default()
    }

    /// `localStorage.getItem(key)`.
    pub async fn local_storage(&self, key: &str) -> Option<String> {
        match self
            .execute(
                "return window.localStorage.getItem(arguments[0]);",
                vec![json!(key)],
            )
            .await
        {
            Value::String(value) => Some(value),
            _ => None,
        }
    }

    /// `localStorage.setItem(key, value)`. Fires no `storage` event in this tab.
    pub async fn set_local_storage(&self, key: &str, value: &str) {
        self.execute(
            "window.localStorage.setItem(arguments[0], arguments[1]);",
            vec![json!(key), json!(value)],
        )
        .await;
    }

    /// The window (or tab) the commands go to.
    pub async fn window(&self) -> WindowHandle {
        self.client.window().await.expect("the current window")
    }

    /// Opens a new window (`as_tab`: a tab) and returns its handle; the commands still go to the
    /// current one.
    pub async fn new_window(&self, as_tab: bool) -> WindowHandle {
        self.client
            .new_window(as_tab)
            .await
            .expect("a new window")
            .handle
    }

    /// Sends the commands to `window` from now on.
    pub async fn switch_to(&self, window: WindowHandle) {
        self.client
            .switch_to_window(window)
            .await
            .expect("switching windows");
    }

    /// The URL and the text of the page, for failure messages.
    pub async fn diagnostics(&self) -> String {
        let location = self
            .try_location()
            .await
            .unwrap_or_else(|error| format!("(unknown: {error})"));
        let body = match self
            .client
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await
        {
            Ok(Value::String(text)) => text,
            Ok(other) => other.to_string(),
            Err(error) => format!("(unreadable: {error})"),
        };
        let body: String = body.chars().take(2_000).collect();
        format!("page {location} shows:\n{body}")
    }
}
