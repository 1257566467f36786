//! The shape of the backend's token API: where its endpoints are, what its answers call the
//! tokens, and which 401 asks for a refresh. djoser's is the default; plain SimpleJWT's is the
//! second; every part can be set on its own for anything else.

/// The API paths, relative to the API base. The defaults are djoser's and SimpleJWT's under
/// `v1/auth/`; [`Endpoints::under`] moves them all, and each field can be set on its own.
/// A `None` endpoint is one the backend does not offer: the call that needs it ends in
/// [`ApiError::NotOffered`](crate::ApiError::NotOffered) without sending anything.
///
/// ```
/// use leptos_jwt_session::Endpoints;
///
/// // path("auth/", include("djoser.urls")), path("auth/", include("djoser.urls.jwt"))
/// let mut endpoints = Endpoints::under("auth/");
/// assert_eq!(endpoints.me.as_deref(), Some("auth/users/me/"));
/// endpoints.token_blacklist = Some("auth/logout/".into());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoints {
    /// A login: djoser's `jwt/create/`, SimpleJWT's `token/`.
    pub token_create: String,
    /// A new access token (and, under rotation, a new refresh token): `jwt/refresh/`.
    pub token_refresh: String,
    /// `jwt/verify/`: never sent a token by the client, as the other token endpoints.
    pub token_verify: Option<String>,
    /// The logout (SimpleJWT's `TokenBlacklistView`): `jwt/blacklist/`.
    pub token_blacklist: Option<String>,
    /// djoser's `users/`: registration.
    pub users: Option<String>,
    /// The current user: djoser's `users/me/`, or an endpoint of your own.
    pub me: Option<String>,
    /// djoser's `users/set_password/`.
    pub set_password: Option<String>,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self::under("v1/auth/")
    }
}

impl Endpoints {
    /// djoser's and SimpleJWT's paths below `prefix` (which ends in `/`, or is empty).
    #[must_use]
    pub fn under(prefix: &str) -> Self {
        let path = |rest: &str| format!("{prefix}{rest}");
        Self {
            token_create: path("jwt/create/"),
            token_refresh: path("jwt/refresh/"),
            token_verify: Some(path("jwt/verify/")),
            token_blacklist: Some(path("jwt/blacklist/")),
            users: Some(path("users/")),
            me: Some(path("users/me/")),
            set_password: Some(path("users/set_password/")),
        }
    }

    /// SimpleJWT's own views as its documentation routes them, below `prefix`: `token/`,
    /// `token/refresh/`, `token/verify/`, `token/blacklist/`. No user endpoint (set
    /// [`Endpoints::me`] to yours), no registration, no password change.
    #[must_use]
    pub fn simplejwt_under(prefix: &str) -> Self {
        let path = |rest: &str| format!("{prefix}{rest}");
        Self {
            token_create: path("token/"),
            token_refresh: path("token/refresh/"),
            token_verify: Some(path("token/verify/")),
            token_blacklist: Some(path("token/blacklist/")),
            users: None,
            me: None,
            set_password: None,
        }
    }

    /// The token endpoints authenticate by their body: they never get an `Authorization` header,
    /// and a 401 from them is an answer, not a reason to refresh.
    pub(crate) fn is_token_endpoint(&self, relative: &str) -> bool {
        [
            Some(&self.token_create),
            Some(&self.token_refresh),
            self.token_verify.as_ref(),
            self.token_blacklist.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|endpoint| endpoint == relative)
    }
}

/// Which 401 answers mean "refresh the access token and try again".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RefreshOn {
    /// SimpleJWT's: a 401 whose body has `"code": "token_not_valid"`. A 401 without it (no
    /// credentials, the wrong header type) goes back to the caller.
    #[default]
    TokenNotValid,
    /// Any 401 from a resource under the API base (other backends).
    AnyUnauthorized,
}

/// What the refresh token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RefreshTokenKind {
    /// A JWT, whose `exp` says when the session runs out (SimpleJWT).
    #[default]
    Jwt,
    /// An opaque string: only the server knows when it expires. Refreshes are scheduled from
    /// the access token's lifetime alone, and a session ends when the server refuses it.
    Opaque,
}

/// The backend's token API: [`Wire::djoser`] (the default) or [`Wire::simplejwt`], and every
/// part of it a setting.
///
/// ```
/// use leptos_jwt_session::{RefreshOn, Wire};
///
/// // path("api/token/", TokenObtainPairView…) and your own `api/me/` view:
/// let wire = Wire::simplejwt("").user_endpoint("me/");
/// assert_eq!(wire.endpoints.token_create, "token/");
/// // A backend that calls its tokens otherwise and answers any stale token with a bare 401:
/// let other = Wire::simplejwt("auth/")
///     .token_fields("access_token", "refresh_token")
///     .refresh_on(RefreshOn::AnyUnauthorized);
/// # let _ = other;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Wire {
    /// Where each call goes.
    pub endpoints: Endpoints,
    /// The access token's name in login and refresh answers (`access`).
    pub access_field: String,
    /// The refresh token's name in login and refresh answers and in refresh and logout bodies
    /// (`refresh`).
    pub refresh_field: String,
    /// Which 401 asks for a refresh.
    pub refresh_on: RefreshOn,
    /// What the refresh token is.
    pub refresh_token: RefreshTokenKind,
    /// The member of the login answer that holds the user, where the backend sends it there
    /// (dj-rest-auth: `user`): then no `users/me/` call follows a login.
    pub login_user_field: Option<String>,
}

impl Default for Wire {
    fn default() -> Self {
        Self::djoser()
    }
}

impl Wire {
    /// djoser + SimpleJWT under `v1/auth/` (see [`Endpoints::under`]).
    #[must_use]
    pub fn djoser() -> Self {
        Self::with_endpoints(Endpoints::default())
    }

    /// SimpleJWT's own views below `prefix`, without djoser (see [`Endpoints::simplejwt_under`]);
    /// add [`Wire::user_endpoint`] for the user.
    #[must_use]
    pub fn simplejwt(prefix: &str) -> Self {
        Self::with_endpoints(Endpoints::simplejwt_under(prefix))
    }

    /// dj-rest-auth's views below `prefix` (`include("dj_rest_auth.urls")` at `api/auth/` is
    /// `Wire::dj_rest_auth("auth/")`): `login/` (whose answer carries the user), `user/`,
    /// `token/refresh/`, `token/verify/`, and `logout/`, which blacklists the refresh cookie.
    /// Its password change takes other fields than djoser's: send it with
    /// [`ApiClient::send`](crate::ApiClient::send).
    #[must_use]
    pub fn dj_rest_auth(prefix: &str) -> Self {
        let path = |rest: &str| format!("{prefix}{rest}");
        let endpoints = Endpoints {
            token_create: path("login/"),
            token_refresh: path("token/refresh/"),
            token_verify: Some(path("token/verify/")),
            token_blacklist: Some(path("logout/")),
            users: None,
            me: Some(path("user/")),
            set_password: None,
        };
        Self::with_endpoints(endpoints).login_user_field("user")
    }

    pub(crate) fn with_endpoints(endpoints: Endpoints) -> Self {
        Self {
            endpoints,
            access_field: "access".to_owned(),
            refresh_field: "refresh".to_owned(),
            refresh_on: RefreshOn::default(),
            refresh_token: RefreshTokenKind::default(),
            login_user_field: None,
        }
    }

    /// The endpoint that answers with the current user (relative to the API base).
    #[must_use]
    pub fn user_endpoint(mut self, path: impl Into<String>) -> Self {
        self.endpoints.me = Some(path.into());
        self
    }

    /// The tokens' names in answers and bodies.
    #[must_use]
    pub fn token_fields(mut self, access: impl Into<String>, refresh: impl Into<String>) -> Self {
        self.access_field = access.into();
        self.refresh_field = refresh.into();
        self
    }

    /// Which 401 asks for a refresh.
    #[must_use]
    pub fn refresh_on(mut self, refresh_on: RefreshOn) -> Self {
        self.refresh_on = refresh_on;
        self
    }

    /// What the refresh token is.
    #[must_use]
    pub fn refresh_token(mut self, kind: RefreshTokenKind) -> Self {
        self.refresh_token = kind;
        self
    }

    /// The member of the login answer that holds the user.
    #[must_use]
    pub fn login_user_field(mut self, field: impl Into<String>) -> Self {
        self.login_user_field = Some(field.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_endpoints_are_known_wherever_they_live() {
        let endpoints = Endpoints::under("auth/");
        assert!(endpoints.is_token_endpoint("auth/jwt/refresh/"));
        assert!(!endpoints.is_token_endpoint("auth/users/me/"));
        assert!(!endpoints.is_token_endpoint("v1/auth/jwt/refresh/"));
        let plain = Endpoints::simplejwt_under("");
        assert!(plain.is_token_endpoint("token/"));
        assert!(plain.is_token_endpoint("token/blacklist/"));
        assert!(!plain.is_token_endpoint("me/"));
    }

    #[test]
    fn plain_simplejwt_offers_no_djoser_calls() {
        let wire = Wire::simplejwt("api/");
        assert_eq!(wire.endpoints.token_refresh, "api/token/refresh/");
        assert_eq!(wire.endpoints.users, None);
        assert_eq!(wire.endpoints.me, None);
        assert_eq!(
            wire.user_endpoint("api/me/").endpoints.me.as_deref(),
            Some("api/me/")
        );
    }
}
