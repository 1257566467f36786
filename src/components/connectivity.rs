use leptos::prelude::*;

use crate::api::Connectivity;
use crate::clock::now_ms;
use crate::context::use_keeper;

/// A banner while refreshes cannot get through; the session is kept meanwhile.
#[component]
pub fn ConnectivityBanner() -> impl IntoView {
    let keeper = use_keeper();
    let message = move || match keeper.connectivity() {
        Connectivity::Online => None,
        Connectivity::Reconnecting {
            attempt,
            retry_at,
            reason,
        } => {
            let seconds = ((retry_at - now_ms()) / 1000.0).ceil().max(0.0) as u64;
            Some(format!(
                "Reconnecting… {reason} Your session is kept; retry {attempt} in about {seconds} s."
            ))
        }
    };
    view! {
        <div class="banner" role="status" aria-live="polite" class:empty=move || message().is_none()>
            {message}
        </div>
    }
}
