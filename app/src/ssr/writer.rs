//! The message writer: one task that commits messages in batches (group commit).
//!
//! A durable commit costs an fsync (≈4 ms on this disk), so committing each message alone caps
//! throughput at a few hundred per second. Senders queue their message and wait; the writer takes
//! everything queued, writes it in one transaction, commits once and only then answers each sender.
//! An answer is therefore an acknowledgement of a durable commit.

use std::collections::HashMap;

use kefu_protocol::{ApiError, ChatMessage, ClientMsgId, ConversationId, MessageBody, SenderKind, TenantId, VisitorId};
use sqlx::{AnyConnection, Row as _};
use tokio::sync::{mpsc, oneshot};

use super::db::{Db, DbKind, Markers};
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
    let _gate = db.write_gate().await;
    let mut conn = db.pool.acquire().await.or_internal()?;
    // SQLite: take the write lock up front. A deferred transaction that reads first and then writes
    // fails at once (no busy wait) when another connection wrote in between.
    let begin = match db.kind {
        DbKind::Sqlite => "BEGIN IMMEDIATE",
        DbKind::Postgres => "BEGIN",
    };
    sqlx::query(begin).execute(&mut *conn).await.or_internal()?;
    let written = write_batch(&mut conn, db.kind, items).await;
    let failed = match written {
        Ok(results) => match sqlx::query("COMMIT").execute(&mut *conn).await.or_internal() {
            Ok(_) => return Ok(results),
            Err(e) => e,
        },
        Err(e) => e,
    };
    if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
        // Never hand a connection with an open transaction back to the pool.
        conn.detach();
    }
    Err(failed)
}

/// What a batch item turned out to be.
enum Slot {
    /// Committed before (or earlier in this batch): answer with the original.
    Existing(Committed),
    /// Same client id as batch item `n`, which is new.
    SameAs(usize),
    /// New: gets a sequence number in its conversation.
    New,
}

/// Three statements for the whole batch, whatever its size: look up client ids already used, bump
/// each conversation's sequence once by the number of its new messages, insert the new messages.
async fn write_batch(
    conn: &mut AnyConnection,
    kind: DbKind,
    items: &[&NewMessage],
) -> Result<Vec<Result<Committed, ApiError>>, ApiError> {
    let key = |m: &NewMessage| (m.tenant_id, m.sender, m.sender_id, m.client_msg_id.as_str().to_owned());

    // 1. Client ids committed before.
    let placeholders = Markers::new(kind).list(items.len());
    let sql = format!(
        "SELECT m.tenant_id, m.sender_id, m.conversation_id, m.seq, m.sender_kind, m.sender_name, m.client_msg_id, m.body, \
         m.sent_at, c.visitor_id FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE m.client_msg_id IN ({placeholders})"
    );
    let mut query = sqlx::query(&sql);
    for m in items {
        query = query.bind(m.client_msg_id.as_str());
    }
    let mut existing = HashMap::new();
    for row in query.fetch_all(&mut *conn).await.or_internal()? {
        let message = message_from_row(&row).or_internal()?;
        let k = (
            TenantId(row.try_get("tenant_id").or_internal()?),
            message.sender,
            row.try_get::<i64, _>("sender_id").or_internal()?,
            message.client_msg_id.clone(),
        );
        let visitor_id = VisitorId(row.try_get("visitor_id").or_internal()?);
        existing.insert(k, Committed { message, visitor_id });
    }
    let mut first_of: HashMap<_, usize> = HashMap::new();
    let slots: Vec<Slot> = items
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let k = key(m);
            if let Some(c) = existing.get(&k) {
                Slot::Existing(c.clone())
            } else if let Some(&first) = first_of.get(&k) {
                Slot::SameAs(first)
            } else {
                first_of.insert(k, i);
                Slot::New
            }
        })
        .collect();

    // 2. Sequence numbers: per conversation, how many new messages and up to which one an agent wrote
    //    (an agent's reply counts as having read everything before it).
    let mut groups: Vec<(TenantId, ConversationId, i64, Option<i64>, i64)> = Vec::new();
    for (m, slot) in items.iter().zip(&slots) {
        if !matches!(slot, Slot::New) {
            continue;
        }
        let at = match groups.iter().position(|g| g.0 == m.tenant_id && g.1 == m.conversation_id) {
            Some(at) => at,
            None => {
                groups.push((m.tenant_id, m.conversation_id, 0, None, 0));
                groups.len() - 1
            }
        };
        let group = &mut groups[at];
        group.2 += 1;
        if m.sender == SenderKind::Agent {
            group.3 = group.3.or(Some(m.sender_id));
            group.4 = group.2;
        }
    }
    let now = now_ms();
    let mut assigned: HashMap<(TenantId, ConversationId), (i64, VisitorId)> = HashMap::new();
    if !groups.is_empty() {
        let mut markers = Markers::new(kind);
        let rows: Vec<String> = (0..groups.len())
            .map(|_| {
                let [a, b, c, d, e] = std::array::from_fn(|_| markers.one());
                format!(
                    "(CAST({a} AS BIGINT), CAST({b} AS BIGINT), CAST({c} AS BIGINT), CAST({d} AS BIGINT), CAST({e} AS BIGINT))"
                )
            })
            .collect();
        let now_marker = markers.one();
        let sql = format!(
            "WITH v(id, tenant, n, agent, upto) AS (VALUES {}) \
             UPDATE conversations SET last_seq = last_seq + v.n, last_message_at = {now_marker}, \
             agent_id = COALESCE(agent_id, v.agent), \
             agent_read_seq = CASE WHEN v.upto > 0 THEN last_seq + v.upto ELSE agent_read_seq END \
             FROM v WHERE conversations.id = v.id AND conversations.tenant_id = v.tenant AND conversations.status = 'open' \
             RETURNING conversations.id, conversations.tenant_id, conversations.last_seq, conversations.visitor_id",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (tenant, conversation, n, agent, upto) in &groups {
            query = query.bind(conversation.0).bind(tenant.0).bind(*n).bind(*agent).bind(*upto);
        }
        let query = query.bind(now);
        for row in query.fetch_all(&mut *conn).await.or_internal()? {
            let id = ConversationId(row.try_get("id").or_internal()?);
            let tenant = TenantId(row.try_get("tenant_id").or_internal()?);
            let last: i64 = row.try_get("last_seq").or_internal()?;
            let n = groups.iter().find(|g| g.0 == tenant && g.1 == id).map_or(0, |g| g.2);
            let visitor = VisitorId(row.try_get("visitor_id").or_internal()?);
            // The group's messages take the n numbers ending at the new last_seq, in batch order.
            assigned.insert((tenant, id), (last - n + 1, visitor));
        }
    }

    // 3. Insert the new messages, in batch order.
    let mut results: Vec<Result<Committed, ApiError>> = Vec::with_capacity(items.len());
    let mut rows = Vec::new();
    for (m, slot) in items.iter().zip(&slots) {
        let result = match slot {
            Slot::Existing(c) => Ok(c.clone()),
            Slot::SameAs(first) => results[*first].clone(),
            Slot::New => match assigned.get_mut(&(m.tenant_id, m.conversation_id)) {
                None => Err(ApiError::NotFound),
                Some((next, visitor_id)) => {
                    let message = ChatMessage {
                        conversation_id: m.conversation_id,
                        seq: *next,
                        sender: m.sender,
                        sender_name: m.sender_name.clone(),
                        client_msg_id: m.client_msg_id.as_str().to_owned(),
                        body: m.body.as_str().to_owned(),
                        sent_at: now,
                    };
                    *next += 1;
                    rows.push((m.tenant_id, m.sender_id, message.clone()));
                    Ok(Committed { message, visitor_id: *visitor_id })
                }
            },
        };
        results.push(result);
    }
    for chunk in rows.chunks(500) {
        let mut markers = Markers::new(kind);
        let values: Vec<String> = (0..chunk.len()).map(|_| format!("({})", markers.list(9))).collect();
        let sql = format!(
            "INSERT INTO messages (tenant_id, conversation_id, seq, sender_kind, sender_id, sender_name, client_msg_id, body, sent_at) \
             VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (tenant, sender_id, m) in chunk {
            query = query
                .bind(tenant.0)
                .bind(m.conversation_id.0)
                .bind(m.seq)
                .bind(m.sender.as_str())
                .bind(*sender_id)
                .bind(m.sender_name.as_deref())
                .bind(m.client_msg_id.as_str())
                .bind(m.body.as_str())
                .bind(m.sent_at);
        }
        query.execute(&mut *conn).await.or_internal()?;
    }
    Ok(results)
}
