//! A small plain-http client for talking to the test server and to chromedriver from the test
//! itself (not through the browser): the test hooks, and token endpoints the browser would not
//! call the way a test needs.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, SET_COOKIE};
use hyper::{Method, Request};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// How long one request may take before the test gives up on it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// What came back: the status, the body, parsed as JSON when it is JSON, and the cookies set.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    /// `Value::Null` for an empty body; a JSON string holding the text for a body that is not
    /// JSON.
    pub body: Value,
    /// Each `Set-Cookie` header, whole (`name=value; Path=/; HttpOnly; …`).
    pub set_cookies: Vec<String>,
}

impl Answer {
    /// The `Set-Cookie` header that sets cookie `name`, if one does.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}=");
        self.set_cookies
            .iter()
            .find(|cookie| cookie.starts_with(&prefix))
            .map(String::as_str)
    }
}

/// Cheap to clone: the connection pool is shared.
#[derive(Clone, Debug)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Default for Http {
    fn default() -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build(HttpConnector::new()),
        }
    }
}

impl Http {
    /// Sends `method url` with an optional JSON body.
    ///
    /// # Errors
    ///
    /// A message naming the request when no answer came (refused, timed out, unreadable).
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        json: Option<&Value>,
    ) -> Result<Answer, String> {
        self.send_with_headers(method, url, json, &[]).await
    }

    /// [`Http::send`] with more request headers (a `Cookie`, say).
    ///
    /// # Errors
    ///
    /// As [`Http::send`].
    pub async fn send_with_headers(
        &self,
        method: Method,
        url: &str,
        json: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Answer, String> {
        let what = format!("{method} {url}");
        let mut builder = Request::builder().method(method).uri(url);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let body = match json {
            Some(json) => {
                builder = builder.header(CONTENT_TYPE, "application/json");
                Full::new(Bytes::from(json.to_string()))
            }
            None => Full::new(Bytes::new()),
        };
        let request = builder.body(body).map_err(|e| format!("{what}: {e}"))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| format!("{what}: {e}"))?;
            let status = response.status().as_u16();
            let set_cookies = response
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                .collect();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("{what}: reading the body: {e}"))?
                .to_bytes();
            Ok(Answer {
                status,
                body: parse_body(&bytes),
                set_cookies,
            })
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| format!("{what}: no answer within {REQUEST_TIMEOUT:?}"))?
    }

    /// [`Http::send`] for a test: any failure to get an answer fails the test.
    pub async fn expect(&self, method: Method, url: &str, json: Option<&Value>) -> Answer {
        self.send(method, url, json)
            .await
            .unwrap_or_else(|error| panic!("{error}"))
    }
}

fn parse_body(bytes: &[u8]) -> Value {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}
