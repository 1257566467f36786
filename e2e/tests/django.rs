//! The same journeys against real Django (djoser + SimpleJWT from PyPI, `backends/django`),
//! with its default settings and with the settings the library supports: the `JWT` header type,
//! a user model that logs in by email, and `USER_ID_CLAIM = "sub"`. The app is the one release
//! build, served from its own origin and pointed at Django by its page's meta tags.

mod scenarios;

use interceptor_e2e::{Backend, Harness, Variant};

const DJANGO: Backend = Backend::Django(Variant {
    header_type: None,
    login_field: None,
    user_id_claim: None,
    cookies: None,
});
/// `docs/wire.md`'s common variant: `JWT`, login by email, `sub`.
const COMMON_VARIANT: Backend = Backend::Django(Variant::COMMON);
/// Only the header type of djoser's JWT documentation, with Django's own user.
const JWT_HEADER: Backend = Backend::Django(Variant {
    header_type: Some("JWT"),
    login_field: None,
    user_id_claim: None,
    cookies: None,
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_login() {
    let h = Harness::start_on(DJANGO).await;
    scenarios::logging_in_shows_the_user_at_home(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_reload() {
    let h = Harness::start_on(DJANGO).await;
    scenarios::a_reload_keeps_the_session(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_expiry_burst_shares_one_refresh() {
    let h = Harness::start_on(DJANGO).await;
    scenarios::an_expired_access_token_does_not_stop_the_next_action(&h, false).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_expiry_burst_under_rotation_and_blacklist() {
    let h = Harness::start_on(DJANGO).await;
    scenarios::an_expired_access_token_does_not_stop_the_next_action(&h, true).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_refused_refresh_to_login_with_next() {
    let h = Harness::start_on(DJANGO).await;
    scenarios::a_refused_refresh_sends_to_login_and_back_to_the_same_page(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_logout() {
    let h = Harness::start_on(DJANGO).await;
    scenarios::logging_out_ends_the_session_on_the_server_too(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_two_tabs() {
    let h = Harness::start_on(DJANGO).await;
    scenarios::a_logout_in_one_tab_logs_the_other_out(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_jwt_header_type() {
    let h = Harness::start_on(JWT_HEADER).await;
    scenarios::logging_in_shows_the_user_at_home(&h).await;
    scenarios::a_reload_keeps_the_session_when_logged_in(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_common_variant_login_reload_and_burst() {
    let h = Harness::start_on(COMMON_VARIANT).await;
    scenarios::an_expired_access_token_does_not_stop_the_next_action(&h, true).await;
    scenarios::a_reload_keeps_the_session_when_logged_in(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_common_variant_refused_refresh() {
    let h = Harness::start_on(COMMON_VARIANT).await;
    scenarios::a_refused_refresh_sends_to_login_and_back_to_the_same_page(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_common_variant_logout_in_two_tabs() {
    let h = Harness::start_on(COMMON_VARIANT).await;
    scenarios::a_logout_in_one_tab_logs_the_other_out(&h).await;
    h.finish().await;
}
