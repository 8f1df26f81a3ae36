//! Sign-in rules: argon2id password hashes, session cookies, a limiter for failed sign-ins, and
//! signing out (which also closes the session's sockets).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use kefu_protocol::{AgentInfo, ApiError, ErrorCode};

use super::repo;
use crate::infra::ctx::{Ctx, SESSION_COOKIE};
use crate::infra::random_token;
use crate::infra::realtime::AgentSockets;
use crate::infra::state::AppState;
const SESSION_TTL_MS: i64 = 14 * 24 * 3600 * 1000;

/// Hashes a password with argon2id (the `argon2` crate's default algorithm and parameters).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashing cannot fail").to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Counts failed sign-ins per key (login name, client address) in a fixed window.
pub struct LoginLimiter {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    /// Five failures per login and per client address within five minutes.
    pub fn standard() -> Self {
        LoginLimiter::new(5, Duration::from_secs(300))
    }

    pub fn new(max_failures: u32, window: Duration) -> Self {
        LoginLimiter { max_failures, window, failures: Mutex::new(HashMap::new()) }
    }

    /// Refuses while any key has used up its failures in the current window.
    pub fn check(&self, keys: &[String]) -> Result<(), ApiError> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            if let Some((count, since)) = map.get(key) {
                let elapsed = since.elapsed();
                if *count >= self.max_failures && elapsed < self.window {
                    let retry_after_secs = (self.window - elapsed).as_secs().max(1);
                    return Err(ApiError::TooMany { retry_after_secs });
                }
            }
        }
        Ok(())
    }

    pub fn fail(&self, keys: &[String]) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, (_, since)| since.elapsed() < window);
        }
        for key in keys {
            let entry = map.entry(key.clone()).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= self.window {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
    }

    pub fn succeed(&self, keys: &[String]) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            map.remove(key);
        }
    }
}

/// Checks a login and password; on success returns the agent and a new session token.
pub async fn sign_in(
    state: &AppState,
    login: &str,
    password: &str,
    client_ip: &str,
) -> Result<(AgentInfo, String), ApiError> {
    let login = login.trim();
    if login.is_empty() {
        return Err(ApiError::invalid("login", ErrorCode::Required));
    }
    if login.len() > 254 {
        return Err(ApiError::invalid("login", ErrorCode::TooLong));
    }
    if password.is_empty() {
        return Err(ApiError::invalid("password", ErrorCode::Required));
    }
    if password.len() > 1024 {
        return Err(ApiError::invalid("password", ErrorCode::TooLong));
    }
    let limiter = state.part::<LoginLimiter>()?;
    let keys = [format!("login:{}", login.to_lowercase()), format!("ip:{client_ip}")];
    limiter.check(&keys)?;
    let found = repo::credentials(&state.db, login).await?;
    let password = password.to_owned();
    // Unknown logins are checked against a dummy hash so both cases take the same time.
    let (agent, hash) = match found {
        Some((agent, tenant, hash)) => (Some((agent, tenant)), hash),
        None => (None, dummy_hash().to_owned()),
    };
    let ok =
        tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.map_err(|_| ApiError::Internal)?;
    match agent {
        Some((agent, tenant)) if ok => {
            limiter.succeed(&keys);
            let token = random_token();
            repo::insert_session(&state.db, tenant, agent, &token, SESSION_TTL_MS).await?;
            let ctx = Ctx::from_session(&state.db, &token).await?;
            Ok((ctx.agent, token))
        }
        _ => {
            limiter.fail(&keys);
            Err(ApiError::Unauthorized)
        }
    }
}

/// Ends the session and closes the sockets opened with it (on every node): a signed-out console
/// stops receiving chats at once, not at its next reconnect.
pub async fn sign_out(state: &AppState, ctx: &Ctx) -> Result<(), ApiError> {
    repo::delete_session(&state.db, &ctx.session).await?;
    state.realtime.close_agent(ctx.tenant(), ctx.agent.id, AgentSockets::Session(ctx.session.clone()), "signed out");
    Ok(())
}

fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("kefu-dummy-password"))
}

/// `Set-Cookie` value for a new session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}", SESSION_TTL_MS / 1000)
}

/// `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_with_argon2id() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
    }

    #[test]
    fn limiter_refuses_after_too_many_failures() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        let keys = ["login:a".to_owned()];
        for _ in 0..3 {
            assert!(limiter.check(&keys).is_ok());
            limiter.fail(&keys);
        }
        assert!(matches!(limiter.check(&keys), Err(ApiError::TooMany { .. })));
        assert!(limiter.check(&["login:b".to_owned()]).is_ok(), "other keys are not affected");
    }
}
