//! Where the session is kept between page loads, and how other tabs' changes arrive.
//!
//! Written on web-sys directly rather than gloo-storage: gloo's `LocalStorage::raw()` panics when
//! the browser refuses storage (private modes, sandboxed frames), and this app must not panic.

use wasm_bindgen::JsCast;

use crate::config::StorageKind;

/// A storage kind in one window (a tab, or a same-origin frame in tests).
#[derive(Debug, Clone)]
pub(crate) struct StorageArea {
    kind: StorageKind,
    window: Option<web_sys::Window>,
}

impl StorageArea {
    /// The storage `config` names, in the layer's window. [`StorageKind::Memory`] touches no
    /// browser API, so host tests can use it.
    pub fn for_config(config: &crate::AuthConfig) -> Self {
        let kind = config.storage;
        let window = (kind != StorageKind::Memory)
            .then(|| config.window())
            .flatten();
        Self { kind, window }
    }

    pub fn kind(&self) -> StorageKind {
        self.kind
    }

    /// The window whose storage this is, if any.
    pub fn window(&self) -> Option<&web_sys::Window> {
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
    pub fn is_available(&self) -> bool {
        self.storage().is_some()
    }

    /// The stored value, if any and if storage is available.
    pub fn load(&self, key: &str) -> Option<String> {
        self.storage()?.get_item(key).ok().flatten()
    }

    /// Stores `value`. `false` when the browser refused (quota, privacy mode); memory storage
    /// keeps nothing and always succeeds.
    pub fn save(&self, key: &str, value: &str) -> bool {
        let Some(storage) = self.storage() else {
            return true;
        };
        let saved = storage.set_item(key, value).is_ok();
        if !saved {
            leptos::logging::warn!("could not write {key} to storage");
        }
        saved
    }

    pub fn remove(&self, key: &str) {
        if let Some(storage) = self.storage() {
            let _ = storage.remove_item(key);
        }
    }

    /// Calls `on_change` whenever another tab changes `key` (or clears storage). Only
    /// `localStorage` is shared between tabs; for the other kinds this listens to nothing.
    /// The listener stops when the returned value is dropped.
    pub fn on_change_elsewhere(
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
