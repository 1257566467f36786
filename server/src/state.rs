//! The shared application state handed to every handler.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use tower_http::services::{ServeDir, ServeFile};

use crate::clock::{unix_seconds, Clock};
use crate::config::{CorsPolicy, Settings, TokenSettings};
use crate::db::{self, Db, DbError, NewUser};
use crate::passwords::{PasswordError, Passwords};
use crate::test_hooks::TestHooks;
use crate::tokens::Signer;

/// The demo account created on first start.
pub const DEMO_USERNAME: &str = "demo";
/// The demo account's email address.
pub const DEMO_EMAIL: &str = "demo@example.com";

/// What can stop the state from being built.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

/// A built single-page app: files from the directory, `index.html` for anything else.
pub type StaticFiles = ServeDir<ServeFile>;

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
}

impl AppState {
    /// Loads (or creates) the signing secret and the demo user, drops expired token
    /// records, and assembles the state.
    pub async fn new(settings: Settings, db: Db, clock: Clock) -> Result<Self, InitError> {
        let secret = db.call(db::signing_secret).await?;
        let now = unix_seconds(clock.now());
        db.call(move |conn| db::purge_expired(conn, now)).await?;

        let passwords = Passwords::default();
        let has_demo = db
            .call(|conn| db::user_by_username(conn, DEMO_USERNAME))
            .await?
            .is_some();
        if !has_demo {
            let password_hash = passwords.hash(settings.demo_password.clone()).await?;
            db.call(move |conn| {
                let mut demo = NewUser {
                    id: Some(1),
                    username: DEMO_USERNAME.to_owned(),
                    email: DEMO_EMAIL.to_owned(),
                    password_hash,
                    date_joined: now,
                };
                if db::insert_user(conn, &demo)?.is_none() {
                    // Id 1 belongs to someone else: take the next free one.
                    demo.id = None;
                    db::insert_user(conn, &demo)?;
                }
                Ok(())
            })
            .await?;
        }

        let static_files = settings.static_dir.as_ref().map(|dir| {
            let index = ServeFile::new(dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip();
            ServeDir::new(dir)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(index)
        });

        Ok(Self {
            inner: Arc::new(Inner {
                db,
                signer: Signer::new(secret),
                clock,
                passwords,
                tokens: RwLock::new(settings.tokens),
                cors: settings.cors,
                static_files,
                static_dir: settings.static_dir,
                hooks: settings.test_hooks.then(TestHooks::default),
            }),
        })
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
