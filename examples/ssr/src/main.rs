//! The server: renders the pages (with what the visitor's cookies say, in the cookie mode),
//! answers the server functions, serves the browser's wasm, and passes `/api/` on to Django, so
//! that the browser and the server share one origin and its cookies.
//!
//! ```text
//! scripts/ssr-build
//! SSR_MODE=cookies SSR_DJANGO=http://127.0.0.1:8000/api/ target/debug/ssr-example
//! ```

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    serve::run().await
}

#[cfg(feature = "ssr")]
mod serve {
    use axum::body::Body;
    use axum::extract::{Request, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::any;
    use axum::Router;
    use leptos::prelude::*;
    use leptos_axum::{generate_route_list_with_exclusions_and_ssg_and_context, LeptosRoutes};
    use leptos_jwt_session::server::{session_cookies, SessionServer};
    use leptos_jwt_session::{ApiBase, AuthConfig, TokenMode, Wire};
    use ssr_example::app::{shell, App, PageSettings};

    /// What the server passes on to Django, and how.
    #[derive(Clone)]
    struct Upstream {
        django: String,
        client: reqwest::Client,
    }

    pub(crate) async fn run() -> Result<(), Box<dyn std::error::Error>> {
        let options = leptos::config::get_configuration(None)?.leptos_options;
        let address = options.site_addr;
        let mode = if std::env::var("SSR_MODE").as_deref() == Ok("cookies") {
            "cookies"
        } else {
            "storage"
        };
        let django =
            std::env::var("SSR_DJANGO").unwrap_or_else(|_| "http://127.0.0.1:8000/api/".to_owned());
        // The browser's base is this server's `/api/`; the server reaches Django directly.
        let base = ApiBase::new(&format!("http://{address}/api/"))?;
        let config = if mode == "cookies" {
            AuthConfig::new(base)
                .wire(Wire::dj_rest_auth("auth/"))
                .token_mode(TokenMode::Cookies)
        } else {
            AuthConfig::new(base)
        };
        let sessions = SessionServer::new(&config, ApiBase::new(&django)?);
        let upstream = Upstream {
            django,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
        };
        let settings = PageSettings { mode };
        let context = move || {
            provide_context(config.clone());
            provide_context(settings.clone());
        };
        // With the context: the app reads its settings from it, and without them renders no
        // router, so a plain `generate_route_list(App)` would find no routes at all.
        let (routes, _) =
            generate_route_list_with_exclusions_and_ssg_and_context(App, None, context.clone());
        let app = Router::new()
            .leptos_routes_with_context(&options, routes, context.clone(), {
                let options = options.clone();
                move || shell(options.clone())
            })
            // On the pages and the server functions above; not on `/api/` (the browser's own
            // requests, refreshes included) nor on the wasm and scripts below.
            .layer(axum::middleware::from_fn_with_state(
                sessions,
                session_cookies,
            ))
            .route("/api/{*rest}", any(pass_on).with_state(upstream))
            .fallback(leptos_axum::file_and_error_handler_with_context(
                context, shell,
            ))
            .with_state(options);
        let listener = tokio::net::TcpListener::bind(address).await?;
        println!("listening on http://{address}/ ({mode} mode)");
        axum::serve(listener, app).await?;
        Ok(())
    }

    /// Passes `/api/…` on to Django as it came (cookies, CSRF header and all) and its answer
    /// back (cookies and all).
    async fn pass_on(State(upstream): State<Upstream>, request: Request) -> Response {
        let (parts, body) = request.into_parts();
        let rest = parts.uri.path().trim_start_matches("/api/");
        let query = parts
            .uri
            .query()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        let url = format!("{}{rest}{query}", upstream.django);
        let Ok(body) = axum::body::to_bytes(body, 1 << 20).await else {
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        };
        let mut headers = HeaderMap::new();
        for (name, value) in &parts.headers {
            if name != "host" {
                headers.append(name.clone(), value.clone());
            }
        }
        let sent = upstream
            .client
            .request(parts.method, url)
            .headers(headers)
            .body(body)
            .send()
            .await;
        let Ok(answer) = sent else {
            return StatusCode::BAD_GATEWAY.into_response();
        };
        let mut response = Response::builder().status(answer.status());
        for (name, value) in answer.headers() {
            if name != "transfer-encoding" && name != "content-length" {
                response = response.header(name, value);
            }
        }
        let body = answer.bytes().await.unwrap_or_default();
        response
            .body(Body::from(body))
            .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {}
