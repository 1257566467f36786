//! The layer as an app meets it: mounted under a component that goes away mid-flight, observed
//! through its events, two apps on one origin, and the token kept inside the API base whatever
//! a path tries.
#![cfg(target_arch = "wasm32")]

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use leptos::prelude::*;
use leptos_jwt_session::{
    provide_auth, use_auth_events, ApiClient, ApiRequest, AuthConfig, AuthEvent, Credentials,
    DjoserUser, RefreshReason, StorageKind,
};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

static PANICKED: AtomicBool = AtomicBool::new(false);

/// Records any panic (and prints it), so that a test can say none happened: in a release build
/// (`panic = "abort"`) any of them would have killed the app.
fn watch_for_panics() {
    std::panic::set_hook(Box::new(|info| {
        PANICKED.store(true, Ordering::SeqCst);
        console_error_panic_hook::hook(info);
    }));
}

/// The layer provided by a component mounted in its own element, as an app under a route or a
/// `<Show>` would have it; the client comes out so the test can use it.
struct Mounted {
    handle: Option<Box<dyn std::any::Any>>,
    element: web_sys::HtmlElement,
    client: ApiClient,
}

impl Mounted {
    fn new(config: AuthConfig) -> Self {
        let element = new_container();
        let provided = Rc::new(RefCell::new(None));
        let out = provided.clone();
        let handle = leptos::mount::mount_to(element.clone(), move || {
            let auth = provide_auth(config.clone());
            out.replace(Some(auth.client));
            view! { <p>"mounted"</p> }
        });
        let client = provided.take().expect("provided");
        Self {
            handle: Some(Box::new(handle)),
            element,
            client,
        }
    }

    /// Unmounts the component: its owner, and every signal and stored value of the layer, go.
    fn unmount(&mut self) {
        self.handle.take();
        self.element.remove();
    }
}

#[wasm_bindgen_test]
async fn unmounting_during_a_delayed_request_refresh_and_lock_wait_breaks_nothing() {
    reset().await;
    watch_for_panics();
    set_config(r#"{"access_ttl_ms":2000}"#).await;
    let local = || config().storage(StorageKind::Local).refresh_ahead(true);
    // Another "tab" of the same session that will hold the cross-tab lock for a while.
    let holder = harness_with(local());
    log_in_demo(&holder).await;
    let mut mounted = Mounted::new(local());
    sleep(2_100).await;

    // The holder's refresh takes 800 ms under the lock; the mounted layer's request needs a
    // refresh too, and waits for the lock; its own keeper's timer is pending as well.
    set_fault(r#"{"path":"v1/auth/jwt/refresh/","delay_ms":800}"#).await;
    let held = holder.client.refresh();
    let waiting_request = mounted.client.me::<DjoserUser>();
    let waiting_refresh = mounted.client.refresh();
    let unmount_meanwhile = async {
        sleep(150).await;
        mounted.unmount();
    };
    let (held, request, refresh, ()) =
        futures::join!(held, waiting_request, waiting_refresh, unmount_meanwhile);
    held.expect("the holder's refresh");
    // The layer's work finished without its owner: the request went through, the refresh used
    // the token the holder stored.
    assert_eq!(request.map(|user| user.username).as_deref(), Ok(DEMO_USER));
    assert_eq!(refresh, Ok(()));

    // Calls through a handle whose layer is gone end at once, and nothing panicked.
    assert_eq!(
        mounted.client.me::<DjoserUser>().await,
        Err(leptos_jwt_session::ApiError::Stopped)
    );
    sleep(2_500).await;
    assert!(!PANICKED.load(Ordering::SeqCst), "something panicked");
    // The page still runs: the other layer works on.
    assert_eq!(
        holder.client.me::<DjoserUser>().await.map(|user| user.id),
        Ok(1)
    );
}

#[wasm_bindgen_test]
async fn unmounting_while_a_refresh_is_on_the_wire_breaks_nothing() {
    reset().await;
    watch_for_panics();
    let mut mounted = Mounted::new(config().storage(StorageKind::Local));
    mounted
        .client
        .log_in(&Credentials::new(DEMO_USER, DEMO_PASSWORD))
        .await
        .expect("login");
    set_fault(r#"{"path":"v1/auth/jwt/refresh/","delay_ms":500}"#).await;
    let refresh = mounted.client.refresh();
    let unmount = async {
        sleep(100).await;
        mounted.unmount();
    };
    let (refreshed, ()) = futures::join!(refresh, unmount);
    assert_eq!(refreshed, Ok(()), "finished, and stored for the other tabs");
    sleep(200).await;
    assert!(!PANICKED.load(Ordering::SeqCst), "something panicked");
    let reloaded = harness_with(config().storage(StorageKind::Local));
    assert!(reloaded.store.is_authenticated_untracked());
}

#[wasm_bindgen_test]
async fn events_tell_every_step_and_never_a_secret() {
    reset().await;
    let h = logged_in().await;
    let heard = Rc::new(RefCell::new(Vec::<AuthEvent>::new()));
    let log = heard.clone();
    // A component of the app, under the one that provided the layer.
    let listener = h.owner.with(Owner::new);
    listener.with(|| {
        use_auth_events(move |event| log.borrow_mut().push(event.clone()));
    });
    spoil_access_token(&h.store).await;
    heard.borrow_mut().clear();
    h.client
        .me::<DjoserUser>()
        .await
        .expect("me after a refresh");

    let events = heard.borrow().clone();
    let kinds: Vec<&str> = events
        .iter()
        .map(|event| match event {
            AuthEvent::RequestStarted { .. } => "started",
            AuthEvent::RequestFinished { .. } => "finished",
            AuthEvent::RefreshStarted {
                reason: RefreshReason::Refused,
            } => "refresh (refused token)",
            AuthEvent::RefreshFinished { rotated: false } => "refreshed",
            AuthEvent::Replaying { .. } => "replaying",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "started",
            "finished",
            "refresh (refused token)",
            "started",
            "finished",
            "refreshed",
            "replaying",
            "started",
            "finished"
        ],
        "{events:?}"
    );
    assert!(matches!(
        &events[1],
        AuthEvent::RequestFinished { status: Some(401), path, .. } if path == "v1/auth/users/me/"
    ));
    let printed = format!("{events:?}");
    let tokens = h.store.tokens_untracked().expect("tokens");
    assert!(
        !printed.contains(tokens.access().expect("an access token")),
        "{printed}"
    );
    assert!(
        !printed.contains(&leptos_jwt_session::testing::refresh_token(&tokens)),
        "{printed}"
    );

    // A URL elsewhere appears as its origin, never with its path and query.
    heard.borrow_mut().clear();
    let elsewhere = format!(
        "{}v1/anything/?secret=1",
        API.replace("127.0.0.1", "localhost")
    );
    let _ = h.client.send(&ApiRequest::get(elsewhere)).await;
    let printed = format!("{:?}", heard.borrow());
    assert!(!printed.contains("secret"), "{printed}");
    assert!(printed.contains("http://localhost:"), "{printed}");

    // Gone with its component: nothing more is heard, and the layer works on.
    listener.cleanup();
    heard.borrow_mut().clear();
    assert!(h.client.me::<DjoserUser>().await.is_ok());
    assert!(heard.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn two_namespaces_on_one_origin_do_not_see_each_others_session() {
    reset().await;
    let shop = || config().storage(StorageKind::Local).namespace("shop");
    let blog = || config().storage(StorageKind::Local).namespace("blog");
    let shop_tab = harness_with(shop());
    let blog_tab = harness_with(blog());
    log_in_demo(&shop_tab).await;
    sleep(100).await;
    assert!(!blog_tab.store.is_authenticated_untracked());
    assert!(
        !harness_with(blog()).store.is_authenticated_untracked(),
        "nor after a reload"
    );
    assert!(harness_with(shop()).store.is_authenticated_untracked());

    log_in_demo(&blog_tab).await;
    blog_tab.client.log_out().await;
    assert!(
        shop_tab.store.is_authenticated_untracked(),
        "a logout in one app leaves the other logged in"
    );
    assert_ne!(
        leptos_jwt_session::testing::storage_key(&shop_tab.store),
        leptos_jwt_session::testing::storage_key(&blog_tab.store)
    );
    leptos_jwt_session::testing::forget_stored_session(&web_sys::window().expect("window"), "shop")
        .await;
    leptos_jwt_session::testing::forget_stored_session(&web_sys::window().expect("window"), "blog")
        .await;
}

/// Failed before: the check read the raw string, whereas the browser removes tabs and newlines,
/// turns backslashes into slashes and resolves dot segments (`%2e` too) before it fetches.
#[wasm_bindgen_test]
async fn the_token_never_leaves_the_api_base_whatever_the_path() {
    reset().await;
    log_in_demo(&harness_with(config().storage(StorageKind::Local))).await;
    // The same session with the base at .../api/v1/auth/jwt/: users/me/ lies outside it.
    let h = harness_with(config_at(&format!("{API}v1/auth/jwt/")).storage(StorageKind::Local));
    assert!(h.store.is_authenticated_untracked());
    clear_log().await;
    let tricks = [
        ".\t./users/me/",
        ".\n./users/me/",
        "..\\users\\me\\",
        "%2e%2e/users/me/",
        ".%2E/users/me/",
        "%2E./users/me/",
        "verify/../../users/me/",
        "..%2fusers/me/",
    ];
    for trick in tricks {
        let _ = h.client.send(&ApiRequest::get(trick)).await;
    }
    // Under the base (and not a token endpoint of this configuration): the token goes along.
    let _ = h.client.send(&ApiRequest::post("verify/")).await;

    let log = server_log().await;
    assert_eq!(log.len(), tricks.len() + 1, "{log:?}");
    for (entry, trick) in log.iter().zip(tricks) {
        assert!(
            !entry.bearer,
            "{trick:?} carried the token to {}",
            entry.path
        );
        assert!(
            !entry.path.starts_with("/api/v1/auth/jwt/") || entry.path.contains("%2f"),
            "{trick:?} → {}",
            entry.path
        );
    }
    assert!(log[tricks.len()].bearer, "the control request: {log:?}");
}
