//! One HTTP exchange over the browser's Fetch API, read to the end, with a timeout and the
//! caller's abort. No auth logic here: this is where every request of the layer leaves.
//!
//! On web-sys directly rather than gloo-net: neither gloo-net's builder nor web-sys's
//! `RequestInit` sets `keepalive`, and gloo-net's wrappers add code for what is here a dozen
//! calls.

use futures::future::{select, Either};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Headers, RequestInit, Response};

use crate::http::error::{ApiError, ApiResult};
use crate::http::request::{form_urlencoded, Body, FetchCredentials, HttpMethod};
use crate::http::response::ApiResponse;

/// Everything needed to send a request once. No `Debug`: it holds the body (a password, say)
/// and the token.
pub(crate) struct Exchange<'a> {
    pub window: &'a web_sys::Window,
    pub method: HttpMethod,
    pub url: &'a str,
    pub headers: &'a [(String, String)],
    pub body: Option<&'a Body>,
    /// The whole `Authorization` value (`Bearer <token>`), if any.
    pub authorization: Option<&'a str>,
    /// Extra headers the layer adds (`X-CSRFToken`), unless the caller set them.
    pub layer_headers: &'a [(String, String)],
    pub credentials: FetchCredentials,
    pub keepalive: bool,
    pub timeout_ms: u32,
    pub abort: Option<&'a AbortSignal>,
}

impl Exchange<'_> {
    /// Sends the request and reads the whole answer. Fails only when no answer came.
    pub(crate) async fn send(self) -> ApiResult<ApiResponse> {
        let controller = AbortController::new().map_err(|_| ApiError::Network)?;
        let request = self.build(&controller.signal())?;
        // The caller's abort stops this exchange too; the listener goes with the exchange.
        let _forward = self.abort.map(|signal| {
            let controller = controller.clone();
            if signal.aborted() {
                controller.abort();
            }
            gloo_events::EventListener::once(signal, "abort", move |_| controller.abort())
        });
        let answer = Box::pin(read_answer(self.window.fetch_with_request(&request)));
        let deadline = Box::pin(gloo_timers::future::TimeoutFuture::new(self.timeout_ms));
        match select(answer, deadline).await {
            Either::Left((answer, _)) => answer.map_err(|_| {
                if self.abort.is_some_and(AbortSignal::aborted) {
                    ApiError::Aborted
                } else {
                    ApiError::Network
                }
            }),
            Either::Right(((), _)) => {
                controller.abort();
                Err(ApiError::Timeout)
            }
        }
    }

    fn build(&self, signal: &AbortSignal) -> ApiResult<web_sys::Request> {
        let headers = Headers::new().map_err(|_| ApiError::Network)?;
        let has = |name: &str| {
            self.headers
                .iter()
                .any(|(header, _)| header.eq_ignore_ascii_case(name))
        };
        let invalid = || ApiError::InvalidUrl {
            path: self.url.to_owned(),
        };
        // The caller's headers win over the layer's defaults.
        if !has("accept") {
            let _ = headers.set("Accept", "application/json");
        }
        if let Some(content_type) = self.body.and_then(Body::content_type) {
            if !has("content-type") {
                let _ = headers.set("Content-Type", content_type);
            }
        }
        for (name, value) in self.layer_headers {
            if !has(name) {
                let _ = headers.set(name, value);
            }
        }
        for (name, value) in self.headers {
            // A header the browser refuses (a bad name, say) is the caller's mistake to see.
            headers.append(name, value).map_err(|_| invalid())?;
        }
        if let Some(authorization) = self.authorization {
            let _ = headers.set("Authorization", authorization);
        }
        let init = RequestInit::new();
        init.set_method(self.method.as_str());
        init.set_headers(&headers);
        init.set_credentials(match self.credentials {
            FetchCredentials::Omit => web_sys::RequestCredentials::Omit,
            FetchCredentials::SameOrigin => web_sys::RequestCredentials::SameOrigin,
            FetchCredentials::Include => web_sys::RequestCredentials::Include,
        });
        if self.keepalive {
            // Not in web-sys's `RequestInit` (yet): the Fetch standard's member, set as it is.
            let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE);
        }
        init.set_signal(Some(signal));
        if let Some(body) = self.body {
            init.set_body(&body_value(body));
        }
        web_sys::Request::new_with_str_and_init(self.url, &init).map_err(|_| invalid())
    }
}

/// The body as the Fetch API takes it.
fn body_value(body: &Body) -> JsValue {
    match body {
        Body::Json(text) => JsValue::from_str(text),
        Body::Form(fields) => JsValue::from_str(&form_urlencoded(fields)),
        Body::FormData(form) => form.into(),
        Body::Bytes { bytes, .. } => Uint8Array::from(bytes.as_slice()).into(),
    }
}

/// Waits for the answer and reads it whole: status, headers, body bytes.
async fn read_answer(fetching: js_sys::Promise) -> Result<ApiResponse, JsValue> {
    let response: Response = JsFuture::from(fetching).await?.unchecked_into();
    let body = JsFuture::from(response.array_buffer()?).await?;
    let mut headers = Vec::new();
    if let Ok(Some(entries)) = js_sys::try_iter(&response.headers()) {
        for entry in entries.flatten() {
            let pair: Array = entry.unchecked_into();
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                headers.push((name, value));
            }
        }
    }
    Ok(ApiResponse::new(
        response.status(),
        headers,
        Uint8Array::new(&body).to_vec(),
    ))
}
