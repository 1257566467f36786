//! Talking to the API: the base URL rules, the interceptor and its errors.

pub mod activity;
pub mod base;
pub mod client;
pub mod error;
pub mod keeper;
pub mod lock;
pub mod transport;

pub use activity::{Activity, ActivityEntry, ActivityKind};
pub use base::{ApiBase, DEFAULT_API_BASE};
pub use client::{ApiClient, ApiRequest, ClientConfig, Endpoints, Registration};
pub use error::{ApiError, ApiResult, FieldErrors};
pub use keeper::{keep_session_fresh, Connectivity, SessionKeeper};
pub use transport::{ApiResponse, HttpMethod};
