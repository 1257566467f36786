//! djoser's user views: register (`POST users/`), list (`GET users/`), `users/me/`
//! (read, update and delete) and `users/set_password/`. Each runs Bearer authentication before
//! anything else, as DRF views do, and reads the body only after the permission check.

use axum::extract::{FromRequest, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::ser::SerializeMap as _;
use serde::{Serialize, Serializer};

use super::View;
use crate::auth::Authenticated;
use crate::clock::unix_seconds;
use crate::config::LoginField;
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
    allow: "GET, PUT, PATCH, DELETE, HEAD, OPTIONS",
};
pub const SET_PASSWORD: View = View {
    name: "Set password",
    description: "",
    allow: "POST, OPTIONS",
};

const USERNAME_MAX: usize = 150;
const EMAIL_MAX: usize = 254;
/// The custom model's `display_name = models.CharField(max_length=150)` (assumed: the
/// observed variant does not show its length).
const DISPLAY_NAME_MAX: usize = 150;
const PASSWORD_MIN: usize = 8;
const USERNAME_INVALID: &str =
    "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
const USERNAME_TAKEN: &str = "A user with that username already exists.";
/// A unique `EmailField` on a model named `User` with the verbose name "email address":
/// Django's `unique` message as DRF's `UniqueValidator` words it.
const EMAIL_TAKEN: &str = "user with this email address already exists.";
const EMAIL_INVALID: &str = "Enter a valid email address.";
const CURRENT_PASSWORD_INVALID: &str = "Invalid password.";

/// A user field that djoser's serializers show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserField {
    Email,
    Id,
    Username,
    DisplayName,
}

/// Which fields a serializer shows, in its order: `REQUIRED_FIELDS`, then the id and the
/// login field (`UserSerializer`) or the login field and the id (`UserCreateSerializer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `users/me/` and `users/`.
    Current,
    /// The 201 of `POST users/`.
    Created,
}

fn user_fields(login_field: LoginField, shape: Shape) -> &'static [UserField] {
    use UserField::{DisplayName, Email, Id, Username};
    match (login_field, shape) {
        (LoginField::Username, Shape::Current) => &[Email, Id, Username],
        (LoginField::Username, Shape::Created) => &[Email, Username, Id],
        (LoginField::Email, Shape::Current) => &[DisplayName, Id, Email],
        (LoginField::Email, Shape::Created) => &[DisplayName, Email, Id],
    }
}

/// A user as djoser shows it for the configured user model.
struct UserBody<'a> {
    user: &'a User,
    fields: &'static [UserField],
}

impl<'a> UserBody<'a> {
    fn new(user: &'a User, login_field: LoginField, shape: Shape) -> Self {
        Self {
            user,
            fields: user_fields(login_field, shape),
        }
    }
}

impl Serialize for UserBody<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for field in self.fields {
            match field {
                UserField::Email => map.serialize_entry("email", &self.user.email)?,
                UserField::Id => map.serialize_entry("id", &self.user.id)?,
                UserField::Username => map.serialize_entry("username", &self.user.username)?,
                UserField::DisplayName => {
                    map.serialize_entry("display_name", &self.user.display_name)?;
                }
            }
        }
        map.end()
    }
}

/// `GET users/me/`.
pub async fn me(State(state): State<AppState>, auth: Authenticated) -> Result<Response, ApiError> {
    let user = auth.require()?;
    Ok(Json(UserBody::new(&user, state.login_field(), Shape::Current)).into_response())
}

/// `GET users/`: a non-staff user sees only themself.
pub async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Response, ApiError> {
    let user = auth.require()?;
    Ok(Json([UserBody::new(&user, state.login_field(), Shape::Current)]).into_response())
}

/// `PUT`/`PATCH users/me/`: djoser's `UserSerializer`, whose writable fields are the
/// model's `REQUIRED_FIELDS`; the login field and `id` are read-only, and DRF ignores
/// read-only and unknown keys. With Django's `User` that is `email`, optional for `PUT`
/// too (the model field has `blank=True`), stored as sent (trimmed): unlike
/// registration's `create_user`, a serializer update does not normalize it. With the
/// email-login model it is `display_name`, required for `PUT` and never blank.
pub async fn update_me(
    State(state): State<AppState>,
    auth: Authenticated,
    request: Request,
) -> Result<Response, ApiError> {
    let user = auth.require()?;
    let partial = request.method() == Method::PATCH;
    // The body is read only now (not by an extractor), so without credentials even
    // malformed JSON or a wrong content type is a 401, as in DRF.
    let Payload(body) = Payload::from_request(request, &state).await?;
    let fields = body.fields()?;
    let mut errors = FieldErrors::new();
    let login_field = state.login_field();
    let id = user.id;
    let update = match login_field {
        LoginField::Username => {
            let email = CharField::OPTIONAL.take(&fields, "email", &mut errors);
            if let Some(email) = email.as_deref() {
                errors.add("email", email_problems(email));
            }
            errors.into_result()?;
            email.map(|email| {
                Box::new(move |conn: &mut rusqlite::Connection| db::update_email(conn, id, &email))
                    as UserUpdate
            })
        }
        LoginField::Email => {
            let rule = if partial {
                CharField::OPTIONAL_NOT_BLANK
            } else {
                CharField::REQUIRED
            };
            let display_name = rule.take(&fields, "display_name", &mut errors);
            if let Some(name) = display_name.as_deref() {
                errors.add(
                    "display_name",
                    input::max_length_error(name, DISPLAY_NAME_MAX)
                        .into_iter()
                        .collect(),
                );
            }
            errors.into_result()?;
            display_name.map(|name| {
                Box::new(move |conn: &mut rusqlite::Connection| {
                    db::update_display_name(conn, id, &name)
                }) as UserUpdate
            })
        }
    };
    let Some(update) = update else {
        return Ok(Json(UserBody::new(&user, login_field, Shape::Current)).into_response());
    };
    let updated = state.db().call(update).await?;
    // `None`: the user row vanished since authentication.
    let user = updated.ok_or(ApiError::NotFound)?;
    Ok(Json(UserBody::new(&user, login_field, Shape::Current)).into_response())
}

/// `DELETE users/me/`: djoser's `UserDeleteSerializer` checks the current password, then
/// the account is deleted: 204. Tokens already issued stay valid until they expire, but
/// name no user any more.
pub async fn delete_me(
    State(state): State<AppState>,
    auth: Authenticated,
    request: Request,
) -> Result<Response, ApiError> {
    let user = auth.require()?;
    let Payload(body) = Payload::from_request(request, &state).await?;
    let fields = body.fields()?;
    let mut errors = FieldErrors::new();
    let current_password = CharField::REQUIRED.take(&fields, "current_password", &mut errors);
    check_current_password(&state, &user, current_password, &mut errors).await?;
    errors.into_result()?;
    let id = user.id;
    state
        .db()
        .call(move |conn| db::delete_user(conn, id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// djoser's `CurrentPasswordSerializer`: `current_password` must be the user's password. A
/// missing or blank one (`None`, already refused by its field) is not hashed.
async fn check_current_password(
    state: &AppState,
    user: &User,
    current_password: Option<String>,
    errors: &mut FieldErrors,
) -> Result<(), ApiError> {
    let Some(current_password) = current_password else {
        return Ok(());
    };
    let matches = state
        .passwords()
        .verify(current_password, Some(user.password_hash.clone()))
        .await?;
    if !matches {
        errors.add(
            "current_password",
            vec![CURRENT_PASSWORD_INVALID.to_owned()],
        );
    }
    Ok(())
}

/// One column update of `users/me/`, run on the database thread.
type UserUpdate =
    Box<dyn FnOnce(&mut rusqlite::Connection) -> Result<Option<User>, db::DbError> + Send>;

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
    check_current_password(&state, &user, current_password, &mut errors).await?;
    errors.into_result()?;
    let Some(new_password) = new_password else {
        return Err(ApiError::Validation(FieldErrors::single(
            "new_password",
            input::REQUIRED,
        )));
    };
    change_password(&state, &user, "new_password", new_password).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Runs the password validators on `new_password` (their messages under `field`), then
/// stores its hash.
pub(crate) async fn change_password(
    state: &AppState,
    user: &User,
    field: &str,
    new_password: String,
) -> Result<(), ApiError> {
    let problems = password_problems(&new_password);
    if !problems.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add(field, problems);
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
    Ok(())
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

/// `POST users/`: register, with djoser's `UserCreateSerializer` on the configured user
/// model. Fields validate in its order (`REQUIRED_FIELDS`, the login field, password);
/// the password validators run only once the fields are valid. When the insert finds
/// the login taken after all (a concurrent registration, or an email that only
/// normalization made equal), djoser's `IntegrityError` path answers 400
/// `["Unable to create account."]`.
pub async fn register(
    State(state): State<AppState>,
    // Authentication runs first: an invalid Bearer token is a 401 even here.
    _auth: Authenticated,
    Payload(body): Payload,
) -> Result<Response, ApiError> {
    let login_field = state.login_field();
    let fields = body.fields()?;
    let candidate = match login_field {
        LoginField::Username => username_registration(&state, &fields).await?,
        LoginField::Email => email_registration(&state, &fields).await?,
    };
    let problems = password_problems(&candidate.password);
    if !problems.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add("password", problems);
        return Err(ApiError::Validation(errors));
    }

    let password_hash = state.passwords().hash(candidate.password).await?;
    let new_user = NewUser {
        id: None,
        username: candidate.username,
        email: candidate.email,
        display_name: candidate.display_name,
        password_hash,
        date_joined: unix_seconds(state.clock().now()),
    };
    let created = state
        .db()
        .call(move |conn| {
            // The unique email check and the insert share the connection's lock.
            if login_field == LoginField::Email && db::email_exists(conn, &new_user.email)? {
                return Ok(None);
            }
            db::insert_user(conn, &new_user)
        })
        .await?;
    let user = created.ok_or(ApiError::CannotCreateUser)?;
    let body = UserBody::new(&user, login_field, Shape::Created);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// A registration whose fields passed validation, before the password rules.
struct Candidate {
    username: String,
    email: String,
    display_name: String,
    password: String,
}

/// Django's `User`: `email` (optional), `username`, `password`.
async fn username_registration(
    state: &AppState,
    fields: &input::Fields<'_>,
) -> Result<Candidate, ApiError> {
    let mut errors = FieldErrors::new();
    let email = CharField::OPTIONAL.take(fields, "email", &mut errors);
    if let Some(email) = email.as_deref() {
        errors.add("email", email_problems(email));
    }

    let username = CharField::REQUIRED.take(fields, "username", &mut errors);
    if let Some(name) = username.clone() {
        errors.add("username", username_problems(state, name, None).await?);
    }

    let password = CharField::REQUIRED.take(fields, "password", &mut errors);
    errors.into_result()?;
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ApiError::Validation(FieldErrors::single(
            "username",
            input::REQUIRED,
        )));
    };
    Ok(Candidate {
        username,
        email: email
            .map(|e| input::normalize_email(&e))
            .unwrap_or_default(),
        display_name: String::new(),
        password,
    })
}

/// The `username` field's validators, in the order DRF reports them: the character set,
/// uniqueness (a user may keep their own: `owner`), then the maximum length.
pub(crate) async fn username_problems(
    state: &AppState,
    name: String,
    owner: Option<i64>,
) -> Result<Vec<String>, ApiError> {
    let mut problems = Vec::new();
    if !input::is_valid_username(&name) {
        problems.push(USERNAME_INVALID.to_owned());
    }
    let too_long = input::max_length_error(&name, USERNAME_MAX);
    let holder = state
        .db()
        .call(move |conn| db::user_by_username(conn, &name))
        .await?;
    if holder.is_some_and(|holder| Some(holder.id) != owner) {
        problems.push(USERNAME_TAKEN.to_owned());
    }
    problems.extend(too_long);
    Ok(problems)
}

/// The email-login model: `display_name`, `email` (required, unique), `password`. The
/// stored username is the normalized email, which keeps it unique and lets the same
/// database serve `--login-field username` too.
async fn email_registration(
    state: &AppState,
    fields: &input::Fields<'_>,
) -> Result<Candidate, ApiError> {
    let mut errors = FieldErrors::new();
    let display_name = CharField::REQUIRED.take(fields, "display_name", &mut errors);
    if let Some(name) = display_name.as_deref() {
        errors.add(
            "display_name",
            input::max_length_error(name, DISPLAY_NAME_MAX)
                .into_iter()
                .collect(),
        );
    }

    let email = CharField::REQUIRED.take(fields, "email", &mut errors);
    if let Some(address) = email.clone() {
        // DRF runs the unique validator first, then max length, then the email format.
        let taken = state
            .db()
            .call(move |conn| db::email_exists(conn, &address))
            .await?;
        let mut problems = Vec::new();
        if taken {
            problems.push(EMAIL_TAKEN.to_owned());
        }
        if let Some(address) = email.as_deref() {
            problems.extend(email_problems(address));
        }
        errors.add("email", problems);
    }

    let password = CharField::REQUIRED.take(fields, "password", &mut errors);
    errors.into_result()?;
    let (Some(display_name), Some(email), Some(password)) = (display_name, email, password) else {
        return Err(ApiError::Validation(FieldErrors::single(
            "email",
            input::REQUIRED,
        )));
    };
    let email = input::normalize_email(&email);
    Ok(Candidate {
        username: email.clone(),
        email,
        display_name,
        password,
    })
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
