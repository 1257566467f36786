//! The `dj-rest-auth` URL layout: dj-rest-auth 7.2's views under `/api/auth/` with
//! `USE_JWT`, `JWT_AUTH_HTTPONLY` and `JWT_AUTH_RETURN_EXPIRATION`: the tokens travel in
//! httpOnly cookies (`crate::cookies`), the access token also in the login body.
//!
//! Its URL patterns are `re_path(r"login/?$")` and so on: each answers with and without
//! its trailing slash, and nothing redirects.

use axum::body::to_bytes;
use axum::extract::State;
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{jwt, jwt_view, users, View};
use crate::auth::Authenticated;
use crate::cookies::{
    self, new_csrf_cookie, new_session_cookie, request_cookie, SessionTouched, SetCookie,
    SESSION_COOKIE,
};
use crate::cors::patch_vary;
use crate::db::{self, User, UserNames};
use crate::errors::{self, ApiError, FieldErrors, BODY_LIMIT};
use crate::input::{self, CharField, Input, Payload, Raw};
use crate::state::AppState;

pub const LOGIN: &str = "/api/auth/login/";
pub const LOGOUT: &str = "/api/auth/logout/";
pub const USER: &str = "/api/auth/user/";
pub const TOKEN_REFRESH: &str = "/api/auth/token/refresh/";
pub const TOKEN_VERIFY: &str = "/api/auth/token/verify/";
pub const PASSWORD_CHANGE: &str = "/api/auth/password/change/";

pub const LOGIN_VIEW: View = View {
    name: "Login",
    description: "Check the credentials and return the REST Token if the credentials are valid and authenticated.",
    allow: "POST, OPTIONS",
};
pub const LOGOUT_VIEW: View = View {
    name: "Logout",
    description: "Calls Django logout method and delete the Token object assigned to the current User object.",
    allow: "GET, POST, HEAD, OPTIONS",
};
pub const USER_VIEW: View = View {
    name: "User Details",
    description: "Reads and updates UserModel fields",
    allow: "GET, PUT, PATCH, HEAD, OPTIONS",
};
pub const REFRESH_VIEW: View = View {
    name: "Refresh View With Cookie Support",
    description: "Takes a refresh type JSON web token and returns an access type JSON web token if the refresh token is valid.",
    allow: "POST, OPTIONS",
};
pub const PASSWORD_CHANGE_VIEW: View = View {
    name: "Password Change",
    description: "Calls Django Auth SetPasswordForm save method.",
    allow: "POST, OPTIONS",
};

const CANNOT_LOG_IN: &str = "Unable to log in with provided credentials.";
const PASSWORDS_DIFFER: &str = "The two password fields didn\u{2019}t match.";
/// Django's `first_name` and `last_name`: `max_length=150`.
const NAME_MAX: usize = 150;
/// `PasswordChangeSerializer`'s `max_length=128`.
const PASSWORD_MAX: usize = 128;

/// What the layout's views can fail with besides [`ApiError`].
#[derive(Debug, thiserror::Error)]
pub enum RestAuthError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// 401: `token/refresh/` got neither a body `refresh` nor the refresh cookie.
    #[error("No valid refresh token found.")]
    NoRefreshToken,
    /// 500: the refresh view's own answer could not be read back.
    #[error("unreadable refresh answer: {0}")]
    RefreshAnswer(String),
}

impl IntoResponse for RestAuthError {
    fn into_response(self) -> Response {
        match self {
            Self::Api(error) => error.into_response(),
            // `InvalidToken` without messages: detail and code, and WWW-Authenticate.
            Self::NoRefreshToken => (
                StatusCode::UNAUTHORIZED,
                [(WWW_AUTHENTICATE, errors::WWW_AUTHENTICATE)],
                Json(DetailCode {
                    detail: "No valid refresh token found.",
                    code: "token_not_valid",
                }),
            )
                .into_response(),
            Self::RefreshAnswer(_) => {
                tracing::error!(error = %self, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({"detail": "A server error occurred."})),
                )
                    .into_response()
            }
        }
    }
}

/// Marks a response that set Django's `csrftoken` cookie: `CsrfViewMiddleware`, which
/// runs inside django-cors-headers, adds `Vary: Cookie` before CORS adds `origin`.
#[derive(Debug, Clone, Copy)]
struct CsrfRotated;

/// A view of this layout: DRF's headers, plus the CSRF middleware's `Vary`.
fn view(view: View, router: MethodRouter<AppState>) -> MethodRouter<AppState> {
    view.wrap(router)
        .layer(map_response(|mut response: Response| async move {
            if response.extensions().get::<CsrfRotated>().is_some() {
                patch_vary(response.headers_mut(), "Cookie");
            }
            response
        }))
}

/// The layout's routes, each with and without its trailing slash.
pub fn routes() -> Router<AppState> {
    let user_methods = get(user)
        .put(update_user)
        .patch(update_user)
        .fallback(user_other_method);
    let routes: [(&str, MethodRouter<AppState>); 6] = [
        (
            LOGIN,
            view(LOGIN_VIEW, post(login).fallback(login_other_method)),
        ),
        (
            LOGOUT,
            view(LOGOUT_VIEW, post(logout).fallback(logout_other_method)),
        ),
        (USER, view(USER_VIEW, user_methods)),
        (TOKEN_REFRESH, jwt_view(REFRESH_VIEW, refresh)),
        (TOKEN_VERIFY, jwt_view(jwt::VERIFY, jwt::verify)),
        (
            PASSWORD_CHANGE,
            view(
                PASSWORD_CHANGE_VIEW,
                post(password_change).fallback(password_change_other_method),
            ),
        ),
    ];
    let mut router = Router::new();
    for (path, method_router) in routes {
        router = router
            .route(path, method_router.clone())
            .route(path.trim_end_matches('/'), method_router);
    }
    router
}

/// `UserDetailsSerializer` for Django's `User`.
#[derive(Serialize)]
struct UserDetails<'a> {
    pk: i64,
    username: &'a str,
    email: &'a str,
    first_name: String,
    last_name: String,
}

impl<'a> UserDetails<'a> {
    fn of(user: &'a User, names: UserNames) -> Self {
        Self {
            pk: user.id,
            username: &user.username,
            email: &user.email,
            first_name: names.first_name,
            last_name: names.last_name,
        }
    }

    async fn load(state: &AppState, user: &'a User) -> Result<Self, ApiError> {
        let id = user.id;
        let names = state
            .db()
            .call(move |conn| db::user_names(conn, id))
            .await?;
        Ok(Self::of(user, names))
    }
}

/// `JWTSerializerWithExpiration`: the refresh token stays out of the body (httpOnly).
#[derive(Serialize)]
struct LoginBody<'a> {
    access: &'a str,
    refresh: &'static str,
    user: UserDetails<'a>,
    access_expiration: String,
    refresh_expiration: String,
}

#[derive(Serialize)]
struct Detail {
    detail: &'static str,
}

#[derive(Serialize)]
struct DetailCode {
    detail: &'static str,
    code: &'static str,
}

/// The refresh answer's body (field order matters: `json!` would sort the keys).
#[derive(Serialize)]
struct Refreshed {
    access: String,
    access_expiration: String,
}

/// `POST login/`: `LoginSerializer` (`username` or `email`, and `password`), then the
/// JWT pair in cookies and the body, and Django's `login()`: a new `csrftoken` and a new
/// session. Authentication runs first, so an access cookie makes even a login pass the
/// CSRF check (when on), and an invalid one makes it a 401.
async fn login(
    State(state): State<AppState>,
    _auth: Authenticated,
    Payload(input): Payload,
) -> Result<Response, RestAuthError> {
    let Some(settings) = state.cookies() else {
        return Err(ApiError::NotFound.into());
    };
    let fields = input.fields()?;
    let mut errors = FieldErrors::new();
    let username = CharField::OPTIONAL.take(&fields, "username", &mut errors);
    let email = CharField::OPTIONAL.take(&fields, "email", &mut errors);
    if let Some(email) = email.as_deref() {
        if !email.is_empty() && !input::is_valid_email(email) {
            errors.add("email", vec!["Enter a valid email address.".to_owned()]);
        }
    }
    let password = CharField::REQUIRED.take(&fields, "password", &mut errors);
    errors.into_result()?;
    let user = authenticate(&state, username, email, password).await?;

    let pair = jwt::issue_pair(&state, &user).await?;
    let tokens = state.token_settings();
    let now = state.clock().now();
    let expiration = |lifetime| cookies::iso_datetime(now.checked_add(lifetime).unwrap_or(now));
    let body = LoginBody {
        access: &pair.access,
        refresh: "",
        user: UserDetails::load(&state, &user).await?,
        access_expiration: expiration(tokens.access_ttl),
        refresh_expiration: expiration(tokens.refresh_ttl),
    };
    let mut response = Json(body).into_response();
    let headers = response.headers_mut();
    settings
        .access(&pair.access, now, tokens.access_ttl)
        .append_to(headers);
    settings
        .refresh(&pair.refresh, now, tokens.refresh_ttl)
        .append_to(headers);
    new_csrf_cookie(now).append_to(headers);
    new_session_cookie(now).append_to(headers);
    response.extensions_mut().insert(CsrfRotated);
    response.extensions_mut().insert(SessionTouched);
    Ok(response)
}

/// `get_auth_user_using_orm`: an email names its user's username, which wins over a
/// `username` field; then Django's `authenticate` (right password, active user).
async fn authenticate(
    state: &AppState,
    username: Option<String>,
    email: Option<String>,
    password: Option<String>,
) -> Result<User, ApiError> {
    let cannot_log_in =
        || ApiError::Validation(FieldErrors::single("non_field_errors", CANNOT_LOG_IN));
    let email = email.filter(|email| !email.is_empty());
    let by_email = match email {
        Some(email) => {
            state
                .db()
                .call(move |conn| db::user_by_email(conn, &email))
                .await?
        }
        None => None,
    };
    let username = by_email
        .map(|user| user.username)
        .or(username)
        .filter(|name| !name.is_empty());
    let (Some(username), Some(password)) = (username, password) else {
        return Err(cannot_log_in());
    };
    let user = state
        .db()
        .call(move |conn| db::user_by_username(conn, &username))
        .await?;
    let hash = user.as_ref().map(|user| user.password_hash.clone());
    let matches = state.passwords().verify(password, hash).await?;
    match user {
        Some(user) if matches && user.is_active => Ok(user),
        _ => Err(cannot_log_in()),
    }
}

/// `POST logout/`: Django's `logout()` (the session cookie, if one came, is deleted),
/// both JWT cookies deleted, and the refresh cookie's token blacklisted. The refresh
/// cookie only comes when its Path covers this URL: without it the answer is a 401 that
/// still deletes both cookies, and the refresh token stays valid. These 401s carry no
/// `WWW-Authenticate`: the view sets the status itself.
async fn logout(
    State(state): State<AppState>,
    _auth: Authenticated,
    headers: HeaderMap,
) -> Result<Response, RestAuthError> {
    let Some(settings) = state.cookies() else {
        return Err(ApiError::NotFound.into());
    };
    let (status, detail) = match request_cookie(&headers, &settings.refresh_cookie) {
        None => (
            StatusCode::UNAUTHORIZED,
            "Refresh token was not included in cookie data.".to_owned(),
        ),
        Some(raw) => match jwt::verify_refresh(&state, &raw).await {
            Ok(token) => {
                jwt::blacklist_token(&state, &token).await?;
                (StatusCode::OK, "Successfully logged out.".to_owned())
            }
            Err(ApiError::Token(error)) => (StatusCode::UNAUTHORIZED, error.to_string()),
            Err(other) => return Err(other.into()),
        },
    };
    let mut response = (status, Json(json!({ "detail": detail }))).into_response();
    let response_headers = response.headers_mut();
    for cookie in settings.unset() {
        cookie.append_to(response_headers);
    }
    if request_cookie(&headers, SESSION_COOKIE).is_some() {
        SetCookie::deleted(SESSION_COOKIE, "/", cookies::SameSite::Lax).append_to(response_headers);
    }
    response.extensions_mut().insert(SessionTouched);
    Ok(response)
}

/// `GET user/`.
async fn user(State(state): State<AppState>, auth: Authenticated) -> Result<Response, ApiError> {
    let user = auth.require()?;
    Ok(Json(UserDetails::load(&state, &user).await?).into_response())
}

/// `PUT`/`PATCH user/`: `UserDetailsSerializer` writes `username` (required for `PUT`),
/// `first_name` and `last_name` (blank allowed, 150 characters at most); `pk` and
/// `email` are read-only and, like unknown keys, ignored.
async fn update_user(
    State(state): State<AppState>,
    auth: Authenticated,
    method: Method,
    Payload(input): Payload,
) -> Result<Response, ApiError> {
    let user = auth.require()?;
    let fields = input.fields()?;
    let mut errors = FieldErrors::new();
    let username_rule = if method == Method::PATCH {
        CharField::OPTIONAL_NOT_BLANK
    } else {
        CharField::REQUIRED
    };
    let username = username_rule.take(&fields, "username", &mut errors);
    if let Some(name) = username.clone() {
        let problems = users::username_problems(&state, name, Some(user.id)).await?;
        errors.add("username", problems);
    }
    let mut name_field = |field: &str| {
        let value = CharField::OPTIONAL.take(&fields, field, &mut errors);
        if let Some(problem) = value
            .as_deref()
            .and_then(|value| input::max_length_error(value, NAME_MAX))
        {
            errors.add(field, vec![problem]);
        }
        value
    };
    let first_name = name_field("first_name");
    let last_name = name_field("last_name");
    errors.into_result()?;

    let id = user.id;
    let renaming = username.is_some();
    let current = state
        .db()
        .call(move |conn| db::user_names(conn, id))
        .await?;
    let names = UserNames {
        first_name: first_name.unwrap_or(current.first_name),
        last_name: last_name.unwrap_or(current.last_name),
    };
    let updated = state
        .db()
        .call(move |conn| db::update_user_details(conn, id, username.as_deref(), names))
        .await?;
    // `None`: another user took the username since the check, or the user vanished.
    let Some(updated) = updated else {
        return Err(if renaming {
            ApiError::Validation(FieldErrors::single(
                "username",
                "A user with that username already exists.",
            ))
        } else {
            ApiError::NotFound
        });
    };
    Ok(Json(UserDetails::load(&state, &updated).await?).into_response())
}

/// `RefreshViewWithCookieSupport`: a `refresh` in the body wins (then validated as
/// SimpleJWT's serializer does: blank or null is a 400), else the refresh cookie. The
/// answer is SimpleJWT's refresh, its tokens moved into cookies: the body keeps `access`
/// and gains `access_expiration`; a rotated refresh token goes to its cookie only.
async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    Payload(input): Payload,
) -> Result<Response, RestAuthError> {
    let Some(settings) = state.cookies().cloned() else {
        return Err(ApiError::NotFound.into());
    };
    let body_has_refresh = !matches!(input.fields()?.get("refresh"), Raw::Missing);
    let input = if body_has_refresh {
        input
    } else {
        let cookie = request_cookie(&headers, &settings.refresh_cookie)
            .ok_or(RestAuthError::NoRefreshToken)?;
        Input::Json(json!({ "refresh": cookie }))
    };
    let answer = jwt::refresh(State(state.clone()), Payload(input)).await?;
    if answer.status() != StatusCode::OK {
        return Ok(answer);
    }
    let bytes = to_bytes(answer.into_body(), BODY_LIMIT)
        .await
        .map_err(|error| RestAuthError::RefreshAnswer(error.to_string()))?;
    let tokens: RefreshAnswer = serde_json::from_slice(&bytes)
        .map_err(|error| RestAuthError::RefreshAnswer(error.to_string()))?;

    let lifetimes = state.token_settings();
    let now = state.clock().now();
    let access_expiration =
        cookies::iso_datetime(now.checked_add(lifetimes.access_ttl).unwrap_or(now));
    let mut response = Json(Refreshed {
        access: tokens.access.clone(),
        access_expiration,
    })
    .into_response();
    let response_headers = response.headers_mut();
    settings
        .access(&tokens.access, now, lifetimes.access_ttl)
        .append_to(response_headers);
    if let Some(refresh) = &tokens.refresh {
        settings
            .refresh(refresh, now, lifetimes.refresh_ttl)
            .append_to(response_headers);
    }
    Ok(response)
}

/// What SimpleJWT's refresh answers.
#[derive(Deserialize)]
struct RefreshAnswer {
    access: String,
    refresh: Option<String>,
}

/// `POST password/change/`: `new_password1` and `new_password2` (`SetPasswordForm`: they
/// must match, then the password validators run on the second), then the new password
/// and `update_session_auth_hash`, which starts a new session.
async fn password_change(
    State(state): State<AppState>,
    auth: Authenticated,
    Payload(input): Payload,
) -> Result<Response, ApiError> {
    let user = auth.require()?;
    let fields = input.fields()?;
    let mut errors = FieldErrors::new();
    let mut take = |name: &str| {
        let value = CharField::REQUIRED.take(&fields, name, &mut errors);
        if let Some(error) = value
            .as_deref()
            .and_then(|value| input::max_length_error(value, PASSWORD_MAX))
        {
            errors.add(name, vec![error]);
            return None;
        }
        value
    };
    let first = take("new_password1");
    let second = take("new_password2");
    errors.into_result()?;
    let (Some(first), Some(second)) = (first, second) else {
        return Err(ApiError::Validation(FieldErrors::single(
            "new_password1",
            input::REQUIRED,
        )));
    };
    if first != second {
        return Err(ApiError::Validation(FieldErrors::single(
            "new_password2",
            PASSWORDS_DIFFER,
        )));
    }
    users::change_password(&state, &user, "new_password2", second).await?;
    let mut response = Json(Detail {
        detail: "New password has been saved.",
    })
    .into_response();
    new_session_cookie(state.clock().now()).append_to(response.headers_mut());
    response.extensions_mut().insert(SessionTouched);
    Ok(response)
}

/// Other methods: authenticated first (every view here runs the default authentication),
/// then the permission where the view has one, then metadata or 405.
async fn login_other_method(_auth: Authenticated, method: Method) -> Response {
    LOGIN_VIEW.other_method(&method)
}

async fn logout_other_method(_auth: Authenticated, method: Method) -> Response {
    LOGOUT_VIEW.other_method(&method)
}

async fn user_other_method(auth: Authenticated, method: Method) -> Result<Response, ApiError> {
    auth.require()?;
    Ok(USER_VIEW.other_method(&method))
}

async fn password_change_other_method(
    auth: Authenticated,
    method: Method,
) -> Result<Response, ApiError> {
    auth.require()?;
    Ok(PASSWORD_CHANGE_VIEW.other_method(&method))
}
