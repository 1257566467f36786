//! SimpleJWT's token views: create (login), refresh, verify, blacklist (logout).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::View;
use crate::clock::unix_seconds;
use crate::db::{self, BlacklistEntry, User};
use crate::errors::{ApiError, FieldErrors};
use crate::families;
use crate::input::{CharField, Payload};
use crate::state::AppState;
use crate::tokens::{Claims, TokenError, TokenType, VerifiedToken};

pub const CREATE: View = View {
    name: "Token Obtain Pair",
    description: "Takes a set of user credentials and returns an access and refresh JSON web token pair to prove the authentication of those credentials.",
    allow: "POST, OPTIONS",
};
pub const REFRESH: View = View {
    name: "Token Refresh",
    description: "Takes a refresh type JSON web token and returns an access type JSON web token if the refresh token is valid.",
    allow: "POST, OPTIONS",
};
pub const VERIFY: View = View {
    name: "Token Verify",
    description: "Takes a token and indicates if it is valid.  This view provides no information about a token's fitness for a particular use.",
    allow: "POST, OPTIONS",
};
pub const BLACKLIST: View = View {
    name: "Token Blacklist",
    description: "Takes a token and blacklists it. Must be used with the `rest_framework_simplejwt.token_blacklist` app installed.",
    allow: "POST, OPTIONS",
};

#[derive(Serialize)]
pub(crate) struct Pair {
    pub(crate) refresh: String,
    pub(crate) access: String,
}

#[derive(Serialize)]
struct Access {
    access: String,
}

#[derive(Serialize)]
struct Rotated {
    access: String,
    refresh: String,
}

#[derive(Serialize)]
struct Empty {}

/// `POST jwt/create/`: `{"username","password"}` → `{"refresh","access"}`; the first
/// field is the user model's `USERNAME_FIELD` (`email` under `--login-field email`).
pub async fn create(
    State(state): State<AppState>,
    Payload(input): Payload,
) -> Result<Response, ApiError> {
    let login_field = state.login_field();
    let fields = input.fields()?;
    let mut errors = FieldErrors::new();
    let login = CharField::REQUIRED.take(&fields, login_field.name(), &mut errors);
    let password = CharField::REQUIRED.take(&fields, "password", &mut errors);
    errors.into_result()?;
    let (Some(login), Some(password)) = (login, password) else {
        return Err(ApiError::NoActiveAccount);
    };

    let user = state
        .db()
        .call(move |conn| db::user_by_login(conn, login_field, &login))
        .await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let matches = state.passwords().verify(password, hash).await?;
    let user = match user {
        Some(user) if matches && user.is_active => user,
        _ => return Err(ApiError::NoActiveAccount),
    };

    Ok(Json(issue_pair(&state, &user).await?).into_response())
}

/// A new refresh token for `user`, recorded as outstanding, and its access token
/// (SimpleJWT's `RefreshToken.for_user`), as login issues them.
pub(crate) async fn issue_pair(state: &AppState, user: &User) -> Result<Pair, ApiError> {
    let settings = state.token_settings();
    let now = state.clock().now();
    let user_id = user.id.to_string();
    let refresh = Claims::new(
        TokenType::Refresh,
        Some(&user_id),
        now,
        settings.refresh_ttl,
    );
    let access = Claims::new(TokenType::Access, Some(&user_id), now, settings.access_ttl);
    let (jti, created, expires, id) = (refresh.jti.clone(), refresh.iat, refresh.exp, user.id);
    state
        .db()
        .call(move |conn| db::outstand(conn, &jti, Some(id), created, expires))
        .await?;
    Ok(Pair {
        refresh: state.signer().encode(&refresh),
        access: state.signer().encode(&access),
    })
}

/// Reads the one required token field of refresh, verify and blacklist.
fn token_field(input: &crate::input::Input, name: &str) -> Result<String, ApiError> {
    let fields = input.fields()?;
    let mut errors = FieldErrors::new();
    let value = CharField::REQUIRED.take(&fields, name, &mut errors);
    errors.into_result()?;
    value.ok_or(ApiError::Validation(FieldErrors::single(
        name,
        crate::input::REQUIRED,
    )))
}

/// A refresh token's signature, expiry and type, without the blacklist.
fn verify_signature(state: &AppState, raw: &str) -> Result<VerifiedToken, ApiError> {
    state
        .signer()
        .verify(raw, state.clock().now(), Some(TokenType::Refresh))
        .map_err(ApiError::Token)
}

/// `RefreshToken(raw)`: verify, then refuse a blacklisted jti.
pub(crate) async fn verify_refresh(state: &AppState, raw: &str) -> Result<VerifiedToken, ApiError> {
    let token = verify_signature(state, raw)?;
    let jti = token.jti();
    if state
        .db()
        .call(move |conn| db::is_blacklisted(conn, &jti))
        .await?
    {
        return Err(ApiError::Token(TokenError::Blacklisted));
    }
    Ok(token)
}

/// `POST jwt/refresh/`: `{"refresh"}` → `{"access"}`, or `{"access","refresh"}` with
/// rotation. With blacklist-after-rotation the old token is blacklisted atomically, so
/// of several concurrent refreshes with one token exactly one succeeds.
///
/// When the token names a user (a truthy user id claim), that user must exist and be
/// active, else 401 "No active account found for the given token.". SimpleJWT 5.5.1 checks
/// an inactive user so but crashes (500) on a deleted one; the 401 is the fix SimpleJWT
/// made after 5.5.1 (#861), which a client handles better than a crash.
pub async fn refresh(
    State(state): State<AppState>,
    Payload(input): Payload,
) -> Result<Response, ApiError> {
    let raw = token_field(&input, "refresh")?;
    let settings = state.token_settings();
    let reuse_interval = state.refresh_reuse_interval(&settings);
    // Within token families the blacklist is read with the family, in one step.
    let token = match reuse_interval {
        Some(_) => verify_signature(&state, &raw)?,
        None => verify_refresh(&state, &raw).await?,
    };

    let user = if token.has_truthy_user_id() {
        let user = match token.user_id().flatten() {
            Some(id) => {
                state
                    .db()
                    .call(move |conn| db::user_by_id(conn, id))
                    .await?
            }
            None => None,
        };
        match user {
            Some(user) if user.is_active => Some(user),
            _ => return Err(ApiError::NoActiveAccountForToken),
        }
    } else {
        None
    };

    let now = state.clock().now();
    // The new tokens copy the user id claim as it was, or leave it out if it was absent.
    let user_id_text = token.user_id_text();
    let access = Claims::new(
        TokenType::Access,
        user_id_text.as_deref(),
        now,
        settings.access_ttl,
    );
    let access = state.signer().encode(&access);
    if !settings.rotate_refresh_tokens {
        return Ok(Json(Access { access }).into_response());
    }

    let user_id = user.map(|user| user.id);
    let rotated = Claims::new(
        TokenType::Refresh,
        user_id_text.as_deref(),
        now,
        settings.refresh_ttl,
    );
    if let Some(reuse_interval) = reuse_interval {
        let refresh =
            families::refresh_in_family(&state, &token, user_id, &rotated, reuse_interval).await?;
        return Ok(Json(Rotated { access, refresh }).into_response());
    }
    let old = BlacklistEntry {
        jti: token.jti(),
        user_id,
        expires_at: token.exp(),
        now: unix_seconds(now),
    };
    let blacklist_old = settings.blacklist_after_rotation;
    let (jti, created, expires) = (rotated.jti.clone(), rotated.iat, rotated.exp);
    let rotated_ok = state
        .db()
        .call(move |conn| {
            let tx = conn.transaction()?;
            if blacklist_old && !db::blacklist(&tx, &old)? {
                return Ok(false);
            }
            db::outstand(&tx, &jti, user_id, created, expires)?;
            tx.commit()?;
            Ok(true)
        })
        .await?;
    if !rotated_ok {
        return Err(ApiError::Token(TokenError::Blacklisted));
    }
    Ok(Json(Rotated {
        access,
        refresh: state.signer().encode(&rotated),
    })
    .into_response())
}

/// `POST jwt/verify/`: `{"token"}` of either type → `{}`.
pub async fn verify(
    State(state): State<AppState>,
    Payload(input): Payload,
) -> Result<Response, ApiError> {
    let raw = token_field(&input, "token")?;
    let token = state
        .signer()
        .verify(&raw, state.clock().now(), None)
        .map_err(ApiError::Token)?;
    if state.token_settings().blacklist_after_rotation {
        // SimpleJWT raises a plain ValidationError here, hence 400, not 401.
        let jti = token.jti();
        if state
            .db()
            .call(move |conn| db::is_blacklisted(conn, &jti))
            .await?
        {
            return Err(ApiError::Validation(FieldErrors::single(
                "non_field_errors",
                "Token is blacklisted",
            )));
        }
    }
    Ok(Json(Empty {}).into_response())
}

/// `POST jwt/blacklist/`: `{"refresh"}` → `{}`; the token stops working.
pub async fn blacklist(
    State(state): State<AppState>,
    Payload(input): Payload,
) -> Result<Response, ApiError> {
    let raw = token_field(&input, "refresh")?;
    let token = verify_refresh(&state, &raw).await?;
    if !blacklist_token(&state, &token).await? {
        return Err(ApiError::Token(TokenError::Blacklisted));
    }
    Ok(Json(Empty {}).into_response())
}

/// `token.blacklist()`: whether this call blacklisted it (not an earlier one).
pub(crate) async fn blacklist_token(
    state: &AppState,
    token: &VerifiedToken,
) -> Result<bool, ApiError> {
    let entry = BlacklistEntry {
        jti: token.jti(),
        user_id: token.user_id().flatten(),
        expires_at: token.exp(),
        now: unix_seconds(state.clock().now()),
    };
    let inserted = state
        .db()
        .call(move |conn| {
            // A user id that names no user is stored as NULL, as SimpleJWT does.
            let user_id = match entry.user_id {
                Some(id) => db::user_by_id(conn, id)?.map(|u| u.id),
                None => None,
            };
            db::blacklist(conn, &BlacklistEntry { user_id, ..entry })
        })
        .await?;
    Ok(inserted)
}
