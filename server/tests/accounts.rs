//! Inactive and deleted users, at login, with a Bearer token, at refresh and at logout,
//! as SimpleJWT answers each (checked against its source; see `routes/jwt.rs` for the
//! deleted user's refresh).

mod common;

use common::*;
use interceptor_server::{Settings, TokenSettings};

const NO_ACTIVE_ACCOUNT: &str =
    r#"{"detail":"No active account found with the given credentials"}"#;
const NO_ACTIVE_ACCOUNT_FOR_TOKEN: &str =
    r#"{"detail":"No active account found for the given token."}"#;
const USER_INACTIVE: &str = r#"{"detail":"User is inactive","code":"user_inactive"}"#;
const USER_NOT_FOUND: &str = r#"{"detail":"User not found","code":"user_not_found"}"#;

async fn change_demo(h: &Harness, sql: &'static str) {
    let changed = h
        .state
        .db()
        .call(move |conn| Ok(conn.execute(sql, [])?))
        .await
        .expect("update");
    assert_eq!(changed, 1);
}

async fn deactivate(h: &Harness) {
    change_demo(h, "UPDATE users SET is_active = 0 WHERE id = 1").await;
}

async fn delete(h: &Harness) {
    change_demo(h, "DELETE FROM users WHERE id = 1").await;
}

fn settings(rotate: bool) -> Settings {
    Settings {
        tokens: TokenSettings {
            rotate_refresh_tokens: rotate,
            blacklist_after_rotation: rotate,
            ..TokenSettings::default()
        },
        ..Settings::default()
    }
}

#[tokio::test]
async fn an_inactive_user() {
    for rotate in [false, true] {
        let h = Harness::with(settings(rotate)).await;
        let (refresh, access) = h.login().await;
        let (logout, _) = h.login().await;
        deactivate(&h).await;

        // The right password is not enough (Django's ModelBackend refuses inactive users).
        h.post_json(LOGIN, DEMO_LOGIN)
            .await
            .assert(401, NO_ACTIVE_ACCOUNT);
        h.me(&access).await.assert(401, USER_INACTIVE);
        h.refresh(&refresh)
            .await
            .assert(401, NO_ACTIVE_ACCOUNT_FOR_TOKEN);
        // The refused refresh did not use the token up.
        change_demo(&h, "UPDATE users SET is_active = 1 WHERE id = 1").await;
        assert_eq!(h.refresh(&refresh).await.status, 200, "rotate {rotate}");
        deactivate(&h).await;
        // Logging out needs no active user.
        h.post_json(BLACKLIST, &format!(r#"{{"refresh":"{logout}"}}"#))
            .await
            .assert(200, "{}");
    }
}

#[tokio::test]
async fn a_deleted_user() {
    for rotate in [false, true] {
        let h = Harness::with(settings(rotate)).await;
        let (refresh, access) = h.login().await;
        let (logout, _) = h.login().await;
        delete(&h).await;

        h.post_json(LOGIN, DEMO_LOGIN)
            .await
            .assert(401, NO_ACTIVE_ACCOUNT);
        h.me(&access).await.assert(401, USER_NOT_FOUND);
        // SimpleJWT after 5.5.1 (#861); 5.5.1 itself crashes with a 500 here.
        h.refresh(&refresh)
            .await
            .assert(401, NO_ACTIVE_ACCOUNT_FOR_TOKEN);
        h.post_json(BLACKLIST, &format!(r#"{{"refresh":"{logout}"}}"#))
            .await
            .assert(200, "{}");
    }
}

#[tokio::test]
async fn an_invalid_bearer_token_still_wins_over_the_user_state() {
    let h = Harness::new().await;
    delete(&h).await;
    let reply = h.me("garbage").await;
    assert_eq!(reply.json()["code"], "token_not_valid");
}
