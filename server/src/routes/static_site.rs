//! The built single-page app (`--static-dir`), served as a production host serves it:
//!
//! - a file whose name carries a content hash (trunk's `app-1a2b3c4d5e6f7a8b_bg.wasm`, Vite's
//!   `assets/index-BGMLa9Oc.js`) is `Cache-Control: public, max-age=31536000, immutable`: a new
//!   build gives it a new name, so a browser never needs to ask again;
//! - everything else, the HTML above all, is `no-cache` with its `Last-Modified`: the browser
//!   asks at every visit and an unchanged file costs a 304, so a new build is seen at once;
//! - the `.br` and `.gz` files beside the originals (`scripts/compress-dist`) go to the browsers
//!   that take them, with `Vary: Accept-Encoding` so that caches keep each encoding apart;
//! - any path that names no file gets the app's page (its router decides), never cached as
//!   immutable even when the path looks hashed (a file of an older build that is gone).

use std::path::Path;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use tower::util::MapResponse;
use tower::ServiceExt as _;
use tower_http::services::fs::ServeFileSystemResponseBody;
use tower_http::services::{ServeDir, ServeFile};

/// For a file named by its content: it can never change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For the HTML and anything else named for what it is: kept, but revalidated before each use.
pub const REVALIDATE: &str = "no-cache";

type FileResponse = Response<ServeFileSystemResponseBody>;

/// The app's page, sent for every path that names no file.
type AppPage = MapResponse<ServeFile, fn(FileResponse) -> FileResponse>;

/// The files of `--static-dir`, with the app's page for any other path.
pub type StaticFiles = ServeDir<AppPage>;

/// The service for the built app in `dir` (its `index.html` is the app's page).
pub fn static_files(dir: &Path) -> StaticFiles {
    let page = ServeFile::new(dir.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let page: AppPage = MapResponse::new(page, revalidate_always);
    ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(page)
}

/// Serves `request` from `files`, with the cache headers above.
pub async fn serve(files: &StaticFiles, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let response = match files.clone().oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    with_cache_headers(&path, response)
}

/// The page's answer under any path is `no-cache`, set before [`with_cache_headers`] looks at
/// the path (which may look hashed).
fn revalidate_always(mut response: FileResponse) -> FileResponse {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    response
}

fn with_cache_headers(path: &str, mut response: Response) -> Response {
    let cacheable = matches!(
        response.status(),
        StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
    );
    if !cacheable {
        return response;
    }
    let headers = response.headers_mut();
    headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    if !headers.contains_key(CACHE_CONTROL) {
        let policy = if has_content_hash(path) {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// Whether the file name at the end of `path` carries a content hash, as the build tools write
/// it before the extension: trunk `<name>-<hash>` (a 64-bit hash in lowercase hex, then
/// wasm-bindgen's `_bg` for the wasm), Vite (Rollup, Rolldown) `<name>-<8 characters of
/// A-Z a-z 0-9 _ ->` with a digit or a capital among them, so that a name like `index-settings`
/// is not taken for one. A miss only costs a revalidation; a false hit would keep a changed
/// file for a year, hence the narrow patterns.
pub fn has_content_hash(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _extension)) = name.rsplit_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    trunk_hash(stem) || rollup_hash(stem)
}

fn trunk_hash(stem: &str) -> bool {
    stem.rsplit_once('-').is_some_and(|(name, hash)| {
        !name.is_empty()
            && (8..=16).contains(&hash.len())
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'a'..=b'f'))
    })
}

fn rollup_hash(stem: &str) -> bool {
    const HASH_LEN: usize = 8;
    let bytes = stem.as_bytes();
    let Some(split) = bytes.len().checked_sub(HASH_LEN + 1) else {
        return false;
    };
    let (name, hash) = (&bytes[..split], &bytes[split + 1..]);
    !name.is_empty()
        && bytes[split] == b'-'
        && hash
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        && hash
            .iter()
            .any(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::has_content_hash;

    #[test]
    fn build_tools_hashed_names_are_recognised() {
        for path in [
            "/interceptor-app-2f0c8e4b1a9d3c57_bg.wasm",
            "/interceptor-app-2f0c8e4b1a9d3c57.js",
            "/favicon-f0c8e4b1a9d3c57.svg",
            "/assets/index-BGMLa9Oc.js",
            "/assets/index-cU-U-2de.css",
            "/assets/Home-_x9kQ2a-.js",
        ] {
            assert!(has_content_hash(path), "{path} is hashed");
        }
    }

    #[test]
    fn names_without_a_hash_are_not() {
        for path in [
            "/",
            "/index.html",
            "/login",
            "/favicon.svg",
            "/robots.txt",
            "/assets/index-settings.js",
            "/app-1a2b.js",
            "/-BGMLa9Oc.js",
            "/-2f0c8e4b1a9d3c57.js",
            "/interceptor-app-2F0C8E4B.wasm.gz",
            "/assets/index-BGMLa9Oc",
        ] {
            assert!(!has_content_hash(path), "{path} is not hashed");
        }
    }
}
