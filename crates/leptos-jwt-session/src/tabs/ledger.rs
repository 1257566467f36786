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

use futures::future::{select, Either};
use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

const STORE: &str = "kv";

/// How long one IndexedDB operation may take. It takes milliseconds; past this it has stalled
/// (a transaction somewhere holds the store, the disk hangs), and the tab goes on without it
/// rather than hold the cross-tab lock, and every tab, with it.
pub(crate) const LEDGER_TIMEOUT_MS: u32 = 2_000;

/// Why an IndexedDB operation gave nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LedgerError {
    /// The browser refused it (quota, a private mode, a closing database).
    #[error("IndexedDB refused the operation")]
    Refused,
    /// No answer within [`LEDGER_TIMEOUT_MS`].
    #[error("IndexedDB did not answer in time")]
    Stalled,
}

/// `promise`'s outcome, or [`LedgerError::Stalled`] once the bound has passed.
async fn bounded(promise: Promise) -> Result<JsValue, LedgerError> {
    let answer = JsFuture::from(promise);
    let deadline = gloo_timers::future::TimeoutFuture::new(LEDGER_TIMEOUT_MS);
    match select(answer, deadline).await {
        Either::Left((answer, _)) => answer.map_err(|_| LedgerError::Refused),
        Either::Right(_) => Err(LedgerError::Stalled),
    }
}

/// An open database with one object store of strings under string keys.
#[derive(Debug, Clone)]
pub(crate) struct Idb {
    db: IdbDatabase,
    _close_on_version_change: Rc<Closure<dyn FnMut()>>,
}

/// Resolves when `request` succeeds, fails when it errs or stalls.
async fn settled(request: &IdbRequest) -> Result<JsValue, LedgerError> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    bounded(promise).await?;
    request.result().map_err(|_| LedgerError::Refused)
}

/// Resolves when `transaction` has committed, fails when it aborts or stalls.
async fn committed(transaction: &IdbTransaction) -> Result<(), LedgerError> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        transaction.set_oncomplete(Some(&resolve));
        transaction.set_onerror(Some(&reject));
        transaction.set_onabort(Some(&reject));
    });
    bounded(promise).await.map(drop)
}

impl Idb {
    /// Opens (creating on first use) the database `name` in `window`. [`LedgerError::Refused`]
    /// where IndexedDB is missing or refused (some private modes, sandboxed frames).
    pub(crate) async fn open(window: &web_sys::Window, name: &str) -> Result<Self, LedgerError> {
        let factory = window
            .indexed_db()
            .ok()
            .flatten()
            .ok_or(LedgerError::Refused)?;
        let request = factory
            .open_with_u32(name, 1)
            .map_err(|_| LedgerError::Refused)?;
        let upgrading = request.clone();
        let create_store = Closure::once(move || {
            if let Ok(result) = upgrading.result() {
                let _ = result
                    .unchecked_into::<IdbDatabase>()
                    .create_object_store(STORE);
            }
        });
        request.set_onupgradeneeded(Some(create_store.as_ref().unchecked_ref()));
        let db = settled(&request).await?;
        if !db.is_object() {
            return Err(LedgerError::Refused);
        }
        // Not `dyn_into`: its `instanceof` check fails for a database from another frame's realm.
        let db: IdbDatabase = db.unchecked_into();
        // Another page deleting or upgrading the database must not wait on this connection.
        let closing = db.clone();
        let close = Closure::<dyn FnMut()>::new(move || closing.close());
        db.set_onversionchange(Some(close.as_ref().unchecked_ref()));
        Ok(Self {
            db,
            _close_on_version_change: Rc::new(close),
        })
    }

    fn store(
        &self,
        mode: IdbTransactionMode,
    ) -> Result<(IdbTransaction, IdbObjectStore), LedgerError> {
        let transaction = self
            .db
            .transaction_with_str_and_mode(STORE, mode)
            .map_err(|_| LedgerError::Refused)?;
        let store = transaction
            .object_store(STORE)
            .map_err(|_| LedgerError::Refused)?;
        Ok((transaction, store))
    }

    /// The value under `key`, if any.
    pub(crate) async fn get(&self, key: &str) -> Result<Option<String>, LedgerError> {
        let (_transaction, store) = self.store(IdbTransactionMode::Readonly)?;
        let request = store
            .get(&JsValue::from_str(key))
            .map_err(|_| LedgerError::Refused)?;
        Ok(settled(&request).await?.as_string())
    }

    /// Stores `value` under `key`, committed.
    pub(crate) async fn put(&self, key: &str, value: &str) -> Result<(), LedgerError> {
        let (transaction, store) = self.store(IdbTransactionMode::Readwrite)?;
        store
            .put_with_key(&JsValue::from_str(value), &JsValue::from_str(key))
            .map_err(|_| LedgerError::Refused)?;
        committed(&transaction).await
    }

    /// Removes `key`, committed.
    #[cfg(feature = "testing")]
    pub(crate) async fn delete(&self, key: &str) -> Result<(), LedgerError> {
        let (transaction, store) = self.store(IdbTransactionMode::Readwrite)?;
        store
            .delete(&JsValue::from_str(key))
            .map_err(|_| LedgerError::Refused)?;
        committed(&transaction).await
    }

    /// In one transaction: reads `key` and, when `replace` says so of what it holds, writes
    /// `value` over it. The browser runs read-write transactions on a store one at a time, so no
    /// other tab can write between the read and the write. `Ok(true)` when it was written.
    pub(crate) async fn compare_and_set(
        &self,
        key: &str,
        value: &str,
        replace: impl FnOnce(Option<String>) -> bool + 'static,
    ) -> Result<bool, LedgerError> {
        let (transaction, store) = self.store(IdbTransactionMode::Readwrite)?;
        let request = store
            .get(&JsValue::from_str(key))
            .map_err(|_| LedgerError::Refused)?;
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
        committed(&transaction).await?;
        Ok(written.get())
    }
}
