use leptos::prelude::*;

use crate::components::{field_message, focus_first_invalid, Alert, TextField};
use crate::context::{use_auth, use_client};

/// `/profile`: the account as the server has it, and changing the email address.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let auth = use_auth();
    let client = use_client();
    let email = RwSignal::new(auth.user().map(|u| u.email).unwrap_or_default());
    // An action, not a resource: see the home page.
    let me = Action::new_local(move |_: &()| {
        let typed = email.get_untracked();
        async move {
            let user = client.me().await;
            // Never overwrite what the user has started typing meanwhile.
            if let Ok(user) = &user {
                if email.get_untracked() == typed {
                    email.set(user.email.clone());
                }
            }
            user
        }
    });
    me.dispatch_local(());
    let save = Action::new_local(move |email: &String| {
        let email = email.clone();
        async move { client.update_email(&email).await }
    });

    let error = move || {
        save.value()
            .get()
            .and_then(Result::err)
            .or_else(|| me.value().get().and_then(Result::err))
    };
    let email_error = field_message(error, "email");
    let form = NodeRef::<leptos::html::Form>::new();
    focus_first_invalid(form, error);
    let message = Signal::derive(move || error().map(|e| e.to_string()));
    let saved = move || matches!(save.value().get(), Some(Ok(_)));

    view! {
        <section class="card narrow">
            <h1>"Profile"</h1>
            <p class="muted">
                "Signed in as " <strong data-test="profile-username">{move || auth.user().map(|u| u.username)}</strong>
            </p>
            <form
                node_ref=form
                novalidate
                on:submit=move |event| {
                    event.prevent_default();
                    save.dispatch_local(email.get_untracked());
                }
            >
                <TextField name="email" label="Email" kind="email" autocomplete="email" value=email error=email_error/>
                <Alert message/>
                <button type="submit" class="primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else { "Save" }}
                </button>
                <p class="ok" role="status">{move || saved().then_some("Saved.")}</p>
            </form>
        </section>
    }
}
