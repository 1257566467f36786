//! The ledger: the consistent copy of the session in IndexedDB, as futures over one object
//! store of strings.
//!
//! Why IndexedDB beside `localStorage`: Chrome serves `localStorage` to each renderer process
//! from a cache that other processes' writes reach later, and not in step with the Web Lock
//! hand-off, so a tab that takes the lock right after another tab rotated the refresh token may
//! still read the old one. IndexedDB transactions are run in order by the browser for every
//! process: what a tab committed before releasing the lock is what the next holder reads. It also
//! gives the fallback lease a real compare-and-set. Written on web-sys directly: the crates that
//! wrap IndexedDB bring far more than these four operations.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

const STORE: &str = "kv";

/// An open database with one object store of strings under string keys.
#[derive(Debug, Clone)]
pub(crate) struct Idb {
    db: IdbDatabase,
    _close_on_version_change: Rc<Closure<dyn FnMut()>>,
}

/// Resolves when `request` succeeds, fails when it errs.
async fn settled(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise).await?;
    request.result()
}

/// Resolves when `transaction` has committed, fails when it aborts.
async fn committed(transaction: &IdbTransaction) -> Result<(), JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        transaction.set_oncomplete(Some(&resolve));
        transaction.set_onerror(Some(&reject));
        transaction.set_onabort(Some(&reject));
    });
    JsFuture::from(promise).await.map(drop)
}

impl Idb {
    /// Opens (creating on first use) the database `name` in `window`. `None` where IndexedDB is
    /// missing or refused (some private modes, sandboxed frames).
    pub(crate) async fn open(window: &web_sys::Window, name: &str) -> Option<Self> {
        let factory = window.indexed_db().ok().flatten()?;
        let request = factory.open_with_u32(name, 1).ok()?;
        let upgrading = request.clone();
        let create_store = Closure::once(move || {
            if let Ok(result) = upgrading.result() {
                let _ = result
                    .unchecked_into::<IdbDatabase>()
                    .create_object_store(STORE);
            }
        });
        request.set_onupgradeneeded(Some(create_store.as_ref().unchecked_ref()));
        let db = settled(&request).await.ok()?;
        if !db.is_object() {
            return None;
        }
        // Not `dyn_into`: its `instanceof` check fails for a database from another frame's realm.
        let db: IdbDatabase = db.unchecked_into();
        // Another page deleting or upgrading the database must not wait on this connection.
        let closing = db.clone();
        let close = Closure::<dyn FnMut()>::new(move || closing.close());
        db.set_onversionchange(Some(close.as_ref().unchecked_ref()));
        Some(Self {
            db,
            _close_on_version_change: Rc::new(close),
        })
    }

    fn store(&self, mode: IdbTransactionMode) -> Option<(IdbTransaction, IdbObjectStore)> {
        let transaction = self.db.transaction_with_str_and_mode(STORE, mode).ok()?;
        let store = transaction.object_store(STORE).ok()?;
        Some((transaction, store))
    }

    /// The value under `key`: `Some(None)` when there is none, `None` when reading failed.
    pub(crate) async fn get(&self, key: &str) -> Option<Option<String>> {
        let (_transaction, store) = self.store(IdbTransactionMode::Readonly)?;
        let request = store.get(&JsValue::from_str(key)).ok()?;
        let value = settled(&request).await.ok()?;
        Some(value.as_string())
    }

    /// Stores `value` under `key`; `true` once committed.
    pub(crate) async fn put(&self, key: &str, value: &str) -> bool {
        let Some((transaction, store)) = self.store(IdbTransactionMode::Readwrite) else {
            return false;
        };
        if store
            .put_with_key(&JsValue::from_str(value), &JsValue::from_str(key))
            .is_err()
        {
            return false;
        }
        committed(&transaction).await.is_ok()
    }

    /// Removes `key`; `true` once committed.
    #[cfg(feature = "testing")]
    pub(crate) async fn delete(&self, key: &str) -> bool {
        let Some((transaction, store)) = self.store(IdbTransactionMode::Readwrite) else {
            return false;
        };
        if store.delete(&JsValue::from_str(key)).is_err() {
            return false;
        }
        committed(&transaction).await.is_ok()
    }

    /// In one transaction: reads `key` and, when `replace` says so of what it holds, writes
    /// `value` over it. The browser runs read-write transactions on a store one at a time, so no
    /// other tab can write between the read and the write. `Some(true)` when it was written.
    pub(crate) async fn compare_and_set(
        &self,
        key: &str,
        value: &str,
        replace: impl FnOnce(Option<String>) -> bool + 'static,
    ) -> Option<bool> {
        let (transaction, store) = self.store(IdbTransactionMode::Readwrite)?;
        let request = store.get(&JsValue::from_str(key)).ok()?;
        let written = Rc::new(Cell::new(false));
        let (key, value, flag, read) = (
            key.to_owned(),
            value.to_owned(),
            written.clone(),
            request.clone(),
        );
        // Decided inside the success event, while the transaction is still active.
        let decide = Closure::once(move || {
            let current = read.result().ok().and_then(|value| value.as_string());
            if replace(current)
                && store
                    .put_with_key(&JsValue::from_str(&value), &JsValue::from_str(&key))
                    .is_ok()
            {
                flag.set(true);
            }
        });
        request.set_onsuccess(Some(decide.as_ref().unchecked_ref()));
        committed(&transaction).await.ok()?;
        Some(written.get())
    }
}
