//! The mirror: the session in `localStorage` (or `sessionStorage`), where it survives a reload
//! and where other tabs hear of every change through `storage` events. Its copy can lag behind
//! in Chrome (see [`crate::tabs::ledger`]), so writes build on the ledger's copy.
//!
//! Written on web-sys directly rather than gloo-storage: gloo's `LocalStorage::raw()` panics when
//! the browser refuses storage (private modes, sandboxed frames), and this app must not panic.

use wasm_bindgen::JsCast;

/// Which browser storage holds the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StorageKind {
    /// `localStorage`: survives reloads and restarts, shared by every tab, which share one
    /// session and one refresh.
    #[default]
    Local,
    /// `sessionStorage`: one tab, until it closes; each tab logs in on its own.
    Session,
    /// Nothing kept: a reload logs the user out.
    Memory,
}

/// A storage kind in one window (a tab, or a same-origin frame in tests).
#[derive(Debug, Clone)]
pub(crate) struct StorageArea {
    kind: StorageKind,
    window: Option<web_sys::Window>,
}

impl StorageArea {
    /// Storage of `kind` in `window`. [`StorageKind::Memory`] touches no browser API, so host
    /// tests can use it.
    pub(crate) fn new(kind: StorageKind, window: Option<web_sys::Window>) -> Self {
        let window = window.filter(|_| kind != StorageKind::Memory);
        Self { kind, window }
    }

    pub(crate) fn kind(&self) -> StorageKind {
        self.kind
    }

    /// The window whose storage this is, if any.
    pub(crate) fn window(&self) -> Option<&web_sys::Window> {
        self.window.as_ref()
    }

    fn storage(&self) -> Option<web_sys::Storage> {
        let window = self.window.as_ref()?;
        match self.kind {
            StorageKind::Local => window.local_storage().ok().flatten(),
            StorageKind::Session => window.session_storage().ok().flatten(),
            StorageKind::Memory => None,
        }
    }

    /// Whether values written here can be read back (not memory, and not refused by the browser).
    pub(crate) fn is_available(&self) -> bool {
        self.storage().is_some()
    }

    /// The stored value, if any and if storage is available.
    pub(crate) fn load(&self, key: &str) -> Option<String> {
        self.storage()?.get_item(key).ok().flatten()
    }

    /// Stores `value`. `false` when the browser refused (quota, privacy mode); memory storage
    /// keeps nothing and always succeeds.
    pub(crate) fn save(&self, key: &str, value: &str) -> bool {
        let Some(storage) = self.storage() else {
            return true;
        };
        let saved = storage.set_item(key, value).is_ok();
        if !saved {
            leptos::logging::warn!("could not write {key} to storage");
        }
        saved
    }

    pub(crate) fn remove(&self, key: &str) {
        if let Some(storage) = self.storage() {
            let _ = storage.remove_item(key);
        }
    }

    /// Calls `on_change` whenever another tab changes `key` (or clears storage). Only
    /// `localStorage` is shared between tabs; for the other kinds this listens to nothing.
    /// The listener stops when the returned value is dropped.
    pub(crate) fn on_change_elsewhere(
        &self,
        key: String,
        on_change: impl Fn() + 'static,
    ) -> Option<gloo_events::EventListener> {
        if self.kind != StorageKind::Local {
            return None;
        }
        let window = self.window.as_ref()?;
        Some(gloo_events::EventListener::new(
            window,
            "storage",
            move |event| {
                // "storage" events are always StorageEvents; not `dyn_ref`, whose instanceof
                // check fails for an event from another frame's realm.
                let event = event.unchecked_ref::<web_sys::StorageEvent>();
                let changed = event.key().is_none_or(|changed| changed == key);
                if changed {
                    on_change();
                }
            },
        ))
    }
}
