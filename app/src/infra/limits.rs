//! Resource limits (each has an environment variable and a default; README "Security") and the
//! keyed window counter that enforces the per-IP, per-visitor and per-account ones.
//!
//! A counter check and its increment happen under one lock, so parallel requests cannot slip
//! through between them.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Every limit the server enforces, with its default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `KEFU_MAX_CONNECTIONS`: sockets held at once before new ones are refused (503).
    pub max_connections: usize,
    /// `KEFU_MAX_SOCKETS_PER_IP`: sockets one client address may hold at once.
    pub sockets_per_ip: usize,
    /// `KEFU_NEW_VISITORS_PER_IP_PER_MIN`: visitors one address may create per minute.
    pub new_visitors_per_ip_per_min: u32,
    /// `KEFU_CONVERSATIONS_PER_VISITOR_PER_HOUR`: conversations one visitor may start per hour.
    pub conversations_per_visitor_per_hour: u32,
    /// `KEFU_PAGE_VIEWS_PER_VISITOR_PER_MIN`: page views stored and shown per visitor per minute.
    pub page_views_per_visitor_per_min: u32,
    /// `KEFU_LOGIN_FAILURES`: failed sign-ins per account and per address before a back-off.
    pub login_failures: u32,
    /// `KEFU_LOGIN_BACKOFF_SECS`: the first back-off; each further one doubles, up to an hour.
    pub login_backoff: Duration,
    /// `KEFU_MAX_PASSWORD_CHECKS`: password hashes computed at once; sign-ins over it get 429.
    pub password_checks: usize,
    /// `KEFU_FILES_PER_VISITOR_PER_HOUR`: files one visitor may upload per hour.
    pub files_per_visitor_per_hour: u32,
    /// `KEFU_FILES_PER_IP_PER_HOUR`: files one client address may upload per hour (visitors and
    /// agents alike).
    pub files_per_ip_per_hour: u32,
    /// `KEFU_FILE_MB_PER_SITE_PER_DAY` (in MB): bytes the files of one site may add up to in 24 hours.
    pub file_bytes_per_site_per_day: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 19_000,
            sockets_per_ip: 200,
            new_visitors_per_ip_per_min: 60,
            conversations_per_visitor_per_hour: 20,
            page_views_per_visitor_per_min: 60,
            login_failures: 5,
            login_backoff: Duration::from_secs(300),
            password_checks: 4,
            files_per_visitor_per_hour: 30,
            files_per_ip_per_hour: 120,
            file_bytes_per_site_per_day: 2048 << 20,
        }
    }
}

/// Counts events per key in fixed windows of `window`: at most `max` per window.
pub struct WindowLimiter<K> {
    max: u32,
    window: Duration,
    counts: Mutex<Sweeping<K, (u32, Instant)>>,
}

/// A map that drops its stale entries once it has grown to twice its size after the last sweep
/// (at least [`Sweeping::FLOOR`]): amortized O(1), even when an attack keeps it full of live keys.
pub struct Sweeping<K, V> {
    pub map: HashMap<K, V>,
    sweep_at: usize,
}

impl<K: Hash + Eq, V> Sweeping<K, V> {
    const FLOOR: usize = 100_000;

    pub fn new() -> Self {
        Sweeping { map: HashMap::new(), sweep_at: Self::FLOOR }
    }

    /// Keeps the entries `live` says are still needed, when it is time to.
    pub fn sweep(&mut self, live: impl FnMut(&V) -> bool) {
        let mut live = live;
        if self.map.len() >= self.sweep_at {
            self.map.retain(|_, v| live(v));
            self.sweep_at = (self.map.len() * 2).max(Self::FLOOR);
        }
    }
}

impl<K: Hash + Eq, V> Default for Sweeping<K, V> {
    fn default() -> Self {
        Sweeping::new()
    }
}

impl<K: Hash + Eq + Clone> WindowLimiter<K> {
    pub fn new(max: u32, window: Duration) -> Self {
        WindowLimiter { max, window, counts: Mutex::new(Sweeping::new()) }
    }

    /// Counts one event for `key`; `Err(seconds until the window ends)` when it is over the limit
    /// (the refused event is not counted).
    pub fn take(&self, key: &K) -> Result<(), u64> {
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let window = self.window;
        counts.sweep(|(_, since)| now.duration_since(*since) < window);
        let entry = counts.map.entry(key.clone()).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        if entry.0 >= self.max {
            return Err((self.window - now.duration_since(entry.1)).as_secs().max(1));
        }
        entry.0 += 1;
        Ok(())
    }

    /// Gives back an event taken with [`WindowLimiter::take`] that turned out not to count (the
    /// conversation it would have opened was already open).
    pub fn give_back(&self, key: &K) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = counts.map.get_mut(key) {
            entry.0 = entry.0.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_full_of_live_keys_is_not_swept_on_every_insert() {
        let mut map = Sweeping::new();
        let mut sweeps = 0;
        for n in 0..250_000u32 {
            map.sweep(|_: &u32| {
                sweeps += 1;
                true
            });
            map.map.insert(n, n);
        }
        // Swept at 100,000 and at 200,000 entries (each visiting every entry), not 150,000 times.
        assert_eq!(sweeps, 300_000);
    }

    #[test]
    fn window_limiter_refuses_over_the_limit_per_key() {
        let limiter = WindowLimiter::new(2, Duration::from_secs(60));
        assert!(limiter.take(&"a").is_ok());
        assert!(limiter.take(&"a").is_ok());
        let retry = limiter.take(&"a").unwrap_err();
        assert!((1..=60).contains(&retry), "{retry}");
        assert!(limiter.take(&"b").is_ok(), "other keys are not affected");
    }

    #[test]
    fn window_limiter_starts_again_after_the_window() {
        let limiter = WindowLimiter::new(1, Duration::from_millis(1));
        assert!(limiter.take(&1).is_ok());
        std::thread::sleep(Duration::from_millis(2));
        assert!(limiter.take(&1).is_ok());
    }
}
