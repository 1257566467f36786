//! Everything the layer needs to know about the API it talks to and the app it lives in. Every
//! setting defaults to what djoser and SimpleJWT do when nothing is set.

use std::time::Duration;

use crate::base::{meta_content, ApiBase, BaseUrlError};

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
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthConfig {
    pub(crate) base: ApiBase,
    pub(crate) endpoints: Endpoints,
    pub(crate) header_type: String,
    pub(crate) login_field: String,
    pub(crate) user_id_claim: String,
    pub(crate) namespace: String,
    pub(crate) storage: StorageKind,
    pub(crate) timeout_ms: u32,
    pub(crate) refresh_lead_ms: Option<f64>,
    pub(crate) refresh_ahead: bool,
    pub(crate) login_path: String,
    #[cfg(feature = "testing")]
    pub(crate) window: Option<web_sys::Window>,
}

impl AuthConfig {
    /// djoser + SimpleJWT defaults for an API at `base`: djoser's paths under `v1/auth/`,
    /// `Authorization: Bearer`, login by `username`, the `user_id` claim, `localStorage` shared by
    /// every tab, 15 s per request, a refresh 30 s (or a tenth of the token's life) before expiry.
    pub fn new(base: ApiBase) -> Self {
        Self {
            base,
            endpoints: Endpoints::default(),
            header_type: "Bearer".to_owned(),
            login_field: "username".to_owned(),
            user_id_claim: "user_id".to_owned(),
            namespace: DEFAULT_NAMESPACE.to_owned(),
            storage: StorageKind::Local,
            timeout_ms: 15_000,
            refresh_lead_ms: None,
            refresh_ahead: true,
            login_path: "/login".to_owned(),
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
    /// ```
    ///
    /// Builder calls after it override the page.
    pub fn from_document() -> Result<Self, BaseUrlError> {
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
        Ok(config)
    }

    /// The API paths, if yours differ from djoser's under `v1/auth/` (see [`Endpoints`]).
    pub fn endpoints(mut self, endpoints: Endpoints) -> Self {
        self.endpoints = endpoints;
        self
    }

    /// The word before the token in `Authorization`: SimpleJWT's `AUTH_HEADER_TYPES[0]`.
    /// `Bearer` by default; djoser's JWT documentation uses `JWT`.
    pub fn header_type(mut self, header_type: impl Into<String>) -> Self {
        self.header_type = header_type.into();
        self
    }

    /// The name of the login field that `jwt/create/` takes beside `password`: djoser's
    /// `LOGIN_FIELD`, which is the user model's `USERNAME_FIELD` (`username` by default;
    /// `email` for an email-login model).
    pub fn login_field(mut self, field: impl Into<String>) -> Self {
        self.login_field = field.into();
        self
    }

    /// The claim that names the user in a token: SimpleJWT's `USER_ID_CLAIM` (`user_id` by
    /// default). The client compares it before replaying a request with a refreshed token, so
    /// that one user's request is never sent with another user's token.
    pub fn user_id_claim(mut self, claim: impl Into<String>) -> Self {
        self.user_id_claim = claim.into();
        self
    }

    /// A name for this app's session, so that two apps on one origin do not share it: the
    /// storage key is `<namespace>.session.v1` and the cross-tab lock is `<namespace>.session`.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Where the session is kept (see [`StorageKind`]).
    pub fn storage(mut self, storage: StorageKind) -> Self {
        self.storage = storage;
        self
    }

    /// How long one HTTP exchange may take before it is abandoned as a timeout (15 s by default).
    /// A holder of the cross-tab lock's fallback lease renews it for this long and a margin.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout_ms = u32::try_from(timeout.as_millis())
            .unwrap_or(u32::MAX)
            .max(1);
        self
    }

    /// How long before the access token expires it is refreshed. By default 30 s, or a tenth of
    /// the token's lifetime when that is less; never more than half of its lifetime.
    pub fn refresh_lead(mut self, lead: Duration) -> Self {
        self.refresh_lead_ms = Some(lead.as_millis() as f64);
        self
    }

    /// Whether the access token is refreshed ahead of expiry, by a timer, while the tab is
    /// visible (the default). Without it, tokens are refreshed only when a request finds one
    /// expiring or refused: fewer requests for an idle app, and a refresh before the first call
    /// after a pause.
    pub fn refresh_ahead(mut self, enabled: bool) -> Self {
        self.refresh_ahead = enabled;
        self
    }

    /// The path of the app's login page, where [`RequireAuth`](crate::RequireAuth) sends a
    /// visitor (`/login` by default).
    pub fn login_path(mut self, path: impl Into<String>) -> Self {
        self.login_path = path.into();
        self
    }

    /// The layer as it would run in another window of this origin (a same-origin frame standing
    /// in for a tab in tests).
    #[cfg(feature = "testing")]
    pub fn in_window(mut self, window: web_sys::Window) -> Self {
        self.window = Some(window);
        self
    }

    /// The API base.
    pub fn base(&self) -> &ApiBase {
        &self.base
    }

    /// The name of the login field (see [`Self::login_field`]), for a login form's label.
    pub fn login_field_name(&self) -> &str {
        &self.login_field
    }

    pub(crate) fn storage_key(&self) -> String {
        format!("{}.session.v1", self.namespace)
    }

    pub(crate) fn lock_name(&self) -> String {
        format!("{}.session", self.namespace)
    }

    /// How long a holder keeps renewing the fallback lease (where Web Locks are missing) at
    /// most: a whole exchange and then some, so that a live holder never loses it in the middle
    /// of one.
    pub(crate) fn max_hold_ms(&self) -> f64 {
        f64::from(self.timeout_ms) + LEASE_MARGIN_MS
    }

    /// The window the layer lives in.
    pub(crate) fn window(&self) -> Option<web_sys::Window> {
        #[cfg(feature = "testing")]
        if let Some(window) = &self.window {
            return Some(window.clone());
        }
        web_sys::window()
    }
}

/// The namespace when none is set.
pub const DEFAULT_NAMESPACE: &str = "jwt-session";

/// What a lease holder may need beyond its exchange: storage reads and writes.
const LEASE_MARGIN_MS: f64 = 5_000.0;

/// Which browser storage holds the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StorageKind {
    /// `localStorage`: survives reloads and restarts, shared by every tab, which share one
    /// session and one refresh.
    #[default]
    Local,
    /// `sessionStorage`: one tab, until it closes; each tab logs in on its own.
    Session,
    /// Nothing kept: a reload logs the user out.
    Memory,
}

/// The API paths, relative to the API base. The defaults are djoser's and SimpleJWT's under
/// `v1/auth/`; [`Endpoints::under`] moves them all, and each field can be set on its own.
///
/// ```
/// use leptos_jwt_session::Endpoints;
///
/// // path("auth/", include("djoser.urls")), path("auth/", include("djoser.urls.jwt"))
/// let mut endpoints = Endpoints::under("auth/");
/// assert_eq!(endpoints.me, "auth/users/me/");
/// endpoints.token_blacklist = "auth/logout/".into();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoints {
    /// `jwt/create/`: a login.
    pub token_create: String,
    /// `jwt/refresh/`: a new access token (and, under rotation, a new refresh token).
    pub token_refresh: String,
    /// `jwt/verify/`.
    pub token_verify: String,
    /// `jwt/blacklist/` (SimpleJWT's `TokenBlacklistView`): the logout.
    pub token_blacklist: String,
    /// `users/`: registration.
    pub users: String,
    /// `users/me/`: the current user.
    pub me: String,
    /// `users/set_password/`.
    pub set_password: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self::under("v1/auth/")
    }
}

impl Endpoints {
    /// djoser's and SimpleJWT's paths below `prefix` (which ends in `/`, or is empty).
    pub fn under(prefix: &str) -> Self {
        let path = |rest: &str| format!("{prefix}{rest}");
        Self {
            token_create: path("jwt/create/"),
            token_refresh: path("jwt/refresh/"),
            token_verify: path("jwt/verify/"),
            token_blacklist: path("jwt/blacklist/"),
            users: path("users/"),
            me: path("users/me/"),
            set_password: path("users/set_password/"),
        }
    }

    /// The token endpoints authenticate by their body: they never get an `Authorization` header,
    /// and a 401 from them is an answer, not a reason to refresh.
    pub(crate) fn is_token_endpoint(&self, relative: &str) -> bool {
        [
            &self.token_create,
            &self.token_refresh,
            &self.token_verify,
            &self.token_blacklist,
        ]
        .iter()
        .any(|endpoint| endpoint.as_str() == relative)
    }
}

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
        assert_eq!(config.endpoints.token_create, "v1/auth/jwt/create/");
        assert_eq!(config.endpoints.me, "v1/auth/users/me/");
        assert_eq!(config.storage, StorageKind::Local);
        assert_eq!(config.timeout_ms, 15_000);
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

    #[test]
    fn token_endpoints_are_known_wherever_they_live() {
        let endpoints = Endpoints::under("auth/");
        assert!(endpoints.is_token_endpoint("auth/jwt/refresh/"));
        assert!(!endpoints.is_token_endpoint("auth/users/me/"));
        assert!(!endpoints.is_token_endpoint("v1/auth/jwt/refresh/"));
    }
}
