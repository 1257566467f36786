//! chromedriver as a child process on a free port, stopped (with its browser) when dropped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hyper::Method;

use crate::http::Http;

/// Where Debian puts chromedriver; `CHROMEDRIVER` overrides it.
pub const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long chromedriver may take to answer `GET /status` after it starts.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running chromedriver. Dropping it ends the browser session (if any) and kills the process
/// group, so neither chromedriver nor a Chromium it started outlives the test, even one that
/// panicked.
pub struct ChromeDriver {
    child: Child,
    port: u16,
    session: Option<String>,
}

impl ChromeDriver {
    /// Starts chromedriver on a free port and waits until it says it is ready.
    ///
    /// # Panics
    ///
    /// When chromedriver is missing, exits, or is not ready within 20 s.
    pub async fn start() -> Self {
        let program =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| DEFAULT_CHROMEDRIVER.to_owned());
        let port = free_port();
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so that dropping it can stop the browser too.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {program} (install chromium-driver, or set CHROMEDRIVER): {error}")
            });
        let mut driver = Self {
            child,
            port,
            session: None,
        };
        driver.wait_until_ready(&program).await;
        driver
    }

    async fn wait_until_ready(&mut self, program: &str) {
        let http = Http::default();
        let status_url = format!("{}/status", self.url());
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(exit)) = self.child.try_wait() {
                panic!("{program} --port={} exited at start: {exit}", self.port);
            }
            let last = match http.send(Method::GET, &status_url, None).await {
                Ok(answer) if answer.status == 200 && answer.body["value"]["ready"] == true => {
                    return;
                }
                Ok(answer) => format!("{answer:?}"),
                Err(error) => error,
            };
            assert!(
                Instant::now() < deadline,
                "{program} was not ready on port {} within {START_TIMEOUT:?}; last: {last}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Remembers the WebDriver session, to end it on drop.
    pub fn set_session(&mut self, session: Option<String>) {
        self.session = session;
    }

    /// `DELETE /session/<id>` without async (this runs in `Drop`): chromedriver closes the
    /// browser. Best effort; the process group is killed afterwards anyway.
    fn quit_session(&self, session: &str) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
        let request = format!(
            "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            // chromedriver answers once the browser has quit; the first bytes are enough (it may
            // keep the connection open, so reading to the end would wait for the timeout).
            let mut answer = [0u8; 512];
            let _ = stream.read(&mut answer);
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            self.quit_session(&session);
        }
        // The whole group: chromedriver and whatever browser processes stayed in it.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago (the OS picks it; chromedriver binds it right after).
fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port on 127.0.0.1")
}
