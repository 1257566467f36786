//! 100 concurrent logins and refreshes over a real socket.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::*;
use http_body_util::BodyExt as _;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use interceptor_server::Settings;

async fn serve(h: &Harness) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = h.app.clone();
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_logins_and_refreshes() {
    let h = Harness::with(Settings::default()).await;
    let addr = serve(&h).await;
    let client: Client<_, Body> = Client::builder(TokioExecutor::new()).build_http();

    let post = |path: &'static str, body: String| {
        let client = client.clone();
        async move {
            let request = Request::builder()
                .method(Method::POST)
                .uri(format!("http://{addr}{path}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .expect("request");
            let response = client.request(request).await.expect("response");
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            let json: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
            (status, json)
        }
    };

    let logins = (0..100).map(|_| tokio::spawn(post(LOGIN, DEMO_LOGIN.to_owned())));
    let mut refresh_tokens = Vec::new();
    for login in logins {
        let (status, json) = login.await.expect("task");
        assert_eq!(status, StatusCode::OK, "{json}");
        refresh_tokens.push(json["refresh"].as_str().expect("refresh").to_owned());
    }

    let refreshes = refresh_tokens.into_iter().map(|refresh| {
        tokio::spawn(post(
            REFRESH,
            serde_json::json!({ "refresh": refresh }).to_string(),
        ))
    });
    for refresh in refreshes {
        let (status, json) = refresh.await.expect("task");
        assert_eq!(status, StatusCode::OK, "{json}");
        assert!(json["access"].is_string());
    }
}
