//! interceptor-app: the demo of [`leptos_jwt_session`], a Leptos app that logs in against a
//! djoser + SimpleJWT API and keeps the user logged in by refreshing the access token.
//!
//! It uses the auth layer only through its public API: the pages ([`pages`]) and their parts
//! ([`components`]) show what an app built on it looks like; [`activity`] turns the layer's
//! events into the activity panel.

pub mod account;
pub mod activity;
mod app;
pub mod clock;
pub mod components;
pub mod pages;
pub mod shell;
pub mod task;

pub use app::{App, NAMESPACE};
