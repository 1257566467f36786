//! The logged-in user: djoser's default shape, or the app's own type.

use std::fmt;

use crate::json::{Json, JsonError};

/// A user as the user endpoint (`users/me/`) returns it: the type an app reads the session's
/// user as, with [`AuthStore::user`](crate::AuthStore::user) or
/// [`ApiClient::me`](crate::ApiClient::me).
///
/// The layer keeps the user as the JSON the server sent, so any number of types can read it and
/// none has to be named when the layer is provided. [`DjoserUser`] is djoser's default user
/// (`id`, `username`, `email`); [`UserFields`] reads any user model as text fields. For a type of
/// your own, implement the one method, or, with the `serde` feature, write
/// [`impl_session_user!(YourType)`](crate::impl_session_user) for a serde type.
///
/// ```
/// use leptos_jwt_session::{SessionUser, UserDecodeError};
///
/// #[derive(Clone, PartialEq)]
/// struct Member {
///     email: String,
/// }
///
/// impl SessionUser for Member {
///     fn from_json(text: &str) -> Result<Self, UserDecodeError> {
///         // A real app would use a JSON library here; this one only needs one field.
///         let email = text
///             .split("\"email\":\"")
///             .nth(1)
///             .and_then(|rest| rest.split('"').next())
///             .ok_or_else(|| UserDecodeError::new("no email"))?;
///         Ok(Self { email: email.to_owned() })
///     }
/// }
/// # let member = Member::from_json(r#"{"email":"a@example.com","id":1}"#).unwrap();
/// # assert_eq!(member.email, "a@example.com");
/// ```
pub trait SessionUser: Sized {
    /// Reads the user from the JSON text the server sent.
    ///
    /// # Errors
    /// [`UserDecodeError`] when the text is not this type's JSON.
    fn from_json(text: &str) -> Result<Self, UserDecodeError>;
}

/// With the `serde` feature: implements [`SessionUser`] for serde types through serde_json.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// #[derive(serde::Deserialize)]
/// struct Member {
///     id: u64,
///     email: String,
///     display_name: String,
/// }
///
/// leptos_jwt_session::impl_session_user!(Member);
/// # }
/// ```
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
#[macro_export]
macro_rules! impl_session_user {
    ($($user:ty),+ $(,)?) => {
        $(
            impl $crate::SessionUser for $user {
                fn from_json(text: &str) -> ::core::result::Result<Self, $crate::UserDecodeError> {
                    $crate::__private::serde_json::from_str(text).map_err($crate::UserDecodeError::new)
                }
            }
        )+
    };
}

/// Why a user could not be read from JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the user is not the expected JSON: {reason}")]
pub struct UserDecodeError {
    reason: String,
}

impl UserDecodeError {
    /// An error saying what was wrong.
    pub fn new(reason: impl fmt::Display) -> Self {
        Self {
            reason: reason.to_string(),
        }
    }
}

impl From<JsonError> for UserDecodeError {
    fn from(error: JsonError) -> Self {
        Self::new(error)
    }
}

/// djoser's default user: `{"email", "id", "username"}` (Django's `User` model, whose
/// `REQUIRED_FIELDS` is `["email"]` and whose login field is `username`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DjoserUser {
    /// The primary key.
    pub id: u64,
    /// The login name.
    pub username: String,
    /// May be empty: Django does not require one.
    pub email: String,
}

impl SessionUser for DjoserUser {
    fn from_json(text: &str) -> Result<Self, UserDecodeError> {
        let json = Json::parse(text)?;
        Ok(Self {
            id: json.field("id", Json::as_u64)?,
            username: json.field("username", Json::as_str)?.to_owned(),
            email: json.field("email", Json::as_str)?.to_owned(),
        })
    }
}

/// Any user model, as the fields `users/me/` returns, for apps that show them rather than
/// compute with them: no serde, no type of your own. Strings, numbers, booleans and `null` are
/// kept, as text; nested values are left out.
///
/// ```
/// use leptos_jwt_session::{SessionUser, UserFields};
///
/// let user = UserFields::from_json(r#"{"display_name":"Ada","id":1,"email":"ada@example.com"}"#)
///     .unwrap();
/// assert_eq!(user.get("display_name"), Some("Ada"));
/// assert_eq!(user.get("id"), Some("1"));
/// assert_eq!(user.get("username"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserFields {
    fields: Vec<(String, Option<String>)>,
}

impl UserFields {
    /// A field's value as text; `None` when it is missing or `null`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(field, _)| field == name)
            .and_then(|(_, value)| value.as_deref())
    }

    /// The first of `names` that the user has and that is not empty: the name to show, say
    /// `first_of(&["display_name", "username", "email"])`.
    #[must_use]
    pub fn first_of(&self, names: &[&str]) -> Option<&str> {
        names
            .iter()
            .find_map(|name| self.get(name).filter(|value| !value.is_empty()))
    }

    /// Every field, in the server's order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.fields
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_deref()))
    }
}

impl SessionUser for UserFields {
    fn from_json(text: &str) -> Result<Self, UserDecodeError> {
        let Json::Object(members) = Json::parse(text)? else {
            return Err(UserDecodeError::new("expected an object"));
        };
        let fields = members
            .into_iter()
            .filter_map(|(name, value)| {
                let text = match value {
                    Json::Null => None,
                    Json::Bool(flag) => Some(flag.to_string()),
                    Json::Number(number) => Some(number.as_str().to_owned()),
                    Json::String(text) => Some(text),
                    Json::Array(_) | Json::Object(_) => return None,
                };
                Some((name, text))
            })
            .collect();
        Ok(Self { fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn djoser_users_round_trip() {
        let user =
            DjoserUser::from_json(r#"{"email":"demo@example.com","id":1,"username":"demo"}"#)
                .expect("user");
        assert_eq!(user.username, "demo");
        assert_eq!(user.id, 1);
    }

    #[test]
    fn any_user_model_reads_as_fields_and_round_trips() {
        let user = UserFields::from_json(
            r#"{"display_name":"Demo User","id":1,"email":"d@example.com","staff":false,"groups":[1],"nick":null}"#,
        )
        .expect("fields");
        assert_eq!(user.get("id"), Some("1"));
        assert_eq!(user.get("staff"), Some("false"));
        assert_eq!(user.get("groups"), None, "nested values are left out");
        assert_eq!(user.get("nick"), None);
        assert_eq!(
            user.first_of(&["username", "display_name"]),
            Some("Demo User")
        );
        assert!(UserFields::from_json("[1]").is_err());
    }

    #[test]
    fn a_user_without_its_fields_is_refused() {
        let error = DjoserUser::from_json(r#"{"display_name":"Demo","id":1,"email":"x"}"#)
            .expect_err("no username");
        assert!(error.to_string().contains("username"), "{error}");
    }
}
