fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(interceptor_app::App);
    // index.html's login form, and what the visitor typed into it, go to the app once it has
    // rendered its first page.
    interceptor_app::shell::hand_over();
}
