//! Where API paths point, and which URLs may see the token.
//!
//! In the browser every URL goes through the browser's own URL parser (`web_sys::Url`) before
//! anything is decided, and the request is sent to the URL exactly as parsed: the parser removes
//! tabs and newlines, turns backslashes into slashes and resolves dot segments (`%2e` included),
//! so a string that merely *looks* like it is under the base cannot reach another path with the
//! token. On the host (unit tests) a plain string reading stands in, refusing anything unusual.

/// The API's base URL: absolute, `http` or `https`, always ending in `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiBase {
    /// `scheme://host[:port]`, as the browser serialises an origin.
    origin: String,
    /// The path, starting and ending with `/`.
    path: String,
}

/// Why a base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// Not an `http(s)://host/...` URL once resolved against the page.
    #[error("the API base {0:?} is not an absolute http(s) URL")]
    NotAbsolute(String),
    /// No page to read it from: a server render (give the server its base with
    /// [`ApiBase::new`]).
    #[error("there is no page to read the API base from (a server render?)")]
    NoPage,
}

/// The trimmed `content` of `<meta name="{name}">` in the page, unless empty.
pub(crate) fn meta_content(name: &str) -> Option<String> {
    crate::platform::browser_window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(&format!("meta[name='{name}']"))
                .ok()
                .flatten()
        })
        .and_then(|meta| meta.get_attribute("content"))
        .map(|content| content.trim().to_owned())
        .filter(|content| !content.is_empty())
}

/// The base used when the page names none.
pub const DEFAULT_API_BASE: &str = "/api/";

/// A request's URL, parsed, with what the client needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// What is fetched: the parsed URL, serialised.
    pub url: String,
    /// The path below the base, without query or fragment, when the URL is under the base.
    pub relative: Option<String>,
}

impl Target {
    /// How the URL appears in events: the API-relative path, or just the origin of a URL
    /// elsewhere (its path and query may carry things that are not this app's to log).
    pub(crate) fn for_events(&self) -> String {
        match &self.relative {
            Some(relative) => relative.clone(),
            None => origin_of(&self.url).to_owned(),
        }
    }
}

impl ApiBase {
    /// Takes an absolute `http(s)://host[:port]/path` URL; a missing trailing `/` is added, a
    /// query or fragment dropped.
    pub fn new(absolute: &str) -> Result<Self, BaseUrlError> {
        let refused = || BaseUrlError::NotAbsolute(absolute.to_owned());
        let (origin, path) = split_absolute(absolute.trim()).ok_or_else(refused)?;
        let mut path = path;
        if !path.ends_with('/') {
            path.push('/');
        }
        Ok(Self { origin, path })
    }

    /// Reads `<meta name="api-base" content="...">` (default `/api/`) and resolves it against the
    /// page's URL, so a deployment can edit `index.html` without a rebuild.
    ///
    /// Off the browser (a server render) there is no page to read: [`BaseUrlError::NoPage`].
    pub fn from_document() -> Result<Self, BaseUrlError> {
        let configured = meta_content("api-base").unwrap_or_else(|| DEFAULT_API_BASE.to_owned());
        let page = crate::platform::browser_window()
            .and_then(|w| w.location().href().ok())
            .ok_or(BaseUrlError::NoPage)?;
        let absolute = web_sys::Url::new_with_base(&configured, &page)
            .map(|url| url.href())
            .map_err(|_| BaseUrlError::NotAbsolute(configured.clone()))?;
        Self::new(&absolute)
    }

    /// The base itself, e.g. `http://localhost:8080/api/`.
    #[must_use]
    pub fn as_str(&self) -> String {
        format!("{}{}", self.origin, self.path)
    }

    /// The base's path, starting and ending with `/` (`/api/`).
    #[cfg(feature = "ssr")]
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// Resolves `path` as the browser will fetch it: `v1/auth/users/me/` against the base, `/x`
    /// against the base's origin, an absolute URL as it is; and says whether it is under the
    /// base. `None` when the browser could not fetch it at all.
    pub(crate) fn locate(&self, path: &str) -> Option<Target> {
        let (url, origin, pathname) = parse_against(path, &self.as_str())?;
        let relative = (origin == self.origin
            && pathname.starts_with(&self.path)
            && !has_encoded_separator(&pathname))
        .then(|| pathname[self.path.len()..].to_owned());
        Some(Target { url, relative })
    }
}

/// `%2F` or `%5C` in a path: some servers and proxies decode them into separators after the
/// client has decided, so such a path is never taken as under the base.
fn has_encoded_separator(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.contains("%2f") || lower.contains("%5c")
}

/// `scheme://authority` of an absolute URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("//").map_or(0, |i| i + 2);
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

/// The URL as the browser parses it: `(href, origin, pathname)`.
#[cfg(target_arch = "wasm32")]
fn parse_against(path: &str, base: &str) -> Option<(String, String, String)> {
    let url = web_sys::Url::new_with_base(path, base).ok()?;
    Some((url.href(), url.origin(), url.pathname()))
}

/// Host stand-in for the browser's parser: plain joining, and anything the browser would
/// rewrite (dot segments, backslashes, control characters, encoded dots) is kept out of the base.
#[cfg(not(target_arch = "wasm32"))]
fn parse_against(path: &str, base: &str) -> Option<(String, String, String)> {
    let base_origin = origin_of(base);
    let url = if path.contains("://") {
        path.to_owned()
    } else if let Some(rest) = path.strip_prefix("//") {
        let scheme = &base[..base.find("//")?];
        format!("{scheme}//{rest}")
    } else if path.starts_with('/') {
        format!("{base_origin}{path}")
    } else {
        format!("{base}{path}")
    };
    let origin = origin_of(&url).to_ascii_lowercase();
    let rest = &url[origin.len()..];
    let pathname = rest.split(['?', '#']).next().unwrap_or_default().to_owned();
    let suspicious = rest.chars().any(|c| c.is_control() || c == '\\')
        || pathname.split('/').any(|segment| {
            let segment = segment.to_ascii_lowercase();
            segment.starts_with('.') || segment.starts_with("%2e") || segment.ends_with("%2e")
        });
    let pathname = if suspicious {
        String::from("/\u{0}")
    } else {
        pathname
    };
    Some((url, origin, pathname))
}

/// Splits `http(s)://host[:port]/path?query#fragment` into a lower-case origin and the path.
#[cfg(target_arch = "wasm32")]
fn split_absolute(absolute: &str) -> Option<(String, String)> {
    let url = web_sys::Url::new(absolute).ok()?;
    let protocol = url.protocol();
    if (protocol != "http:" && protocol != "https:") || url.host().is_empty() {
        return None;
    }
    Some((url.origin(), url.pathname()))
}

#[cfg(not(target_arch = "wasm32"))]
fn split_absolute(absolute: &str) -> Option<(String, String)> {
    let lower = absolute.to_ascii_lowercase();
    let scheme_len = ["https://", "http://"]
        .iter()
        .find(|scheme| lower.starts_with(**scheme))?
        .len();
    let rest = &absolute[scheme_len..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if authority_len == 0 {
        return None;
    }
    let origin_len = scheme_len + authority_len;
    let path = absolute[origin_len..]
        .split(['?', '#'])
        .next()
        .unwrap_or_default();
    let path = if path.is_empty() { "/" } else { path };
    Some((absolute[..origin_len].to_ascii_lowercase(), path.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(url: &str) -> ApiBase {
        ApiBase::new(url).expect("valid base")
    }

    fn url(base: &ApiBase, path: &str) -> String {
        base.locate(path).expect("a URL").url
    }

    fn covered(base: &ApiBase, path: &str) -> bool {
        base.locate(path).is_some_and(|t| t.relative.is_some())
    }

    #[test]
    fn base_gets_a_trailing_slash_and_loses_query() {
        assert_eq!(
            base("http://localhost:8080/api").as_str(),
            "http://localhost:8080/api/"
        );
        assert_eq!(
            base("HTTP://Example.COM/api/?x=1#y").as_str(),
            "http://example.com/api/"
        );
        assert_eq!(base("https://example.com").as_str(), "https://example.com/");
    }

    #[test]
    fn relative_bases_are_refused() {
        assert!(ApiBase::new("/api/").is_err());
        assert!(ApiBase::new("ftp://example.com/").is_err());
        assert!(ApiBase::new("http:///api/").is_err());
    }

    #[test]
    fn paths_resolve_against_the_base() {
        let api = base("http://localhost:8080/api/");
        assert_eq!(
            url(&api, "v1/auth/users/me/"),
            "http://localhost:8080/api/v1/auth/users/me/"
        );
        assert_eq!(url(&api, "/health"), "http://localhost:8080/health");
        assert_eq!(
            url(&api, "https://other.example/x"),
            "https://other.example/x"
        );
        assert_eq!(url(&api, "//cdn.example/x"), "http://cdn.example/x");
    }

    #[test]
    fn only_urls_under_the_base_are_covered() {
        let api = base("http://localhost:8080/api/");
        assert!(covered(&api, "v1/auth/users/me/"));
        assert!(covered(&api, "http://localhost:8080/api/v1/?q=1"));
        for outside in [
            "/other/",
            "/apix/",
            "http://localhost:8081/api/v1/",
            "https://localhost:8080/api/v1/",
            "http://localhost:8080.evil.example/api/",
            "http://evil.example/api/",
            "../admin/",
            "%2E%2E/admin/",
            "..\\admin/",
            ".\t./admin/",
            "v1/..%2Fadmin/",
        ] {
            assert!(!covered(&api, outside), "{outside:?}");
        }
    }

    #[test]
    fn events_name_foreign_urls_by_their_origin_only() {
        let api = base("https://api.example.com/");
        let mine = api.locate("v1/x/?secret=1").expect("url");
        assert_eq!(mine.for_events(), "v1/x/");
        let foreign = api
            .locate("https://other.example.com/v1/x/?token=abc")
            .expect("url");
        assert_eq!(foreign.relative, None);
        assert_eq!(foreign.for_events(), "https://other.example.com");
    }
}
