//! The pages, rendered on the server and hydrated in the browser: a login page, a page for
//! logged-in users whose data is loaded (on the server, in the cookie mode) as the visitor, a
//! page that calls the API from the browser, and logout.

use leptos::prelude::*;
use leptos_jwt_session::{
    provide_auth, use_auth, use_client, use_login, use_logout, AuthConfig, Authenticated,
    Credentials, RequireAuth, UserFields,
};
use leptos_meta::MetaTags;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

/// How the app talks to Django, the same in the server's render and in the browser.
#[derive(Debug, Clone)]
pub struct PageSettings {
    /// `cookies` (dj-rest-auth, httpOnly cookies) or `storage` (djoser, `localStorage`).
    pub mode: &'static str,
}

impl PageSettings {
    fn wire(&self) -> &'static str {
        if self.mode == "cookies" {
            "dj-rest-auth"
        } else {
            "djoser"
        }
    }
}

/// The HTML around the app: the page's settings as the meta tags the library reads in the
/// browser, and the hydration scripts.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let settings = use_context::<PageSettings>().unwrap_or(PageSettings { mode: "storage" });
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="api-base" content="/api/"/>
                <meta name="auth-wire" content=settings.wire()/>
                <meta name="auth-token-mode" content=settings.mode/>
                <title>"leptos-jwt-session, server-rendered"</title>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The layer's settings: on the server from the request's context (the server has no page to
/// read them from), in the browser from the page's meta tags.
fn auth_config() -> Option<AuthConfig> {
    use_context::<AuthConfig>().or_else(|| AuthConfig::from_document().ok())
}

#[component]
pub fn App() -> impl IntoView {
    let Some(config) = auth_config() else {
        return view! { <p>"This page names no API base."</p> }.into_any();
    };
    let cookies = config.uses_cookies();
    provide_auth(config);
    // Effects run in the browser only, once the page is hydrated: a mark for whoever waits on
    // the page being live (the e2e tests do).
    Effect::new(|| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
    view! {
        <Router>
            <nav>
                <Authenticated fallback=|| view! { <A href="/login">"Log in"</A> }>
                    <A href="/">"Account"</A>
                    " · "
                    <A href="/browser">"From the browser"</A>
                    " · "
                    <LogOut/>
                </Authenticated>
            </nav>
            <main>
                <Routes fallback=|| "Not found.">
                    <Route path=path!("/login") view=Login/>
                    // Async: the page, or the redirect, is decided before anything streams.
                    <Route
                        path=path!("/")
                        ssr=SsrMode::Async
                        view=move || view! {
                            <RequireAuth fallback=|| view! { <p id="checking">"Checking your session…"</p> }>
                                <Account cookies/>
                            </RequireAuth>
                        }
                    />
                    <Route
                        path=path!("/browser")
                        view=|| view! {
                            <RequireAuth fallback=|| view! { <p id="checking">"Checking your session…"</p> }>
                                <FromTheBrowser/>
                            </RequireAuth>
                        }
                    />
                </Routes>
            </main>
        </Router>
    }
    .into_any()
}

#[component]
fn Login() -> impl IntoView {
    let login = use_login();
    let (username, password) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    view! {
        <h1>"Log in"</h1>
        <form on:submit=move |event| {
            event.prevent_default();
            login.submit(Credentials::new(username.get_untracked(), password.get_untracked()));
        }>
            <input id="username" bind:value=username autocomplete="username"/>
            <input id="password" type="password" bind:value=password autocomplete="current-password"/>
            <button type="submit">"Log in"</button>
            <p role="alert">{move || login.error().map(|error| error.to_string())}</p>
        </form>
    }
}

#[component]
fn LogOut() -> impl IntoView {
    let logout = use_logout();
    view! { <button id="log-out" on:click=move |_| logout.submit()>"Log out"</button> }
}

/// The visitor's account as the API answers for them. In the cookie mode the server loads it
/// (a server function, as the visitor) and it is in the server's HTML; in the storage mode only
/// the browser holds a token, so the browser loads it after hydration.
#[component]
fn Account(cookies: bool) -> impl IntoView {
    if cookies {
        let account = Resource::new(|| (), |()| load_account());
        view! {
            <h1>"Your account"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                <p id="account">{move || account.get().map(|answer| answer.unwrap_or_else(|error| error.to_string()))}</p>
            </Suspense>
        }
        .into_any()
    } else {
        view! { <h1>"Your account"</h1> <FromTheBrowser/> }.into_any()
    }
}

/// The account, asked of the API from the browser, through the interceptor; and a burst of
/// requests at once, which share one refresh when the access token has expired.
#[component]
fn FromTheBrowser() -> impl IntoView {
    let auth = use_auth();
    let client = use_client();
    let account = LocalResource::new(move || client.me::<UserFields>());
    let answered = RwSignal::new(None::<String>);
    let burst = move |_| {
        answered.set(None);
        let calls: Vec<_> = (0..BURST).map(|_| client.me::<UserFields>()).collect();
        leptos::task::spawn_local(async move {
            let answers = futures::future::join_all(calls).await;
            let ok = answers.iter().filter(|answer| answer.is_ok()).count();
            // The page may be gone by now.
            answered.try_set(Some(format!("{ok} of {BURST} answered")));
        });
    };
    view! {
        <p id="user">{move || auth.user::<UserFields>().and_then(|user| user.get("username").map(str::to_owned))}</p>
        <p id="browser-account">
            {move || account.get().map(|answer| match answer {
                Ok(user) => format!("From the browser: {}", user.get("username").unwrap_or("?")),
                Err(error) => error.to_string(),
            })}
        </p>
        <button id="burst" on:click=burst>{format!("Ask {BURST} times at once")}</button>
        <p id="burst-answers">{answered}</p>
    }
}

/// How many requests the burst button sends together.
const BURST: usize = 5;

/// The visitor's account, loaded on the server with their access token (refreshed through
/// their refresh cookie when needed, by the session middleware).
#[server(prefix = "/fn")]
pub async fn load_account() -> Result<String, ServerFnError> {
    use leptos_jwt_session::server::ServerSession;
    let session =
        ServerSession::current().ok_or_else(|| ServerFnError::new("no session middleware"))?;
    let answer = session
        .get("auth/user/")
        .await
        .map_err(|error| ServerFnError::new(error.to_string()))?;
    answer
        .ok()
        .map_err(|error| ServerFnError::new(error.to_string()))?;
    let user = leptos_jwt_session::SessionUser::from_json(&answer.text())
        .map(|user: UserFields| user.get("username").unwrap_or("?").to_owned())
        .map_err(|error| ServerFnError::new(error.to_string()))?;
    Ok(format!("Loaded on the server for {user}"))
}
