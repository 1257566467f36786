//! Reading a JWT's payload, unverified: the server checks signatures, the client only needs `exp`
//! and `iat` to know when to refresh, and the user-id claim to know whose token it is.

use std::fmt;

use crate::config::wire::RefreshTokenKind;
use crate::http::request::Redacted;
use crate::json::Json;

/// Why a string is not a JWT this client can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TokenError {
    #[error("not a JWT: expected three dot-separated parts")]
    Shape,
    #[error("the JWT payload is not base64url")]
    Encoding,
    #[error("the JWT payload is not the expected JSON: {0}")]
    Payload(String),
}

/// The claims SimpleJWT puts in every token that the client relies on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claims {
    /// Expiry, whole seconds since the epoch by the server's clock.
    pub exp: i64,
    /// Issue time by the server's clock; with `exp` it gives the lifetime.
    pub iat: Option<i64>,
    payload: Json,
}

impl Claims {
    /// Decodes the payload of `token` without checking its signature.
    pub(crate) fn decode(token: &str) -> Result<Self, TokenError> {
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
        let bytes = decode_base64url(payload.trim_end_matches('=')).ok_or(TokenError::Encoding)?;
        let text = String::from_utf8(bytes).map_err(|_| TokenError::Encoding)?;
        let payload = Json::parse(&text).map_err(|e| TokenError::Payload(e.to_string()))?;
        let read = || {
            Ok::<_, crate::json::JsonError>(Self {
                exp: payload.field("exp", Json::as_i64)?,
                iat: payload.optional("iat", Json::as_i64)?,
                payload: payload.clone(),
            })
        };
        read().map_err(|e| TokenError::Payload(e.to_string()))
    }

    /// Whose token it is: the claim SimpleJWT's `USER_ID_CLAIM` names, as text (SimpleJWT sends a
    /// string; other set-ups a number). `None` when the token has no such claim.
    pub(crate) fn user_id(&self, claim: &str) -> Option<String> {
        match self.payload.get(claim)? {
            Json::String(id) => Some(id.clone()),
            Json::Number(number) => Some(number.as_str().to_owned()),
            _ => None,
        }
    }

    /// The lifetime the server gave the token, in milliseconds (`exp - iat`), if it says.
    pub(crate) fn lifetime_ms(&self) -> Option<f64> {
        self.iat
            .and_then(|iat| self.exp.checked_sub(iat))
            .map(|seconds| seconds as f64 * 1000.0)
            .filter(|ms| *ms > 0.0)
    }
}

/// Decodes unpadded base64url (RFC 4648 §5): `None` for any other character, a length that
/// leaves a lone character, or set bits past the last byte (as the `base64` crate refuses them).
/// By hand: a JWT payload is all this client decodes, and the crate's engine is the larger part
/// of the token code in the wasm.
fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for digit in text.bytes() {
        let value = match digit {
            b'A'..=b'Z' => digit - b'A',
            b'a'..=b'z' => digit - b'a' + 26,
            b'0'..=b'9' => digit - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    (bits < 6 && buffer == 0).then_some(bytes)
}

/// When a token expires by the *local* clock.
///
/// The lifetime (`exp - iat`) is counted from the local moment the token arrived, so a client
/// clock that is minutes off changes nothing. Both claims are whole seconds, truncated apart,
/// so the token may die up to a second sooner than `exp - iat` says: that second is taken off.
/// Without `iat`, `exp` is taken as it is.
pub(crate) fn local_expiry_ms(claims: &Claims, received_at_ms: f64) -> f64 {
    match claims.lifetime_ms() {
        Some(lifetime) => received_at_ms + (lifetime - CLAIM_GRANULARITY_MS).max(0.0),
        None => claims.exp as f64 * 1000.0,
    }
}

/// `exp` and `iat` are whole seconds.
const CLAIM_GRANULARITY_MS: f64 = 1000.0;

/// How long before expiry a token is refreshed: 30 s, or 10 % of its lifetime when that is less.
pub(crate) fn default_lead_ms(lifetime_ms: f64) -> f64 {
    (lifetime_ms * 0.1).min(30_000.0)
}

/// A session's tokens, where the page holds them, and when each expires by the local clock.
///
/// In the default mode both tokens are here (and in `localStorage`). With httpOnly cookies
/// ([`TokenMode`](crate::TokenMode)) the refresh token never is, and the access token at most in
/// one tab's memory: what is kept and shared is when they expire.
///
/// `Debug` never prints the tokens themselves: anyone holding them can act as the user.
#[derive(Clone, PartialEq)]
pub struct Tokens {
    pub(crate) access: Option<String>,
    pub(crate) refresh: Option<String>,
    /// Local time, ms since the epoch, when `access` arrived.
    pub(crate) access_received_at: f64,
    /// Local time, ms since the epoch, when `refresh` arrived.
    pub(crate) refresh_received_at: f64,
    pub(crate) refresh_kind: RefreshTokenKind,
    /// Read from the access token when it arrived: decoding a JWT before every request costs.
    pub(crate) access_expires_at: f64,
    pub(crate) access_lifetime_ms: f64,
    /// `None` where only the server knows (an opaque token; a cookie renewed by a refresh).
    pub(crate) refresh_expires_at: Option<f64>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access", &self.access.as_ref().map(|_| Redacted))
            .field("refresh", &self.refresh.as_ref().map(|_| Redacted))
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish_non_exhaustive()
    }
}

/// When an access token received at `received_at` expires and how long it lives, local clock.
fn access_times(access: &str, received_at: f64) -> Result<(f64, f64), TokenError> {
    let claims = Claims::decode(access)?;
    Ok((
        local_expiry_ms(&claims, received_at),
        claims.lifetime_ms().unwrap_or(0.0),
    ))
}

impl Tokens {
    /// A fresh pair from a login: the access token a JWT, the refresh token one too unless the
    /// wire says it is opaque.
    pub(crate) fn new(
        access: String,
        refresh: String,
        now_ms: f64,
        refresh_kind: RefreshTokenKind,
    ) -> Result<Self, TokenError> {
        Self::restore(access, refresh, now_ms, now_ms, refresh_kind)
    }

    /// A pair as storage kept it, checked as a login's.
    pub(crate) fn restore(
        access: String,
        refresh: String,
        access_received_at: f64,
        refresh_received_at: f64,
        refresh_kind: RefreshTokenKind,
    ) -> Result<Self, TokenError> {
        let (access_expires_at, access_lifetime_ms) = access_times(&access, access_received_at)?;
        let refresh_expires_at = refresh_expiry(&refresh, refresh_kind, refresh_received_at)?;
        Ok(Self {
            access: Some(access),
            refresh: Some(refresh),
            access_received_at,
            refresh_received_at,
            refresh_kind,
            access_expires_at,
            access_lifetime_ms,
            refresh_expires_at,
        })
    }

    /// A login whose tokens went into httpOnly cookies: the access token (from the answer's
    /// body) only tells when it expires; the refresh token lives `refresh_lifetime_ms`, if the
    /// server said.
    pub(crate) fn in_cookies(
        access: &str,
        refresh_lifetime_ms: Option<f64>,
        now_ms: f64,
    ) -> Result<Self, TokenError> {
        let (access_expires_at, access_lifetime_ms) = access_times(access, now_ms)?;
        Ok(Self {
            access: None,
            refresh: None,
            access_received_at: now_ms,
            refresh_received_at: now_ms,
            refresh_kind: RefreshTokenKind::Opaque,
            access_expires_at,
            access_lifetime_ms,
            refresh_expires_at: refresh_lifetime_ms.map(|lifetime| now_ms + lifetime),
        })
    }

    /// The cookie modes' times as storage kept them.
    pub(crate) fn restore_in_cookies(
        access_expires_at: f64,
        access_lifetime_ms: f64,
        refresh_expires_at: Option<f64>,
    ) -> Self {
        Self {
            access: None,
            refresh: None,
            access_received_at: access_expires_at - access_lifetime_ms,
            refresh_received_at: 0.0,
            refresh_kind: RefreshTokenKind::Opaque,
            access_expires_at,
            access_lifetime_ms,
            refresh_expires_at,
        }
    }

    /// Whether the tokens are httpOnly cookies (the page holds neither).
    pub(crate) fn in_cookie(&self) -> bool {
        self.refresh.is_none()
    }

    /// The pair after a refresh: a new access token and, under rotation, a new refresh token.
    /// In the cookie modes the access token only tells when it expires, and the refresh
    /// cookie's expiry is no longer known (a rotation renewed it, or not).
    pub(crate) fn refreshed(
        &self,
        access: String,
        rotated_refresh: Option<String>,
        now_ms: f64,
    ) -> Result<Self, TokenError> {
        let (access_expires_at, access_lifetime_ms) = access_times(&access, now_ms)?;
        if self.in_cookie() {
            return Ok(Self {
                access_received_at: now_ms,
                access_expires_at,
                access_lifetime_ms,
                refresh_expires_at: None,
                ..self.clone()
            });
        }
        let (refresh, refresh_received_at, refresh_expires_at) = match rotated_refresh {
            Some(refresh) => {
                let expires_at = refresh_expiry(&refresh, self.refresh_kind, now_ms)?;
                (Some(refresh), now_ms, expires_at)
            }
            None => (
                self.refresh.clone(),
                self.refresh_received_at,
                self.refresh_expires_at,
            ),
        };
        Ok(Self {
            access: Some(access),
            refresh,
            access_received_at: now_ms,
            refresh_received_at,
            refresh_kind: self.refresh_kind,
            access_expires_at,
            access_lifetime_ms,
            refresh_expires_at,
        })
    }

    /// These tokens with `access`, received at `received_at`, as the one this tab holds in memory.
    pub(crate) fn with_access(&self, access: String, received_at: f64) -> Result<Self, TokenError> {
        let (access_expires_at, access_lifetime_ms) = access_times(&access, received_at)?;
        Ok(Self {
            access: Some(access),
            access_received_at: received_at,
            access_expires_at,
            access_lifetime_ms,
            ..self.clone()
        })
    }

    /// The access token, for an `Authorization` header of your own making; `None` where the
    /// page holds none (httpOnly cookies). Prefer [`ApiClient`](crate::ApiClient), which adds
    /// it, refreshes it and never sends it elsewhere.
    #[must_use]
    pub fn access(&self) -> Option<&str> {
        self.access.as_deref()
    }

    /// What tells this grant from the next one: the access token, or where the page holds none,
    /// when it expires.
    pub(crate) fn key(&self) -> String {
        self.access
            .clone()
            .unwrap_or_else(|| format!("@{}", self.access_expires_at as i64))
    }

    /// When the access token expires, local clock, ms since the epoch.
    #[must_use]
    pub fn access_expires_at(&self) -> Option<f64> {
        Some(self.access_expires_at)
    }

    /// When the refresh token expires, local clock, ms since the epoch. Past it, the session
    /// cannot be renewed and the user logs in again. `None` where only the server knows (an
    /// opaque refresh token, or a cookie a refresh may have renewed).
    #[must_use]
    pub fn refresh_expires_at(&self) -> Option<f64> {
        self.refresh_expires_at
    }

    /// Lifetime of the access token as issued, ms.
    #[must_use]
    pub fn access_lifetime_ms(&self) -> Option<f64> {
        Some(self.access_lifetime_ms).filter(|ms| *ms > 0.0)
    }

    /// When the access token should be refreshed: `lead_ms` before it expires, or the default
    /// lead for its lifetime.
    pub(crate) fn access_refresh_due_at(&self, lead_ms: Option<f64>) -> Option<f64> {
        let lifetime = self.access_lifetime_ms;
        // A lead as long as the token's life would make every moment due: at most half of it.
        let lead = lead_ms
            .unwrap_or_else(|| default_lead_ms(lifetime))
            .min(lifetime / 2.0);
        Some(self.access_expires_at - lead)
    }

    /// Whether the refresh token can no longer renew anything, by the local clock (never where
    /// its expiry is not known: the server says so when it refuses it).
    pub(crate) fn refresh_expired(&self, now_ms: f64) -> bool {
        self.refresh_expires_at
            .is_some_and(|expires_at| expires_at <= now_ms)
    }
}

/// How long a refresh cookie lives, from a login answer: its `refresh_expiration` (dj-rest-auth's
/// `JWT_AUTH_RETURN_EXPIRATION`, the server's clock) less the access token's `iat` (the same
/// clock), so that the local clock's error does not enter. `None` where either is missing.
pub(crate) fn cookie_lifetime_ms(refresh_expiration: Option<&str>, access: &str) -> Option<f64> {
    let expires_at = parse_rfc3339_ms(refresh_expiration?)?;
    let issued_at = Claims::decode(access).ok()?.iat? as f64 * 1000.0;
    Some((expires_at - issued_at - CLAIM_GRANULARITY_MS).max(0.0))
}

/// An RFC 3339 time as DRF writes it (`2026-12-06T03:30:10.555012Z`, or with `+01:00`), in ms
/// since the epoch. By hand: the one date this layer reads, not worth a date crate.
pub(crate) fn parse_rfc3339_ms(text: &str) -> Option<f64> {
    let number = |part: &str| part.parse::<i64>().ok();
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut ymd = date.splitn(3, '-');
    let (year, month, day) = (
        number(ymd.next()?)?,
        number(ymd.next()?)?,
        number(ymd.next()?)?,
    );
    let (clock, offset_minutes) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (clock, offset) = time.split_at(at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (hours, minutes) = offset[1..].split_once(':')?;
        (clock, sign * (number(hours)? * 60 + number(minutes)?))
    };
    let mut hms = clock.splitn(3, ':');
    let (hour, minute) = (number(hms.next()?)?, number(hms.next()?)?);
    let seconds_ms = seconds_in_ms(hms.next()?)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let whole_minutes = days * 1440 + hour * 60 + minute - offset_minutes;
    Some(whole_minutes as f64 * 60_000.0 + seconds_ms as f64)
}

/// `10.555012` seconds as 10,555 ms. By digits: `str::parse::<f64>` would add about 6 kB of
/// float parsing to every app's wasm for this one field.
fn seconds_in_ms(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let millis = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0, |millis, digit| millis * 10 + i64::from(digit - b'0'));
    (whole <= 60).then_some(whole * 1000 + millis)
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// When a refresh token of `kind` received at `received_at` expires: its `exp` for a JWT (which
/// must decode), not known for an opaque one (which must not be empty).
fn refresh_expiry(
    refresh: &str,
    kind: RefreshTokenKind,
    received_at: f64,
) -> Result<Option<f64>, TokenError> {
    match kind {
        RefreshTokenKind::Jwt => {
            Claims::decode(refresh).map(|claims| Some(local_expiry_ms(&claims, received_at)))
        }
        RefreshTokenKind::Opaque if refresh.is_empty() => Err(TokenError::Shape),
        RefreshTokenKind::Opaque => Ok(None),
    }
}

/// The same JWT with its signature changed in a bit that every decoder reads: the first
/// character of the signature carries six signed bits, whereas the last may carry only padding
/// bits that a lenient base64url decoder ignores.
#[cfg(any(test, feature = "testing"))]
pub(crate) fn tamper_signature(token: &str) -> String {
    let Some(at) = token.rfind('.').map(|dot| dot + 1) else {
        return format!("{token}x");
    };
    let mut tampered = token.to_owned();
    match token.as_bytes().get(at) {
        None => tampered.push('A'),
        Some(b'A') => tampered.replace_range(at..=at, "B"),
        Some(_) => tampered.replace_range(at..=at, "A"),
    }
    tampered
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    /// A structurally valid unsigned JWT with the given payload, for tests.
    pub(crate) fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    fn claims(exp: i64, iat: Option<i64>) -> Claims {
        let payload = match iat {
            Some(iat) => format!(r#"{{"exp":{exp},"iat":{iat}}}"#),
            None => format!(r#"{{"exp":{exp}}}"#),
        };
        Claims::decode(&jwt(&payload)).expect("claims")
    }

    #[test]
    fn decodes_simplejwt_claims() {
        let token = jwt(
            r#"{"token_type":"access","exp":1795742067,"iat":1795742062,"jti":"bcbf","user_id":"1"}"#,
        );
        let claims = Claims::decode(&token).expect("claims");
        assert_eq!(claims.exp, 1_795_742_067);
        assert_eq!(claims.lifetime_ms(), Some(5000.0));
        assert_eq!(claims.user_id("user_id").as_deref(), Some("1"));
    }

    #[test]
    fn the_user_id_claim_is_the_one_configured() {
        let token = jwt(r#"{"exp":2,"sub":"7"}"#);
        let claims = Claims::decode(&token).expect("claims");
        assert_eq!(claims.user_id("sub").as_deref(), Some("7"));
        assert_eq!(claims.user_id("user_id"), None, "no default fallback");
        let numeric = Claims::decode(&jwt(r#"{"exp":2,"user_id":42}"#)).expect("claims");
        assert_eq!(numeric.user_id("user_id").as_deref(), Some("42"));
        let odd = Claims::decode(&jwt(r#"{"exp":2,"user_id":[1]}"#)).expect("claims");
        assert_eq!(odd.user_id("user_id"), None);
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
    fn base64url_decodes_as_the_base64_crate_does() {
        // Every length from 0 to 64, of bytes from a fixed pseudo-random sequence.
        let mut seed = 0x9E37_79B9_u32;
        for length in 0..64 {
            let input: Vec<u8> = (0..length)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (seed >> 24) as u8
                })
                .collect();
            let encoded = URL_SAFE_NO_PAD.encode(&input);
            assert_eq!(decode_base64url(&encoded), Some(input), "{encoded}");
        }
        for refused in [
            "A", "AAAAA", "ab+c", "ab/c", "ab=c", "a b", "é", "AB", "AAB",
        ] {
            assert_eq!(
                decode_base64url(refused).is_some(),
                URL_SAFE_NO_PAD.decode(refused).is_ok(),
                "{refused:?}"
            );
        }
        assert_eq!(decode_base64url("AB"), None, "a set bit past the last byte");
        assert_eq!(decode_base64url("AA"), Some(vec![0]));
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
        let claims = claims(1_000_300, Some(1_000_000));
        let received = (1_000_000.0 - 600.0) * 1000.0;
        assert_eq!(local_expiry_ms(&claims, received), received + 299_000.0);
        let no_iat = self::claims(1_000_300, None);
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
        assert_eq!(claims(10, Some(20)).lifetime_ms(), None);
        let overflowing = Claims {
            exp: i64::MAX,
            iat: Some(i64::MIN),
            payload: Json::Null,
        };
        assert_eq!(overflowing.lifetime_ms(), None);
    }

    #[test]
    fn debug_never_shows_a_token() {
        let tokens = Tokens::new(
            jwt(r#"{"exp":2,"secret":"access-part"}"#),
            jwt(r#"{"exp":3,"secret":"refresh-part"}"#),
            0.0,
            RefreshTokenKind::Jwt,
        )
        .expect("tokens");
        let printed = format!("{tokens:?}");
        assert!(
            !printed.contains(tokens.access().unwrap_or("-")),
            "{printed}"
        );
        assert!(
            !printed.contains(tokens.refresh.as_deref().unwrap_or("-")),
            "{printed}"
        );
        assert!(!printed.contains("c2lnbmF0dXJl"), "{printed}");
        assert!(printed.contains("<redacted>"), "{printed}");
    }

    #[test]
    fn an_opaque_refresh_token_never_expires_on_the_client() {
        let tokens = Tokens::new(
            jwt(r#"{"exp":2,"iat":1}"#),
            "d1f0c2a9-opaque".into(),
            0.0,
            RefreshTokenKind::Opaque,
        )
        .expect("tokens");
        assert_eq!(tokens.refresh_expires_at(), None);
        assert!(!tokens.refresh_expired(1e15));
        assert!(Tokens::new(
            jwt(r#"{"exp":2}"#),
            String::new(),
            0.0,
            RefreshTokenKind::Opaque
        )
        .is_err());
        assert!(
            Tokens::new(
                jwt(r#"{"exp":2}"#),
                "opaque".into(),
                0.0,
                RefreshTokenKind::Jwt
            )
            .is_err(),
            "a JWT wire refuses a refresh token that is none"
        );
    }

    #[test]
    fn drf_times_read_as_the_epoch_does() {
        // `date -u -d 2026-12-06T03:30:10Z +%s` = 1796527810.
        assert_eq!(
            parse_rfc3339_ms("2026-12-06T03:30:10Z"),
            Some(1_796_527_810_000.0)
        );
        // To the millisecond, as every time here is counted.
        assert_eq!(
            parse_rfc3339_ms("2026-12-06T03:30:10.555012Z"),
            Some(1_796_527_810_555.0)
        );
        assert_eq!(
            parse_rfc3339_ms("2026-12-06T03:30:10.5Z"),
            Some(1_796_527_810_500.0)
        );
        assert_eq!(
            parse_rfc3339_ms("2026-12-06T04:30:10+01:00"),
            Some(1_796_527_810_000.0)
        );
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            parse_rfc3339_ms("2000-02-29T12:00:00Z"),
            Some(951_825_600_000.0)
        );
        for junk in [
            "",
            "2026-13-01T00:00:00Z",
            "2026-12-06",
            "soon",
            "2026-12-06T03:30Z",
            "2026-12-06T03:30:1e1Z",
            "2026-12-06T03:30:.5Z",
            "2026-12-06T03:30:10.x5Z",
        ] {
            assert_eq!(parse_rfc3339_ms(junk), None, "{junk}");
        }
    }

    #[test]
    fn a_refresh_cookie_lives_from_the_access_tokens_issue_on_the_servers_clock() {
        // Issued at 1796527810 (server clock); the cookie expires a day later.
        let access = jwt(r#"{"exp":1796528110,"iat":1796527810}"#);
        assert_eq!(
            cookie_lifetime_ms(Some("2026-12-07T03:30:10Z"), &access),
            Some(86_400_000.0 - 1_000.0)
        );
        assert_eq!(cookie_lifetime_ms(None, &access), None);
        assert_eq!(cookie_lifetime_ms(Some("2026-12-07T03:30:10Z"), "x"), None);
    }

    #[test]
    fn cookies_keep_times_and_no_token() {
        let access = jwt(r#"{"exp":1796528110,"iat":1796527810}"#);
        let tokens = Tokens::in_cookies(&access, Some(86_399_000.0), 1_000.0).expect("tokens");
        assert_eq!(tokens.access(), None);
        assert!(tokens.in_cookie());
        assert_eq!(tokens.access_expires_at(), Some(1_000.0 + 299_000.0));
        assert_eq!(tokens.refresh_expires_at(), Some(1_000.0 + 86_399_000.0));
        let renewed = tokens
            .refreshed(jwt(r#"{"exp":1796528410,"iat":1796528110}"#), None, 9_000.0)
            .expect("refreshed");
        assert_eq!(renewed.access(), None, "the shared state keeps no token");
        assert_eq!(renewed.access_expires_at(), Some(9_000.0 + 299_000.0));
        assert_eq!(
            renewed.refresh_expires_at(),
            None,
            "a refresh may have renewed the cookie"
        );
        let mine = renewed.with_access(access.clone(), 9_000.0).expect("mine");
        assert_eq!(mine.access(), Some(access.as_str()));
    }

    #[test]
    fn tampering_changes_a_signed_bit_of_every_signature() {
        // The last character of an HS256 signature (43 characters) carries two padding bits:
        // 'A' and 'B' there can decode to the same bytes. The first one never does.
        for signature in ["AAAA", "BAAA", "zzzz", "A", ""] {
            let token = format!("h.p.{signature}");
            let tampered = tamper_signature(&token);
            assert_ne!(tampered, token);
            let (original, changed) = (
                token.rsplit('.').next().unwrap_or_default(),
                tampered.rsplit('.').next().unwrap_or_default(),
            );
            assert_ne!(
                original.chars().next(),
                changed.chars().next(),
                "{token} → {tampered}"
            );
        }
    }
}
