//! What the client sends: a request it can send twice, and the bodies of djoser's own calls.
//! `Debug` of each shows neither passwords nor tokens.

use std::fmt;

use crate::json::Json;
use crate::token::Redacted;
use crate::transport::HttpMethod;

/// A request the client can send twice (the second time after a refresh): method, path,
/// headers and body bytes are kept.
///
/// ```
/// use leptos_jwt_session::ApiRequest;
///
/// let request = ApiRequest::post("v1/orders/")
///     .json_fields([("item", "book"), ("note", "gift")])
///     .header("X-Request-Id", "42");
/// assert_eq!(request.path(), "v1/orders/");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiRequest {
    pub(crate) method: HttpMethod,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<String>,
    pub(crate) skip_auth: bool,
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
            .finish()
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
        }
    }

    /// `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Get, path)
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
    #[cfg(feature = "serde")]
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Result<Self, crate::ApiError> {
        self.body =
            Some(serde_json::to_string(body).map_err(|e| crate::ApiError::Decode(e.to_string()))?);
        Ok(self)
    }

    /// A JSON object of string fields as the body, e.g. `[("email", "a@example.com")]`: what
    /// most djoser calls take, without serde.
    pub fn json_fields<I, K, V>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.body = Some(object_of_strings(fields).to_string());
        self
    }

    /// A body that is already JSON text (made with the JSON library of your choice).
    pub fn json_text(mut self, json: impl Into<String>) -> Self {
        self.body = Some(json.into());
        self
    }

    /// Adds a header. `Authorization` is the client's to set under the API base.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends without a token and never refreshes (registration, public endpoints).
    pub fn skip_auth(mut self) -> Self {
        self.skip_auth = true;
        self
    }

    /// The method.
    pub fn method(&self) -> HttpMethod {
        self.method
    }

    /// The path (or URL) as given.
    pub fn path(&self) -> &str {
        &self.path
    }
}

fn object_of_strings<I, K, V>(fields: I) -> Json
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

/// What a login sends to `jwt/create/`: the login field (named by
/// [`AuthConfig::login_field`](crate::AuthConfig::login_field)), the password, and any extra
/// fields your login serializer takes.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub(crate) login: String,
    pub(crate) password: String,
    pub(crate) extra: Vec<(String, String)>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra: Vec<_> = self.extra.iter().map(|(name, _)| name).collect();
        f.debug_struct("Credentials")
            .field("login", &self.login)
            .field("password", &Redacted)
            .field("extra", &extra)
            .finish()
    }
}

impl Credentials {
    /// The value of the login field (a username, or an email address) and the password.
    pub fn new(login: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            login: login.into(),
            password: password.into(),
            extra: Vec::new(),
        }
    }

    /// One more field for the login serializer (a one-time code, say). Its value never shows in
    /// `Debug`.
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// The login value.
    pub fn login(&self) -> &str {
        &self.login
    }

    pub(crate) fn body(&self, login_field: &str) -> Json {
        let fields = [
            (login_field.to_owned(), self.login.clone()),
            ("password".to_owned(), self.password.clone()),
        ];
        object_of_strings(fields.into_iter().chain(self.extra.iter().cloned()))
    }
}

/// What registration sends to djoser's `POST users/`: the login field, the password, and the
/// user model's other fields (`REQUIRED_FIELDS`: `email` for Django's own user, or your own).
#[derive(Clone, PartialEq, Eq)]
pub struct Registration {
    credentials: Credentials,
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<_> = self.credentials.extra.iter().collect();
        f.debug_struct("Registration")
            .field("login", &self.credentials.login)
            .field("password", &Redacted)
            .field("fields", &fields)
            .finish()
    }
}

impl Registration {
    /// The new account's login value and password.
    pub fn new(login: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            credentials: Credentials::new(login, password),
        }
    }

    /// Another field of the user model (`email`, `display_name` …).
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.credentials.extra.push((name.into(), value.into()));
        self
    }

    pub(crate) fn body(&self, login_field: &str) -> Json {
        self.credentials.body(login_field)
    }

    /// What logs the new account in.
    pub(crate) fn credentials(&self) -> Credentials {
        Credentials::new(
            self.credentials.login.clone(),
            self.credentials.password.clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_bodies_use_the_configured_field() {
        let credentials = Credentials::new("demo@example.com", "secret").with_field("otp", "123");
        assert_eq!(
            credentials.body("email").to_string(),
            r#"{"email":"demo@example.com","password":"secret","otp":"123"}"#
        );
        assert_eq!(
            Registration::new("alice", "pw")
                .with_field("email", "")
                .body("username")
                .to_string(),
            r#"{"username":"alice","password":"pw","email":""}"#
        );
    }

    #[test]
    fn debug_never_shows_a_password_a_body_or_a_header_value() {
        let printed = format!(
            "{:?} {:?} {:?}",
            Credentials::new("demo", "hunter2").with_field("otp", "987654"),
            Registration::new("alice", "hunter2").with_field("email", "a@example.com"),
            ApiRequest::post("v1/x/")
                .json_fields([("password", "hunter2")])
                .header("X-Api-Key", "k3y"),
        );
        for secret in ["hunter2", "987654", "k3y"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(
            printed.contains("demo") && printed.contains("<redacted>"),
            "{printed}"
        );
    }
}
