//! Lossless rotation (`--refresh-reuse-interval`): token families, the parent answered
//! with the current token within the interval, reuse revoking the family, and one winner
//! among concurrent refreshes. The Django side is packages/simplejwt-lossless.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use axum::http::Method;
use common::*;
use interceptor_server::{Settings, TokenSettings};

const BLACKLISTED: &str = r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#;
const INTERVAL: Duration = Duration::from_secs(10);

fn lossless(rotate_refresh_tokens: bool, blacklist_after_rotation: bool) -> Settings {
    Settings {
        tokens: TokenSettings {
            rotate_refresh_tokens,
            blacklist_after_rotation,
            ..TokenSettings::default()
        },
        refresh_reuse_interval: Some(INTERVAL),
        ..Settings::default()
    }
}

async fn harness() -> Harness {
    Harness::with(lossless(true, true)).await
}

/// Refreshes `token`, expecting a new pair; the new refresh token.
async fn rotated(h: &Harness, token: &str) -> String {
    let reply = h.refresh(token).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.field("refresh")
}

async fn outstanding_tokens(h: &Harness) -> i64 {
    h.state
        .db()
        .call(|conn| {
            Ok(
                conn.query_row("SELECT COUNT(*) FROM outstanding_tokens", [], |row| {
                    row.get(0)
                })?,
            )
        })
        .await
        .expect("count")
}

#[tokio::test]
async fn a_reload_mid_refresh_gets_the_token_it_never_stored() {
    let h = harness().await;
    let (t, _) = h.login().await;
    let first = h.refresh(&t).await;
    assert_eq!(first.status, 200);
    let t_prime = first.field("refresh");
    // The page reloaded before it stored T': it sends T again.
    h.clock.advance(Duration::from_secs(2));
    let again = h.refresh(&t).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.keys(), ["access", "refresh"], "a rotation's body");
    assert_eq!(again.field("refresh"), t_prime);
    let access = again.field("access");
    assert_ne!(access, first.field("access"));
    assert_eq!(
        payload(&access)["iat"],
        h.clock.now_secs(),
        "a fresh access token"
    );
    assert_eq!(h.me(&access).await.status, 200);
    // T' then rotates as usual.
    let t_second = rotated(&h, &t_prime).await;
    assert_ne!(t_second, t_prime);
    assert_eq!(outstanding_tokens(&h).await, 3, "the answer issued nothing");
}

#[tokio::test]
async fn without_the_interval_the_same_reload_ends_the_session() {
    let h = Harness::with(Settings {
        refresh_reuse_interval: None,
        ..lossless(true, true)
    })
    .await;
    let (t, _) = h.login().await;
    rotated(&h, &t).await;
    h.refresh(&t).await.assert(401, BLACKLISTED);
}

#[tokio::test]
async fn an_older_ancestor_revokes_the_family() {
    let h = harness().await;
    let (t, _) = h.login().await;
    let t1 = rotated(&h, &t).await;
    let t2 = rotated(&h, &t1).await;
    h.refresh(&t).await.assert(401, BLACKLISTED);
    h.refresh(&t2).await.assert(401, BLACKLISTED);
    h.refresh(&t1).await.assert(401, BLACKLISTED);
}

#[tokio::test]
async fn the_parent_after_the_interval_revokes_the_family() {
    let h = harness().await;
    let (t, _) = h.login().await;
    let t1 = rotated(&h, &t).await;
    h.clock.advance(INTERVAL);
    assert_eq!(
        h.refresh(&t).await.field("refresh"),
        t1,
        "the interval's last moment"
    );
    h.clock.advance(Duration::from_millis(1));
    h.refresh(&t).await.assert(401, BLACKLISTED);
    h.refresh(&t1).await.assert(401, BLACKLISTED);
}

#[tokio::test]
async fn a_token_of_another_family_is_untouched() {
    let h = harness().await;
    let (mine, _) = h.login().await;
    let (other, _) = h.login().await;
    let mine1 = rotated(&h, &mine).await;
    rotated(&h, &mine1).await;
    h.refresh(&mine).await.assert(401, BLACKLISTED);
    let other1 = rotated(&h, &other).await;
    rotated(&h, &other1).await;
}

#[tokio::test]
async fn a_logout_of_the_current_token_ends_the_parents_grace() {
    let h = harness().await;
    let (t, _) = h.login().await;
    let t1 = rotated(&h, &t).await;
    let body = serde_json::json!({ "refresh": t1 }).to_string();
    h.post_json(BLACKLIST, &body).await.assert(200, "{}");
    h.refresh(&t).await.assert(401, BLACKLISTED);
    h.refresh(&t1).await.assert(401, BLACKLISTED);
}

#[tokio::test]
async fn a_logged_out_login_token_is_refused() {
    let h = harness().await;
    let (t, _) = h.login().await;
    let body = serde_json::json!({ "refresh": t }).to_string();
    h.post_json(BLACKLIST, &body).await.assert(200, "{}");
    h.refresh(&t).await.assert(401, BLACKLISTED);
}

#[tokio::test]
async fn without_rotation_or_blacklist_the_interval_changes_nothing() {
    let h = Harness::with(lossless(false, false)).await;
    let (t, _) = h.login().await;
    let reply = h.refresh(&t).await;
    assert_eq!(reply.status, 200);
    assert!(reply.json().get("refresh").is_none());
    assert_eq!(h.refresh(&t).await.status, 200);

    let h = Harness::with(lossless(true, false)).await;
    let (t, _) = h.login().await;
    let t1 = rotated(&h, &t).await;
    let t2 = rotated(&h, &t1).await;
    // Without the blacklist every old token keeps working, as in stock SimpleJWT.
    assert_ne!(rotated(&h, &t).await, t2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshes_rotate_once_and_all_get_the_winners_token() {
    let h = harness().await;
    for _ in 0..5 {
        let before = outstanding_tokens(&h).await;
        let (t, _) = h.login().await;
        let body = serde_json::json!({ "refresh": t }).to_string();
        let requests: Vec<_> = (0..20)
            .map(|_| {
                let (app, body) = (h.app.clone(), body.clone());
                tokio::spawn(async move {
                    send(&app, json_request(Method::POST, REFRESH, &body, None)).await
                })
            })
            .collect();
        let mut issued = HashSet::new();
        for request in requests {
            let reply = request.await.expect("task");
            assert_eq!(reply.status, 200, "{}", reply.body);
            issued.insert(reply.field("refresh"));
        }
        assert_eq!(issued.len(), 1, "one rotation, its token given to all");
        assert_eq!(
            outstanding_tokens(&h).await,
            before + 2,
            "the login's and one"
        );
    }
}
