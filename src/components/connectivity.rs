use leptos::prelude::*;

use crate::api::Connectivity;
use crate::clock::ticking_now_ms;
use crate::context::use_keeper;

/// A banner while refreshes cannot get through; the session is kept meanwhile.
///
/// The live region says what happened once per attempt; the countdown to the next try ticks
/// beside it, hidden from screen readers, which would otherwise read it out every second.
#[component]
pub fn ConnectivityBanner() -> impl IntoView {
    let keeper = use_keeper();
    let now = ticking_now_ms();
    // A memo: a new retry time alone must not rewrite (and so re-announce) the same words.
    let message = Memo::new(move |_| match keeper.connectivity() {
        Connectivity::Online => None,
        Connectivity::Reconnecting {
            attempt, reason, ..
        } => Some(format!(
            "Reconnecting… {reason} Your session is kept; this is try {attempt}."
        )),
    });
    let countdown = move || match keeper.connectivity() {
        Connectivity::Online => None,
        Connectivity::Reconnecting { retry_at, .. } => {
            let seconds = ((retry_at - now.get()) / 1000.0).ceil().max(0.0) as u64;
            Some(if seconds == 0 {
                " Retrying now.".to_owned()
            } else {
                format!(" Next try in {seconds} s.")
            })
        }
    };
    view! {
        <div class="banner" class:empty=move || message.with(Option::is_none)>
            <span role="status" aria-live="polite">{message}</span>
            <span aria-hidden="true" data-test="retry-countdown">{countdown}</span>
        </div>
    }
}
