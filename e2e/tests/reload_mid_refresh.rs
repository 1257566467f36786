//! A reload or a close that lands while a refresh is in flight, forced rather than left to
//! chance. Under rotation with blacklisting, the server holds the refresh's answer back once it
//! has rotated the refresh token and blacklisted the one every tab holds (a fault's
//! `answer_delay_ms`); meanwhile the test reloads or closes the page that sent it (the server's
//! log shows the page went after the refresh arrived and before its answer could leave); then
//! the next refresh, from the reloaded page or from another tab, presents the blacklisted
//! token:
//!
//! - with lossless rotation (Django with the `simplejwt-lossless` package, the reference server
//!   with `--refresh-reuse-interval`) it is answered with the token the page never read: no
//!   refresh is refused, every tab stays logged in, and the session goes on;
//! - without it (stock SimpleJWT, the reference server's default) it is refused and the session
//!   ends as expired, every time: the loss is forced, so the lossless cases prove the fix.
//!
//! Two windows: the keeper's, in view, which sends the refreshes ahead of expiry, and one that
//! reports itself hidden (as a background tab), whose keeper waits, so that the refresh held is
//! always the keeper window's. Each case cuts `CUT_OFF_REPEATS` refreshes off (3 unless set,
//! at most 50), each choice seeded by `CUT_OFF_SEED`: reload or close, how long the answer is
//! held, how long after the refresh arrived the page goes. Each case prints its figures.

use std::time::Duration;

use fantoccini::wd::WindowHandle;
use interceptor_e2e::cut_off::{
    hold_next_refresh, wait_for_held_refresh, CutOff, Departure, Random,
};
use interceptor_e2e::hooks::{describe, requests_to};
use interceptor_e2e::{Backend, Harness, Variant, WAIT};
use interceptor_server::test_hooks::LogEntry;
use serde_json::json;

/// A 2 s access token: the keeper renews it about once a second, so a round takes seconds.
const ACCESS_TTL_MS: u64 = 2_000;
const DEFAULT_REPEATS: usize = 3;
const MAX_REPEATS: usize = 50;
/// Long enough for the keeper's next refresh, whatever the point of its cycle.
const HELD_WITHIN: Duration = Duration::from_secs(5);
const EXPIRED: &str = "Your session has expired. Please log in again.";

/// Makes every page this window loads report itself hidden, as a background tab's does: its
/// keeper refreshes nothing ahead of expiry, its requests refresh what they find expiring.
const HIDDEN_PAGE: &str =
    "for (const [name, value] of [['hidden', true], ['visibilityState', 'hidden']]) \
     Object.defineProperty(Document.prototype, name, { get: () => value, configurable: true });";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Go {
    /// The keeper's page reloads; its next refresh is the reloaded page's.
    Reload,
    /// The keeper's window closes; the next refresh is the background tab's.
    Close,
}

fn repeats() -> usize {
    std::env::var("CUT_OFF_REPEATS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_REPEATS)
        .clamp(1, MAX_REPEATS)
}

/// Opens a window in view on the app, logged in already; commands go to it.
async fn open_keeper_window(h: &Harness) -> WindowHandle {
    let window = h.browser.new_window(false).await;
    h.browser.switch_to(window.clone()).await;
    h.browser.open("/").await;
    h.logged_in_or_not()
        .await
        .unwrap_or_else(|page| panic!("a new window shares the session: {page}"));
    window
}

/// Waits until a refresh follows the held one: the reloaded page's, or with `burst` the current
/// (background) window's, which fires bursts meanwhile (its requests refresh first what they
/// find expiring). `None` when none came within [`WAIT`].
async fn the_next_refresh(h: &Harness, cut_off: &CutOff, burst: bool) -> Option<LogEntry> {
    let deadline = std::time::Instant::now() + WAIT;
    while std::time::Instant::now() < deadline {
        let log = h.server.log().await;
        if let Some(next) = cut_off.next_refresh(&log) {
            return Some(next.clone());
        }
        if burst {
            // Once the session has ended there is no button: the refusal is in the log by then.
            let _ = h.browser.try_click_button("Fire 10 requests").await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}

/// Waits until a refresh after `after` (Unix ms) succeeds: the session goes on.
async fn wait_for_a_later_refresh(h: &Harness, after: u64) -> Result<(), String> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let log = h.server.log().await;
        let later: Vec<_> = requests_to(&log, h.variant.wire().refresh)
            .into_iter()
            .filter(|entry| entry.at_ms > after)
            .collect();
        if later.iter().any(|entry| entry.status == 200) {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline || later.iter().any(|e| e.status == 401) {
            return Err(describe(&log));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn cut_refreshes_off(backend: Backend, lossless: bool) {
    let (mut random, seed) = Random::seeded_from_env("CUT_OFF_SEED");
    let repeats = repeats();
    let h = Harness::start_rotating(backend, lossless, ACCESS_TTL_MS).await;
    let (browser, wire) = (&h.browser, h.variant.wire());
    h.log_in_from_home().await;
    let mut keeper = browser.window().await;
    let background = browser.new_window(false).await;
    browser.switch_to(background.clone()).await;
    browser.on_every_new_page(HIDDEN_PAGE).await;
    browser.open("/").await;
    h.logged_in_or_not()
        .await
        .unwrap_or_else(|page| panic!("the background tab shares the session: {page}"));
    let hidden = browser.execute("return document.hidden;", vec![]).await;
    assert_eq!(
        hidden,
        json!(true),
        "the background tab reports itself hidden"
    );
    browser.switch_to(keeper.clone()).await;
    h.server.clear_log().await;

    let mut rounds = Vec::new();
    let (mut closes, mut lost) = (0, 0);
    for round in 1..=repeats {
        let go = if random.below(2) == 0 {
            Go::Reload
        } else {
            Go::Close
        };
        let hold = random.millis(1_200, 2_000);
        let linger = random.millis(50, 300);
        hold_next_refresh(&h.server, &wire, hold).await;
        let seen_ms = wait_for_held_refresh(&h.server, HELD_WITHIN)
            .await
            .unwrap_or_else(|why| panic!("round {round}: {why}"));
        // The server has handled it by now (a refresh takes milliseconds; the hold is 1.2 s+).
        tokio::time::sleep(linger).await;
        let departure = match go {
            Go::Reload => Departure::of(browser.reload()).await,
            Go::Close => Departure::of(browser.close_window()).await,
        };
        let cut_off = CutOff {
            refresh: wire.refresh,
            seen_ms,
            hold,
            departures: vec![departure],
        };
        let next = match go {
            Go::Reload => the_next_refresh(&h, &cut_off, false).await,
            Go::Close => {
                closes += 1;
                browser.switch_to(background.clone()).await;
                the_next_refresh(&h, &cut_off, true).await
            }
        };
        let log = h.server.log().await;
        let all = || describe(&log);
        let held = cut_off
            .in_flight(&log)
            .unwrap_or_else(|why| panic!("round {round} ({go:?}): {why}\n{}", all()));
        let next = next.unwrap_or_else(|| {
            panic!(
                "round {round} ({go:?}): no refresh followed the held one within {WAIT:?}\n{}",
                all()
            )
        });
        rounds.push(format!(
            "round {round} {go:?}: held refresh {}; next refresh {} at +{} ms",
            cut_off.describe(held),
            next.status,
            next.at_ms - held.at_ms,
        ));

        if lossless {
            assert_eq!(
                next.status,
                200,
                "round {round} ({go:?}): the refresh after the cut-off was refused\n{}",
                all()
            );
            if go == Go::Close {
                keeper = open_keeper_window(&h).await;
            }
            // The session goes on from the token the page never read: the keeper rotates it.
            wait_for_a_later_refresh(&h, next.at_ms)
                .await
                .unwrap_or_else(|log| {
                    panic!("round {round} ({go:?}): no refresh succeeded after the recovery\n{log}")
                });
            for window in [&background, &keeper] {
                browser.switch_to(window.clone()).await;
                h.logged_in_or_not().await.unwrap_or_else(|page| {
                    panic!("round {round} ({go:?}): logged out: {page}\n{}", all())
                });
            }
        } else {
            assert_eq!(
                next.status,
                401,
                "round {round} ({go:?}): without lossless rotation the refresh after the cut-off \
                 is refused; it was not, so the cut-off was not forced\n{}",
                all()
            );
            lost += 1;
            // The page that sent it ends the session as expired; the other tab follows.
            browser.wait_for_text(".alert", EXPIRED).await;
            if go == Go::Reload {
                browser.switch_to(background.clone()).await;
                assert!(
                    h.logged_in_or_not().await.is_err(),
                    "round {round}: the background tab should have left the session too"
                );
            }
            // Logged in again, both windows, for the next round.
            h.log_in_from_home().await;
            match go {
                Go::Reload => {
                    browser.switch_to(keeper.clone()).await;
                    browser.open("/").await;
                    h.logged_in_or_not()
                        .await
                        .unwrap_or_else(|page| panic!("the keeper window after a login: {page}"));
                }
                Go::Close => keeper = open_keeper_window(&h).await,
            }
        }
        browser.switch_to(keeper.clone()).await;
    }

    let log = h.server.log().await;
    let refreshes = requests_to(&log, wire.refresh);
    let refused = refreshes.iter().filter(|entry| entry.status == 401).count();
    eprintln!(
        "cut off {backend:?} lossless={lossless} seed={seed}: {repeats} refreshes cut off \
         ({} reloads, {closes} closes), {} refresh calls, refused {refused}, sessions lost \
         {lost}\n  {}",
        repeats - closes,
        refreshes.len(),
        rounds.join("\n  ")
    );
    if lossless {
        assert_eq!(refused, 0, "no refresh is refused:\n{}", describe(&log));
    } else {
        assert_eq!(
            refused,
            repeats,
            "one refusal per cut-off:\n{}",
            describe(&log)
        );
    }
    h.finish().await;
}

const DJANGO: Backend = Backend::Django(Variant {
    header_type: None,
    login_field: None,
    user_id_claim: None,
    cookies: None,
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_with_reuse_interval_loses_no_session() {
    cut_refreshes_off(Backend::Reference, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_without_reuse_interval_loses_the_session() {
    cut_refreshes_off(Backend::Reference, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_with_the_package_loses_no_session() {
    cut_refreshes_off(DJANGO, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_without_the_package_loses_the_session() {
    cut_refreshes_off(DJANGO, false).await;
}

/// dj-rest-auth with the tokens in httpOnly cookies: a page that goes before the rotated
/// refresh's answer (and its `Set-Cookie`) arrives leaves the browser the blacklisted cookie,
/// as storage leaves the blacklisted token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_cookies_without_the_package_loses_the_session() {
    cut_refreshes_off(Backend::Django(Variant::COOKIES), false).await;
}

/// The same with the package's dj-rest-auth view: the blacklisted cookie, presented within the
/// reuse interval, gets the token that replaced it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_cookies_with_the_package_loses_no_session() {
    cut_refreshes_off(Backend::Django(Variant::COOKIES), true).await;
}
