//! The interceptor and the calls it makes: [`client::ApiClient`] (where every request is sent),
//! [`refresh`] (where a refresh is decided and done), [`accounts`] (logging in and out, the
//! user), all through [`exchange`], one exchange with its events.

pub(crate) mod accounts;
pub(crate) mod client;
pub(crate) mod credentials;
pub(crate) mod exchange;
pub(crate) mod refresh;
