//! The demo app: the auth layer provided once, the routes, and the frame around the pages.

use leptos::prelude::*;
use leptos_jwt_session::{provide_auth, AuthConfig, Authenticated, RequireAuth};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use crate::account::with_the_pages_logout;
use crate::activity::ActivityLog;
use crate::components::{focus_on_page_change, ConnectivityBanner};
use crate::pages::{HomePage, LoginPage, NotFoundPage, ProfilePage, RegisterPage};

/// The storage namespace of the demo's session (key `interceptor-app.session.v1`, as earlier
/// versions kept it, so their sessions still read).
pub const NAMESPACE: &str = "interceptor-app";

/// The whole app. Reads the API base (and the Django settings, if the page names them) from
/// `index.html`, restores the session, mounts the routes.
#[component]
pub fn App() -> impl IntoView {
    match AuthConfig::from_document() {
        Ok(config) => {
            provide_auth(with_the_pages_logout(config).namespace(NAMESPACE));
            ActivityLog::provide();
            view! { <AppRoutes/> }.into_any()
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
fn AppRoutes() -> impl IntoView {
    view! {
        <Router>
            {focus_on_page_change()}
            <header class="topbar">
                <A href="/" attr:class="brand">"interceptor-app"</A>
                <nav>
                    <Authenticated fallback=|| view! { <A href="/login">"Log in"</A> }>
                        <A href="/">"Home"</A>
                        <A href="/profile">"Profile"</A>
                    </Authenticated>
                </nav>
            </header>
            <ConnectivityBanner/>
            <main class="page">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/register") view=RegisterPage/>
                    <Route path=path!("/") view=|| view! { <RequireAuth><HomePage/></RequireAuth> }/>
                    <Route
                        path=path!("/profile")
                        view=|| view! { <RequireAuth><ProfilePage/></RequireAuth> }
                    />
                </Routes>
            </main>
        </Router>
    }
}
