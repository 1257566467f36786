//! Everything the layer needs to know about the API it talks to and the app it lives in. Every
//! setting defaults to what djoser and SimpleJWT do when nothing is set.

pub(crate) mod wire;

use std::time::Duration;

use crate::http::api_base::{meta_content, ApiBase, BaseUrlError};
use crate::http::request::FetchCredentials;
use crate::platform::browser_window;
use crate::tabs::mirror::StorageKind;
use wire::{Endpoints, Wire};

/// The settings of the auth layer, for [`provide_auth`](crate::provide_auth).
///
/// Start from [`AuthConfig::new`] (or [`AuthConfig::from_document`]) and change what your
/// Django project changes; the struct is `#[non_exhaustive]`, so new settings never break you.
///
/// ```
/// use std::time::Duration;
/// use leptos_jwt_session::{ApiBase, AuthConfig};
///
/// # fn main() -> Result<(), leptos_jwt_session::BaseUrlError> {
/// // SIMPLE_JWT = {"AUTH_HEADER_TYPES": ("JWT",), "USER_ID_CLAIM": "sub"}
/// // DJOSER = {"LOGIN_FIELD": "email"}
/// let config = AuthConfig::new(ApiBase::new("https://api.example.com/")?)
///     .header_type("JWT")
///     .login_field("email")
///     .user_id_claim("sub")
///     .namespace("shop")
///     .timeout(Duration::from_secs(10));
/// # let _ = config;
/// # Ok(())
/// # }
/// ```
///
/// Each setting returns the changed config; one left unused is a warning (an error where
/// warnings are), since on its own line it would change nothing:
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// # use leptos_jwt_session::{ApiBase, AuthConfig};
/// # fn main() -> Result<(), leptos_jwt_session::BaseUrlError> {
/// let config = AuthConfig::new(ApiBase::new("https://api.example.com/")?);
/// config.clone().header_type("JWT"); // dropped: `config` still says `Bearer`
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthConfig {
    pub(crate) base: ApiBase,
    pub(crate) wire: Wire,
    pub(crate) header_type: String,
    pub(crate) login_field: String,
    pub(crate) user_id_claim: String,
    pub(crate) namespace: String,
    pub(crate) storage: StorageKind,
    pub(crate) timeout_ms: u32,
    pub(crate) refresh_lead_ms: Option<f64>,
    pub(crate) refresh_ahead: bool,
    pub(crate) login_path: String,
    pub(crate) load_user: bool,
    pub(crate) credentials: Option<FetchCredentials>,
    pub(crate) token_mode: TokenMode,
    /// Django's CSRF cookie and header names, for unsafe requests in the cookie modes.
    pub(crate) csrf: Option<(String, String)>,
    /// dj-rest-auth's `JWT_AUTH_COOKIE` and `JWT_AUTH_REFRESH_COOKIE`: what a server reads.
    pub(crate) cookie_names: (String, String),
    #[cfg(feature = "testing")]
    pub(crate) window: Option<web_sys::Window>,
}

impl AuthConfig {
    /// djoser + SimpleJWT defaults for an API at `base`: djoser's paths under `v1/auth/`,
    /// `Authorization: Bearer`, login by `username`, the `user_id` claim, `localStorage` shared by
    /// every tab, 15 s per request, a refresh 30 s (or a tenth of the token's life) before expiry,
    /// the user loaded as part of logging in.
    #[must_use]
    pub fn new(base: ApiBase) -> Self {
        Self {
            base,
            wire: Wire::default(),
            header_type: "Bearer".to_owned(),
            login_field: "username".to_owned(),
            user_id_claim: "user_id".to_owned(),
            namespace: DEFAULT_NAMESPACE.to_owned(),
            storage: StorageKind::Local,
            timeout_ms: 15_000,
            refresh_lead_ms: None,
            refresh_ahead: true,
            login_path: "/login".to_owned(),
            load_user: true,
            credentials: None,
            token_mode: TokenMode::default(),
            csrf: Some(("csrftoken".to_owned(), "X-CSRFToken".to_owned())),
            cookie_names: ("jwt-access".to_owned(), "jwt-refresh".to_owned()),
            #[cfg(feature = "testing")]
            window: None,
        }
    }

    /// The defaults, with what the page says: the API base from `<meta name="api-base"
    /// content="…">` (see [`ApiBase::from_document`]), and, when present, the settings that
    /// follow the Django deployment, so that it can change them in `index.html` without a
    /// rebuild:
    ///
    /// ```html
    /// <meta name="auth-header-type" content="JWT">       <!-- AUTH_HEADER_TYPES[0] -->
    /// <meta name="auth-login-field" content="email">     <!-- djoser LOGIN_FIELD -->
    /// <meta name="auth-user-id-claim" content="sub">     <!-- USER_ID_CLAIM -->
    /// <meta name="auth-wire" content="dj-rest-auth">     <!-- djoser, simplejwt or dj-rest-auth -->
    /// <meta name="auth-wire-prefix" content="auth/">     <!-- where its URLs are, below the base -->
    /// <meta name="auth-token-mode" content="cookies">    <!-- storage, cookies or refresh-cookie -->
    /// ```
    ///
    /// The wire's prefix defaults to `v1/auth/` for djoser, nothing for SimpleJWT (with the user
    /// at `me/`) and `auth/` for dj-rest-auth. Builder calls after it override the page.
    ///
    /// # Errors
    /// [`PageConfigError`] when the page's API base is no `http(s)` URL, or a setting has a
    /// value this layer does not know (a typo must not fall back to another wire silently).
    pub fn from_document() -> Result<Self, PageConfigError> {
        let mut config = Self::new(ApiBase::from_document()?);
        if let Some(header_type) = meta_content("auth-header-type") {
            config.header_type = header_type;
        }
        if let Some(field) = meta_content("auth-login-field") {
            config.login_field = field;
        }
        if let Some(claim) = meta_content("auth-user-id-claim") {
            config.user_id_claim = claim;
        }
        let prefix = meta_content("auth-wire-prefix");
        if let Some(wire) = meta_content("auth-wire") {
            config.wire = wire_named(&wire, prefix.as_deref())?;
        } else if let Some(prefix) = prefix {
            config.wire.endpoints = Endpoints::under(&prefix);
        }
        if let Some(mode) = meta_content("auth-token-mode") {
            config.token_mode = token_mode_named(&mode)?;
        }
        Ok(config)
    }

    /// The backend's token API, if it is not djoser's (see [`Wire`]): `Wire::simplejwt("")` for
    /// SimpleJWT's own views.
    #[must_use]
    pub fn wire(mut self, wire: Wire) -> Self {
        self.wire = wire;
        self
    }

    /// The API paths, if yours differ from djoser's under `v1/auth/` (see [`Endpoints`]); the
    /// rest of the wire stays.
    #[must_use]
    pub fn endpoints(mut self, endpoints: Endpoints) -> Self {
        self.wire.endpoints = endpoints;
        self
    }

    /// The word before the token in `Authorization`: SimpleJWT's `AUTH_HEADER_TYPES[0]`.
    /// `Bearer` by default; djoser's JWT documentation uses `JWT`.
    #[must_use]
    pub fn header_type(mut self, header_type: impl Into<String>) -> Self {
        self.header_type = header_type.into();
        self
    }

    /// The name of the login field that `jwt/create/` takes beside `password`: djoser's
    /// `LOGIN_FIELD`, which is the user model's `USERNAME_FIELD` (`username` by default;
    /// `email` for an email-login model).
    #[must_use]
    pub fn login_field(mut self, field: impl Into<String>) -> Self {
        self.login_field = field.into();
        self
    }

    /// The claim that names the user in a token: SimpleJWT's `USER_ID_CLAIM` (`user_id` by
    /// default). The client compares it before replaying a request with a refreshed token, so
    /// that one user's request is never sent with another user's token.
    #[must_use]
    pub fn user_id_claim(mut self, claim: impl Into<String>) -> Self {
        self.user_id_claim = claim.into();
        self
    }

    /// A name for this app's session, so that two apps on one origin do not share it: the
    /// storage key is `<namespace>.session.v1` and the cross-tab lock is `<namespace>.session`.
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Where the session is kept (see [`StorageKind`]).
    #[must_use]
    pub fn storage(mut self, storage: StorageKind) -> Self {
        self.storage = storage;
        self
    }

    /// How long one HTTP exchange may take before it is abandoned as a timeout (15 s by default).
    /// A holder of the cross-tab lock's fallback lease renews it for this long and a margin.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout_ms = u32::try_from(timeout.as_millis())
            .unwrap_or(u32::MAX)
            .max(1);
        self
    }

    /// How long before the access token expires it is refreshed. By default 30 s, or a tenth of
    /// the token's lifetime when that is less; never more than half of its lifetime.
    #[must_use]
    pub fn refresh_lead(mut self, lead: Duration) -> Self {
        self.refresh_lead_ms = Some(lead.as_millis() as f64);
        self
    }

    /// Whether the access token is refreshed ahead of expiry, by a timer, while the tab is
    /// visible (the default). Without it, tokens are refreshed only when a request finds one
    /// expiring or refused: fewer requests for an idle app, and a refresh before the first call
    /// after a pause.
    #[must_use]
    pub fn refresh_ahead(mut self, enabled: bool) -> Self {
        self.refresh_ahead = enabled;
        self
    }

    /// The path of the app's login page, where [`RequireAuth`](crate::RequireAuth) sends a
    /// visitor (`/login` by default).
    #[must_use]
    pub fn login_path(mut self, path: impl Into<String>) -> Self {
        self.login_path = path.into();
        self
    }

    /// Whether logging in also loads the user (the login answer's own user where the wire says
    /// it has one, else one call of the user endpoint), so that the first page knows who is
    /// logged in. On by default; off for an app that never shows the user.
    #[must_use]
    pub fn load_user(mut self, enabled: bool) -> Self {
        self.load_user = enabled;
        self
    }

    /// Whether the browser sends cookies with the API's requests (the Fetch API's
    /// `credentials`), unless a request says otherwise: `SameOrigin` by default, `Include` in
    /// the cookie modes (an API on another origin gets its cookies).
    #[must_use]
    pub fn credentials(mut self, credentials: FetchCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Where the tokens live (see [`TokenMode`]): page storage by default, or httpOnly cookies
    /// the page cannot read (dj-rest-auth's `JWT_AUTH_HTTPONLY`; use [`Wire::dj_rest_auth`]).
    #[must_use]
    pub fn token_mode(mut self, mode: TokenMode) -> Self {
        self.token_mode = mode;
        self
    }

    /// Django's CSRF cookie and header (`CSRF_COOKIE_NAME`, `CSRF_HEADER_NAME`: `csrftoken` and
    /// `X-CSRFToken` by default): in the cookie modes, an unsafe request (not GET, HEAD,
    /// OPTIONS) carries the cookie's value in the header whenever the page can read the cookie,
    /// as dj-rest-auth's `JWT_AUTH_COOKIE_USE_CSRF` asks.
    #[must_use]
    pub fn csrf(mut self, cookie: impl Into<String>, header: impl Into<String>) -> Self {
        self.csrf = Some((cookie.into(), header.into()));
        self
    }

    /// The names of the access and the refresh cookie (dj-rest-auth's `JWT_AUTH_COOKIE` and
    /// `JWT_AUTH_REFRESH_COOKIE`; `jwt-access` and `jwt-refresh` by default): what the server of
    /// a server-rendered app reads (the browser never does).
    #[must_use]
    pub fn cookie_names(mut self, access: impl Into<String>, refresh: impl Into<String>) -> Self {
        self.cookie_names = (access.into(), refresh.into());
        self
    }

    /// No CSRF header, whatever the cookies say.
    #[must_use]
    pub fn no_csrf(mut self) -> Self {
        self.csrf = None;
        self
    }

    /// The API base.
    #[must_use]
    pub fn base(&self) -> &ApiBase {
        &self.base
    }

    /// Whether the tokens live in httpOnly cookies (see [`TokenMode`]): what a server can see.
    #[must_use]
    pub fn uses_cookies(&self) -> bool {
        self.token_mode.in_cookies()
    }

    /// The name of the login field (see [`Self::login_field`]), for a login form's label.
    #[must_use]
    pub fn login_field_name(&self) -> &str {
        &self.login_field
    }

    /// Where the session is kept in `localStorage` (see [`storage_key`]).
    #[must_use]
    pub fn storage_key(&self) -> String {
        storage_key(&self.namespace)
    }

    pub(crate) fn lock_name(&self) -> String {
        lock_name(&self.namespace)
    }

    /// The `credentials` of a request that names none.
    pub(crate) fn default_credentials(&self) -> FetchCredentials {
        self.credentials.unwrap_or(if self.token_mode.in_cookies() {
            FetchCredentials::Include
        } else {
            FetchCredentials::SameOrigin
        })
    }

    /// How long a holder keeps renewing the fallback lease (where Web Locks are missing) at
    /// most: a whole exchange and then some, so that a live holder never loses it in the middle
    /// of one.
    pub(crate) fn max_hold_ms(&self) -> f64 {
        f64::from(self.timeout_ms) + LEASE_MARGIN_MS
    }

    /// The window the layer lives in; none off the browser (a server render, host tests).
    #[cfg_attr(not(feature = "testing"), allow(clippy::unused_self))]
    pub(crate) fn window(&self) -> Option<web_sys::Window> {
        #[cfg(feature = "testing")]
        if let Some(window) = &self.window {
            return Some(window.clone());
        }
        browser_window()
    }
}

/// Where a session's tokens live.
///
/// | mode | refresh token | access token | a page script can read |
/// |---|---|---|---|
/// | `Storage` | `localStorage` | `localStorage` | both |
/// | `RefreshCookie` | httpOnly cookie | this tab's memory, sent as `Authorization` | the access token, through the app |
/// | `Cookies` | httpOnly cookie | httpOnly cookie, sent by the browser | neither |
///
/// In the cookie modes what the tabs share (in `localStorage`) is a marker with no secret in it:
/// that someone is logged in, the user, when the tokens expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenMode {
    /// Both tokens in page storage ([`StorageKind`]): any backend, no cookies.
    #[default]
    Storage,
    /// The refresh token in an httpOnly cookie; the access token in each tab's memory (a tab
    /// that opens, or reloads, refreshes through the cookie first).
    #[cfg(feature = "cookies")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cookies")))]
    RefreshCookie,
    /// Both tokens in httpOnly cookies: none kept in the page. One refresh, through the lock,
    /// renews the session for every tab.
    #[cfg(feature = "cookies")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cookies")))]
    Cookies,
}

// Without the `cookies` feature these are constants, so that the cookie modes' code is dead and
// leaves an app's wasm (about 2 kB of gzip on a bare page).
#[cfg_attr(not(feature = "cookies"), allow(clippy::unused_self))]
impl TokenMode {
    /// Whether the refresh token is an httpOnly cookie.
    pub(crate) fn in_cookies(self) -> bool {
        #[cfg(feature = "cookies")]
        return self != Self::Storage;
        #[cfg(not(feature = "cookies"))]
        return false;
    }

    /// Whether the access token is an httpOnly cookie too (`Cookies`).
    pub(crate) fn access_in_cookie(self) -> bool {
        #[cfg(feature = "cookies")]
        return self == Self::Cookies;
        #[cfg(not(feature = "cookies"))]
        return false;
    }

    /// Whether each tab keeps its own access token in memory (`RefreshCookie`).
    pub(crate) fn access_in_memory(self) -> bool {
        #[cfg(feature = "cookies")]
        return self == Self::RefreshCookie;
        #[cfg(not(feature = "cookies"))]
        return false;
    }
}

/// Why the page's settings were refused (see [`AuthConfig::from_document`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PageConfigError {
    /// The API base.
    #[error(transparent)]
    BaseUrl(#[from] BaseUrlError),
    /// A `<meta name="auth-…">` this layer does not know the value of.
    #[error("<meta name=\"{meta}\"> says {value:?}, which is not one of: {known}")]
    Unknown {
        /// The meta tag's name.
        meta: &'static str,
        /// What it said.
        value: String,
        /// What it may say.
        known: &'static str,
    },
}

/// The wire `name`d by the page, below `prefix` (or its own default).
fn wire_named(name: &str, prefix: Option<&str>) -> Result<Wire, PageConfigError> {
    match name {
        "djoser" => Ok(Wire::with_endpoints(Endpoints::under(
            prefix.unwrap_or("v1/auth/"),
        ))),
        "simplejwt" => {
            let prefix = prefix.unwrap_or("");
            Ok(Wire::simplejwt(prefix).user_endpoint(format!("{prefix}me/")))
        }
        "dj-rest-auth" => Ok(Wire::dj_rest_auth(prefix.unwrap_or("auth/"))),
        _ => Err(PageConfigError::Unknown {
            meta: "auth-wire",
            value: name.to_owned(),
            known: "djoser, simplejwt, dj-rest-auth",
        }),
    }
}

fn token_mode_named(name: &str) -> Result<TokenMode, PageConfigError> {
    match name {
        "storage" => Ok(TokenMode::Storage),
        #[cfg(feature = "cookies")]
        "cookies" => Ok(TokenMode::Cookies),
        #[cfg(feature = "cookies")]
        "refresh-cookie" => Ok(TokenMode::RefreshCookie),
        _ => Err(PageConfigError::Unknown {
            meta: "auth-token-mode",
            value: name.to_owned(),
            known: if cfg!(feature = "cookies") {
                "storage, cookies, refresh-cookie"
            } else {
                "storage (cookies and refresh-cookie need the layer's `cookies` feature)"
            },
        }),
    }
}

/// The namespace when none is set.
pub const DEFAULT_NAMESPACE: &str = "jwt-session";

/// The name of namespace `namespace`'s cross-tab lock (and of its IndexedDB database).
pub(crate) fn lock_name(namespace: &str) -> String {
    format!("{namespace}.session")
}

/// The `localStorage` key of namespace `namespace`'s session: the one place it is built. An app
/// shell that reads the session before the app runs (to show the right page at once) reads
/// this key.
#[must_use]
pub fn storage_key(namespace: &str) -> String {
    format!("{namespace}.session.v1")
}

/// What a lease holder may need beyond its exchange: storage reads and writes.
const LEASE_MARGIN_MS: f64 = 5_000.0;

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AuthConfig {
        AuthConfig::new(ApiBase::new("http://localhost/api/").expect("base"))
    }

    #[test]
    fn defaults_are_djoser_and_simplejwt() {
        let config = config();
        assert_eq!(config.header_type, "Bearer");
        assert_eq!(config.login_field, "username");
        assert_eq!(config.user_id_claim, "user_id");
        assert_eq!(config.wire.endpoints.token_create, "v1/auth/jwt/create/");
        assert_eq!(
            config.wire.endpoints.me.as_deref(),
            Some("v1/auth/users/me/")
        );
        assert_eq!(config.storage, StorageKind::Local);
        assert_eq!(config.timeout_ms, 15_000);
    }

    #[test]
    fn the_page_names_a_wire_and_a_mode_or_is_refused() {
        assert_eq!(
            wire_named("dj-rest-auth", None).map(|w| w.endpoints.me),
            Ok(Some("auth/user/".to_owned()))
        );
        assert_eq!(
            wire_named("simplejwt", Some("api2/")).map(|w| w.endpoints.me),
            Ok(Some("api2/me/".to_owned()))
        );
        assert_eq!(
            wire_named("djoser", None).map(|w| w.endpoints.token_create),
            Ok("v1/auth/jwt/create/".to_owned())
        );
        assert!(
            wire_named("dj_rest_auth", None).is_err(),
            "a typo is refused"
        );
        #[cfg(feature = "cookies")]
        assert_eq!(token_mode_named("cookies"), Ok(TokenMode::Cookies));
        #[cfg(not(feature = "cookies"))]
        assert!(token_mode_named("cookies")
            .expect_err("not built in")
            .to_string()
            .contains("`cookies` feature"));
        let refused = token_mode_named("cookie").expect_err("a typo");
        assert!(refused.to_string().contains("storage"), "{refused}");
    }

    #[test]
    fn the_namespace_names_the_key_and_the_lock() {
        let config = config().namespace("shop");
        assert_eq!(config.storage_key(), "shop.session.v1");
        assert_eq!(config.lock_name(), "shop.session");
        assert_ne!(
            config.storage_key(),
            self::config().storage_key(),
            "two apps, two keys"
        );
    }

    #[test]
    fn the_lease_outlasts_a_whole_exchange() {
        let config = config().timeout(Duration::from_secs(40));
        assert!(config.max_hold_ms() > 40_000.0);
        assert_eq!(config.timeout(Duration::ZERO).timeout_ms, 1);
    }
}
