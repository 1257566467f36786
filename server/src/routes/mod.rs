//! The `/api/` routes and what answers everything else: trailing-slash redirects,
//! Django's 404 page and, with `--static-dir`, the single-page app.

pub mod jwt;
pub mod rest_auth;
pub mod simplejwt;
pub mod static_site;
pub mod users;

use axum::extract::{Request, State};
use axum::http::header::{ALLOW, CONTENT_TYPE, LOCATION, VARY};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde::Serialize;

use crate::config::UrlLayout;
use crate::errors::ApiError;
use crate::state::AppState;

pub const JWT_CREATE: &str = "/api/v1/auth/jwt/create/";
pub const JWT_REFRESH: &str = "/api/v1/auth/jwt/refresh/";
pub const JWT_VERIFY: &str = "/api/v1/auth/jwt/verify/";
pub const JWT_BLACKLIST: &str = "/api/v1/auth/jwt/blacklist/";
pub const USERS: &str = "/api/v1/auth/users/";
pub const USERS_ME: &str = "/api/v1/auth/users/me/";
pub const USERS_SET_PASSWORD: &str = "/api/v1/auth/users/set_password/";

/// Every djoser API path; an unslashed one is redirected here (except the three that
/// [`api`] serves without their slash).
pub const API_PATHS: [&str; 7] = [
    JWT_CREATE,
    JWT_REFRESH,
    JWT_VERIFY,
    JWT_BLACKLIST,
    USERS,
    USERS_ME,
    USERS_SET_PASSWORD,
];

/// Django's `text/html` type of its own pages: 404s, redirects, preflight answers.
pub const DJANGO_HTML: &str = "text/html; charset=utf-8";

/// Django's 404 page (`DEBUG = False`) for a URL no route matches. Views themselves answer
/// DRF's JSON 404 instead.
const NOT_FOUND_PAGE: &str = "\n<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n";

/// What DRF's `OPTIONS` (metadata) response and `Allow` header say about a view.
#[derive(Debug, Clone, Copy)]
pub struct View {
    pub name: &'static str,
    pub description: &'static str,
    /// The `Allow` header, in DRF's order.
    pub allow: &'static str,
}

#[derive(Serialize)]
struct Metadata {
    name: &'static str,
    description: &'static str,
    renders: [&'static str; 1],
    parses: [&'static str; 2],
}

impl View {
    /// DRF's `SimpleMetadata` for an `OPTIONS` request (without the `actions` form).
    pub fn metadata(self) -> Response {
        Json(Metadata {
            name: self.name,
            description: self.description,
            renders: ["application/json"],
            parses: ["application/json", "application/x-www-form-urlencoded"],
        })
        .into_response()
    }

    /// What a method the view has no handler for gets: metadata for `OPTIONS`, else 405.
    pub fn other_method(self, method: &Method) -> Response {
        if method == Method::OPTIONS {
            self.metadata()
        } else {
            ApiError::MethodNotAllowed {
                method: method.to_string(),
                allow: self.allow,
            }
            .into_response()
        }
    }

    /// Wraps a view's routes with the headers DRF adds to every view response:
    /// `Allow` and `Vary: Accept`.
    pub fn wrap(self, router: MethodRouter<AppState>) -> MethodRouter<AppState> {
        let allow = self.allow;
        router.layer(map_response(move |mut response: Response| async move {
            let headers = response.headers_mut();
            headers.insert(ALLOW, HeaderValue::from_static(allow));
            headers.insert(VARY, HeaderValue::from_static("Accept"));
            response
        }))
    }
}

/// A POST-only SimpleJWT view (`authentication_classes = ()`).
pub(crate) fn jwt_view<H, T>(view: View, handler: H) -> MethodRouter<AppState>
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    view.wrap(
        post(handler).fallback(move |method: Method| async move { view.other_method(&method) }),
    )
}

/// The API router of a URL layout (paths include `/api/`).
pub fn api(layout: UrlLayout) -> Router<AppState> {
    match layout {
        UrlLayout::Djoser => djoser(),
        UrlLayout::SimpleJwt => simplejwt::routes(),
        UrlLayout::RestAuth => rest_auth::routes(),
    }
}

/// The paths an unslashed request is redirected to (Django's `APPEND_SLASH`): those a
/// layout routes with `path()`, which needs the slash.
fn slashed_paths(layout: UrlLayout) -> &'static [&'static str] {
    match layout {
        UrlLayout::Djoser => &API_PATHS,
        UrlLayout::SimpleJwt => &simplejwt::PATHS,
        UrlLayout::RestAuth => &[],
    }
}

/// djoser's routes.
fn djoser() -> Router<AppState> {
    // djoser routes these three with `re_path(r"^jwt/create/?")`: the slash is optional,
    // so they answer without it instead of redirecting.
    let unslashed = |path: &'static str| path.trim_end_matches('/');
    Router::new()
        .route(JWT_CREATE, jwt_view(jwt::CREATE, jwt::create))
        .route(unslashed(JWT_CREATE), jwt_view(jwt::CREATE, jwt::create))
        .route(JWT_REFRESH, jwt_view(jwt::REFRESH, jwt::refresh))
        .route(unslashed(JWT_REFRESH), jwt_view(jwt::REFRESH, jwt::refresh))
        .route(JWT_VERIFY, jwt_view(jwt::VERIFY, jwt::verify))
        .route(unslashed(JWT_VERIFY), jwt_view(jwt::VERIFY, jwt::verify))
        .route(JWT_BLACKLIST, jwt_view(jwt::BLACKLIST, jwt::blacklist))
        .route(
            USERS,
            users::LIST.wrap(
                get(users::list)
                    .post(users::register)
                    .fallback(users::list_other_method),
            ),
        )
        .route(
            USERS_ME,
            users::ME.wrap(
                get(users::me)
                    .put(users::update_me)
                    .patch(users::update_me)
                    .delete(users::delete_me)
                    .fallback(users::me_other_method),
            ),
        )
        .route(
            USERS_SET_PASSWORD,
            users::SET_PASSWORD
                .wrap(post(users::set_password).fallback(users::set_password_other_method)),
        )
}

/// Everything no route matched: a 301 to the slashed API path, Django's 404 page under
/// `/api/`, else the single-page app (or that 404 page without one).
pub async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        if !path.ends_with('/') {
            let slashed = format!("{path}/");
            if slashed_paths(state.url_layout()).contains(&slashed.as_str()) {
                let location = match request.uri().query() {
                    Some(query) => format!("{slashed}?{query}"),
                    None => slashed,
                };
                return redirect(&location);
            }
        }
        return page_not_found();
    }
    match state.static_files() {
        Some(files) => static_site::serve(files, request).await,
        None => page_not_found(),
    }
}

/// Django's 404 page.
pub fn page_not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(CONTENT_TYPE, DJANGO_HTML)],
        NOT_FOUND_PAGE,
    )
        .into_response()
}

/// Django's `HttpResponsePermanentRedirect`: 301, `Location`, an empty HTML body.
fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut response = StatusCode::MOVED_PERMANENTLY.into_response();
            let headers = response.headers_mut();
            headers.insert(LOCATION, value);
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(DJANGO_HTML));
            response
        }
        Err(_) => page_not_found(),
    }
}
