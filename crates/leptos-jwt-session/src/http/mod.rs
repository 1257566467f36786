//! One HTTP exchange and its parts: the request, the answer, the API base and the errors. Knows
//! nothing of tokens or sessions.

pub(crate) mod api_base;
pub(crate) mod error;
pub(crate) mod fetch;
pub(crate) mod request;
pub(crate) mod response;
