//! Follow-up work per key that a burst asks for many times but needs doing once: at most one run
//! per key is in flight, and calls while it runs make exactly one more run after it (which sees
//! everything those calls changed). An agent answering down a long queue takes a chat per reply;
//! stamping their last chat or announcing their load once per reply, each in its own task, queued
//! hundreds of transactions on one row ahead of the message writer.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Keys with a run in flight, and whether they were asked for again meanwhile.
pub struct Coalesced<K> {
    keys: Arc<Mutex<HashMap<K, bool>>>,
}

impl<K> Default for Coalesced<K> {
    fn default() -> Self {
        Coalesced { keys: Default::default() }
    }
}

impl<K> Clone for Coalesced<K> {
    fn clone(&self) -> Self {
        Coalesced { keys: self.keys.clone() }
    }
}

impl<K: Eq + Hash + Clone + Send + 'static> Coalesced<K> {
    /// Runs `job` for `key` in a task of its own, or once more after the run in flight for it.
    /// Not waited for.
    pub fn run<F, Fut>(&self, key: K, job: F)
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        {
            let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(again) = keys.get_mut(&key) {
                *again = true;
                return;
            }
            keys.insert(key.clone(), false);
        }
        let keys = self.keys.clone();
        tokio::spawn(async move {
            loop {
                job().await;
                let mut keys = keys.lock().unwrap_or_else(|e| e.into_inner());
                match keys.get_mut(&key) {
                    Some(again) if *again => *again = false,
                    _ => {
                        keys.remove(&key);
                        break;
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::sync::Notify;

    #[tokio::test]
    async fn calls_during_a_run_make_one_more_run_and_other_keys_run_apart() {
        let coalesced = Coalesced::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let (started, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let job = {
            let (runs, started, release) = (runs.clone(), started.clone(), release.clone());
            move || {
                let (runs, started, release) = (runs.clone(), started.clone(), release.clone());
                async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    started.notify_one();
                    release.notified().await;
                }
            }
        };
        coalesced.run("agent", job.clone());
        started.notified().await;
        // Ten calls while the first run is held: one more run, not ten.
        for _ in 0..10 {
            coalesced.run("agent", job.clone());
        }
        release.notify_one();
        started.notified().await;
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        release.notify_one();

        // Once idle, the next call runs again; another key never waits for this one.
        let other = Arc::new(AtomicUsize::new(0));
        let counted = other.clone();
        coalesced.run("colleague", move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        });
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while (other.load(Ordering::SeqCst) == 0 || !coalesced.keys.lock().unwrap().is_empty())
            && tokio::time::Instant::now() < deadline
        {
            tokio::task::yield_now().await;
        }
        assert_eq!(other.load(Ordering::SeqCst), 1);
        assert!(coalesced.keys.lock().unwrap().is_empty(), "no run left in flight");
        coalesced.run("agent", job.clone());
        started.notified().await;
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        release.notify_one();
    }
}
