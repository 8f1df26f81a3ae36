//! One task that handles queued items in batches: the message writer (group commit), visitor
//! arrivals (lookups and registrations) and visitor bookkeeping all use it.
//!
//! Each batch is whatever was queued while the previous one ran (up to [`BatchJob::MAX_BATCH`]), so
//! a lone item waits for nothing and a burst costs one database round trip (and, on SQLite, one
//! commit) instead of one each. When a whole batch fails, its items are retried one by one, so one
//! bad item cannot fail its neighbours.

use std::future::Future;

use kefu_protocol::ApiError;
use tokio::sync::{mpsc, oneshot};

/// What a [`BatchWorker`] does with a batch.
pub trait BatchJob: Send + Sync + 'static {
    type Item: Send + 'static;
    type Output: Send + 'static;
    /// For logs.
    const NAME: &'static str;
    const MAX_BATCH: usize;
    /// Items queued at most; beyond that `submit` waits and `note` drops.
    const QUEUE: usize;

    /// Handles a batch. `Err` means nothing of it was done; otherwise one result per item, in order.
    fn run<'a>(
        &'a self,
        items: &'a [Self::Item],
    ) -> impl Future<Output = Result<Vec<Result<Self::Output, ApiError>>, ApiError>> + Send + 'a;
}

type Reply<O> = Option<oneshot::Sender<Result<O, ApiError>>>;

/// Handle to a batch task; cheap to clone.
pub struct BatchWorker<J: BatchJob> {
    tx: mpsc::Sender<(J::Item, Reply<J::Output>)>,
}

impl<J: BatchJob> Clone for BatchWorker<J> {
    fn clone(&self) -> Self {
        BatchWorker { tx: self.tx.clone() }
    }
}

impl<J: BatchJob> BatchWorker<J> {
    /// Starts the task on the current runtime.
    pub fn start(job: J) -> Self {
        let (tx, rx) = mpsc::channel(J::QUEUE);
        tokio::spawn(run(job, rx));
        BatchWorker { tx }
    }

    /// Queues an item and waits for its result.
    pub async fn submit(&self, item: J::Item) -> Result<J::Output, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((item, Some(reply))).await.map_err(|_| ApiError::Internal)?;
        answer.await.map_err(|_| ApiError::Internal)?
    }

    /// Queues an item nobody waits for; dropped (and logged) when the queue is full, so the caller
    /// never blocks. Returns whether it was queued.
    pub fn note(&self, item: J::Item) -> bool {
        let queued = self.tx.try_send((item, None)).is_ok();
        if !queued {
            tracing::warn!(worker = J::NAME, "queue full: an item was dropped");
        }
        queued
    }
}

async fn run<J: BatchJob>(job: J, mut rx: mpsc::Receiver<(J::Item, Reply<J::Output>)>) {
    let mut queued = Vec::with_capacity(J::MAX_BATCH);
    while rx.recv_many(&mut queued, J::MAX_BATCH).await > 0 {
        let (items, replies): (Vec<_>, Vec<_>) = queued.drain(..).unzip();
        match job.run(&items).await {
            Ok(results) => answer(replies, results),
            Err(_) if items.len() > 1 => {
                for (item, reply) in items.into_iter().zip(replies) {
                    let item = [item];
                    let result = job.run(&item).await.and_then(|mut r| r.pop().ok_or(ApiError::Internal));
                    answer(vec![reply], vec![result.and_then(|r| r)]);
                }
            }
            Err(e) => {
                tracing::warn!(worker = J::NAME, count = items.len(), error = %e, "batch failed");
                answer(replies, items.iter().map(|_| Err(e.clone())).collect());
            }
        }
    }
}

fn answer<O>(replies: Vec<Reply<O>>, results: Vec<Result<O, ApiError>>) {
    for (reply, result) in replies.into_iter().zip(results) {
        if let Some(reply) = reply {
            let _ = reply.send(result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Doubles numbers; a batch holding 13 fails as a whole, and 13 alone fails.
    struct Doubler;

    impl BatchJob for Doubler {
        type Item = i64;
        type Output = i64;
        const NAME: &'static str = "doubler";
        const MAX_BATCH: usize = 64;
        const QUEUE: usize = 1024;

        async fn run(&self, items: &[i64]) -> Result<Vec<Result<i64, ApiError>>, ApiError> {
            if items.contains(&13) {
                return Err(ApiError::Internal);
            }
            Ok(items.iter().map(|n| Ok(n * 2)).collect())
        }
    }

    #[tokio::test]
    async fn one_bad_item_does_not_fail_its_batch_neighbours() {
        let worker = BatchWorker::start(Doubler);
        let answers = futures_join((1..=20).map(|n| {
            let worker = worker.clone();
            async move { worker.submit(n).await }
        }))
        .await;
        for (n, answer) in (1..=20).zip(answers) {
            if n == 13 {
                assert_eq!(answer, Err(ApiError::Internal));
            } else {
                assert_eq!(answer, Ok(n * 2));
            }
        }
    }

    async fn futures_join<F: Future<Output = T> + Send + 'static, T: Send + 'static>(
        futures: impl Iterator<Item = F>,
    ) -> Vec<T> {
        let handles: Vec<_> = futures.map(tokio::spawn).collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    }
}
