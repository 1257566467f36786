//! The keyboard alone: keys pressed through WebDriver actions (as a user's keyboard, so that
//! `:focus-visible` applies), and what has the focus, described as a user would name it.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::Value;

use crate::{Browser, WAIT};

/// Describes the focused element (`link "Profile"`, `button "Log out"`, `input #password`,
/// `region "Activity"`, or `the page` when nothing has the focus) and whatever keeps its focus
/// from being seen: not `:focus-visible`, an outline under 2 px, an outline under 3:1 against
/// the background it is drawn on (WCAG 1.4.11), or the element outside the viewport.
const DESCRIBE_FOCUS: &str = r#"
const element = document.activeElement;
if (!element || element === document.body || element === document.documentElement) {
    return { what: 'the page', problems: [] };
}
const text = node => (node ? node.textContent : '').replace(/\s+/g, ' ').trim();
const labelledBy = element.getAttribute('aria-labelledby');
const role = element.getAttribute('role')
    || ({ A: 'link', BUTTON: 'button', INPUT: 'input', H1: 'heading', H2: 'heading' })[element.tagName]
    || element.tagName.toLowerCase();
const what = element.tagName === 'INPUT' ? `input #${element.id}`
    : labelledBy ? `${role} "${labelledBy.split(' ').map(id => text(document.getElementById(id))).join(' ')}"`
    : `${role} "${element.getAttribute('aria-label') || text(element)}"`;

const problems = [];
if (!element.matches(':focus-visible')) problems.push('it is not :focus-visible');
const style = getComputedStyle(element);
const width = parseFloat(style.outlineWidth) || 0;
if (style.outlineStyle === 'none' || width < 2) {
    problems.push(`its outline is ${style.outlineStyle} ${style.outlineWidth}`);
}
const rgb = colour => (colour.match(/[\d.]+/g) || []).map(Number);
const luminance = ([r, g, b]) => {
    const linear = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
};
// The outline is drawn outside the element (outline-offset): on its parent's background.
let background = [255, 255, 255];
for (let node = element.parentElement; node; node = node.parentElement) {
    const channels = rgb(getComputedStyle(node).backgroundColor);
    if (channels.length === 3 || (channels.length === 4 && channels[3] > 0)) {
        background = channels.slice(0, 3);
        break;
    }
}
const [lighter, darker] = [luminance(rgb(style.outlineColor)), luminance(background)]
    .sort((a, b) => b - a);
const contrast = (lighter + 0.05) / (darker + 0.05);
if (contrast < 3) {
    problems.push(`its outline ${style.outlineColor} has ${contrast.toFixed(2)}:1 against rgb(${background})`);
}
const box = element.getBoundingClientRect();
if (box.width === 0 || box.height === 0 || box.bottom < 0 || box.right < 0
    || box.top > innerHeight || box.left > innerWidth) {
    problems.push('it is outside the viewport');
}
return { what, problems };
"#;

/// Presses `key` and lets it go.
pub async fn press(browser: &Browser, key: Key) {
    let key = char::from(key);
    perform(
        browser,
        KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key }),
    )
    .await;
}

/// Shift+Tab.
pub async fn press_shift_tab(browser: &Browser) {
    let (shift, tab) = (char::from(Key::Shift), char::from(Key::Tab));
    perform(
        browser,
        KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: shift })
            .then(KeyAction::Down { value: tab })
            .then(KeyAction::Up { value: tab })
            .then(KeyAction::Up { value: shift }),
    )
    .await;
}

/// Types `text` into whatever has the focus, key by key.
pub async fn type_text(browser: &Browser, text: &str) {
    let mut keys = KeyActions::new("keyboard".to_owned());
    for key in text.chars() {
        keys = keys
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    perform(browser, keys).await;
}

async fn perform(browser: &Browser, keys: KeyActions) {
    browser
        .client()
        .perform_actions(keys)
        .await
        .unwrap_or_else(|error| panic!("the keyboard failed: {error}"));
}

/// What has the focus and why it may not be seen ([`DESCRIBE_FOCUS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Focus {
    pub what: String,
    pub problems: Vec<String>,
}

/// The focused element, described.
pub async fn focus(browser: &Browser) -> Focus {
    let described = browser.execute(DESCRIBE_FOCUS, vec![]).await;
    let problems = match &described["problems"] {
        Value::Array(problems) => problems
            .iter()
            .map(|problem| problem.as_str().unwrap_or("?").to_owned())
            .collect(),
        other => vec![format!("unreadable: {other}")],
    };
    Focus {
        what: described["what"].as_str().unwrap_or("?").to_owned(),
        problems,
    }
}

/// Fails the test unless `expected` has the focus and it can be seen.
pub async fn assert_focus(browser: &Browser, expected: &str, after: &str) {
    let focus = focus(browser).await;
    assert_eq!(
        focus.what,
        expected,
        "after {after}, the focus is on {} instead\n{}",
        focus.what,
        browser.diagnostics().await
    );
    assert!(
        focus.problems.is_empty(),
        "after {after}, the focus on {expected} cannot be seen: {}",
        focus.problems.join("; ")
    );
}

/// Waits until `expected` has the focus (a page change moves it a frame later), then
/// [`assert_focus`].
pub async fn wait_for_focus(browser: &Browser, expected: &str, after: &str) {
    browser
        .poll(
            format!("the focus on {expected} after {after}"),
            WAIT,
            || async {
                match focus(browser).await.what {
                    what if what == expected => Ok(()),
                    what => Err(format!("it is on {what}")),
                }
            },
        )
        .await;
    assert_focus(browser, expected, after).await;
}

/// Tab, then [`assert_focus`].
pub async fn tab_to(browser: &Browser, expected: &str) {
    press(browser, Key::Tab).await;
    assert_focus(browser, expected, "Tab").await;
}

/// Shift+Tab, then [`assert_focus`].
pub async fn shift_tab_to(browser: &Browser, expected: &str) {
    press_shift_tab(browser).await;
    assert_focus(browser, expected, "Shift+Tab").await;
}
