use leptos::prelude::*;
use leptos_router::components::A;

/// Any path no route matches.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <A href="/">"Go home"</A>
        </section>
    }
}
