//! The demo app: routes and the frame around the pages.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::path;

use crate::api::ApiBase;
use crate::auth::{AuthStore, SessionEnd};
use crate::components::ConnectivityBanner;
use crate::context::{provide_auth, AuthConfig};
use crate::pages::{HomePage, LoginPage, NotFoundPage, ProfilePage, RegisterPage};
use crate::routes::{login_with_next, replacing, LOGIN};

/// The whole app. Reads the API base from `index.html`, restores the session, mounts the routes.
#[component]
pub fn App() -> impl IntoView {
    match ApiBase::from_document() {
        Ok(base) => {
            let (auth, _client) = provide_auth(AuthConfig::new(base));
            view! { <AppRoutes auth/> }.into_any()
        }
        Err(error) => view! {
            <main class="page">
                <p class="alert" role="alert">{format!("This app is misconfigured: {error}.")}</p>
            </main>
        }
        .into_any(),
    }
}

#[component]
fn AppRoutes(auth: AuthStore) -> impl IntoView {
    view! {
        <Router>
            <header class="topbar">
                <A href="/" attr:class="brand">"interceptor-app"</A>
                <nav>
                    <Show
                        when=move || auth.is_authenticated()
                        fallback=|| view! { <A href="/login">"Log in"</A> }
                    >
                        <A href="/">"Home"</A>
                        <A href="/profile">"Profile"</A>
                    </Show>
                </nav>
            </header>
            <ConnectivityBanner/>
            <main class="page">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/register") view=RegisterPage/>
                    <Route
                        path=path!("/")
                        view=move || view! { <RequireAuth auth><HomePage/></RequireAuth> }
                    />
                    <Route
                        path=path!("/profile")
                        view=move || view! { <RequireAuth auth><ProfilePage/></RequireAuth> }
                    />
                </Routes>
            </main>
        </Router>
    }
}

/// A page for a logged-in user only: anyone else, and anyone whose session ends while here, is
/// sent to the login page. Unlike leptos_router's `ProtectedRoute`, the redirect replaces the
/// history entry, so Back from the login page does not bounce off this page again.
#[component]
fn RequireAuth(auth: AuthStore, children: ChildrenFn) -> impl IntoView {
    move || {
        if auth.is_authenticated() {
            Either::Left(children())
        } else {
            Either::Right(view! { <Redirect path=login_redirect(auth) options=replacing()/> })
        }
    }
}

/// Where a logged-out visitor of a protected page goes: back here after logging in, unless they
/// just logged out themselves.
fn login_redirect(auth: AuthStore) -> String {
    if auth.ended_untracked() == Some(SessionEnd::LoggedOut) {
        return LOGIN.to_owned();
    }
    let here = web_sys::window()
        .map(|window| window.location())
        .and_then(|location| Some(location.pathname().ok()? + &location.search().ok()?))
        .unwrap_or_default();
    login_with_next(&here)
}
