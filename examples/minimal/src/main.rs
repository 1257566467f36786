//! The smallest app on `leptos-jwt-session`: log in, see a protected page that calls the API,
//! log out. Run it with `trunk serve` in this folder while the reference backend runs
//! (`scripts/dev` at the repository's root), and log in as `demo` / `demo-password`.

use leptos::prelude::*;
use leptos_jwt_session::{
    provide_auth, use_auth, use_client, use_login, use_logout, AuthConfig, Credentials, DjoserUser,
    RequireAuth,
};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

fn main() {
    console_error_panic_hook::set_once();
    mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    // The API base comes from <meta name="api-base">. For a Django project with
    // SIMPLE_JWT = {"AUTH_HEADER_TYPES": ("JWT",)} and email login, add
    // `.header_type("JWT").login_field("email")` here.
    let config = match AuthConfig::from_document() {
        Ok(config) => config.namespace("minimal-example"),
        Err(error) => return view! { <p>{error.to_string()}</p> }.into_any(),
    };
    provide_auth(config);
    view! {
        <Router>
            <Routes fallback=|| "Not found.">
                <Route path=path!("/login") view=Login/>
                <Route path=path!("/") view=|| view! { <RequireAuth><Account/></RequireAuth> }/>
            </Routes>
        </Router>
    }
    .into_any()
}

/// The login form; once in, back to where the guard found the user.
#[component]
fn Login() -> impl IntoView {
    let login = use_login();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    view! {
        <h1>"Log in"</h1>
        <form on:submit=move |event| {
            event.prevent_default();
            login.submit(Credentials::new(username.get_untracked(), password.get_untracked()));
        }>
            <label>"Username " <input bind:value=username autocomplete="username"/></label>
            <label>"Password " <input type="password" bind:value=password autocomplete="current-password"/></label>
            <button type="submit">"Log in"</button>
            <p role="alert">{move || login.error().map(|error| error.to_string())}</p>
        </form>
    }
}

/// A page for logged-in users: who they are (known since the login), a call to the API, and a
/// logout button.
#[component]
fn Account() -> impl IntoView {
    let auth = use_auth();
    let client = use_client();
    let logout = use_logout();
    // `GET users/me/`: the token goes along, and an expired one is refreshed and the request
    // replayed. Your own endpoints work the same way:
    // `client.send(&ApiRequest::get("v1/orders/"))`.
    let account = LocalResource::new(move || client.me::<DjoserUser>());
    view! {
        <h1>"Hello, " {move || auth.user::<DjoserUser>().map(|user| user.username)}</h1>
        <p>
            {move || account.get().map(|answer| match answer {
                Ok(user) => format!("Your email address: {}", user.email),
                Err(error) => error.to_string(),
            })}
        </p>
        <button on:click=move |_| logout.submit()>"Log out"</button>
    }
}
