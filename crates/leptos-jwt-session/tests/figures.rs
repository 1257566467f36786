//! Figures for BENCHMARKS.md, printed, never asserted on timing: `scripts/bench` runs this with
//! `--include-ignored --nocapture`. Ignored in the normal test run.
#![cfg(target_arch = "wasm32")]

mod support;

use futures::future::join_all;
use gloo_net::http::Request;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn print(line: String) {
    web_sys::console::log_1(&line.into());
}

/// Refresh calls and 401s the server saw for a burst of 10 requests per tab after expiry.
async fn burst_after_expiry(tabs: usize, rotation: bool) {
    reset().await;
    set_config(&format!(
        r#"{{"access_ttl_ms":2000,"rotate_refresh_tokens":{rotation},"blacklist_after_rotation":{rotation}}}"#
    ))
    .await;
    let mut harnesses = vec![tab(web_sys::window().expect("window"))];
    for _ in 1..tabs {
        harnesses.push(tab(new_frame_window()));
    }
    log_in_demo(&harnesses[0]).await;
    let first = access_token(&harnesses[0].store);
    let shared = || harnesses.iter().all(|h| access_token(&h.store) == first);
    assert!(eventually(2_000, shared).await, "tabs share the login");
    sleep(2_100).await;
    clear_log().await;
    let requests = harnesses
        .iter()
        .flat_map(|h| (0..10).map(|_| h.client.me::<DjoserUser>()));
    let ok = join_all(requests)
        .await
        .iter()
        .filter(|r| r.is_ok())
        .count();
    let log = server_log().await;
    let unauthorized = log.iter().filter(|r| r.status == 401).count();
    print(format!(
        "burst after expiry: tabs={tabs} rotation={} refresh_calls={} responses_401={unauthorized} succeeded={ok}/{}",
        if rotation { "on" } else { "off" },
        count(&log, REFRESH),
        tabs * 10,
    ));
}

/// A clock finer than `Date.now()`'s milliseconds.
fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// The client's own cost per request: `client.me::<DjoserUser>()` against a bare gloo-net fetch of the same
/// endpoint with the same token, sequentially, median of 50 each.
async fn client_overhead() {
    reset().await;
    let h = logged_in().await;
    let token = access_token(&h.store).expect("token");
    let url = format!("{API}v1/auth/users/me/");
    let (mut bare, mut client) = (Vec::new(), Vec::new());
    for _ in 0..50 {
        let started = now();
        let response = Request::get(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .send()
            .await
            .expect("bare fetch");
        let _: serde_json::Value = response.json().await.expect("json");
        bare.push(now() - started);

        let started = now();
        h.client.me::<DjoserUser>().await.expect("client");
        client.push(now() - started);
    }
    let (bare, client) = (median(bare), median(client));
    print(format!(
        "per request (median of 50, users/me/): bare fetch {bare:.2} ms, client {client:.2} ms, overhead {:.2} ms",
        client - bare
    ));
}

#[wasm_bindgen_test]
#[ignore = "figures for scripts/bench"]
async fn figures() {
    for (tabs, rotation) in [(1, false), (1, true), (3, false), (3, true)] {
        burst_after_expiry(tabs, rotation).await;
    }
    client_overhead().await;
}
