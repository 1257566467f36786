//! The session in this tab: its states and the rules between them ([`state`]), its tokens and
//! user, the events it reports, and [`tab::TabSession`], the one place that changes it (under
//! the cross-tab lock of [`crate::tabs`]). No HTTP here: the calls that change it are in
//! [`crate::api`].

pub(crate) mod events;
pub(crate) mod flight;
pub(crate) mod snapshot;
pub(crate) mod state;
pub(crate) mod tab;
pub(crate) mod tokens;
pub(crate) mod user;
