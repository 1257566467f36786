//! The session as plain data: what is stored, and the rules for moving between states. No
//! signals and no browser here, so every rule is unit-tested on the host.

use crate::config::wire::RefreshTokenKind;
use crate::json::{Json, JsonError};
use crate::session::tokens::{TokenError, Tokens};

/// How the last session ended: it decides where the login page sends the user back to and what
/// it tells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEnd {
    /// The user logged out (in this tab or another).
    LoggedOut,
    /// The session ran out: the server refused the refresh token, or it expired while the app
    /// was away. The user should log in again and come back to where they were.
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

/// Which write a stored state came from: every write increases the generation, and the writer
/// (a random id per tab) tells apart two writes that claimed the same generation, which can only
/// happen where the cross-tab lock is not exclusive. Tabs compare whole stamps: whatever storage
/// holds is the state, and every tab ends up with it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Stamp {
    pub(crate) generation: u64,
    pub(crate) writer: String,
}

impl Stamp {
    /// The stamp of a write over `latest` by `writer`.
    pub(crate) fn after(latest: &Stamp, writer: &str) -> Self {
        Self {
            generation: latest.generation.saturating_add(1),
            writer: writer.to_owned(),
        }
    }
}

/// A session: its tokens, the user once known (as the JSON the server sent: each app reads it
/// as its own type), and the id of the login it descends from (kept through refreshes and
/// rotations), which tells "the same session, renewed" from "another login".
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) tokens: Tokens,
    pub(crate) user: Option<String>,
}

/// What is kept under the storage key.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct StoredState {
    pub(crate) stamp: Stamp,
    pub(crate) session: Option<Session>,
    /// Why there is no session, so every tab tells its user the same thing.
    pub(crate) ended: Option<SessionEnd>,
}

/// Why a stored session was thrown away.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum RestoreError {
    #[error("stored session is not valid JSON of the expected shape: {0}")]
    Shape(String),
    #[error("stored token is unusable: {0}")]
    Token(#[from] TokenError),
}

impl StoredState {
    /// Reads what storage holds and checks the tokens (JWTs, unless the wire says the refresh
    /// token is opaque). Entries written by earlier versions (no writer, no session id, float
    /// times) read.
    pub(crate) fn decode(text: &str, refresh_kind: RefreshTokenKind) -> Result<Self, RestoreError> {
        let shape = |e: JsonError| RestoreError::Shape(e.to_string());
        let json = Json::parse(text).map_err(shape)?;
        let session = match json.optional("session", Some).map_err(shape)? {
            Some(session) => Some(Session::from_json(session, refresh_kind)?),
            None => None,
        };
        Ok(Self {
            stamp: Stamp {
                generation: json.field("generation", Json::as_u64).map_err(shape)?,
                writer: json
                    .optional("writer", Json::as_str)
                    .map_err(shape)?
                    .unwrap_or_default()
                    .to_owned(),
            },
            session,
            ended: json
                .optional("ended", SessionEnd::from_json)
                .map_err(shape)?,
        })
    }

    /// The JSON kept in storage.
    pub(crate) fn encode(&self) -> String {
        let session = self.session.as_ref().map(Session::to_json);
        Json::object([
            ("generation", self.stamp.generation.into()),
            ("writer", self.stamp.writer.as_str().into()),
            ("session", session.unwrap_or(Json::Null)),
            ("ended", self.ended.map(SessionEnd::as_str).into()),
        ])
        .to_string()
    }
}

impl StoredState {
    /// The state as it stands at `now_ms`: a session whose refresh token has expired is over,
    /// as [`SessionEnd::Expired`]. Every tab reaches the same verdict from the same state, so
    /// nothing needs writing for it.
    pub(crate) fn settled(mut self, now_ms: f64) -> Self {
        if self
            .session
            .as_ref()
            .is_some_and(|session| session.tokens.refresh_expired(now_ms))
        {
            self.session = None;
            self.ended = Some(SessionEnd::Expired);
        }
        self
    }

    /// The state after a write by `writer` of `session` (or of its end, `ended`).
    pub(crate) fn next(
        &self,
        writer: &str,
        session: Option<Session>,
        ended: Option<SessionEnd>,
    ) -> Self {
        Self {
            stamp: Stamp::after(&self.stamp, writer),
            session,
            ended,
        }
    }

    /// The session's id, if there is one.
    pub(crate) fn session_id(&self) -> Option<&str> {
        self.session.as_ref().map(|session| session.id.as_str())
    }
}

impl Session {
    fn from_json(json: &Json, refresh_kind: RefreshTokenKind) -> Result<Self, RestoreError> {
        let shape = |e: JsonError| RestoreError::Shape(e.to_string());
        let tokens = match json.optional("tokens", Some).map_err(shape)? {
            Some(tokens) => Tokens::restore(
                tokens
                    .field("access", Json::as_str)
                    .map_err(shape)?
                    .to_owned(),
                tokens
                    .field("refresh", Json::as_str)
                    .map_err(shape)?
                    .to_owned(),
                tokens
                    .field("access_received_at", Json::as_i64)
                    .map_err(shape)? as f64,
                tokens
                    .field("refresh_received_at", Json::as_i64)
                    .map_err(shape)? as f64,
                refresh_kind,
            )?,
            // The cookie modes keep when the tokens expire, never the tokens.
            None => {
                let times = json.field("cookies", Some).map_err(shape)?;
                Tokens::restore_in_cookies(
                    times
                        .field("access_expires_at", Json::as_i64)
                        .map_err(shape)? as f64,
                    times
                        .field("access_lifetime_ms", Json::as_i64)
                        .map_err(shape)? as f64,
                    times
                        .optional("refresh_expires_at", Json::as_i64)
                        .map_err(shape)?
                        .map(|at| at as f64),
                )
            }
        };
        // Only an object is a user; anything else was never written by this layer.
        let user = json
            .optional("user", Some)
            .map_err(shape)?
            .filter(|user| matches!(user, Json::Object(_)))
            .map(Json::to_string);
        Ok(Self {
            id: json
                .optional("id", Json::as_str)
                .map_err(shape)?
                .unwrap_or_default()
                .to_owned(),
            tokens,
            user,
        })
    }

    fn to_json(&self) -> Json {
        // Times in whole milliseconds, which is what `Date.now()` gives.
        let ms = |at: f64| Json::from(at.round() as i64);
        let tokens = &self.tokens;
        let (name, value) = match (&tokens.access, &tokens.refresh) {
            (Some(access), Some(refresh)) => (
                "tokens",
                Json::object([
                    ("access", access.as_str().into()),
                    ("refresh", refresh.as_str().into()),
                    ("access_received_at", ms(tokens.access_received_at)),
                    ("refresh_received_at", ms(tokens.refresh_received_at)),
                ]),
            ),
            // httpOnly cookies: when they expire, never a token (not even one in this tab's
            // memory).
            _ => (
                "cookies",
                Json::object([
                    ("access_expires_at", ms(tokens.access_expires_at)),
                    ("access_lifetime_ms", ms(tokens.access_lifetime_ms)),
                    (
                        "refresh_expires_at",
                        tokens.refresh_expires_at.map_or(Json::Null, ms),
                    ),
                ]),
            ),
        };
        let user = Json::parse_or_null(self.user.as_deref());
        Json::object([
            ("id", self.id.as_str().into()),
            (name, value),
            ("user", user),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::tokens::tests::jwt;

    fn token(kind: &str, iat: i64, exp: i64) -> String {
        jwt(&format!(
            r#"{{"token_type":"{kind}","exp":{exp},"iat":{iat},"jti":"x","user_id":"1"}}"#
        ))
    }

    const JWT: RefreshTokenKind = RefreshTokenKind::Jwt;

    fn pair(now_ms: f64) -> Tokens {
        Tokens::new(
            token("access", 100, 400),
            token("refresh", 100, 86_500),
            now_ms,
            JWT,
        )
        .expect("tokens")
    }

    fn demo() -> String {
        r#"{"email":"demo@example.com","id":1,"username":"demo"}"#.to_owned()
    }

    fn state(session: Option<Session>) -> StoredState {
        StoredState {
            stamp: Stamp {
                generation: 3,
                writer: "tab-a".into(),
            },
            session,
            ended: None,
        }
    }

    fn session(tokens: Tokens) -> Session {
        Session {
            id: "login-1".into(),
            tokens,
            user: Some(demo()),
        }
    }

    #[test]
    fn a_login_needs_two_jwts() {
        assert!(Tokens::new("nope".into(), token("refresh", 1, 2), 0.0, JWT).is_err());
        assert!(Tokens::new(token("access", 1, 2), "nope".into(), 0.0, JWT).is_err());
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
        assert_eq!(after.refresh, Some(rotated));
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

    #[test]
    fn stored_sessions_round_trip() {
        let stored = state(Some(session(pair(1_000.0))));
        assert_eq!(StoredState::decode(&stored.encode(), JWT), Ok(stored));
        let logged_out = StoredState {
            ended: Some(SessionEnd::LoggedOut),
            ..state(None)
        };
        assert_eq!(
            StoredState::decode(&logged_out.encode(), JWT),
            Ok(logged_out)
        );
    }

    #[test]
    fn sessions_stored_by_earlier_builds_still_read() {
        // serde_json wrote the times as floats and left `ended`, `writer` and `id` out.
        let tokens = pair(1_000.0);
        let old = format!(
            r#"{{"generation":7,"session":{{"tokens":{{"access":"{}","refresh":"{}","access_received_at":1000.0,"refresh_received_at":1000.0}},"user":null}}}}"#,
            tokens.access().unwrap_or_default(),
            tokens.refresh.as_deref().unwrap_or_default()
        );
        let parsed = StoredState::decode(&old, JWT).expect("old entry");
        assert_eq!(parsed.stamp.generation, 7);
        assert_eq!(parsed.stamp.writer, "");
        assert_eq!(parsed.ended, None);
        assert_eq!(parsed.session.map(|s| s.tokens), Some(tokens));
    }

    #[test]
    fn the_user_is_kept_as_the_server_sent_it() {
        let text = state(Some(session(pair(0.0))))
            .encode()
            .replace(r#""username":"demo""#, r#""display_name":"Demo""#);
        let parsed = StoredState::decode(&text, JWT).expect("session");
        let session = parsed.session.expect("kept");
        assert_eq!(
            session.user.as_deref(),
            Some(r#"{"email":"demo@example.com","id":1,"display_name":"Demo"}"#)
        );
        let not_a_user = text.replace(
            r#"{"email":"demo@example.com","id":1,"display_name":"Demo"}"#,
            "[1]",
        );
        let parsed = StoredState::decode(&not_a_user, JWT).expect("session");
        assert_eq!(parsed.session.expect("kept").user, None);
    }

    #[test]
    fn corrupt_storage_is_refused() {
        for junk in [
            "{",
            "null",
            r#"{"generation":1,"session":{"user":null}}"#,
            r#"{"generation":"1","session":null}"#,
        ] {
            assert!(
                matches!(StoredState::decode(junk, JWT), Err(RestoreError::Shape(_))),
                "{junk}"
            );
        }
        let mut bad = session(pair(0.0));
        bad.tokens.access = Some("not-a-jwt".into());
        assert!(matches!(
            StoredState::decode(&state(Some(bad)).encode(), JWT),
            Err(RestoreError::Token(_))
        ));
    }

    #[test]
    fn a_refresh_token_that_ran_out_while_away_is_an_expiry_not_a_logout() {
        // The refresh token lives 86_400 s (less the claims' second) from its arrival at t=0.
        let stored = state(Some(session(pair(0.0))));
        let still = stored.clone().settled(86_398_000.0);
        assert!(still.session.is_some());
        let over = stored.clone().settled(86_399_000.0);
        assert_eq!(over.session, None);
        assert_eq!(over.ended, Some(SessionEnd::Expired));
        assert_eq!(
            over.stamp, stored.stamp,
            "nothing to write: every tab agrees"
        );
    }

    #[test]
    fn every_write_takes_the_next_generation_and_names_its_writer() {
        let stored = state(None);
        let next = stored.next("tab-b", Some(session(pair(0.0))), None);
        assert_eq!(next.stamp.generation, 4);
        assert_eq!(next.stamp.writer, "tab-b");
        assert_ne!(
            next.stamp,
            stored.next("tab-c", None, None).stamp,
            "two writers of one generation are told apart"
        );
    }
}
