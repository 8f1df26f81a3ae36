//! The message writer: one task that commits messages in batches (group commit).
//!
//! A durable commit costs an fsync (≈4 ms on this disk), so committing each message alone caps
//! throughput at a few hundred per second. Senders queue their message and wait; the writer takes
//! everything queued, writes it in one transaction, commits once and only then answers each sender.
//! An answer is therefore an acknowledgement of a durable commit.

use kefu_protocol::{ApiError, ChatMessage, ClientMsgId, ConversationId, MessageBody, SenderKind, TenantId, VisitorId};
use sqlx::{AnyConnection, Row as _};
use tokio::sync::{mpsc, oneshot};

use super::db::{Db, DbKind};
use super::store::message_from_row;
use super::{now_ms, OrInternal};

/// Largest batch committed in one transaction.
const MAX_BATCH: usize = 512;

#[derive(Clone, Debug)]
pub struct NewMessage {
    pub tenant_id: TenantId,
    pub conversation_id: ConversationId,
    pub sender: SenderKind,
    /// Visitor id or agent id, according to `sender`.
    pub sender_id: i64,
    pub sender_name: Option<String>,
    pub client_msg_id: ClientMsgId,
    pub body: MessageBody,
}

#[derive(Clone, Debug)]
pub struct Committed {
    pub message: ChatMessage,
    /// The visitor of the conversation, for fan-out.
    pub visitor_id: VisitorId,
    /// True when this client id was committed before: nothing new was written.
    pub duplicate: bool,
}

type Reply = oneshot::Sender<Result<Committed, ApiError>>;

/// Handle to the writer task; cheap to clone.
#[derive(Clone)]
pub struct MessageWriter {
    tx: mpsc::Sender<(NewMessage, Reply)>,
}

impl MessageWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(db: Db) -> MessageWriter {
        let (tx, rx) = mpsc::channel(8192);
        tokio::spawn(run(db, rx));
        MessageWriter { tx }
    }

    /// Queues a message and waits until it is durably committed (or refused).
    pub async fn submit(&self, message: NewMessage) -> Result<Committed, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((message, reply)).await.map_err(|_| ApiError::Internal)?;
        answer.await.map_err(|_| ApiError::Internal)?
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<(NewMessage, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let items: Vec<&NewMessage> = batch.iter().map(|(m, _)| m).collect();
        match commit(&db, &items).await {
            Ok(results) => {
                for ((_, reply), result) in batch.drain(..).zip(results) {
                    let _ = reply.send(result);
                }
            }
            // One bad item must not fail its neighbours: retry each alone.
            Err(_) if batch.len() > 1 => {
                for (message, reply) in batch.drain(..) {
                    let result = commit(&db, &[&message]).await.and_then(|mut r| r.pop().ok_or(ApiError::Internal));
                    let _ = reply.send(result.and_then(|r| r));
                }
            }
            Err(e) => {
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}

/// Writes the messages in one transaction. The outer error means nothing was committed; the inner
/// results are per message (for example `NotFound` for a conversation of another tenant).
async fn commit(db: &Db, items: &[&NewMessage]) -> Result<Vec<Result<Committed, ApiError>>, ApiError> {
    let mut conn = db.pool.acquire().await.or_internal()?;
    // SQLite: take the write lock up front. A deferred transaction that reads first and then writes
    // fails at once (no busy wait) when another connection wrote in between.
    let begin = match db.kind {
        DbKind::Sqlite => "BEGIN IMMEDIATE",
        DbKind::Postgres => "BEGIN",
    };
    sqlx::query(begin).execute(&mut *conn).await.or_internal()?;
    let mut results = Vec::with_capacity(items.len());
    let mut failed = None;
    for item in items {
        match write_one(&mut conn, item).await {
            Ok(result) => results.push(result),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    if failed.is_none() {
        match sqlx::query("COMMIT").execute(&mut *conn).await.or_internal() {
            Ok(_) => return Ok(results),
            Err(e) => failed = Some(e),
        }
    }
    if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
        // Never hand a connection with an open transaction back to the pool.
        conn.detach();
    }
    Err(failed.unwrap_or(ApiError::Internal))
}

async fn write_one(conn: &mut AnyConnection, m: &NewMessage) -> Result<Result<Committed, ApiError>, ApiError> {
    let existing = sqlx::query(
        "SELECT m.conversation_id, m.seq, m.sender_kind, m.sender_name, m.client_msg_id, m.body, m.sent_at, c.visitor_id \
         FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE m.sender_kind = $1 AND m.sender_id = $2 AND m.client_msg_id = $3 AND m.tenant_id = $4",
    )
    .bind(m.sender.as_str())
    .bind(m.sender_id)
    .bind(m.client_msg_id.as_str())
    .bind(m.tenant_id.0)
    .fetch_optional(&mut *conn)
    .await
    .or_internal()?;
    if let Some(row) = existing {
        let message = message_from_row(&row).or_internal()?;
        let visitor_id = VisitorId(row.try_get("visitor_id").or_internal()?);
        return Ok(Ok(Committed { message, visitor_id, duplicate: true }));
    }
    let now = now_ms();
    let agent = (m.sender == SenderKind::Agent).then_some(m.sender_id);
    let bumped = sqlx::query(
        // An agent's reply takes the conversation (if nobody has it) and counts as having read it.
        "UPDATE conversations SET last_seq = last_seq + 1, last_message_at = $1, agent_id = COALESCE(agent_id, $2), \
         agent_read_seq = CASE WHEN $2 IS NULL THEN agent_read_seq ELSE last_seq + 1 END \
         WHERE id = $3 AND tenant_id = $4 AND status = 'open' RETURNING last_seq, visitor_id",
    )
    .bind(now)
    .bind(agent)
    .bind(m.conversation_id.0)
    .bind(m.tenant_id.0)
    .fetch_optional(&mut *conn)
    .await
    .or_internal()?;
    let Some(bumped) = bumped else {
        return Ok(Err(ApiError::NotFound));
    };
    let seq: i64 = bumped.try_get("last_seq").or_internal()?;
    let visitor_id = VisitorId(bumped.try_get("visitor_id").or_internal()?);
    sqlx::query(
        "INSERT INTO messages (tenant_id, conversation_id, seq, sender_kind, sender_id, sender_name, client_msg_id, body, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(m.tenant_id.0)
    .bind(m.conversation_id.0)
    .bind(seq)
    .bind(m.sender.as_str())
    .bind(m.sender_id)
    .bind(m.sender_name.as_deref())
    .bind(m.client_msg_id.as_str())
    .bind(m.body.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await
    .or_internal()?;
    let message = ChatMessage {
        conversation_id: m.conversation_id,
        seq,
        sender: m.sender,
        sender_name: m.sender_name.clone(),
        client_msg_id: m.client_msg_id.as_str().to_owned(),
        body: m.body.as_str().to_owned(),
        sent_at: now,
    };
    Ok(Ok(Committed { message, visitor_id, duplicate: false }))
}
