use leptos::prelude::*;

use leptos_jwt_session::{use_auth, use_client, use_keeper, ApiClient, AuthStore, Connectivity};

use crate::clock::{ticking_now_ms, whole_seconds};
use crate::components::{busy, press};
use crate::task::Task;

/// The session as the client sees it: how long the tokens have left and when the next
/// proactive refresh is due, counting down once a second.
#[component]
pub fn SessionCard() -> impl IntoView {
    let auth: AuthStore = use_auth();
    let client: ApiClient = use_client();
    let keeper = use_keeper();
    let now = ticking_now_ms();
    let remaining = move |at: Option<f64>| at.map(|at| seconds_left(at - now.get()));
    let refresh = Task::new(move |_: &()| client.refresh());

    view! {
        <section class="card" aria-labelledby="session-title">
            <h2 id="session-title">"Session"</h2>
            <dl class="profile">
                <dt>"Access token"</dt>
                <dd data-test="access-left">
                    {move || remaining(auth.tokens().and_then(|t| t.access_expires_at()))}
                </dd>
                <dt>"Refresh token"</dt>
                <dd data-test="refresh-left">
                    {move || remaining(auth.tokens().and_then(|t| t.refresh_expires_at()))}
                </dd>
                <dt>"Next refresh"</dt>
                <dd data-test="next-refresh">{move || remaining(keeper.next_refresh_at())}</dd>
                <dt>"Connection"</dt>
                <dd data-test="connectivity">
                    {move || match keeper.connectivity() {
                        Connectivity::Reconnecting { attempt, .. } => format!("reconnecting (attempt {attempt})"),
                        _ => "online".to_owned(),
                    }}
                </dd>
            </dl>
            <button on:click=press(refresh) aria-disabled=busy(move || refresh.pending().get())>
                "Refresh now"
            </button>
        </section>
    }
}

/// "4 min 12 s", "12 s", "expired".
fn seconds_left(ms: f64) -> String {
    let total = whole_seconds(ms);
    if total == 0 {
        return "expired".to_owned();
    }
    match (total / 3600, total / 60 % 60, total % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::seconds_left;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(seconds_left(-5.0), "expired");
        assert_eq!(seconds_left(0.0), "expired");
        assert_eq!(seconds_left(400.0), "1 s");
        assert_eq!(seconds_left(252_000.0), "4 min 12 s");
        assert_eq!(seconds_left(86_400_000.0), "24 h 0 min");
    }
}
