//! What a login and a registration send. `Debug` of each shows no password.

use std::fmt;

use crate::http::request::{object_of_strings, Redacted};
use crate::json::Json;

/// What a login sends to the token endpoint (djoser's `jwt/create/`, SimpleJWT's `token/`): the
/// login field (named by [`AuthConfig::login_field`](crate::AuthConfig::login_field)), the
/// password, and any extra fields your login serializer takes.
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
    #[must_use]
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// The login value.
    #[must_use]
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
    #[must_use]
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
    fn debug_never_shows_a_password() {
        let printed = format!(
            "{:?} {:?}",
            Credentials::new("demo", "hunter2").with_field("otp", "987654"),
            Registration::new("alice", "hunter2").with_field("email", "a@example.com"),
        );
        for secret in ["hunter2", "987654"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(
            printed.contains("demo") && printed.contains("<redacted>"),
            "{printed}"
        );
    }
}
