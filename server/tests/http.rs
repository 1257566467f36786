//! HTTP plumbing: redirects, 404/405/413/415, parse errors, OPTIONS, CORS, static files.

mod common;

use std::path::Path;

use axum::body::Body;
use axum::http::{header, Method};
use common::*;
use interceptor_server::{CorsPolicy, Settings};

#[tokio::test]
async fn redirects_keep_the_query_and_cover_every_api_path() {
    let h = Harness::new().await;
    for path in [BLACKLIST, USERS, ME, SET_PASSWORD] {
        let unslashed = path.trim_end_matches('/');
        let reply = h
            .send(
                request(Method::POST, &format!("{unslashed}?a=1&b=2"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(reply.status, 301, "{unslashed}");
        assert_eq!(
            reply.header("location"),
            Some(format!("{path}?a=1&b=2").as_str())
        );
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(reply.body, "");
    }
}

#[tokio::test]
async fn djoser_jwt_views_answer_without_their_slash() {
    // djoser routes them with `re_path(r"^jwt/create/?")`.
    let h = Harness::new().await;
    let reply = h.post_json(LOGIN.trim_end_matches('/'), DEMO_LOGIN).await;
    assert_eq!(reply.status, 200);
    let refresh = reply.field("refresh");
    let reply = h
        .post_json(
            REFRESH.trim_end_matches('/'),
            &format!(r#"{{"refresh":"{refresh}"}}"#),
        )
        .await;
    assert_eq!(reply.status, 200);
    h.post_json(
        VERIFY.trim_end_matches('/'),
        &format!(r#"{{"token":"{refresh}"}}"#),
    )
    .await
    .assert(200, "{}");
    let reply = h.get(LOGIN.trim_end_matches('/')).await;
    reply.assert(405, r#"{"detail":"Method \"GET\" not allowed."}"#);
    assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
}

/// Django's 404 page (`DEBUG = False`).
const NOT_FOUND_PAGE: &str = "\n<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n";

#[tokio::test]
async fn unknown_paths_get_djangos_404_page() {
    let h = Harness::new().await;
    for path in [
        "/api/",
        "/api",
        "/api/v1/nope/",
        "/api/v1/nope",
        "/",
        "/index.html",
        "/api/v1/auth/users/me/x",
    ] {
        h.get(path).await.assert(404, NOT_FOUND_PAGE);
    }
    assert_eq!(
        h.get("/api/v1/nope/").await.header("content-type"),
        Some("text/html; charset=utf-8")
    );
}

#[tokio::test]
async fn method_not_allowed_everywhere() {
    let h = Harness::new().await;
    for path in [LOGIN, REFRESH, VERIFY, BLACKLIST] {
        for method in [Method::GET, Method::PUT, Method::DELETE, Method::PATCH] {
            let reply = h
                .send(
                    request(method.clone(), path)
                        .body(Body::empty())
                        .expect("request"),
                )
                .await;
            reply.assert(
                405,
                &format!(r#"{{"detail":"Method \"{method}\" not allowed."}}"#),
            );
            assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
        }
    }
    // users/me/ authenticates first, then answers 405.
    let reply = h
        .send(
            request(Method::POST, ME)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    reply.assert(
        401,
        r#"{"detail":"Authentication credentials were not provided."}"#,
    );
    let (_, access) = h.login().await;
    let reply = h
        .send(
            request(Method::POST, ME)
                .header(header::AUTHORIZATION, format!("Bearer {access}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    reply.assert(405, r#"{"detail":"Method \"POST\" not allowed."}"#);
    assert_eq!(
        reply.header("allow"),
        Some("GET, PUT, PATCH, DELETE, HEAD, OPTIONS")
    );
    // DELETE is djoser's account deletion: it wants the current password.
    let reply = h
        .send(
            request(Method::DELETE, ME)
                .header(header::AUTHORIZATION, format!("Bearer {access}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    reply.assert(400, r#"{"current_password":["This field is required."]}"#);
    assert_eq!(
        reply.header("allow"),
        Some("GET, PUT, PATCH, DELETE, HEAD, OPTIONS")
    );
    // users/set_password/ likewise: 401 without credentials, then 405.
    h.get(SET_PASSWORD).await.assert(
        401,
        r#"{"detail":"Authentication credentials were not provided."}"#,
    );
    let reply = h
        .get_with_auth(SET_PASSWORD, &format!("Bearer {access}"))
        .await;
    reply.assert(405, r#"{"detail":"Method \"GET\" not allowed."}"#);
    assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
}

#[tokio::test]
async fn drf_view_headers() {
    let h = Harness::new().await;
    let reply = h.post_json(LOGIN, DEMO_LOGIN).await;
    assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
    assert_eq!(reply.header("vary"), Some("Accept, origin"));
    let reply = h.get(ME).await;
    assert_eq!(
        reply.header("allow"),
        Some("GET, PUT, PATCH, DELETE, HEAD, OPTIONS")
    );
}

#[tokio::test]
async fn options_without_preflight_is_metadata() {
    let h = Harness::new().await;
    let reply = h
        .send(
            request(Method::OPTIONS, LOGIN)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["name"], "Token Obtain Pair");
    assert_eq!(reply.header("allow"), Some("POST, OPTIONS"));
}

#[tokio::test]
async fn body_over_64_kib_is_413() {
    let h = Harness::new().await;
    let big = format!(r#"{{"username":"{}","password":"x"}}"#, "a".repeat(70_000));
    let reply = h.post_json(LOGIN, &big).await;
    reply.assert(
        413,
        r#"{"detail":"Request body exceeds the limit of 65536 bytes."}"#,
    );
    // Without a Content-Length (a streamed body) the limit still holds.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big
        .as_bytes()
        .chunks(8192)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let reply = h
        .send(
            request(Method::POST, LOGIN)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from_stream(futures_util::stream::iter(chunks)))
                .expect("request"),
        )
        .await;
    assert_eq!(reply.status, 413);
    // Just under the limit is handled as usual.
    let fits = format!(r#"{{"username":"{}","password":"x"}}"#, "a".repeat(60_000));
    h.post_json(LOGIN, &fits).await.assert(
        401,
        r#"{"detail":"No active account found with the given credentials"}"#,
    );
}

#[tokio::test]
async fn unsupported_media_types_quote_the_header() {
    let h = Harness::new().await;
    let send = |content_type: Option<&'static str>| {
        let mut builder = request(Method::POST, LOGIN);
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        builder.body(Body::from(DEMO_LOGIN)).expect("request")
    };
    h.send(send(Some("text/plain; charset=utf-8")))
        .await
        .assert(
            415,
            r#"{"detail":"Unsupported media type \"text/plain; charset=utf-8\" in request."}"#,
        );
    h.send(send(None)).await.assert(
        415,
        r#"{"detail":"Unsupported media type \"\" in request."}"#,
    );
    // A charset parameter on JSON is fine.
    assert_eq!(
        h.send(send(Some("application/json; charset=utf-8")))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn parse_errors_read_like_python() {
    let h = Harness::new().await;
    h.post_json(LOGIN, r#"{"username": "demo", }"#).await.assert(
        400,
        r#"{"detail":"JSON parse error - Expecting property name enclosed in double quotes: line 1 column 22 (char 21)"}"#,
    );
    let reply = h.post_json(REFRESH, "{").await;
    assert_eq!(reply.status, 400);
    assert!(reply.json()["detail"]
        .as_str()
        .expect("detail")
        .starts_with("JSON parse error - "));
    h.post_json(LOGIN, "{} {}").await.assert(
        400,
        r#"{"detail":"JSON parse error - Extra data: line 1 column 4 (char 3)"}"#,
    );
}

#[tokio::test]
async fn bad_authorization_headers() {
    let h = Harness::new().await;
    h.get_with_auth(ME, "Bearer")
        .await
        .assert(401, r#"{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}"#);
    h.get_with_auth(ME, "Bearer a b")
        .await
        .assert(401, r#"{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}"#);
}

fn cors_settings(origins: &[&str]) -> Settings {
    Settings {
        cors: CorsPolicy::new(origins.iter().copied()),
        ..Settings::default()
    }
}

fn preflight(path: &str, origin: &str) -> axum::http::Request<Body> {
    request(Method::OPTIONS, path)
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
        .body(Body::empty())
        .expect("request")
}

#[tokio::test]
async fn cors_preflight_from_an_allowed_origin() {
    let h = Harness::with(cors_settings(&["http://127.0.0.1:8080"])).await;
    let reply = h.send(preflight(ME, "http://127.0.0.1:8080")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "");
    assert_eq!(reply.header("content-length"), Some("0"));
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        reply.header("access-control-expose-headers"),
        Some("retry-after")
    );
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("http://127.0.0.1:8080")
    );
    assert_eq!(
        reply.header("access-control-allow-headers"),
        Some("accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with")
    );
    assert_eq!(
        reply.header("access-control-allow-methods"),
        Some("DELETE, GET, OPTIONS, PATCH, POST, PUT")
    );
    assert_eq!(reply.header("access-control-max-age"), Some("86400"));
    assert_eq!(reply.header("vary"), Some("origin"));
    assert_eq!(reply.header("www-authenticate"), None);
    assert_eq!(reply.header("allow"), None);

    // The actual request carries the origin too.
    let reply = h
        .send(
            request(Method::POST, LOGIN)
                .header(header::ORIGIN, "http://127.0.0.1:8080")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(DEMO_LOGIN))
                .expect("request"),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("http://127.0.0.1:8080")
    );
    assert_eq!(reply.header("access-control-allow-methods"), None);
    assert_eq!(
        reply.header("access-control-expose-headers"),
        Some("retry-after"),
        "a client on another origin must be able to read Retry-After"
    );
    assert_eq!(reply.header("vary"), Some("Accept, origin"));
    // So do error responses.
    let reply = h
        .send(
            request(Method::GET, ME)
                .header(header::ORIGIN, "http://127.0.0.1:8080")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("http://127.0.0.1:8080")
    );
}

#[tokio::test]
async fn cors_refuses_other_origins_and_star_is_sent_as_star() {
    let h = Harness::with(cors_settings(&["http://127.0.0.1:8080"])).await;
    let reply = h.send(preflight(LOGIN, "http://evil.example")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), None);
    assert_eq!(reply.header("access-control-allow-methods"), None);

    let h = Harness::new().await;
    let reply = h.send(preflight(LOGIN, "http://127.0.0.1:8080")).await;
    assert_eq!(reply.header("access-control-allow-origin"), None);

    // django-cors-headers with CORS_ALLOW_ALL_ORIGINS and no credentials: a literal `*`.
    let h = Harness::with(cors_settings(&["*"])).await;
    let reply = h
        .send(preflight(LOGIN, "http://anything.example:3000"))
        .await;
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let reply = h.get(ME).await;
    assert_eq!(
        reply.header("access-control-allow-origin"),
        None,
        "no Origin, no CORS"
    );
}

fn write(dir: &Path, name: &str, contents: &[u8]) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, contents).expect("write");
}

#[tokio::test]
async fn static_dir_serves_files_precompressed_and_falls_back_to_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "index.html", b"<!doctype html>app");
    write(dir.path(), "index.html.gz", b"gzipped index");
    write(dir.path(), "pkg/app.js", b"plain js");
    write(dir.path(), "pkg/app.js.br", b"brotli js");
    write(dir.path(), "pkg/app.js.gz", b"gzip js");
    let h = serving(dir.path()).await;
    let get = |path: &str, encoding: Option<&'static str>| match encoding {
        Some(encoding) => get_with(path, &[(header::ACCEPT_ENCODING, encoding)]),
        None => get_with(path, &[]),
    };

    let reply = h.send(get("/", None)).await;
    assert_eq!(
        (reply.status.as_u16(), reply.body.as_str()),
        (200, "<!doctype html>app")
    );
    let reply = h.send(get("/login/deep/link", None)).await;
    assert_eq!(
        (reply.status.as_u16(), reply.body.as_str()),
        (200, "<!doctype html>app")
    );
    assert!(reply
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html")));

    let reply = h.send(get("/pkg/app.js", None)).await;
    assert_eq!(reply.body, "plain js");
    assert_eq!(reply.header("content-encoding"), None);
    let reply = h.send(get("/pkg/app.js", Some("gzip, deflate, br"))).await;
    assert_eq!(reply.body, "brotli js");
    assert_eq!(reply.header("content-encoding"), Some("br"));
    let reply = h.send(get("/pkg/app.js", Some("gzip"))).await;
    assert_eq!(reply.body, "gzip js");
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    let reply = h.send(get("/elsewhere", Some("gzip"))).await;
    assert_eq!(reply.body, "gzipped index");
    assert_eq!(reply.header("content-encoding"), Some("gzip"));

    // The API keeps its own 404s.
    h.get("/api/v1/nope/").await.assert(404, NOT_FOUND_PAGE);
}

/// A build as trunk and Vite leave it (`scripts/compress-dist` wrote the `.gz`/`.br` files).
fn built_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "index.html", b"<!doctype html>app");
    write(dir.path(), "index.html.gz", b"gzipped index");
    write(dir.path(), "app-2f0c8e4b1a9d3c57_bg.wasm", b"wasm");
    write(dir.path(), "app-2f0c8e4b1a9d3c57_bg.wasm.gz", b"gzip wasm");
    write(
        dir.path(),
        "app-2f0c8e4b1a9d3c57_bg.wasm.br",
        b"brotli wasm",
    );
    write(dir.path(), "assets/index-cU-U-2de.js", b"vite js");
    write(dir.path(), "assets/index-cU-U-2de.js.gz", b"gzip vite js");
    write(dir.path(), "robots.txt", b"User-agent: *");
    dir
}

/// `Vary` names `Accept-Encoding` (CORS adds `origin` beside it).
fn varies_on_encoding(reply: &Reply) -> bool {
    reply
        .header("vary")
        .is_some_and(|vary| vary.split(',').any(|name| name.trim() == "Accept-Encoding"))
}

/// The app with `dir` as its `--static-dir`.
async fn serving(dir: &Path) -> Harness {
    Harness::with(Settings {
        static_dir: Some(dir.to_owned()),
        ..Settings::default()
    })
    .await
}

fn get_with(path: &str, headers: &[(header::HeaderName, &str)]) -> axum::http::Request<Body> {
    let mut builder = request(Method::GET, path);
    for (name, value) in headers {
        builder = builder.header(name, *value);
    }
    builder.body(Body::empty()).expect("request")
}

#[tokio::test]
async fn hashed_files_are_immutable_and_everything_else_is_revalidated() {
    let dir = built_site();
    let h = serving(dir.path()).await;
    const IMMUTABLE: &str = "public, max-age=31536000, immutable";

    for (path, encoding, body) in [
        (
            "/app-2f0c8e4b1a9d3c57_bg.wasm",
            "gzip, deflate, br",
            "brotli wasm",
        ),
        ("/app-2f0c8e4b1a9d3c57_bg.wasm", "gzip", "gzip wasm"),
        ("/assets/index-cU-U-2de.js", "gzip, br", "gzip vite js"),
    ] {
        let reply = h
            .send(get_with(path, &[(header::ACCEPT_ENCODING, encoding)]))
            .await;
        assert_eq!((reply.status.as_u16(), reply.body.as_str()), (200, body));
        assert_eq!(reply.header("cache-control"), Some(IMMUTABLE), "{path}");
        assert!(
            varies_on_encoding(&reply),
            "{path}: {:?}",
            reply.header("vary")
        );
    }

    for (path, body) in [
        ("/", "<!doctype html>app"),
        ("/index.html", "<!doctype html>app"),
        ("/login", "<!doctype html>app"),
        ("/robots.txt", "User-agent: *"),
        // A hashed name that is not there (an older build's) gets the page, never for a year.
        ("/assets/index-Zz9Zz9Zz.js", "<!doctype html>app"),
    ] {
        let reply = h.send(get_with(path, &[])).await;
        assert_eq!((reply.status.as_u16(), reply.body.as_str()), (200, body));
        assert_eq!(reply.header("cache-control"), Some("no-cache"), "{path}");
        assert!(reply.header("last-modified").is_some(), "{path}");
        assert!(
            varies_on_encoding(&reply),
            "{path}: {:?}",
            reply.header("vary")
        );
    }
}

#[tokio::test]
async fn an_unchanged_page_or_file_revalidates_with_a_304() {
    let dir = built_site();
    let h = serving(dir.path()).await;
    for (path, encoding, policy) in [
        ("/", "gzip", "no-cache"),
        ("/login", "gzip", "no-cache"),
        ("/login", "identity", "no-cache"),
        (
            "/app-2f0c8e4b1a9d3c57_bg.wasm",
            "br",
            "public, max-age=31536000, immutable",
        ),
    ] {
        let first = h
            .send(get_with(path, &[(header::ACCEPT_ENCODING, encoding)]))
            .await;
        let last_modified = first.header("last-modified").expect("Last-Modified");
        let again = h
            .send(get_with(
                path,
                &[
                    (header::ACCEPT_ENCODING, encoding),
                    (header::IF_MODIFIED_SINCE, last_modified),
                ],
            ))
            .await;
        assert_eq!(
            (again.status.as_u16(), again.body.as_str()),
            (304, ""),
            "{path}"
        );
        assert_eq!(again.header("cache-control"), Some(policy), "{path}");
        assert!(
            varies_on_encoding(&again),
            "{path}: {:?}",
            again.header("vary")
        );
    }
}
