//! argon2id password hashing, off the async runtime and bounded in parallelism.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::Argon2;
use tokio::sync::Semaphore;

/// What can go wrong while hashing.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(argon2::password_hash::Error),
    #[error("could not generate a salt: {0}")]
    Random(String),
    #[error("password task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("password hasher shut down")]
    Closed,
}

/// Hashes and verifies passwords on the blocking pool, at most one per core at a time:
/// each argon2 call takes ~19 MiB and a core's worth of CPU, so a burst of logins waits
/// in line instead of exhausting memory.
///
/// The permit travels into the blocking job and is released when the hash ends, not
/// when the request does: a client that hangs up mid-login cannot free a slot while its
/// hash still runs.
#[derive(Debug, Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// The hash an unknown user's password is checked against (see [`Self::verify`]).
    dummy: Arc<OnceLock<String>>,
}

impl Default for Passwords {
    fn default() -> Self {
        Self::with_permits(std::thread::available_parallelism().map_or(2, usize::from))
    }
}

impl Passwords {
    /// A hasher running at most `permits` hashes at once.
    pub fn with_permits(permits: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            dummy: Arc::new(OnceLock::new()),
        }
    }

    /// Builds the dummy hash now. Otherwise the first unknown-user login would build it,
    /// and take one hash longer than every other login: a timing tell.
    pub async fn prepare(&self) -> Result<(), PasswordError> {
        if self.dummy.get().is_some() {
            return Ok(());
        }
        let dummy = Arc::clone(&self.dummy);
        self.run(move || {
            let hash = hash_now("dummy password for unknown users")?;
            let _ = dummy.set(hash);
            Ok(())
        })
        .await
    }

    /// Whether [`Self::prepare`] has built the dummy hash.
    pub fn is_prepared(&self) -> bool {
        self.dummy.get().is_some()
    }

    /// How many hashes could start right now (for tests and diagnostics).
    pub fn available_permits(&self) -> usize {
        self.permits.available_permits()
    }

    /// Runs `job` on the blocking pool once a permit is free, holding the permit until
    /// the job ends even if the caller stops waiting.
    async fn run<R, F>(&self, job: F) -> Result<R, PasswordError>
    where
        R: Send + 'static,
        F: FnOnce() -> Result<R, PasswordError> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| PasswordError::Closed)?;
        tokio::task::spawn_blocking(move || {
            let result = job();
            drop(permit);
            result
        })
        .await?
    }

    /// Hashes `password` into a PHC string with a fresh random salt.
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        self.run(move || hash_now(&password)).await
    }

    /// Checks `password` against `hash`. With no hash (unknown user) it still spends a
    /// hash's time, as Django does, so timing does not reveal which usernames exist.
    pub async fn verify(
        &self,
        password: String,
        hash: Option<String>,
    ) -> Result<bool, PasswordError> {
        let dummy = Arc::clone(&self.dummy);
        self.run(move || match hash {
            Some(hash) => Ok(verify_now(&password, &hash)),
            None => {
                // Built by `prepare` at start-up; built here only if that was skipped.
                let dummy = match dummy.get() {
                    Some(dummy) => dummy,
                    None => {
                        let hash = hash_now("dummy password for unknown users")?;
                        dummy.get_or_init(|| hash)
                    }
                };
                verify_now(&password, dummy);
                Ok(false)
            }
        })
        .await
    }
}

fn hash_now(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| PasswordError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(PasswordError::Hash)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(PasswordError::Hash)
}

/// A stored hash that does not parse (say, from another system) matches nothing.
fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let passwords = Passwords::default();
        let hash = passwords.hash("correct horse".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(passwords
            .verify("correct horse".into(), Some(hash.clone()))
            .await
            .expect("verify"));
        assert!(!passwords
            .verify("wrong".into(), Some(hash))
            .await
            .expect("verify"));
        assert!(!passwords.verify("x".into(), None).await.expect("verify"));
        assert!(!passwords
            .verify("x".into(), Some("not a phc string".into()))
            .await
            .expect("verify"));
    }

    #[tokio::test]
    async fn the_dummy_hash_is_built_by_prepare() {
        let passwords = Passwords::with_permits(1);
        assert!(!passwords.is_prepared());
        passwords.prepare().await.expect("prepare");
        assert!(passwords.is_prepared());
        assert!(!passwords.verify("x".into(), None).await.expect("verify"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_that_stops_waiting_leaves_the_permit_with_the_hash() {
        let passwords = Passwords::with_permits(1);
        // Poll the hash once (it takes its permit and starts), then drop it, as axum
        // drops a handler whose client disconnected.
        let abandoned = tokio::time::timeout(
            std::time::Duration::from_millis(1),
            passwords.hash("correct horse".into()),
        )
        .await;
        assert!(abandoned.is_err(), "an argon2 hash takes longer than 1 ms");
        assert_eq!(
            passwords.available_permits(),
            0,
            "the running hash still holds its permit"
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while passwords.available_permits() == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the permit never came back"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
}
