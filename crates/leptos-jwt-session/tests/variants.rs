//! The settings of real Django projects, against a reference server that has them:
//! `SIMPLE_JWT["AUTH_HEADER_TYPES"] = ("JWT",)`, `SIMPLE_JWT["USER_ID_CLAIM"] = "sub"`, and a
//! custom user model that logs in by email with `REQUIRED_FIELDS = ["display_name"]`
//! (`scripts/test` starts it with `--auth-header-type JWT --user-id-claim sub --login-field
//! email`; `docs/wire.md` calls it "the common variant").
#![cfg(target_arch = "wasm32")]

mod support;

use leptos_jwt_session::{
    ApiError, AuthConfig, Credentials, Registration, SessionEnd, StorageKind,
};
use serde::{Deserialize, Serialize};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The variant server's API base.
const VARIANT_API: &str = match option_env!("INTERCEPTOR_TEST_VARIANT_API") {
    Some(api) => api,
    None => "http://127.0.0.1:18766/api/",
};

const DEMO_EMAIL: &str = "demo@example.com";

/// The custom user model as djoser's `users/me/` returns it: `REQUIRED_FIELDS`, the id and the
/// login field. The app's own type, not djoser's default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Member {
    id: u64,
    email: String,
    display_name: String,
}

leptos_jwt_session::impl_session_user!(Member);

/// The layer as such a project configures it.
fn variant_config() -> AuthConfig {
    config_at(VARIANT_API)
        .header_type("JWT")
        .login_field("email")
        .user_id_claim("sub")
}

async fn variant_log(path_suffix: &str) -> Vec<Logged> {
    // The variant server has its own request log.
    let text = gloo_net::http::Request::get(&format!(
        "{}__test__/log",
        VARIANT_API.trim_end_matches("api/")
    ))
    .send()
    .await
    .expect("log")
    .text()
    .await
    .expect("log text");
    let log: serde_json::Value = serde_json::from_str(&text).expect("log JSON");
    serde_json::from_value::<Vec<Logged>>(log["requests"].clone())
        .expect("entries")
        .into_iter()
        .filter(|entry| entry.method != "OPTIONS" && entry.path.ends_with(path_suffix))
        .collect()
}

async fn demo_member() -> Harness {
    let h = harness_with(variant_config());
    h.client
        .log_in(&Credentials::new(DEMO_EMAIL, DEMO_PASSWORD))
        .await
        .expect("login by email");
    h
}

#[wasm_bindgen_test]
async fn email_login_jwt_header_and_the_apps_own_user_type() {
    reset().await;
    let h = demo_member().await;
    let member = h
        .client
        .me::<Member>()
        .await
        .expect("users/me/ with `JWT <token>`");
    assert_eq!(
        member,
        Member {
            id: 1,
            email: DEMO_EMAIL.into(),
            display_name: "Demo User".into(),
        }
    );
    assert_eq!(h.store.user_untracked::<Member>(), Some(member));
    let me = variant_log("/users/me/").await;
    assert!(
        me.last()
            .is_some_and(|entry| entry.bearer && entry.status == 200),
        "{me:?}"
    );
}

#[wasm_bindgen_test]
async fn the_wrong_login_field_is_refused_per_field() {
    reset().await;
    let h = harness_with(config_at(VARIANT_API).header_type("JWT"));
    let Err(ApiError::Fields(fields)) = h
        .client
        .log_in(&Credentials::new(DEMO_EMAIL, DEMO_PASSWORD))
        .await
    else {
        panic!("a username login on an email-login server is refused");
    };
    assert_eq!(
        fields.field("email").as_deref(),
        Some("This field is required.")
    );
}

#[wasm_bindgen_test]
async fn the_wrong_header_type_is_refused_and_never_refreshed() {
    reset().await;
    // Logged in with the right settings, then used by a layer that says `Bearer`.
    let right = harness_with(variant_config().storage(StorageKind::Local));
    right
        .client
        .log_in(&Credentials::new(DEMO_EMAIL, DEMO_PASSWORD))
        .await
        .expect("login");
    let wrong = harness_with(
        config_at(VARIANT_API)
            .login_field("email")
            .user_id_claim("sub")
            .storage(StorageKind::Local),
    );
    let refreshes_before = variant_log("/jwt/refresh/").await.len();
    let error = wrong
        .client
        .me::<Member>()
        .await
        .expect_err("Bearer is not a type this server takes");
    assert!(
        matches!(&error, ApiError::Unauthorized { code: None, .. }),
        "{error:?}"
    );
    assert_eq!(
        variant_log("/jwt/refresh/").await.len(),
        refreshes_before,
        "a 401 without token_not_valid is not a reason to refresh"
    );
    assert!(wrong.store.is_authenticated_untracked(), "nor to log out");
}

/// A request refused with `token_not_valid` while, in another tab, someone logged in anew:
/// replayed only when the new session is the same user's, by the configured claim.
async fn replay_across_a_new_login(
    claim: &str,
    new_login: Credentials,
) -> Result<Member, ApiError> {
    let config = || {
        variant_config()
            .user_id_claim(claim)
            .storage(StorageKind::Local)
    };
    let this_tab = harness_with(config());
    this_tab
        .client
        .log_in(&Credentials::new(DEMO_EMAIL, DEMO_PASSWORD))
        .await
        .expect("login");
    spoil_access_token(&this_tab.store).await;
    // Another tab of this window (no `storage` event reaches this one): a new login.
    let other_tab = harness_with(config());
    other_tab
        .client
        .log_in(&new_login)
        .await
        .expect("new login");
    this_tab.client.me::<Member>().await
}

#[wasm_bindgen_test]
async fn the_user_id_claim_decides_whether_a_request_is_replayed_after_a_new_login() {
    reset().await;
    let demo_again = || Credentials::new(DEMO_EMAIL, DEMO_PASSWORD);
    // The same user logged in again: the `sub` claims agree, the request goes through.
    let same_user = replay_across_a_new_login("sub", demo_again()).await;
    assert_eq!(
        same_user.map(|member| member.email).as_deref(),
        Ok(DEMO_EMAIL)
    );

    // Another user: never replayed with their token.
    reset().await;
    let newcomer = format!("{}@example.com", unique_name("member"));
    let register = harness_with(variant_config());
    register
        .client
        .register(
            &Registration::new(newcomer.clone(), "a-long-password-1")
                .with_field("display_name", "Newcomer"),
        )
        .await
        .expect("registered by email");
    let other_user =
        replay_across_a_new_login("sub", Credentials::new(newcomer, "a-long-password-1")).await;
    assert_eq!(other_user, Err(ApiError::SessionExpired));

    // A claim the tokens do not carry (`user_id` on this server) cannot vouch for the user: only
    // the very same login session may replay, so even the same user's new login is refused.
    reset().await;
    let unknown_claim = replay_across_a_new_login("user_id", demo_again()).await;
    assert_eq!(unknown_claim, Err(ApiError::SessionExpired));
}

#[wasm_bindgen_test]
async fn logging_out_ends_the_session_on_the_variant_too() {
    reset().await;
    let h = demo_member().await;
    h.client.log_out().await;
    assert_eq!(h.store.ended_untracked(), Some(SessionEnd::LoggedOut));
    let blacklisted = variant_log("/jwt/blacklist/").await;
    assert!(
        blacklisted.last().is_some_and(|entry| entry.status == 200),
        "{blacklisted:?}"
    );
}
