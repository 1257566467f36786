//! Bearer authentication as SimpleJWT's `JWTAuthentication` does it, as an extractor
//! whose rejection is the exact 401 SimpleJWT sends. The scheme word is `Bearer` unless
//! `--auth-header-type` (`AUTH_HEADER_TYPES`) says otherwise.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use crate::config::AuthHeaderTypes;
use crate::cookies;
use crate::db::{self, User};
use crate::errors::ApiError;
use crate::state::AppState;
use crate::tokens::TokenType;

/// The authenticated user, if the request carried a token under an accepted scheme. A
/// missing header or another scheme is no credentials (`None`); a bad token is a 401
/// rejection.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Option<User>);

impl Authenticated {
    /// The user, or 401 "Authentication credentials were not provided." (`IsAuthenticated`).
    pub fn require(self) -> Result<User, ApiError> {
        self.0.ok_or(ApiError::NotAuthenticated)
    }
}

/// Splits on ASCII whitespace like Python's `bytes.split()`.
fn split_header(header: &[u8]) -> Vec<&[u8]> {
    header
        .split(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c'))
        .filter(|part| !part.is_empty())
        .collect()
}

/// Whether an `Authorization` header value carries a token under one of `types` (for the
/// request log).
pub fn has_token(header: &[u8], types: &AuthHeaderTypes) -> bool {
    matches!(split_header(header).as_slice(), [scheme, _, ..] if types.accepts(scheme))
}

/// Middleware: every 401 names the first accepted scheme in `WWW-Authenticate`, as
/// SimpleJWT's `authenticate_header` does. Errors render the default `Bearer` one; this
/// puts the configured one in its place.
pub async fn www_authenticate(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if response.status() == StatusCode::UNAUTHORIZED
        && response.headers().contains_key(WWW_AUTHENTICATE)
    {
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, state.www_authenticate().clone());
    }
    response
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            // dj-rest-auth's JWTCookieAuthentication: no header, then the access cookie.
            let cookie = cookies::access_cookie(parts, state.cookies()).map_err(ApiError::Csrf)?;
            return match cookie {
                Some(raw_token) => Ok(Self(Some(user_for_access_token(state, &raw_token).await?))),
                None => Ok(Self(None)),
            };
        };
        let pieces = split_header(header.as_bytes());
        let raw_token = match pieces.as_slice() {
            [] => return Ok(Self(None)),
            [scheme, ..] if !state.auth_header_types().accepts(scheme) => return Ok(Self(None)),
            [_, token] => String::from_utf8_lossy(token).into_owned(),
            _ => {
                return Err(ApiError::AuthenticationFailed {
                    detail: "Authorization header must contain two space-delimited values",
                    code: "bad_authorization_header",
                })
            }
        };
        Ok(Self(Some(user_for_access_token(state, &raw_token).await?)))
    }
}

/// SimpleJWT's `get_validated_token` and `get_user`: an access token of an active user.
async fn user_for_access_token(state: &AppState, raw_token: &str) -> Result<User, ApiError> {
    let token = state
        .signer()
        .verify(raw_token, state.clock().now(), Some(TokenType::Access))
        .map_err(ApiError::AccessToken)?;
    let user_id = token.user_id().ok_or(ApiError::AuthenticationFailed {
        detail: "Token contained no recognizable user identification",
        code: "token_not_valid",
    })?;
    let user = match user_id {
        Some(id) => {
            state
                .db()
                .call(move |conn| db::user_by_id(conn, id))
                .await?
        }
        None => None,
    };
    let user = user.ok_or(ApiError::AuthenticationFailed {
        detail: "User not found",
        code: "user_not_found",
    })?;
    if !user.is_active {
        return Err(ApiError::AuthenticationFailed {
            detail: "User is inactive",
            code: "user_inactive",
        });
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_detection() {
        let bearer = AuthHeaderTypes::default();
        let has_bearer = |header: &[u8]| has_token(header, &bearer);
        assert!(has_bearer(b"Bearer abc"));
        assert!(has_bearer(b"  Bearer\tabc "));
        assert!(!has_bearer(b"Bearer"));
        assert!(!has_bearer(b"bearer abc"));
        assert!(!has_bearer(b"JWT abc"));
        let jwt = AuthHeaderTypes::new(["JWT"]).expect("valid");
        assert!(has_token(b"JWT abc", &jwt));
        assert!(!has_token(b"Bearer abc", &jwt));
        assert!(!has_bearer(b"Basic abc"));
        assert!(!has_bearer(b""));
    }
}
