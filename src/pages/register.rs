use leptos::prelude::*;
use leptos_jwt_session::{replacing, use_auth, use_client, ApiClient, AuthStore, Registration};
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::use_navigate;

use crate::account::{logs_in_by_email, AccountWire, DISPLAY_NAME, EMAIL, USERNAME};
use crate::components::{busy, field_message, focus_first_invalid, submit_with, Alert, TextField};
use crate::task::Task;

/// `/register`: djoser `POST users/`; field errors next to their fields; then logged in, home.
/// Django's user asks for a username (and an email address, optional); a user model that logs
/// in by email asks for the address and a display name. A server without registration
/// (dj-rest-auth without its registration app, plain SimpleJWT) gets a page that says so.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let auth: AuthStore = use_auth();
    let client: ApiClient = use_client();
    if auth.is_authenticated_untracked() {
        return view! { <Redirect path="/" options=replacing()/> }.into_any();
    }
    if !AccountWire::of_page().offers_registration() {
        return view! {
            <section class="card narrow">
                <h1>"Create an account"</h1>
                <p data-test="registration-not-offered">
                    "This server offers no registration: its administrators create the accounts."
                </p>
                <p class="muted">"Already have an account? " <A href="/login">"Log in"</A></p>
            </section>
        }
        .into_any();
    }
    let navigate = use_navigate();
    let by_email = logs_in_by_email(&client);
    // The login field first; then the user model's other field: email, or display name.
    let (login, other) = if by_email {
        (EMAIL, DISPLAY_NAME)
    } else {
        (USERNAME, EMAIL)
    };
    let login_value = RwSignal::new(String::new());
    let other_value = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let register = Task::new(move |registration: &Registration| client.register(registration));
    Effect::new(move |_| {
        if let Some(Ok(())) = register.value().get() {
            navigate("/", replacing());
        }
    });

    let error = move || register.value().get().and_then(Result::err);
    let field_error = move |name| field_message(error, name);
    let form = NodeRef::<leptos::html::Form>::new();
    focus_first_invalid(form, error);
    // Field errors stand by their fields; the alert announces that there are some.
    let message = Signal::derive(move || error().map(|e| e.to_string()));

    view! {
        <section class="card narrow">
            <h1>"Create an account"</h1>
            <form
                node_ref=form
                novalidate
                on:submit=submit_with(register, move || {
                    Registration::new(login_value.get_untracked(), password.get_untracked())
                        .with_field(other.name, other_value.get_untracked())
                })
            >
                <TextField name=login.name label=login.label kind=login.kind value=login_value autocomplete="username" error=field_error(login.name) required=true/>
                <TextField
                    name=other.name
                    label=if by_email { "Display name" } else { "Email (optional)" }
                    kind=other.kind
                    value=other_value
                    autocomplete=if by_email { "name" } else { "email" }
                    error=field_error(other.name)
                    required=by_email
                />
                <TextField name="password" label="Password" value=password kind="password" autocomplete="new-password" error=field_error("password") required=true/>
                <Alert message/>
                <button type="submit" class="primary" aria-disabled=busy(move || register.pending().get())>
                    {move || if register.pending().get() { "Creating…" } else { "Create account" }}
                </button>
            </form>
            <p class="muted">"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
    .into_any()
}
