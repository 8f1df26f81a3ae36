//! A small per-node cache whose entries are reused for a while (a site's widget setup, who hears a
//! conversation's drafts): a burst of readers reads the database once. Entries older than the TTL
//! are read again; the node that changes what an entry holds forgets it at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    /// Entries kept at most: past it, the stale ones go (all of them, if none is stale).
    max: usize,
    map: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, max: usize) -> Self {
        TtlCache { ttl, max, map: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, V)>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The entry, if it is younger than the TTL.
    pub fn get(&self, key: &K) -> Option<V> {
        self.lock().get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        let mut map = self.lock();
        if map.len() >= self.max {
            let ttl = self.ttl;
            map.retain(|_, (at, _)| at.elapsed() < ttl);
            if map.len() >= self.max {
                map.clear();
            }
        }
        map.insert(key, (Instant::now(), value));
    }

    pub fn forget(&self, key: &K) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_last_their_ttl_and_the_cache_stays_bounded() {
        let cache = TtlCache::new(Duration::from_secs(60), 2);
        cache.put(1, "a");
        assert_eq!(cache.get(&1), Some("a"));
        cache.forget(&1);
        assert_eq!(cache.get(&1), None);
        cache.put(1, "a");
        cache.put(2, "b");
        cache.put(3, "c");
        assert_eq!(cache.get(&3), Some("c"));
        assert!(cache.lock().len() <= 2);
        let stale = TtlCache::new(Duration::ZERO, 10);
        stale.put(1, "a");
        assert_eq!(stale.get(&1), None, "older than its TTL");
    }
}
