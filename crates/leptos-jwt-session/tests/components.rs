//! The helpers an app builds its pages from, mounted under a real router: the login form's
//! plumbing (`use_login`), the logout button's (`use_logout`), "show when logged in"
//! (`Authenticated`) and the guard with a fallback and a condition (`RequireAuth`).
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use leptos_jwt_session::{
    provide_auth, use_auth, use_login, use_logout, ApiError, Authenticated, Credentials,
    RequireAuth, StorageKind, UserFields,
};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

fn location() -> String {
    let location = web_sys::window().expect("window").location();
    location.pathname().unwrap_or_default() + &location.search().unwrap_or_default()
}

/// A login page built on `use_login`: the credentials are given, not typed.
#[component]
fn Login(password: &'static str) -> impl IntoView {
    let login = use_login();
    view! {
        <button id="log-in" on:click=move |_| login.submit(Credentials::new(DEMO_USER, password))>
            "Log in"
        </button>
        <p id="pending">{move || login.pending().to_string()}</p>
        <p id="error">{move || login.error().map(|error| error.code())}</p>
    }
}

#[component]
fn Header() -> impl IntoView {
    let logout = use_logout();
    view! {
        <Authenticated fallback=|| view! { <p id="visitor">"Log in, please"</p> }>
            <button id="log-out" on:click=move |_| logout.submit()>"Log out"</button>
        </Authenticated>
    }
}

/// The pages, mounted at `path`, with the layer provided over `localStorage`.
struct App {
    _handle: Box<dyn std::any::Any>,
    container: HtmlElement,
}

impl Drop for App {
    fn drop(&mut self) {
        self.container.remove();
    }
}

impl App {
    /// `password` is what the login page sends; `/staff` is for the user named `staff_name`.
    fn mount_at(path: &str, password: &'static str, staff_name: &'static str) -> Self {
        go_to(path);
        let container = new_container();
        let handle = leptos::mount::mount_to(container.clone(), move || {
            provide_auth(config().storage(StorageKind::Local));
            let auth = use_auth();
            let staff = Signal::derive(move || {
                auth.user::<UserFields>()
                    .is_some_and(|user| user.get("username") == Some(staff_name))
            });
            view! {
                <Router>
                    <Header/>
                    <Routes fallback=|| "Not found.">
                        <Route path=path!("/login") view=move || view! { <Login password/> }/>
                        <Route path=path!("/orders") view=|| view! {
                            <RequireAuth><p id="orders">"Orders"</p></RequireAuth>
                        }/>
                        <Route path=path!("/staff") view=move || view! {
                            <RequireAuth when=staff fallback=|| view! { <p id="forbidden">"Staff only"</p> }>
                                <p id="staff">"Staff"</p>
                            </RequireAuth>
                        }/>
                    </Routes>
                </Router>
            }
        });
        Self {
            _handle: Box::new(handle),
            container,
        }
    }

    fn find(&self, id: &str) -> Option<HtmlElement> {
        self.container
            .query_selector(&format!("#{id}"))
            .ok()
            .flatten()
            .map(|element| element.unchecked_into())
    }

    fn text(&self, id: &str) -> String {
        self.find(id)
            .and_then(|element| element.text_content())
            .unwrap_or_default()
    }

    fn click(&self, id: &str) {
        self.find(id).expect(id).click();
    }
}

#[wasm_bindgen_test]
async fn the_login_form_logs_in_and_goes_back_where_the_guard_found_the_user() {
    reset().await;
    let app = App::mount_at("/orders", DEMO_PASSWORD, "");
    assert!(
        eventually(2_000, || location() == "/login?next=/orders").await,
        "{}",
        location()
    );
    assert!(app.find("visitor").is_some(), "the fallback for a visitor");
    app.click("log-in");
    assert!(eventually(3_000, || app.find("orders").is_some()).await);
    assert_eq!(location(), "/orders");
    assert!(
        app.find("log-out").is_some(),
        "the header follows the session"
    );
    assert!(app.find("visitor").is_none());
    let log = server_log().await;
    assert_eq!(count(&log, "/jwt/create/"), 1, "{log:?}");
    assert_eq!(count(&log, ME), 1, "the user came with the login: {log:?}");
}

#[wasm_bindgen_test]
async fn the_login_form_shows_a_refusal_and_stays() {
    reset().await;
    let app = App::mount_at("/login", "not-the-password", "");
    assert!(eventually(2_000, || app.find("log-in").is_some()).await);
    app.click("log-in");
    assert!(eventually(3_000, || app.text("error") == "unauthorized").await);
    assert_eq!(app.text("pending"), "false");
    assert_eq!(location(), "/login");
    // A second click while one is under way sends one request.
    clear_log().await;
    set_fault(r#"{"path":"v1/auth/jwt/create/","delay_ms":400}"#).await;
    app.click("log-in");
    app.click("log-in");
    assert!(eventually(1_000, || app.text("pending") == "true").await);
    assert!(eventually(3_000, || app.text("pending") == "false").await);
    assert_eq!(count(&server_log().await, "/jwt/create/"), 1);
    assert_eq!(
        ApiError::Unauthorized {
            detail: None,
            code: None
        }
        .code(),
        app.text("error")
    );
}

#[wasm_bindgen_test]
async fn logging_out_sends_the_user_to_the_login_page_without_next() {
    reset().await;
    let app = App::mount_at("/orders", DEMO_PASSWORD, "");
    assert!(eventually(2_000, || app.find("log-in").is_some()).await);
    app.click("log-in");
    assert!(eventually(3_000, || app.find("orders").is_some()).await);
    app.click("log-out");
    assert!(
        eventually(3_000, || location() == "/login").await,
        "{}",
        location()
    );
    assert!(app.find("visitor").is_some());
    assert!(
        eventually_logged(2_000, |log| count(log, "/jwt/blacklist/") == 1).await,
        "the refresh token is blacklisted"
    );
}

#[wasm_bindgen_test]
async fn a_guard_with_a_condition_shows_its_fallback_to_users_it_refuses() {
    reset().await;
    let app = App::mount_at("/staff", DEMO_PASSWORD, "somebody-else");
    assert!(eventually(2_000, || location() == "/login?next=/staff").await);
    app.click("log-in");
    // The demo user is not the one allowed: the fallback, and no redirect away.
    assert!(eventually(3_000, || app.find("forbidden").is_some()).await);
    assert_eq!(location(), "/staff");
    assert!(app.find("staff").is_none());
}

#[wasm_bindgen_test]
async fn a_guard_with_a_condition_shows_the_page_to_users_it_allows() {
    reset().await;
    let app = App::mount_at("/staff", DEMO_PASSWORD, DEMO_USER);
    assert!(eventually(2_000, || app.find("log-in").is_some()).await);
    app.click("log-in");
    assert!(eventually(3_000, || app.find("staff").is_some()).await);
    assert!(app.find("forbidden").is_none());
}
