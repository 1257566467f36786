//! Races between requests on separate runtime threads: registrations of one username,
//! and a logout racing a rotating refresh of the same token.

mod common;

use axum::http::Method;
use common::*;
use interceptor_server::{Settings, TokenSettings};

const BLACKLISTED: &str = r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#;

fn post(h: &Harness, path: &'static str, body: String) -> tokio::task::JoinHandle<Reply> {
    let app = h.app.clone();
    tokio::spawn(async move { send(&app, json_request(Method::POST, path, &body, None)).await })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_registrations_of_one_username_make_one_user() {
    let h = Harness::new().await;
    for round in 0..5 {
        let body = format!(r#"{{"username":"twin{round}","password":"long-enough-{round}"}}"#);
        let first = post(&h, USERS, body.clone());
        let second = post(&h, USERS, body);
        let mut replies = [first.await.expect("task"), second.await.expect("task")];
        replies.sort_by_key(|reply| reply.status);
        assert_eq!(replies[0].status, 201, "{replies:?}");
        assert_eq!(replies[1].status, 400, "{replies:?}");
        // Either the unique validator saw the winner, or the insert did (djoser's
        // IntegrityError answer).
        assert!(
            [
                r#"{"username":["A user with that username already exists."]}"#,
                r#"["Unable to create account."]"#,
            ]
            .contains(&replies[1].body.as_str()),
            "{}",
            replies[1].body
        );
    }
    let users: i64 = h
        .state
        .db()
        .call(|conn| {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM users WHERE username LIKE 'twin%'",
                [],
                |row| row.get(0),
            )?)
        })
        .await
        .expect("count");
    assert_eq!(users, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_racing_a_rotating_refresh_leaves_one_winner() {
    let h = Harness::with(Settings {
        tokens: TokenSettings {
            rotate_refresh_tokens: true,
            blacklist_after_rotation: true,
            ..TokenSettings::default()
        },
        ..Settings::default()
    })
    .await;
    let mut logouts_won = 0;
    for _ in 0..20 {
        let (refresh, _) = h.login().await;
        let body = serde_json::json!({ "refresh": refresh }).to_string();
        let rotation = post(&h, REFRESH, body.clone());
        let logout = post(&h, BLACKLIST, body);
        let (rotation, logout) = (rotation.await.expect("task"), logout.await.expect("task"));
        // Exactly one of them uses the token; the other finds it blacklisted.
        match (rotation.status.as_u16(), logout.status.as_u16()) {
            (200, 401) => logout.assert(401, BLACKLISTED),
            (401, 200) => {
                rotation.assert(401, BLACKLISTED);
                logouts_won += 1;
            }
            other => panic!("{other:?}: {rotation:?} {logout:?}"),
        }
        // Either way the old token is finished.
        h.refresh(&refresh).await.assert(401, BLACKLISTED);
    }
    eprintln!("logout won {logouts_won} of 20");
}
