//! Accessibility checks on the page as it is: axe-core injected through WebDriver and run on
//! the whole document, and the media features a user can set (colour scheme, reduced motion)
//! emulated through the DevTools protocol.
//!
//! axe-core comes from npm, installed by `scripts/setup` into the tools directory
//! (`INTERCEPTOR_TOOLS_DIR`, else `$XDG_CACHE_HOME/interceptor-app`, else
//! `~/.cache/interceptor-app`), the same one `scripts/lib.sh` uses.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::Browser;

/// The rule sets every page must pass: WCAG 2.0 and 2.1, levels A and AA, and axe's best
/// practices.
pub const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/// `prefers-color-scheme`, as the browser is told to report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColourScheme {
    Light,
    Dark,
}

impl ColourScheme {
    /// The media feature's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}

/// What the page is told about the user's preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaPreferences {
    pub colour_scheme: ColourScheme,
    pub reduced_motion: bool,
}

impl MediaPreferences {
    pub const LIGHT: Self = Self {
        colour_scheme: ColourScheme::Light,
        reduced_motion: false,
    };
    pub const DARK: Self = Self {
        colour_scheme: ColourScheme::Dark,
        reduced_motion: false,
    };
}

/// Tells the page `preferences` (`Emulation.setEmulatedMedia`, kept across navigations) and
/// checks through `matchMedia` that it took effect.
///
/// # Panics
///
/// When the browser refuses, or the page does not see the preferences.
pub async fn emulate(browser: &Browser, preferences: MediaPreferences) {
    let scheme = preferences.colour_scheme.as_str();
    let motion = if preferences.reduced_motion {
        "reduce"
    } else {
        "no-preference"
    };
    browser
        .cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [
                { "name": "prefers-color-scheme", "value": scheme },
                { "name": "prefers-reduced-motion", "value": motion },
            ] }),
        )
        .await;
    let seen = browser
        .execute(
            "return [matchMedia(arguments[0]).matches, matchMedia(arguments[1]).matches];",
            vec![
                json!(format!("(prefers-color-scheme: {scheme})")),
                json!(format!("(prefers-reduced-motion: {motion})")),
            ],
        )
        .await;
    assert_eq!(
        seen,
        json!([true, true]),
        "the page does not see the emulated {preferences:?}"
    );
}

/// Finds what moves on the page: animations running, and elements whose animations or
/// transitions last, or that scroll smoothly.
const FIND_MOTION: &str = "
const lasts = durations => durations.split(',').some(duration => parseFloat(duration) > 0);
const moving = [];
for (const element of document.querySelectorAll('*')) {
    const style = getComputedStyle(element);
    if ((style.animationName !== 'none' && lasts(style.animationDuration))
        || lasts(style.transitionDuration) || style.scrollBehavior === 'smooth') {
        moving.push(element.outerHTML.slice(0, 120));
    }
}
return { running: document.getAnimations().length, moving };
";

/// Fails the test if anything on the page moves while the user asks for reduced motion.
///
/// # Panics
///
/// When something does.
pub async fn assert_nothing_moves_under_reduced_motion(browser: &Browser) {
    emulate(
        browser,
        MediaPreferences {
            reduced_motion: true,
            ..MediaPreferences::LIGHT
        },
    )
    .await;
    let motion = browser.execute(FIND_MOTION, vec![]).await;
    emulate(browser, MediaPreferences::LIGHT).await;
    assert_eq!(
        motion,
        json!({ "running": 0, "moving": [] }),
        "under prefers-reduced-motion: reduce, these move"
    );
}

/// `axe.min.js` of the tools directory, read once per test process.
///
/// # Panics
///
/// When it is missing: `scripts/setup` installs it.
pub fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = axe_path();
        std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!(
                "cannot read {} ({error}): run scripts/setup, which installs axe-core from npm",
                path.display()
            )
        })
    })
}

/// Where `scripts/setup` puts axe-core.
fn axe_path() -> PathBuf {
    let tools = std::env::var_os("INTERCEPTOR_TOOLS_DIR").map_or_else(
        || {
            let cache = std::env::var_os("XDG_CACHE_HOME").map_or_else(
                || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache"),
                PathBuf::from,
            );
            cache.join("interceptor-app")
        },
        PathBuf::from,
    );
    tools.join("node_modules/axe-core/axe.min.js")
}

/// Runs axe on the whole document (injecting it first when this page load has not got it)
/// and returns its violations as axe reports them, each with its `nodes`.
pub async fn axe_violations(browser: &Browser) -> Vec<Value> {
    let present = browser
        .execute("return typeof window.axe === 'object';", vec![])
        .await;
    if present != json!(true) {
        // WebDriver runs it as a function body: axe sets `window.axe` itself.
        browser
            .execute(&format!("{}\nreturn true;", axe_source()), vec![])
            .await;
    }
    let found = browser
        .execute(
            "return window.axe.run(document, {
                runOnly: { type: 'tag', values: arguments[0] },
                resultTypes: ['violations'],
            }).then(results => results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({
                    target: n.target.join(' '), html: n.html, failureSummary: n.failureSummary,
                })),
            })));",
            vec![json!(AXE_TAGS)],
        )
        .await;
    match found {
        Value::Array(violations) => violations,
        other => panic!("axe.run returned {other}"),
    }
}

/// axe's violations as a report: per rule its id, impact and help, per node its selector, its
/// HTML and axe's suggested fix.
pub fn describe_violations(violations: &[Value]) -> String {
    let text = |value: &Value| value.as_str().unwrap_or("?").to_owned();
    let mut report = String::new();
    for violation in violations {
        let _ = writeln!(
            report,
            "  [{}] {} ({}): {}",
            text(&violation["impact"]),
            text(&violation["id"]),
            text(&violation["helpUrl"]),
            text(&violation["help"]),
        );
        for node in violation["nodes"].as_array().into_iter().flatten() {
            let _ = writeln!(report, "    at {}", text(&node["target"]));
            let _ = writeln!(report, "       {}", text(&node["html"]));
            for line in text(&node["failureSummary"]).lines() {
                let _ = writeln!(report, "       {line}");
            }
        }
    }
    report
}

/// Every state a test walks through, audited in light and dark; the findings are kept and
/// reported together at the end, so one run shows all that is wrong.
#[derive(Debug, Default)]
pub struct AccessibilityAudit {
    /// `state (scheme)` per audit run, in order.
    audited: Vec<String>,
    /// The report per state that had violations.
    failures: Vec<String>,
}

impl AccessibilityAudit {
    pub fn new() -> Self {
        Self::default()
    }

    /// Audits the page as it is now in the light scheme, then in the dark one, and leaves it
    /// light.
    pub async fn check(&mut self, browser: &Browser, state: &str) {
        for preferences in [MediaPreferences::LIGHT, MediaPreferences::DARK] {
            self.check_with(browser, state, preferences).await;
        }
        emulate(browser, MediaPreferences::LIGHT).await;
    }

    /// Audits the page as it is now under `preferences`.
    pub async fn check_with(
        &mut self,
        browser: &Browser,
        state: &str,
        preferences: MediaPreferences,
    ) {
        emulate(browser, preferences).await;
        let label = format!("{state} ({})", preferences.colour_scheme.as_str());
        let violations = axe_violations(browser).await;
        if !violations.is_empty() {
            let location = browser.location().await;
            let failure = format!(
                "{label} at {location}:\n{}",
                describe_violations(&violations)
            );
            // Said now as well, in case a later step of the test fails first.
            eprintln!("axe-core: {failure}");
            self.failures.push(failure);
        }
        self.audited.push(label);
    }

    /// Fails the test with every violation found, state by state.
    ///
    /// # Panics
    ///
    /// When any audit found a violation.
    pub fn assert_no_violations(&self) {
        assert!(
            self.failures.is_empty(),
            "axe-core found violations in {} of {} audits:\n{}",
            self.failures.len(),
            self.audited.len(),
            self.failures.join("\n")
        );
        eprintln!(
            "axe-core: no violations in {} audits: {}",
            self.audited.len(),
            self.audited.join(", ")
        );
    }
}
