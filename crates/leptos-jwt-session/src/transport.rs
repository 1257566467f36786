//! One HTTP exchange over gloo-net, read to the end, with a timeout. No auth logic here.

use futures::future::{select, Either, LocalBoxFuture};
use gloo_net::http::{Method, RequestBuilder};

use std::fmt;

use crate::error::{ApiError, ApiResult};
use crate::json::{Json, JsonError};

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    fn to_gloo(self) -> Method {
        match self {
            Self::Get => Method::GET,
            Self::Post => Method::POST,
            Self::Put => Method::PUT,
            Self::Patch => Method::PATCH,
            Self::Delete => Method::DELETE,
        }
    }
}

/// A whole answer: status and body text, read before any decision is made about it.
///
/// `Debug` shows the body's length, not the body: the token endpoints answer with tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body, as text.
    pub body: String,
    /// The `Retry-After` header, for 429 and 503.
    pub retry_after: Option<String>,
}

impl fmt::Debug for ApiResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiResponse")
            .field("status", &self.status)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("retry_after", &self.retry_after)
            .finish()
    }
}

impl ApiResponse {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body read by `read` for a 2xx, the matching [`ApiError`] otherwise.
    pub(crate) fn read_json<T>(
        &self,
        read: impl FnOnce(&Json) -> Result<T, JsonError>,
    ) -> ApiResult<T> {
        self.ok()?;
        Json::parse(&self.body)
            .and_then(|json| read(&json))
            .map_err(|e| ApiError::Decode(e.to_string()))
    }

    /// The body as `T` (serde) for a 2xx, the matching [`ApiError`] otherwise.
    #[cfg(feature = "serde")]
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> ApiResult<T> {
        self.ok()?;
        serde_json::from_str(&self.body).map_err(|e| ApiError::Decode(e.to_string()))
    }

    /// `Ok(())` for a 2xx, the matching [`ApiError`] otherwise.
    pub fn ok(&self) -> ApiResult<()> {
        if self.is_success() {
            Ok(())
        } else {
            Err(ApiError::from_response(
                self.status,
                &self.body,
                self.retry_after.as_deref(),
            ))
        }
    }
}

/// Everything needed to send a request once. No `Debug`: it holds the body (a password, say)
/// and the token.
#[derive(Clone, Copy)]
pub(crate) struct Exchange<'a> {
    pub method: HttpMethod,
    pub url: &'a str,
    pub headers: &'a [(String, String)],
    pub body: Option<&'a str>,
    /// The whole `Authorization` value (`Bearer <token>`), if any.
    pub authorization: Option<&'a str>,
    pub timeout_ms: u32,
}

impl<'a> Exchange<'a> {
    /// Sends the request and reads the whole answer. Fails only when no answer came. Boxed, so
    /// that its state machine exists once, whoever sends.
    pub fn send(self) -> LocalBoxFuture<'a, ApiResult<ApiResponse>> {
        Box::pin(self.send_now())
    }

    async fn send_now(self) -> ApiResult<ApiResponse> {
        let abort = web_sys::AbortController::new().map_err(|_| ApiError::Network)?;
        let mut builder = RequestBuilder::new(self.url)
            .method(self.method.to_gloo())
            .header("Accept", "application/json")
            .abort_signal(Some(&abort.signal()));
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        if let Some(authorization) = self.authorization {
            builder = builder.header("Authorization", authorization);
        }
        let request = match self.body {
            Some(body) => builder
                .header("Content-Type", "application/json")
                .body(body.to_owned())
                .map_err(|_| ApiError::Network)?,
            None => builder.build().map_err(|_| ApiError::Network)?,
        };
        let exchange = Box::pin(async move {
            let response = request.send().await.map_err(|_| ApiError::Network)?;
            let body = response.text().await.map_err(|_| ApiError::Network)?;
            Ok(ApiResponse {
                status: response.status(),
                body,
                retry_after: response.headers().get("Retry-After"),
            })
        });
        let deadline = Box::pin(gloo_timers::future::TimeoutFuture::new(self.timeout_ms));
        match select(exchange, deadline).await {
            Either::Left((answer, _)) => answer,
            Either::Right(((), _)) => {
                abort.abort();
                Err(ApiError::Timeout)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_body_length_not_the_body() {
        let login_answer = ApiResponse {
            status: 200,
            body: r#"{"refresh":"secret.refresh.token","access":"secret.access.token"}"#.into(),
            retry_after: None,
        };
        let printed = format!("{login_answer:?}");
        assert!(!printed.contains("secret"), "{printed}");
        assert!(
            printed.contains("200") && printed.contains("bytes"),
            "{printed}"
        );
    }
}
