//! What the demo shows of an account, whichever user model the server has: djoser's default
//! (`username`, `email`, `id`) or one that logs in by email (`email`, `display_name`, `id`).

use leptos_jwt_session::{ApiClient, UserFields};

/// The session's user: any user model's fields, as `users/me/` returns them.
pub type User = UserFields;

/// The fields a user is greeted by, the first one they have that is not empty: djoser's
/// `username`, or an email-login model's `display_name`, else the email address. The app shell
/// in `index.html` names the stored user by the same list (a test in `src/shell.rs` keeps the
/// two equal).
pub const DISPLAY_NAME_FIELDS: [&str; 3] = ["username", "display_name", "email"];

/// What a field the user does not have shows.
pub const NO_VALUE: &str = "—";

/// The name to greet a user by.
pub fn display_name(user: &User) -> String {
    user.first_of(&DISPLAY_NAME_FIELDS)
        .unwrap_or(NO_VALUE)
        .to_owned()
}

/// The email address to show: the user's, or [`NO_VALUE`].
pub fn shown_email(user: &User) -> String {
    user.first_of(&["email"]).unwrap_or(NO_VALUE).to_owned()
}

/// How a form field is shown: its name on the wire (and the input's id), label and input type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
}

pub const USERNAME: Field = Field {
    name: "username",
    label: "Username",
    kind: "text",
};
pub const EMAIL: Field = Field {
    name: "email",
    label: "Email",
    kind: "email",
};
pub const DISPLAY_NAME: Field = Field {
    name: "display_name",
    label: "Display name",
    kind: "text",
};

/// Whether the server's user model logs in by email (djoser `LOGIN_FIELD = "email"`), as the
/// page's `<meta name="auth-login-field">` says.
pub fn logs_in_by_email(client: &ApiClient) -> bool {
    client
        .config()
        .is_some_and(|config| config.login_field_name() == "email")
}

/// The field a user logs in with.
pub fn login_field(client: &ApiClient) -> Field {
    if logs_in_by_email(client) {
        EMAIL
    } else {
        USERNAME
    }
}

/// The field the profile page edits: the email address, unless it is the login field, which
/// djoser's `users/me/` does not change; then the display name.
pub fn editable_field(client: &ApiClient) -> Field {
    if logs_in_by_email(client) {
        DISPLAY_NAME
    } else {
        EMAIL
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leptos_jwt_session::SessionUser;

    #[test]
    fn users_are_greeted_by_their_username_or_display_name() {
        let default = User::from_json(r#"{"email":"","id":1,"username":"demo"}"#).expect("user");
        assert_eq!(display_name(&default), "demo");
        let custom = User::from_json(r#"{"display_name":"Demo User","id":1,"email":"d@x.org"}"#)
            .expect("user");
        assert_eq!(display_name(&custom), "Demo User");
    }
}
