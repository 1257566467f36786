//! The demo app's pages.

mod home;
mod login;
mod not_found;
mod profile;
mod register;

pub use home::HomePage;
pub use login::{LoginPage, SESSION_EXPIRED};
pub use not_found::NotFoundPage;
pub use profile::ProfilePage;
pub use register::RegisterPage;
