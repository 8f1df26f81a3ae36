//! Visitor bookkeeping (page views, last seen, visit counts), written in batches by one task.
//!
//! These are analytics, not conversation data: nobody waits for them, so a burst of thousands of
//! visitors (a reconnect storm after a restart) becomes a few transactions instead of one durable
//! commit per visitor and per page. A note is committed within one batch of being queued; if the
//! queue is full (the database is far behind) notes are dropped and counted in the log, never
//! blocking a socket.

use kefu_protocol::{PageInfo, TenantId, VisitorId};
use tokio::sync::mpsc;

use super::db::{Db, DbKind};
use super::OrInternal;

const MAX_BATCH: usize = 2048;
const QUEUE: usize = 65_536;

#[derive(Debug)]
pub enum Note {
    PageView {
        tenant: TenantId,
        visitor: VisitorId,
        page: PageInfo,
        user_agent: String,
        ip: String,
        at: i64,
    },
    /// The visitor was seen at `at`; `new_visit` counts a visit (they came back after a long gap).
    Seen {
        tenant: TenantId,
        visitor: VisitorId,
        at: i64,
        new_visit: bool,
    },
}

#[derive(Clone)]
pub struct Bookkeeper {
    tx: mpsc::Sender<Note>,
}

impl Bookkeeper {
    /// Starts the writer task on the current runtime.
    pub fn start(db: Db) -> Bookkeeper {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, rx));
        Bookkeeper { tx }
    }

    pub fn note(&self, note: Note) {
        if self.tx.try_send(note).is_err() {
            tracing::warn!("visitor bookkeeping queue full: a page view or last-seen update was dropped");
        }
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Note>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if write(&db, &batch).await.is_err() {
            tracing::warn!(count = batch.len(), "visitor bookkeeping batch failed and was dropped");
        }
        batch.clear();
    }
}

async fn write(db: &Db, notes: &[Note]) -> Result<(), kefu_protocol::ApiError> {
    let _gate = db.write_gate().await;
    let mut conn = db.pool.acquire().await.or_internal()?;
    let begin = if db.kind == DbKind::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
    sqlx::query(begin).execute(&mut *conn).await.or_internal()?;
    let mut result = Ok(());
    for note in notes {
        let done = match note {
            Note::PageView { tenant, visitor, page, user_agent, ip, at } => sqlx::query(
                "INSERT INTO page_views (tenant_id, visitor_id, url, title, referrer, user_agent, ip, viewed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(tenant.0)
            .bind(visitor.0)
            .bind(&page.url)
            .bind(&page.title)
            .bind(&page.referrer)
            .bind(user_agent)
            .bind(ip)
            .bind(at)
            .execute(&mut *conn)
            .await
            .map(|_| ()),
            Note::Seen { tenant, visitor, at, new_visit } => {
                sqlx::query("UPDATE visitors SET last_seen = $1, visits = visits + $2 WHERE id = $3 AND tenant_id = $4")
                    .bind(at)
                    .bind(i64::from(*new_visit))
                    .bind(visitor.0)
                    .bind(tenant.0)
                    .execute(&mut *conn)
                    .await
                    .map(|_| ())
            }
        };
        if let Err(e) = done {
            result = Err(e);
            break;
        }
    }
    match result {
        Ok(()) => sqlx::query("COMMIT").execute(&mut *conn).await.map(|_| ()).or_internal(),
        Err(e) => {
            if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
                conn.detach();
            }
            Err(e).or_internal()
        }
    }
}
