//! The hardening: the secret from the environment, no demo user, the dummy hash at
//! start-up, periodic pruning, request timeouts, bounded fault delays, the shutdown
//! deadline, and static files that never reach the database.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::*;
use http_body_util::BodyExt as _;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use interceptor_server::config::SecretKey;
use interceptor_server::lifecycle::{self, ConnectionLimits, Stopped};
use interceptor_server::{Db, Settings};

const NO_ACTIVE_ACCOUNT: &str =
    r#"{"detail":"No active account found with the given credentials"}"#;

fn with_secret(secret: &[u8]) -> Settings {
    Settings {
        secret_key: Some(SecretKey::new(secret.to_vec()).expect("key")),
        ..Settings::default()
    }
}

async fn count_rows(h: &Harness, table: &'static str) -> i64 {
    h.state
        .db()
        .call(move |conn| {
            Ok(
                conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                    row.get(0)
                })?,
            )
        })
        .await
        .expect("count")
}

#[tokio::test]
async fn the_secret_from_the_environment_signs_the_tokens() {
    // Two servers with separate databases but the same SECRET_KEY accept each other's tokens.
    let first = Harness::with(with_secret(b"shared secret key")).await;
    let second = Harness::with(with_secret(b"shared secret key")).await;
    let (refresh, access) = first.login().await;
    assert_eq!(second.me(&access).await.status, 200);
    assert_eq!(second.refresh(&refresh).await.status, 200);
    // A server with its database's own secret does not.
    let own = Harness::new().await;
    assert_eq!(own.me(&access).await.status, 401);
    let other = Harness::with(with_secret(b"another key")).await;
    assert_eq!(other.me(&access).await.status, 401);
}

#[tokio::test]
async fn the_database_secret_survives_a_run_with_the_environment_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db.sqlite3");
    let path = path.to_str().expect("utf-8");
    let clock = TestClock::new();
    let own = Harness::with_db(
        Settings::default(),
        Db::open(path).expect("db"),
        clock.clone(),
    )
    .await;
    let (_, access) = own.login().await;
    drop(own);
    let from_env = Harness::with_db(
        with_secret(b"k"),
        Db::open(path).expect("db"),
        clock.clone(),
    )
    .await;
    assert_eq!(from_env.me(&access).await.status, 401);
    drop(from_env);
    let own_again = Harness::with_db(Settings::default(), Db::open(path).expect("db"), clock).await;
    assert_eq!(own_again.me(&access).await.status, 200);
}

#[tokio::test]
async fn no_demo_user_means_no_demo_login() {
    let h = Harness::with(Settings {
        demo_user: false,
        ..Settings::default()
    })
    .await;
    h.post_json(LOGIN, DEMO_LOGIN)
        .await
        .assert(401, NO_ACTIVE_ACCOUNT);
    // The first registered user gets id 1.
    h.post_json(USERS, r#"{"username":"alice","password":"wonderland-42"}"#)
        .await
        .assert(201, r#"{"email":"","username":"alice","id":1}"#);
}

#[tokio::test]
async fn the_dummy_hash_exists_before_the_first_login() {
    let h = Harness::new().await;
    assert!(h.state.passwords().is_prepared());
}

#[tokio::test]
async fn expired_rows_are_pruned_while_the_server_runs() {
    let h = Harness::new().await;
    let pruner = lifecycle::spawn_pruner(h.state.clone(), Duration::from_millis(20));
    let (refresh, _) = h.login().await;
    let (_, _) = h.login().await;
    h.post_json(BLACKLIST, &format!(r#"{{"refresh":"{refresh}"}}"#))
        .await
        .assert(200, "{}");
    // Several pruning rounds pass; nothing has expired yet.
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(count_rows(&h, "outstanding_tokens").await, 2);
    assert_eq!(count_rows(&h, "blacklisted_tokens").await, 1);

    h.clock.advance(Duration::from_secs(86_401));
    let deadline = Instant::now() + Duration::from_secs(10);
    while count_rows(&h, "outstanding_tokens").await + count_rows(&h, "blacklisted_tokens").await
        > 0
    {
        assert!(Instant::now() < deadline, "expired rows were never pruned");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    pruner.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_the_timeout_is_a_json_503() {
    let h = Harness::with(Settings {
        request_timeout: Duration::from_millis(200),
        ..Settings::default()
    })
    .await;
    let (_, access) = h.login().await;
    // Hold the database for a while: users/me/ cannot finish in time.
    let db = h.state.db().clone();
    let held = tokio::spawn(async move {
        db.call(|_conn| {
            std::thread::sleep(Duration::from_millis(1_000));
            Ok(())
        })
        .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let reply = h.me(&access).await;
    reply.assert(503, r#"{"detail":"Request timed out."}"#);
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    held.await.expect("task").expect("held");
    assert_eq!(h.me(&access).await.status, 200);
}

#[tokio::test]
async fn an_injected_delay_does_not_count_against_the_timeout() {
    let h = Harness::with(Settings {
        test_hooks: true,
        request_timeout: Duration::from_millis(200),
        ..Settings::default()
    })
    .await;
    let (_, access) = h.login().await;
    h.send(json_request(
        Method::PUT,
        "/__test__/fault",
        r#"{"path":"v1/auth/users/me/","delay_ms":400,"times":1}"#,
        None,
    ))
    .await;
    let started = Instant::now();
    assert_eq!(h.me(&access).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[tokio::test]
async fn fault_delays_are_bounded() {
    let h = Harness::with(Settings {
        test_hooks: true,
        ..Settings::default()
    })
    .await;
    let put = |delay: u64| {
        json_request(
            Method::PUT,
            "/__test__/fault",
            &format!(r#"{{"path":"v1/auth/users/me/","delay_ms":{delay},"times":1}}"#),
            None,
        )
    };
    let reply = h.send(put(60_001)).await;
    reply.assert(
        400,
        r#"{"detail":"Invalid fault: delay_ms 60001 is over the maximum of 60000"}"#,
    );
    assert_eq!(h.send(put(60_000)).await.status, 200);
    let hold = json_request(
        Method::PUT,
        "/__test__/fault",
        r#"{"path":"v1/auth/users/me/","answer_delay_ms":60001}"#,
        None,
    );
    h.send(hold).await.assert(
        400,
        r#"{"detail":"Invalid fault: answer_delay_ms 60001 is over the maximum of 60000"}"#,
    );
}

async fn listen() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    (listener, addr)
}

/// The harness's app served by [`lifecycle::serve`] on a free loopback port, until `stop` is
/// sent; the task answers how it stopped.
async fn serve_in_background(
    h: &Harness,
    limits: ConnectionLimits,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Stopped>,
) {
    let (listener, addr) = listen().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(lifecycle::serve(
        listener,
        h.app.clone(),
        async move {
            let _ = stopped.await;
        },
        limits,
    ));
    (addr, stop, server)
}

async fn get_status(addr: SocketAddr, path: &str, access: &str) -> StatusCode {
    let client: Client<_, Body> = Client::builder(TokioExecutor::new()).build_http();
    let request = Request::builder()
        .uri(format!("http://{addr}{path}"))
        .header(header::AUTHORIZATION, format!("Bearer {access}"))
        .body(Body::empty())
        .expect("request");
    let response = client.request(request).await.expect("response");
    let status = response.status();
    response.into_body().collect().await.expect("body");
    status
}

#[tokio::test]
async fn shutdown_drains_requests_but_not_past_the_deadline() {
    for (delay_ms, deadline, expected) in [
        (200, Duration::from_secs(5), Stopped::Gracefully),
        (30_000, Duration::from_millis(300), Stopped::AtDeadline),
    ] {
        let h = Harness::with(Settings {
            test_hooks: true,
            ..Settings::default()
        })
        .await;
        let (_, access) = h.login().await;
        h.send(json_request(
            Method::PUT,
            "/__test__/fault",
            &format!(r#"{{"path":"v1/auth/users/me/","delay_ms":{delay_ms},"times":1}}"#),
            None,
        ))
        .await;
        let (addr, stop, server) = serve_in_background(
            &h,
            ConnectionLimits {
                shutdown_deadline: deadline,
                ..ConnectionLimits::default()
            },
        )
        .await;
        let in_flight = tokio::spawn(async move { get_status(addr, ME, &access).await });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let asked = Instant::now();
        stop.send(()).expect("server listening");
        let outcome = server.await.expect("task");
        assert_eq!(outcome, expected, "delay {delay_ms} ms");
        assert!(asked.elapsed() < deadline + Duration::from_secs(1));
        if expected == Stopped::Gracefully {
            assert_eq!(in_flight.await.expect("task"), StatusCode::OK);
        } else {
            in_flight.abort();
        }
    }
}

/// A client that opens a connection and never finishes its request head (or sends nothing at
/// all) is cut off at the header read timeout; a prompt one on the same server is served.
#[tokio::test]
async fn a_request_head_that_never_ends_is_cut_off() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let h = Harness::new().await;
    let header_read_timeout = Duration::from_millis(400);
    let (addr, stop, server) = serve_in_background(
        &h,
        ConnectionLimits {
            header_read_timeout,
            ..ConnectionLimits::default()
        },
    )
    .await;

    for (what, head) in [
        ("silent", &b""[..]),
        (
            "slow",
            &b"GET /api/v1/auth/users/me/ HTTP/1.1\r\nHost: x\r\n"[..],
        ),
    ] {
        let mut slow = tokio::net::TcpStream::connect(addr).await.expect("connect");
        slow.write_all(head).await.expect("write");
        let opened = Instant::now();
        let mut answer = Vec::new();
        // Bounded: without the timeout the server would wait for ever.
        let read =
            tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut answer)).await;
        assert!(
            matches!(read, Ok(Ok(_))),
            "the {what} connection was not closed: {read:?}"
        );
        assert!(
            opened.elapsed() >= header_read_timeout - Duration::from_millis(50),
            "the {what} connection was closed early, after {:?}",
            opened.elapsed()
        );
    }

    let mut prompt = tokio::net::TcpStream::connect(addr).await.expect("connect");
    prompt
        .write_all(b"GET /api/v1/auth/users/me/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    prompt.read_to_end(&mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 401") && answer.ends_with(r#"provided."}"#),
        "a prompt request is answered: {answer}"
    );
    stop.send(()).expect("server listening");
    assert_eq!(server.await.expect("task"), Stopped::Gracefully);
}

#[tokio::test]
async fn static_files_never_reach_the_database_beside_them() {
    let root = tempfile::tempdir().expect("tempdir");
    let site = root.path().join("site");
    std::fs::create_dir_all(&site).expect("mkdir");
    std::fs::write(site.join("index.html"), "<!doctype html>app").expect("index");
    let database = root.path().join("interceptor.sqlite3");
    let h = Harness::with_db(
        Settings {
            static_dir: Some(site.clone()),
            ..Settings::default()
        },
        Db::open(database.to_str().expect("utf-8")).expect("db"),
        TestClock::new(),
    )
    .await;
    let on_disk = std::fs::read(&database).expect("database file");
    assert!(on_disk.starts_with(b"SQLite format 3"));

    for path in [
        "/../interceptor.sqlite3",
        "/%2e%2e/interceptor.sqlite3",
        "/%2E%2E/interceptor.sqlite3",
        "/..%2finterceptor.sqlite3",
        "/%2e%2e%2finterceptor.sqlite3",
        "/site/../../interceptor.sqlite3",
        "/./../interceptor.sqlite3",
        "/..%5cinterceptor.sqlite3",
        "/%2e%2e/site/../interceptor.sqlite3",
    ] {
        let reply = h
            .send(
                request(Method::GET, path)
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert!(
            !reply.body.starts_with("SQLite format 3"),
            "{path} served the database"
        );
        assert!(
            reply.status == 200 && reply.body == "<!doctype html>app"
                || reply.status.is_client_error(),
            "{path}: {} {:?}",
            reply.status,
            reply.body
        );
    }
}
