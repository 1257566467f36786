//! The cookie wire of dj-rest-auth (`--url-layout dj-rest-auth`): its settings, the
//! `Set-Cookie` lines Django writes, reading the `Cookie` header as Django parses it, and
//! the CSRF check `JWTCookieAuthentication` runs (`JWT_AUTH_COOKIE_USE_CSRF`).
//!
//! dj-rest-auth logs in through Django's `login()` as well (its default `SESSION_LOGIN`),
//! so a login also sets Django's `csrftoken` cookie (rotated) and `sessionid` cookie, and a
//! logout deletes `sessionid`. Nothing reads the session here: its cookie is only written
//! and deleted as Django would.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use axum::extract::Request;
use axum::http::header::{COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;

use crate::clock::unix_seconds;
use crate::config::ConfigError;
use crate::cors::patch_vary;

/// Django's `CSRF_COOKIE_NAME`.
pub const CSRF_COOKIE: &str = "csrftoken";
/// Django's `SESSION_COOKIE_NAME`.
pub const SESSION_COOKIE: &str = "sessionid";
/// Django's `CSRF_COOKIE_AGE`: a year of 52 weeks.
const CSRF_COOKIE_AGE: Duration = Duration::from_secs(31_449_600);
/// Django's `SESSION_COOKIE_AGE`: two weeks.
const SESSION_COOKIE_AGE: Duration = Duration::from_secs(1_209_600);
/// What a deleted cookie's `expires` says.
const EPOCH_DATE: &str = "Thu, 01 Jan 1970 00:00:00 GMT";
/// Django's `CSRF_ALLOWED_CHARS`: a CSRF secret is 32 of them, a masked token 64.
const CSRF_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const CSRF_SECRET_LENGTH: usize = 32;
/// Django's session keys: 32 lowercase letters and digits.
const SESSION_KEY_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A cookie's `SameSite` attribute (dj-rest-auth's `JWT_AUTH_SAMESITE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SameSite {
    #[default]
    Lax,
    Strict,
    None,
}

impl FromStr for SameSite {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "Lax" => Ok(Self::Lax),
            "Strict" => Ok(Self::Strict),
            "None" => Ok(Self::None),
            other => Err(ConfigError::UnknownSameSite(other.to_owned())),
        }
    }
}

impl fmt::Display for SameSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Lax => "Lax",
            Self::Strict => "Strict",
            Self::None => "None",
        })
    }
}

/// dj-rest-auth's `JWT_AUTH_*` settings and Django's `CSRF_TRUSTED_ORIGINS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieSettings {
    /// `JWT_AUTH_COOKIE`: the access token's cookie.
    pub access_cookie: String,
    /// `JWT_AUTH_REFRESH_COOKIE`: the refresh token's cookie.
    pub refresh_cookie: String,
    /// `JWT_AUTH_REFRESH_COOKIE_PATH`: where the browser sends the refresh cookie. A path
    /// that does not cover `logout/` leaves logout without the token to blacklist.
    pub refresh_cookie_path: String,
    /// `JWT_AUTH_SAMESITE`.
    pub same_site: SameSite,
    /// `JWT_AUTH_SECURE`.
    pub secure: bool,
    /// `JWT_AUTH_COOKIE_USE_CSRF`: a request authenticated by the access cookie must pass
    /// Django's CSRF check, unless its method is safe.
    pub csrf: bool,
    /// `CSRF_TRUSTED_ORIGINS`: origins besides the server's own whose unsafe requests
    /// pass the `Origin` check.
    pub csrf_trusted_origins: Vec<String>,
}

/// The default cookie names.
pub const DEFAULT_ACCESS_COOKIE: &str = "jwt-access";
pub const DEFAULT_REFRESH_COOKIE: &str = "jwt-refresh";

impl Default for CookieSettings {
    fn default() -> Self {
        Self {
            access_cookie: DEFAULT_ACCESS_COOKIE.to_owned(),
            refresh_cookie: DEFAULT_REFRESH_COOKIE.to_owned(),
            refresh_cookie_path: "/".to_owned(),
            same_site: SameSite::Lax,
            secure: false,
            csrf: false,
            csrf_trusted_origins: Vec::new(),
        }
    }
}

impl CookieSettings {
    /// Refuses a cookie name or path that cannot go into a `Set-Cookie` line unquoted.
    pub fn check(&self) -> Result<(), ConfigError> {
        for name in [&self.access_cookie, &self.refresh_cookie] {
            let token_char = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            if name.is_empty() || !name.bytes().all(token_char) {
                return Err(ConfigError::BadCookieName(name.clone()));
            }
        }
        if self.access_cookie == self.refresh_cookie {
            return Err(ConfigError::BadCookieName(self.refresh_cookie.clone()));
        }
        let path = &self.refresh_cookie_path;
        if !path.starts_with('/') || !path.bytes().all(|b| b.is_ascii_graphic() && b != b';') {
            return Err(ConfigError::BadCookiePath(path.clone()));
        }
        Ok(())
    }
}

/// One `Set-Cookie` line as Django writes it: Python's `Morsel` puts the attributes in
/// alphabetical order (`expires`, `HttpOnly`, `Max-Age`, `Path`, `SameSite`, `Secure`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    name: String,
    value: String,
    expires: String,
    http_only: bool,
    max_age: u64,
    path: String,
    same_site: SameSite,
    secure: bool,
}

impl SetCookie {
    /// `response.set_cookie(name, value, expires=now + lifetime, ...)`: Django turns the
    /// date into `Max-Age` (the lifetime plus the second it adds, rounded down, which is the
    /// lifetime rounded up) and writes `expires` back from that.
    pub fn new(name: &str, value: &str, now: SystemTime, lifetime: Duration) -> Self {
        let max_age = lifetime.as_millis().div_ceil(1000);
        let max_age = u64::try_from(max_age).unwrap_or(u64::MAX);
        let expires = now.checked_add(Duration::from_secs(max_age)).unwrap_or(now);
        Self {
            name: name.to_owned(),
            value: value.to_owned(),
            expires: http_date(unix_seconds(expires)),
            http_only: false,
            max_age,
            path: "/".to_owned(),
            same_site: SameSite::Lax,
            secure: false,
        }
    }

    /// `response.delete_cookie(name, path, samesite)`: empty, expired, `Secure` only with
    /// `SameSite=None`, never `HttpOnly`.
    pub fn deleted(name: &str, path: &str, same_site: SameSite) -> Self {
        Self {
            name: name.to_owned(),
            value: String::new(),
            expires: EPOCH_DATE.to_owned(),
            http_only: false,
            max_age: 0,
            path: path.to_owned(),
            same_site,
            secure: same_site == SameSite::None,
        }
    }

    pub fn http_only(mut self) -> Self {
        self.http_only = true;
        self
    }

    pub fn path(mut self, path: &str) -> Self {
        path.clone_into(&mut self.path);
        self
    }

    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Appends the line to a response's headers.
    pub fn append_to(&self, headers: &mut HeaderMap) {
        if let Ok(value) = HeaderValue::from_str(&self.to_string()) {
            headers.append(SET_COOKIE, value);
        }
    }
}

impl fmt::Display for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SimpleCookie quotes an empty value.
        let value = if self.value.is_empty() {
            "\"\""
        } else {
            &self.value
        };
        write!(f, "{}={value}; expires={}", self.name, self.expires)?;
        if self.http_only {
            f.write_str("; HttpOnly")?;
        }
        write!(
            f,
            "; Max-Age={}; Path={}; SameSite={}",
            self.max_age, self.path, self.same_site
        )?;
        if self.secure {
            f.write_str("; Secure")?;
        }
        Ok(())
    }
}

/// The JWT cookies of a login or refresh, as dj-rest-auth sets them.
impl CookieSettings {
    pub fn access(&self, token: &str, now: SystemTime, lifetime: Duration) -> SetCookie {
        SetCookie::new(&self.access_cookie, token, now, lifetime)
            .http_only()
            .same_site(self.same_site)
            .secure(self.secure)
    }

    pub fn refresh(&self, token: &str, now: SystemTime, lifetime: Duration) -> SetCookie {
        SetCookie::new(&self.refresh_cookie, token, now, lifetime)
            .http_only()
            .path(&self.refresh_cookie_path)
            .same_site(self.same_site)
            .secure(self.secure)
    }

    /// `unset_jwt_cookies`: both deleted, the refresh cookie at its own path.
    pub fn unset(&self) -> [SetCookie; 2] {
        [
            SetCookie::deleted(&self.access_cookie, "/", self.same_site),
            SetCookie::deleted(
                &self.refresh_cookie,
                &self.refresh_cookie_path,
                self.same_site,
            ),
        ]
    }
}

/// Django's `rotate_token` at login: a new CSRF secret in the `csrftoken` cookie, which a
/// page's script reads to send back in `X-CSRFToken` (hence not `HttpOnly`).
pub fn new_csrf_cookie(now: SystemTime) -> SetCookie {
    SetCookie::new(
        CSRF_COOKIE,
        &random_text(CSRF_CHARS, CSRF_SECRET_LENGTH),
        now,
        CSRF_COOKIE_AGE,
    )
}

/// The session Django's `login()` starts: a new key in the `sessionid` cookie.
pub fn new_session_cookie(now: SystemTime) -> SetCookie {
    SetCookie::new(
        SESSION_COOKIE,
        &random_text(SESSION_KEY_CHARS, 32),
        now,
        SESSION_COOKIE_AGE,
    )
    .http_only()
}

/// `random_text` draws from the OS; a failure there leaves an empty value, which no
/// check accepts.
fn random_text(alphabet: &[u8], length: usize) -> String {
    let mut text = String::with_capacity(length);
    let mut bytes = [0u8; 64];
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - 256 % alphabet.len();
    while text.len() < length {
        if getrandom::fill(&mut bytes).is_err() {
            return String::new();
        }
        for &byte in &bytes {
            if usize::from(byte) < limit && text.len() < length {
                text.push(char::from(alphabet[usize::from(byte) % alphabet.len()]));
            }
        }
    }
    text
}

/// The request's cookie `name`, as Django's `parse_cookie` reads the `Cookie` header:
/// `;`-separated `key=value` pairs, spaces trimmed, double quotes removed, the last of a
/// repeated name winning.
pub fn request_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut found = None;
    for header in headers.get_all(COOKIE) {
        let text = String::from_utf8_lossy(header.as_bytes());
        for chunk in text.split(';') {
            let (key, value) = chunk.split_once('=').unwrap_or(("", chunk));
            if key.trim() == name {
                let value = value.trim();
                let unquoted = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                found = Some(unquoted.to_owned());
            }
        }
    }
    found
}

/// Why Django's CSRF check refused a request; `Display` is its reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    #[error("Origin checking failed - {0} does not match any trusted origins.")]
    BadOrigin(String),
    #[error("CSRF cookie not set.")]
    NoCookie,
    #[error("CSRF cookie has {0}.")]
    BadCookie(TokenFormat),
    #[error("CSRF token missing.")]
    NoToken,
    #[error("CSRF token from the 'X-Csrftoken' HTTP header has {0}.")]
    BadToken(TokenFormat),
    #[error("CSRF token from the 'X-Csrftoken' HTTP header incorrect.")]
    WrongToken,
}

/// What is wrong with a CSRF secret or token's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenFormat {
    #[error("incorrect length")]
    Length,
    #[error("invalid characters")]
    Characters,
}

/// Django's `_check_token_format`: 32 or 64 characters of [`CSRF_CHARS`].
fn check_format(token: &str) -> Result<(), TokenFormat> {
    if token.len() != CSRF_SECRET_LENGTH && token.len() != 2 * CSRF_SECRET_LENGTH {
        return Err(TokenFormat::Length);
    }
    if !token.bytes().all(|b| CSRF_CHARS.contains(&b)) {
        return Err(TokenFormat::Characters);
    }
    Ok(())
}

/// Django's `_unmask_cipher_token`: a 64-character token is a mask and the secret
/// shifted by it; a 32-character one is the secret itself. Call after [`check_format`].
fn unmask(token: &str) -> Vec<u8> {
    let index = |b: u8| CSRF_CHARS.iter().position(|&c| c == b).unwrap_or(0);
    if token.len() == CSRF_SECRET_LENGTH {
        return token.as_bytes().to_vec();
    }
    let (mask, cipher) = token.as_bytes().split_at(CSRF_SECRET_LENGTH);
    cipher
        .iter()
        .zip(mask)
        .map(|(&c, &m)| {
            let shifted = (index(c) + CSRF_CHARS.len() - index(m)) % CSRF_CHARS.len();
            CSRF_CHARS[shifted]
        })
        .collect()
}

/// `JWTCookieAuthentication.enforce_csrf`: Django's `CsrfViewMiddleware` run on a
/// request the access cookie authenticates. Safe methods pass; an `Origin` must be the
/// server's own or trusted; then the `X-CSRFToken` header must hold the `csrftoken`
/// cookie's secret, plain or masked.
pub fn check_csrf(
    method: &Method,
    headers: &HeaderMap,
    trusted_origins: &[String],
) -> Result<(), CsrfError> {
    if matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return Ok(());
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let origin = String::from_utf8_lossy(origin.as_bytes()).into_owned();
        let own = headers
            .get(HOST)
            .map(|host| format!("http://{}", String::from_utf8_lossy(host.as_bytes())));
        let trusted = own.as_deref() == Some(origin.as_str()) || trusted_origins.contains(&origin);
        if !trusted {
            return Err(CsrfError::BadOrigin(origin));
        }
    }
    let cookie = request_cookie(headers, CSRF_COOKIE).ok_or(CsrfError::NoCookie)?;
    check_format(&cookie).map_err(CsrfError::BadCookie)?;
    let token = headers
        .get("x-csrftoken")
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default();
    if token.is_empty() {
        return Err(CsrfError::NoToken);
    }
    check_format(&token).map_err(CsrfError::BadToken)?;
    if !constant_time_eq(&unmask(&token), &unmask(&cookie)) {
        return Err(CsrfError::WrongToken);
    }
    Ok(())
}

/// `JWTCookieAuthentication` without an `Authorization` header: the access cookie's token,
/// when the cookie wire is on (`settings`) and the cookie came. A request it authenticates
/// passes the CSRF check first, when that is on.
pub fn access_cookie(
    parts: &Parts,
    settings: Option<&CookieSettings>,
) -> Result<Option<String>, CsrfError> {
    let Some(settings) = settings else {
        return Ok(None);
    };
    let Some(token) = request_cookie(&parts.headers, &settings.access_cookie) else {
        return Ok(None);
    };
    if settings.csrf {
        check_csrf(
            &parts.method,
            &parts.headers,
            &settings.csrf_trusted_origins,
        )?;
    }
    Ok(Some(token))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Marks a response whose view touched the session (Django's `SessionMiddleware` then adds
/// `Vary: Cookie`, after CORS has added `origin`).
#[derive(Debug, Clone, Copy)]
pub struct SessionTouched;

/// The outer middleware that adds `Vary: Cookie` to [`SessionTouched`] responses, where
/// Django's `SessionMiddleware` does it: outside django-cors-headers.
pub async fn session_vary(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if response.extensions().get::<SessionTouched>().is_some() {
        patch_vary(response.headers_mut(), "Cookie");
    }
    response
}

/// Django's `http_date`: `Sun, 06 Dec 2026 03:25:10 GMT`.
pub fn http_date(unix_seconds: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_seconds.div_euclid(86_400);
    let seconds = unix_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month_name = MONTHS[usize::try_from(month - 1).unwrap_or(0)];
    format!(
        "{weekday}, {day:02} {month_name} {year} {:02}:{:02}:{:02} GMT",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

/// DRF's `DateTimeField` in UTC: `2026-12-06T03:30:10.555012Z` (no fraction when the
/// microseconds are zero, as Python's `isoformat` writes it).
pub fn iso_datetime(time: SystemTime) -> String {
    let since_epoch = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX);
    let micros = since_epoch.subsec_micros();
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    let fraction = if micros == 0 {
        String::new()
    } else {
        format!(".{micros:06}")
    };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{fraction}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_like_django() {
        assert_eq!(http_date(0), EPOCH_DATE);
        assert_eq!(http_date(1_796_527_510), "Sun, 06 Dec 2026 03:25:10 GMT");
        assert_eq!(http_date(1_827_977_110), "Sun, 05 Dec 2027 03:25:10 GMT");
        let time = SystemTime::UNIX_EPOCH + Duration::from_micros(1_796_527_810_555_012);
        assert_eq!(iso_datetime(time), "2026-12-06T03:30:10.555012Z");
        let whole = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_527_810);
        assert_eq!(iso_datetime(whole), "2026-12-06T03:30:10Z");
    }

    #[test]
    fn set_cookie_lines_are_djangos() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_796_527_510_250);
        let settings = CookieSettings::default();
        assert_eq!(
            settings.access("a.b.c", now, Duration::from_secs(300)).to_string(),
            "jwt-access=a.b.c; expires=Sun, 06 Dec 2026 03:30:10 GMT; HttpOnly; Max-Age=300; Path=/; SameSite=Lax"
        );
        let narrowed = CookieSettings {
            refresh_cookie_path: "/api/auth/token/refresh/".into(),
            same_site: SameSite::None,
            secure: true,
            ..CookieSettings::default()
        };
        let [access, refresh] = narrowed.unset();
        assert_eq!(
            access.to_string(),
            "jwt-access=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=None; Secure"
        );
        assert!(refresh
            .to_string()
            .contains("Path=/api/auth/token/refresh/"));
        // A lifetime of 1.5 s is a Max-Age of 2, as Django's added second makes it.
        let short = SetCookie::new("x", "y", now, Duration::from_millis(1500));
        assert!(short.to_string().contains("Max-Age=2;"), "{short}");
    }

    #[test]
    fn cookies_are_parsed_like_django() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; jwt-access=\"x.y.z\" ; csrftoken=abc; a=2"),
        );
        assert_eq!(
            request_cookie(&headers, "jwt-access").as_deref(),
            Some("x.y.z")
        );
        assert_eq!(request_cookie(&headers, "a").as_deref(), Some("2"));
        assert_eq!(request_cookie(&headers, "missing"), None);
    }

    #[test]
    fn csrf_follows_djangos_order() {
        let secret = random_text(CSRF_CHARS, CSRF_SECRET_LENGTH);
        let trusted = vec!["http://localhost:8080".to_owned()];
        let headers = |pairs: &[(&'static str, String)]| {
            let mut map = HeaderMap::new();
            map.insert(HOST, HeaderValue::from_static("127.0.0.1:8000"));
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_str(value).expect("header"));
            }
            map
        };
        let post = Method::POST;
        assert_eq!(check_csrf(&Method::GET, &headers(&[]), &trusted), Ok(()));
        assert_eq!(
            check_csrf(&post, &headers(&[]), &trusted),
            Err(CsrfError::NoCookie)
        );
        let cookie = ("cookie", format!("csrftoken={secret}"));
        assert_eq!(
            check_csrf(&post, &headers(std::slice::from_ref(&cookie)), &trusted),
            Err(CsrfError::NoToken)
        );
        let token = |value: String| ("x-csrftoken", value);
        assert_eq!(
            check_csrf(
                &post,
                &headers(&[cookie.clone(), token("abc".into())]),
                &trusted
            ),
            Err(CsrfError::BadToken(TokenFormat::Length))
        );
        assert_eq!(
            check_csrf(
                &post,
                &headers(&[cookie.clone(), token("a".repeat(32))]),
                &trusted
            ),
            Err(CsrfError::WrongToken)
        );
        assert_eq!(
            check_csrf(
                &post,
                &headers(&[cookie.clone(), token(secret.clone())]),
                &trusted
            ),
            Ok(())
        );
        // A masked token: mask "a..." (index 0) shifts nothing.
        let masked = format!("{}{secret}", "a".repeat(32));
        assert_eq!(
            check_csrf(&post, &headers(&[cookie.clone(), token(masked)]), &trusted),
            Ok(())
        );
        let origin = |value: &str| ("origin", value.to_owned());
        for good in ["http://127.0.0.1:8000", "http://localhost:8080"] {
            let request = headers(&[cookie.clone(), token(secret.clone()), origin(good)]);
            assert_eq!(check_csrf(&post, &request, &trusted), Ok(()), "{good}");
        }
        let evil = headers(&[cookie, token(secret), origin("http://evil.example")]);
        assert_eq!(
            check_csrf(&post, &evil, &trusted).map_err(|e| e.to_string()),
            Err(
                "Origin checking failed - http://evil.example does not match any trusted origins."
                    .to_owned()
            )
        );
    }

    #[test]
    fn random_values_have_djangos_shape() {
        let now = SystemTime::UNIX_EPOCH;
        let csrf = new_csrf_cookie(now).to_string();
        assert!(csrf.starts_with("csrftoken="), "{csrf}");
        assert!(
            csrf.contains("Max-Age=31449600; Path=/; SameSite=Lax"),
            "{csrf}"
        );
        assert!(!csrf.contains("HttpOnly"));
        let session = new_session_cookie(now).to_string();
        assert!(session.contains("HttpOnly; Max-Age=1209600"), "{session}");
        let key = random_text(SESSION_KEY_CHARS, 32);
        assert_eq!(key.len(), 32);
        assert!(key.bytes().all(|b| SESSION_KEY_CHARS.contains(&b)));
    }
}
