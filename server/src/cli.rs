//! The command line (and its `INTERCEPTOR_*` environment variables), turned into
//! [`Settings`]. In the library so tests can parse flags without starting a server.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Parser};

use crate::config::{
    check_user_id_claim, parse_duration, AuthHeaderTypes, ConfigError, CorsPolicy, LogFormat,
    LoginField, Settings, TokenSettings, DEFAULT_DEMO_PASSWORD, DEFAULT_USER_ID_CLAIM,
};

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
    /// An origin allowed to call the API from a browser; repeatable; `*` for any.
    #[arg(
        long = "cors-origin",
        env = "INTERCEPTOR_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// Serve a built single-page app from this directory (index.html for unknown paths).
    #[arg(long, env = "INTERCEPTOR_STATIC_DIR")]
    pub static_dir: Option<PathBuf>,
    /// Log format: text or json.
    #[arg(long, env = "INTERCEPTOR_LOG_FORMAT", default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Password of the demo user, set when that user is first created.
    #[arg(long, env = "INTERCEPTOR_DEMO_PASSWORD", default_value = DEFAULT_DEMO_PASSWORD, hide_env_values = true)]
    pub demo_password: String,
    /// Mount the /__test__/ routes (request log, live config, fault injection).
    #[arg(long, env = "INTERCEPTOR_TEST_HOOKS", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub test_hooks: bool,
}

impl Args {
    /// The settings these arguments describe, or why they cannot work.
    pub fn settings(&self) -> Result<Settings, ConfigError> {
        check_user_id_claim(&self.user_id_claim)?;
        Ok(Settings {
            tokens: TokenSettings {
                access_ttl: self.access_ttl,
                refresh_ttl: self.refresh_ttl,
                rotate_refresh_tokens: self.rotate_refresh_tokens,
                blacklist_after_rotation: self.blacklist_after_rotation,
            },
            cors: CorsPolicy::new(self.cors_origins.iter().cloned()),
            static_dir: self.static_dir.clone(),
            test_hooks: self.test_hooks,
            demo_password: self.demo_password.clone(),
            auth_header_types: AuthHeaderTypes::new(self.auth_header_types.iter().cloned())?,
            user_id_claim: self.user_id_claim.clone(),
            login_field: self.login_field,
        })
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
    fn bad_values_are_refused() {
        assert!(parse(&["--auth-header-type", ","]).settings().is_err());
        assert!(parse(&["--user-id-claim", "jti"]).settings().is_err());
        assert!(Args::try_parse_from(["interceptor-server", "--login-field", "phone"]).is_err());
    }
}
