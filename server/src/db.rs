//! The embedded SQLite store: users, the signing secret, issued refresh tokens and the
//! blacklist (SimpleJWT's `OutstandingToken` and `BlacklistedToken`).
//!
//! One connection behind a mutex; every call runs on the blocking pool, so a slow disk
//! never stalls the async runtime. Each call holds the lock for its whole closure, which
//! is what makes a check-then-insert atomic.
//!
//! A database file holds the signing secret and the password hashes: it is created
//! `0600` (and an existing one tightened to that), and runs in WAL mode with
//! `synchronous=NORMAL`, so a commit is an append to the log rather than two syncs of
//! the main file. SQLite gives the `-wal` and `-shm` files the database file's mode.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use crate::config::LoginField;

/// What can go wrong in the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("a previous database call panicked while holding the connection")]
    Poisoned,
    #[error("database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("could not generate the signing secret: {0}")]
    Random(String),
    #[error("cannot restrict {path} to its owner: {source}")]
    Permissions {
        path: String,
        source: std::io::Error,
    },
}

/// The `--db` value that selects a private in-memory database.
pub const IN_MEMORY: &str = ":memory:";

/// Length in bytes of the HS256 signing secret generated on first start.
const SECRET_LEN: usize = 64;

/// A user row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    /// The custom user model's `display_name` (`--login-field email`); `""` otherwise.
    pub display_name: String,
    pub password_hash: String,
    pub is_active: bool,
}

/// A shared handle to the database.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

impl Db {
    /// Opens (creating if needed) the database at `path`, or an in-memory one for
    /// [`IN_MEMORY`], and brings its schema up to date.
    pub fn open(path: &str) -> Result<Self, DbError> {
        let conn = if path == IN_MEMORY {
            Connection::open_in_memory()?
        } else {
            restrict_to_owner(path)?;
            let conn = Connection::open(path)?;
            // The pragma answers with the mode it got; a file that cannot do WAL keeps its own.
            let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(%path, %mode, "the database cannot use WAL mode");
            }
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn
        };
        conn.busy_timeout(Duration::from_secs(5))?;
        create_tables(&conn)?;
        add_missing_columns(&conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with exclusive access to the connection on the blocking pool.
    pub async fn call<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, DbError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| DbError::Poisoned)?;
            f(&mut guard)
        })
        .await?
    }
}

/// Creates the database file readable by its owner alone, or takes the group's and
/// others' access away from an existing one (and from its `-wal`, `-shm` and `-journal`
/// files, which a looser earlier run may have left).
#[cfg(unix)]
fn restrict_to_owner(path: &str) -> Result<(), DbError> {
    use std::fs::{OpenOptions, Permissions};
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};

    let failed = |source| DbError::Permissions {
        path: path.to_owned(),
        source,
    };
    // `create_new` with mode 0600: never a moment with the umask's mode, no race.
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => return Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(error) => return Err(failed(error)),
    }
    for file in ["", "-wal", "-shm", "-journal"].map(|suffix| format!("{path}{suffix}")) {
        let Ok(metadata) = std::fs::metadata(&file) else {
            continue;
        };
        let mode = metadata.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(&file, Permissions::from_mode(mode & 0o700))
                .map_err(failed)?;
            tracing::warn!(file = %file, "the database was readable by others: now 0600");
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict_to_owner(_path: &str) -> Result<(), DbError> {
    Ok(())
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    email         TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    is_active     INTEGER NOT NULL DEFAULT 1,
    date_joined   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outstanding_tokens (
    jti        TEXT PRIMARY KEY,
    user_id    INTEGER,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS user_names (
    user_id    INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL DEFAULT '',
    last_name  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS blacklisted_tokens (
    jti            TEXT PRIMARY KEY,
    expires_at     INTEGER NOT NULL,
    blacklisted_at INTEGER NOT NULL
);
";

/// Creates the tables that are missing: these and the token families'.
pub(crate) fn create_tables(conn: &Connection) -> Result<(), DbError> {
    conn.execute_batch(SCHEMA)?;
    conn.execute_batch(crate::families::SCHEMA)?;
    Ok(())
}

/// Columns added after the first release: `(table, column, definition)`. A database made
/// before a column existed gets it on open, so old files keep working.
const ADDED_COLUMNS: [(&str, &str, &str); 1] =
    [("users", "display_name", "TEXT NOT NULL DEFAULT ''")];

fn add_missing_columns(conn: &Connection) -> Result<(), DbError> {
    for (table, column, definition) in ADDED_COLUMNS {
        let mut statement = conn.prepare(&format!("PRAGMA table_info({table})"))?;
        let mut names = statement.query_map([], |row| row.get::<_, String>(1))?;
        let present = names.any(|name| name.is_ok_and(|name| name == column));
        if !present {
            conn.execute_batch(&format!(
                "ALTER TABLE {table} ADD COLUMN {column} {definition}"
            ))?;
        }
    }
    Ok(())
}

/// Returns the signing secret, generating and storing a random one on first use.
pub fn signing_secret(conn: &mut Connection) -> Result<Vec<u8>, DbError> {
    let tx = conn.transaction()?;
    let existing: Option<Vec<u8>> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'signing_secret'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    let secret = match existing {
        Some(secret) if !secret.is_empty() => secret,
        _ => {
            let mut secret = vec![0u8; SECRET_LEN];
            getrandom::fill(&mut secret).map_err(|e| DbError::Random(e.to_string()))?;
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('signing_secret', ?1)",
                params![secret],
            )?;
            secret
        }
    };
    tx.commit()?;
    Ok(secret)
}

fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        email: row.get(2)?,
        display_name: row.get(3)?,
        password_hash: row.get(4)?,
        is_active: row.get(5)?,
    })
}

const USER_COLUMNS: &str = "id, username, email, display_name, password_hash, is_active";

/// Looks a user up by exact (case-sensitive) username.
pub fn user_by_username(conn: &Connection, username: &str) -> Result<Option<User>, DbError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1");
    Ok(conn
        .query_row(&sql, params![username], user_from_row)
        .optional()?)
}

/// Looks a user up by exact (case-sensitive) email, as Django's `get_by_natural_key` does
/// when `USERNAME_FIELD = "email"`. Users made under `--login-field username` may share an
/// email; the oldest wins.
pub fn user_by_email(conn: &Connection, email: &str) -> Result<Option<User>, DbError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?1 ORDER BY id LIMIT 1");
    Ok(conn
        .query_row(&sql, params![email], user_from_row)
        .optional()?)
}

/// Looks a user up by the login field's value.
pub fn user_by_login(
    conn: &Connection,
    login_field: LoginField,
    value: &str,
) -> Result<Option<User>, DbError> {
    match login_field {
        LoginField::Username => user_by_username(conn, value),
        LoginField::Email => user_by_email(conn, value),
    }
}

/// Whether an email is taken (exact match, like a unique `EmailField`'s validator).
pub fn email_exists(conn: &Connection, email: &str) -> Result<bool, DbError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM users WHERE email = ?1",
            params![email],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Looks a user up by id.
pub fn user_by_id(conn: &Connection, id: i64) -> Result<Option<User>, DbError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1");
    Ok(conn
        .query_row(&sql, params![id], user_from_row)
        .optional()?)
}

/// Whether a username is taken.
pub fn username_exists(conn: &Connection, username: &str) -> Result<bool, DbError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM users WHERE username = ?1",
            params![username],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// A new user to insert.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Forces the id (used for the demo user, id 1); `None` takes the next one.
    pub id: Option<i64>,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub date_joined: i64,
}

/// Inserts a user; `Ok(None)` when the username (or forced id) is already taken.
pub fn insert_user(conn: &Connection, user: &NewUser) -> Result<Option<User>, DbError> {
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO users
             (id, username, email, display_name, password_hash, is_active, date_joined)
         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)",
        params![
            user.id,
            user.username,
            user.email,
            user.display_name,
            user.password_hash,
            user.date_joined
        ],
    )?;
    if inserted == 0 {
        return Ok(None);
    }
    user_by_id(conn, conn.last_insert_rowid())
}

/// Sets a user's email; the updated user, or `None` if the id is gone.
pub fn update_email(conn: &Connection, id: i64, email: &str) -> Result<Option<User>, DbError> {
    conn.execute(
        "UPDATE users SET email = ?1 WHERE id = ?2",
        params![email, id],
    )?;
    user_by_id(conn, id)
}

/// Sets a user's display name; the updated user, or `None` if the id is gone.
pub fn update_display_name(
    conn: &Connection,
    id: i64,
    display_name: &str,
) -> Result<Option<User>, DbError> {
    conn.execute(
        "UPDATE users SET display_name = ?1 WHERE id = ?2",
        params![display_name, id],
    )?;
    user_by_id(conn, id)
}

/// Replaces a user's password hash; `false` if the id is gone.
pub fn set_password_hash(conn: &Connection, id: i64, password_hash: &str) -> Result<bool, DbError> {
    let updated = conn.execute(
        "UPDATE users SET password_hash = ?1 WHERE id = ?2",
        params![password_hash, id],
    )?;
    Ok(updated == 1)
}

/// Django's `first_name` and `last_name` of a user (`""` until set), which only
/// dj-rest-auth's `user/` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserNames {
    pub first_name: String,
    pub last_name: String,
}

pub fn user_names(conn: &Connection, id: i64) -> Result<UserNames, DbError> {
    Ok(conn
        .query_row(
            "SELECT first_name, last_name FROM user_names WHERE user_id = ?1",
            params![id],
            |row| {
                Ok(UserNames {
                    first_name: row.get(0)?,
                    last_name: row.get(1)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// Changes what is given of a user's username and names, in one transaction; `None` if
/// the user is gone, or if the username went to someone else meanwhile.
pub fn update_user_details(
    conn: &mut Connection,
    id: i64,
    username: Option<&str>,
    names: UserNames,
) -> Result<Option<User>, DbError> {
    let tx = conn.transaction()?;
    if let Some(username) = username {
        let renamed = tx.execute(
            "UPDATE users SET username = ?1 WHERE id = ?2 \
             AND NOT EXISTS (SELECT 1 FROM users WHERE username = ?1 AND id != ?2)",
            params![username, id],
        )?;
        if renamed != 1 {
            return Ok(None);
        }
    }
    tx.execute(
        "INSERT INTO user_names (user_id, first_name, last_name) VALUES (?1, ?2, ?3) \
         ON CONFLICT (user_id) DO UPDATE SET first_name = ?2, last_name = ?3",
        params![id, names.first_name, names.last_name],
    )?;
    let user = user_by_id(&tx, id)?;
    tx.commit()?;
    Ok(user)
}

/// Deletes a user; `false` if the id is gone. Their issued refresh tokens stay, with no
/// user, as `OutstandingToken.user` (`on_delete=SET_NULL`) does.
pub fn delete_user(conn: &mut Connection, id: i64) -> Result<bool, DbError> {
    let tx = conn.transaction()?;
    tx.execute(
        "UPDATE outstanding_tokens SET user_id = NULL WHERE user_id = ?1",
        params![id],
    )?;
    tx.execute("DELETE FROM user_names WHERE user_id = ?1", params![id])?;
    let deleted = tx.execute("DELETE FROM users WHERE id = ?1", params![id])?;
    tx.commit()?;
    Ok(deleted == 1)
}

/// Records an issued refresh token (SimpleJWT's `OutstandingToken`).
pub fn outstand(
    conn: &Connection,
    jti: &str,
    user_id: Option<i64>,
    created_at: i64,
    expires_at: i64,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT OR IGNORE INTO outstanding_tokens (jti, user_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![jti, user_id, created_at, expires_at],
    )?;
    Ok(())
}

/// Whether a jti is on the blacklist.
pub fn is_blacklisted(conn: &Connection, jti: &str) -> Result<bool, DbError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM blacklisted_tokens WHERE jti = ?1",
            params![jti],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// A refresh token to blacklist.
#[derive(Debug, Clone)]
pub struct BlacklistEntry {
    pub jti: String,
    pub user_id: Option<i64>,
    pub expires_at: i64,
    pub now: i64,
}

/// Blacklists a token in one statement: `Ok(false)` if it already was, so of several
/// concurrent callers exactly one gets `Ok(true)`.
pub fn blacklist(conn: &Connection, entry: &BlacklistEntry) -> Result<bool, DbError> {
    outstand(conn, &entry.jti, entry.user_id, entry.now, entry.expires_at)?;
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO blacklisted_tokens (jti, expires_at, blacklisted_at)
         VALUES (?1, ?2, ?3)",
        params![entry.jti, entry.expires_at, entry.now],
    )?;
    Ok(inserted == 1)
}

/// Deletes token records that expired before `now` (SimpleJWT's `flushexpiredtokens`);
/// returns how many rows went.
pub fn purge_expired(conn: &Connection, now: i64) -> Result<usize, DbError> {
    let outstanding = conn.execute(
        "DELETE FROM outstanding_tokens WHERE expires_at < ?1",
        params![now],
    )?;
    let blacklisted = conn.execute(
        "DELETE FROM blacklisted_tokens WHERE expires_at < ?1",
        params![now],
    )?;
    let families = crate::families::purge_expired(conn, now)?;
    Ok(outstanding + blacklisted + families)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().expect("in-memory db");
        create_tables(&conn).expect("schema");
        add_missing_columns(&conn).expect("columns");
        conn
    }

    #[cfg(unix)]
    #[test]
    fn a_file_database_is_private_and_in_wal_mode() {
        use std::os::unix::fs::PermissionsExt as _;

        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("new.sqlite3");
        let path_text = path.to_str().expect("utf-8");
        let db = Db::open(path_text).expect("open");
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
        };
        assert_eq!(mode(&path), 0o600);
        let conn = db.conn.lock().expect("lock");
        let journal: String = conn
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .expect("pragma");
        assert_eq!(journal, "wal");
        let synchronous: i64 = conn
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .expect("pragma");
        assert_eq!(synchronous, 1, "NORMAL");
        conn.execute_batch("INSERT INTO meta VALUES ('k', 'v')")
            .expect("write");
        assert_eq!(mode(&dir.path().join("new.sqlite3-wal")), 0o600);
        drop(conn);

        // An existing world-readable file is tightened on open.
        let old = dir.path().join("old.sqlite3");
        std::fs::write(&old, b"").expect("create");
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        Db::open(old.to_str().expect("utf-8")).expect("open");
        assert_eq!(mode(&old), 0o600);
    }

    #[test]
    fn memory_databases_skip_the_file_settings() {
        let db = Db::open(IN_MEMORY).expect("open");
        let conn = db.conn.lock().expect("lock");
        let journal: String = conn
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .expect("pragma");
        assert_eq!(journal, "memory");
    }

    #[test]
    fn secret_is_generated_once() {
        let mut conn = db();
        let first = signing_secret(&mut conn).expect("secret");
        assert_eq!(first.len(), SECRET_LEN);
        assert_eq!(signing_secret(&mut conn).expect("secret"), first);
    }

    #[test]
    fn blacklisting_twice_reports_the_second() {
        let conn = db();
        let entry = BlacklistEntry {
            jti: "abc".into(),
            user_id: Some(1),
            expires_at: 10,
            now: 1,
        };
        assert!(!is_blacklisted(&conn, "abc").expect("query"));
        assert!(blacklist(&conn, &entry).expect("insert"));
        assert!(!blacklist(&conn, &entry).expect("insert"));
        assert!(is_blacklisted(&conn, "abc").expect("query"));
        purge_expired(&conn, 11).expect("purge");
        assert!(!is_blacklisted(&conn, "abc").expect("query"));
    }

    #[test]
    fn duplicate_username_is_not_inserted() {
        let conn = db();
        let new = NewUser {
            id: None,
            username: "alice".into(),
            email: String::new(),
            display_name: String::new(),
            password_hash: "x".into(),
            date_joined: 0,
        };
        let alice = insert_user(&conn, &new).expect("insert").expect("created");
        assert_eq!(alice.username, "alice");
        assert!(insert_user(&conn, &new).expect("insert").is_none());
        assert!(username_exists(&conn, "alice").expect("query"));
        assert!(!username_exists(&conn, "Alice").expect("query"));
    }

    #[test]
    fn email_and_password_updates_persist() {
        let conn = db();
        let new = NewUser {
            id: None,
            username: "carol".into(),
            email: String::new(),
            display_name: String::new(),
            password_hash: "old".into(),
            date_joined: 0,
        };
        let carol = insert_user(&conn, &new).expect("insert").expect("created");
        let updated = update_email(&conn, carol.id, "c@example.com")
            .expect("update")
            .expect("user");
        assert_eq!(updated.email, "c@example.com");
        assert!(set_password_hash(&conn, carol.id, "new").expect("update"));
        let reread = user_by_id(&conn, carol.id).expect("query").expect("user");
        assert_eq!(reread.email, "c@example.com");
        assert_eq!(reread.password_hash, "new");
        assert!(update_email(&conn, 999, "x@example.com")
            .expect("update")
            .is_none());
        assert!(!set_password_hash(&conn, 999, "x").expect("update"));
        let renamed = update_display_name(&conn, carol.id, "Carol C.")
            .expect("update")
            .expect("user");
        assert_eq!(renamed.display_name, "Carol C.");
        assert!(update_display_name(&conn, 999, "x")
            .expect("update")
            .is_none());
    }

    #[test]
    fn a_deleted_user_leaves_its_tokens_without_a_user() {
        let mut conn = db();
        let new = NewUser {
            id: None,
            username: "zoe".into(),
            email: String::new(),
            display_name: String::new(),
            password_hash: "x".into(),
            date_joined: 0,
        };
        let zoe = insert_user(&conn, &new).expect("insert").expect("created");
        outstand(&conn, "jti", Some(zoe.id), 0, 10).expect("outstand");
        assert!(delete_user(&mut conn, zoe.id).expect("delete"));
        assert!(user_by_id(&conn, zoe.id).expect("query").is_none());
        let owner: Option<i64> = conn
            .query_row(
                "SELECT user_id FROM outstanding_tokens WHERE jti = 'jti'",
                [],
                |row| row.get(0),
            )
            .expect("token row");
        assert_eq!(owner, None);
        assert!(!delete_user(&mut conn, zoe.id).expect("delete"));
    }

    #[test]
    fn email_lookups_are_exact_and_take_the_oldest() {
        let conn = db();
        for (username, email) in [("a", "same@example.com"), ("b", "same@example.com")] {
            let new = NewUser {
                id: None,
                username: username.into(),
                email: email.into(),
                display_name: String::new(),
                password_hash: "x".into(),
                date_joined: 0,
            };
            insert_user(&conn, &new).expect("insert").expect("created");
        }
        let found = user_by_login(&conn, LoginField::Email, "same@example.com")
            .expect("query")
            .expect("user");
        assert_eq!(found.username, "a");
        assert!(user_by_email(&conn, "Same@example.com")
            .expect("query")
            .is_none());
        assert!(email_exists(&conn, "same@example.com").expect("query"));
        assert!(!email_exists(&conn, "other@example.com").expect("query"));
    }

    #[test]
    fn a_database_from_before_display_name_gains_the_column() {
        let conn = Connection::open_in_memory().expect("in-memory db");
        conn.execute_batch(SCHEMA).expect("schema");
        conn.execute(
            "INSERT INTO users (username, password_hash, date_joined) VALUES ('old', 'x', 0)",
            [],
        )
        .expect("insert");
        add_missing_columns(&conn).expect("columns");
        // Twice is harmless: the column is only added when missing.
        add_missing_columns(&conn).expect("columns again");
        let old = user_by_username(&conn, "old")
            .expect("query")
            .expect("user");
        assert_eq!(old.display_name, "");
    }
}
