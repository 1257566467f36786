//! The `simplejwt` URL layout: SimpleJWT's own views at the URLs its documentation gives,
//! without djoser, and the user endpoint a project writes for itself (`GET me/`, a DRF
//! `APIView` with `IsAuthenticated`). There is no registration.

use axum::extract::State;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::{jwt, jwt_view, View};
use crate::auth::Authenticated;
use crate::config::LoginField;
use crate::errors::ApiError;
use crate::state::AppState;

pub const TOKEN: &str = "/api/token/";
pub const TOKEN_REFRESH: &str = "/api/token/refresh/";
pub const TOKEN_VERIFY: &str = "/api/token/verify/";
pub const TOKEN_BLACKLIST: &str = "/api/token/blacklist/";
pub const ME: &str = "/api/me/";

/// Every path of the layout. They are routed with `path()`, so an unslashed one is
/// redirected to its slashed form.
pub const PATHS: [&str; 5] = [TOKEN, TOKEN_REFRESH, TOKEN_VERIFY, TOKEN_BLACKLIST, ME];

/// The backend's `MeView`, named after its class, described by its docstring.
pub const ME_VIEW: View = View {
    name: "Me",
    description: "The signed-in user.",
    allow: "GET, HEAD, OPTIONS",
};

/// `{"id","username","email"}` for Django's `User`.
#[derive(Serialize)]
struct UsernameUser<'a> {
    id: i64,
    username: &'a str,
    email: &'a str,
}

/// `{"id","email","display_name"}` for the email-login user model.
#[derive(Serialize)]
struct EmailUser<'a> {
    id: i64,
    email: &'a str,
    display_name: &'a str,
}

/// The layout's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(TOKEN, jwt_view(jwt::CREATE, jwt::create))
        .route(TOKEN_REFRESH, jwt_view(jwt::REFRESH, jwt::refresh))
        .route(TOKEN_VERIFY, jwt_view(jwt::VERIFY, jwt::verify))
        .route(TOKEN_BLACKLIST, jwt_view(jwt::BLACKLIST, jwt::blacklist))
        .route(ME, ME_VIEW.wrap(get(me).fallback(me_other_method)))
}

/// `GET me/`: the signed-in user.
async fn me(State(state): State<AppState>, auth: Authenticated) -> Result<Response, ApiError> {
    let user = auth.require()?;
    Ok(match state.login_field() {
        LoginField::Username => Json(UsernameUser {
            id: user.id,
            username: &user.username,
            email: &user.email,
        })
        .into_response(),
        LoginField::Email => Json(EmailUser {
            id: user.id,
            email: &user.email,
            display_name: &user.display_name,
        })
        .into_response(),
    })
}

/// Other methods on `me/`: authenticated first (the view's permission runs before its
/// method lookup), then metadata or 405.
async fn me_other_method(auth: Authenticated, method: Method) -> Result<Response, ApiError> {
    auth.require()?;
    Ok(ME_VIEW.other_method(&method))
}
