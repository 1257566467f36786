//! `load`: a bounded load run against any djoser + SimpleJWT API, this reference server or
//! a Django one. It starts nothing itself; `scripts/load` starts a server and runs it.
//!
//! ```text
//! cargo run --profile load -p interceptor-server --example load -- http://127.0.0.1:8000/api/
//! ```
//!
//! Each client is one user session at a time, with its own token pair: it logs in, calls
//! `users/me/` back to back, refreshes when its access token is about to expire (keeping
//! the rotated refresh token when the server rotates), and after a random session length
//! logs out (`jwt/blacklist/`) and logs in again. No refresh token is ever shared, so a
//! refresh answered 401 is a *lost rotation*: the server refused the newest token its
//! client held.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clap::Parser;
use http_body_util::BodyExt as _;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use interceptor_server::config::parse_duration;
use serde_json::Value;

/// A bounded load run: logins, users/me/, refreshes and logouts from concurrent clients.
#[derive(Debug, Parser)]
struct Options {
    /// The API base, e.g. http://127.0.0.1:8000/api/ (plain HTTP).
    base: String,
    /// Concurrent clients.
    #[arg(long, default_value_t = 200)]
    clients: usize,
    /// How long clients start new requests, the ramp included.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    duration: Duration,
    /// Client starts are spread over the run's first this-long, so it does not open with a
    /// login storm.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    ramp: Duration,
    /// The login field's name: username, or email for djoser's LOGIN_FIELD = "email".
    #[arg(long, default_value = "username")]
    login_field: String,
    /// The login every client uses (each still gets its own token pair).
    #[arg(long, default_value = "demo")]
    login: String,
    #[arg(long, default_value = "demo-password")]
    password: String,
    /// The Authorization scheme word (SimpleJWT's AUTH_HEADER_TYPES).
    #[arg(long, default_value = "Bearer")]
    auth_header_type: String,
    /// Refresh when the access token has less than this left.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    refresh_lead: Duration,
    /// Shortest session before a client logs out and in again.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    session_min: Duration,
    /// Longest session.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    session_max: Duration,
    /// Pause between a client's requests.
    #[arg(long, default_value = "0ms", value_parser = parse_duration)]
    think: Duration,
    /// Only log in, again and again: measures what password hashing allows.
    #[arg(long)]
    logins_only: bool,
}

/// What a request was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Login,
    Me,
    Refresh,
    Logout,
}

impl Kind {
    const ALL: [Self; 4] = [Self::Login, Self::Me, Self::Refresh, Self::Logout];

    fn label(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Me => "users/me",
            Self::Refresh => "refresh",
            Self::Logout => "logout",
        }
    }
}

/// Outcomes of one kind of request.
#[derive(Debug, Default)]
struct KindStats {
    latencies_us: Vec<u64>,
    statuses: BTreeMap<u16, u64>,
    network_errors: u64,
}

/// Everything one client (or all of them, merged) saw.
#[derive(Debug, Default)]
struct Stats {
    kinds: BTreeMap<Kind, KindStats>,
    lost_rotations: u64,
}

impl Stats {
    /// One request of `kind` that took `elapsed` and got `answer`.
    fn record(&mut self, kind: Kind, elapsed: Duration, answer: &Result<Answer, LoadError>) {
        let entry = self.kinds.entry(kind).or_default();
        entry
            .latencies_us
            .push(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
        match answer {
            Ok(answer) => *entry.statuses.entry(answer.status.as_u16()).or_default() += 1,
            Err(_) => entry.network_errors += 1,
        }
    }

    fn merge(&mut self, other: Self) {
        for (kind, theirs) in other.kinds {
            let ours = self.kinds.entry(kind).or_default();
            ours.latencies_us.extend(theirs.latencies_us);
            for (status, count) in theirs.statuses {
                *ours.statuses.entry(status).or_default() += count;
            }
            ours.network_errors += theirs.network_errors;
        }
        self.lost_rotations += other.lost_rotations;
    }
}

/// Why a request got no usable answer.
#[derive(Debug, thiserror::Error)]
enum LoadError {
    #[error("request: {0}")]
    Request(#[from] hyper_util::client::legacy::Error),
    #[error("reading the body: {0}")]
    Body(String),
    #[error("building the request: {0}")]
    Build(#[from] axum::http::Error),
}

/// The API, as one shared connection pool.
#[derive(Clone)]
struct Api {
    client: Client<HttpConnector, Body>,
    base: String,
    auth_header_type: String,
}

/// An answer: status and parsed JSON body (`Null` when it is not JSON).
struct Answer {
    status: StatusCode,
    json: Value,
}

impl Api {
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        access: Option<&str>,
    ) -> Result<Answer, LoadError> {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(access) = access {
            builder = builder.header(
                header::AUTHORIZATION,
                format!("{} {access}", self.auth_header_type),
            );
        }
        let request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))?,
            None => builder.body(Body::empty())?,
        };
        let response = self.client.request(request).await?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| LoadError::Body(e.to_string()))?
            .to_bytes();
        Ok(Answer {
            status,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        })
    }
}

/// One client's session.
struct Session {
    access: String,
    access_exp: f64,
    refresh: String,
    ends_at: Instant,
}

/// The `exp` claim of a JWT, in seconds (0 when unreadable: refresh at once).
fn exp_of(token: &str) -> f64 {
    token
        .split('.')
        .nth(1)
        .and_then(|segment| URL_SAFE_NO_PAD.decode(segment).ok())
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|claims| claims["exp"].as_f64())
        .unwrap_or(0.0)
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}

/// A small xorshift generator: session lengths need spread, not quality.
struct Spread(u64);

impl Spread {
    fn between(&mut self, min: Duration, max: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let span = max.saturating_sub(min).as_millis().max(1);
        let offset = u128::from(self.0) % span;
        min + Duration::from_millis(u64::try_from(offset).unwrap_or(0))
    }
}

fn text(value: &Value, name: &str) -> Option<String> {
    value[name].as_str().map(str::to_owned)
}

async fn run_client(
    api: Api,
    options: std::sync::Arc<Options>,
    start_at: Instant,
    stop_at: Instant,
    seed: u64,
) -> Stats {
    let mut stats = Stats::default();
    let mut spread = Spread(seed | 1);
    let mut session: Option<Session> = None;
    tokio::time::sleep_until(start_at.into()).await;
    while Instant::now() < stop_at {
        if !options.think.is_zero() {
            tokio::time::sleep(options.think).await;
        }
        let started = Instant::now();
        match session.take() {
            None => {
                let body = serde_json::json!({
                    options.login_field.as_str(): options.login,
                    "password": options.password,
                });
                let answer = api
                    .send(Method::POST, "v1/auth/jwt/create/", Some(body), None)
                    .await;
                stats.record(Kind::Login, started.elapsed(), &answer);
                match answer {
                    Ok(answer) if answer.status == StatusCode::OK => {
                        let tokens =
                            text(&answer.json, "access").zip(text(&answer.json, "refresh"));
                        if let Some((access, refresh)) = tokens {
                            session = Some(Session {
                                access_exp: exp_of(&access),
                                access,
                                refresh,
                                ends_at: Instant::now()
                                    + spread.between(options.session_min, options.session_max),
                            });
                        }
                    }
                    // A refused or failed login: do not spin on it.
                    _ => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
            Some(_) if options.logins_only => {}
            Some(current) if Instant::now() >= current.ends_at => {
                let body = serde_json::json!({ "refresh": current.refresh });
                let answer = api
                    .send(Method::POST, "v1/auth/jwt/blacklist/", Some(body), None)
                    .await;
                stats.record(Kind::Logout, started.elapsed(), &answer);
            }
            Some(mut current)
                if current.access_exp - unix_now() < options.refresh_lead.as_secs_f64() =>
            {
                let body = serde_json::json!({ "refresh": current.refresh });
                let answer = api
                    .send(Method::POST, "v1/auth/jwt/refresh/", Some(body), None)
                    .await;
                stats.record(Kind::Refresh, started.elapsed(), &answer);
                match answer {
                    Ok(answer) if answer.status == StatusCode::OK => {
                        if let Some(access) = text(&answer.json, "access") {
                            current.access_exp = exp_of(&access);
                            current.access = access;
                        }
                        if let Some(rotated) = text(&answer.json, "refresh") {
                            current.refresh = rotated;
                        }
                        session = Some(current);
                    }
                    Ok(answer) if answer.status == StatusCode::UNAUTHORIZED => {
                        // Nobody else ever held this token: the server lost the rotation.
                        stats.lost_rotations += 1;
                    }
                    // A 5xx or a network error: keep the session and try again.
                    _ => {
                        session = Some(current);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
            Some(current) => {
                let answer = api
                    .send(
                        Method::GET,
                        "v1/auth/users/me/",
                        None,
                        Some(&current.access),
                    )
                    .await;
                stats.record(Kind::Me, started.elapsed(), &answer);
                match answer {
                    Ok(answer) if answer.status == StatusCode::UNAUTHORIZED => {}
                    Ok(_) => session = Some(current),
                    Err(_) => {
                        session = Some(current);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        }
    }
    stats
}

/// The `q` quantile of sorted latencies, in milliseconds.
fn quantile_ms(sorted_us: &[u64], q: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let last = sorted_us.len() - 1;
    // Nearest rank; the index is within bounds by construction.
    let index = ((last as f64) * q).round() as usize;
    sorted_us[index.min(last)] as f64 / 1000.0
}

/// The report, as `scripts/load` prints it.
struct Report<'a> {
    options: &'a Options,
    stats: Stats,
    elapsed: Duration,
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.elapsed.as_secs_f64().max(f64::EPSILON);
        writeln!(
            f,
            "{} clients for {:.1} s against {}{}",
            self.options.clients,
            seconds,
            self.options.base,
            if self.options.logins_only {
                " (logins only)"
            } else {
                ""
            }
        )?;
        writeln!(
            f,
            "{:<9} {:>9} {:>8} {:>8} {:>8} {:>8}  statuses",
            "kind", "requests", "per s", "p50 ms", "p99 ms", "max ms"
        )?;
        let (mut total, mut server_errors, mut network_errors) = (0u64, 0u64, 0u64);
        for kind in Kind::ALL {
            let Some(stats) = self.stats.kinds.get(&kind) else {
                continue;
            };
            let mut sorted = stats.latencies_us.clone();
            sorted.sort_unstable();
            let count = sorted.len() as u64;
            total += count;
            server_errors += stats
                .statuses
                .iter()
                .filter(|(status, _)| **status >= 500)
                .map(|(_, count)| count)
                .sum::<u64>();
            network_errors += stats.network_errors;
            let statuses: Vec<String> = stats
                .statuses
                .iter()
                .map(|(status, count)| format!("{status}×{count}"))
                .collect();
            writeln!(
                f,
                "{:<9} {:>9} {:>8.1} {:>8.2} {:>8.2} {:>8.2}  {}",
                kind.label(),
                count,
                count as f64 / seconds,
                quantile_ms(&sorted, 0.50),
                quantile_ms(&sorted, 0.99),
                quantile_ms(&sorted, 1.0),
                statuses.join(" ")
            )?;
        }
        writeln!(
            f,
            "{:<9} {:>9} {:>8.1}",
            "total",
            total,
            total as f64 / seconds
        )?;
        write!(
            f,
            "5xx: {server_errors}   network errors: {network_errors}   lost rotations: {}",
            self.stats.lost_rotations
        )
    }
}

#[tokio::main]
async fn main() {
    let mut options = Options::parse();
    if !options.base.ends_with('/') {
        options.base.push('/');
    }
    let options = std::sync::Arc::new(options);
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let api = Api {
        client: Client::builder(TokioExecutor::new()).build(connector),
        base: options.base.clone(),
        auth_header_type: options.auth_header_type.clone(),
    };

    let began = Instant::now();
    let stop_at = began + options.duration;
    let clients = options.clients.max(1);
    let step = options.ramp.min(options.duration) / u32::try_from(clients).unwrap_or(u32::MAX);
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |since| since.as_nanos() as u64);
    let tasks: Vec<_> = (0..clients)
        .map(|index| {
            let offset = step * u32::try_from(index).unwrap_or(u32::MAX);
            tokio::spawn(run_client(
                api.clone(),
                std::sync::Arc::clone(&options),
                began + offset,
                stop_at,
                seed.wrapping_add(index as u64 * 0x9E37_79B9_7F4A_7C15),
            ))
        })
        .collect();
    let mut stats = Stats::default();
    for task in tasks {
        match task.await {
            Ok(client) => stats.merge(client),
            Err(error) => eprintln!("a client task failed: {error}"),
        }
    }
    // Throughput counts from the first start to the last answer, the ramp included.
    let elapsed = began.elapsed();
    println!(
        "{}",
        Report {
            options: &options,
            stats,
            elapsed,
        }
    );
}
