//! What came back: status, headers and the whole body, read before any decision about it.

use std::borrow::Cow;
use std::fmt;

use crate::http::error::{ApiError, ApiResult};
use crate::json::{Json, JsonError};

/// A whole answer: status, headers and body bytes.
///
/// `Debug` shows the body's length, not the body: the token endpoints answer with tokens.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiResponse {
    status: u16,
    /// Header names in lower case, as the Fetch API gives them.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl fmt::Debug for ApiResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<_> = self.headers.iter().map(|(name, _)| name).collect();
        f.debug_struct("ApiResponse")
            .field("status", &self.status)
            .field("headers", &headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

impl ApiResponse {
    pub(crate) fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        Self {
            status,
            headers,
            body,
        }
    }

    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the status is 2xx.
    #[must_use]
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The value of header `name` (case-insensitive). Across origins the browser shows only the
    /// headers the server lists in `Access-Control-Expose-Headers`.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every header the browser shows, names in lower case.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// The body as bytes.
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    #[must_use]
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// `Ok(())` for a 2xx, the matching [`ApiError`] otherwise.
    ///
    /// # Errors
    /// The [`ApiError`] for the status and body.
    pub fn ok(&self) -> ApiResult<()> {
        if self.is_success() {
            Ok(())
        } else {
            Err(ApiError::from_response(
                self.status,
                &self.text(),
                self.header("retry-after"),
            ))
        }
    }

    /// The body as `T` (serde) for a 2xx, the matching [`ApiError`] otherwise.
    ///
    /// # Errors
    /// The [`ApiError`] for a status other than 2xx, or [`ApiError::Decode`].
    #[cfg(feature = "serde")]
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> ApiResult<T> {
        self.ok()?;
        serde_json::from_slice(&self.body).map_err(|e| ApiError::Decode(e.to_string()))
    }

    /// The body read by `read` for a 2xx, the matching [`ApiError`] otherwise.
    pub(crate) fn read_json<T>(
        &self,
        read: impl FnOnce(&Json) -> Result<T, JsonError>,
    ) -> ApiResult<T> {
        self.ok()?;
        self.parse_json()
            .and_then(|json| read(&json))
            .map_err(|e| ApiError::Decode(e.to_string()))
    }

    /// The body as a JSON value, whatever the status.
    pub(crate) fn parse_json(&self) -> Result<Json, JsonError> {
        let text = std::str::from_utf8(&self.body).map_err(|_| JsonError::Syntax(0))?;
        Json::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> ApiResponse {
        ApiResponse::new(
            status,
            vec![("retry-after".into(), "7".into())],
            body.as_bytes().to_vec(),
        )
    }

    #[test]
    fn debug_shows_the_body_length_not_the_body() {
        let login_answer = answer(
            200,
            r#"{"refresh":"secret.refresh.token","access":"secret.access.token"}"#,
        );
        let printed = format!("{login_answer:?}");
        assert!(!printed.contains("secret"), "{printed}");
        assert!(
            printed.contains("200") && printed.contains("bytes"),
            "{printed}"
        );
    }

    #[test]
    fn headers_read_whatever_their_case() {
        let limited = answer(429, "{}");
        assert_eq!(limited.header("Retry-After"), Some("7"));
        assert_eq!(
            limited.ok(),
            Err(ApiError::RateLimited {
                retry_after_s: Some(7)
            })
        );
    }
}
