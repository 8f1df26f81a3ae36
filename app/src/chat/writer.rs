//! The message writer's SQL: messages committed in batches (group commit).
//!
//! A durable commit costs an fsync (≈4 ms on this disk), so committing each message alone caps
//! throughput at a few hundred per second. Senders queue their message and wait; the writer takes
//! everything queued, writes it in one transaction, commits once and only then answers each sender.
//! An answer is therefore an acknowledgement of a durable commit.

use std::collections::HashMap;

use kefu_protocol::{
    AgentId, ApiError, Attachment, ChatMessage, ClientMsgId, ConversationId, ErrorCode, MessageBody, SenderKind,
    SiteId, TenantId, VisitorId,
};
use sqlx::Row as _;

use super::repo::{message_from_row, FILE_COLUMNS};
use crate::infra::batch::BatchJob;
use crate::infra::db::{Db, DbKind, Markers, Writer, PREPARED_UP_TO};
use crate::infra::events::{self, Event, EventKind};
use crate::infra::{now_ms, OrInternal};

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
    /// The file it sends: its row id and what clients see of it.
    pub file: Option<(i64, Attachment)>,
    /// An agent's reply to a conversation they saw waiting in the queue: it takes the conversation
    /// in the message's own commit, unless another agent has it by then (the message is refused
    /// with `Taken`). One commit instead of a take and then a message.
    pub claim: bool,
}

#[derive(Clone, Debug)]
pub struct Committed {
    pub message: ChatMessage,
    /// The visitor and site of the conversation, for fan-out.
    pub visitor_id: VisitorId,
    pub site_id: SiteId,
    /// This message's claim gave the conversation to its sender.
    pub took: bool,
    /// The conversation's agent after the commit, and the colleagues who joined it: with the site,
    /// who among the agents hears the message (see [`crate::infra::realtime::Audience`]).
    pub agent_id: Option<AgentId>,
    pub guests: Vec<AgentId>,
}

/// The group commit, run by a [`crate::infra::batch::BatchWorker`].
pub struct MessageJob(pub Db);

impl BatchJob for MessageJob {
    type Item = NewMessage;
    type Output = Committed;
    const NAME: &'static str = "message writer";
    const MAX_BATCH: usize = 512;
    const QUEUE: usize = 8192;

    /// Writes the messages in one transaction. The outer error means nothing was committed; the
    /// inner results are per message (for example `NotFound` for a conversation of another tenant).
    async fn run(&self, items: &[NewMessage]) -> Result<Vec<Result<Committed, ApiError>>, ApiError> {
        let mut w = self.0.write().await?;
        w.begin().await?;
        let written = write_batch(&mut w, self.0.kind, items).await;
        w.end(written).await
    }
}

/// Per conversation of a batch: the next sequence number to give, its visitor, site and agent.
type Numbered = HashMap<(TenantId, ConversationId), (i64, VisitorId, SiteId, Option<AgentId>)>;

/// What a batch item turned out to be.
enum Slot {
    /// Committed before (or earlier in this batch): answer with the original.
    Existing(Box<Committed>),
    /// Same client id as batch item `n`, which is new.
    SameAs(usize),
    /// New: gets a sequence number in its conversation.
    New,
    /// A claim on a conversation another agent has.
    Refused,
}

/// A few statements for the whole batch, whatever its size: look up client ids already used, lock
/// the conversations where order or a claim needs it, bump each conversation's sequence once by the
/// number of its new messages (returning who joined it), insert the new messages, and record the
/// claims that took a conversation. On PostgreSQL each is a round trip, which is what a batch costs.
async fn write_batch(
    conn: &mut Writer,
    kind: DbKind,
    items: &[NewMessage],
) -> Result<Vec<Result<Committed, ApiError>>, ApiError> {
    let key = |m: &NewMessage| (m.tenant_id, m.sender, m.sender_id, m.client_msg_id.as_str().to_owned());

    // 1. Client ids committed before, looked up by sender: the unique index on (sender kind, sender,
    //    client id) answers exactly this, and no other sender's messages are read. (Not by
    //    conversation: a resend after the conversation was closed must still find the original.)
    let mut markers = Markers::new(kind);
    let keys: Vec<String> = items
        .iter()
        .map(|_| {
            let [k, s, c] = std::array::from_fn(|_| markers.one());
            format!("(CAST({k} AS TEXT), CAST({s} AS BIGINT), CAST({c} AS TEXT))")
        })
        .collect();
    let sql = format!(
        "WITH k(kind, sender, cid) AS (VALUES {}) \
         SELECT m.tenant_id, m.sender_id, m.conversation_id, m.seq, m.sender_kind, m.sender_name, m.client_msg_id, \
         m.body, m.sent_at, m.retracted_at, c.visitor_id, c.site_id, c.agent_id, {FILE_COLUMNS} FROM k \
         JOIN messages m ON m.sender_kind = k.kind AND m.sender_id = k.sender AND m.client_msg_id = k.cid \
         JOIN conversations c ON c.id = m.conversation_id LEFT JOIN files f ON f.id = m.file_id",
        keys.join(", ")
    );
    let mut query = sqlx::query(&sql).persistent(items.len() <= PREPARED_UP_TO);
    for m in items {
        query = query.bind(m.sender.as_str()).bind(m.sender_id).bind(m.client_msg_id.as_str());
    }
    let mut existing = HashMap::new();
    for row in query.fetch_all(&mut **conn).await.or_internal()? {
        let message = message_from_row(&row).or_internal()?;
        let k = (
            TenantId(row.try_get("tenant_id").or_internal()?),
            message.sender,
            row.try_get::<i64, _>("sender_id").or_internal()?,
            message.client_msg_id.clone(),
        );
        let visitor_id = VisitorId(row.try_get("visitor_id").or_internal()?);
        let site_id = SiteId(row.try_get("site_id").or_internal()?);
        let agent_id = row.try_get::<Option<i64>, _>("agent_id").or_internal()?.map(AgentId);
        // Guests heard the original; the resend's fan-out reaches the agent and monitors again.
        existing.insert(k, Committed { message, visitor_id, site_id, took: false, agent_id, guests: Vec::new() });
    }
    let mut first_of: HashMap<_, usize> = HashMap::new();
    let mut slots: Vec<Slot> = items
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let k = key(m);
            if let Some(c) = existing.get(&k) {
                Slot::Existing(Box::new(c.clone()))
            } else if let Some(&first) = first_of.get(&k) {
                Slot::SameAs(first)
            } else {
                first_of.insert(k, i);
                Slot::New
            }
        })
        .collect();
    let claimed = claim(conn, kind, items, &mut slots).await?;

    // 2. Sequence numbers: per conversation, how many new messages, who claimed it, and up to which
    //    one an agent wrote (an agent's reply counts as having read everything before it).
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
        group.3 = claimed.get(&(m.tenant_id, m.conversation_id)).map(|&(agent, _)| agent);
        if m.sender == SenderKind::Agent {
            group.4 = group.2;
        }
    }
    let now = now_ms();
    let mut assigned: Numbered = HashMap::new();
    // The colleagues who joined each conversation (they hear its messages too).
    let mut guests: HashMap<ConversationId, Vec<AgentId>> = HashMap::new();
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
        // SQLite's markers are positional: each use is its own.
        let assigned_marker = markers.one();
        let sql = format!(
            "WITH v(id, tenant, n, agent, upto) AS (VALUES {}) \
             UPDATE conversations SET last_seq = last_seq + v.n, last_message_at = {now_marker}, \
             assigned_at = CASE WHEN agent_id IS NULL AND v.agent IS NOT NULL THEN {assigned_marker} ELSE assigned_at END, \
             agent_id = COALESCE(agent_id, v.agent), \
             agent_read_seq = CASE WHEN v.upto > 0 THEN last_seq + v.upto ELSE agent_read_seq END \
             FROM v WHERE conversations.id = v.id AND conversations.tenant_id = v.tenant AND conversations.status = 'open' \
             RETURNING conversations.id, conversations.tenant_id, conversations.last_seq, conversations.visitor_id, \
             conversations.site_id, conversations.agent_id, \
             (SELECT string_agg(CAST(g.agent_id AS TEXT), ',') FROM conversation_guests g \
              WHERE g.conversation_id = conversations.id AND g.tenant_id = conversations.tenant_id \
              AND g.status = 'joined') AS guests",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (tenant, conversation, n, agent, upto) in &groups {
            query = query.bind(conversation.0).bind(tenant.0).bind(*n).bind(*agent).bind(*upto);
        }
        let query = query.bind(now).bind(now);
        for row in query.fetch_all(&mut **conn).await.or_internal()? {
            let id = ConversationId(row.try_get("id").or_internal()?);
            let tenant = TenantId(row.try_get("tenant_id").or_internal()?);
            let last: i64 = row.try_get("last_seq").or_internal()?;
            let n = groups.iter().find(|g| g.0 == tenant && g.1 == id).map_or(0, |g| g.2);
            let visitor = VisitorId(row.try_get("visitor_id").or_internal()?);
            let site = SiteId(row.try_get("site_id").or_internal()?);
            let agent = row.try_get::<Option<i64>, _>("agent_id").or_internal()?.map(AgentId);
            // The group's messages take the n numbers ending at the new last_seq, in batch order.
            assigned.insert((tenant, id), (last - n + 1, visitor, site, agent));
            let joined: Option<String> = row.try_get("guests").or_internal()?;
            let joined = joined.iter().flat_map(|ids| ids.split(',')).filter_map(|id| id.parse().ok()).map(AgentId);
            guests.insert(id, joined.collect());
        }
    }

    // 3. Insert the new messages, in batch order.
    let mut results: Vec<Result<Committed, ApiError>> = Vec::with_capacity(items.len());
    let mut rows = Vec::new();
    for (i, (m, slot)) in items.iter().zip(&slots).enumerate() {
        let result = match slot {
            Slot::Existing(c) => Ok((**c).clone()),
            Slot::SameAs(first) => results[*first].clone().map(|c| Committed { took: false, ..c }),
            Slot::Refused => Err(ApiError::conflict(Some("agent"), ErrorCode::Taken)),
            Slot::New => match assigned.get_mut(&(m.tenant_id, m.conversation_id)) {
                None => Err(ApiError::NotFound),
                Some((next, visitor_id, site_id, agent_id)) => {
                    let message = ChatMessage {
                        conversation_id: m.conversation_id,
                        seq: *next,
                        sender: m.sender,
                        sender_name: m.sender_name.clone(),
                        client_msg_id: m.client_msg_id.as_str().to_owned(),
                        body: m.body.as_str().to_owned(),
                        sent_at: now,
                        file: m.file.as_ref().map(|(_, f)| f.clone()),
                        retracted: false,
                    };
                    *next += 1;
                    rows.push((m.tenant_id, m.sender_id, m.file.as_ref().map(|(id, _)| *id), message.clone()));
                    let took = claimed.get(&(m.tenant_id, m.conversation_id)) == Some(&(m.sender_id, i));
                    Ok(Committed {
                        message,
                        visitor_id: *visitor_id,
                        site_id: *site_id,
                        took,
                        agent_id: *agent_id,
                        guests: guests.get(&m.conversation_id).cloned().unwrap_or_default(),
                    })
                }
            },
        };
        results.push(result);
    }
    for chunk in rows.chunks(500) {
        let mut markers = Markers::new(kind);
        let values: Vec<String> = (0..chunk.len()).map(|_| format!("({})", markers.list(10))).collect();
        let sql = format!(
            "INSERT INTO messages (tenant_id, conversation_id, seq, sender_kind, sender_id, sender_name, client_msg_id, body, sent_at, file_id) \
             VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (tenant, sender_id, file_id, m) in chunk {
            query = query
                .bind(tenant.0)
                .bind(m.conversation_id.0)
                .bind(m.seq)
                .bind(m.sender.as_str())
                .bind(*sender_id)
                .bind(m.sender_name.as_deref())
                .bind(m.client_msg_id.as_str())
                .bind(m.body.as_str())
                .bind(m.sent_at)
                .bind(*file_id);
        }
        query.execute(&mut **conn).await.or_internal()?;
    }
    // Searchable from this commit on (records, issue 16).
    let searchable: Vec<(ConversationId, i64, &str)> =
        rows.iter().map(|(.., m)| (m.conversation_id, m.seq, m.body.as_str())).collect();
    crate::infra::search::index(conn, kind, &searchable).await?;

    // 4. The events of the claims that took their conversations, in one statement. (The agent's `last_assigned_at` is
    //    stamped after the commit, outside this transaction: taking an agent's row here, after the
    //    conversations', deadlocks with a routing pass, and taking it first made every batch with a
    //    claim wait for whole passes on PostgreSQL.)
    let took: Vec<Event> = claimed
        .iter()
        .filter(|(_, &(_, i))| matches!(results[i], Ok(Committed { took: true, .. })))
        .map(|(&(tenant, conversation), &(agent, _))| {
            Event::new(tenant, conversation, EventKind::Assigned, Some(AgentId(agent)), now)
        })
        .collect();
    events::record_many(conn, &took).await?;
    Ok(results)
}

/// Locks the batch's conversations (PostgreSQL: all of them, in id order, so two nodes' writers
/// and a routing pass, which also goes in id order, never wait on each other crosswise), and works
/// out the claims of this batch that take their conversation: by conversation, the agent and the
/// batch item that claims it. A claim on a conversation another agent has (by routing, or by an
/// earlier claim in this batch) becomes [`Slot::Refused`]; a claim on one the agent already has is
/// a plain message. SQLite's writer is alone: it only reads the claimed conversations' agents.
async fn claim(
    conn: &mut Writer,
    kind: DbKind,
    items: &[NewMessage],
    slots: &mut [Slot],
) -> Result<HashMap<(TenantId, ConversationId), (i64, usize)>, ApiError> {
    let mut claimed = HashMap::new();
    let claims: Vec<usize> = (0..items.len()).filter(|&i| items[i].claim && matches!(slots[i], Slot::New)).collect();
    let postgres = kind == DbKind::Postgres;
    let mut ids: Vec<i64> = (0..items.len())
        .filter(|&i| matches!(slots[i], Slot::New) && (postgres || items[i].claim))
        .map(|i| items[i].conversation_id.0)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    // Without claims, one conversation needs no order (its update locks it) and SQLite none at all.
    if ids.is_empty() || (claims.is_empty() && (!postgres || ids.len() == 1)) {
        return Ok(claimed);
    }
    let mut markers = Markers::new(kind);
    let lock = if postgres { " ORDER BY id FOR NO KEY UPDATE" } else { "" };
    let sql =
        format!("SELECT tenant_id, id, agent_id FROM conversations WHERE id IN ({}){lock}", markers.list(ids.len()));
    let mut query = sqlx::query(&sql).persistent(ids.len() <= PREPARED_UP_TO);
    for id in &ids {
        query = query.bind(*id);
    }
    let mut owners: HashMap<(TenantId, ConversationId), Option<i64>> = HashMap::new();
    for row in query.fetch_all(&mut **conn).await.or_internal()? {
        let key = (TenantId(row.try_get("tenant_id").or_internal()?), ConversationId(row.try_get("id").or_internal()?));
        owners.insert(key, row.try_get("agent_id").or_internal()?);
    }
    for i in claims {
        let m = &items[i];
        let key = (m.tenant_id, m.conversation_id);
        // Unknown conversations are left to the update, which answers `NotFound`.
        let Some(owner) = owners.get(&key) else { continue };
        let owner = (*owner).or_else(|| claimed.get(&key).map(|&(agent, _)| agent));
        match owner {
            None => {
                claimed.insert(key, (m.sender_id, i));
            }
            Some(agent) if agent == m.sender_id => {}
            Some(_) => slots[i] = Slot::Refused,
        }
    }
    Ok(claimed)
}
