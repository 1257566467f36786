//! HS256 JSON web tokens with SimpleJWT's claims and SimpleJWT's error messages.
//!
//! Encoding matches PyJWT byte for byte: header `{"alg":"HS256","typ":"JWT"}`, payload
//! `{"token_type","exp","iat","jti","user_id"}` in that order, unpadded base64url. The
//! last claim's name is SimpleJWT's `USER_ID_CLAIM` (`user_id` unless configured).
//! Decoding follows PyJWT then SimpleJWT: any structural, signature or claim-format
//! problem is "Token is invalid", a past `exp` is "Token is expired", and only then
//! are the `jti` and `token_type` claims looked at.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::ser::SerializeMap as _;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::clock::{unix_millis, unix_seconds};

type HmacSha256 = Hmac<Sha256>;

/// base64url without padding on output; padding optional on input, as PyJWT accepts.
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// `base64url({"alg":"HS256","typ":"JWT"})`, PyJWT's header with its keys sorted.
const HEADER_B64: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// Why a token was refused; `Display` is SimpleJWT's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("Token is invalid")]
    Invalid,
    #[error("Token is expired")]
    Expired,
    #[error("Token has no id")]
    NoId,
    #[error("Token has no type")]
    NoType,
    #[error("Token has wrong type")]
    WrongType,
    #[error("Token has no 'exp' claim")]
    NoExp,
    #[error("Token is blacklisted")]
    Blacklisted,
}

/// The two token classes SimpleJWT issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    Access,
    Refresh,
}

impl TokenType {
    /// The `token_type` claim value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

/// The claims of a token this server issues, in SimpleJWT's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub token_type: TokenType,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// The user id claim's value; `None` leaves the claim out, as SimpleJWT's access token
    /// does when its refresh token had none to copy.
    pub user_id: Option<String>,
}

impl Claims {
    /// Fresh claims: `iat` now, `exp` after `lifetime`, a new random `jti`.
    pub fn new(
        token_type: TokenType,
        user_id: Option<&str>,
        now: SystemTime,
        lifetime: Duration,
    ) -> Self {
        let exp = now.checked_add(lifetime).unwrap_or(now);
        Self {
            token_type,
            exp: unix_seconds(exp),
            iat: unix_seconds(now),
            jti: new_jti(),
            user_id: user_id.map(str::to_owned),
        }
    }
}

/// [`Claims`] as a JSON object, the user id under the configured claim name.
struct Payload<'a> {
    claims: &'a Claims,
    user_id_claim: &'a str,
}

impl Serialize for Payload<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let claims = self.claims;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("token_type", &claims.token_type)?;
        map.serialize_entry("exp", &claims.exp)?;
        map.serialize_entry("iat", &claims.iat)?;
        map.serialize_entry("jti", &claims.jti)?;
        if let Some(user_id) = &claims.user_id {
            map.serialize_entry(self.user_id_claim, user_id)?;
        }
        map.end()
    }
}

/// A random token id: a UUID4 as 32 lowercase hex digits (`uuid4().hex`).
pub fn new_jti() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A token that passed verification.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedToken {
    payload: Map<String, Value>,
    user_id_claim: Arc<str>,
}

impl VerifiedToken {
    /// The `jti` claim as text (verification guarantees it is present).
    pub fn jti(&self) -> String {
        match self.payload.get("jti") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }

    /// The `exp` claim in whole seconds.
    pub fn exp(&self) -> i64 {
        self.payload.get("exp").and_then(claim_int).unwrap_or(0)
    }

    /// The user id claim: `None` if absent, `Some(None)` if present but not an id.
    pub fn user_id(&self) -> Option<Option<i64>> {
        let value = self.payload.get(&*self.user_id_claim)?;
        Some(match value {
            Value::String(s) => s.trim().parse().ok(),
            Value::Number(n) => n.as_i64(),
            _ => None,
        })
    }

    /// The raw user id claim text, for copying into new tokens.
    pub fn user_id_text(&self) -> Option<String> {
        match self.payload.get(&*self.user_id_claim)? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    /// Whether the user id claim is truthy in Python's sense, which is when SimpleJWT's
    /// refresh looks the user up: present and not `""`, `0`, `false`, `null`, `[]` or `{}`.
    pub fn has_truthy_user_id(&self) -> bool {
        match self.payload.get(&*self.user_id_claim) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_f64() != Some(0.0),
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Object(o)) => !o.is_empty(),
        }
    }
}

/// Signs and verifies tokens with one HS256 secret (SimpleJWT's token backend).
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
    user_id_claim: Arc<str>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    /// A signer over `secret`, the user id in the `user_id` claim.
    pub fn new(secret: Vec<u8>) -> Self {
        Self {
            key: secret,
            user_id_claim: Arc::from(crate::config::DEFAULT_USER_ID_CLAIM),
        }
    }

    /// The same signer with the user id in claim `name` (SimpleJWT's `USER_ID_CLAIM`).
    pub fn with_user_id_claim(self, name: &str) -> Self {
        Self {
            user_id_claim: Arc::from(name),
            ..self
        }
    }

    /// The name of the claim carrying the user id.
    pub fn user_id_claim(&self) -> &str {
        &self.user_id_claim
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail.
        match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        }
    }

    /// Encodes and signs `claims`.
    pub fn encode(&self, claims: &Claims) -> String {
        let payload = Payload {
            claims,
            user_id_claim: &self.user_id_claim,
        };
        // Serialising strings and integers cannot fail.
        let payload = serde_json::to_vec(&payload).unwrap_or_default();
        let signing_input = format!("{HEADER_B64}.{}", B64.encode(payload));
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let signature = mac.finalize().into_bytes();
        format!("{signing_input}.{}", B64.encode(signature))
    }

    /// Verifies `token` at `now`. `expected` is the token class; `None` is
    /// SimpleJWT's `UntypedToken`, which accepts either type.
    pub fn verify(
        &self,
        token: &str,
        now: SystemTime,
        expected: Option<TokenType>,
    ) -> Result<VerifiedToken, TokenError> {
        let payload = self.decode(token, now)?;
        if !payload.contains_key("exp") {
            return Err(TokenError::NoExp);
        }
        if !payload.contains_key("jti") {
            return Err(TokenError::NoId);
        }
        if let Some(expected) = expected {
            let token_type = payload.get("token_type").ok_or(TokenError::NoType)?;
            if token_type.as_str() != Some(expected.as_str()) {
                return Err(TokenError::WrongType);
            }
        }
        Ok(VerifiedToken {
            payload,
            user_id_claim: Arc::clone(&self.user_id_claim),
        })
    }

    /// PyJWT's `jwt.decode`: structure, algorithm, signature, then time claims.
    fn decode(&self, token: &str, now: SystemTime) -> Result<Map<String, Value>, TokenError> {
        let (signing_input, signature) = token.rsplit_once('.').ok_or(TokenError::Invalid)?;
        let (header, payload) = signing_input.split_once('.').ok_or(TokenError::Invalid)?;

        let header: Value = decode_json(header)?;
        if header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return Err(TokenError::Invalid);
        }
        if header.get("kid").is_some_and(|kid| !kid.is_string()) {
            return Err(TokenError::Invalid);
        }
        let Value::Object(payload) = decode_json(payload)? else {
            return Err(TokenError::Invalid);
        };

        let signature = B64.decode(signature).map_err(|_| TokenError::Invalid)?;
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| TokenError::Invalid)?;

        // Time claims compare against a fractional "now", as PyJWT does.
        let now_ms = i128::from(unix_millis(now));
        let at_ms = |secs: i64| i128::from(secs) * 1000;
        if let Some(iat) = payload.get("iat") {
            let iat = claim_int(iat).ok_or(TokenError::Invalid)?;
            if at_ms(iat) > now_ms {
                return Err(TokenError::Invalid);
            }
        }
        if let Some(nbf) = payload.get("nbf") {
            let nbf = claim_int(nbf).ok_or(TokenError::Invalid)?;
            if at_ms(nbf) > now_ms {
                return Err(TokenError::Invalid);
            }
        }
        if let Some(exp) = payload.get("exp") {
            let exp = claim_int(exp).ok_or(TokenError::Invalid)?;
            if at_ms(exp) <= now_ms {
                return Err(TokenError::Expired);
            }
        }
        Ok(payload)
    }
}

fn decode_json(segment: &str) -> Result<Value, TokenError> {
    let bytes = B64.decode(segment).map_err(|_| TokenError::Invalid)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Invalid)
}

/// Python's `int(value)` on a time claim: integers, truncated floats, decimal strings.
fn claim_int(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 9.0e15)
                // In range and finite: truncation is exactly Python's int().
                .map(|f| f.trunc() as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn signer() -> Signer {
        Signer::new(b"secret".to_vec())
    }

    fn payload_of(token: &str) -> Value {
        let segment = token.split('.').nth(1).expect("payload segment");
        decode_json(segment).expect("json payload")
    }

    #[test]
    fn header_constant_is_pyjwts_header() {
        assert_eq!(
            B64.decode(HEADER_B64).expect("base64"),
            br#"{"alg":"HS256","typ":"JWT"}"#
        );
    }

    #[test]
    fn payload_has_simplejwt_claims_in_order() {
        let claims = Claims::new(
            TokenType::Access,
            Some("1"),
            at(1000),
            Duration::from_secs(300),
        );
        let token = signer().encode(&claims);
        let segment = token.split('.').nth(1).expect("payload segment");
        let raw = String::from_utf8(B64.decode(segment).expect("base64")).expect("utf8");
        let expected = format!(
            r#"{{"token_type":"access","exp":1300,"iat":1000,"jti":"{}","user_id":"1"}}"#,
            claims.jti
        );
        assert_eq!(raw, expected);
        assert_eq!(claims.jti.len(), 32);
        assert!(claims
            .jti
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }

    #[test]
    fn the_user_id_claim_can_be_renamed() {
        let s = signer().with_user_id_claim("sub");
        let claims = Claims::new(
            TokenType::Access,
            Some("1"),
            at(1000),
            Duration::from_secs(300),
        );
        let token = s.encode(&claims);
        let payload = payload_of(&token);
        assert_eq!(payload["sub"], "1");
        assert!(payload.get("user_id").is_none());
        let verified = s.verify(&token, at(1000), None).expect("valid");
        assert_eq!(verified.user_id(), Some(Some(1)));
        assert!(verified.has_truthy_user_id());
        // The default signer reads `user_id` and finds none here.
        let default_view = signer().verify(&token, at(1000), None).expect("valid");
        assert_eq!(default_view.user_id(), None);
        assert!(!default_view.has_truthy_user_id());
        // No user id at all leaves the claim out.
        let anonymous = Claims::new(TokenType::Access, None, at(1000), Duration::from_secs(1));
        let text = String::from_utf8(
            B64.decode(s.encode(&anonymous).split('.').nth(1).expect("payload"))
                .expect("base64"),
        )
        .expect("utf8");
        assert!(
            text.ends_with(&format!(r#""jti":"{}"}}"#, anonymous.jti)),
            "{text}"
        );
    }

    #[test]
    fn verifies_and_classifies() {
        let s = signer();
        let claims = Claims::new(
            TokenType::Refresh,
            Some("7"),
            at(1000),
            Duration::from_secs(60),
        );
        let token = s.encode(&claims);
        let ok = s
            .verify(&token, at(1059), Some(TokenType::Refresh))
            .expect("valid");
        assert_eq!(ok.jti(), claims.jti);
        assert_eq!(ok.user_id(), Some(Some(7)));
        assert_eq!(ok.exp(), 1060);
        assert_eq!(
            s.verify(&token, at(1060), Some(TokenType::Refresh)),
            Err(TokenError::Expired)
        );
        assert_eq!(
            s.verify(&token, at(1000), Some(TokenType::Access)),
            Err(TokenError::WrongType)
        );
        assert!(s.verify(&token, at(1000), None).is_ok());
        assert_eq!(
            Signer::new(b"other".to_vec()).verify(&token, at(1000), None),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn bad_signature_beats_expiry() {
        let claims = Claims::new(TokenType::Access, Some("1"), at(0), Duration::from_secs(1));
        let token = Signer::new(b"other".to_vec()).encode(&claims);
        assert_eq!(
            signer().verify(&token, at(100), None),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn garbage_is_invalid() {
        let s = signer();
        for garbage in ["", "abc", "a.b", "a.b.c", "...", "x.y.z.w", "🙂.🙂.🙂"] {
            assert_eq!(
                s.verify(garbage, at(0), None),
                Err(TokenError::Invalid),
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn missing_claims_are_reported_like_simplejwt() {
        let s = signer();
        let sign = |payload: &str| {
            let input = format!("{HEADER_B64}.{}", B64.encode(payload));
            let mut mac = s.mac();
            mac.update(input.as_bytes());
            format!("{input}.{}", B64.encode(mac.finalize().into_bytes()))
        };
        let no_jti = sign(r#"{"token_type":"access","exp":100}"#);
        assert_eq!(s.verify(&no_jti, at(0), None), Err(TokenError::NoId));
        let no_type = sign(r#"{"exp":100,"jti":"x"}"#);
        assert_eq!(
            s.verify(&no_type, at(0), Some(TokenType::Access)),
            Err(TokenError::NoType)
        );
        assert!(s.verify(&no_type, at(0), None).is_ok());
        let no_exp = sign(r#"{"token_type":"access","jti":"x"}"#);
        assert_eq!(s.verify(&no_exp, at(0), None), Err(TokenError::NoExp));
        let bad_exp = sign(r#"{"token_type":"access","exp":"soon","jti":"x"}"#);
        assert_eq!(s.verify(&bad_exp, at(0), None), Err(TokenError::Invalid));
        assert_eq!(payload_of(&no_jti)["exp"], 100);
    }
}
