//! The shared application state handed to every handler.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::http::HeaderValue;

use crate::clock::{unix_seconds, Clock};
use crate::config::{
    check_user_id_claim, AuthHeaderTypes, ConfigError, CorsPolicy, LoginField, Settings,
    TokenSettings, UrlLayout,
};
use crate::cookies::CookieSettings;
use crate::db::{self, Db, DbError, NewUser};
use crate::passwords::{PasswordError, Passwords};
use crate::routes::static_site::{static_files, StaticFiles};
use crate::test_hooks::TestHooks;
use crate::tokens::Signer;

/// The demo account created on first start.
pub const DEMO_USERNAME: &str = "demo";
/// The demo account's email address (its login under `--login-field email`).
pub const DEMO_EMAIL: &str = "demo@example.com";
/// The demo account's display name (shown under `--login-field email`).
pub const DEMO_DISPLAY_NAME: &str = "Demo User";

/// What can stop the state from being built.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Db,
    signer: Signer,
    clock: Clock,
    passwords: Passwords,
    tokens: RwLock<TokenSettings>,
    cors: CorsPolicy,
    static_files: Option<StaticFiles>,
    static_dir: Option<PathBuf>,
    hooks: Option<TestHooks>,
    request_timeout: Duration,
    auth_header_types: AuthHeaderTypes,
    www_authenticate: HeaderValue,
    login_field: LoginField,
    refresh_reuse_interval: Option<Duration>,
    url_layout: UrlLayout,
    cookies: CookieSettings,
}

impl AppState {
    /// Loads (or creates) the signing secret and the demo user, drops expired token
    /// records, builds the dummy password hash, and assembles the state.
    pub async fn new(settings: Settings, db: Db, clock: Clock) -> Result<Self, InitError> {
        check_user_id_claim(&settings.user_id_claim)?;
        let www_authenticate =
            HeaderValue::from_str(&settings.auth_header_types.www_authenticate()).map_err(
                |_| ConfigError::BadAuthHeaderType(settings.auth_header_types.first().to_owned()),
            )?;
        // A secret from the environment wins, as Django's SECRET_KEY does; the database's
        // own is then left as it is, for when the variable goes away again.
        let secret = match &settings.secret_key {
            Some(key) => key.bytes().to_vec(),
            None => db.call(db::signing_secret).await?,
        };
        let now = unix_seconds(clock.now());
        db.call(move |conn| db::purge_expired(conn, now)).await?;

        let passwords = Passwords::default();
        passwords.prepare().await?;
        let login_field = settings.login_field;
        let demo_login = match login_field {
            LoginField::Username => DEMO_USERNAME,
            LoginField::Email => DEMO_EMAIL,
        };
        let has_demo = db
            .call(move |conn| db::user_by_login(conn, login_field, demo_login))
            .await?
            .is_some();
        if settings.demo_user && !has_demo {
            let password_hash = passwords.hash(settings.demo_password.clone()).await?;
            db.call(move |conn| create_demo_user(conn, password_hash, now))
                .await?;
        }

        let static_files = settings.static_dir.as_deref().map(static_files);

        Ok(Self {
            inner: Arc::new(Inner {
                db,
                signer: Signer::new(secret).with_user_id_claim(&settings.user_id_claim),
                clock,
                passwords,
                tokens: RwLock::new(settings.tokens),
                cors: settings.cors,
                static_files,
                static_dir: settings.static_dir,
                hooks: settings.test_hooks.then(TestHooks::default),
                request_timeout: settings.request_timeout,
                auth_header_types: settings.auth_header_types,
                www_authenticate,
                login_field,
                refresh_reuse_interval: settings.refresh_reuse_interval,
                url_layout: settings.url_layout,
                cookies: settings.cookies,
            }),
        })
    }

    /// How long a request may run before it is answered 503.
    pub fn request_timeout(&self) -> Duration {
        self.inner.request_timeout
    }

    /// SimpleJWT's `AUTH_HEADER_TYPES`.
    pub fn auth_header_types(&self) -> &AuthHeaderTypes {
        &self.inner.auth_header_types
    }

    /// The `WWW-Authenticate` value of every 401.
    pub fn www_authenticate(&self) -> &HeaderValue {
        &self.inner.www_authenticate
    }

    /// djoser's `LOGIN_FIELD`.
    pub fn login_field(&self) -> LoginField {
        self.inner.login_field
    }

    /// The reuse interval of lossless rotation (`--refresh-reuse-interval`) when `tokens`
    /// rotate and blacklist, the one setting where a lost answer ends a session.
    pub fn refresh_reuse_interval(&self, tokens: &TokenSettings) -> Option<Duration> {
        self.inner
            .refresh_reuse_interval
            .filter(|_| tokens.rotate_refresh_tokens && tokens.blacklist_after_rotation)
    }

    /// Which URLs serve the API.
    pub fn url_layout(&self) -> UrlLayout {
        self.inner.url_layout
    }

    /// The cookie wire's settings; in force only under `--url-layout dj-rest-auth`.
    pub fn cookies(&self) -> Option<&CookieSettings> {
        (self.inner.url_layout == UrlLayout::RestAuth).then_some(&self.inner.cookies)
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The token signer.
    pub fn signer(&self) -> &Signer {
        &self.inner.signer
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The password hasher.
    pub fn passwords(&self) -> &Passwords {
        &self.inner.passwords
    }

    /// The CORS policy.
    pub fn cors(&self) -> &CorsPolicy {
        &self.inner.cors
    }

    /// The static file service, when `--static-dir` is set.
    pub fn static_files(&self) -> Option<&StaticFiles> {
        self.inner.static_files.as_ref()
    }

    /// The `--static-dir` directory.
    pub fn static_dir(&self) -> Option<&PathBuf> {
        self.inner.static_dir.as_ref()
    }

    /// The test hooks, when `--test-hooks` is set.
    pub fn hooks(&self) -> Option<&TestHooks> {
        self.inner.hooks.as_ref()
    }

    /// A snapshot of the current token settings.
    pub fn token_settings(&self) -> TokenSettings {
        // The settings are plain data: a panic elsewhere cannot leave them half-written.
        *self
            .inner
            .tokens
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Replaces the token settings (test hooks).
    pub fn set_token_settings(&self, settings: TokenSettings) {
        *self
            .inner
            .tokens
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = settings;
    }
}

/// Creates the demo user, the same in both login modes so one database serves both: id 1
/// unless taken, username `demo` unless taken (then its email), the demo email and name.
fn create_demo_user(
    conn: &mut rusqlite::Connection,
    password_hash: String,
    now: i64,
) -> Result<(), DbError> {
    let candidates = [
        (Some(1), DEMO_USERNAME),
        (None, DEMO_USERNAME),
        (None, DEMO_EMAIL),
    ];
    for (id, username) in candidates {
        let demo = NewUser {
            id,
            username: username.to_owned(),
            email: DEMO_EMAIL.to_owned(),
            display_name: DEMO_DISPLAY_NAME.to_owned(),
            password_hash: password_hash.clone(),
            date_joined: now,
        };
        if db::insert_user(conn, &demo)?.is_some() {
            return Ok(());
        }
    }
    tracing::warn!("could not create the demo user: its usernames are taken");
    Ok(())
}
