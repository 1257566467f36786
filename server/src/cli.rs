//! The command line (and its `INTERCEPTOR_*` environment variables), turned into
//! [`Settings`]. In the library so tests can parse flags without starting a server.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Parser};

use crate::config::{
    check_test_hooks_bind, check_user_id_claim, parse_duration, AuthHeaderTypes, ConfigError,
    CorsPolicy, LogFormat, LoginField, SecretKey, Settings, TokenSettings, UrlLayout,
    DEFAULT_DEMO_PASSWORD, DEFAULT_USER_ID_CLAIM, SECRET_KEY_ENV,
};
use crate::cookies::{CookieSettings, SameSite, DEFAULT_ACCESS_COOKIE, DEFAULT_REFRESH_COOKIE};
use crate::state::{DEMO_EMAIL, DEMO_USERNAME};

/// The heading of the cookie wire's flags in `--help`.
const COOKIE_WIRE: &str = "The cookie wire (--url-layout dj-rest-auth)";

/// The djoser + SimpleJWT reference API for the interceptor app.
#[derive(Debug, Parser)]
#[command(name = "interceptor-server", version, about)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, env = "INTERCEPTOR_BIND", default_value = "127.0.0.1:8000")]
    pub bind: String,
    /// SQLite database file, or `:memory:` for a throwaway one.
    #[arg(long, env = "INTERCEPTOR_DB", default_value = "interceptor.sqlite3")]
    pub db: String,
    /// Access token lifetime (500ms, 2s, 5m, 1h, 1d).
    #[arg(long, env = "INTERCEPTOR_ACCESS_TTL", default_value = "5m", value_parser = parse_duration)]
    pub access_ttl: Duration,
    /// Refresh token lifetime.
    #[arg(long, env = "INTERCEPTOR_REFRESH_TTL", default_value = "1d", value_parser = parse_duration)]
    pub refresh_ttl: Duration,
    /// A refresh also returns a new refresh token (ROTATE_REFRESH_TOKENS).
    #[arg(long, env = "INTERCEPTOR_ROTATE_REFRESH_TOKENS", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub rotate_refresh_tokens: bool,
    /// A rotated refresh token is blacklisted (BLACKLIST_AFTER_ROTATION).
    #[arg(long, env = "INTERCEPTOR_BLACKLIST_AFTER_ROTATION", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub blacklist_after_rotation: bool,
    /// Accepted `Authorization` scheme words, comma-separated, case-sensitive; the first
    /// names the scheme in WWW-Authenticate (SimpleJWT's AUTH_HEADER_TYPES).
    #[arg(
        long = "auth-header-type",
        env = "INTERCEPTOR_AUTH_HEADER_TYPES",
        value_delimiter = ',',
        default_value = "Bearer"
    )]
    pub auth_header_types: Vec<String>,
    /// The token claim carrying the user id (SimpleJWT's USER_ID_CLAIM).
    #[arg(long, env = "INTERCEPTOR_USER_ID_CLAIM", default_value = DEFAULT_USER_ID_CLAIM)]
    pub user_id_claim: String,
    /// How users log in: `username` (Django's User) or `email` (a custom user model with
    /// USERNAME_FIELD = "email" and REQUIRED_FIELDS = ["display_name"]; djoser's LOGIN_FIELD).
    #[arg(long, env = "INTERCEPTOR_LOGIN_FIELD", default_value_t = LoginField::Username)]
    pub login_field: LoginField,
    /// Which URLs serve the API: `djoser` (`/api/v1/auth/jwt/create/`, `users/me/`, ...),
    /// `simplejwt` (SimpleJWT's own views at `/api/token/`, `token/refresh/`,
    /// `token/verify/`, `token/blacklist/`, and the app's `/api/me/`), or `dj-rest-auth`
    /// (`/api/auth/login/`, `logout/`, `user/`, `token/refresh/`, ...; the tokens in
    /// httpOnly cookies).
    #[arg(long, env = "INTERCEPTOR_URL_LAYOUT", default_value_t = UrlLayout::Djoser)]
    pub url_layout: UrlLayout,
    /// An origin allowed to call the API from a browser; repeatable; `*` for any.
    #[arg(
        long = "cors-origin",
        env = "INTERCEPTOR_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// Answers to allowed origins say `Access-Control-Allow-Credentials: true`, so a page on
    /// another origin can send and receive cookies (django-cors-headers'
    /// CORS_ALLOW_CREDENTIALS). Refused with `--cors-origin '*'`.
    #[arg(long, env = "INTERCEPTOR_CORS_CREDENTIALS", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub cors_credentials: bool,
    /// The access token's cookie (dj-rest-auth's JWT_AUTH_COOKIE; --url-layout dj-rest-auth).
    #[arg(long, env = "INTERCEPTOR_ACCESS_COOKIE", value_name = "NAME", help_heading = COOKIE_WIRE)]
    pub access_cookie: Option<String>,
    /// The refresh token's cookie (JWT_AUTH_REFRESH_COOKIE).
    #[arg(long, env = "INTERCEPTOR_REFRESH_COOKIE", value_name = "NAME", help_heading = COOKIE_WIRE)]
    pub refresh_cookie: Option<String>,
    /// The refresh cookie's Path (JWT_AUTH_REFRESH_COOKIE_PATH, default /). A path that
    /// does not cover /api/auth/logout/ leaves logout without the token to blacklist.
    #[arg(long, env = "INTERCEPTOR_REFRESH_COOKIE_PATH", value_name = "PATH", help_heading = COOKIE_WIRE)]
    pub refresh_cookie_path: Option<String>,
    /// Both cookies' SameSite: Lax (default), Strict or None (JWT_AUTH_SAMESITE).
    #[arg(long, env = "INTERCEPTOR_COOKIE_SAMESITE", value_name = "VALUE", help_heading = COOKIE_WIRE)]
    pub cookie_samesite: Option<SameSite>,
    /// Both cookies are Secure (JWT_AUTH_SECURE).
    #[arg(long, env = "INTERCEPTOR_COOKIE_SECURE", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new(), help_heading = COOKIE_WIRE)]
    pub cookie_secure: bool,
    /// A request the access cookie authenticates must pass Django's CSRF check: the
    /// csrftoken cookie's value in X-CSRFToken (JWT_AUTH_COOKIE_USE_CSRF).
    #[arg(long, env = "INTERCEPTOR_COOKIE_CSRF", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new(), help_heading = COOKIE_WIRE)]
    pub cookie_csrf: bool,
    /// Another origin whose requests pass the CSRF check's Origin test; repeatable
    /// (Django's CSRF_TRUSTED_ORIGINS).
    #[arg(long = "csrf-trusted-origin", env = "INTERCEPTOR_CSRF_TRUSTED_ORIGINS", value_delimiter = ',', value_name = "URL", help_heading = COOKIE_WIRE)]
    pub csrf_trusted_origins: Vec<String>,
    /// Serve a built single-page app from this directory (index.html for unknown paths).
    #[arg(long, env = "INTERCEPTOR_STATIC_DIR")]
    pub static_dir: Option<PathBuf>,
    /// Log format: text or json.
    #[arg(long, env = "INTERCEPTOR_LOG_FORMAT", default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Password of the demo user, set when that user is first created; never logged
    /// unless it is the public default.
    #[arg(long, env = "INTERCEPTOR_DEMO_PASSWORD", default_value = DEFAULT_DEMO_PASSWORD, hide_env_values = true)]
    pub demo_password: String,
    /// Do not create the demo user.
    #[arg(long, env = "INTERCEPTOR_NO_DEMO_USER", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub no_demo_user: bool,
    /// A request still running after this long is answered 503.
    #[arg(long, env = "INTERCEPTOR_REQUEST_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: Duration,
    /// How often expired outstanding and blacklisted token rows are deleted.
    #[arg(long, env = "INTERCEPTOR_PRUNE_INTERVAL", default_value = "1h", value_parser = parse_duration)]
    pub prune_interval: Duration,
    /// A connection that has not sent a whole request head this long after it opened (or after
    /// its previous response) is closed: a slow or idle client cannot hold it forever.
    #[arg(long, env = "INTERCEPTOR_HEADER_READ_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub header_read_timeout: Duration,
    /// After Ctrl-C or SIGTERM, how long requests in flight may finish before the server
    /// exits anyway.
    #[arg(long, env = "INTERCEPTOR_SHUTDOWN_DEADLINE", default_value = "10s", value_parser = parse_duration)]
    pub shutdown_deadline: Duration,
    /// Lossless rotation, as the simplejwt-lossless Django package: with rotation and
    /// blacklisting, the refresh token rotated last, presented again within this interval
    /// (a page reloaded before it stored the answer), is answered with the token that
    /// replaced it; any other reuse revokes every token descending from that login. Off by
    /// default.
    #[arg(long, env = "INTERCEPTOR_REFRESH_REUSE_INTERVAL", value_parser = parse_duration)]
    pub refresh_reuse_interval: Option<Duration>,
    /// Mount the /__test__/ routes (request log, live config, fault injection). Command
    /// line only, and only on a loopback --bind.
    #[arg(long)]
    pub test_hooks: bool,
}

impl Args {
    /// The settings these arguments and [`SECRET_KEY_ENV`] describe, or why they cannot
    /// work.
    pub fn settings(&self) -> Result<Settings, ConfigError> {
        self.settings_with_secret(std::env::var_os(SECRET_KEY_ENV))
    }

    /// [`Self::settings`] with the secret variable's value given, for tests.
    pub fn settings_with_secret(&self, secret: Option<OsString>) -> Result<Settings, ConfigError> {
        check_test_hooks_bind(self.test_hooks, &self.bind)?;
        check_user_id_claim(&self.user_id_claim)?;
        let cookies = self.cookie_settings()?;
        let secret_key = secret
            .map(|value| SecretKey::new(value.into_encoded_bytes()))
            .transpose()?;
        Ok(Settings {
            tokens: TokenSettings {
                access_ttl: self.access_ttl,
                refresh_ttl: self.refresh_ttl,
                rotate_refresh_tokens: self.rotate_refresh_tokens,
                blacklist_after_rotation: self.blacklist_after_rotation,
            },
            cors: CorsPolicy::new(self.cors_origins.iter().cloned())
                .with_credentials(self.cors_credentials)?,
            static_dir: self.static_dir.clone(),
            test_hooks: self.test_hooks,
            demo_password: self.demo_password.clone(),
            auth_header_types: AuthHeaderTypes::new(self.auth_header_types.iter().cloned())?,
            user_id_claim: self.user_id_claim.clone(),
            login_field: self.login_field,
            url_layout: self.url_layout,
            cookies,
            secret_key,
            demo_user: !self.no_demo_user,
            request_timeout: self.request_timeout,
            // 0 is off, as SimpleJWT-lossless's REUSE_INTERVAL = 0.
            refresh_reuse_interval: self.refresh_reuse_interval.filter(|d| !d.is_zero()),
        })
    }

    /// The cookie wire's settings; its flags only go with `--url-layout dj-rest-auth`,
    /// which serves Django's own `User` only.
    fn cookie_settings(&self) -> Result<CookieSettings, ConfigError> {
        let given = [
            ("--access-cookie", self.access_cookie.is_some()),
            ("--refresh-cookie", self.refresh_cookie.is_some()),
            ("--refresh-cookie-path", self.refresh_cookie_path.is_some()),
            ("--cookie-samesite", self.cookie_samesite.is_some()),
            ("--cookie-secure", self.cookie_secure),
            ("--cookie-csrf", self.cookie_csrf),
            (
                "--csrf-trusted-origin",
                !self.csrf_trusted_origins.is_empty(),
            ),
        ];
        if self.url_layout != UrlLayout::RestAuth {
            if let Some((flag, _)) = given.iter().find(|(_, given)| *given) {
                return Err(ConfigError::CookieFlagNeedsRestAuth(flag));
            }
        } else if self.login_field != LoginField::Username {
            return Err(ConfigError::RestAuthNeedsUsernameLogin);
        }
        let cookies = CookieSettings {
            access_cookie: self
                .access_cookie
                .clone()
                .unwrap_or_else(|| DEFAULT_ACCESS_COOKIE.to_owned()),
            refresh_cookie: self
                .refresh_cookie
                .clone()
                .unwrap_or_else(|| DEFAULT_REFRESH_COOKIE.to_owned()),
            refresh_cookie_path: self
                .refresh_cookie_path
                .clone()
                .unwrap_or_else(|| "/".to_owned()),
            same_site: self.cookie_samesite.unwrap_or_default(),
            secure: self.cookie_secure,
            csrf: self.cookie_csrf,
            csrf_trusted_origins: self
                .csrf_trusted_origins
                .iter()
                .map(|origin| origin.trim().trim_end_matches('/').to_owned())
                .filter(|origin| !origin.is_empty())
                .collect(),
        };
        cookies.check()?;
        Ok(cookies)
    }

    /// The start-up line about the demo login. It shows the password only when it is the
    /// public default: one the user chose stays out of the logs.
    pub fn demo_login_line(&self) -> String {
        if self.no_demo_user {
            return "no demo user (--no-demo-user)".to_owned();
        }
        let login = match self.login_field {
            LoginField::Username => format!("username {DEMO_USERNAME:?} (email {DEMO_EMAIL})"),
            LoginField::Email => format!("email {DEMO_EMAIL:?}"),
        };
        let password = if self.demo_password == DEFAULT_DEMO_PASSWORD {
            format!("password {DEFAULT_DEMO_PASSWORD:?}")
        } else {
            "the password given by --demo-password or INTERCEPTOR_DEMO_PASSWORD".to_owned()
        };
        format!("demo login: {login}, {password}, unless the database already had that user")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Args {
        Args::try_parse_from(std::iter::once("interceptor-server").chain(args.iter().copied()))
            .expect("arguments parse")
    }

    #[test]
    fn defaults_are_simplejwt_and_djoser_defaults() {
        let settings = parse(&[]).settings().expect("valid");
        assert_eq!(settings.auth_header_types, AuthHeaderTypes::default());
        assert_eq!(settings.user_id_claim, "user_id");
        assert_eq!(settings.login_field, LoginField::Username);
    }

    #[test]
    fn django_setting_flags() {
        let settings = parse(&[
            "--auth-header-type",
            "JWT,Bearer",
            "--user-id-claim",
            "sub",
            "--login-field",
            "email",
        ])
        .settings()
        .expect("valid");
        assert_eq!(
            settings.auth_header_types,
            AuthHeaderTypes::new(["JWT", "Bearer"]).expect("valid")
        );
        assert_eq!(settings.user_id_claim, "sub");
        assert_eq!(settings.login_field, LoginField::Email);
    }

    #[test]
    fn url_layouts() {
        assert_eq!(
            parse(&[]).settings().expect("valid").url_layout,
            UrlLayout::Djoser
        );
        for (name, layout) in [
            ("djoser", UrlLayout::Djoser),
            ("simplejwt", UrlLayout::SimpleJwt),
            ("dj-rest-auth", UrlLayout::RestAuth),
        ] {
            let settings = parse(&["--url-layout", name]).settings().expect("valid");
            assert_eq!(settings.url_layout, layout);
            assert_eq!(layout.to_string(), name);
        }
        let unknown = Args::try_parse_from(["interceptor-server", "--url-layout", "allauth"]);
        assert!(unknown.is_err());
    }

    #[test]
    fn cookie_flags_need_the_rest_auth_layout() {
        assert_eq!(
            parse(&["--cookie-csrf"]).settings().err(),
            Some(ConfigError::CookieFlagNeedsRestAuth("--cookie-csrf"))
        );
        assert_eq!(
            parse(&["--url-layout", "dj-rest-auth", "--login-field", "email"])
                .settings()
                .err(),
            Some(ConfigError::RestAuthNeedsUsernameLogin)
        );
        assert_eq!(
            parse(&["--cors-origin", "*", "--cors-credentials"])
                .settings()
                .err(),
            Some(ConfigError::CredentialsWithAnyOrigin)
        );
        let settings = parse(&[
            "--url-layout",
            "dj-rest-auth",
            "--access-cookie",
            "a",
            "--refresh-cookie",
            "r",
            "--refresh-cookie-path",
            "/api/auth/token/refresh/",
            "--cookie-samesite",
            "Strict",
            "--cookie-secure",
            "--cookie-csrf",
            "--csrf-trusted-origin",
            "http://localhost:8080/",
            "--cors-origin",
            "http://localhost:8080",
            "--cors-credentials",
        ])
        .settings()
        .expect("valid");
        assert_eq!(
            settings.cookies,
            CookieSettings {
                access_cookie: "a".into(),
                refresh_cookie: "r".into(),
                refresh_cookie_path: "/api/auth/token/refresh/".into(),
                same_site: SameSite::Strict,
                secure: true,
                csrf: true,
                csrf_trusted_origins: vec!["http://localhost:8080".into()],
            }
        );
        assert!(settings.cors.allows_credentials());
        for bad in [
            &["--access-cookie", "a b"][..],
            &["--refresh-cookie", "jwt-access"],
            &["--refresh-cookie-path", "api/"],
        ] {
            let args: Vec<&str> = ["--url-layout", "dj-rest-auth"]
                .into_iter()
                .chain(bad.iter().copied())
                .collect();
            assert!(parse(&args).settings().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn test_hooks_are_command_line_only_and_loopback_only() {
        use clap::CommandFactory as _;

        let command = Args::command();
        let hooks = command
            .get_arguments()
            .find(|arg| arg.get_id() == "test_hooks")
            .expect("the test_hooks argument");
        assert_eq!(
            hooks.get_env(),
            None,
            "no environment variable turns them on"
        );

        assert!(parse(&["--test-hooks"]).settings_with_secret(None).is_ok());
        assert!(parse(&["--test-hooks", "--bind", "[::1]:0"])
            .settings_with_secret(None)
            .is_ok());
        assert_eq!(
            parse(&["--test-hooks", "--bind", "0.0.0.0:8000"])
                .settings_with_secret(None)
                .err(),
            Some(ConfigError::TestHooksNeedLoopback("0.0.0.0:8000".into()))
        );
        assert!(parse(&["--bind", "0.0.0.0:8000"])
            .settings_with_secret(None)
            .is_ok());
    }

    #[test]
    fn the_secret_comes_from_the_environment_variable() {
        let args = parse(&[]);
        let settings = args
            .settings_with_secret(Some("from the environment".into()))
            .expect("valid");
        assert_eq!(
            settings.secret_key.as_ref().map(SecretKey::bytes),
            Some(&b"from the environment"[..])
        );
        assert!(args
            .settings_with_secret(None)
            .expect("valid")
            .secret_key
            .is_none());
        assert_eq!(
            args.settings_with_secret(Some("".into())).err(),
            Some(ConfigError::EmptySecretKey)
        );
    }

    #[test]
    fn a_chosen_demo_password_is_never_in_the_log_line() {
        let line = parse(&[]).demo_login_line();
        assert!(line.contains(r#"username "demo""#), "{line}");
        assert!(line.contains(r#"password "demo-password""#), "{line}");
        let line = parse(&["--demo-password", "my-own-secret"]).demo_login_line();
        assert!(!line.contains("my-own-secret"), "{line}");
        let line = parse(&["--login-field", "email"]).demo_login_line();
        assert!(line.contains(r#"email "demo@example.com""#), "{line}");
        let args = parse(&["--no-demo-user", "--demo-password", "my-own-secret"]);
        assert!(!args.settings_with_secret(None).expect("valid").demo_user);
        assert_eq!(args.demo_login_line(), "no demo user (--no-demo-user)");
    }

    #[test]
    fn the_refresh_reuse_interval_is_off_unless_given() {
        let interval = |args: &[&str]| {
            parse(args)
                .settings()
                .expect("valid")
                .refresh_reuse_interval
        };
        assert_eq!(interval(&[]), None);
        assert_eq!(
            interval(&["--refresh-reuse-interval", "500ms"]),
            Some(Duration::from_millis(500))
        );
        assert_eq!(interval(&["--refresh-reuse-interval", "0s"]), None);
        assert!(
            Args::try_parse_from(["interceptor-server", "--refresh-reuse-interval", "soon"])
                .is_err()
        );
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(parse(&["--auth-header-type", ","]).settings().is_err());
        assert!(parse(&["--user-id-claim", "jti"]).settings().is_err());
        assert!(Args::try_parse_from(["interceptor-server", "--login-field", "phone"]).is_err());
    }
}
