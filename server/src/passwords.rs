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
#[derive(Debug, Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
}

impl Default for Passwords {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            permits: Arc::new(Semaphore::new(cores)),
        }
    }
}

impl Passwords {
    /// Hashes `password` into a PHC string with a fresh random salt.
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::Closed)?;
        tokio::task::spawn_blocking(move || hash_now(&password)).await?
    }

    /// Checks `password` against `hash`. With no hash (unknown user) it still spends a
    /// hash's time, as Django does, so timing does not reveal which usernames exist.
    pub async fn verify(
        &self,
        password: String,
        hash: Option<String>,
    ) -> Result<bool, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::Closed)?;
        tokio::task::spawn_blocking(move || match hash {
            Some(hash) => Ok(verify_now(&password, &hash)),
            None => {
                let dummy = dummy_hash()?;
                verify_now(&password, dummy);
                Ok(false)
            }
        })
        .await?
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

fn dummy_hash() -> Result<&'static str, PasswordError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let hash = hash_now("dummy password for unknown users")?;
    Ok(DUMMY.get_or_init(|| hash))
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
}
