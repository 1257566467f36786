//! The app's journeys with the tokens in httpOnly cookies, against real dj-rest-auth
//! (`backends/django --url-layout dj-rest-auth --cookie-csrf`): the release build served from
//! its own origin on 127.0.0.1, its meta tags pointing at Django on another port of 127.0.0.1
//! (the same site, so dj-rest-auth's `SameSite=Lax` cookies go along), Django allowing that
//! exact origin with credentials and trusting it for CSRF.
//!
//! Where a test needs the refresh token the browser holds (to revoke it, or to show that a
//! logout did), it reads the browser's cookie jar through DevTools, which no page script can
//! reach, and presents the token to Django itself, over HTTP.

mod scenarios;

use std::time::Duration;

use interceptor_e2e::hooks::{describe, requests_to};
use interceptor_e2e::{Backend, Browser, Harness, Variant, DEMO_PASSWORD, DEMO_USERNAME, WAIT};
use serde_json::{json, Value};

const COOKIES: Backend = Backend::Django(Variant::COOKIES);
/// The refresh cookie's path that the README recommends: it covers `token/refresh/` and
/// `logout/`, and no URL outside dj-rest-auth's.
const RECOMMENDED_PATH: Backend = Backend::Django(Variant::cookies_under(Some("/api/auth/")));
/// That path, with the logout below the refresh URL: the trap closed.
const NARROWED_WITH_LOGOUT_BELOW: Backend = Backend::Django(Variant::NARROWED_WITH_LOGOUT_BELOW);
/// The refresh cookie sent to the refresh URL alone: `docs/wire.md`'s trap.
const NARROWED_PATH: Backend =
    Backend::Django(Variant::cookies_under(Some("/api/auth/token/refresh/")));

/// Makes every page this tab loads note whether the app shell (index.html's script) chose to
/// show its login form, as it stands once the document is parsed, before the app runs.
async fn note_the_shells_choice(browser: &Browser) {
    let source = "document.addEventListener('readystatechange', () => {
        if (document.readyState === 'interactive')
            window.__shellShowedLogin = document.documentElement.classList.contains('shell-login');
    });";
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await;
}

async fn shell_showed_login(browser: &Browser) -> Value {
    browser
        .execute("return window.__shellShowedLogin ?? null;", vec![])
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_login_and_reload_keep_no_token_in_the_page() {
    let h = Harness::start_on(COOKIES).await;
    note_the_shells_choice(&h.browser).await;
    scenarios::logging_in_shows_the_user_at_home(&h).await;
    assert_eq!(
        shell_showed_login(&h.browser).await,
        json!(true),
        "before the login, the shell showed its form"
    );
    let wire = h.variant.wire();
    let log = h.server.log().await;
    assert_eq!(
        requests_to(&log, wire.me).len(),
        0,
        "dj-rest-auth's login answer carries the user:\n{}",
        describe(&log)
    );
    let state = h.stored_state().await.expect("a stored marker");
    let session = &state["session"];
    assert!(
        session["tokens"].is_null() && session["cookies"]["access_expires_at"].is_u64(),
        "what the tabs share is a marker with the expiry times, no token: {state}"
    );

    scenarios::a_reload_keeps_the_session_when_logged_in(&h).await;
    assert_eq!(
        shell_showed_login(&h.browser).await,
        json!(false),
        "the shell read the marker as a session: no login form flashed before the app"
    );
    let log = h.server.log().await;
    assert_eq!(
        requests_to(&log, wire.refresh).len(),
        0,
        "the access cookie still holds: a reload needs no refresh:\n{}",
        describe(&log)
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_expiry_burst_under_rotation_and_blacklist() {
    let h = Harness::start_on(COOKIES).await;
    scenarios::an_expired_access_token_does_not_stop_the_next_action(&h, true).await;
    // The demo's activity panel shows the cookie refresh like the others.
    let browser = &h.browser;
    browser
        .poll(
            "the activity panel's refresh line",
            interceptor_e2e::WAIT,
            || async {
                let panel = browser.try_text("[data-test=activity]").await?;
                if panel.contains("refreshed: the server set new token cookies") {
                    Ok(())
                } else {
                    Err(panel)
                }
            },
        )
        .await;
    h.finish().await;
}

/// Three windows in view (every one's keeper refreshes ahead, at the same moments), rotation
/// with blacklisting, a 3 s access token, a burst in every window each round: every refresh is
/// accepted (none presents a cookie another window's refresh rotated away), no request is
/// refused, and no window refreshes on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_three_windows_under_rotation_and_blacklist() {
    // As the soak's: a 2 s token would be refreshed every MIN_SPACING (1 s), 2 per lifetime.
    const ACCESS_TTL_MS: u64 = 3_000;
    const ROUNDS: usize = 3;
    let h = Harness::start_on(COOKIES).await;
    let (browser, wire) = (&h.browser, h.variant.wire());
    h.server
        .set_config(json!({
            "access_ttl_ms": ACCESS_TTL_MS,
            "rotate_refresh_tokens": true,
            "blacklist_after_rotation": true,
        }))
        .await;
    h.log_in_from_home().await;
    let mut windows = vec![browser.window().await];
    for _ in 1..3 {
        let window = browser.new_window(false).await;
        browser.switch_to(window.clone()).await;
        browser.open("/").await;
        browser
            .wait_for_text("[data-test=username]", DEMO_USERNAME)
            .await;
        windows.push(window);
    }
    h.server.clear_log().await;
    let started = std::time::Instant::now();
    for round in 1..=ROUNDS {
        // Every window's token has run out, or is being renewed by a keeper.
        tokio::time::sleep(Duration::from_millis(ACCESS_TTL_MS + 200)).await;
        for window in &windows {
            browser.switch_to(window.clone()).await;
            browser.click_button("Fire 10 requests").await;
        }
        let server = &h.server;
        browser
            .poll(
                format!("round {round}'s 30 requests"),
                interceptor_e2e::WAIT,
                || async move {
                    let log = server.log().await;
                    let done = requests_to(&log, wire.me).len();
                    if done >= 30 * round {
                        Ok(())
                    } else {
                        Err(format!("{done} of {}", 30 * round))
                    }
                },
            )
            .await;
    }
    let lifetimes = started.elapsed().as_millis() as f64 / ACCESS_TTL_MS as f64;
    for window in &windows {
        browser.switch_to(window.clone()).await;
        browser
            .wait_for_text("[data-test=burst-result]", "10 of 10 succeeded")
            .await;
        assert_eq!(browser.location().await, "/");
    }

    let log = h.server.log().await;
    let all = describe(&log);
    assert!(
        log.iter().all(|entry| entry.status < 400),
        "no refresh refused, no request refused:\n{all}"
    );
    assert_eq!(requests_to(&log, wire.me).len(), 30 * ROUNDS, "{all}");
    let refreshes = requests_to(&log, wire.refresh);
    let per_lifetime = refreshes.len() as f64 / lifetimes;
    eprintln!(
        "three windows, {ROUNDS} rounds: {} refreshes ({per_lifetime:.2} per access lifetime), no 401",
        refreshes.len()
    );
    // As in the soak: about 1.8 per lifetime for the keepers together, never one per window.
    assert!(
        (0.5..=2.2).contains(&per_lifetime),
        "{per_lifetime:.2} refreshes per access lifetime:\n{all}"
    );
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_logout_in_one_tab_logs_the_other_out() {
    let h = Harness::start_on(COOKIES).await;
    scenarios::a_logout_in_one_tab_logs_the_other_out(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_refused_refresh_to_login_with_next() {
    let h = Harness::start_on(COOKIES).await;
    scenarios::a_refused_refresh_sends_to_login_and_back_to_the_same_page(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_server_down_and_back() {
    let mut h = Harness::start_on(COOKIES).await;
    scenarios::the_server_going_down_during_a_refresh_keeps_the_session_and_recovers(&mut h).await;
    h.finish().await;
}

/// The refresh cookie's `Set-Cookie` as the server sends it, from a login of the test's own over
/// HTTP.
async fn refresh_cookie_of_own_login(h: &Harness) -> String {
    let own_login = h
        .server
        .post(
            h.variant.wire().login,
            &json!({ "username": DEMO_USERNAME, "password": DEMO_PASSWORD }),
        )
        .await;
    assert_eq!(own_login.status, 200, "{own_login:?}");
    own_login
        .set_cookie("jwt-refresh")
        .unwrap_or_default()
        .to_owned()
}

/// Under the README's refresh-cookie path, `/api/auth/`, "Log out" sends the refresh cookie to
/// `logout/`, which blacklists it: the token the browser held is refused afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_logout_revokes_under_the_recommended_path() {
    let h = Harness::start_on(RECOMMENDED_PATH).await;
    scenarios::logging_out_ends_the_session_on_the_server_too(&h).await;
    h.finish().await;
}

/// The refresh cookie narrowed to the refresh URL made safe, as the README says: Django mounts
/// dj-rest-auth's logout view below it too (`token/refresh/logout/`) and the page points the app's
/// logout there, so the browser sends the refresh cookie with it and the logout revokes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_logout_revokes_under_the_narrowed_path_with_logout_below_it() {
    let h = Harness::start_on(NARROWED_WITH_LOGOUT_BELOW).await;
    let set_cookie = refresh_cookie_of_own_login(&h).await;
    assert!(
        set_cookie.contains("Path=/api/auth/token/refresh/"),
        "the refresh cookie goes to the refresh URL and below it alone: {set_cookie}"
    );
    scenarios::logging_out_ends_the_session_on_the_server_too(&h).await;
    let log = h.server.log().await;
    assert!(
        requests_to(&log, "/api/auth/logout/").is_empty(),
        "the app's logout went below the refresh URL:\n{}",
        describe(&log)
    );
    h.finish().await;
}

/// `docs/wire.md`'s trap, end to end: with the refresh cookie's path narrowed to the refresh URL,
/// the session works (refreshes carry the cookie), but the browser never sends it to
/// `logout/`, which answers 401 and deletes the cookies: the page is logged out, and the
/// refresh token it held is still good on the server until it expires. The library cannot help
/// it (it cannot read the cookie); only a path that covers `logout/` can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_narrowed_refresh_cookie_path_makes_logout_revoke_nothing() {
    let h = Harness::start_on(NARROWED_PATH).await;
    let wire = h.variant.wire();
    let set_cookie = refresh_cookie_of_own_login(&h).await;
    assert!(
        set_cookie.contains("Path=/api/auth/token/refresh/") && set_cookie.contains("HttpOnly"),
        "the refresh cookie goes to the refresh URL alone: {set_cookie}"
    );

    // The session runs: a burst after expiry refreshes through the narrowed cookie.
    scenarios::an_expired_access_token_does_not_stop_the_next_action(&h, false).await;
    let refresh = h.refresh_token_held().await;

    h.browser.click_button("Log out").await;
    h.browser.wait_for_location("/login").await;
    let server = &h.server;
    let logout = h
        .browser
        .poll("the logout's answer", interceptor_e2e::WAIT, || async {
            let log = server.log().await;
            requests_to(&log, wire.logout)
                .first()
                .map(|entry| entry.status)
                .ok_or_else(|| describe(&log))
        })
        .await;
    assert_eq!(logout, 401, "the refresh cookie never reached logout/");
    let url = h.server.url(wire.refresh);
    let left = h.browser.cookies_for(&url).await;
    assert!(
        left.iter().all(|cookie| !cookie["name"]
            .as_str()
            .is_some_and(|name| name.starts_with("jwt-"))),
        "the 401 deleted both token cookies, so the browser looks logged out: {left:?}"
    );
    let after = h.server.refresh(&wire, &refresh).await;
    assert_eq!(
        after.status, 200,
        "the token the browser held is still good: the logout revoked nothing: {after:?}"
    );
    h.finish().await;
}

/// An attacker's script that runs before the app in every page (as one injected early would):
/// it notes every answer the page's `fetch` reads, every `storage` event, every
/// `Storage.setItem` and every IndexedDB `put`, in `window.__seen`, for [`ATTACKER`] to search.
const WATCHER: &str = r#"
(() => {
window.__seen = [];
const note = (where, text) => window.__seen.push([where, String(text ?? "")]);
const fetch = window.fetch;
window.fetch = async function (...args) {
  const response = await fetch.apply(this, args);
  response.clone().text().then((text) => note(`fetch ${response.url}`, text), () => {});
  return response;
};
addEventListener("storage", (event) => note(`storage event ${event.key}`, event.newValue));
const setItem = Storage.prototype.setItem;
Storage.prototype.setItem = function (key, value) {
  note(`setItem ${key}`, value);
  return setItem.call(this, key, value);
};
const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (value, key) {
  try { note(`IndexedDB put ${this.name}`, JSON.stringify(value)); } catch (error) {}
  return put.apply(this, arguments);
};
})();
"#;

/// What an injected script collects: `document.cookie`, every key of both storages, every
/// record of every IndexedDB database, the activity panel's text and the page's; then each
/// JWT-looking string in them with the `token_type` its payload says. Stores the result in
/// `window.__loot`.
const ATTACKER: &str = r#"
(async () => {
  const found = [["document.cookie", document.cookie]];
  for (const [name, storage] of [["localStorage", localStorage], ["sessionStorage", sessionStorage]]) {
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      found.push([`${name}[${key}]`, storage.getItem(key)]);
    }
  }
  const request = (make) => new Promise((resolve, reject) => {
    const r = make();
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  for (const { name } of await indexedDB.databases()) {
    const db = await request(() => indexedDB.open(name));
    for (const store of db.objectStoreNames) {
      const records = await request(() => db.transaction(store).objectStore(store).getAll());
      found.push([`IndexedDB ${name}/${store}`, JSON.stringify(records)]);
    }
    db.close();
  }
  found.push(["the activity panel", document.querySelector("[data-test=activity]")?.innerText ?? ""]);
  for (const [where, text] of window.__seen ?? []) found.push([`watched: ${where}`, text]);
  found.push(["the page", document.body.innerText]);
  const jwts = [];
  for (const [where, text] of found) {
    for (const jwt of (text ?? "").match(/eyJ[\w-]*\.[\w-]+\.[\w-]*/g) ?? []) {
      let claims = {};
      try {
        claims = JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      } catch (error) {}
      jwts.push({ where, token_type: claims.token_type ?? null });
    }
  }
  window.__loot = { searched: found.map(([where, text]) => [where, (text ?? "").length]), jwts };
})();
"#;

/// Injects [`ATTACKER`] as an inline `<script>`, as an XSS would, and returns its loot.
async fn attack(browser: &Browser) -> Value {
    browser
        .execute(
            "window.__loot = null;
             const script = document.createElement('script');
             script.textContent = arguments[0];
             document.head.append(script);",
            vec![json!(ATTACKER)],
        )
        .await;
    browser
        .poll(
            "the injected script's loot",
            interceptor_e2e::WAIT,
            || async {
                match browser.execute("return window.__loot;", vec![]).await {
                    Value::Null => Err("nothing yet (the page's policy refused it?)".to_owned()),
                    loot => Ok(loot),
                }
            },
        )
        .await
}

fn refresh_tokens(loot: &Value) -> Vec<&Value> {
    loot["jwts"]
        .as_array()
        .map(|jwts| {
            jwts.iter()
                .filter(|jwt| jwt["token_type"] == "refresh")
                .collect()
        })
        .unwrap_or_default()
}

/// The attacker: a script injected into the logged-in page (the page's policy relaxed for it
/// through DevTools, test only) after refreshes under rotation, searches everything a page
/// script can read and finds no token kept anywhere; with a watcher that ran before the app
/// (hooking `fetch`, storage writes and events, IndexedDB puts) it still finds no refresh
/// token, only the access token dj-rest-auth's answers carry. Planted where it looks, the same
/// search finds the refresh token the browser holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_a_script_in_the_page_finds_no_refresh_token() {
    let h = Harness::start_on(COOKIES).await;
    let browser = &h.browser;
    scenarios::an_expired_access_token_does_not_stop_the_next_action(&h, true).await;
    browser
        .cdp("Page.setBypassCSP", json!({ "enabled": true }))
        .await;
    browser.on_every_new_page(WATCHER).await;
    browser.reload().await;
    browser
        .wait_for_text("[data-test=username]", DEMO_USERNAME)
        .await;
    // The watcher sees a refresh through the cookie (the 2 s access token runs out).
    browser
        .poll(
            "a refresh the watcher saw",
            interceptor_e2e::WAIT,
            || async {
                let seen = browser
                    .execute(
                        "return (window.__seen ?? []).map(([where]) => where);",
                        vec![],
                    )
                    .await;
                let seen: Vec<String> = serde_json::from_value(seen).unwrap_or_default();
                if seen.iter().any(|w| w.ends_with("/api/auth/token/refresh/")) {
                    Ok(())
                } else {
                    Err(format!("{seen:?}"))
                }
            },
        )
        .await;
    browser.click_button("Fire 10 requests").await;
    browser
        .wait_for_text("[data-test=burst-result]", "10 of 10 succeeded")
        .await;

    // The search finds a refresh token where a page script could read one.
    let held = h.refresh_token_held().await;
    browser
        .execute(
            "sessionStorage.setItem('e2e.planted', arguments[0]);",
            vec![json!(held)],
        )
        .await;
    let planted = attack(browser).await;
    assert_eq!(
        refresh_tokens(&planted),
        [
            &json!({ "where": "sessionStorage[e2e.planted]", "token_type": "refresh" }),
            &json!({ "where": "watched: setItem e2e.planted", "token_type": "refresh" }),
        ],
        "{planted}"
    );
    browser
        .execute(
            "sessionStorage.removeItem('e2e.planted');
             window.__seen = window.__seen.filter(([where]) => !where.includes('e2e.planted'));",
            vec![],
        )
        .await;

    let loot = attack(browser).await;
    let searched = loot["searched"].to_string();
    for place in [
        "document.cookie",
        "localStorage[interceptor-app.session.v1]",
        "IndexedDB interceptor-app/kv",
        "the activity panel",
    ] {
        assert!(searched.contains(place), "{place} was searched: {searched}");
    }
    assert!(
        searched.contains("watched: fetch http://127.0.0.1:")
            && searched.contains("/api/auth/token/refresh/"),
        "the refresh's answer was watched: {searched}"
    );
    assert_eq!(refresh_tokens(&loot), Vec::<&Value>::new(), "{loot}");
    let jwts = loot["jwts"].as_array().cloned().unwrap_or_default();
    let (watched, kept): (Vec<_>, Vec<_>) = jwts.iter().partition(|jwt| {
        jwt["where"]
            .as_str()
            .is_some_and(|w| w.starts_with("watched"))
    });
    assert_eq!(
        kept,
        Vec::<&Value>::new(),
        "no token of any kind kept within a page script's reach: {loot}"
    );
    // dj-rest-auth's login and refresh answers carry the access token in their body too
    // (`{"access", "access_expiration"}`): a script that hooks `fetch` before the app sees it,
    // never the refresh token.
    assert!(
        watched.iter().all(|jwt| jwt["token_type"] == "access"),
        "{loot}"
    );
    eprintln!(
        "attacker: searched {} places, found no refresh token; access tokens seen in fetch answers: {}",
        loot["searched"].as_array().map_or(0, Vec::len),
        watched.len()
    );
    h.finish().await;
}

/// The demo's pages with dj-rest-auth's user (`pk`, a read-only `email`) and calls: the user id
/// from `pk`, the first name edited (a cookie-authenticated PATCH with its CSRF header), the
/// password changed through `password/change/` (the new one twice), and no registration offered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_pages_with_dj_rest_auths_user_and_calls() {
    let h = Harness::start_on(COOKIES).await;
    let (browser, wire) = (&h.browser, h.variant.wire());
    h.log_in_from_home().await;
    browser.wait_for_text("[data-test=user-id]", "1").await;
    browser
        .wait_for_text("[data-test=email]", interceptor_e2e::DEMO_EMAIL)
        .await;

    browser.click_link("Profile").await;
    browser.wait_for_location("/profile").await;
    browser.fill("#first_name", "Ada").await;
    browser.click_button("Save").await;
    browser.wait_for_text("form p.ok", "Saved.").await;

    browser.fill("#new_password1", "second-password-2").await;
    browser.fill("#new_password2", "something-else-3").await;
    browser.click_button("Change password").await;
    browser
        .wait_for_text(
            "#new_password2-error",
            "The two password fields didn’t match.",
        )
        .await;
    browser.fill("#new_password2", "second-password-2").await;
    browser.click_button("Change password").await;
    browser
        .wait_for_text("[data-test=password-changed]", "Password changed.")
        .await;
    let log = h.server.log().await;
    let patched: Vec<_> = requests_to(&log, wire.me)
        .into_iter()
        .filter(|entry| entry.method == "PATCH")
        .map(|entry| entry.status)
        .collect();
    assert_eq!(patched, [200], "{}", describe(&log));
    let with_new = h
        .server
        .post(
            wire.login,
            &json!({ "username": DEMO_USERNAME, "password": "second-password-2" }),
        )
        .await;
    assert_eq!(
        with_new.status, 200,
        "the new password logs in: {with_new:?}"
    );
    assert_eq!(with_new.body["user"]["first_name"], "Ada", "{with_new:?}");

    browser.click_link("Home").await;
    browser.click_button("Log out").await;
    browser.wait_for_location("/login").await;
    browser.wait_for("#password").await;
    assert_eq!(
        browser.count_visible("a[href='/register']").await,
        0,
        "the login page offers no registration"
    );
    browser.open("/register").await;
    browser
        .wait_for_text(
            "[data-test=registration-not-offered]",
            "This server offers no registration: its administrators create the accounts.",
        )
        .await;
    h.finish().await;
}

/// `scripts/dev --cookies --access-ttl 5s`, by hand: the demo served by `trunk serve` (the page
/// and, through its proxy, Django on one origin) logs in, and its activity panel shows the
/// cookie refreshes. `INTERCEPTOR_DEV_URL` (default `http://127.0.0.1:8080`) names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs scripts/dev --cookies --access-ttl 5s running"]
async fn dev_cookies_demo_shows_cookie_refreshes() {
    let origin =
        std::env::var("INTERCEPTOR_DEV_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let browser = Browser::start(&origin).await;
    browser.open("/").await;
    browser.wait_for_location("/login").await;
    browser.submit_login(DEMO_USERNAME, DEMO_PASSWORD).await;
    browser.wait_for_location("/").await;
    browser
        .wait_for_text("[data-test=username]", DEMO_USERNAME)
        .await;
    let panel = browser
        .poll(
            "a cookie refresh in the activity panel",
            Duration::from_secs(20),
            || async {
                let panel = browser.try_text("[data-test=activity]").await?;
                if panel.contains("refreshed: the server set new token cookies") {
                    Ok(panel)
                } else {
                    Err(panel)
                }
            },
        )
        .await;
    browser.click_button("Fire 10 requests").await;
    browser
        .wait_for_text("[data-test=burst-result]", "10 of 10 succeeded")
        .await;
    eprintln!("the demo's activity panel:\n{panel}");
    // A logout is a cookie-authenticated POST: through the proxy it passes the CSRF check and
    // revokes the refresh token the browser held.
    let server = interceptor_e2e::Hooks::new(&origin);
    let wire = interceptor_e2e::hooks::DJ_REST_AUTH;
    let refresh_url = format!("{origin}{}", wire.refresh);
    let held = browser
        .cookies_for(&refresh_url)
        .await
        .iter()
        .find(|cookie| cookie["name"] == "jwt-refresh")
        .and_then(|cookie| cookie["value"].as_str().map(str::to_owned))
        .expect("the refresh cookie");
    browser.click_button("Log out").await;
    browser.wait_for_location("/login").await;
    let after = browser
        .poll("the logout's revocation", WAIT, || async {
            let after = server.refresh(&wire, &held).await;
            if after.status == 401 {
                Ok(after)
            } else {
                Err(format!("{after:?}"))
            }
        })
        .await;
    eprintln!("after the logout, its refresh token: {after:?}");
}
