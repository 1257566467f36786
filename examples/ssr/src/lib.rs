//! A server-rendered app on `leptos-jwt-session`: see `app.rs` for the pages and `main.rs` for
//! the server. `scripts/ssr-build` builds both halves.

pub mod app;

/// The browser's entry point: hydrates what the server rendered.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
