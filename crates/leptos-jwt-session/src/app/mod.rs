//! What an app touches: [`provide::provide_auth`] and the hooks, the store, the guard, the login
//! form, refresh ahead of expiry, events.

pub(crate) mod events;
pub(crate) mod guard;
pub(crate) mod login;
pub(crate) mod next;
pub(crate) mod provide;
pub(crate) mod refresh_ahead;
pub(crate) mod store;
