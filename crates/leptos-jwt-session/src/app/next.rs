//! Where the login page sends the user back to (`?next=`), and the rule for what may go there.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::NavigateOptions;

/// Navigation that takes the place of the current history entry. The guard's redirects use it,
/// so that Back never lands on a page that only redirects again; use it for yours.
#[must_use]
pub fn replacing() -> NavigateOptions {
    NavigateOptions {
        replace: true,
        ..Default::default()
    }
}

/// `next` if it is a path on this site: one leading `/`, not `//` or `/\`, no scheme, no control
/// characters. Anything else could send the user to another origin after login.
#[must_use]
pub fn safe_next(next: &str) -> Option<&str> {
    let mut chars = next.chars();
    let starts_well = chars.next() == Some('/') && !matches!(chars.next(), Some('/' | '\\'));
    let clean = !next.chars().any(|c| c.is_control() || c == '\\');
    (starts_well && clean).then_some(next)
}

/// `<login_path>?next=<path>`, with the path percent-encoded; the plain login path for the home
/// page or for anything [`safe_next`] refuses.
#[must_use]
pub fn login_with_next(login_path: &str, path_and_query: &str) -> String {
    match safe_next(path_and_query) {
        Some("/") | None => login_path.to_owned(),
        Some(path) => format!("{login_path}?next={}", percent_encode(path)),
    }
}

/// Where the login page should go once the user is in: the `next` query parameter when it is
/// safe ([`safe_next`]), or `/`. Call it in the login page's component, under the router.
#[must_use]
pub fn use_next_path() -> String {
    use_query_map()
        .with_untracked(|query| query.get("next"))
        .and_then(|next| safe_next(&next).map(str::to_owned))
        .unwrap_or_else(|| "/".to_owned())
}

/// Encodes everything but RFC 3986's unreserved characters and `/`.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(byte as char);
            }
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                encoded.push('%');
                encoded.push(char::from(HEX[usize::from(byte >> 4)]));
                encoded.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_site_paths_are_allowed() {
        assert_eq!(safe_next("/"), Some("/"));
        assert_eq!(safe_next("/profile?tab=1#x"), Some("/profile?tab=1#x"));
    }

    #[test]
    fn anything_that_could_leave_the_site_is_refused() {
        for next in [
            "",
            "profile",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            " /profile",
            "/pro\nfile",
            "/a\\b",
        ] {
            assert_eq!(safe_next(next), None, "{next:?}");
        }
    }

    #[test]
    fn login_paths_carry_an_encoded_next() {
        assert_eq!(login_with_next("/login", "/"), "/login");
        assert_eq!(login_with_next("/login", "//evil.example"), "/login");
        assert_eq!(login_with_next("/sign-in", "/x"), "/sign-in?next=/x");
        assert_eq!(
            login_with_next("/login", "/profile?tab=a b&x=1"),
            "/login?next=/profile%3Ftab%3Da%20b%26x%3D1"
        );
    }
}
