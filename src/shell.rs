//! The app shell: the page `index.html` shows while the app loads. To a visitor without a live
//! session it is the login form, which takes typing, and even a submit, before the wasm has
//! arrived; to a returning user on `/` it is the home page with their name, a picture of it (inert:
//! no focus, nothing for a screen reader) until the app is there. Once the app has rendered its
//! own page, [`hand_over`] removes the shell in the same frame, so the browser never paints a page
//! with neither, and takes what was typed into the login form (and the submit, and where the
//! caret was). The app's login page receives that ([`on_hand_over`]), whether it is already open
//! or opens later (after the guard's redirect).
//!
//! The shell's script judges the stored session as the app will (the library's
//! `StoredState::decode`, then `settled`): read under the app's key, both tokens JWTs, and over
//! once the refresh token has expired by its stored times (its lifetime counted from when it
//! arrived, less a second), so an expired session gets the login form saying so, never the home
//! page. It names the user by the app's rule ([`DISPLAY_NAME_FIELDS`](crate::account::DISPLAY_NAME_FIELDS)) and puts
//! every stored field in as text, never as HTML. The tests below keep the key, the rule and the
//! message equal to the app's; `tests/app.rs` runs the script against the app on stored sessions
//! and users of every kind, and compares the shell's home page with the app's markup.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement};

const SHELL: &str = "app-shell";
/// The class index.html's script puts on the root when the shell shows its login form.
const LOGIN_SHOWN: &str = "shell-login";
/// Where the home page shows the user's name, in the app and in the shell alike.
const USERNAME: &str = "[data-test=username]";
/// How long the app may take to render before the shell goes anyway (frames, about 2 s).
const MAX_FRAMES: u32 = 120;

/// What the visitor did with the shell's login form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShellLogin {
    pub login: String,
    pub password: String,
    /// The visitor pressed "Log in" before the app was there.
    pub submitted: bool,
    /// The field that had the focus (its `autocomplete`), with the caret's range.
    pub focus: Option<(String, u32, u32)>,
}

type Receiver = Box<dyn FnOnce(ShellLogin)>;

/// Either what the shell handed over and nobody has taken yet, or who waits for it.
enum Pending {
    Nothing,
    Handed(ShellLogin),
    Waiting(Receiver),
}

thread_local! {
    static PENDING: RefCell<Pending> = const { RefCell::new(Pending::Nothing) };
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

fn shell_input(shell: &Element, autocomplete: &str) -> Option<HtmlInputElement> {
    shell
        .query_selector(&format!("input[autocomplete={autocomplete}]"))
        .ok()
        .flatten()?
        .dyn_into()
        .ok()
}

/// The shell's login form as the visitor left it.
fn read(document: &Document, shell: &Element) -> ShellLogin {
    let value = |autocomplete| {
        shell_input(shell, autocomplete)
            .map(|input| input.value())
            .unwrap_or_default()
    };
    let focus = document
        .active_element()
        .filter(|element| shell.contains(Some(element)))
        .and_then(|element| element.dyn_into::<HtmlInputElement>().ok())
        .map(|input| {
            let start = input.selection_start().ok().flatten().unwrap_or(0);
            let end = input.selection_end().ok().flatten().unwrap_or(start);
            (input.autocomplete(), start, end)
        });
    ShellLogin {
        login: value("username"),
        password: value("current-password"),
        submitted: shell
            .query_selector("form[data-submitted='true']")
            .ok()
            .flatten()
            .is_some(),
        focus,
    }
}

/// Whether the app has rendered a page (a `main.page` of its own with something in it) that can
/// take the shell's place: one that shows the user the shell shows, or another page (the login
/// form, when the app does not take the stored session), so that the name never goes missing.
fn app_rendered(document: &Document, shell: &Element) -> bool {
    let Ok(pages) = document.query_selector_all("main.page") else {
        return true;
    };
    let shown_by_shell = username_in(shell).filter(|name| !name.is_empty());
    (0..pages.length())
        .filter_map(|index| pages.item(index))
        .filter_map(|node| node.dyn_into::<Element>().ok())
        .filter(|page| !shell.contains(Some(page)) && page.child_element_count() > 0)
        .any(|page| match (&shown_by_shell, username_in(&page)) {
            (Some(shown), Some(name)) => name == *shown,
            _ => true,
        })
}

/// The text of the username under `root`, if there is one.
fn username_in(root: &Element) -> Option<String> {
    root.query_selector(USERNAME)
        .ok()
        .flatten()
        .map(|element| element.text_content().unwrap_or_default())
}

/// Hands the shell over to the app once the app has rendered its first page: call it right
/// after mounting. Checks once per frame; after about two seconds it hands over anyway.
pub fn hand_over() {
    hand_over_within(MAX_FRAMES);
}

fn hand_over_within(frames: u32) {
    let Some(document) = document() else { return };
    let Some(shell) = document.get_element_by_id(SHELL) else {
        return;
    };
    if frames > 0 && !app_rendered(&document, &shell) {
        leptos::prelude::request_animation_frame(move || hand_over_within(frames - 1));
        return;
    }
    // Only a form that was on screen has anything to hand over.
    let login = document
        .document_element()
        .is_some_and(|root| root.class_list().contains(LOGIN_SHOWN))
        .then(|| read(&document, &shell));
    shell.remove();
    let waiting = PENDING.with(|cell| {
        let mut pending = cell.borrow_mut();
        match (std::mem::replace(&mut *pending, Pending::Nothing), login) {
            (Pending::Waiting(receiver), Some(login)) => Some((receiver, login)),
            (_, Some(login)) => {
                *pending = Pending::Handed(login);
                None
            }
            // The shell showed the home page: a login page waiting for it gets nothing.
            (_, None) => None,
        }
    });
    if let Some((receiver, login)) = waiting {
        receiver(login);
    }
}

/// Gives `receiver` what the shell handed over, once: at once if the shell is already gone,
/// else when it goes. Only the first login page to ask receives it.
pub fn on_hand_over(receiver: impl FnOnce(ShellLogin) + 'static) {
    let shell_present = document()
        .and_then(|d| d.get_element_by_id(SHELL))
        .is_some();
    let mut receiver = Some(receiver);
    let handed = PENDING.with(|cell| {
        let mut pending = cell.borrow_mut();
        match std::mem::replace(&mut *pending, Pending::Nothing) {
            Pending::Handed(login) => Some(login),
            // An earlier page is still waiting: it keeps its turn.
            Pending::Waiting(earlier) => {
                *pending = Pending::Waiting(earlier);
                None
            }
            Pending::Nothing => {
                if let (true, Some(receiver)) = (shell_present, receiver.take()) {
                    *pending = Pending::Waiting(Box::new(receiver));
                }
                None
            }
        }
    });
    if let (Some(login), Some(receiver)) = (handed, receiver) {
        receiver(login);
    }
}

/// Puts the focus (and the caret) in the app's field of the kind that had it in the shell.
pub fn restore_focus(focus: &(String, u32, u32)) {
    let (autocomplete, start, end) = focus;
    let input = document()
        .and_then(|d| {
            d.query_selector(&format!("form input[autocomplete={autocomplete}]"))
                .ok()
                .flatten()
        })
        .and_then(|element| element.dyn_into::<HtmlInputElement>().ok());
    if let Some(input) = input {
        let _ = input.focus();
        let _ = input.set_selection_range(*start, *end);
    }
}

#[cfg(test)]
mod tests {
    use crate::account::{DISPLAY_NAME_FIELDS, NO_VALUE};
    use crate::pages::SESSION_EXPIRED;
    use crate::NAMESPACE;

    const PAGE: &str = include_str!("../index.html");

    /// The line of `index.html`'s shell script that has `needle`, for a failure message.
    fn line_with(needle: &str) -> Option<&'static str> {
        PAGE.lines()
            .find(|line| line.contains(needle))
            .map(str::trim)
    }

    /// The shell's script decides from the stored session whether to show its login form or the
    /// home page; read under another key than the app's, a logged-in visitor would see a form
    /// flash.
    #[test]
    fn the_shell_reads_the_session_under_the_apps_storage_key() {
        let key = leptos_jwt_session::storage_key(NAMESPACE);
        let read = format!(r#"localStorage.getItem("{key}")"#);
        assert!(
            PAGE.contains(&read),
            "index.html's shell must read {read}; it reads {:?}",
            line_with("localStorage.getItem")
        );
    }

    /// The shell names the stored user as the home page will: the same fields in the same
    /// order, and the same mark for none. (tests/app.rs runs the script on users of each kind.)
    #[test]
    fn the_shell_names_the_user_by_the_apps_rule() {
        let fields = DISPLAY_NAME_FIELDS
            .iter()
            .map(|field| format!("\"{field}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let rule = format!("username: firstOf([{fields}])");
        assert!(
            PAGE.contains(&rule),
            "index.html's shell must name the user by {rule}; it has {:?}",
            line_with("username: firstOf")
        );
        let none = format!(r#"?? "{NO_VALUE}""#);
        assert!(
            PAGE.contains(&none),
            "a missing field shows {NO_VALUE:?} in the app; the shell has {:?}",
            line_with("const firstOf")
        );
    }

    #[test]
    fn the_shell_says_what_the_login_page_says_of_an_expired_session() {
        assert!(
            PAGE.contains(&format!(r#"alert.textContent = "{SESSION_EXPIRED}";"#)),
            "index.html's shell must say {SESSION_EXPIRED:?}; it says {:?}",
            line_with("alert.textContent")
        );
    }
}
