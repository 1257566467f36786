//! Not a check: renews `docs/screenshot.png`, the README's picture, from the build in `dist/`
//! against the reference backend, so that it shows the app as it is. By hand:
//!
//! ```sh
//! cargo test -p interceptor-e2e --test screenshot -- --ignored
//! ```

use interceptor_e2e::Harness;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes docs/screenshot.png; run it by hand after a visible change"]
async fn renew_the_readme_screenshot() {
    let h = Harness::start().await;
    let browser = &h.browser;
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1100, "height": 860, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await;
    h.log_in_from_home().await;
    browser.click_button("Fire 10 requests").await;
    browser
        .wait_for_text("[data-test=burst-result]", "10 of 10 succeeded")
        .await;
    // Nothing focused or hovered in the picture.
    browser
        .execute("document.activeElement?.blur();", vec![])
        .await;
    let png = browser
        .client()
        .screenshot()
        .await
        .unwrap_or_else(|error| panic!("no screenshot: {error}"));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/screenshot.png");
    std::fs::write(path, &png).unwrap_or_else(|error| panic!("cannot write {path}: {error}"));
    println!("wrote {path} ({} bytes)", png.len());
    h.finish().await;
}
