use leptos::prelude::*;

use crate::activity::{use_activity, ActivityEntry, ActivityKind};

/// Every API call as it happens, with the interceptor's own steps between them.
#[component]
pub fn ActivityPanel() -> impl IntoView {
    let activity = use_activity();
    view! {
        <section class="card activity" aria-labelledby="activity-title">
            <div class="card-head">
                <h2 id="activity-title">"Activity"</h2>
                <button class="small" on:click=move |_| activity.clear()>"Clear"</button>
            </div>
            <ol class="activity-list" data-test="activity">
                <For each=move || activity.newest_first() key=|entry| entry.seq let:entry>
                    <ActivityLine entry/>
                </For>
            </ol>
            <Show when=move || activity.is_empty()>
                <p class="muted">"No requests yet."</p>
            </Show>
        </section>
    }
}

#[component]
fn ActivityLine(entry: ActivityEntry) -> impl IntoView {
    let time = clock_time(entry.at_ms);
    match entry.kind {
        ActivityKind::Exchange {
            method,
            path,
            status,
            duration_ms,
            error,
        } => {
            let (status_text, class) = match status {
                Some(status @ 200..=399) => (status.to_string(), "status ok"),
                Some(status) => (status.to_string(), "status bad"),
                None => (error.unwrap_or_else(|| "no answer".into()), "status bad"),
            };
            view! {
                <li class="exchange">
                    <time>{time}</time>
                    <span class="method">{method}</span>
                    <span class="path">{path}</span>
                    <span class=class>{status_text}</span>
                    <span class="duration">{format!("{} ms", duration_ms.round() as u64)}</span>
                </li>
            }
            .into_any()
        }
        ActivityKind::Step(text) => view! {
            <li class="step">
                <time>{time}</time>
                <span class="step-text">{text}</span>
            </li>
        }
        .into_any(),
    }
}

/// `HH:MM:SS` in local time.
fn clock_time(at_ms: f64) -> String {
    let date = js_sys::Date::new(&at_ms.into());
    format!(
        "{:02}:{:02}:{:02}",
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}
