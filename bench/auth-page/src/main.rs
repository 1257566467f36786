//! bench/auth-layer's page, the same views on plain signals and no auth layer: a login form whose
//! submit is a task, the user's name and a logout button. Its size minus the floor's is the
//! page's own cost; the layer's is what bench/auth-layer adds to this one.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

fn main() {
    mount_to_body(|| {
        view! {
            <Router>
                <nav>
                    <A href="/">"Home"</A>
                    <A href="/about">"About"</A>
                </nav>
                <Routes fallback=|| "Not found.">
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/about") view=|| view! { <h1>"About"</h1> } />
                </Routes>
            </Router>
        }
    })
}

#[component]
fn Home() -> impl IntoView {
    let user = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let log_in = move || {
        let (name, secret) = (username.get_untracked(), password.get_untracked());
        spawn_local(async move {
            if secret.is_empty() {
                error.set(Some("No password.".to_owned()));
            } else {
                user.set(Some(name));
            }
        });
    };
    view! {
        <Show
            when=move || user.with(Option::is_some)
            fallback=move || view! {
                <form on:submit=move |event| {
                    event.prevent_default();
                    log_in();
                }>
                    <input bind:value=username autocomplete="username" />
                    <input type="password" bind:value=password autocomplete="current-password" />
                    <button type="submit">"Log in"</button>
                    <p>{move || error.get()}</p>
                </form>
            }
        >
            <p>{move || user.get()}</p>
            <button on:click=move |_| user.set(None)>"Log out"</button>
        </Show>
    }
}
