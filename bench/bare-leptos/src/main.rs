//! Two routes and two links: the smallest page that uses what the app's shell uses.

use leptos::prelude::*;
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
                    <Route path=path!("/") view=|| view! { <h1>"Home"</h1> } />
                    <Route path=path!("/about") view=|| view! { <h1>"About"</h1> } />
                </Routes>
            </Router>
        }
    })
}
