use leptos::prelude::*;
use leptos_jwt_session::{replacing, use_auth, use_client, use_login, Credentials, SessionEnd};
use leptos_router::components::{Redirect, A};

use crate::account::{login_field, AccountWire};
use crate::components::{busy, field_message, focus_first_invalid, Alert, TextField};
use crate::shell;

/// What the login page says to a user whose session ran out; the app shell in `index.html` says
/// the same before the app is there (a test in `src/shell.rs` keeps the two equal).
pub const SESSION_EXPIRED: &str = "Your session has expired. Please log in again.";

/// `/login`: the login field (username, or email where the user model logs in by email) and the
/// password; on success, back to `next` (a path on this site) or home.
#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    // Checked once: after a successful login this page navigates itself, to `next`.
    if auth.is_authenticated_untracked() {
        return view! { <Redirect path="/" options=replacing()/> }.into_any();
    }
    let field = login_field(&use_client());
    let registration = AccountWire::of_page().offers_registration();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    // Logs in (the user with it), then goes back to `?next=`.
    let login = use_login();
    let submit = move || {
        login.submit(Credentials::new(
            username.get_untracked(),
            password.get_untracked(),
        ))
    };
    // What the visitor typed into the app shell (index.html) before the app was there.
    shell::on_hand_over(move |carried| {
        // The page may have gone by then (a redirect): nothing to carry over to.
        if username.try_set(carried.login).is_some() {
            return;
        }
        password.set(carried.password);
        if carried.submitted {
            submit();
        }
        if let Some(focus) = carried.focus {
            // Once the values are in the fields.
            request_animation_frame(move || shell::restore_focus(&focus));
        }
    });
    let error = move || login.error();
    let field_error = move |name| field_message(error, name);
    let form = NodeRef::<leptos::html::Form>::new();
    focus_first_invalid(form, error);
    // Field errors stand by their fields; the alert announces that there are some.
    let message = Signal::derive(move || match error() {
        Some(error) => Some(error.to_string()),
        None => (auth.ended() == Some(SessionEnd::Expired)).then(|| SESSION_EXPIRED.to_owned()),
    });

    view! {
        <section class="card narrow">
            <h1>"Log in"</h1>
            <form
                node_ref=form
                novalidate
                on:submit=move |event| {
                    event.prevent_default();
                    submit();
                }
            >
                <TextField name=field.name label=field.label kind=field.kind value=username autocomplete="username" error=field_error(field.name) required=true/>
                <TextField name="password" label="Password" value=password kind="password" autocomplete="current-password" error=field_error("password") required=true/>
                <Alert message/>
                <button type="submit" class="primary" aria-disabled=busy(move || login.pending())>
                    {move || if login.pending() { "Logging in…" } else { "Log in" }}
                </button>
            </form>
            {registration.then(|| view! {
                <p class="muted">"New here? " <A href="/register">"Create an account"</A></p>
            })}
        </section>
    }
    .into_any()
}
