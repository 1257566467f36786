//! djoser's user views: register (`POST users/`), list (`GET users/`), `users/me/`
//! (read and update) and `users/set_password/`. Each runs Bearer authentication before
//! anything else, as DRF views do, and reads the body only after the permission check.

use axum::extract::{FromRequest, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::View;
use crate::auth::Authenticated;
use crate::clock::unix_seconds;
use crate::db::{self, NewUser, User};
use crate::errors::{ApiError, FieldErrors};
use crate::input::{self, CharField, Payload};
use crate::state::AppState;

pub const LIST: View = View {
    name: "User List",
    description: "",
    allow: "GET, POST, HEAD, OPTIONS",
};
pub const ME: View = View {
    name: "User Instance",
    description: "",
    allow: "GET, PUT, PATCH, HEAD, OPTIONS",
};
pub const SET_PASSWORD: View = View {
    name: "Set password",
    description: "",
    allow: "POST, OPTIONS",
};

const USERNAME_MAX: usize = 150;
const EMAIL_MAX: usize = 254;
const PASSWORD_MIN: usize = 8;
const USERNAME_INVALID: &str =
    "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
const USERNAME_TAKEN: &str = "A user with that username already exists.";
const EMAIL_INVALID: &str = "Enter a valid email address.";
const CURRENT_PASSWORD_INVALID: &str = "Invalid password.";

/// djoser's `UserSerializer`: `{"email","id","username"}`.
#[derive(Serialize)]
struct UserBody {
    email: String,
    id: i64,
    username: String,
}

impl From<User> for UserBody {
    fn from(user: User) -> Self {
        Self {
            email: user.email,
            id: user.id,
            username: user.username,
        }
    }
}

/// djoser's `UserCreateSerializer` output: `{"email","username","id"}`.
#[derive(Serialize)]
struct CreatedBody {
    email: String,
    username: String,
    id: i64,
}

/// `GET users/me/`.
pub async fn me(auth: Authenticated) -> Result<Response, ApiError> {
    Ok(Json(UserBody::from(auth.require()?)).into_response())
}

/// `GET users/`: a non-staff user sees only themself.
pub async fn list(auth: Authenticated) -> Result<Response, ApiError> {
    Ok(Json([UserBody::from(auth.require()?)]).into_response())
}

/// `PUT`/`PATCH users/me/`: djoser's `UserSerializer`, where only `email` is writable.
/// `username`, `id` and unknown keys are ignored, as DRF ignores read-only fields;
/// `email` is optional for `PUT` too (the model field has `blank=True`), so both
/// methods behave alike. The email is stored as sent (trimmed): unlike registration's
/// `create_user`, a serializer update does not normalize it.
pub async fn update_me(
    State(state): State<AppState>,
    auth: Authenticated,
    request: Request,
) -> Result<Response, ApiError> {
    let user = auth.require()?;
    // The body is read only now (not by an extractor), so without credentials even
    // malformed JSON or a wrong content type is a 401, as in DRF.
    let Payload(body) = Payload::from_request(request, &state).await?;
    let fields = body.fields()?;
    let mut errors = FieldErrors::new();
    let email = CharField::OPTIONAL.take(&fields, "email", &mut errors);
    if let Some(email) = email.as_deref() {
        errors.add("email", email_problems(email));
    }
    errors.into_result()?;
    let Some(email) = email else {
        return Ok(Json(UserBody::from(user)).into_response());
    };
    let id = user.id;
    let updated = state
        .db()
        .call(move |conn| db::update_email(conn, id, &email))
        .await?;
    // `None`: the user row vanished since authentication.
    let user = updated.ok_or(ApiError::NotFound)?;
    Ok(Json(UserBody::from(user)).into_response())
}

/// `POST users/set_password/`: djoser's `SetPasswordSerializer`. Fields validate in
/// its order (`new_password`, then `current_password` against the stored hash); the
/// password validators run on `new_password` only once both fields are valid.
pub async fn set_password(
    State(state): State<AppState>,
    auth: Authenticated,
    request: Request,
) -> Result<Response, ApiError> {
    let user = auth.require()?;
    let Payload(body) = Payload::from_request(request, &state).await?;
    let fields = body.fields()?;
    let mut errors = FieldErrors::new();
    let new_password = CharField::REQUIRED.take(&fields, "new_password", &mut errors);
    let current_password = CharField::REQUIRED.take(&fields, "current_password", &mut errors);
    if let Some(current) = current_password {
        let matches = state
            .passwords()
            .verify(current, Some(user.password_hash.clone()))
            .await?;
        if !matches {
            errors.add(
                "current_password",
                vec![CURRENT_PASSWORD_INVALID.to_owned()],
            );
        }
    }
    errors.into_result()?;
    let Some(new_password) = new_password else {
        return Err(ApiError::Validation(FieldErrors::single(
            "new_password",
            input::REQUIRED,
        )));
    };
    let problems = password_problems(&new_password);
    if !problems.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add("new_password", problems);
        return Err(ApiError::Validation(errors));
    }

    let password_hash = state.passwords().hash(new_password).await?;
    let id = user.id;
    let stored = state
        .db()
        .call(move |conn| db::set_password_hash(conn, id, &password_hash))
        .await?;
    if !stored {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Other methods on `users/set_password/`: authenticated first, then metadata or 405.
pub async fn set_password_other_method(
    auth: Authenticated,
    method: Method,
) -> Result<Response, ApiError> {
    auth.require()?;
    Ok(SET_PASSWORD.other_method(&method))
}

/// Other methods on `users/me/`: authenticated first, then metadata or 405.
pub async fn me_other_method(auth: Authenticated, method: Method) -> Result<Response, ApiError> {
    auth.require()?;
    Ok(ME.other_method(&method))
}

/// Other methods on `users/`: authenticated first, then metadata or 405.
pub async fn list_other_method(auth: Authenticated, method: Method) -> Result<Response, ApiError> {
    auth.require()?;
    Ok(LIST.other_method(&method))
}

/// Django's default password validators that apply here: minimum length, then numeric.
fn password_problems(password: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if password.chars().count() < PASSWORD_MIN {
        problems.push(format!(
            "This password is too short. It must contain at least {PASSWORD_MIN} characters."
        ));
    }
    if password.chars().all(char::is_numeric) {
        problems.push("This password is entirely numeric.".to_owned());
    }
    problems
}

/// The email field's validators (max length, then `EmailValidator`); a blank email
/// is allowed and skips them.
fn email_problems(email: &str) -> Vec<String> {
    if email.is_empty() {
        return Vec::new();
    }
    let mut problems: Vec<String> = input::max_length_error(email, EMAIL_MAX)
        .into_iter()
        .collect();
    if !input::is_valid_email(email) {
        problems.push(EMAIL_INVALID.to_owned());
    }
    problems
}

/// `POST users/`: register. Fields validate in djoser's order (email, username,
/// password); the password validators run only once the fields are valid.
pub async fn register(
    State(state): State<AppState>,
    // Authentication runs first: an invalid Bearer token is a 401 even here.
    _auth: Authenticated,
    Payload(body): Payload,
) -> Result<Response, ApiError> {
    let fields = body.fields()?;
    let mut errors = FieldErrors::new();

    let email = CharField::OPTIONAL.take(&fields, "email", &mut errors);
    if let Some(email) = email.as_deref() {
        errors.add("email", email_problems(email));
    }

    let username = CharField::REQUIRED.take(&fields, "username", &mut errors);
    if let Some(name) = username.clone() {
        let mut problems = Vec::new();
        if !input::is_valid_username(&name) {
            problems.push(USERNAME_INVALID.to_owned());
        }
        let taken = state
            .db()
            .call(move |conn| db::username_exists(conn, &name))
            .await?;
        if taken {
            problems.push(USERNAME_TAKEN.to_owned());
        }
        if let Some(name) = username.as_deref() {
            problems.extend(input::max_length_error(name, USERNAME_MAX));
        }
        errors.add("username", problems);
    }

    let password = CharField::REQUIRED.take(&fields, "password", &mut errors);
    errors.into_result()?;
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ApiError::Validation(FieldErrors::single(
            "username",
            input::REQUIRED,
        )));
    };
    let problems = password_problems(&password);
    if !problems.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add("password", problems);
        return Err(ApiError::Validation(errors));
    }

    let password_hash = state.passwords().hash(password).await?;
    let new_user = NewUser {
        id: None,
        username,
        email: email
            .map(|e| input::normalize_email(&e))
            .unwrap_or_default(),
        password_hash,
        date_joined: unix_seconds(state.clock().now()),
    };
    let created = state
        .db()
        .call(move |conn| db::insert_user(conn, &new_user))
        .await?;
    // `None`: someone registered the same name since the uniqueness check.
    let user = created
        .ok_or_else(|| ApiError::Validation(FieldErrors::single("username", USERNAME_TAKEN)))?;
    let body = CreatedBody {
        email: user.email,
        username: user.username,
        id: user.id,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules() {
        assert!(password_problems("long enough").is_empty());
        assert_eq!(password_problems("short").len(), 1);
        assert_eq!(
            password_problems("12345678"),
            vec!["This password is entirely numeric."]
        );
        assert_eq!(password_problems("1234").len(), 2);
    }

    #[test]
    fn email_rules() {
        assert!(email_problems("").is_empty());
        assert!(email_problems("a@example.com").is_empty());
        assert_eq!(email_problems("nope"), vec![EMAIL_INVALID]);
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(
            email_problems(&long),
            vec!["Ensure this field has no more than 254 characters."]
        );
        let long_and_bad = format!("{} b@example.com", "a".repeat(250));
        assert_eq!(email_problems(&long_and_bad).len(), 2);
    }
}
