//! Token families and lossless rotation (`--refresh-reuse-interval`), as the
//! `simplejwt-lossless` Django package (`packages/simplejwt-lossless`) answers them.
//!
//! A family is the chain of refresh tokens that descends from one login. It starts at the
//! login token's first refresh (logins issue tokens without it) and keeps which token is
//! current and which one it was rotated from (its parent, and when). Under rotation with
//! blacklisting:
//!
//! - the family's current token rotates as usual;
//! - its parent, presented within the reuse interval of that rotation, is answered with the
//!   current token (the client never stored it: a reload cut the answer off) and a fresh
//!   access token;
//! - any other token of the family (an older ancestor, or the parent after the interval) is
//!   refused as blacklisted and revokes the family: every token of it is blacklisted.
//!
//! Every decision runs in one [`Db::call`](crate::db::Db::call) closure, under the one
//! connection's lock and in one transaction: of several concurrent refreshes of one token
//! exactly one rotates it.

use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::clock::{unix_millis, unix_seconds};
use crate::db::{self, BlacklistEntry, DbError};
use crate::errors::ApiError;
use crate::state::AppState;
use crate::tokens::{Claims, TokenError, VerifiedToken};

/// The refresh view's hook: rotates `token` within its family, or answers it with the
/// family's current token, or refuses it. `successor` is the token issued if it rotates
/// now; the answer is the refresh token to send.
pub async fn refresh_in_family(
    state: &AppState,
    token: &VerifiedToken,
    user_id: Option<i64>,
    successor: &Claims,
    reuse_interval: Duration,
) -> Result<String, ApiError> {
    let presented = Presented {
        jti: token.jti(),
        user_id,
        expires_at: token.exp(),
    };
    let successor_text = state.signer().encode(successor);
    let successor = Successor {
        jti: successor.jti.clone(),
        token: successor_text.clone(),
        created_at: successor.iat,
        expires_at: successor.exp,
    };
    let clock = state.clock().now();
    let now = Now {
        secs: unix_seconds(clock),
        millis: i64::try_from(unix_millis(clock)).unwrap_or(i64::MAX),
    };
    let interval_ms = i64::try_from(reuse_interval.as_millis()).unwrap_or(i64::MAX);
    let outcome = state
        .db()
        .call(move |conn| rotate(conn, &presented, &successor, now, interval_ms))
        .await?;
    match outcome {
        Outcome::Rotated => Ok(successor_text),
        Outcome::Current(current) => Ok(current),
        Outcome::Refused => Err(ApiError::Token(TokenError::Blacklisted)),
        Outcome::Reuse { family, revoked } => {
            // Never the token nor its jti: the user and the family say enough.
            let user = token.user_id_text().unwrap_or_default();
            tracing::warn!(family, %user, revoked, "refresh token reuse: token family revoked");
            Err(ApiError::Token(TokenError::Blacklisted))
        }
    }
}

/// The families' tables, made at start-up next to the others.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS token_families (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    current_jti        TEXT NOT NULL UNIQUE,
    -- The current token's text, to answer its parent with; NULL while the login's token is
    -- current (no parent can ask for it then).
    current_token      TEXT,
    current_expires_at INTEGER NOT NULL,
    parent_jti         TEXT,
    rotated_at_ms      INTEGER,
    revoked_at         INTEGER
);
CREATE TABLE IF NOT EXISTS token_family_members (
    jti        TEXT PRIMARY KEY,
    family_id  INTEGER NOT NULL,
    user_id    INTEGER,
    expires_at INTEGER NOT NULL
);
";

/// The refresh token a client presented (verified, blacklist not yet read).
#[derive(Debug, Clone)]
pub struct Presented {
    pub jti: String,
    pub user_id: Option<i64>,
    pub expires_at: i64,
}

/// The token that replaces it if it is rotated now.
#[derive(Debug, Clone)]
pub struct Successor {
    pub jti: String,
    pub token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What a refresh within a family comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The presented token was current and is rotated: the successor is current now.
    Rotated,
    /// The presented token is the current one's parent, within the interval: here is the
    /// current token's text.
    Current(String),
    /// Refused as blacklisted: logged out, or its family was revoked before.
    Refused,
    /// Refused as blacklisted, and a reuse: the family is revoked (`revoked` tokens newly
    /// blacklisted).
    Reuse { family: i64, revoked: usize },
}

/// One family row.
#[derive(Debug)]
struct Family {
    id: i64,
    current_jti: String,
    current_token: Option<String>,
    current_expires_at: i64,
    parent_jti: Option<String>,
    rotated_at_ms: Option<i64>,
    revoked: bool,
}

/// Clock readings for one decision: whole seconds (as the blacklist keeps them) and
/// milliseconds (the reuse interval may be shorter than a second).
#[derive(Debug, Clone, Copy)]
pub struct Now {
    pub secs: i64,
    pub millis: i64,
}

/// Decides and records a refresh of `presented` under rotation with blacklisting, given
/// the reuse interval in milliseconds.
pub fn rotate(
    conn: &mut Connection,
    presented: &Presented,
    successor: &Successor,
    now: Now,
    reuse_interval_ms: i64,
) -> Result<Outcome, DbError> {
    let tx = conn.transaction()?;
    let spent = db::is_blacklisted(&tx, &presented.jti)?;
    let family = match family_of(&tx, &presented.jti)? {
        Some(family) => family,
        // Logged out before its first refresh: the blacklist's own answer.
        None if spent => return Ok(Outcome::Refused),
        None => start_family(&tx, presented)?,
    };
    let outcome = if family.revoked {
        Outcome::Refused
    } else if family.current_jti == presented.jti {
        if spent {
            Outcome::Refused // the current token was logged out
        } else {
            rotate_current(&tx, &family, presented, successor, now)?;
            Outcome::Rotated
        }
    } else if family.parent_jti.as_deref() == Some(presented.jti.as_str())
        && family
            .rotated_at_ms
            .is_some_and(|at| now.millis.saturating_sub(at) <= reuse_interval_ms)
    {
        match &family.current_token {
            Some(token)
                if family.current_expires_at > now.secs
                    && !db::is_blacklisted(&tx, &family.current_jti)? =>
            {
                Outcome::Current(token.clone())
            }
            _ => Outcome::Refused, // the current token was logged out, or has expired
        }
    } else {
        let revoked = revoke(&tx, family.id, now.secs)?;
        Outcome::Reuse {
            family: family.id,
            revoked,
        }
    };
    tx.commit()?;
    Ok(outcome)
}

fn family_of(tx: &Transaction<'_>, jti: &str) -> Result<Option<Family>, DbError> {
    Ok(tx
        .query_row(
            "SELECT f.id, f.current_jti, f.current_token, f.current_expires_at, f.parent_jti,
                    f.rotated_at_ms, f.revoked_at IS NOT NULL
             FROM token_family_members m JOIN token_families f ON f.id = m.family_id
             WHERE m.jti = ?1",
            params![jti],
            |row| {
                Ok(Family {
                    id: row.get(0)?,
                    current_jti: row.get(1)?,
                    current_token: row.get(2)?,
                    current_expires_at: row.get(3)?,
                    parent_jti: row.get(4)?,
                    rotated_at_ms: row.get(5)?,
                    revoked: row.get(6)?,
                })
            },
        )
        .optional()?)
}

/// A login's token at its first refresh: the root and current token of a new family.
fn start_family(tx: &Transaction<'_>, root: &Presented) -> Result<Family, DbError> {
    tx.execute(
        "INSERT INTO token_families (current_jti, current_expires_at) VALUES (?1, ?2)",
        params![root.jti, root.expires_at],
    )?;
    let id = tx.last_insert_rowid();
    add_member(tx, id, &root.jti, root.user_id, root.expires_at)?;
    Ok(Family {
        id,
        current_jti: root.jti.clone(),
        current_token: None,
        current_expires_at: root.expires_at,
        parent_jti: None,
        rotated_at_ms: None,
        revoked: false,
    })
}

fn add_member(
    tx: &Transaction<'_>,
    family: i64,
    jti: &str,
    user_id: Option<i64>,
    expires_at: i64,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO token_family_members (jti, family_id, user_id, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![jti, family, user_id, expires_at],
    )?;
    Ok(())
}

/// The current token is spent (blacklisted, as BLACKLIST_AFTER_ROTATION does) and its
/// successor issued and made current, with it as the parent.
fn rotate_current(
    tx: &Transaction<'_>,
    family: &Family,
    presented: &Presented,
    successor: &Successor,
    now: Now,
) -> Result<(), DbError> {
    db::blacklist(
        tx,
        &BlacklistEntry {
            jti: presented.jti.clone(),
            user_id: presented.user_id,
            expires_at: presented.expires_at,
            now: now.secs,
        },
    )?;
    db::outstand(
        tx,
        &successor.jti,
        presented.user_id,
        successor.created_at,
        successor.expires_at,
    )?;
    add_member(
        tx,
        family.id,
        &successor.jti,
        presented.user_id,
        successor.expires_at,
    )?;
    tx.execute(
        "UPDATE token_families
         SET current_jti = ?1, current_token = ?2, current_expires_at = ?3, parent_jti = ?4,
             rotated_at_ms = ?5
         WHERE id = ?6",
        params![
            successor.jti,
            successor.token,
            successor.expires_at,
            presented.jti,
            now.millis,
            family.id
        ],
    )?;
    Ok(())
}

/// Blacklists every token of the family and marks it revoked; how many tokens it
/// blacklisted.
fn revoke(tx: &Transaction<'_>, family: i64, now: i64) -> Result<usize, DbError> {
    tx.execute(
        "UPDATE token_families SET revoked_at = ?1 WHERE id = ?2",
        params![now, family],
    )?;
    // Every member is outstanding already (a login or a rotation recorded it).
    let blacklisted = tx.execute(
        "INSERT OR IGNORE INTO blacklisted_tokens (jti, expires_at, blacklisted_at)
         SELECT jti, expires_at, ?1 FROM token_family_members WHERE family_id = ?2",
        params![now, family],
    )?;
    Ok(blacklisted)
}

/// Deletes families whose current (newest) token has expired, and expired members;
/// SimpleJWT's `flushexpiredtokens` takes the package's families along the same way.
pub fn purge_expired(conn: &Connection, now: i64) -> Result<usize, DbError> {
    let families = conn.execute(
        "DELETE FROM token_families WHERE current_expires_at < ?1",
        params![now],
    )?;
    let members = conn.execute(
        "DELETE FROM token_family_members WHERE expires_at < ?1",
        params![now],
    )?;
    Ok(families + members)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE_MS: i64 = 60_000;

    fn conn() -> Connection {
        let conn = Connection::open_in_memory().expect("db");
        db::create_tables(&conn).expect("schema");
        conn
    }

    fn presented(jti: &str) -> Presented {
        Presented {
            jti: jti.into(),
            user_id: Some(1),
            expires_at: 1_000,
        }
    }

    fn successor(jti: &str) -> Successor {
        Successor {
            jti: jti.into(),
            token: format!("token-{jti}"),
            created_at: 10,
            expires_at: 1_000,
        }
    }

    fn at(secs: i64) -> Now {
        Now {
            secs,
            millis: secs * 1000,
        }
    }

    #[test]
    fn a_chain_of_rotations_and_a_reuse() {
        let mut conn = conn();
        let rotate = |conn: &mut Connection, from: &str, to: &str, secs: i64| {
            rotate(conn, &presented(from), &successor(to), at(secs), MINUTE_MS).expect("rotate")
        };
        assert_eq!(rotate(&mut conn, "a", "b", 10), Outcome::Rotated);
        assert_eq!(
            rotate(&mut conn, "a", "x", 11),
            Outcome::Current("token-b".into())
        );
        assert_eq!(rotate(&mut conn, "b", "c", 12), Outcome::Rotated);
        let Outcome::Reuse { revoked, .. } = rotate(&mut conn, "a", "y", 13) else {
            panic!("a grandparent is a reuse");
        };
        assert_eq!(revoked, 1, "a and b were spent; c is blacklisted now");
        assert_eq!(rotate(&mut conn, "c", "z", 14), Outcome::Refused);
        assert_eq!(rotate(&mut conn, "b", "z", 14), Outcome::Refused);
    }

    #[test]
    fn the_parent_after_the_interval_is_a_reuse() {
        let mut conn = conn();
        let interval_ms = 500;
        let first = rotate(
            &mut conn,
            &presented("a"),
            &successor("b"),
            at(10),
            interval_ms,
        );
        assert_eq!(first.expect("rotate"), Outcome::Rotated);
        let late = Now {
            secs: 10,
            millis: 10_501,
        };
        let reuse = rotate(
            &mut conn,
            &presented("a"),
            &successor("x"),
            late,
            interval_ms,
        );
        assert!(matches!(reuse.expect("rotate"), Outcome::Reuse { .. }));
    }

    #[test]
    fn expired_families_are_purged() {
        let mut conn = conn();
        rotate(
            &mut conn,
            &presented("a"),
            &successor("b"),
            at(10),
            MINUTE_MS,
        )
        .expect("rotate");
        assert_eq!(purge_expired(&conn, 999).expect("purge"), 0);
        assert_eq!(purge_expired(&conn, 1_001).expect("purge"), 3);
    }
}
