use leptos::prelude::*;
use leptos_jwt_session::{use_auth, use_client, ApiClient, AuthStore};

use crate::account::{display_name, editable_field, login_field, AccountWire, Field, User};
use crate::components::{busy, field_message, focus_first_invalid, submit_with, Alert, TextField};
use crate::task::Task;

/// `/profile`: the account as the server has it, changing the email address (or, where it is
/// the login field, the display name; dj-rest-auth's first name) and the password.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let auth: AuthStore = use_auth();
    let client: ApiClient = use_client();
    let wire = AccountWire::of_page();
    let field = editable_field(&client, &wire);
    let value_of = move |user: &User| user.get(field.name).unwrap_or_default().to_owned();
    let value = RwSignal::new(
        auth.user::<User>()
            .map(|u| value_of(&u))
            .unwrap_or_default(),
    );
    // A task, as on the home page.
    let me = Task::new(move |_: &()| {
        let typed = value.get_untracked();
        async move {
            let user = client.me::<User>().await;
            // Never overwrite what the user has started typing meanwhile; and the page may be
            // gone by now, with its signal.
            if let Ok(user) = &user {
                if value.try_get_untracked() == Some(typed) {
                    value.try_set(value_of(user));
                }
            }
            user
        }
    });
    me.dispatch(());
    let save =
        Task::new(move |value: &String| client.update_me::<User>([(field.name, value.clone())]));

    let error = move || {
        save.value()
            .get()
            .and_then(Result::err)
            .or_else(|| me.value().get().and_then(Result::err))
    };
    let field_error = field_message(error, field.name);
    let form = NodeRef::<leptos::html::Form>::new();
    // Only the save's refusal: users/me/ answering later must not pull the focus back.
    focus_first_invalid(form, move || save.value().get().and_then(Result::err));
    let message = Signal::derive(move || error().map(|e| e.to_string()));
    let saved = move || matches!(save.value().get(), Some(Ok(_)));

    view! {
        <section class="card narrow">
            <h1>"Profile"</h1>
            <p class="muted">
                "Signed in as " <strong data-test="profile-username">{move || auth.user::<User>().map(|u| display_name(&u))}</strong>
            </p>
            <form
                node_ref=form
                novalidate
                on:submit=submit_with(save, move || value.get_untracked())
            >
                <TextField
                    name=field.name
                    label=field.label
                    kind=field.kind
                    autocomplete=match field.name {
                        "email" => "email",
                        "first_name" => "given-name",
                        _ => "name",
                    }
                    value=value
                    error=field_error
                />
                <Alert message/>
                <button type="submit" class="primary" aria-disabled=busy(move || save.pending().get())>
                    {move || if save.pending().get() { "Saving…" } else { "Save" }}
                </button>
                <p class="ok" role="status">{move || saved().then_some("Saved.")}</p>
            </form>
        </section>
        {match wire.password_fields() {
            Some(fields) => view! { <PasswordForm wire fields/> }.into_any(),
            None => view! {
                <section class="card narrow" aria-labelledby="password-title">
                    <h2 id="password-title">"Change password"</h2>
                    <p class="muted" data-test="password-not-offered">"This server offers no password change."</p>
                </section>
            }
            .into_any(),
        }}
    }
}

/// Changing the password: djoser's `POST users/set_password/` (the current and the new one) or
/// dj-rest-auth's `POST password/change/` (the new one twice).
#[component]
fn PasswordForm(wire: AccountWire, fields: [Field; 2]) -> impl IntoView {
    let auth: AuthStore = use_auth();
    let client: ApiClient = use_client();
    let login = login_field(&client);
    let [first_field, second_field] = fields;
    let first = RwSignal::new(String::new());
    let second = RwSignal::new(String::new());
    let change = Task::new(move |(first, second): &(String, String)| {
        wire.change_password(client, first.clone(), second.clone())
    });
    // A password that has done its job does not stay on screen.
    Effect::new(move |_| {
        if let Some(Ok(())) = change.value().get() {
            first.set(String::new());
            second.set(String::new());
        }
    });
    let error = move || change.value().get().and_then(Result::err);
    let form = NodeRef::<leptos::html::Form>::new();
    focus_first_invalid(form, error);
    let message = Signal::derive(move || error().map(|e| e.to_string()));
    let changed = move || matches!(change.value().get(), Some(Ok(())));

    view! {
        <section class="card narrow" aria-labelledby="password-title">
            <h2 id="password-title">"Change password"</h2>
            <form
                node_ref=form
                novalidate
                on:submit=submit_with(change, move || (first.get_untracked(), second.get_untracked()))
            >
                // For password managers: which account the new password belongs to.
                <input
                    type="text"
                    name="username"
                    autocomplete="username"
                    hidden
                    readonly
                    prop:value=move || {
                        auth.user::<User>()
                            .and_then(|u| u.get(login.name).map(str::to_owned))
                            .unwrap_or_default()
                    }
                />
                <TextField name=first_field.name label=first_field.label kind="password" autocomplete=password_autocomplete(first_field) value=first error=field_message(error, first_field.name) required=true/>
                <TextField name=second_field.name label=second_field.label kind="password" autocomplete=password_autocomplete(second_field) value=second error=field_message(error, second_field.name) required=true/>
                <Alert message/>
                <button type="submit" class="primary" aria-disabled=busy(move || change.pending().get())>
                    {move || if change.pending().get() { "Changing…" } else { "Change password" }}
                </button>
                <p class="ok" role="status" data-test="password-changed">{move || changed().then_some("Password changed.")}</p>
            </form>
        </section>
    }
}

/// What a password manager fills into `field`.
fn password_autocomplete(field: Field) -> &'static str {
    if field.name == "current_password" {
        "current-password"
    } else {
        "new-password"
    }
}
