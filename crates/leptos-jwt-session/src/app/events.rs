//! Listening to what the layer does, for as long as a component lives.

use std::rc::Rc;

use leptos::prelude::*;

use crate::platform::BrowserOnly;
use crate::session::events::{AuthEvent, EventHub};

/// The event hub in context.
#[derive(Clone, Copy)]
pub(crate) struct Events {
    pub hub: BrowserOnly<Rc<EventHub>>,
}

/// Calls `listener` with every [`AuthEvent`] of the auth layer that
/// [`provide_auth`](crate::provide_auth) put in context, for as long as the current component
/// (or reactive owner) lives.
///
/// The listener runs inside the layer, in the middle of its work: keep it short, and put what it
/// learns in a signal or a log. Does nothing without `provide_auth` above.
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_jwt_session::{use_auth_events, AuthEvent};
///
/// #[component]
/// fn RefreshCounter() -> impl IntoView {
///     let refreshes = RwSignal::new(0);
///     use_auth_events(move |event| {
///         if let AuthEvent::RefreshFinished { .. } = event {
///             refreshes.update(|n| *n += 1);
///         }
///     });
///     view! { <p>{refreshes} " refreshes"</p> }
/// }
/// ```
pub fn use_auth_events(listener: impl Fn(&AuthEvent) + 'static) {
    let Some(events) = use_context::<Events>() else {
        leptos::logging::warn!("use_auth_events: no provide_auth above this component");
        return;
    };
    let Some(hub) = events.hub.get() else {
        return;
    };
    let subscription = hub.subscribe(Rc::new(listener));
    // Dropped, and so unsubscribed, with the current owner.
    BrowserOnly::new(subscription);
}
