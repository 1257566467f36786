//! A login form's and a logout button's plumbing, so that an app writes none: the call, whether
//! it is running, its error, and where to go once the user is in.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api::client::ApiClient;
use crate::api::credentials::Credentials;
use crate::app::next::{replacing, use_next_path};
use crate::http::error::ApiError;
use crate::platform::BrowserOnly;

/// What a login form needs, from [`use_login`]. `Copy`.
#[derive(Debug, Clone, Copy)]
pub struct LoginForm {
    client: Option<ApiClient>,
    pending: RwSignal<bool>,
    error: RwSignal<Option<ApiError>>,
    on_success: BrowserOnly<Box<dyn Fn()>>,
}

/// The login form's plumbing: [`LoginForm::submit`] logs in (and loads the user); while it runs
/// [`LoginForm::pending`] is true; a refusal shows in [`LoginForm::error`]; on success the app
/// goes to where the guard found the user (`?next=`, see [`use_next_path`]), replacing the login
/// page in the history. Call it in the login page's component, under the router.
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_jwt_session::{use_login, Credentials};
///
/// #[component]
/// fn Login() -> impl IntoView {
///     let login = use_login();
///     let (username, password) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
///     view! {
///         <form on:submit=move |event| {
///             event.prevent_default();
///             login.submit(Credentials::new(username.get(), password.get()));
///         }>
///             <input bind:value=username autocomplete="username"/>
///             <input type="password" bind:value=password autocomplete="current-password"/>
///             <button type="submit" disabled=move || login.pending()>"Log in"</button>
///             <p role="alert">{move || login.error().map(|error| error.to_string())}</p>
///         </form>
///     }
/// }
/// ```
#[must_use]
pub fn use_login() -> LoginForm {
    let navigate = use_navigate();
    let next = use_next_path();
    LoginForm::new(Box::new(move || navigate(&next, replacing())))
}

impl LoginForm {
    /// A login form that calls `on_success` once the user is in (instead of navigating).
    fn new(on_success: Box<dyn Fn()>) -> Self {
        Self {
            client: use_context::<ApiClient>(),
            pending: RwSignal::new(false),
            error: RwSignal::new(None),
            on_success: BrowserOnly::new(on_success),
        }
    }

    /// Logs in with `credentials`, unless a login is already under way (a double submit sends
    /// one request). The last error is cleared first, so that a repeated refusal reads as new.
    pub fn submit(&self, credentials: Credentials) {
        let Some(client) = self.client else {
            self.error.try_set(Some(ApiError::Stopped));
            return;
        };
        if self.pending.try_get_untracked() != Some(false) {
            return;
        }
        self.pending.try_set(true);
        self.error.try_set(None);
        let form = *self;
        let logging_in = client.log_in(&credentials);
        spawn_local(async move {
            let outcome = logging_in.await;
            // The page may be gone by now: every write below does nothing then.
            form.pending.try_set(false);
            match outcome {
                Ok(()) => {
                    form.on_success.with(|go| go());
                }
                Err(error) => {
                    form.error.try_set(Some(error));
                }
            }
        });
    }

    /// Whether a login is under way (tracked).
    #[must_use]
    pub fn pending(&self) -> bool {
        self.pending.try_get().unwrap_or(false)
    }

    /// Why the last login failed (tracked): [`ApiError::Unauthorized`] for wrong credentials,
    /// [`ApiError::Fields`] for missing fields, or why no answer came.
    #[must_use]
    pub fn error(&self) -> Option<ApiError> {
        self.error.try_get().flatten()
    }

    /// Forgets the last error (when the user edits the form, say).
    pub fn clear_error(&self) {
        self.error.try_set(None);
    }
}

/// What a logout button needs, from [`use_logout`]. `Copy`.
#[derive(Debug, Clone, Copy)]
pub struct LogoutButton {
    client: Option<ApiClient>,
    pending: RwSignal<bool>,
}

/// A logout button's plumbing: [`LogoutButton::submit`] ends the session in every tab at once
/// (the guard then sends the user to the login page) and blacklists the refresh token on the
/// server; [`LogoutButton::pending`] while that is under way.
#[must_use]
pub fn use_logout() -> LogoutButton {
    LogoutButton {
        client: use_context::<ApiClient>(),
        pending: RwSignal::new(false),
    }
}

impl LogoutButton {
    /// Logs out.
    pub fn submit(&self) {
        let Some(client) = self.client else { return };
        self.pending.try_set(true);
        let pending = self.pending;
        let logging_out = client.log_out();
        spawn_local(async move {
            logging_out.await;
            pending.try_set(false);
        });
    }

    /// Whether the logout is under way (tracked).
    #[must_use]
    pub fn pending(&self) -> bool {
        self.pending.try_get().unwrap_or(false)
    }
}
