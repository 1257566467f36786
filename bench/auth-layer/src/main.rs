//! The floor's two routes plus what an app needs of the auth layer: the store, the client and the
//! keeper in context, a login form, the current user and a logout button.

use leptos::prelude::*;
use leptos_jwt_session::{
    provide_auth, use_auth, use_login, use_logout, AuthConfig, Credentials, DjoserUser,
};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

fn main() {
    mount_to_body(|| {
        let Ok(config) = AuthConfig::from_document() else {
            return view! { <p>"No API base."</p> }.into_any();
        };
        provide_auth(config);
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
        .into_any()
    })
}

#[component]
fn Home() -> impl IntoView {
    let auth = use_auth();
    let login = use_login();
    let logout = use_logout();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    view! {
        <Show
            when=move || auth.is_authenticated()
            fallback=move || view! {
                <form on:submit=move |event| {
                    event.prevent_default();
                    login.submit(Credentials::new(username.get_untracked(), password.get_untracked()));
                }>
                    <input bind:value=username autocomplete="username" />
                    <input type="password" bind:value=password autocomplete="current-password" />
                    <button type="submit">"Log in"</button>
                    <p>{move || login.error().map(|e| e.to_string())}</p>
                </form>
            }
        >
            <p>{move || auth.user::<DjoserUser>().map(|user| user.username)}</p>
            <button on:click=move |_| logout.submit()>"Log out"</button>
        </Show>
    }
}
