//! Where the keyboard focus goes when a page change takes it away.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use wasm_bindgen::JsCast;

/// How many frames after a page change a lost focus is still put on the new heading (about a
/// second): the old page leaves the document some frames after the path changes.
const FRAMES_TO_WATCH: u32 = 60;

/// When the page changes and the control that had the focus leaves with the old page (a login,
/// a registration, a logout, a session that ended), puts the focus on the new page's heading: a
/// screen reader says where the user now is, and the next Tab goes on from there instead of from
/// the top of the document. A focus that stays (a link in the navigation, a field the new page
/// focused) is left where it is. Call it inside the `Router`.
pub fn focus_on_page_change() {
    let location = use_location();
    // `pathname` is a memo: it notifies only when the path changed. Read, not only tracked:
    // a memo that is never read is never brought up to date, and stays silent.
    Effect::new(move |ran_before: Option<()>| {
        location.pathname.with(|_| ());
        if ran_before.is_some() {
            watch_for_lost_focus(FRAMES_TO_WATCH);
        }
    });
}

fn watch_for_lost_focus(frames_left: u32) {
    request_animation_frame(move || {
        let Some(document) = window().document() else {
            return;
        };
        let find = |selector| document.query_selector(selector).ok().flatten();
        // Nothing matches `:focus` when the focus fell back to the page.
        match find(":focus") {
            Some(focused) if focused.matches("main h1").unwrap_or(false) => return,
            Some(_) => {}
            None => {
                if let Some(heading) = find("main h1") {
                    // Focusable from script, not a stop for Tab.
                    let _ = heading.set_attribute("tabindex", "-1");
                    let _ = heading.unchecked_into::<web_sys::HtmlElement>().focus();
                }
            }
        }
        if frames_left > 0 {
            watch_for_lost_focus(frames_left - 1);
        }
    });
}
