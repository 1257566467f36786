//! The app shell: the login form `index.html` shows while the app loads. A visitor can type
//! into it, and even submit it, before the wasm has arrived. Once the app has rendered its first
//! page, [`hand_over`] takes what was typed (and the submit, and where the caret was) in the same
//! frame as it removes the shell, so no keystroke falls between the two and the browser never
//! paints a page without either. The app's login page receives it ([`on_hand_over`]), whether it
//! is already open or opens later (after the guard's redirect).

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement};

const SHELL: &str = "app-shell";
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

/// Whether the app has rendered a page (a `main.page` of its own with something in it).
fn app_rendered(document: &Document, shell: &Element) -> bool {
    let Ok(pages) = document.query_selector_all("main.page") else {
        return true;
    };
    (0..pages.length())
        .filter_map(|index| pages.item(index))
        .filter_map(|node| node.dyn_into::<Element>().ok())
        .any(|page| !shell.contains(Some(&page)) && page.child_element_count() > 0)
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
    let login = read(&document, &shell);
    shell.remove();
    let waiting = PENDING.with(|cell| {
        let mut pending = cell.borrow_mut();
        match std::mem::replace(&mut *pending, Pending::Nothing) {
            Pending::Waiting(receiver) => Some(receiver),
            Pending::Nothing | Pending::Handed(_) => {
                *pending = Pending::Handed(login.clone());
                None
            }
        }
    });
    if let Some(receiver) = waiting {
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
    use crate::NAMESPACE;

    /// The shell's script decides from the stored session whether to show its login form; read
    /// under another key than the app's, a logged-in visitor would see a form flash.
    #[test]
    fn the_shell_reads_the_session_under_the_apps_storage_key() {
        let page = include_str!("../index.html");
        let key = leptos_jwt_session::storage_key(NAMESPACE);
        let read = format!(r#"localStorage.getItem("{key}")"#);
        assert!(
            page.contains(&read),
            "index.html's shell must read {read}; it reads {:?}",
            page.lines()
                .find(|line| line.contains("localStorage.getItem"))
                .map(str::trim)
        );
    }
}
