//! Server settings: what the command line and environment decide, and the token
//! settings that the test hooks may change while the server runs.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cookies::CookieSettings;

/// The token lifetimes and rotation rules (SimpleJWT's `SIMPLE_JWT` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSettings {
    /// `ACCESS_TOKEN_LIFETIME`, 5 minutes by default.
    pub access_ttl: Duration,
    /// `REFRESH_TOKEN_LIFETIME`, 1 day by default.
    pub refresh_ttl: Duration,
    /// `ROTATE_REFRESH_TOKENS`: a refresh also returns a new refresh token.
    pub rotate_refresh_tokens: bool,
    /// `BLACKLIST_AFTER_ROTATION`: a rotated refresh token stops working.
    pub blacklist_after_rotation: bool,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            access_ttl: Duration::from_secs(5 * 60),
            refresh_ttl: Duration::from_secs(24 * 60 * 60),
            rotate_refresh_tokens: false,
            blacklist_after_rotation: false,
        }
    }
}

/// [`TokenSettings`] as the test hooks show them: durations in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSettingsJson {
    pub access_ttl_ms: u64,
    pub refresh_ttl_ms: u64,
    pub rotate_refresh_tokens: bool,
    pub blacklist_after_rotation: bool,
}

impl From<TokenSettings> for TokenSettingsJson {
    fn from(settings: TokenSettings) -> Self {
        let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Self {
            access_ttl_ms: millis(settings.access_ttl),
            refresh_ttl_ms: millis(settings.refresh_ttl),
            rotate_refresh_tokens: settings.rotate_refresh_tokens,
            blacklist_after_rotation: settings.blacklist_after_rotation,
        }
    }
}

/// Which browser origins may call the API (django-cors-headers' `CORS_ALLOWED_ORIGINS`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsPolicy {
    any: bool,
    origins: Vec<String>,
    credentials: bool,
}

impl CorsPolicy {
    /// Builds the policy from `--cors-origin` values; `*` allows every origin.
    pub fn new<I, S>(origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut policy = Self::default();
        for origin in origins {
            let origin = origin.into();
            let origin = origin.trim().trim_end_matches('/');
            if origin == "*" {
                policy.any = true;
            } else if !origin.is_empty() {
                policy.origins.push(origin.to_owned());
            }
        }
        policy
    }

    /// Whether every origin is allowed (`*`): django-cors-headers then answers
    /// `Access-Control-Allow-Origin: *`.
    pub fn allows_any(&self) -> bool {
        self.any
    }

    /// Whether a request's `Origin` header value is allowed.
    pub fn allows(&self, origin: &str) -> bool {
        self.any || self.origins.iter().any(|allowed| allowed == origin)
    }

    /// `CORS_ALLOW_CREDENTIALS`: the browser may send and receive cookies across origins.
    /// Refused with `*`, whose answers a browser never lets carry credentials.
    pub fn with_credentials(self, credentials: bool) -> Result<Self, ConfigError> {
        if credentials && self.any {
            return Err(ConfigError::CredentialsWithAnyOrigin);
        }
        Ok(Self {
            credentials,
            ..self
        })
    }

    /// Whether answers to allowed origins say `Access-Control-Allow-Credentials: true`.
    pub fn allows_credentials(&self) -> bool {
        self.credentials
    }
}

/// What can be wrong with the settings; the server refuses to start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("--auth-header-type needs at least one type, like Bearer or JWT")]
    NoAuthHeaderType,
    #[error("auth header type {0:?} must be visible ASCII without spaces or commas")]
    BadAuthHeaderType(String),
    #[error(
        "--user-id-claim {0:?} must be a non-empty name other than token_type, exp, iat and jti"
    )]
    BadUserIdClaim(String),
    #[error("unknown login field {0:?} (expected username or email)")]
    UnknownLoginField(String),
    #[error("unknown URL layout {0:?} (expected djoser, simplejwt or dj-rest-auth)")]
    UnknownUrlLayout(String),
    #[error(
        "--cors-credentials is refused with --cors-origin '*': a browser refuses credentials \
         with a wildcard origin; list the exact origins instead"
    )]
    CredentialsWithAnyOrigin,
    #[error("{0} needs --url-layout dj-rest-auth (the cookie wire)")]
    CookieFlagNeedsRestAuth(&'static str),
    #[error(
        "--url-layout dj-rest-auth is served with Django's own User only, not --login-field email"
    )]
    RestAuthNeedsUsernameLogin,
    #[error("cookie name {0:?} must be a non-empty token (letters, digits, !#$%&'*+-.^_`|~), and the two names must differ")]
    BadCookieName(String),
    #[error("--refresh-cookie-path {0:?} must start with / and hold no spaces or semicolons")]
    BadCookiePath(String),
    #[error("unknown SameSite value {0:?} (expected Lax, Strict or None)")]
    UnknownSameSite(String),
    #[error(
        "--test-hooks lets any caller change token lifetimes and stall requests, so it only \
         runs on a loopback address (127.0.0.0/8, ::1 or localhost); --bind {0} is not one"
    )]
    TestHooksNeedLoopback(String),
    #[error(
        "the database {database} lies inside --static-dir {static_dir}, which would serve \
         the signing secret and password hashes to anyone; put it elsewhere"
    )]
    DatabaseInsideStaticDir {
        database: String,
        static_dir: String,
    },
    #[error("cannot resolve {path}: {reason}")]
    Path { path: String, reason: String },
    #[error("{SECRET_KEY_ENV} is set but empty")]
    EmptySecretKey,
}

/// The environment variable that, when set, holds the signing secret (Django's `SECRET_KEY`,
/// which SimpleJWT's `SIGNING_KEY` defaults to). It is never a flag: flags show in `ps`.
pub const SECRET_KEY_ENV: &str = "INTERCEPTOR_SECRET_KEY";

/// The HS256 signing secret, kept out of `Debug` output and logs.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    /// A secret from its bytes; refused when empty.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, ConfigError> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(ConfigError::EmptySecretKey);
        }
        Ok(Self(bytes))
    }

    /// The secret's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({} bytes)", self.0.len())
    }
}

/// Whether `--bind` names a loopback address: an IP in 127.0.0.0/8 or `::1` (also
/// IPv4-mapped), or the host name `localhost`. Any other name is refused, since it could
/// resolve anywhere.
pub fn is_loopback_bind(bind: &str) -> bool {
    if let Ok(addr) = bind.parse::<SocketAddr>() {
        return is_loopback_ip(addr.ip());
    }
    if let Ok(ip) = bind.parse::<IpAddr>() {
        return is_loopback_ip(ip);
    }
    let host = bind.rsplit_once(':').map_or(bind, |(host, _port)| host);
    host.eq_ignore_ascii_case("localhost")
}

fn is_loopback_ip(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// Refuses `--test-hooks` unless the server binds a loopback address.
pub fn check_test_hooks_bind(test_hooks: bool, bind: &str) -> Result<(), ConfigError> {
    if test_hooks && !is_loopback_bind(bind) {
        return Err(ConfigError::TestHooksNeedLoopback(bind.to_owned()));
    }
    Ok(())
}

/// Refuses a database file inside the directory served as static files. Both paths are
/// compared canonical (symlinks and `..` resolved); a database file that does not exist
/// yet is placed by its directory.
pub fn check_database_location(
    database: &str,
    static_dir: Option<&Path>,
) -> Result<(), ConfigError> {
    let Some(static_dir) = static_dir else {
        return Ok(());
    };
    if database == crate::db::IN_MEMORY {
        return Ok(());
    }
    let canonical = |path: &Path| {
        path.canonicalize().map_err(|error| ConfigError::Path {
            path: path.display().to_string(),
            reason: error.to_string(),
        })
    };
    let static_dir = canonical(static_dir)?;
    let database_path = Path::new(database);
    let database_path = match database_path.canonicalize() {
        Ok(path) => path,
        Err(_) => {
            let parent = match database_path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            let name = database_path.file_name().ok_or_else(|| ConfigError::Path {
                path: database.to_owned(),
                reason: "not a file name".to_owned(),
            })?;
            canonical(parent)?.join(name)
        }
    };
    if database_path.starts_with(&static_dir) {
        return Err(ConfigError::DatabaseInsideStaticDir {
            database: database_path.display().to_string(),
            static_dir: static_dir.display().to_string(),
        });
    }
    Ok(())
}

/// SimpleJWT's `AUTH_HEADER_TYPES`: the `Authorization` scheme words that carry a token.
/// Matched case-sensitively, as SimpleJWT compares bytes; the first one names the scheme
/// in `WWW-Authenticate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthHeaderTypes(Vec<String>);

impl AuthHeaderTypes {
    /// The types in order; at least one, each a single visible-ASCII word.
    pub fn new<I, S>(types: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut accepted = Vec::new();
        for kind in types {
            let kind = kind.into().trim().to_owned();
            if kind.is_empty() {
                continue;
            }
            if !kind.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
                return Err(ConfigError::BadAuthHeaderType(kind));
            }
            accepted.push(kind);
        }
        if accepted.is_empty() {
            return Err(ConfigError::NoAuthHeaderType);
        }
        Ok(Self(accepted))
    }

    /// Whether `scheme` (the header's first word) is one of the types.
    pub fn accepts(&self, scheme: &[u8]) -> bool {
        self.0.iter().any(|kind| kind.as_bytes() == scheme)
    }

    /// The first type, the one `WWW-Authenticate` names.
    pub fn first(&self) -> &str {
        self.0.first().map_or("Bearer", String::as_str)
    }

    /// `WWW-Authenticate` for every 401: `<first type> realm="api"`.
    pub fn www_authenticate(&self) -> String {
        format!(r#"{} realm="api""#, self.first())
    }
}

impl Default for AuthHeaderTypes {
    fn default() -> Self {
        Self(vec!["Bearer".to_owned()])
    }
}

/// SimpleJWT's default `USER_ID_CLAIM`.
pub const DEFAULT_USER_ID_CLAIM: &str = "user_id";

/// Checks a `USER_ID_CLAIM` name: a claim the token already has would be written twice.
pub fn check_user_id_claim(name: &str) -> Result<(), ConfigError> {
    let taken = ["token_type", "exp", "iat", "jti"];
    if name.trim().is_empty() || name != name.trim() || taken.contains(&name) {
        return Err(ConfigError::BadUserIdClaim(name.to_owned()));
    }
    Ok(())
}

/// djoser's `LOGIN_FIELD`, with the user model that goes with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginField {
    /// Django's own `User`: `USERNAME_FIELD = "username"`, `REQUIRED_FIELDS = ["email"]`.
    #[default]
    Username,
    /// A custom user model with `USERNAME_FIELD = "email"` and
    /// `REQUIRED_FIELDS = ["display_name"]` (djoser's JWT docs' settings).
    Email,
}

impl LoginField {
    /// The field name in request and response bodies.
    pub fn name(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
        }
    }
}

impl FromStr for LoginField {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "username" => Ok(Self::Username),
            "email" => Ok(Self::Email),
            other => Err(ConfigError::UnknownLoginField(other.to_owned())),
        }
    }
}

impl fmt::Display for LoginField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which URLs serve the API: the wire of one Django project layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UrlLayout {
    /// djoser's views under `/api/v1/auth/` (`jwt/create/`, `users/me/`, ...).
    #[default]
    Djoser,
    /// SimpleJWT's own views at the URLs its documentation gives (`/api/token/`,
    /// `/api/token/refresh/`, `/api/token/verify/`, `/api/token/blacklist/`) and the app's
    /// own `/api/me/`; no registration.
    SimpleJwt,
    /// dj-rest-auth's views under `/api/auth/`, the tokens in httpOnly cookies.
    RestAuth,
}

impl UrlLayout {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Djoser => "djoser",
            Self::SimpleJwt => "simplejwt",
            Self::RestAuth => "dj-rest-auth",
        }
    }
}

impl FromStr for UrlLayout {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "djoser" => Ok(Self::Djoser),
            "simplejwt" => Ok(Self::SimpleJwt),
            "dj-rest-auth" => Ok(Self::RestAuth),
            other => Err(ConfigError::UnknownUrlLayout(other.to_owned())),
        }
    }
}

impl fmt::Display for UrlLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything the server needs besides its database and clock.
#[derive(Clone)]
pub struct Settings {
    /// Token lifetimes and rotation at start-up.
    pub tokens: TokenSettings,
    /// Allowed CORS origins.
    pub cors: CorsPolicy,
    /// A built single-page app to serve next to the API.
    pub static_dir: Option<PathBuf>,
    /// Whether the `/__test__/` routes exist.
    pub test_hooks: bool,
    /// The password given to the `demo` user when it is first created.
    pub demo_password: String,
    /// SimpleJWT's `AUTH_HEADER_TYPES`.
    pub auth_header_types: AuthHeaderTypes,
    /// SimpleJWT's `USER_ID_CLAIM`; check it with [`check_user_id_claim`].
    pub user_id_claim: String,
    /// djoser's `LOGIN_FIELD` and the user model behind it.
    pub login_field: LoginField,
    /// Which URLs serve the API.
    pub url_layout: UrlLayout,
    /// The cookie wire of `--url-layout dj-rest-auth`.
    pub cookies: CookieSettings,
    /// The signing secret from [`SECRET_KEY_ENV`]; `None` keeps (or makes) one in the
    /// database.
    pub secret_key: Option<SecretKey>,
    /// Whether the demo user is created when missing (`--no-demo-user` turns it off).
    pub demo_user: bool,
    /// How long a request may take before it is answered 503; injected fault delays do
    /// not count.
    pub request_timeout: Duration,
    /// Lossless rotation (`--refresh-reuse-interval`, the `simplejwt-lossless` package's
    /// `REUSE_INTERVAL`): under rotation with blacklisting, the parent of a token family's
    /// current refresh token is answered with it this long after the rotation. `None` is
    /// stock SimpleJWT.
    pub refresh_reuse_interval: Option<Duration>,
}

/// Leaves the demo password out: it may be the user's own.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("tokens", &self.tokens)
            .field("cors", &self.cors)
            .field("static_dir", &self.static_dir)
            .field("test_hooks", &self.test_hooks)
            .field("auth_header_types", &self.auth_header_types)
            .field("user_id_claim", &self.user_id_claim)
            .field("login_field", &self.login_field)
            .field("url_layout", &self.url_layout)
            .field("cookies", &self.cookies)
            .field("secret_key", &self.secret_key)
            .field("demo_user", &self.demo_user)
            .field("request_timeout", &self.request_timeout)
            .field("refresh_reuse_interval", &self.refresh_reuse_interval)
            .finish_non_exhaustive()
    }
}

/// The default `--request-timeout`.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for Settings {
    fn default() -> Self {
        Self {
            tokens: TokenSettings::default(),
            cors: CorsPolicy::default(),
            static_dir: None,
            test_hooks: false,
            demo_password: DEFAULT_DEMO_PASSWORD.to_owned(),
            auth_header_types: AuthHeaderTypes::default(),
            user_id_claim: DEFAULT_USER_ID_CLAIM.to_owned(),
            login_field: LoginField::default(),
            url_layout: UrlLayout::default(),
            cookies: CookieSettings::default(),
            secret_key: None,
            demo_user: true,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            refresh_reuse_interval: None,
        }
    }
}

/// The demo user's password unless `--demo-password` says otherwise.
pub const DEFAULT_DEMO_PASSWORD: &str = "demo-password";

/// How the request log and other logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(format!(
                "unknown log format {other:?} (expected text or json)"
            )),
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Text => "text",
            Self::Json => "json",
        })
    }
}

/// A duration that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {input:?}: expected a number with a unit, like 500ms, 2s, 5m, 1h or 1d")]
pub struct DurationError {
    input: String,
}

/// Parses `500ms`, `2s`, `5m`, `1h`, `1d` (a bare number means seconds).
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let err = || DurationError {
        input: input.to_owned(),
    };
    let s = input.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let number: u64 = number.parse().map_err(|_| err())?;
    let millis_per_unit: u64 = match unit.trim() {
        "ms" => 1,
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(err()),
    };
    number
        .checked_mul(millis_per_unit)
        .map(Duration::from_millis)
        .ok_or_else(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "ms", "5x", "-5s", "1.5s", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn auth_header_types_match_case_sensitively() {
        let types = AuthHeaderTypes::new(["JWT", " Bearer "]).expect("valid");
        assert!(types.accepts(b"JWT"));
        assert!(types.accepts(b"Bearer"));
        assert!(!types.accepts(b"jwt"));
        assert!(!types.accepts(b"bearer"));
        assert_eq!(types.www_authenticate(), r#"JWT realm="api""#);
        assert_eq!(
            AuthHeaderTypes::new(["", " "]),
            Err(ConfigError::NoAuthHeaderType)
        );
        assert!(AuthHeaderTypes::new(["Bad Type"]).is_err());
        assert!(AuthHeaderTypes::new(["Jwt\u{e9}"]).is_err());
        assert_eq!(
            AuthHeaderTypes::default().www_authenticate(),
            r#"Bearer realm="api""#
        );
    }

    #[test]
    fn user_id_claim_names() {
        assert!(check_user_id_claim("sub").is_ok());
        assert!(check_user_id_claim("user_id").is_ok());
        for bad in ["", " ", "jti", "exp", "iat", "token_type", " sub"] {
            assert!(check_user_id_claim(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn loopback_binds() {
        for good in [
            "127.0.0.1:8000",
            "127.1.2.3:0",
            "[::1]:8000",
            "[::ffff:127.0.0.1]:80",
            "localhost:8000",
            "LOCALHOST:1",
            "localhost",
        ] {
            assert!(is_loopback_bind(good), "{good}");
        }
        for bad in [
            "0.0.0.0:8000",
            "[::]:8000",
            "192.168.1.2:8000",
            "10.0.0.1:80",
            "example.com:80",
            "localhost.example.com:80",
            "128.0.0.1:80",
        ] {
            assert!(!is_loopback_bind(bad), "{bad}");
        }
        assert!(check_test_hooks_bind(false, "0.0.0.0:80").is_ok());
        assert!(check_test_hooks_bind(true, "127.0.0.1:80").is_ok());
        assert_eq!(
            check_test_hooks_bind(true, "0.0.0.0:80"),
            Err(ConfigError::TestHooksNeedLoopback("0.0.0.0:80".into()))
        );
    }

    #[test]
    fn a_database_inside_the_static_dir_is_refused() {
        let root = tempfile::tempdir().expect("tempdir");
        let site = root.path().join("site");
        std::fs::create_dir_all(site.join("pkg")).expect("mkdir");
        let path = |p: PathBuf| p.to_str().expect("utf-8").to_owned();
        for inside in [
            path(site.join("db.sqlite3")),
            path(site.join("pkg").join("db.sqlite3")),
            path(
                root.path()
                    .join("site")
                    .join("..")
                    .join("site")
                    .join("x.db"),
            ),
        ] {
            assert!(
                matches!(
                    check_database_location(&inside, Some(&site)),
                    Err(ConfigError::DatabaseInsideStaticDir { .. })
                ),
                "{inside}"
            );
        }
        // An existing file is resolved through symlinks too.
        #[cfg(unix)]
        {
            let real = site.join("real.sqlite3");
            std::fs::write(&real, b"").expect("write");
            let link = root.path().join("link.sqlite3");
            std::os::unix::fs::symlink(&real, &link).expect("symlink");
            assert!(check_database_location(&path(link), Some(&site)).is_err());
        }
        let beside = path(root.path().join("db.sqlite3"));
        assert!(check_database_location(&beside, Some(&site)).is_ok());
        // A sibling whose name merely starts the same is outside.
        let sibling = root.path().join("site2");
        std::fs::create_dir_all(&sibling).expect("mkdir");
        assert!(check_database_location(&path(sibling.join("db")), Some(&site)).is_ok());
        assert!(check_database_location(":memory:", Some(&site)).is_ok());
        assert!(check_database_location(&path(site.join("db")), None).is_ok());
    }

    #[test]
    fn secrets_are_not_debug_printed() {
        let key = SecretKey::new(b"hunter2-hunter2".to_vec()).expect("key");
        assert_eq!(format!("{key:?}"), "SecretKey(15 bytes)");
        assert_eq!(SecretKey::new(Vec::new()), Err(ConfigError::EmptySecretKey));
        let settings = Settings {
            demo_password: "my own password".into(),
            secret_key: Some(key),
            ..Settings::default()
        };
        let debug = format!("{settings:?}");
        assert!(!debug.contains("my own password"), "{debug}");
        assert!(!debug.contains("hunter2"), "{debug}");
    }

    #[test]
    fn login_fields() {
        assert_eq!("email".parse(), Ok(LoginField::Email));
        assert_eq!("username".parse(), Ok(LoginField::Username));
        assert!("Email".parse::<LoginField>().is_err());
        assert_eq!(LoginField::Email.to_string(), "email");
    }

    #[test]
    fn cors_policy_matches_exactly_or_any() {
        let policy = CorsPolicy::new(["http://localhost:8080/"]);
        assert!(policy.allows("http://localhost:8080"));
        assert!(!policy.allows("http://localhost:8081"));
        assert!(CorsPolicy::new(["*"]).allows("https://example.com"));
        assert!(!CorsPolicy::default().allows("https://example.com"));
    }
}
