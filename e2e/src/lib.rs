//! End-to-end tests for interceptor-app: the release build of the app (`dist/`) in headless
//! Chromium, driven through chromedriver with fantoccini, against the reference backend running
//! in the test process, and against the bundled Django (`backends/django`).
//!
//! ```text
//! trunk build --release
//! cargo test -p interceptor-e2e -- --test-threads=1
//! ```
//!
//! Each test starts its own [`Harness`]: a backend on a free port (the reference one with an
//! in-memory database, or Django with a throwaway one; test hooks on, the demo user) and a
//! [`Browser`] (chromedriver on another free port, one Chromium). Nothing is shared between
//! tests and no port is fixed. `CHROMEDRIVER` and `CHROMIUM` override the Debian paths.

pub mod a11y;
pub mod browser;
pub mod cut_off;
pub mod django;
pub mod driver;
pub mod hooks;
pub mod http;
pub mod keyboard;
pub mod server;
pub mod site;

pub use browser::{Browser, WAIT};
pub use django::DjangoServer;
pub use driver::ChromeDriver;
pub use hooks::{Hooks, WirePaths};
pub use http::{Answer, Http};
pub use interceptor_server::config::DEFAULT_DEMO_PASSWORD as DEMO_PASSWORD;
pub use interceptor_server::state::{DEMO_DISPLAY_NAME, DEMO_EMAIL, DEMO_USERNAME};
pub use interceptor_server::test_hooks::LogEntry;
pub use server::TestServer;
pub use site::StaticSite;

use std::ops::Deref;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Where the app keeps its session in `localStorage`, as the library builds it from the app's
/// namespace.
pub fn storage_key() -> String {
    leptos_jwt_session::storage_key(interceptor_app::NAMESPACE)
}

/// The reuse interval of lossless rotation the tests give a backend: the one the
/// `simplejwt-lossless` package suggests (GoTrue's default).
pub const REUSE_INTERVAL: Duration = Duration::from_secs(10);

/// One harness at a time in this process, even when the test harness runs tests in parallel
/// (`cargo test --workspace` without `--test-threads=1`): two Chromiums on two cores make the
/// timing-sensitive scenarios slow and unfair, and nothing is gained.
static ONE_AT_A_TIME: LazyLock<Arc<Mutex<()>>> = LazyLock::new(|| Arc::new(Mutex::new(())));

/// The Django settings a run uses, on the backend and in the app's page alike (SimpleJWT's
/// `AUTH_HEADER_TYPES` and `USER_ID_CLAIM`, djoser's `LOGIN_FIELD` with an email-login user
/// model, or dj-rest-auth's cookie wire). The default is djoser's and SimpleJWT's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Variant {
    pub header_type: Option<&'static str>,
    pub login_field: Option<&'static str>,
    pub user_id_claim: Option<&'static str>,
    /// dj-rest-auth's wire with the tokens in httpOnly cookies, instead of djoser's.
    pub cookies: Option<CookieWire>,
}

/// dj-rest-auth's cookie wire (`--url-layout dj-rest-auth`, `JWT_AUTH_HTTPONLY`) with CSRF on
/// (`JWT_AUTH_COOKIE_USE_CSRF`), and the app in `TokenMode::Cookies`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CookieWire {
    /// `JWT_AUTH_REFRESH_COOKIE_PATH`; `None` keeps dj-rest-auth's `/`.
    pub refresh_cookie_path: Option<&'static str>,
    /// The logout the app calls, if not dj-rest-auth's `logout/`: the page's
    /// `<meta name="auth-logout-path">`, below the API base.
    pub logout_path: Option<&'static str>,
}

impl Variant {
    /// `docs/wire.md`'s "common variant": the `JWT` header, `sub`, login by email.
    pub const COMMON: Self = Self {
        header_type: Some("JWT"),
        login_field: Some("email"),
        user_id_claim: Some("sub"),
        cookies: None,
    };

    /// dj-rest-auth's cookie wire with its default refresh-cookie path, `/`.
    pub const COOKIES: Self = Self::cookies_under(None);

    /// dj-rest-auth's cookie wire, the refresh cookie sent only to URLs under `path`.
    pub const fn cookies_under(path: Option<&'static str>) -> Self {
        Self {
            header_type: None,
            login_field: None,
            user_id_claim: None,
            cookies: Some(CookieWire {
                refresh_cookie_path: path,
                logout_path: None,
            }),
        }
    }

    /// The refresh cookie narrowed to the refresh URL, and the app's logout below it, at
    /// `token/refresh/logout/` (Django mounts dj-rest-auth's logout view there too).
    pub const NARROWED_WITH_LOGOUT_BELOW: Self = Self {
        header_type: None,
        login_field: None,
        user_id_claim: None,
        cookies: Some(CookieWire {
            refresh_cookie_path: Some(hooks::DJ_REST_AUTH.refresh),
            logout_path: Some(hooks::LOGOUT_BELOW_REFRESH),
        }),
    };

    /// Where its token calls go, and how they take the refresh token.
    pub fn wire(&self) -> WirePaths {
        match self.cookies {
            Some(CookieWire {
                logout_path: Some(logout),
                ..
            }) => WirePaths {
                logout,
                ..hooks::DJ_REST_AUTH
            },
            Some(_) => hooks::DJ_REST_AUTH,
            None => hooks::DJOSER,
        }
    }

    /// The backend's flags (the reference server's, which `scripts/django` takes too), but
    /// those naming the app's origin (see [`DjangoServer::start`]).
    pub fn server_flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        if let Some(cookies) = self.cookies {
            flags.extend(["--url-layout", "dj-rest-auth", "--cookie-csrf"].map(String::from));
            if let Some(path) = cookies.refresh_cookie_path {
                flags.extend(["--refresh-cookie-path".to_owned(), path.to_owned()]);
            }
        }
        let settings = [
            ("--auth-header-type", self.header_type),
            ("--login-field", self.login_field),
            ("--user-id-claim", self.user_id_claim),
        ];
        for (flag, value) in settings {
            if let Some(value) = value {
                flags.extend([flag.to_owned(), value.to_owned()]);
            }
        }
        flags
    }

    /// The page's meta tags that tell the app the same (`AuthConfig::from_document`).
    pub fn meta_tags(&self) -> String {
        let in_cookies = |value| self.cookies.map(|_| value);
        let settings = [
            ("auth-header-type", self.header_type),
            ("auth-login-field", self.login_field),
            ("auth-user-id-claim", self.user_id_claim),
            ("auth-wire", in_cookies("dj-rest-auth")),
            ("auth-token-mode", in_cookies("cookies")),
            (
                "auth-logout-path",
                self.cookies
                    .and_then(|cookies| cookies.logout_path)
                    .and_then(|path| path.strip_prefix("/api/")),
            ),
        ];
        settings
            .iter()
            .filter_map(|(name, value)| {
                value.map(|value| format!(r#"<meta name="{name}" content="{value}" />"#))
            })
            .collect()
    }

    /// What the demo user logs in with.
    pub fn demo_login(&self) -> &'static str {
        match self.login_field {
            Some("email") => DEMO_EMAIL,
            _ => DEMO_USERNAME,
        }
    }

    /// The name the home page greets the demo user by.
    pub fn demo_name(&self) -> &'static str {
        match self.login_field {
            Some("email") => DEMO_DISPLAY_NAME,
            _ => DEMO_USERNAME,
        }
    }
}

/// Which backend a harness runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The reference backend, in this process, serving the app itself.
    Reference,
    /// The bundled Django in a child process; the app is served from another origin and
    /// calls it across origins, as a deployment would.
    Django(Variant),
}

/// A running backend. Its test hooks and token endpoints are reached through `Deref`.
pub enum Server {
    Reference(TestServer),
    Django(Box<DjangoSite>),
}

/// Django and the site that serves the app pointed at it.
pub struct DjangoSite {
    pub django: DjangoServer,
    pub site: StaticSite,
}

impl Deref for Server {
    type Target = Hooks;

    fn deref(&self) -> &Hooks {
        match self {
            Self::Reference(server) => server.hooks(),
            Self::Django(django) => django.django.hooks(),
        }
    }
}

impl Server {
    /// The origin the app is served from.
    pub fn app_origin(&self) -> &str {
        match self {
            Self::Reference(server) => server.hooks().origin(),
            Self::Django(django) => django.site.origin(),
        }
    }

    /// The reference backend, for what only it can do.
    ///
    /// # Panics
    ///
    /// Against Django.
    pub fn reference(&mut self) -> &mut TestServer {
        match self {
            Self::Reference(server) => server,
            Self::Django(_) => panic!("this scenario needs the reference backend"),
        }
    }

    /// Takes the backend down: its port refuses connections until [`Server::come_back`].
    pub async fn go_down(&mut self) {
        match self {
            Self::Reference(server) => server.go_down().await,
            Self::Django(django) => django.django.go_down().await,
        }
    }

    /// Serves again on the same port: the same state (the reference backend), or the same
    /// settings and signing key (Django: its tokens stay good).
    pub async fn come_back(&mut self) {
        match self {
            Self::Reference(server) => server.come_back().await,
            Self::Django(django) => django.django.come_back().await,
        }
    }
}

/// A backend and a browser pointed at the app that uses it.
pub struct Harness {
    // Dropped in this order: the browser while the server still answers, then the server, then
    // the turn, so the next test starts on a quiet machine.
    pub browser: Browser,
    pub server: Server,
    pub variant: Variant,
    _turn: OwnedMutexGuard<()>,
}

impl Harness {
    /// The reference backend and a browser.
    pub async fn start() -> Self {
        Self::start_on(Backend::Reference).await
    }

    /// The reference backend and a browser whose navigations return before the page's
    /// scripts have loaded ([`Browser::start_eager`]).
    pub async fn start_eager() -> Self {
        let turn = Arc::clone(&ONE_AT_A_TIME).lock_owned().await;
        let server = Server::Reference(TestServer::start().await);
        let browser = Browser::start_eager(server.app_origin()).await;
        Self {
            browser,
            server,
            variant: Variant::default(),
            _turn: turn,
        }
    }

    /// The reference backend serving the build in `site` (not `dist/`), and a browser.
    pub async fn start_serving(site: std::path::PathBuf) -> Self {
        let turn = Arc::clone(&ONE_AT_A_TIME).lock_owned().await;
        let server = Server::Reference(TestServer::serving(site).await);
        let browser = Browser::start(server.app_origin()).await;
        Self {
            browser,
            server,
            variant: Variant::default(),
            _turn: turn,
        }
    }

    /// Waits for its turn, then starts the backend, then the browser.
    pub async fn start_on(backend: Backend) -> Self {
        Self::start_with(backend, None).await
    }

    /// [`Harness::start_on`] with lossless rotation: the reference backend with
    /// `--refresh-reuse-interval`, or Django with the `simplejwt-lossless` package
    /// (`scripts/django --refresh-reuse-interval`). It acts once the test turns rotation and
    /// blacklisting on.
    pub async fn start_lossless_on(backend: Backend, reuse_interval: Duration) -> Self {
        Self::start_with(backend, Some(reuse_interval)).await
    }

    /// [`Harness::start_on`], or [`Harness::start_lossless_on`] at [`REUSE_INTERVAL`] when
    /// `lossless`, with rotation and blacklisting on and access tokens of `access_ttl_ms`.
    pub async fn start_rotating(backend: Backend, lossless: bool, access_ttl_ms: u64) -> Self {
        let harness = Self::start_with(backend, lossless.then_some(REUSE_INTERVAL)).await;
        harness
            .server
            .set_config(serde_json::json!({
                "access_ttl_ms": access_ttl_ms,
                "rotate_refresh_tokens": true,
                "blacklist_after_rotation": true,
            }))
            .await;
        harness
    }

    async fn start_with(backend: Backend, reuse_interval: Option<Duration>) -> Self {
        let turn = Arc::clone(&ONE_AT_A_TIME).lock_owned().await;
        let (server, variant) = match backend {
            Backend::Reference => {
                let server = match reuse_interval {
                    Some(interval) => TestServer::start_lossless(interval).await,
                    None => TestServer::start().await,
                };
                (Server::Reference(server), Variant::default())
            }
            Backend::Django(variant) => {
                // The site's port is known first, so that Django can allow it as an origin.
                let (site, django) = start_django(&variant, reuse_interval).await;
                (
                    Server::Django(Box::new(DjangoSite { django, site })),
                    variant,
                )
            }
        };
        let browser = Browser::start(server.app_origin()).await;
        Self {
            browser,
            server,
            variant,
            _turn: turn,
        }
    }

    /// Ends the browser session and stops everything.
    pub async fn finish(self) {
        let Self {
            browser,
            server,
            _turn: turn,
            ..
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
        browser
            .submit_login(self.variant.demo_login(), DEMO_PASSWORD)
            .await;
        browser.wait_for_location("/").await;
        browser
            .wait_for_text("[data-test=username]", self.variant.demo_name())
            .await;
    }

    /// Waits until the page shows either the user (`Ok`) or the login form (`Err`, with the
    /// page as it is).
    ///
    /// # Errors
    ///
    /// The login form, with what the page shows.
    pub async fn logged_in_or_not(&self) -> Result<(), String> {
        let name = self.variant.demo_name();
        let browser = &self.browser;
        browser
            .poll("the home page or the login form", WAIT, || async {
                if browser.count_visible("#password").await > 0 {
                    return Ok(Err(browser.diagnostics().await));
                }
                match browser.try_text("[data-test=username]").await {
                    Ok(text) if text == name => Ok(Ok(())),
                    other => Err(format!("{other:?}")),
                }
            })
            .await
    }

    /// The app's stored state (`{"generation", "writer", "session": {"id", "tokens", "user"},
    /// "ended"}`), `None` when nothing is stored.
    pub async fn stored_state(&self) -> Option<Value> {
        let key = storage_key();
        let json = self.browser.local_storage(&key).await?;
        Some(
            serde_json::from_str(&json)
                .unwrap_or_else(|error| panic!("{key} is not JSON ({error}): {json}")),
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

    /// The refresh token the browser holds for the app: the one the app stored, or, on the
    /// cookie wire, the httpOnly cookie's value, read from the browser's cookie jar through
    /// DevTools (which no page script can reach: `tests/cookies.rs` searches for it).
    pub async fn refresh_token_held(&self) -> String {
        let wire = self.variant.wire();
        let Some(name) = wire.refresh_cookie else {
            return self.stored_refresh_token().await;
        };
        let url = self.server.url(wire.refresh);
        let cookies = self.browser.cookies_for(&url).await;
        cookies
            .iter()
            .find(|cookie| cookie["name"] == name)
            .and_then(|cookie| cookie["value"].as_str())
            .filter(|value| !value.is_empty())
            .unwrap_or_else(|| panic!("no {name} cookie for {url}: {cookies:?}"))
            .to_owned()
    }
}

/// Django, and the app's page pointed at it from an origin of its own.
async fn start_django(
    variant: &Variant,
    reuse_interval: Option<Duration>,
) -> (StaticSite, DjangoServer) {
    // The site must name Django's API base, and Django must allow the site's origin: the site
    // takes its port first, with a page pointing at a placeholder replaced once Django runs.
    let placeholder = StaticSite::start("http://127.0.0.1:9/api/", variant).await;
    let django = DjangoServer::start(placeholder.origin(), variant, reuse_interval).await;
    let site = placeholder.repoint(&format!("{}/api/", django.hooks().origin()));
    (site, django)
}

/// Milliseconds since the epoch, the clock the server's request log uses.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}
