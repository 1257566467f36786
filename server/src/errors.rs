//! The HTTP layer's error: every variant renders the exact status, body and headers
//! that Django REST framework and SimpleJWT send for the same failure.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::db::DbError;
use crate::passwords::PasswordError;
use crate::tokens::TokenError;

/// `WWW-Authenticate` on every 401, from `JWTAuthentication.authenticate_header`.
pub const WWW_AUTHENTICATE: &str = r#"Bearer realm="api""#;

/// The largest request body read (64 KiB); more is answered with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Per-field validation messages in serializer field order, rendered as a JSON object
/// (`{"username":["This field is required."],...}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(String, Vec<String>)>);

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds messages for `field` (appending if it already has some).
    pub fn add(&mut self, field: &str, messages: Vec<String>) {
        if messages.is_empty() {
            return;
        }
        match self.0.iter_mut().find(|(name, _)| name == field) {
            Some((_, existing)) => existing.extend(messages),
            None => self.0.push((field.to_owned(), messages)),
        }
    }

    /// A single message for a single field.
    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, vec![message.into()]);
        errors
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Err(ApiError::Validation)` if there are any.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self))
        }
    }
}

impl Serialize for FieldErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (field, messages) in &self.0 {
            map.serialize_entry(field, messages)?;
        }
        map.end()
    }
}

/// Everything an API request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with per-field messages.
    #[error("invalid input")]
    Validation(FieldErrors),
    /// 400 `{"detail":"JSON parse error - ..."}`.
    #[error("JSON parse error - {0}")]
    JsonParse(String),
    /// 400 `["Unable to create account."]`: djoser's answer when the user insert hits a
    /// unique constraint its validators did not see coming (a concurrent registration).
    #[error("Unable to create account.")]
    CannotCreateUser,
    /// 400 when the body could not be read at all.
    #[error("could not read the request body: {0}")]
    BodyRead(String),
    /// 413 for a body over [`BODY_LIMIT`].
    #[error("request body too large")]
    PayloadTooLarge,
    /// 415 for a content type no parser handles.
    #[error("Unsupported media type \"{0}\" in request.")]
    UnsupportedMediaType(String),
    /// 405 with the view's `Allow` list.
    #[error("Method \"{method}\" not allowed.")]
    MethodNotAllowed { method: String, allow: &'static str },
    /// DRF's JSON 404 from a view. (A path no route matches gets Django's HTML 404 page
    /// instead: `routes::page_not_found`.)
    #[error("Not found.")]
    NotFound,
    /// 401 when no credentials came and the view needs them.
    #[error("Authentication credentials were not provided.")]
    NotAuthenticated,
    /// 401 from login with a wrong password or unknown user.
    #[error("No active account found with the given credentials")]
    NoActiveAccount,
    /// 401 from refresh when the token's user was deactivated.
    #[error("No active account found for the given token.")]
    NoActiveAccountForToken,
    /// 401 `{"detail":<message>,"code":"token_not_valid"}` from the jwt/* views.
    #[error("{0}")]
    Token(TokenError),
    /// 401 from Bearer authentication: "Given token not valid for any token type".
    #[error("Given token not valid for any token type: {0}")]
    AccessToken(TokenError),
    /// 401 from Bearer authentication with a SimpleJWT code, e.g. `user_not_found`.
    #[error("{detail}")]
    AuthenticationFailed {
        detail: &'static str,
        code: &'static str,
    },
    /// 403 `{"detail":"CSRF Failed: <reason>"}` from the cookie wire's CSRF check.
    #[error("CSRF Failed: {0}")]
    Csrf(crate::cookies::CsrfError),
    /// 503 when the request ran past the request timeout.
    #[error("Request timed out.")]
    Timeout,
    /// 500; the cause is logged, not sent.
    #[error("database: {0}")]
    Database(#[from] DbError),
    /// 500; the cause is logged, not sent.
    #[error("passwords: {0}")]
    Password(#[from] PasswordError),
}

#[derive(Serialize)]
struct Detail<'a> {
    detail: &'a str,
}

#[derive(Serialize)]
struct DetailCode<'a> {
    detail: &'a str,
    code: &'a str,
}

#[derive(Serialize)]
struct TokenMessage<'a> {
    token_class: &'a str,
    token_type: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct NoValidTokenType<'a> {
    detail: &'a str,
    code: &'a str,
    messages: [TokenMessage<'a>; 1],
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_)
            | Self::JsonParse(_)
            | Self::BodyRead(_)
            | Self::CannotCreateUser => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Csrf(_) => StatusCode::FORBIDDEN,
            Self::NotAuthenticated
            | Self::NoActiveAccount
            | Self::NoActiveAccountForToken
            | Self::Token(_)
            | Self::AccessToken(_)
            | Self::AuthenticationFailed { .. } => StatusCode::UNAUTHORIZED,
            Self::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(_) | Self::Password(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = match &self {
            Self::Validation(errors) => Json(errors).into_response(),
            // A ValidationError raised outside `is_valid` renders its bare message list.
            Self::CannotCreateUser => Json([self.to_string()]).into_response(),
            Self::Token(error) => Json(DetailCode {
                detail: &error.to_string(),
                code: "token_not_valid",
            })
            .into_response(),
            Self::AccessToken(error) => Json(NoValidTokenType {
                detail: "Given token not valid for any token type",
                code: "token_not_valid",
                messages: [TokenMessage {
                    token_class: "AccessToken",
                    token_type: "access",
                    message: &error.to_string(),
                }],
            })
            .into_response(),
            Self::AuthenticationFailed { detail, code } => {
                Json(DetailCode { detail, code }).into_response()
            }
            Self::BodyRead(_) => Json(Detail {
                detail: "Could not read the request body.",
            })
            .into_response(),
            Self::PayloadTooLarge => Json(Detail {
                detail: &format!("Request body exceeds the limit of {BODY_LIMIT} bytes."),
            })
            .into_response(),
            Self::Database(error) => {
                tracing::error!(%error, "request failed");
                Json(Detail {
                    detail: "A server error occurred.",
                })
                .into_response()
            }
            Self::Password(error) => {
                tracing::error!(%error, "request failed");
                Json(Detail {
                    detail: "A server error occurred.",
                })
                .into_response()
            }
            other => Json(Detail {
                detail: &other.to_string(),
            })
            .into_response(),
        };
        *response.status_mut() = status;
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(WWW_AUTHENTICATE),
            );
        }
        if let Self::MethodNotAllowed { allow, .. } = &self {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

/// DRF's JSON 404.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_keep_insertion_order() {
        let mut errors = FieldErrors::new();
        errors.add("username", vec!["a".into()]);
        errors.add("password", vec!["b".into()]);
        errors.add("username", vec!["c".into()]);
        assert_eq!(
            serde_json::to_string(&errors).expect("json"),
            r#"{"username":["a","c"],"password":["b"]}"#
        );
    }
}
