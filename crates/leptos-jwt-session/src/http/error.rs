//! The client's one error type: a stable code to match or translate, and a message in English
//! for apps that show it as it is.

use crate::json::Json;

/// Everything an API call can end in other than success.
///
/// `Display` is a message for the user in English; [`ApiError::code`] is a stable code to look up
/// your own text (see the README's "Errors in your language"); match on the variant to decide
/// what to do. Server texts (`detail`, field messages) are Django's, translated where Django is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// No answer at all: offline, DNS, CORS, server down. The session is kept.
    #[error("Can't reach the server. Check your connection and try again.")]
    Network,
    /// No answer in time; the request was abandoned.
    #[error("The server did not answer in time. Try again.")]
    Timeout,
    /// Another tab held the session's lock for longer than any write may take (it hangs, or its
    /// storage has stalled); nothing was sent, and the session is kept.
    #[error("The session is busy in another tab. Try again in a moment.")]
    LockTimeout,
    /// The caller aborted the request ([`ApiRequest::abort_signal`](crate::ApiRequest::abort_signal)).
    #[error("The request was cancelled.")]
    Aborted,
    /// A 401 that refreshing cannot fix: wrong credentials, or no credentials.
    #[error("{}", .detail.as_deref().unwrap_or("Authentication failed."))]
    Unauthorized {
        /// The server's `detail`, translated in a localized Django.
        detail: Option<String>,
        /// DRF's error `code`, when there is one.
        code: Option<String>,
    },
    /// The session has ended (the refresh token was refused, or nobody is logged in): the user
    /// has to log in again.
    #[error("Your session has ended. Please log in again.")]
    SessionExpired,
    /// A 400 naming the fields that are wrong.
    #[error("{}", .0.summary())]
    Fields(FieldErrors),
    /// A 429; `retry_after_s` from the `Retry-After` header when it is in seconds.
    #[error("Too many requests. Try again in a moment.")]
    RateLimited {
        /// The `Retry-After` header in seconds, if the server sent one.
        retry_after_s: Option<u32>,
    },
    /// A 5xx.
    #[error("The server had a problem (HTTP {status}). Try again in a moment.")]
    Server {
        /// The HTTP status.
        status: u16,
    },
    /// Any other refusal (403, 404, 405, 415 …), with the server's `detail` when it sent one.
    #[error("{}", .detail.as_deref().unwrap_or("The request was refused."))]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The server's `detail`.
        detail: Option<String>,
    },
    /// A success whose body is not what the API promises; the text says what was wrong, for
    /// logs.
    #[error("The server sent an answer this app does not understand.")]
    Decode(String),
    /// The path is no URL the browser can fetch; nothing was sent.
    #[error("This app asked for an address that is not valid.")]
    InvalidUrl {
        /// The path as given.
        path: String,
    },
    /// The configured wire has no endpoint for this call (registration with plain SimpleJWT,
    /// say); nothing was sent.
    #[error("This server does not offer that.")]
    NotOffered {
        /// Which endpoint is missing.
        endpoint: &'static str,
    },
    /// The part of the app that provided the auth layer was unmounted before the request was
    /// sent; nothing was sent.
    #[error("This request was stopped because the page that made it has closed.")]
    Stopped,
    /// The client was called during a server's render: it sends from the browser only (a server
    /// function sends as the visitor with `server::ServerSession`, feature `ssr`); nothing was
    /// sent.
    #[error("This request can only be sent from the browser.")]
    NotInBrowser,
}

impl ApiError {
    /// A stable code for the kind of error, in `snake_case`: what to translate, log or count.
    /// The codes never change meaning; new kinds get new codes.
    ///
    /// ```
    /// use leptos_jwt_session::ApiError;
    /// assert_eq!(ApiError::Network.code(), "network");
    /// assert_eq!(ApiError::Server { status: 502 }.code(), "server");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::LockTimeout => "lock_timeout",
            Self::Aborted => "aborted",
            Self::Unauthorized { .. } => "unauthorized",
            Self::SessionExpired => "session_expired",
            Self::Fields(_) => "fields",
            Self::RateLimited { .. } => "rate_limited",
            Self::Server { .. } => "server",
            Self::Rejected { .. } => "rejected",
            Self::Decode(_) => "decode",
            Self::InvalidUrl { .. } => "invalid_url",
            Self::NotOffered { .. } => "not_offered",
            Self::Stopped => "stopped",
            Self::NotInBrowser => "not_in_browser",
        }
    }
}

/// Result alias for the API layer.
pub type ApiResult<T> = Result<T, ApiError>;

/// A DRF validation body: field name to messages, in the server's order. `non_field_errors` and
/// `detail` go to `general`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldErrors {
    /// Each refused field with its messages.
    pub fields: Vec<(String, Vec<String>)>,
    /// Messages about the request as a whole.
    pub general: Vec<String>,
}

impl FieldErrors {
    /// The messages for one field, joined, if it has any.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, messages)| messages.join(" "))
    }

    /// One line for places that show a single message.
    #[must_use]
    pub fn summary(&self) -> String {
        if let Some(first) = self.general.first() {
            return first.clone();
        }
        match self.fields.as_slice() {
            [(field, messages)] => format!("{}: {}", field, messages.join(" ")),
            _ => "Please correct the highlighted fields.".to_owned(),
        }
    }
}

/// DRF's `{"detail": …, "code": …}`.
struct DetailBody {
    detail: String,
    code: Option<String>,
}

impl DetailBody {
    fn parse(body: &str) -> Option<Self> {
        let json = Json::parse(body).ok()?;
        Some(Self {
            detail: json.field("detail", Json::as_str).ok()?.to_owned(),
            code: json
                .optional("code", Json::as_str)
                .ok()
                .flatten()
                .map(str::to_owned),
        })
    }
}

/// Whether a 401 body says the token is bad (expired, invalid, wrong type): the only 401 that a
/// refresh can fix. Bad credentials and missing credentials carry no `code`.
pub(crate) fn is_token_not_valid(body: &str) -> bool {
    DetailBody::parse(body).is_some_and(|b| b.code.as_deref() == Some("token_not_valid"))
}

impl ApiError {
    /// The error for a non-2xx answer.
    pub(crate) fn from_response(status: u16, body: &str, retry_after: Option<&str>) -> Self {
        match status {
            400 => Self::Fields(parse_field_errors(body)),
            401 => match DetailBody::parse(body) {
                Some(DetailBody { detail, code }) => Self::Unauthorized {
                    detail: Some(detail),
                    code,
                },
                None => Self::Unauthorized {
                    detail: None,
                    code: None,
                },
            },
            429 => Self::RateLimited {
                retry_after_s: retry_after.and_then(|v| v.trim().parse().ok()),
            },
            500..=599 => Self::Server { status },
            _ => Self::Rejected {
                status,
                detail: DetailBody::parse(body).map(|d| d.detail),
            },
        }
    }

    /// Whether the failure says nothing about the session: the request may be tried again.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Network
                | Self::Timeout
                | Self::LockTimeout
                | Self::Server { .. }
                | Self::RateLimited { .. }
        )
    }
}

fn parse_field_errors(body: &str) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let Ok(Json::Object(members)) = Json::parse(body) else {
        errors
            .general
            .push("The request was refused as invalid.".into());
        return errors;
    };
    for (key, value) in members {
        let messages: Vec<String> = match value {
            Json::String(text) => vec![text],
            Json::Array(items) => items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect(),
            _ => continue,
        };
        if key == "detail" || key == "non_field_errors" {
            errors.general.extend(messages);
        } else {
            match errors.fields.iter_mut().find(|(field, _)| *field == key) {
                // A repeated key reads as its last value, as JSON.parse has it.
                Some((_, existing)) => *existing = messages,
                None => errors.fields.push((key, messages)),
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_maps_become_field_errors() {
        let error = ApiError::from_response(
            400,
            r#"{"username":["This field is required."],"password":["This field is required."]}"#,
            None,
        );
        let ApiError::Fields(fields) = error else {
            panic!("expected field errors")
        };
        assert_eq!(
            fields.field("username").as_deref(),
            Some("This field is required.")
        );
        assert_eq!(fields.field("email"), None);
        assert_eq!(fields.summary(), "Please correct the highlighted fields.");
    }

    #[test]
    fn a_parse_error_detail_is_general() {
        let ApiError::Fields(fields) =
            ApiError::from_response(400, r#"{"detail":"JSON parse error - x"}"#, None)
        else {
            panic!("expected field errors")
        };
        assert_eq!(fields.summary(), "JSON parse error - x");
    }

    #[test]
    fn bad_credentials_show_the_servers_detail() {
        let error = ApiError::from_response(
            401,
            r#"{"detail":"No active account found with the given credentials"}"#,
            None,
        );
        assert_eq!(
            error.to_string(),
            "No active account found with the given credentials"
        );
    }

    #[test]
    fn only_token_not_valid_is_refreshable() {
        assert!(is_token_not_valid(
            r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[]}"#
        ));
        assert!(!is_token_not_valid(
            r#"{"detail":"Authentication credentials were not provided."}"#
        ));
        assert!(!is_token_not_valid("<html>"));
    }

    #[test]
    fn statuses_map_to_kinds() {
        assert_eq!(
            ApiError::from_response(503, "", None),
            ApiError::Server { status: 503 }
        );
        assert_eq!(
            ApiError::from_response(429, "{}", Some("7")),
            ApiError::RateLimited {
                retry_after_s: Some(7)
            }
        );
        assert_eq!(
            ApiError::from_response(405, r#"{"detail":"Method \"GET\" not allowed."}"#, None),
            ApiError::Rejected {
                status: 405,
                detail: Some("Method \"GET\" not allowed.".into())
            }
        );
        assert!(matches!(
            ApiError::from_response(404, "<html>", None),
            ApiError::Rejected { status: 404, .. }
        ));
        assert!(ApiError::Network.is_transient());
        assert!(!ApiError::SessionExpired.is_transient());
    }

    #[test]
    fn the_english_message_is_only_display() {
        let refused = ApiError::from_response(403, "<html>", None);
        assert_eq!(
            refused,
            ApiError::Rejected {
                status: 403,
                detail: None
            }
        );
        assert_eq!(refused.code(), "rejected");
        assert_eq!(refused.to_string(), "The request was refused.");
        let wrong = ApiError::from_response(401, "", None);
        assert_eq!(wrong.to_string(), "Authentication failed.");
    }
}
