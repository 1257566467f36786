//! What the demo shows of an account, whichever user model the server has: djoser's default
//! (`username`, `email`, `id`), one that logs in by email (`email`, `display_name`, `id`), or
//! dj-rest-auth's (`pk`, `username`, `email`, `first_name`, `last_name`); and which account calls
//! the server offers.

use leptos_jwt_session::{ApiClient, ApiRequest, ApiResult, AuthConfig, UserFields, Wire};

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

/// The user's id: djoser's `id`, or dj-rest-auth's `pk`.
pub fn user_id(user: &User) -> Option<String> {
    user.first_of(&["id", "pk"]).map(str::to_owned)
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
pub const FIRST_NAME: Field = Field {
    name: "first_name",
    label: "First name",
    kind: "text",
};
const CURRENT_PASSWORD: Field = Field {
    name: "current_password",
    label: "Current password",
    kind: "password",
};
const NEW_PASSWORD: Field = Field {
    name: "new_password",
    label: "New password",
    kind: "password",
};
const NEW_PASSWORD1: Field = Field {
    name: "new_password1",
    label: "New password",
    kind: "password",
};
const NEW_PASSWORD2: Field = Field {
    name: "new_password2",
    label: "New password, again",
    kind: "password",
};

/// The content of the page's `<meta name="…">`, if it has one that is not empty.
fn page_meta(name: &str) -> Option<String> {
    let document = web_sys::window()?.document()?;
    let meta = document
        .query_selector(&format!("meta[name='{name}']"))
        .ok()??;
    let content = meta.get_attribute("content")?;
    let content = content.trim();
    (!content.is_empty()).then(|| content.to_owned())
}

/// Whether the tokens are httpOnly cookies, as the page's `<meta name="auth-token-mode">` says.
pub fn tokens_in_cookies() -> bool {
    page_meta("auth-token-mode").is_some_and(|mode| mode != "storage")
}

/// `config` with dj-rest-auth's logout at the URL the page's `<meta name="auth-logout-path">`
/// names (below the API base), where it has one: a project that narrows
/// `JWT_AUTH_REFRESH_COOKIE_PATH` to the refresh URL also mounts the logout view below it
/// (`token/refresh/logout/`), since the browser sends the refresh cookie nowhere else and a
/// logout without it revokes nothing (README, "The refresh cookie's path").
pub fn with_the_pages_logout(config: AuthConfig) -> AuthConfig {
    match (AccountWire::of_page(), page_meta("auth-logout-path")) {
        (AccountWire::DjRestAuth { prefix }, Some(logout)) => {
            let mut wire = Wire::dj_rest_auth(&prefix);
            wire.endpoints.token_blacklist = Some(logout);
            config.wire(wire)
        }
        _ => config,
    }
}

/// The account calls the server offers besides logging in and out, by the page's
/// `<meta name="auth-wire">` and `auth-wire-prefix` (the library reads them too, but only says
/// a call is missing once it is made: `ApiError::NotOffered`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountWire {
    /// djoser: registration, `users/me/`, `users/set_password/`.
    Djoser,
    /// SimpleJWT's own views: no registration, no password change.
    SimpleJwt,
    /// dj-rest-auth without its registration app: `user/` (whose email is read-only) and
    /// `password/change/`, below `prefix`.
    DjRestAuth { prefix: String },
}

impl AccountWire {
    /// What this page says.
    pub fn of_page() -> Self {
        Self::named(
            page_meta("auth-wire").as_deref(),
            page_meta("auth-wire-prefix").as_deref(),
        )
    }

    /// The wire `name`d by the page (djoser when it names none, or one the library refuses
    /// anyway), below `prefix`.
    pub fn named(name: Option<&str>, prefix: Option<&str>) -> Self {
        match name {
            Some("simplejwt") => Self::SimpleJwt,
            Some("dj-rest-auth") => Self::DjRestAuth {
                prefix: prefix.unwrap_or("auth/").to_owned(),
            },
            _ => Self::Djoser,
        }
    }

    /// Whether there is a registration to offer.
    pub fn offers_registration(&self) -> bool {
        *self == Self::Djoser
    }

    /// The two fields of the password change, where the server offers one: djoser's current
    /// and new password, dj-rest-auth's new password twice (it asks for no current one unless
    /// `OLD_PASSWORD_FIELD_ENABLED`).
    pub fn password_fields(&self) -> Option<[Field; 2]> {
        match self {
            Self::Djoser => Some([CURRENT_PASSWORD, NEW_PASSWORD]),
            Self::SimpleJwt => None,
            Self::DjRestAuth { .. } => Some([NEW_PASSWORD1, NEW_PASSWORD2]),
        }
    }

    /// Changes the password with the values of [`Self::password_fields`], in their order.
    pub fn change_password(
        &self,
        client: ApiClient,
        first: String,
        second: String,
    ) -> impl std::future::Future<Output = ApiResult<()>> + 'static {
        let dj_rest_auth = match self {
            Self::DjRestAuth { prefix } => Some(format!("{prefix}password/change/")),
            _ => None,
        };
        async move {
            match dj_rest_auth {
                Some(path) => {
                    let request = ApiRequest::post(path)
                        .json_fields([(NEW_PASSWORD1.name, first), (NEW_PASSWORD2.name, second)]);
                    client.send(&request).await?.ok()
                }
                // djoser's, or `NotOffered` where there is none.
                None => client.set_password(&first, &second).await,
            }
        }
    }
}

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
/// djoser's `users/me/` does not change (then the display name), or read-only, as in
/// dj-rest-auth's `user/` (then the first name).
pub fn editable_field(client: &ApiClient, wire: &AccountWire) -> Field {
    if matches!(wire, AccountWire::DjRestAuth { .. }) {
        FIRST_NAME
    } else if logs_in_by_email(client) {
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

    #[test]
    fn a_user_id_is_djosers_id_or_dj_rest_auths_pk() {
        let djoser = User::from_json(r#"{"email":"","id":7,"username":"demo"}"#).expect("user");
        assert_eq!(user_id(&djoser).as_deref(), Some("7"));
        let rest_auth = User::from_json(
            r#"{"pk":1,"username":"demo","email":"demo@example.com","first_name":"","last_name":""}"#,
        )
        .expect("user");
        assert_eq!(user_id(&rest_auth).as_deref(), Some("1"));
        assert_eq!(display_name(&rest_auth), "demo");
    }

    #[test]
    fn each_wire_offers_its_own_account_calls() {
        let djoser = AccountWire::named(None, None);
        assert!(djoser.offers_registration());
        assert_eq!(
            djoser.password_fields().map(|f| f.map(|f| f.name)),
            Some(["current_password", "new_password"])
        );
        let rest_auth = AccountWire::named(Some("dj-rest-auth"), None);
        assert_eq!(
            rest_auth,
            AccountWire::DjRestAuth {
                prefix: "auth/".into()
            }
        );
        assert!(!rest_auth.offers_registration());
        assert_eq!(
            rest_auth.password_fields().map(|f| f.map(|f| f.name)),
            Some(["new_password1", "new_password2"])
        );
        let plain = AccountWire::named(Some("simplejwt"), Some("api/"));
        assert!(!plain.offers_registration());
        assert_eq!(plain.password_fields(), None);
    }
}
