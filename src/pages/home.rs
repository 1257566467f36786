use futures::future::join_all;
use leptos::prelude::*;
use leptos_jwt_session::{use_auth, use_client, use_logout};

use crate::account::{display_name, shown_email, user_id, User};
use crate::activity::use_activity;
use crate::components::{busy, press, ActivityPanel, Alert, SessionCard};
use crate::task::Task;

/// How many requests "Fire 10 requests" sends at once.
const BURST: usize = 10;

/// `/`: the current user from `users/me/`, a burst of concurrent requests, and logging out.
#[component]
pub fn HomePage() -> impl IntoView {
    let auth = use_auth();
    let client = use_client();
    let activity = use_activity();
    // The user came with the login, or from storage: users/me/ is asked only when it did not
    // (the login could not load it), and again by "Try again".
    let me = Task::new(move |_: &()| client.me::<User>());
    if auth.user_untracked::<User>().is_none() {
        me.dispatch(());
    }
    let load_error = Signal::derive(move || {
        me.value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    });

    let burst = Task::new(move |_: &()| async move {
        activity.step(format!(
            "Fire {BURST} requests: sending {BURST} × users/me/ at once"
        ));
        let results = join_all((0..BURST).map(|_| client.me::<User>())).await;
        let succeeded = results.iter().filter(|result| result.is_ok()).count();
        activity.step(format!(
            "Fire {BURST} requests: {succeeded} of {BURST} succeeded"
        ));
        succeeded
    });
    let logout = use_logout();

    view! {
        <div class="grid">
        <section class="card">
            <h1>"Your account"</h1>
            <dl class="profile" aria-busy=move || me.pending().get().to_string()>
                <dt>"Name"</dt>
                <dd data-test="username">{move || auth.user::<User>().map(|u| display_name(&u))}</dd>
                <dt>"Email"</dt>
                <dd data-test="email">{move || auth.user::<User>().map(|u| shown_email(&u))}</dd>
                <dt>"User id"</dt>
                <dd data-test="user-id">{move || auth.user::<User>().and_then(|u| user_id(&u))}</dd>
            </dl>
            <Alert message=load_error/>
            <Show when=move || load_error.with(Option::is_some)>
                <button on:click=press(me) aria-disabled=busy(move || me.pending().get())>"Try again"</button>
            </Show>
            <div class="actions">
                <button on:click=press(burst) aria-disabled=busy(move || burst.pending().get())>
                    "Fire 10 requests"
                </button>
                // Not live: the activity panel announces the burst, once, as a whole.
                <output data-test="burst-result" aria-live="off">
                    {move || burst.value().get().map(|ok| format!("{ok} of {BURST} succeeded"))}
                </output>
                <button class="danger" on:click=move |_| logout.submit() aria-disabled=busy(move || logout.pending())>
                    "Log out"
                </button>
            </div>
        </section>
        <SessionCard/>
        </div>
        <ActivityPanel/>
    }
}
