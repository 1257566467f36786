//! Pages and parts of pages for a logged-in user only: the route guard, and "show when logged
//! in".

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::app::next::{login_with_next, replacing};
use crate::app::store::AuthStore;
use crate::platform::browser_window;
use crate::session::state::SessionEnd;

/// A page for a logged-in user only: anyone else, and anyone whose session ends while here, is
/// sent to the login page with `?next=` set to this page, unless they just logged out
/// themselves. Unlike leptos_router's `ProtectedRoute`, the redirect replaces the history
/// entry, so Back from the login page does not bounce off this page again.
///
/// `when` narrows it further, by what the user is (a role, say): a logged-in user for whom it
/// is false sees `fallback` instead of the page (nothing, by default), and is not sent away.
/// While the session is not known yet (see [`AuthStore::is_known`]) it shows `fallback` too.
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_router::components::{Route, Router, Routes};
/// use leptos_router::path;
/// use leptos_jwt_session::{use_auth, RequireAuth, UserFields};
///
/// # #[component] fn Orders() -> impl IntoView { () }
/// # #[component] fn Admin() -> impl IntoView { () }
/// # #[component] fn Login() -> impl IntoView { () }
/// #[component]
/// fn Pages() -> impl IntoView {
///     let auth = use_auth();
///     let staff = Signal::derive(move || {
///         auth.user::<UserFields>().is_some_and(|user| user.get("is_staff") == Some("true"))
///     });
///     view! {
///         <Router>
///             <Routes fallback=|| "Not found.">
///                 <Route path=path!("/login") view=Login/>
///                 <Route path=path!("/orders") view=|| view! { <RequireAuth><Orders/></RequireAuth> }/>
///                 <Route path=path!("/admin") view=move || view! {
///                     <RequireAuth when=staff fallback=|| "Staff only.">
///                         <Admin/>
///                     </RequireAuth>
///                 }/>
///             </Routes>
///         </Router>
///     }
/// }
/// ```
///
/// Needs [`provide_auth`](crate::provide_auth) above it and a router around it; without
/// `provide_auth` it shows `fallback`.
// The component macro makes a hidden inner `pub fn` that the lint sees as unreachable.
#[allow(unreachable_pub)]
#[component]
pub fn RequireAuth(
    /// The page.
    children: ChildrenFn,
    /// What a logged-in user sees when `when` is false (nothing, by default).
    #[prop(optional, into)]
    fallback: ViewFn,
    /// Who may see the page, beyond being logged in.
    #[prop(optional, into)]
    when: Option<Signal<bool>>,
) -> impl IntoView {
    let Some(auth) = use_context::<AuthStore>() else {
        leptos::logging::error!("RequireAuth: no provide_auth above this component");
        return Either::Left(fallback.run());
    };
    Either::Right(move || {
        // Not known yet (a server render, or hydrating): the fallback, never a redirect.
        if !auth.is_known() {
            return Either::Left(Either::Right(fallback.run()));
        }
        if !auth.is_authenticated() {
            let path = login_redirect(auth);
            return Either::Right(view! { <Redirect path options=replacing()/> });
        }
        if when.is_none_or(|allowed| allowed.get()) {
            Either::Left(Either::Left(children()))
        } else {
            Either::Left(Either::Right(fallback.run()))
        }
    })
}

/// Shows its children to a logged-in user and `fallback` (nothing, by default) to anyone else,
/// and while the session is not known yet; it follows the session as it changes, in every tab.
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_jwt_session::Authenticated;
///
/// #[component]
/// fn Nav() -> impl IntoView {
///     view! {
///         <nav>
///             <Authenticated fallback=|| view! { <a href="/login">"Log in"</a> }>
///                 <a href="/profile">"Profile"</a>
///             </Authenticated>
///         </nav>
///     }
/// }
/// ```
#[allow(unreachable_pub)]
#[component]
pub fn Authenticated(
    /// What a logged-in user sees.
    children: ChildrenFn,
    /// What anyone else sees (nothing, by default).
    #[prop(optional, into)]
    fallback: ViewFn,
) -> impl IntoView {
    let auth = use_context::<AuthStore>();
    move || {
        if auth.is_some_and(|auth| auth.is_authenticated()) {
            Either::Left(children())
        } else {
            Either::Right(fallback.run())
        }
    }
}

/// Where a logged-out visitor of a protected page goes: back here after logging in, unless they
/// just logged out themselves.
fn login_redirect(auth: AuthStore) -> String {
    let login = auth.login_path();
    if auth.ended_untracked() == Some(SessionEnd::LoggedOut) {
        return login;
    }
    login_with_next(&login, &current_path())
}

/// Where the visitor is: the page's path and query in the browser, the request's on a server.
fn current_path() -> String {
    if let Some(location) = browser_window().map(|window| window.location()) {
        return location.pathname().unwrap_or_default() + &location.search().unwrap_or_default();
    }
    let location = leptos_router::hooks::use_location();
    let query = location.search.get_untracked();
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    location.pathname.get_untracked() + &query
}
