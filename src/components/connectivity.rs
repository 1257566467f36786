use leptos::prelude::*;

use leptos_jwt_session::{use_keeper, Connectivity};

use crate::clock::{ticking_now_ms, whole_seconds};

/// A banner while refreshes cannot get through; the session is kept meanwhile.
///
/// What screen readers hear and what is shown are two texts: the shown one counts down every
/// second, which a live region would read out every second.
#[component]
pub fn ConnectivityBanner() -> impl IntoView {
    let keeper = use_keeper();
    let now = ticking_now_ms();
    // Said once per failed try, with the wait as it was then. A memo: a retry moved to "now" by
    // the page coming back must not re-announce the same words.
    let announced = Memo::new(move |_| match keeper.connectivity() {
        Connectivity::Reconnecting {
            retry_at, reason, ..
        } => {
            let wait = whole_seconds(retry_at - now.get_untracked());
            Some(format!(
                "Reconnecting… {reason} Your session is kept; next try in about {wait} s."
            ))
        }
        _ => None,
    });
    let shown = move || match keeper.connectivity() {
        Connectivity::Reconnecting {
            retry_at, reason, ..
        } => Some(match whole_seconds(retry_at - now.get()) {
            0 => format!("Reconnecting… {reason} Your session is kept. Trying now…"),
            wait => format!("Reconnecting… {reason} Your session is kept. Next try in {wait} s."),
        }),
        _ => None,
    };
    view! {
        <div class="banner" class:empty=move || announced.with(Option::is_none)>
            <p class="visually-hidden" role="status" aria-live="polite">{announced}</p>
            <p aria-hidden="true" data-test="retry-banner">{shown}</p>
        </div>
    }
}
