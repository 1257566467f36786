//! The release build served on its own, pointed at an API elsewhere: a copy of `dist/` whose
//! `index.html` names the API base (and the Django settings) in its meta tags, as a deployment
//! edits it. The app is built once and runs against any backend.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tokio::task::JoinHandle;
use tower_http::services::{ServeDir, ServeFile};

use crate::server::dist_dir;
use crate::Variant;

/// `dist/` served on a free loopback port, with `index.html` for every unknown path.
pub struct StaticSite {
    origin: String,
    task: JoinHandle<()>,
    dir: PathBuf,
    /// `dist/index.html` as built.
    page: String,
    variant: Variant,
}

impl StaticSite {
    /// Serves a copy of `dist/` whose page points at `api_base` with `variant`'s settings.
    ///
    /// # Panics
    ///
    /// When `dist/` is not built or cannot be copied.
    pub async fn start(api_base: &str, variant: &Variant) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "interceptor-e2e-site-{}-{}",
            std::process::id(),
            crate::now_ms()
        ));
        copy_dir(&dist_dir(), &dir);
        let index = dir.join("index.html");
        let page = std::fs::read_to_string(&index).expect("dist/index.html");
        std::fs::write(&index, point_at(&page, api_base, variant)).expect("writing index.html");
        let files = ServeDir::new(&dir).fallback(ServeFile::new(index));
        let router = axum::Router::new().fallback_service(files);
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("a free port on 127.0.0.1");
        let addr = listener.local_addr().expect("the listener's address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            origin: format!("http://{addr}"),
            task,
            dir,
            page,
            variant: *variant,
        }
    }

    /// The same site, its page now pointing at `api_base` (files are read on each request).
    pub fn repoint(self, api_base: &str) -> Self {
        let page = point_at(&self.page, api_base, &self.variant);
        std::fs::write(self.dir.join("index.html"), page).expect("writing index.html");
        self
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `page` with its API base replaced, that base's origin allowed by the Content-Security-Policy
/// (as the README tells a deployment to do), and `variant`'s meta tags added.
fn point_at(page: &str, api_base: &str, variant: &Variant) -> String {
    let with_base = page.replace(
        r#"<meta name="api-base" content="/api/" />"#,
        &format!(r#"<meta name="api-base" content="{api_base}" />"#),
    );
    assert_ne!(
        with_base, page,
        "index.html has no api-base meta tag to point elsewhere"
    );
    let origin = api_base.trim_end_matches('/').trim_end_matches("/api");
    let allowed = with_base.replacen(
        "connect-src 'self'",
        &format!("connect-src 'self' {origin}"),
        1,
    );
    assert_ne!(
        allowed, with_base,
        "index.html's policy has no connect-src 'self'"
    );
    allowed.replacen("<head>", &format!("<head>{}", variant.meta_tags()), 1)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a scratch directory");
    for entry in std::fs::read_dir(from).expect("dist/ readable").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copying dist/");
        }
    }
}
