//! CORS the way django-cors-headers answers it.
//!
//! A preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered 200 with an
//! empty body before any view runs, whatever the origin. Every response gets
//! `Vary: origin`; only allowed origins get `Access-Control-Allow-Origin` (the request's
//! own origin, or `*` when any origin is allowed, which `--cors-credentials` refuses),
//! `Access-Control-Expose-Headers` and, with `--cors-credentials`,
//! `Access-Control-Allow-Credentials: true`, and `OPTIONS` responses also get the allowed headers,
//! methods and max age.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_METHOD, CONTENT_LENGTH, CONTENT_TYPE, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::routes::DJANGO_HTML;
use crate::state::AppState;

/// `CORS_ALLOW_HEADERS` default.
pub const ALLOW_HEADERS: &str =
    "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with";
/// `CORS_ALLOW_METHODS` default.
pub const ALLOW_METHODS: &str = "DELETE, GET, OPTIONS, PATCH, POST, PUT";
/// `CORS_PREFLIGHT_MAX_AGE` default.
pub const MAX_AGE: &str = "86400";

/// Whether a request is a CORS preflight.
pub fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
}

/// The CORS middleware.
pub async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(ORIGIN).cloned();
    let is_options = request.method() == Method::OPTIONS;
    let mut response = if is_preflight(request.method(), request.headers()) {
        // Django's bare HttpResponse: an empty HTML page.
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::OK;
        let headers = response.headers_mut();
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(DJANGO_HTML));
        response
    } else {
        next.run(request).await
    };

    patch_vary(response.headers_mut(), "origin");
    let allowed = origin.filter(|origin| origin.to_str().is_ok_and(|o| state.cors().allows(o)));
    if let Some(origin) = allowed {
        let headers = response.headers_mut();
        if state.cors().allows_any() {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        } else {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        // Not django-cors-headers' default (it exposes nothing): without it a client on another
        // origin cannot read Retry-After and cannot honour a 429. A Django deployment adds
        // CORS_EXPOSE_HEADERS = ["retry-after"] for the same (backends/django does), and then
        // every answer to an allowed origin carries it, preflights included.
        headers.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
        if state.cors().allows_credentials() {
            headers.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if is_options {
            headers.insert(
                ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOW_HEADERS),
            );
            headers.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOW_METHODS),
            );
            headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
        }
    }
    response
}

/// Django's `patch_vary_headers`: append `field` unless already listed (or `*`).
pub fn patch_vary(headers: &mut HeaderMap, field: &str) {
    let existing: Vec<String> = headers
        .get_all(VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if existing
        .iter()
        .any(|v| v == "*" || v.eq_ignore_ascii_case(field))
    {
        return;
    }
    let mut all = existing;
    all.push(field.to_owned());
    if let Ok(value) = HeaderValue::from_str(&all.join(", ")) {
        headers.insert(VARY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_is_appended_once() {
        let mut headers = HeaderMap::new();
        patch_vary(&mut headers, "origin");
        assert_eq!(headers[VARY], "origin");
        patch_vary(&mut headers, "Origin");
        assert_eq!(headers[VARY], "origin");
        let mut headers = HeaderMap::new();
        headers.insert(VARY, HeaderValue::from_static("Accept"));
        patch_vary(&mut headers, "origin");
        assert_eq!(headers[VARY], "Accept, origin");
    }
}
