//! The smallest app on `leptos-jwt-session`: log in, see a protected page that calls the API,
//! log out. Run it with `trunk serve` in this folder while the reference backend runs
//! (`scripts/dev` at the repository's root), and log in as `demo` / `demo-password`.

use leptos::prelude::*;
use leptos_jwt_session::{
    provide_auth, replacing, use_auth, use_client, use_next_path, ApiClient, AuthConfig, AuthStore,
    Credentials, DjoserUser, RequireAuth,
};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_navigate;
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
    provide_auth::<DjoserUser>(config);
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
    let client: ApiClient = use_client();
    let navigate = use_navigate();
    let next = use_next_path();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let log_in = Action::new_local(move |credentials: &Credentials| client.log_in(credentials));
    Effect::new(move |_| {
        if let Some(Ok(())) = log_in.value().get() {
            navigate(&next, replacing());
        }
    });
    let error = move || {
        log_in
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <h1>"Log in"</h1>
        <form on:submit=move |event| {
            event.prevent_default();
            log_in.dispatch_local(Credentials::new(username.get_untracked(), password.get_untracked()));
        }>
            <label>"Username " <input bind:value=username autocomplete="username"/></label>
            <label>"Password " <input type="password" bind:value=password autocomplete="current-password"/></label>
            <button type="submit">"Log in"</button>
            <p role="alert">{error}</p>
        </form>
    }
}

/// A page for logged-in users: the account as the API returns it, and a logout button.
#[component]
fn Account() -> impl IntoView {
    let auth: AuthStore = use_auth();
    let client: ApiClient = use_client();
    // `GET users/me/`: the token goes along, and an expired one is refreshed and the request
    // replayed. Your own endpoints work the same way:
    // `client.send(&ApiRequest::get("v1/orders/"))`.
    let account = LocalResource::new(move || client.me());
    let log_out = Action::new_local(move |_: &()| client.log_out());
    view! {
        <h1>"Hello, " {move || auth.user().map(|user| user.username)}</h1>
        <p>
            {move || account.get().map(|answer| match answer {
                Ok(user) => format!("Your email address: {}", user.email),
                Err(error) => error.to_string(),
            })}
        </p>
        <button on:click=move |_| { log_out.dispatch_local(()); }>"Log out"</button>
    }
}
