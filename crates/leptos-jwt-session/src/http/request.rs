//! What the client sends: a request it can send twice (the second time after a refresh), with
//! any body the Fetch API takes. `Debug` shows neither bodies nor header values.

use std::fmt;
use std::time::Duration;

use crate::json::Json;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `HEAD`
    Head,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
}

impl HttpMethod {
    /// The method's name on the wire.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
        }
    }

    /// Whether the method changes state on the server (what CSRF protection guards).
    #[must_use]
    pub fn is_unsafe(self) -> bool {
        !matches!(self, Self::Get | Self::Head | Self::Options)
    }
}

/// Whether the browser sends cookies with a request: the Fetch API's `credentials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FetchCredentials {
    /// Never.
    Omit,
    /// To the page's own origin only (the browser's default).
    #[default]
    SameOrigin,
    /// To any origin that allows it (`Access-Control-Allow-Credentials: true`).
    Include,
}

/// A request body, kept so that the request can be sent again byte for byte.
#[derive(Clone, PartialEq)]
pub(crate) enum Body {
    /// JSON text, sent as `application/json`.
    Json(String),
    /// Form fields, sent as `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    /// A browser `FormData` (files included), sent as `multipart/form-data`; the browser sets
    /// the boundary. A `FormData` can be sent any number of times.
    FormData(web_sys::FormData),
    /// Bytes with their content type.
    Bytes {
        bytes: Vec<u8>,
        content_type: String,
    },
}

impl Body {
    /// The `Content-Type` the body goes with, unless the caller set one; `None` where the
    /// browser must set it (multipart boundaries).
    pub(crate) fn content_type(&self) -> Option<&str> {
        match self {
            Self::Json(_) => Some("application/json"),
            Self::Form(_) => Some("application/x-www-form-urlencoded"),
            Self::FormData(_) => None,
            Self::Bytes { content_type, .. } => Some(content_type),
        }
    }
}

/// A request the client can send twice (the second time after a refresh): method, path,
/// headers, body and options are kept.
///
/// ```
/// use std::time::Duration;
/// use leptos_jwt_session::ApiRequest;
///
/// let request = ApiRequest::post("v1/orders/")
///     .json_fields([("item", "book"), ("note", "gift")])
///     .header("X-Request-Id", "42")
///     .timeout(Duration::from_secs(5));
/// assert_eq!(request.path(), "v1/orders/");
/// ```
#[derive(Clone, PartialEq)]
pub struct ApiRequest {
    pub(crate) method: HttpMethod,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Body>,
    pub(crate) skip_auth: bool,
    pub(crate) credentials: Option<FetchCredentials>,
    pub(crate) keepalive: bool,
    pub(crate) timeout: Option<Duration>,
    pub(crate) abort: Option<web_sys::AbortSignal>,
}

/// Stands in for a secret in `Debug` output.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<_> = self.headers.iter().map(|(name, _)| name).collect();
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &headers)
            .field("body", &self.body.as_ref().map(|_| Redacted))
            .field("skip_auth", &self.skip_auth)
            .field("credentials", &self.credentials)
            .field("keepalive", &self.keepalive)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ApiRequest {
    /// A request to `path`: relative to the API base (`v1/orders/`), from the base's origin
    /// (`/health`), or an absolute URL (which gets no token unless it is under the base).
    pub fn new(method: HttpMethod, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            headers: Vec::new(),
            body: None,
            skip_auth: false,
            credentials: None,
            keepalive: false,
            timeout: None,
            abort: None,
        }
    }

    /// `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Get, path)
    }

    /// `HEAD path`.
    pub fn head(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Head, path)
    }

    /// `POST path`.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Post, path)
    }

    /// `PUT path`.
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Put, path)
    }

    /// `PATCH path`.
    pub fn patch(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Patch, path)
    }

    /// `DELETE path`.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Delete, path)
    }

    /// A JSON body from a serde type; sent again byte for byte on a replay.
    ///
    /// # Errors
    /// [`ApiError::Decode`](crate::ApiError::Decode) when `body` does not serialise.
    #[cfg(feature = "serde")]
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Result<Self, crate::ApiError> {
        let text =
            serde_json::to_string(body).map_err(|e| crate::ApiError::Decode(e.to_string()))?;
        self.body = Some(Body::Json(text));
        Ok(self)
    }

    /// A JSON object of string fields as the body, e.g. `[("email", "a@example.com")]`: what
    /// most djoser calls take, without serde.
    #[must_use]
    pub fn json_fields<I, K, V>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.body = Some(Body::Json(object_of_strings(fields).to_string()));
        self
    }

    /// A body that is already JSON text (made with the JSON library of your choice).
    #[must_use]
    pub fn json_text(mut self, json: impl Into<String>) -> Self {
        self.body = Some(Body::Json(json.into()));
        self
    }

    /// Form fields as the body (`application/x-www-form-urlencoded`).
    #[must_use]
    pub fn form<I, K, V>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let fields = fields
            .into_iter()
            .map(|(name, value)| (name.into(), value.into()))
            .collect();
        self.body = Some(Body::Form(fields));
        self
    }

    /// A browser `FormData` as the body (`multipart/form-data`, files included): uploads. The
    /// same `FormData` is sent again on a replay.
    #[must_use]
    pub fn form_data(mut self, form: web_sys::FormData) -> Self {
        self.body = Some(Body::FormData(form));
        self
    }

    /// Bytes as the body, with their `Content-Type`.
    #[must_use]
    pub fn bytes(mut self, bytes: impl Into<Vec<u8>>, content_type: impl Into<String>) -> Self {
        self.body = Some(Body::Bytes {
            bytes: bytes.into(),
            content_type: content_type.into(),
        });
        self
    }

    /// Adds a header. A `Content-Type` or `Accept` of yours wins over the client's; only
    /// `Authorization` (under the API base) is the client's to set.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends without a token and never refreshes (registration, public endpoints).
    #[must_use]
    pub fn skip_auth(mut self) -> Self {
        self.skip_auth = true;
        self
    }

    /// Whether the browser sends cookies with this request; by default as
    /// [`AuthConfig::credentials`](crate::AuthConfig::credentials) says.
    #[must_use]
    pub fn credentials(mut self, credentials: FetchCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Lets the request outlive the page (the Fetch API's `keepalive`): for a last request sent
    /// as the user leaves. The browser limits such bodies to 64 KiB.
    #[must_use]
    pub fn keepalive(mut self, keepalive: bool) -> Self {
        self.keepalive = keepalive;
        self
    }

    /// How long this request may take, instead of
    /// [`AuthConfig::timeout`](crate::AuthConfig::timeout).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Stops the request when `signal` aborts (an `AbortController` of yours): the call ends in
    /// [`ApiError::Aborted`](crate::ApiError::Aborted). A refresh the request was waiting for
    /// goes on for the others.
    #[must_use]
    pub fn abort_signal(mut self, signal: &web_sys::AbortSignal) -> Self {
        self.abort = Some(signal.clone());
        self
    }

    /// The method.
    #[must_use]
    pub fn method(&self) -> HttpMethod {
        self.method
    }

    /// The path (or URL) as given.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The value of header `name` (case-insensitive), if the request sets it.
    #[must_use]
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// A JSON object of string members.
pub(crate) fn object_of_strings<I, K, V>(fields: I) -> Json
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    Json::Object(
        fields
            .into_iter()
            .map(|(name, value)| (name.into(), Json::String(value.into())))
            .collect(),
    )
}

/// `application/x-www-form-urlencoded` of `fields`, as `URLSearchParams` writes it.
pub(crate) fn form_urlencoded(fields: &[(String, String)]) -> String {
    let mut encoded = String::new();
    for (index, (name, value)) in fields.iter().enumerate() {
        if index > 0 {
            encoded.push('&');
        }
        encode_form_component(name, &mut encoded);
        encoded.push('=');
        encode_form_component(value, &mut encoded);
    }
    encoded
}

fn encode_form_component(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_body_or_a_header_value() {
        let printed = format!(
            "{:?}",
            ApiRequest::post("v1/x/")
                .json_fields([("password", "hunter2")])
                .header("X-Api-Key", "k3y"),
        );
        for secret in ["hunter2", "k3y"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("<redacted>"), "{printed}");
    }

    #[test]
    fn forms_are_encoded_as_url_search_params_does() {
        let fields = [
            ("name".to_owned(), "Ada Lovelace".to_owned()),
            ("note".to_owned(), "a&b=c/é*~".to_owned()),
        ];
        assert_eq!(
            form_urlencoded(&fields),
            "name=Ada+Lovelace&note=a%26b%3Dc%2F%C3%A9*%7E"
        );
        assert_eq!(form_urlencoded(&[]), "");
    }

    #[test]
    fn bodies_name_their_content_type_unless_the_browser_must() {
        assert_eq!(
            Body::Json("{}".into()).content_type(),
            Some("application/json")
        );
        assert_eq!(
            Body::Form(Vec::new()).content_type(),
            Some("application/x-www-form-urlencoded")
        );
        let bytes = Body::Bytes {
            bytes: vec![1],
            content_type: "image/png".into(),
        };
        assert_eq!(bytes.content_type(), Some("image/png"));
    }

    #[test]
    fn headers_are_found_whatever_their_case() {
        let request = ApiRequest::get("x").header("content-type", "text/csv");
        assert_eq!(request.header_value("Content-Type"), Some("text/csv"));
        assert_eq!(request.header_value("Accept"), None);
    }
}
