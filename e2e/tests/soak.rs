//! Three real tabs, one session, refresh-token rotation with blacklisting, a 3 s access token,
//! and random bursts of requests and reloads in every tab for 45 s: no refresh may be refused
//! (a refused one means a tab sent a token another tab had already rotated), no tab may end on
//! the login form, and the refreshes must stay near one per access lifetime (no tab refreshes
//! on its own). Seeded (`SOAK_SEED`) and bounded; each run prints its figures.
//!
//! One loss no client can prevent is told apart rather than failed: a reload that lands while
//! the refresh is in flight throws its answer away, and the server has already rotated and
//! blacklisted the token the others still hold, so the session ends at the next refresh (the
//! library README's "Known limit"). The test checks the refusal is exactly that, logs in again
//! and goes on; more than [`MAX_CUT_OFF`] in a run fails it all the same.

use std::time::{Duration, Instant};

use fantoccini::wd::WindowHandle;
use interceptor_e2e::hooks::{describe, requests_to, JWT_REFRESH, USERS_ME};
use interceptor_e2e::{now_ms, Backend, Browser, Harness, Variant};
use interceptor_server::test_hooks::LogEntry;
use serde_json::json;

const TABS: usize = 3;
const RUN: Duration = Duration::from_secs(45);
const ACCESS_TTL_MS: u64 = 3_000;
const DEFAULT_SEED: u64 = 20_261_201;
/// How far from a refresh's flight a reload still counts as cutting it off: the test notes the
/// instant before it asks for the reload, the page goes some tens of milliseconds later, and
/// the answer reaches the page's storage some milliseconds after the server has it ready.
const CUT_OFF_SLACK_MS: u64 = 250;
/// Sessions a run may lose to reloads mid-refresh: about one reload in fifty lands in a
/// refresh against Django (150 ms every 2.7 s, one tab in three), so a run sees none or one.
const MAX_CUT_OFF: usize = 2;

/// xorshift64*: enough to spread the actions, and the same for the same seed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Makes every page this tab loads from now on see no `navigator.locks`, as a plain-HTTP
/// deployment's pages do.
async fn hide_web_locks(browser: &Browser) {
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": "Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });" }),
        )
        .await;
}

/// Waits until the page shows either the user (`Ok`) or the login form (`Err`).
async fn logged_in_or_not(h: &Harness) -> Result<(), String> {
    let name = h.variant.demo_name();
    h.browser
        .poll(
            "the home page or the login form",
            interceptor_e2e::WAIT,
            || async {
                if h.browser.count_visible("#password").await > 0 {
                    return Ok(Err(h.browser.diagnostics().await));
                }
                match h.browser.try_text("[data-test=username]").await {
                    Ok(text) if text == name => Ok(Ok(())),
                    other => Err(format!("{other:?}")),
                }
            },
        )
        .await
}

/// Clicks "Fire 10 requests" (`Ok`), unless the page shows the login form (`Err`).
async fn fire_a_burst(h: &Harness) -> Result<(), String> {
    h.browser
        .poll(
            "the burst button or the login form",
            interceptor_e2e::WAIT,
            || async {
                if h.browser.count_visible("#password").await > 0 {
                    return Ok(Err(h.browser.diagnostics().await));
                }
                h.browser.try_click_button("Fire 10 requests").await.map(Ok)
            },
        )
        .await
}

/// The successful refresh a reload cut off, when that explains `refused`: the last refresh to
/// arrive before `refused` succeeded (so `refused` presented the token it rotated, whether or
/// not its answer had left yet: Django commits the rotation before it answers), and a tab
/// reloaded while it was in flight and before `refused` was sent (so the rotated token reached
/// no storage, and the reload let go of the lock `refused` then took). The log does not say
/// which tab sent what, so a reload of any tab counts.
fn cut_off_by_a_reload<'a>(
    refreshes: &[&'a LogEntry],
    refused: &LogEntry,
    reloaded_at: &[(usize, u64)],
) -> Option<&'a LogEntry> {
    let rotated = refreshes
        .iter()
        .filter(|entry| !std::ptr::eq(**entry, refused) && entry.at_ms <= refused.at_ms)
        .max_by_key(|entry| entry.at_ms)?;
    let cut_off = |at: u64| {
        at + CUT_OFF_SLACK_MS >= rotated.at_ms
            && at <= rotated.done_ms + CUT_OFF_SLACK_MS
            && at <= refused.at_ms
    };
    (rotated.status == 200 && reloaded_at.iter().any(|&(_, at)| cut_off(at))).then_some(*rotated)
}

/// The refused refreshes no reload explains.
fn unexplained_refusals<'a>(
    log: &'a [LogEntry],
    reloaded_at: &[(usize, u64)],
) -> Vec<&'a LogEntry> {
    let refreshes = requests_to(log, JWT_REFRESH);
    refreshes
        .iter()
        .filter(|entry| entry.status == 401)
        .filter(|refused| cut_off_by_a_reload(&refreshes, refused, reloaded_at).is_none())
        .copied()
        .collect()
}

/// After a session ended under the test: `Ok` when a reload cutting off a refresh explains every
/// refusal so far, and the test has logged in again in every tab.
async fn recover_from_a_cut_off(
    h: &Harness,
    tabs: &[WindowHandle],
    current: usize,
    reloaded_at: &mut Vec<(usize, u64)>,
) -> Result<(), String> {
    let log = h.server.log().await;
    let unexplained = unexplained_refusals(&log, reloaded_at);
    if !unexplained.is_empty()
        || requests_to(&log, JWT_REFRESH)
            .iter()
            .all(|e| e.status != 401)
    {
        return Err(format!(
            "the session ended and no reload mid-refresh explains it: {} refusals unexplained",
            unexplained.len()
        ));
    }
    h.log_in_from_home().await;
    for (index, tab) in tabs
        .iter()
        .enumerate()
        .filter(|(index, _)| *index != current)
    {
        h.browser.switch_to(tab.clone()).await;
        reloaded_at.push((index, now_ms()));
        h.browser.open("/").await;
        logged_in_or_not(h)
            .await
            .map_err(|page| format!("tab {index} after logging in again: {page}"))?;
    }
    h.browser.switch_to(tabs[current].clone()).await;
    Ok(())
}

async fn soak(backend: Backend, web_locks: bool) {
    let seed = std::env::var("SOAK_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let mut random = Random(seed.max(1));
    let h = Harness::start_on(backend).await;
    h.server
        .set_config(json!({
            "access_ttl_ms": ACCESS_TTL_MS,
            "rotate_refresh_tokens": true,
            "blacklist_after_rotation": true,
        }))
        .await;
    let browser = &h.browser;
    let mut tabs = vec![browser.window().await];
    if !web_locks {
        hide_web_locks(browser).await;
    }
    h.log_in_from_home().await;
    if !web_locks {
        let present = browser
            .execute("return navigator.locks === undefined;", vec![])
            .await;
        assert_eq!(present, json!(true), "Web Locks are hidden");
    }
    for _ in 1..TABS {
        // A window of its own: every tab is in view, so every tab's keeper refreshes ahead of
        // expiry, at the same moments: the most contention there can be.
        let tab = browser.new_window(false).await;
        browser.switch_to(tab.clone()).await;
        if !web_locks {
            hide_web_locks(browser).await;
        }
        browser.open("/").await;
        logged_in_or_not(&h)
            .await
            .expect("a new tab shares the session");
        tabs.push(tab);
    }

    h.server.clear_log().await;
    let started = Instant::now();
    let (mut bursts, mut reloads, mut on_login_form) = (0, 0, Vec::new());
    let (mut reloaded_at, mut cut_off) = (Vec::new(), 0);
    while started.elapsed() < RUN {
        let tab = random.below(TABS as u64) as usize;
        browser.switch_to(tabs[tab].clone()).await;
        let ended = if random.below(10) < 6 {
            bursts += 1;
            fire_a_burst(&h)
                .await
                .map_err(|page| format!("tab {tab} at a burst: {page}"))
        } else {
            reloaded_at.push((tab, now_ms()));
            browser.reload().await;
            reloads += 1;
            logged_in_or_not(&h)
                .await
                .map_err(|page| format!("tab {tab} after a reload: {page}"))
        };
        if let Err(page) = ended {
            match recover_from_a_cut_off(&h, &tabs, tab, &mut reloaded_at).await {
                Ok(()) if cut_off < MAX_CUT_OFF => cut_off += 1,
                Ok(()) => {
                    on_login_form.push(format!("{page}: more than {MAX_CUT_OFF} cut off"));
                    break;
                }
                Err(why) => {
                    on_login_form.push(format!("{page}\n{why}"));
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100 + random.below(500))).await;
    }
    // Whatever was under way settles.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let elapsed = started.elapsed();
    for (index, tab) in tabs.iter().enumerate() {
        browser.switch_to(tab.clone()).await;
        if let Err(page) = logged_in_or_not(&h).await {
            on_login_form.push(format!("tab {index} at the end: {page}"));
        }
    }

    let log = h.server.log().await;
    let refreshes = requests_to(&log, JWT_REFRESH);
    let refused = refreshes.iter().filter(|entry| entry.status == 401).count();
    let unexplained = unexplained_refusals(&log, &reloaded_at).len();
    let me = requests_to(&log, USERS_ME);
    let me_401 = me.iter().filter(|entry| entry.status == 401).count();
    let lifetimes = elapsed.as_millis() as f64 / ACCESS_TTL_MS as f64;
    let per_lifetime = refreshes.len() as f64 / lifetimes;
    eprintln!(
        "soak {backend:?} web_locks={web_locks} seed={seed}: {:.0} s, {TABS} tabs, {bursts} bursts, \
         {reloads} reloads; refresh calls {} ({per_lifetime:.2} per access lifetime), refused {refused} \
         ({unexplained} unexplained; sessions lost to a reload mid-refresh {cut_off}); \
         users/me/ {} (401: {me_401}); tabs on the login form {}",
        elapsed.as_secs_f64(),
        refreshes.len(),
        me.len(),
        on_login_form.len(),
    );
    let all = || format!("{}\nreloads (tab, at): {reloaded_at:?}", describe(&log));
    assert!(on_login_form.is_empty(), "{on_login_form:#?}\n{}", all());
    assert_eq!(unexplained, 0, "a refresh was refused:\n{}", all());
    // The keeper renews a 3 s token (2 s of it counted, whole seconds being truncated) about
    // 0.3 s before it runs out: 1.8 per lifetime when one tab is in view; requests in hidden
    // tabs refresh only what they find expiring, once for all. Either way never once per tab.
    assert!(
        (0.5..=2.2).contains(&per_lifetime),
        "{per_lifetime:.2} refreshes per access lifetime:\n{}",
        all()
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_tabs_under_rotation_with_web_locks() {
    soak(Backend::Reference, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_tabs_under_rotation_without_web_locks() {
    soak(Backend::Reference, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_tabs_under_rotation_against_django() {
    soak(Backend::Django(Variant::default()), true).await;
}

#[cfg(test)]
mod classification {
    use super::*;

    fn refresh(status: u16, at_ms: u64, done_ms: u64) -> LogEntry {
        LogEntry {
            method: "POST".into(),
            path: JWT_REFRESH.into(),
            status,
            bearer: false,
            at_ms,
            done_ms,
        }
    }

    #[test]
    fn a_reload_while_the_rotating_refresh_was_in_flight_explains_the_refusal() {
        let log = [refresh(200, 1_000, 1_150), refresh(401, 3_700, 3_710)];
        assert!(unexplained_refusals(&log, &[(0, 1_100)]).is_empty());
        assert!(unexplained_refusals(&log, &[(2, 1_350)]).is_empty());
    }

    #[test]
    fn a_lock_let_go_by_the_reload_explains_the_refusal_right_after() {
        // Seen against the reference backend with Web Locks: the reload let go of the lock while
        // the refresh was under way, and another tab sent the same token 7 ms after its answer.
        let log = [
            refresh(200, 1_796_129_315_228, 1_796_129_315_231),
            refresh(401, 1_796_129_315_238, 1_796_129_315_238),
        ];
        assert!(unexplained_refusals(&log, &[(2, 1_796_129_315_213)]).is_empty());
    }

    #[test]
    fn a_refusal_sent_while_the_rotating_refresh_was_still_answering_is_explained() {
        // Django with a slow answer: the reload let go of the lock, and the next tab's refresh
        // arrived after the rotation was committed but before its answer left.
        let log = [
            refresh(200, 1_796_129_419_410, 1_796_129_419_820),
            refresh(401, 1_796_129_419_553, 1_796_129_419_959),
        ];
        assert!(unexplained_refusals(&log, &[(2, 1_796_129_419_537)]).is_empty());
        // A reload after the refusal was sent let go of nothing it needed.
        assert_eq!(
            unexplained_refusals(&log, &[(2, 1_796_129_419_600)]).len(),
            1
        );
    }

    #[test]
    fn a_reload_outside_the_flight_explains_nothing() {
        let log = [refresh(200, 1_000, 1_150), refresh(401, 3_700, 3_710)];
        assert_eq!(unexplained_refusals(&log, &[(0, 500), (1, 1_500)]).len(), 1);
        assert_eq!(unexplained_refusals(&log, &[]).len(), 1);
    }

    #[test]
    fn only_the_last_refresh_answered_before_the_refusal_counts() {
        // The cut-off refresh was followed by one that succeeded: its token was held, so the
        // refusal after it is a client's fault.
        let log = [
            refresh(200, 1_000, 1_150),
            refresh(200, 3_700, 3_720),
            refresh(401, 6_400, 6_410),
        ];
        assert_eq!(unexplained_refusals(&log, &[(0, 1_100)]).len(), 1);
        // A refusal with no success before it (a session that started refused) is never explained.
        assert_eq!(
            unexplained_refusals(&[refresh(401, 10, 20)], &[(0, 10)]).len(),
            1
        );
    }
}
