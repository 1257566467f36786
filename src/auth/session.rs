//! The session as plain data: tokens, the user, and the rules for moving between states.
//! No signals here, so every transition is unit-tested on the host.

use super::token::{default_lead_ms, local_expiry_ms, Claims, TokenError};
use crate::json::{Json, JsonError};

/// The logged-in user, as `users/me/` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub email: String,
    pub id: u64,
    pub username: String,
}

impl User {
    pub fn from_json(json: &Json) -> Result<Self, JsonError> {
        Ok(Self {
            email: json.field("email", Json::as_str)?.to_owned(),
            id: json.field("id", Json::as_u64)?,
            username: json.field("username", Json::as_str)?.to_owned(),
        })
    }

    pub fn to_json(&self) -> Json {
        Json::object([
            ("email", self.email.as_str().into()),
            ("id", self.id.into()),
            ("username", self.username.as_str().into()),
        ])
    }
}

/// Both tokens, with the local time each arrived (their lifetimes count from then).
#[derive(Debug, Clone, PartialEq)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
    /// Local time, ms since the epoch, when `access` arrived.
    pub access_received_at: f64,
    /// Local time, ms since the epoch, when `refresh` arrived.
    pub refresh_received_at: f64,
}

impl Tokens {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        Ok(Self {
            access: json.field("access", Json::as_str)?.to_owned(),
            refresh: json.field("refresh", Json::as_str)?.to_owned(),
            access_received_at: json.field("access_received_at", Json::as_i64)? as f64,
            refresh_received_at: json.field("refresh_received_at", Json::as_i64)? as f64,
        })
    }

    /// Times are written in whole milliseconds, which is what `Date.now()` gives.
    fn to_json(&self) -> Json {
        Json::object([
            ("access", self.access.as_str().into()),
            ("refresh", self.refresh.as_str().into()),
            (
                "access_received_at",
                (self.access_received_at.round() as i64).into(),
            ),
            (
                "refresh_received_at",
                (self.refresh_received_at.round() as i64).into(),
            ),
        ])
    }

    /// A fresh pair from a login; both must be JWTs.
    pub fn new(access: String, refresh: String, now_ms: f64) -> Result<Self, TokenError> {
        Claims::decode(&access)?;
        Claims::decode(&refresh)?;
        Ok(Self {
            access,
            refresh,
            access_received_at: now_ms,
            refresh_received_at: now_ms,
        })
    }

    /// The pair after a refresh: a new access token and, under rotation, a new refresh token.
    pub fn refreshed(
        &self,
        access: String,
        rotated_refresh: Option<String>,
        now_ms: f64,
    ) -> Result<Self, TokenError> {
        Claims::decode(&access)?;
        let (refresh, refresh_received_at) = match rotated_refresh {
            Some(refresh) => {
                Claims::decode(&refresh)?;
                (refresh, now_ms)
            }
            None => (self.refresh.clone(), self.refresh_received_at),
        };
        Ok(Self {
            access,
            refresh,
            access_received_at: now_ms,
            refresh_received_at,
        })
    }

    /// When the access token expires, local clock, ms.
    pub fn access_expires_at(&self) -> Option<f64> {
        Claims::decode(&self.access)
            .ok()
            .map(|claims| local_expiry_ms(&claims, self.access_received_at))
    }

    /// When the refresh token expires, local clock, ms.
    pub fn refresh_expires_at(&self) -> Option<f64> {
        Claims::decode(&self.refresh)
            .ok()
            .map(|claims| local_expiry_ms(&claims, self.refresh_received_at))
    }

    /// When the access token should be refreshed: `lead_ms` before it expires, or the default
    /// lead for its lifetime.
    pub fn access_refresh_due_at(&self, lead_ms: Option<f64>) -> Option<f64> {
        // Decoded once: this runs before every request.
        let claims = Claims::decode(&self.access).ok()?;
        let expires_at = local_expiry_ms(&claims, self.access_received_at);
        let lifetime = claims.lifetime_ms().unwrap_or(0.0);
        // A lead as long as the token's life would make every moment due: at most half of it.
        let lead = lead_ms
            .unwrap_or_else(|| default_lead_ms(lifetime))
            .min(lifetime / 2.0);
        Some(expires_at - lead)
    }

    /// Whose tokens these are (the access token's `user_id` claim).
    pub fn user_id(&self) -> Option<Json> {
        Claims::decode(&self.access)
            .ok()
            .and_then(|claims| claims.user_id)
    }

    /// Lifetime of the access token as issued, ms.
    pub fn access_lifetime_ms(&self) -> Option<f64> {
        Claims::decode(&self.access)
            .ok()
            .and_then(|claims| claims.lifetime_ms())
    }
}

/// How the last session ended: it decides where the login page sends the user back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// The user pressed "Log out".
    LoggedOut,
    /// The server refused the refresh token.
    Expired,
}

impl SessionEnd {
    fn as_str(self) -> &'static str {
        match self {
            Self::LoggedOut => "LoggedOut",
            Self::Expired => "Expired",
        }
    }

    fn from_json(json: &Json) -> Option<Self> {
        match json.as_str()? {
            "LoggedOut" => Some(Self::LoggedOut),
            "Expired" => Some(Self::Expired),
            _ => None,
        }
    }
}

/// A session as it is kept in storage.
#[derive(Debug, Clone, PartialEq)]
pub struct PersistedSession {
    pub tokens: Tokens,
    pub user: Option<User>,
}

impl PersistedSession {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        let tokens = json.field("tokens", Some)?;
        Ok(Self {
            tokens: Tokens::from_json(tokens)?,
            user: json
                .optional("user", Some)?
                .map(User::from_json)
                .transpose()?,
        })
    }

    fn to_json(&self) -> Json {
        Json::object([
            ("tokens", self.tokens.to_json()),
            ("user", self.user.as_ref().map_or(Json::Null, User::to_json)),
        ])
    }
}

/// What is kept under [`STORAGE_KEY`]: the session, or none after a logout, and a generation
/// that every write increases. A tab writes only over the generation it last saw, so a stale
/// tab can never put old tokens back over newer ones (or over a logout).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredState {
    pub generation: u64,
    pub session: Option<PersistedSession>,
    /// Why there is no session, so every tab tells its user the same thing.
    pub ended: Option<SessionEnd>,
}

/// Whether a tab may write its state over what storage holds.
pub fn may_write(stored_generation: u64, seen_generation: u64, force: bool) -> bool {
    force || stored_generation == seen_generation
}

/// One versioned key: a change of format gets a new key, and old entries are simply not read.
pub const STORAGE_KEY: &str = "interceptor-app.session.v1";

/// Why a stored session was thrown away.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RestoreError {
    #[error("stored session is not valid JSON of the expected shape: {0}")]
    Shape(String),
    #[error("stored token is unusable: {0}")]
    Token(#[from] TokenError),
    #[error("stored refresh token has expired")]
    Expired,
}

impl StoredState {
    /// Reads the stored JSON's shape, without checking the tokens (see [`Self::parse`]).
    pub fn decode(text: &str) -> Result<Self, JsonError> {
        let json = Json::parse(text)?;
        Ok(Self {
            generation: json.field("generation", Json::as_u64)?,
            session: json
                .optional("session", Some)?
                .map(PersistedSession::from_json)
                .transpose()?,
            ended: json.optional("ended", SessionEnd::from_json)?,
        })
    }

    /// The JSON kept in storage.
    pub fn encode(&self) -> String {
        let session = self.session.as_ref().map(PersistedSession::to_json);
        Json::object([
            ("generation", self.generation.into()),
            ("session", session.unwrap_or(Json::Null)),
            ("ended", self.ended.map(SessionEnd::as_str).into()),
        ])
        .to_string()
    }

    /// Parses and checks what storage holds: both tokens JWTs, the refresh token not expired.
    pub fn parse(json: &str, now_ms: f64) -> Result<Self, RestoreError> {
        let state = Self::decode(json).map_err(|e| RestoreError::Shape(e.to_string()))?;
        let Some(session) = &state.session else {
            return Ok(state);
        };
        Claims::decode(&session.tokens.access)?;
        Claims::decode(&session.tokens.refresh)?;
        match session.tokens.refresh_expires_at() {
            Some(expires_at) if expires_at > now_ms => Ok(state),
            _ => Err(RestoreError::Expired),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::token::tests::jwt;

    fn token(kind: &str, iat: i64, exp: i64) -> String {
        jwt(&format!(
            r#"{{"token_type":"{kind}","exp":{exp},"iat":{iat},"jti":"x","user_id":"1"}}"#
        ))
    }

    fn pair(now_ms: f64) -> Tokens {
        Tokens::new(
            token("access", 100, 400),
            token("refresh", 100, 86_500),
            now_ms,
        )
        .expect("tokens")
    }

    #[test]
    fn a_login_needs_two_jwts() {
        assert!(Tokens::new("nope".into(), token("refresh", 1, 2), 0.0).is_err());
        assert!(Tokens::new(token("access", 1, 2), "nope".into(), 0.0).is_err());
    }

    #[test]
    fn refresh_without_rotation_keeps_the_refresh_token_and_its_clock() {
        let before = pair(1_000.0);
        let after = before
            .refreshed(token("access", 400, 700), None, 5_000.0)
            .expect("refreshed");
        assert_eq!(after.refresh, before.refresh);
        assert_eq!(after.refresh_received_at, 1_000.0);
        assert_eq!(after.access_received_at, 5_000.0);
        assert_eq!(after.access_expires_at(), Some(5_000.0 + 299_000.0));
    }

    #[test]
    fn a_refresh_is_due_a_lead_time_before_expiry() {
        // A 300 s token received at t=1 s counts as 299 s; due 30 s early by default, or at a
        // chosen lead.
        let tokens = pair(1_000.0);
        assert_eq!(
            tokens.access_refresh_due_at(None),
            Some(1_000.0 + 269_000.0)
        );
        assert_eq!(
            tokens.access_refresh_due_at(Some(5_000.0)),
            Some(1_000.0 + 294_000.0)
        );
        // A lead longer than the token lives is cut to half its lifetime.
        assert_eq!(
            tokens.access_refresh_due_at(Some(600_000.0)),
            Some(1_000.0 + 299_000.0 - 150_000.0)
        );
    }

    #[test]
    fn refresh_with_rotation_replaces_both() {
        let rotated = token("refresh", 400, 86_800);
        let after = pair(1_000.0)
            .refreshed(token("access", 400, 700), Some(rotated.clone()), 9_000.0)
            .expect("refreshed");
        assert_eq!(after.refresh, rotated);
        assert_eq!(after.refresh_received_at, 9_000.0);
    }

    #[test]
    fn a_refresh_answer_that_is_not_a_jwt_changes_nothing() {
        let before = pair(0.0);
        assert!(before.refreshed("garbage".into(), None, 1.0).is_err());
        assert!(before
            .refreshed(token("access", 1, 2), Some("garbage".into()), 1.0)
            .is_err());
    }

    fn stored(session: Option<PersistedSession>) -> String {
        StoredState {
            generation: 3,
            session,
            ended: None,
        }
        .encode()
    }

    #[test]
    fn stored_sessions_round_trip() {
        let session = PersistedSession {
            tokens: pair(1_000.0),
            user: Some(User {
                email: "demo@example.com".into(),
                id: 1,
                username: "demo".into(),
            }),
        };
        let parsed = StoredState::parse(&stored(Some(session.clone())), 2_000.0);
        assert_eq!(
            parsed,
            Ok(StoredState {
                generation: 3,
                session: Some(session),
                ended: None,
            })
        );
        let logged_out = StoredState::parse(&stored(None), 2_000.0);
        assert_eq!(
            logged_out,
            Ok(StoredState {
                generation: 3,
                session: None,
                ended: None,
            })
        );
    }

    #[test]
    fn sessions_stored_by_earlier_builds_still_read() {
        // serde_json wrote the times as floats and left `ended` out.
        let tokens = pair(1_000.0);
        let old = format!(
            r#"{{"generation":7,"session":{{"tokens":{{"access":"{}","refresh":"{}","access_received_at":1000.0,"refresh_received_at":1000.0}},"user":null}}}}"#,
            tokens.access, tokens.refresh
        );
        let parsed = StoredState::parse(&old, 2_000.0).expect("old entry");
        assert_eq!(parsed.generation, 7);
        assert_eq!(parsed.ended, None);
        assert_eq!(parsed.session.map(|s| s.tokens), Some(tokens));
    }

    #[test]
    fn corrupt_or_stale_storage_is_refused() {
        assert!(matches!(
            StoredState::parse("{", 0.0),
            Err(RestoreError::Shape(_))
        ));
        assert!(matches!(
            StoredState::parse("null", 0.0),
            Err(RestoreError::Shape(_))
        ));
        assert!(matches!(
            StoredState::parse(r#"{"generation":1,"session":{"user":null}}"#, 0.0),
            Err(RestoreError::Shape(_))
        ));
        let mut bad = PersistedSession {
            tokens: pair(0.0),
            user: None,
        };
        bad.tokens.access = "not-a-jwt".into();
        assert!(matches!(
            StoredState::parse(&stored(Some(bad)), 0.0),
            Err(RestoreError::Token(_))
        ));
        // The refresh token lives 86_400 s (less the claims' second) from its arrival at t=0.
        let json = stored(Some(PersistedSession {
            tokens: pair(0.0),
            user: None,
        }));
        assert!(StoredState::parse(&json, 86_398_000.0).is_ok());
        assert_eq!(
            StoredState::parse(&json, 86_399_000.0),
            Err(RestoreError::Expired)
        );
    }

    #[test]
    fn only_the_generation_a_tab_saw_may_be_overwritten() {
        assert!(may_write(4, 4, false));
        assert!(
            !may_write(5, 4, false),
            "another tab wrote since: adopt, do not overwrite"
        );
        assert!(may_write(5, 4, true), "a login or a logout always wins");
    }
}
