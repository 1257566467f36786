//! What this crate's browser tests need and nothing else: a layer in another window (a test
//! "tab"), tokens replaced behind the client's back, the cross-tab lock. Not part of the API:
//! hidden from the docs, and it may change in any release.

use std::future::Future;

use crate::app::store::AuthStore;
use crate::config::AuthConfig;
use crate::session::tokens::{tamper_signature, Tokens};
use crate::tabs::ledger::Idb;
use crate::tabs::lock;

/// `config` as the layer would run in another window of this origin (a same-origin frame
/// standing in for a tab).
#[must_use]
pub fn in_window(mut config: AuthConfig, window: web_sys::Window) -> AuthConfig {
    config.window = Some(window);
    config
}

/// Replaces the stored tokens with `change(current)`, as if the server had issued them.
pub async fn replace_tokens(store: &AuthStore, change: impl FnOnce(&Tokens) -> Tokens) {
    let Some(tab) = store.tab() else { return };
    if let Some(tokens) = tab.tokens() {
        tab.replace_tokens(change(&tokens)).await;
    }
}

/// The same tokens, with an access token the server will refuse (`token_not_valid`) while the
/// client still believes it: what a token revoked or expired early on the server looks like.
#[must_use]
pub fn with_access_refused_by_server(tokens: &Tokens) -> Tokens {
    Tokens {
        access: tokens.access.as_deref().map(tamper_signature),
        ..tokens.clone()
    }
}

/// The refresh token, for tests that act behind the client's back (blacklisting it, say).
#[must_use]
pub fn refresh_token(tokens: &Tokens) -> String {
    tokens.refresh.clone().unwrap_or_default()
}

/// The cross-tab lock: runs `work` under the lock `name` of `window`'s origin; `false` when the
/// lock could not be had.
pub async fn with_lock<Fut>(
    window: &web_sys::Window,
    name: &str,
    max_hold_ms: f64,
    work: impl FnOnce() -> Fut + 'static,
) -> bool
where
    Fut: Future<Output = ()> + 'static,
{
    lock::with_lock_for_tests(window, name, max_hold_ms, work).await
}

/// Leaves a fallback lease on the lock `name` as a tab that closed while holding it leaves it:
/// taken just now, and never to be renewed or released.
pub async fn leave_dead_lease(window: &web_sys::Window, name: &str) {
    let key = lock::lease_key(name);
    let lease = lock::lease_until_now_plus("dead-tab ", lock::LEASE_MS);
    if let Some(storage) = window.local_storage().ok().flatten() {
        let _ = storage.set_item(&key, &lease);
    }
    if let Ok(idb) = Idb::open(window, name).await {
        let _ = idb.put(&key, &lease).await;
    }
}

/// Removes namespace `namespace`'s stored session from `window`'s origin: `localStorage`,
/// IndexedDB and any lease.
pub async fn forget_stored_session(window: &web_sys::Window, namespace: &str) {
    let key = crate::config::storage_key(namespace);
    let lease = lock::lease_key(&crate::config::lock_name(namespace));
    if let Some(storage) = window.local_storage().ok().flatten() {
        let _ = storage.remove_item(&key);
        let _ = storage.remove_item(&lease);
    }
    if let Ok(idb) = Idb::open(window, namespace).await {
        let _ = idb.delete(&key).await;
        let _ = idb.delete(&lease).await;
    }
}

/// The `localStorage` key `store`'s session is kept under.
#[must_use]
pub fn storage_key(store: &AuthStore) -> Option<String> {
    store.tab().map(|tab| tab.config.storage_key())
}
