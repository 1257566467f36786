//! Where API paths point, and which URLs may see the Bearer token.
//!
//! Pure string logic so that it is unit-tested on the host. The base is absolute (`scheme://host/path/`):
//! [`ApiBase::from_document`] resolves the `<meta name="api-base">` value against the page URL.

/// The API's base URL, always absolute and always ending in `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiBase {
    base: String,
    /// Length of `scheme://authority` inside `base`.
    origin_len: usize,
}

/// Why a base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlError {
    #[error("the API base {0:?} is not an absolute http(s) URL")]
    NotAbsolute(String),
}

impl ApiBase {
    /// Takes an absolute `http(s)://host[:port]/path` URL; a missing trailing `/` is added.
    pub fn new(absolute: &str) -> Result<Self, BaseUrlError> {
        let absolute = absolute.trim();
        let lower = absolute.to_ascii_lowercase();
        let scheme_len = if lower.starts_with("https://") {
            "https://".len()
        } else if lower.starts_with("http://") {
            "http://".len()
        } else {
            return Err(BaseUrlError::NotAbsolute(absolute.to_owned()));
        };
        let rest = &absolute[scheme_len..];
        let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if authority_len == 0 {
            return Err(BaseUrlError::NotAbsolute(absolute.to_owned()));
        }
        let origin_len = scheme_len + authority_len;
        // Query and fragment have no meaning in a base: drop them.
        let path_end = absolute[origin_len..]
            .find(['?', '#'])
            .map_or(absolute.len(), |i| origin_len + i);
        let mut base = format!(
            "{}{}",
            absolute[..origin_len].to_ascii_lowercase(),
            &absolute[origin_len..path_end]
        );
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(Self { base, origin_len })
    }

    /// Reads `<meta name="api-base" content="...">` (default `/api/`) and resolves it against the
    /// page's URL, so a deployment can edit `index.html` without a rebuild.
    pub fn from_document() -> Result<Self, BaseUrlError> {
        let configured = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector("meta[name='api-base']").ok().flatten())
            .and_then(|meta| meta.get_attribute("content"))
            .filter(|content| !content.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_API_BASE.to_owned());
        let page = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        let absolute = web_sys::Url::new_with_base(&configured, &page)
            .map(|url| url.href())
            .map_err(|_| BaseUrlError::NotAbsolute(configured.clone()))?;
        Self::new(&absolute)
    }

    /// The base itself, e.g. `http://localhost:8080/api/`.
    pub fn as_str(&self) -> &str {
        &self.base
    }

    fn origin(&self) -> &str {
        &self.base[..self.origin_len]
    }

    /// Resolves an API path: `v1/auth/users/me/` against the base, `/x` against the base's
    /// origin, and an absolute URL as it is.
    pub fn resolve(&self, path: &str) -> String {
        if has_scheme(path) {
            path.to_owned()
        } else if let Some(rest) = path.strip_prefix("//") {
            let scheme_end = self.base.find("//").unwrap_or(0);
            format!("{}//{rest}", &self.base[..scheme_end])
        } else if path.starts_with('/') {
            format!("{}{path}", self.origin())
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// Whether `url` lies under the base: same scheme, host and port, and a path below the base's.
    /// Only such URLs get the Bearer token; a dot segment could climb out, so it is refused.
    pub fn covers(&self, url: &str) -> bool {
        let Some(origin) = url.get(..self.origin_len) else {
            return false;
        };
        if !origin.eq_ignore_ascii_case(self.origin()) {
            return false;
        }
        let path = &url[self.origin_len..];
        let base_path = &self.base[self.origin_len..];
        if !path.starts_with(base_path) {
            return false;
        }
        let path = path.split(['?', '#']).next().unwrap_or_default();
        !path.split('/').any(|segment| {
            let segment = segment.to_ascii_lowercase();
            matches!(
                segment.as_str(),
                "." | ".." | "%2e" | "%2e%2e" | ".%2e" | "%2e."
            )
        }) && !path.contains('\\')
    }

    /// The API-relative form of a URL under the base (`v1/auth/users/me/`), for logs and rules.
    pub fn relative<'a>(&self, url: &'a str) -> Option<&'a str> {
        self.covers(url).then(|| &url[self.base.len()..])
    }
}

/// The base used when `index.html` names none.
pub const DEFAULT_API_BASE: &str = "/api/";

fn has_scheme(url: &str) -> bool {
    let Some((scheme, _)) = url.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !scheme.contains('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(url: &str) -> ApiBase {
        ApiBase::new(url).expect("valid base")
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
            api.resolve("v1/auth/users/me/"),
            "http://localhost:8080/api/v1/auth/users/me/"
        );
        assert_eq!(api.resolve("/health"), "http://localhost:8080/health");
        assert_eq!(
            api.resolve("https://other.example/x"),
            "https://other.example/x"
        );
        assert_eq!(api.resolve("//cdn.example/x"), "http://cdn.example/x");
    }

    #[test]
    fn only_urls_under_the_base_are_covered() {
        let api = base("http://localhost:8080/api/");
        assert!(api.covers("http://localhost:8080/api/v1/auth/users/me/"));
        assert!(api.covers("HTTP://LOCALHOST:8080/api/v1/?q=1"));
        assert!(!api.covers("http://localhost:8080/other/"));
        assert!(!api.covers("http://localhost:8080/apix/"));
        assert!(!api.covers("http://localhost:8081/api/v1/"));
        assert!(!api.covers("https://localhost:8080/api/v1/"));
        assert!(!api.covers("http://localhost:8080.evil.example/api/"));
        assert!(!api.covers("http://evil.example/api/"));
        assert!(!api.covers("http://localhost:8080/api/../admin/"));
        assert!(!api.covers("http://localhost:8080/api/%2E%2E/admin/"));
        assert!(!api.covers("http://localhost:8080/api/..\\admin/"));
        assert!(!api.covers("http:"));
    }

    #[test]
    fn another_origin_as_base_keeps_its_own_rules() {
        let api = base("https://api.example.com/");
        assert!(api.covers(&api.resolve("v1/auth/users/me/")));
        assert!(!api.covers("https://app.example.com/v1/"));
        assert_eq!(api.relative("https://api.example.com/v1/x/"), Some("v1/x/"));
        assert_eq!(api.relative("https://other.example.com/v1/x/"), None);
    }
}
