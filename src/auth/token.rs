//! Reading a JWT's payload, unverified: the server checks signatures, the client only needs `exp`
//! and `iat` to know when to refresh.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::json::{Json, JsonError};

/// Why a string is not a JWT this client can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a JWT: expected three dot-separated parts")]
    Shape,
    #[error("the JWT payload is not base64url")]
    Encoding,
    #[error("the JWT payload is not the expected JSON: {0}")]
    Payload(String),
}

/// The claims SimpleJWT puts in every token that the client relies on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// `access` or `refresh`.
    pub token_type: Option<String>,
    /// Expiry, whole seconds since the epoch by the server's clock.
    pub exp: i64,
    /// Issue time by the server's clock; with `exp` it gives the lifetime.
    pub iat: Option<i64>,
    /// Whose token it is (SimpleJWT sends a string; other set-ups a number).
    pub user_id: Option<Json>,
}

impl Claims {
    /// Decodes the payload of `token` without checking its signature.
    pub fn decode(token: &str) -> Result<Self, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(_signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Shape);
        };
        if header.is_empty() || payload.is_empty() {
            return Err(TokenError::Shape);
        }
        // Some encoders pad; base64url proper does not.
        let bytes = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|_| TokenError::Encoding)?;
        let text = String::from_utf8(bytes).map_err(|_| TokenError::Encoding)?;
        let payload = Json::parse(&text).map_err(|e| TokenError::Payload(e.to_string()))?;
        Self::from_json(&payload).map_err(|e| TokenError::Payload(e.to_string()))
    }

    fn from_json(payload: &Json) -> Result<Self, JsonError> {
        Ok(Self {
            token_type: payload
                .optional("token_type", Json::as_str)?
                .map(str::to_owned),
            exp: payload.field("exp", Json::as_i64)?,
            iat: payload.optional("iat", Json::as_i64)?,
            user_id: payload.get("user_id").filter(|id| !id.is_null()).cloned(),
        })
    }

    /// The lifetime the server gave the token, in milliseconds (`exp - iat`), if it says.
    pub fn lifetime_ms(&self) -> Option<f64> {
        self.iat
            .and_then(|iat| self.exp.checked_sub(iat))
            .map(|seconds| seconds as f64 * 1000.0)
            .filter(|ms| *ms > 0.0)
    }
}

/// When a token expires by the *local* clock.
///
/// The lifetime (`exp - iat`) is counted from the local moment the token arrived, so a client
/// clock that is minutes off changes nothing. Both claims are whole seconds, truncated apart,
/// so the token may die up to a second sooner than `exp - iat` says: that second is taken off.
/// Without `iat`, `exp` is taken as it is.
pub fn local_expiry_ms(claims: &Claims, received_at_ms: f64) -> f64 {
    match claims.lifetime_ms() {
        Some(lifetime) => received_at_ms + (lifetime - CLAIM_GRANULARITY_MS).max(0.0),
        None => claims.exp as f64 * 1000.0,
    }
}

/// `exp` and `iat` are whole seconds.
const CLAIM_GRANULARITY_MS: f64 = 1000.0;

/// How long before expiry a token is refreshed: 30 s, or 10 % of its lifetime when that is less.
pub fn default_lead_ms(lifetime_ms: f64) -> f64 {
    (lifetime_ms * 0.1).min(30_000.0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A structurally valid unsigned JWT with the given payload, for tests.
    pub(crate) fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn decodes_simplejwt_claims() {
        let token = jwt(
            r#"{"token_type":"access","exp":1795742067,"iat":1795742062,"jti":"bcbf","user_id":"1"}"#,
        );
        let claims = Claims::decode(&token).expect("claims");
        assert_eq!(claims.token_type.as_deref(), Some("access"));
        assert_eq!(claims.exp, 1_795_742_067);
        assert_eq!(claims.lifetime_ms(), Some(5000.0));
    }

    #[test]
    fn refuses_what_is_not_a_jwt() {
        assert_eq!(Claims::decode("garbage"), Err(TokenError::Shape));
        assert_eq!(Claims::decode("a.b.c.d"), Err(TokenError::Shape));
        assert_eq!(Claims::decode(".x."), Err(TokenError::Shape));
        assert_eq!(Claims::decode("a.!!!.c"), Err(TokenError::Encoding));
        let no_exp = jwt(r#"{"token_type":"access"}"#);
        assert!(matches!(
            Claims::decode(&no_exp),
            Err(TokenError::Payload(_))
        ));
        let not_json = format!("a.{}.c", URL_SAFE_NO_PAD.encode("nope"));
        assert!(matches!(
            Claims::decode(&not_json),
            Err(TokenError::Payload(_))
        ));
    }

    #[test]
    fn padded_payloads_are_accepted() {
        let padded = format!(
            "a.{}.c",
            base64::engine::general_purpose::URL_SAFE.encode(r#"{"exp":1}"#)
        );
        assert_eq!(Claims::decode(&padded).map(|c| c.exp), Ok(1));
    }

    #[test]
    fn expiry_counts_from_local_arrival_not_server_clock() {
        // Server clock says 1_000_000 s; the local clock is ten minutes behind.
        let claims = Claims {
            token_type: None,
            exp: 1_000_300,
            iat: Some(1_000_000),
            user_id: None,
        };
        let received = (1_000_000.0 - 600.0) * 1000.0;
        assert_eq!(local_expiry_ms(&claims, received), received + 299_000.0);
        let no_iat = Claims {
            iat: None,
            ..claims
        };
        assert_eq!(local_expiry_ms(&no_iat, received), 1_000_300_000.0);
    }

    #[test]
    fn lead_time_is_thirty_seconds_or_a_tenth() {
        assert_eq!(default_lead_ms(300_000.0), 30_000.0);
        assert_eq!(default_lead_ms(600_000.0), 30_000.0);
        assert_eq!(default_lead_ms(5_000.0), 500.0);
    }

    #[test]
    fn nonsense_lifetimes_are_ignored() {
        let claims = Claims {
            token_type: None,
            exp: 10,
            iat: Some(20),
            user_id: None,
        };
        assert_eq!(claims.lifetime_ms(), None);
        let overflowing = Claims {
            exp: i64::MAX,
            iat: Some(i64::MIN),
            ..claims
        };
        assert_eq!(overflowing.lifetime_ms(), None);
    }
}
