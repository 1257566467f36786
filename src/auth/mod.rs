//! Authentication state: tokens, the user, where they are kept, and how a session ends.

pub mod session;
pub mod storage;
pub mod store;
pub mod token;

pub use session::{PersistedSession, SessionEnd, StoredState, Tokens, User, STORAGE_KEY};
pub use storage::{StorageArea, StorageKind};
pub use store::AuthStore;
