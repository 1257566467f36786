//! URL rules for navigation: where the login page may send the user back to.

use leptos_router::NavigateOptions;

/// The login page's path.
pub const LOGIN: &str = "/login";

/// Navigation that takes the place of the current history entry. Redirects use it, so that Back
/// never lands on a page that only redirects again.
pub fn replacing() -> NavigateOptions {
    NavigateOptions {
        replace: true,
        ..Default::default()
    }
}

/// `next` if it is a path on this site: one leading `/`, not `//` or `/\`, no scheme, no control
/// characters. Anything else could send the user to another origin after login.
pub fn safe_next(next: &str) -> Option<&str> {
    let mut chars = next.chars();
    let starts_well = chars.next() == Some('/') && !matches!(chars.next(), Some('/' | '\\'));
    let clean = !next.chars().any(|c| c.is_control() || c == '\\');
    (starts_well && clean).then_some(next)
}

/// `/login?next=<path>`, with the path percent-encoded; plain `/login` for the home page.
pub fn login_with_next(path_and_query: &str) -> String {
    match safe_next(path_and_query) {
        Some("/") | None => LOGIN.to_owned(),
        Some(path) => format!("{LOGIN}?next={}", percent_encode(path)),
    }
}

/// Encodes everything but RFC 3986's unreserved characters and `/`.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(byte as char);
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
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
        assert_eq!(login_with_next("/"), "/login");
        assert_eq!(login_with_next("//evil.example"), "/login");
        assert_eq!(
            login_with_next("/profile?tab=a b&x=1"),
            "/login?next=/profile%3Ftab%3Da%20b%26x%3D1"
        );
    }
}
