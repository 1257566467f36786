use std::cell::Cell;

use leptos::prelude::*;

use crate::activity::{is_success, use_activity, ActivityEntry, ActivityKind, ActivityLog};
use crate::clock::ticking_now_ms;

/// Under steady traffic the live region still speaks after this many seconds.
const MAX_TICKS_WAITED: u32 = 3;

/// Every API call as it happens, with the interceptor's own steps between them.
#[component]
pub fn ActivityPanel() -> impl IntoView {
    let activity = use_activity();
    let summary = announced_summary(activity);
    view! {
        <section class="card activity">
            <div class="card-head">
                <h2 id="activity-title">"Activity"</h2>
                <button class="small" on:click=move |_| activity.clear()>"Clear"</button>
            </div>
            // It scrolls, so it takes the focus (the keyboard scrolls it), and it is a region
            // named by the heading, so a screen reader says what it is when it gets there.
            <div
                class="activity-scroll"
                role="region"
                aria-labelledby="activity-title"
                tabindex="0"
                data-test="activity-region"
            >
                <ol class="activity-list" data-test="activity">
                    <For each=move || activity.newest_first() key=|entry| entry.seq let:entry>
                        <ActivityLine entry/>
                    </For>
                </ol>
                // Shown by the stylesheet while the list is empty.
                <p class="muted empty-note">"No requests yet."</p>
            </div>
            // The list is not live: a burst would be read out line by line.
            <p class="visually-hidden" role="status" data-test="activity-summary">
                {move || summary.get()}
            </p>
        </section>
    }
}

/// What the panel's live region says, checked once a second: the entries added since it last
/// spoke, in one sentence, once the log has been quiet for a second (a burst is one
/// announcement) or, under steady traffic, every few seconds. Empty in between, so that the
/// same sentence twice is still a change to announce. What was logged before the panel
/// appeared is not announced.
fn announced_summary(activity: ActivityLog) -> ReadSignal<Option<String>> {
    let tick = ticking_now_ms();
    let summary = RwSignal::new(None::<String>);
    let start = untrack(|| activity.next_seq());
    let progress = Cell::new(Announced {
        up_to: start,
        seen_at_last_tick: start,
        ticks_waited: 0,
    });
    Effect::new(move |_| {
        tick.track();
        let Announced {
            up_to,
            seen_at_last_tick,
            ticks_waited,
        } = progress.get();
        let Some((sentence, next)) = activity.batch_from(up_to) else {
            return;
        };
        let still_arriving = next != seen_at_last_tick && ticks_waited < MAX_TICKS_WAITED;
        if next == up_to || still_arriving {
            progress.set(Announced {
                up_to,
                seen_at_last_tick: next,
                ticks_waited: ticks_waited + u32::from(next != up_to),
            });
            summary.set(None);
        } else {
            progress.set(Announced {
                up_to: next,
                seen_at_last_tick: next,
                ticks_waited: 0,
            });
            summary.set(sentence);
        }
    });
    summary.read_only()
}

/// Where the live region is in the log: the `seq` of the first entry not yet announced, the
/// log's next `seq` at the last tick, and how many ticks the current batch has waited.
#[derive(Clone, Copy)]
struct Announced {
    up_to: u64,
    seen_at_last_tick: u64,
    ticks_waited: u32,
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
            // A word besides the colour, for who cannot tell the two apart.
            let (status_text, class) = match status {
                Some(code) if is_success(status) => (format!("{code} OK"), "status ok"),
                Some(code) => (format!("{code} failed"), "status bad"),
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
