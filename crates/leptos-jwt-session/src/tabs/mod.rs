//! Across tabs: the cross-tab lock (one writer at a time), the ledger (the consistent copy of the
//! session in IndexedDB) and the mirror (`localStorage`, whose events tell other tabs). Plain
//! browser plumbing; the rules of what to write live in [`crate::session`].

pub(crate) mod ledger;
pub(crate) mod lock;
pub(crate) mod mirror;
