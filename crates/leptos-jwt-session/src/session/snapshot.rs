//! What a server-rendered page knows of the session, handed to the browser with the page: the
//! browser hydrates with exactly what the server rendered, and only then reads its own storage.
//! No token in it, ever: it is written into the HTML.

#[cfg(any(feature = "ssr", feature = "hydrate"))]
use crate::json::{Json, JsonError};

/// The session as the page first shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Snapshot {
    /// Whether anything is known: a server cannot read `localStorage`, so in the storage mode it
    /// renders a session it does not know (and the page its fallbacks).
    pub known: bool,
    pub logged_in: bool,
    /// The user as the server's user endpoint sent it (JSON).
    pub user: Option<String>,
    /// How long the access token has left, and its whole lifetime, ms (relative: the server's
    /// clock and the browser's need not agree).
    pub access_left_ms: Option<f64>,
    pub access_lifetime_ms: Option<f64>,
}

// Only a server-rendered app writes snapshots into the page and reads them back.
#[cfg(any(feature = "ssr", feature = "hydrate"))]
impl Snapshot {
    /// A session nobody can know yet.
    pub(crate) fn unknown() -> Self {
        Self::default()
    }

    /// The text written into the page.
    pub(crate) fn encode(&self) -> String {
        let ms = |value: Option<f64>| value.map_or(Json::Null, |ms| Json::from(ms as i64));
        let user = Json::parse_or_null(self.user.as_deref());
        Json::object([
            ("known", Json::Bool(self.known)),
            ("logged_in", Json::Bool(self.logged_in)),
            ("user", user),
            ("access_left_ms", ms(self.access_left_ms)),
            ("access_lifetime_ms", ms(self.access_lifetime_ms)),
        ])
        .to_string()
    }

    /// The snapshot in `text`; anything unreadable is a session not known yet.
    pub(crate) fn decode(text: &str) -> Self {
        Self::read(text).unwrap_or_default()
    }

    fn read(text: &str) -> Result<Self, JsonError> {
        let json = Json::parse(text)?;
        let flag = |value: &Json| match value {
            Json::Bool(flag) => Some(*flag),
            _ => None,
        };
        let ms = |name| {
            json.optional(name, Json::as_i64)
                .map(|ms| ms.map(|ms| ms as f64))
        };
        Ok(Self {
            known: json.field("known", flag)?,
            logged_in: json.field("logged_in", flag)?,
            user: json
                .optional("user", Some)?
                .filter(|user| matches!(user, Json::Object(_)))
                .map(Json::to_string),
            access_left_ms: ms("access_left_ms")?,
            access_lifetime_ms: ms("access_lifetime_ms")?,
        })
    }
}

#[cfg(all(test, any(feature = "ssr", feature = "hydrate")))]
mod tests {
    use super::*;

    #[test]
    fn snapshots_round_trip_and_junk_is_unknown() {
        let known = Snapshot {
            known: true,
            logged_in: true,
            user: Some(r#"{"pk":1,"username":"demo"}"#.into()),
            access_left_ms: Some(299_000.0),
            access_lifetime_ms: Some(300_000.0),
        };
        assert_eq!(Snapshot::decode(&known.encode()), known);
        assert_eq!(
            Snapshot::decode(&Snapshot::unknown().encode()),
            Snapshot::unknown()
        );
        for junk in ["", "{", "[]", r#"{"known":"yes"}"#] {
            assert_eq!(Snapshot::decode(junk), Snapshot::unknown(), "{junk}");
        }
    }

    #[test]
    fn a_snapshot_never_carries_a_token() {
        let text = Snapshot {
            known: true,
            logged_in: true,
            user: None,
            access_left_ms: Some(1.0),
            access_lifetime_ms: Some(2.0),
        }
        .encode();
        assert!(!text.contains("access\""), "{text}");
        assert!(!text.contains("refresh"), "{text}");
    }
}
