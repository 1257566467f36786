//! Token lifetimes, rotation, the blacklist, concurrency and persistence.

mod common;

use std::time::Duration;

use common::*;
use interceptor_server::{Db, Settings, TokenSettings};

const BLACKLISTED: &str = r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#;

fn rotating(blacklist_after_rotation: bool) -> Settings {
    Settings {
        tokens: TokenSettings {
            rotate_refresh_tokens: true,
            blacklist_after_rotation,
            ..TokenSettings::default()
        },
        ..Settings::default()
    }
}

#[tokio::test]
async fn access_token_expires_exactly_at_exp() {
    let h = Harness::new().await;
    let (_, access) = h.login().await;
    // Issued at 1795742062.250: exp is 1795742362; valid until that very second.
    h.clock.advance(Duration::from_millis(299_749));
    assert_eq!(h.me(&access).await.status, 200);
    h.clock.advance(Duration::from_millis(1));
    assert_eq!(h.me(&access).await.status, 401);
}

#[tokio::test]
async fn refresh_gives_a_fresh_access_token_until_the_refresh_expires() {
    let h = Harness::new().await;
    let (refresh, access) = h.login().await;
    h.clock.advance(Duration::from_secs(3_600));
    assert_eq!(h.me(&access).await.status, 401);
    let reply = h.refresh(&refresh).await;
    assert_eq!(reply.status, 200);
    let new_access = reply.field("access");
    let claims = payload(&new_access);
    assert_eq!(claims["iat"], h.clock.now_secs());
    assert_eq!(claims["exp"], h.clock.now_secs() + 300);
    assert_eq!(claims["user_id"], "1");
    assert_eq!(h.me(&new_access).await.status, 200);
    // The same refresh token works again without rotation.
    assert_eq!(h.refresh(&refresh).await.status, 200);
    h.clock.advance(Duration::from_secs(86_400));
    h.refresh(&refresh).await.assert(
        401,
        r#"{"detail":"Token is expired","code":"token_not_valid"}"#,
    );
}

#[tokio::test]
async fn configured_lifetimes_apply() {
    let h = Harness::with(Settings {
        tokens: TokenSettings {
            access_ttl: Duration::from_secs(2),
            refresh_ttl: Duration::from_secs(10),
            ..TokenSettings::default()
        },
        ..Settings::default()
    })
    .await;
    let (refresh, access) = h.login().await;
    assert_eq!(payload(&access)["exp"], h.clock.now_secs() + 2);
    assert_eq!(payload(&refresh)["exp"], h.clock.now_secs() + 10);
    // Live changes (as the test hooks make) apply to the next tokens.
    h.state.set_token_settings(TokenSettings {
        access_ttl: Duration::from_millis(500),
        ..h.state.token_settings()
    });
    let (_, access) = h.login().await;
    // 1795742062.250 + 0.5 s truncates to the same second: already expired, as in SimpleJWT.
    assert_eq!(payload(&access)["exp"], h.clock.now_secs());
    assert_eq!(h.me(&access).await.status, 401);
}

#[tokio::test]
async fn rotation_returns_a_new_refresh_with_a_fresh_lifetime() {
    let h = Harness::with(rotating(false)).await;
    let (refresh, _) = h.login().await;
    h.clock.advance(Duration::from_secs(600));
    let reply = h.refresh(&refresh).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.starts_with(r#"{"access":""#), "{}", reply.body);
    let rotated = reply.field("refresh");
    let claims = payload(&rotated);
    assert_eq!(claims["token_type"], "refresh");
    assert_eq!(claims["iat"], h.clock.now_secs());
    assert_eq!(claims["exp"], h.clock.now_secs() + 86_400);
    assert_ne!(claims["jti"], payload(&refresh)["jti"]);
    // Without blacklisting, the old one keeps working.
    assert_eq!(h.refresh(&refresh).await.status, 200);
    assert_eq!(h.refresh(&rotated).await.status, 200);
}

#[tokio::test]
async fn blacklist_after_rotation_refuses_the_old_token() {
    let h = Harness::with(rotating(true)).await;
    let (refresh, _) = h.login().await;
    let reply = h.refresh(&refresh).await;
    assert_eq!(reply.status, 200);
    let rotated = reply.field("refresh");
    h.refresh(&refresh).await.assert(401, BLACKLISTED);
    // SimpleJWT's verify view refuses it with a 400 ValidationError.
    h.post_json(VERIFY, &format!(r#"{{"token":"{refresh}"}}"#))
        .await
        .assert(400, r#"{"non_field_errors":["Token is blacklisted"]}"#);
    // The chain goes on.
    let reply = h.refresh(&rotated).await;
    assert_eq!(reply.status, 200);
    h.refresh(&rotated).await.assert(401, BLACKLISTED);
}

#[tokio::test]
async fn three_concurrent_refreshes_under_rotation_and_blacklist_one_wins() {
    for _ in 0..5 {
        let h = Harness::with(rotating(true)).await;
        let (refresh, _) = h.login().await;
        let replies = futures_util::future::join_all((0..3).map(|_| h.refresh(&refresh))).await;
        let ok = replies.iter().filter(|r| r.status == 200).count();
        assert_eq!(ok, 1, "{replies:?}");
        for reply in replies.iter().filter(|r| r.status != 200) {
            reply.assert(401, BLACKLISTED);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_on_threads_also_give_exactly_one_winner() {
    // The same race with the handlers on separate runtime threads.
    let h = Harness::with(rotating(true)).await;
    for _ in 0..5 {
        let (refresh, _) = h.login().await;
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let app = h.app.clone();
                let body = serde_json::json!({ "refresh": refresh }).to_string();
                tokio::spawn(async move {
                    send(
                        &app,
                        json_request(axum::http::Method::POST, REFRESH, &body, None),
                    )
                    .await
                })
            })
            .collect();
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.expect("task").status.as_u16());
        }
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 401, 401]);
    }
}

#[tokio::test]
async fn logout_blacklists_even_without_rotation() {
    let h = Harness::new().await;
    let (refresh, access) = h.login().await;
    h.post_json(BLACKLIST, &format!(r#"{{"refresh":"{refresh}"}}"#))
        .await
        .assert(200, "{}");
    h.refresh(&refresh).await.assert(401, BLACKLISTED);
    // Access tokens are stateless: they live out their lifetime.
    assert_eq!(h.me(&access).await.status, 200);
    // Blacklisting an access token is a type error.
    h.post_json(BLACKLIST, &format!(r#"{{"refresh":"{access}"}}"#))
        .await
        .assert(
            401,
            r#"{"detail":"Token has wrong type","code":"token_not_valid"}"#,
        );
}

#[tokio::test]
async fn tokens_signed_elsewhere_are_invalid() {
    let h = Harness::new().await;
    let other = Harness::new().await;
    let (refresh, access) = other.login().await;
    h.refresh(&refresh).await.assert(
        401,
        r#"{"detail":"Token is invalid","code":"token_not_valid"}"#,
    );
    assert_eq!(h.me(&access).await.status, 401);
}

#[tokio::test]
async fn a_file_database_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("interceptor.sqlite3");
    let path = path.to_str().expect("utf-8 path");
    let clock = TestClock::new();

    let first = Harness::with_db(
        Settings::default(),
        Db::open(path).expect("db"),
        clock.clone(),
    )
    .await;
    first
        .post_json(USERS, r#"{"username":"alice","password":"wonderland-42"}"#)
        .await
        .assert(201, r#"{"email":"","username":"alice","id":2}"#);
    let (refresh, access) = first.login().await;
    let (logged_out, _) = first.login().await;
    first
        .post_json(BLACKLIST, &format!(r#"{{"refresh":"{logged_out}"}}"#))
        .await
        .assert(200, "{}");
    drop(first);

    // A different demo password must not overwrite the existing demo user.
    let settings = Settings {
        demo_password: "changed".into(),
        ..Settings::default()
    };
    let second = Harness::with_db(settings, Db::open(path).expect("db"), clock).await;
    second.me(&access).await.assert(
        200,
        r#"{"email":"demo@example.com","id":1,"username":"demo"}"#,
    );
    assert_eq!(second.refresh(&refresh).await.status, 200);
    second.refresh(&logged_out).await.assert(401, BLACKLISTED);
    assert_eq!(
        second
            .post_json(LOGIN, r#"{"username":"alice","password":"wonderland-42"}"#)
            .await
            .status,
        200
    );
    assert_eq!(second.post_json(LOGIN, DEMO_LOGIN).await.status, 200);
    second
        .post_json(USERS, r#"{"username":"bob","password":"builder-123"}"#)
        .await
        .assert(201, r#"{"email":"","username":"bob","id":3}"#);
}
