//! The browser build of a server-rendered app (`hydrate`): the page first shows the session as
//! the server rendered it, *not known yet* in the storage mode, so that hydration meets the
//! same DOM; the guard and "show when logged in" show their fallbacks meanwhile and never
//! redirect; once hydration is over they resolve, before the browser paints the next frame.
//! (The whole of it, a real server render included, is in the e2e tests of `examples/ssr`.)
#![cfg(all(target_arch = "wasm32", feature = "hydrate"))]

mod support;

use leptos::prelude::*;
use leptos_jwt_session::{
    provide_auth, use_auth, AuthStore, Authenticated, RequireAuth, StorageKind,
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

/// Waits for the browser's next animation frame: whatever the page shows by then is what the
/// user sees first.
async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .expect("window")
            .request_animation_frame(&resolve);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// What the page showed right after mounting, before any effect ran, and the store.
struct Mounted {
    _handle: Box<dyn std::any::Any>,
    container: HtmlElement,
    store: AuthStore,
    first_known: bool,
    first_html: String,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.container.remove();
    }
}

impl Mounted {
    /// A protected page at `/orders` and a nav, over `localStorage`, mounted at `path`.
    fn at(path: &str) -> Self {
        go_to(path);
        let container = new_container();
        let store = std::rc::Rc::new(std::cell::Cell::new(None));
        let out = store.clone();
        let handle = leptos::mount::mount_to(container.clone(), move || {
            provide_auth(config().storage(StorageKind::Local));
            out.set(Some(use_auth()));
            view! {
                <Router>
                    <Authenticated fallback=|| view! { <p id="visitor">"Log in"</p> }>
                        <p id="member">"Account"</p>
                    </Authenticated>
                    <Routes fallback=|| "Not found.">
                        <Route path=path!("/login") view=|| view! { <p id="login">"Login"</p> }/>
                        <Route path=path!("/orders") view=|| view! {
                            <RequireAuth fallback=|| view! { <p id="checking">"Checking"</p> }>
                                <p id="orders">"Orders"</p>
                            </RequireAuth>
                        }/>
                    </Routes>
                </Router>
            }
        });
        let store = store.take().expect("provided");
        Self {
            first_known: untrack(|| store.is_known()),
            first_html: container.inner_html(),
            _handle: Box::new(handle),
            container,
            store,
        }
    }

    fn has(&self, id: &str) -> bool {
        self.container
            .query_selector(&format!("#{id}"))
            .ok()
            .flatten()
            .map(|element| element.unchecked_into::<HtmlElement>())
            .is_some()
    }
}

/// Logs the demo user in over `localStorage` and lets that layer go, as a tab that has closed.
async fn a_stored_session() {
    let earlier = harness_with(config().storage(StorageKind::Local));
    log_in_demo(&earlier).await;
    drop(earlier);
}

#[wasm_bindgen_test]
async fn a_returning_user_sees_the_fallback_first_then_the_page_in_the_same_frame() {
    reset().await;
    a_stored_session().await;
    let page = Mounted::at("/orders");
    assert!(!page.first_known, "not known until hydration is over");
    // The router may render its route a tick later; the page itself is never there first.
    assert!(
        !page.first_html.contains("Orders"),
        "the guard's fallback first: {}",
        page.first_html
    );
    assert!(
        page.first_html.contains("Log in") && !page.first_html.contains("Account"),
        "the nav's fallback first: {}",
        page.first_html
    );
    next_frame().await;
    assert!(untrack(|| page.store.is_known()));
    assert!(page.has("orders"), "{}", page.container.inner_html());
    assert!(page.has("member"));
    assert!(!page.has("checking") && !page.has("visitor"));
    assert_eq!(location(), "/orders", "no redirect on the way");
}

#[wasm_bindgen_test]
async fn a_visitor_sees_the_fallback_first_then_goes_to_login_with_next() {
    reset().await;
    let page = Mounted::at("/orders");
    assert!(!page.first_known);
    assert!(
        page.first_html.contains("Log in") && !page.first_html.contains("Login"),
        "the fallback, not a redirect: {}",
        page.first_html
    );
    assert_eq!(
        location(),
        "/orders",
        "no redirect before hydration is over"
    );
    assert!(
        eventually(1_000, || location() == "/login?next=/orders").await,
        "{}",
        location()
    );
    assert!(page.has("visitor"));
}
