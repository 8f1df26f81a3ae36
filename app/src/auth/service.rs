//! Sign-in rules: argon2id password hashes, session cookies, a limiter for failed sign-ins, and
//! signing out (which also closes the session's sockets).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use kefu_protocol::text::{CompanyAccount, Password};
use kefu_protocol::{AgentId, AgentInfo, ApiError, ErrorCode};

use super::repo::{self, AccountChange, EndSessions};
use crate::infra::audit::{Entry, OpKind};
use crate::infra::ctx::{Client, Ctx, SESSION_COOKIE};
use crate::infra::limits::{Limits, Sweeping};
use crate::infra::random_token;
use crate::infra::realtime::AgentSockets;
use crate::infra::state::AppState;
/// How long a session lives: 30 days with "keep me signed in" (a cookie that outlives the browser),
/// otherwise one day (a cookie that ends with the browser, and a session the server ends anyway).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionLength {
    Browser,
    Remembered,
}

impl SessionLength {
    pub fn ttl_ms(self) -> i64 {
        match self {
            SessionLength::Browser => 24 * 3600 * 1000,
            SessionLength::Remembered => 30 * 24 * 3600 * 1000,
        }
    }
}

/// Hashes a password with argon2id (the `argon2` crate's default algorithm and parameters).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashing cannot fail").to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Limits sign-in attempts per account and per client address, and the password checks running at
/// once.
///
/// An attempt is counted when it starts, before its password is checked, and under the same lock as
/// the check: parallel guesses cannot slip through between the two. An account (or address) that
/// used up its attempts is locked for the back-off, which doubles with each further lock-out (up to
/// an hour); a correct password gives back its attempt and clears the account's count. An address
/// may fail ten times as often as one account, so a shared office address does not lock everybody
/// out because of one forgotten password.
pub struct LoginLimiter {
    max_failures: u32,
    backoff: Duration,
    entries: Mutex<Sweeping<String, Attempts>>,
    checks: tokio::sync::Semaphore,
}

#[derive(Clone, Copy)]
struct Attempts {
    count: u32,
    since: Instant,
    locked_until: Option<Instant>,
    lockouts: u32,
}

/// The keys one sign-in counts against: the account, and the client address when known.
pub struct LoginKeys {
    account: String,
    address: Option<String>,
}

impl LoginKeys {
    /// The account `login` of the company `company` (both as typed), from the address `ip`.
    pub fn new(company: &str, login: &str, ip: &str) -> Self {
        let address = (!ip.is_empty()).then(|| format!("ip:{ip}"));
        let account = format!("login:{}/{}", company.trim().to_lowercase(), login.trim().to_lowercase());
        LoginKeys { account, address }
    }

    /// The account alone (a signed-in agent re-entering their password).
    pub fn account(company: &str, login: &str) -> Self {
        LoginKeys::new(company, login, "")
    }
}

impl LoginLimiter {
    pub fn new(limits: &Limits) -> Self {
        LoginLimiter {
            max_failures: limits.login_failures,
            backoff: limits.login_backoff,
            entries: Mutex::new(Sweeping::new()),
            checks: tokio::sync::Semaphore::new(limits.password_checks),
        }
    }

    /// Counts an attempt against both keys, or refuses it (`TooMany` with the seconds left).
    pub fn begin(&self, keys: &LoginKeys) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let backoff = self.backoff;
        entries.sweep(|a| a.locked_until.is_some_and(|t| t > now) || now.duration_since(a.since) < backoff);
        let entries = &mut entries.map;
        let mut limits = vec![(&keys.account, self.max_failures)];
        if let Some(address) = &keys.address {
            limits.push((address, self.max_failures.saturating_mul(10)));
        }
        for &(key, _) in &limits {
            if let Some(until) = entries.get(key).and_then(|a| a.locked_until).filter(|t| *t > now) {
                return Err(ApiError::TooMany { retry_after_secs: until.duration_since(now).as_secs().max(1) });
            }
        }
        for (key, max) in limits {
            let entry = entries.entry(key.clone()).or_insert(Attempts {
                count: 0,
                since: now,
                locked_until: None,
                lockouts: 0,
            });
            if now.duration_since(entry.since) >= self.backoff {
                (entry.count, entry.since) = (0, now);
            }
            entry.count += 1;
            if entry.count >= max {
                // This attempt may still succeed (which clears the account); any further one waits.
                let factor = 1u32 << entry.lockouts.min(12);
                entry.locked_until = Some(now + (self.backoff * factor).min(Duration::from_secs(3600)));
                entry.lockouts += 1;
                (entry.count, entry.since) = (0, now);
            }
        }
        Ok(())
    }

    /// The attempt's password was right: the account starts afresh, the address gets it back.
    pub fn succeed(&self, keys: &LoginKeys) {
        let entries = &mut self.entries.lock().unwrap_or_else(|e| e.into_inner()).map;
        entries.remove(&keys.account);
        if let Some(entry) = keys.address.as_ref().and_then(|a| entries.get_mut(a)) {
            entry.count = entry.count.saturating_sub(1);
        }
    }

    /// A permit to compute one password hash, or `TooMany` at once when all are in use.
    pub fn check_permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        self.checks.try_acquire().map_err(|_| ApiError::TooMany { retry_after_secs: 1 })
    }
}

/// What someone typed to sign in.
pub struct SignIn<'a> {
    /// The company's account.
    pub company: &'a str,
    /// The agent's account, or their e-mail or mobile number when that is unique in the company.
    pub login: &'a str,
    pub password: &'a str,
    pub length: SessionLength,
}

/// Checks a sign-in; on success returns the agent and a new session token. Every failure is the
/// same `Unauthorized`, whichever part was wrong, and takes the same time (an unknown company or
/// account is checked against a dummy hash). Attempts on a known company are in its operation log.
pub async fn sign_in(state: &AppState, form: SignIn<'_>, client: &Client) -> Result<(AgentInfo, String), ApiError> {
    let company_typed = form.company.trim();
    let login_typed = form.login.trim();
    if company_typed.is_empty() {
        return Err(ApiError::invalid("company", ErrorCode::Required));
    }
    if login_typed.is_empty() {
        return Err(ApiError::invalid("login", ErrorCode::Required));
    }
    if company_typed.chars().count() > CompanyAccount::MAX || login_typed.chars().count() > 254 {
        return Err(ApiError::Unauthorized);
    }
    if form.password.is_empty() {
        return Err(ApiError::invalid("password", ErrorCode::Required));
    }
    if form.password.chars().count() > Password::SIGN_IN_MAX {
        return Err(ApiError::invalid("password", ErrorCode::TooLong));
    }
    let limiter = state.part::<LoginLimiter>()?;
    // Refused at once when the server is busy hashing: argon2 is what an attacker would exhaust.
    let _permit = limiter.check_permit()?;
    let keys = LoginKeys::new(company_typed, login_typed, &client.ip);
    limiter.begin(&keys)?;
    // What cannot be an account matches nobody (and PostgreSQL would refuse a NUL in it).
    let company = match CompanyAccount::parse(company_typed, "company") {
        Ok(account) => repo::company_by_account(&state.db, account.as_str()).await?,
        Err(_) => None,
    };
    let who = login_typed.to_lowercase();
    let candidates = match company {
        Some(tenant) if !who.chars().any(|c| c.is_control()) => {
            repo::sign_in_candidates(&state.db, tenant, &who).await?
        }
        _ => Vec::new(),
    };
    // The account itself, or else the one agent whose e-mail or mobile it is.
    let found = match candidates.iter().position(|c| c.login == who) {
        Some(exact) => Some(&candidates[exact]),
        None if candidates.len() == 1 => candidates.first(),
        None => None,
    };
    let password = form.password.to_owned();
    let hash = found.map_or_else(|| dummy_hash().to_owned(), |c| c.password_hash.clone());
    let ok =
        tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.map_err(|_| ApiError::Internal)?;
    let Some(tenant) = company else { return Err(ApiError::Unauthorized) };
    match found {
        Some(candidate) if ok => {
            limiter.succeed(&keys);
            let token = random_token();
            let entry = Entry {
                tenant,
                agent: Some(candidate.agent),
                account: &candidate.login,
                kind: OpKind::SignIn,
                object: "",
                summary: "",
                client,
            };
            repo::insert_session(&state.db, tenant, candidate.agent, &token, form.length.ttl_ms(), &entry).await?;
            let ctx = Ctx::from_session(&state.db, &token).await?;
            Ok((ctx.agent, token))
        }
        _ => {
            let account: String = login_typed.chars().filter(|c| !c.is_control()).take(100).collect();
            let entry = Entry {
                tenant,
                agent: found.map(|c| c.agent),
                account: &account,
                kind: OpKind::SignInFailed,
                object: "",
                summary: "",
                client,
            };
            repo::record_alone(&state.db, &entry).await?;
            Err(ApiError::Unauthorized)
        }
    }
}

/// Ends the session and closes the sockets opened with it (on every node): a signed-out console
/// stops receiving chats at once, not at its next reconnect.
pub async fn sign_out(state: &AppState, ctx: &Ctx) -> Result<(), ApiError> {
    repo::delete_session(&state.db, &ctx.session, &Entry::by(ctx, OpKind::SignOut, "", "")).await?;
    state.realtime.close_agent(ctx.tenant(), ctx.agent.id, AgentSockets::Session(ctx.session.clone()), "signed out");
    Ok(())
}

pub use super::repo::NewAgent;

/// Inserts an agent's account row with the writer's open transaction (the agents area writes the
/// rest of the profile in the same transaction).
pub async fn insert_account(
    w: &mut crate::infra::db::Writer,
    tenant: kefu_protocol::TenantId,
    new: &repo::NewAgent<'_>,
) -> Result<AgentId, ApiError> {
    repo::insert_agent(w, tenant, new).await
}

/// Hashes a new password (checked against [`Password`]'s rules; `field` names it in the error).
pub async fn new_password_hash(raw: &str, field: &str) -> Result<String, ApiError> {
    let password = Password::parse(raw, field)?;
    hash_off_thread(password.as_str().to_owned()).await
}

async fn hash_off_thread(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(|_| ApiError::Internal)
}

/// An admin's change to another agent of the company cannot be made to oneself (an admin who
/// disabled or deleted their own account would lock the company out of its back office).
pub fn not_oneself(ctx: &Ctx, agent: AgentId) -> Result<(), ApiError> {
    if agent == ctx.agent.id {
        return Err(ApiError::conflict(Some("agent_id"), ErrorCode::Protected));
    }
    Ok(())
}

/// How the operation log names an agent: `agent #id account` (the account read now; the id alone
/// when there is no such agent, which the change then reports).
async fn agent_object(state: &AppState, ctx: &Ctx, agent: AgentId) -> Result<String, ApiError> {
    let login = repo::login_of(&state.db, ctx.tenant(), agent).await?.unwrap_or_default();
    Ok(format!("agent #{} {login}", agent.0).trim_end().to_owned())
}

/// Enables or disables an agent. Disabling ends their sessions and closes their consoles on every
/// node at once.
pub async fn set_enabled(state: &AppState, ctx: &Ctx, agent: AgentId, enabled: bool) -> Result<(), ApiError> {
    not_oneself(ctx, agent)?;
    let end = (!enabled).then_some(EndSessions::All);
    let kind = if enabled { OpKind::AgentEnabled } else { OpKind::AgentDisabled };
    let object = agent_object(state, ctx, agent).await?;
    let entry = Entry::by(ctx, kind, &object, "");
    repo::change_account(&state.db, ctx.tenant(), agent, AccountChange::Enable(enabled), end, &entry).await?;
    if !enabled {
        state.realtime.close_agent(ctx.tenant(), agent, AgentSockets::All, "account disabled");
    }
    Ok(())
}

/// Deletes an agent: their records stay, they can no longer sign in, and their sessions and
/// consoles end at once.
pub async fn delete_agent(state: &AppState, ctx: &Ctx, agent: AgentId) -> Result<(), ApiError> {
    not_oneself(ctx, agent)?;
    let object = agent_object(state, ctx, agent).await?;
    let entry = Entry::by(ctx, OpKind::AgentDeleted, &object, "");
    repo::change_account(&state.db, ctx.tenant(), agent, AccountChange::Delete, Some(EndSessions::All), &entry).await?;
    state.realtime.close_agent(ctx.tenant(), agent, AgentSockets::All, "account deleted");
    Ok(())
}

/// An admin sets another agent's password: every session of that agent ends.
pub async fn set_password(state: &AppState, ctx: &Ctx, agent: AgentId, password: &str) -> Result<(), ApiError> {
    not_oneself(ctx, agent)?;
    let hash = new_password_hash(password, "password").await?;
    let change = AccountChange::Password(&hash);
    let object = agent_object(state, ctx, agent).await?;
    let entry = Entry::by(ctx, OpKind::AgentPasswordSet, &object, "");
    repo::change_account(&state.db, ctx.tenant(), agent, change, Some(EndSessions::All), &entry).await?;
    state.realtime.close_agent(ctx.tenant(), agent, AgentSockets::All, "password changed");
    Ok(())
}

/// An agent changes their own password: the current one must be right (and counts against the
/// sign-in limiter when wrong); every other session of theirs ends, this one stays.
pub async fn change_own_password(state: &AppState, ctx: &Ctx, current: &str, new: &str) -> Result<(), ApiError> {
    let new = Password::parse(new, "new")?;
    // A current password longer than sign-in accepts is wrong without hashing it.
    if current.chars().count() > Password::SIGN_IN_MAX {
        return Err(ApiError::invalid("current", ErrorCode::Incorrect));
    }
    let limiter = state.part::<LoginLimiter>()?;
    let _permit = limiter.check_permit()?;
    let keys = LoginKeys::account(&ctx.agent.company, &ctx.agent.login);
    limiter.begin(&keys)?;
    let hash = repo::password_hash(&state.db, ctx.tenant(), ctx.agent.id).await?.ok_or(ApiError::NotFound)?;
    let current = current.to_owned();
    let ok =
        tokio::task::spawn_blocking(move || verify_password(&current, &hash)).await.map_err(|_| ApiError::Internal)?;
    if !ok {
        return Err(ApiError::invalid("current", ErrorCode::Incorrect));
    }
    limiter.succeed(&keys);
    let hash = hash_off_thread(new.as_str().to_owned()).await?;
    let end = Some(EndSessions::AllBut(&ctx.session));
    let entry = Entry::by(ctx, OpKind::OwnPasswordChanged, "", "");
    repo::change_account(&state.db, ctx.tenant(), ctx.agent.id, AccountChange::Password(&hash), end, &entry).await?;
    let others = AgentSockets::AllBut(ctx.session.clone());
    state.realtime.close_agent(ctx.tenant(), ctx.agent.id, others, "password changed");
    Ok(())
}

/// Removes expired sessions every `every`, for as long as the runtime runs.
pub fn start_session_purge(state: &AppState, every: Duration) {
    let db = state.db.clone();
    crate::infra::every(every, "expired sessions", move || {
        let db = db.clone();
        async move { repo::purge_sessions(&db).await }
    });
}

fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("kefu-dummy-password"))
}

/// `Set-Cookie` value for a new session: without `Max-Age` (gone when the browser closes) unless the
/// agent asked to stay signed in.
pub fn session_cookie(token: &str, secure: bool, length: SessionLength) -> String {
    let secure = if secure { "; Secure" } else { "" };
    let max_age = match length {
        SessionLength::Browser => String::new(),
        SessionLength::Remembered => format!("; Max-Age={}", length.ttl_ms() / 1000),
    };
    format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/{max_age}{secure}")
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
    fn limiter_locks_an_account_after_its_attempts_and_backs_off() {
        let limits = Limits { login_failures: 3, login_backoff: Duration::from_secs(60), ..Limits::default() };
        let limiter = LoginLimiter::new(&limits);
        let keys = LoginKeys::new("Shop", "A", "1.1.1.1");
        for _ in 0..3 {
            assert!(limiter.begin(&keys).is_ok());
        }
        let Err(ApiError::TooMany { retry_after_secs }) = limiter.begin(&keys) else { panic!("not locked") };
        assert!((59..=60).contains(&retry_after_secs), "{retry_after_secs}");
        assert!(limiter.begin(&LoginKeys::new("shop", "b", "1.1.1.1")).is_ok(), "other accounts are not affected");
        // The second lock-out lasts twice as long.
        let entry = |l: &LoginLimiter| l.entries.lock().unwrap().map["login:shop/a"];
        let mut relocked = entry(&limiter);
        relocked.locked_until = None;
        limiter.entries.lock().unwrap().map.insert("login:shop/a".into(), relocked);
        for _ in 0..3 {
            assert!(limiter.begin(&keys).is_ok());
        }
        let Err(ApiError::TooMany { retry_after_secs }) = limiter.begin(&keys) else { panic!("not locked") };
        assert!((119..=120).contains(&retry_after_secs), "{retry_after_secs}");
    }
}
