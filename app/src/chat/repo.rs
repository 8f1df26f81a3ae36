//! The SQL of conversations and messages (the batched message insert is in `writer`). Every
//! statement names the tenant; callers get it from a session or a site key.

use kefu_protocol::{
    AgentId, ApiError, ChatMessage, ConversationId, ConversationStatus, ConversationSummary, SenderKind, SiteId,
    TenantId, VisitorId,
};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Row as _};

use crate::infra::db::{like_escape, Db, Markers, Row, Writer};
use crate::infra::events::{self, Event, EventKind};
use crate::infra::{now_ms, OrInternal};
use crate::sites::service::Site;

const CONVERSATION_COLUMNS: &str = "c.id, c.site_id, c.visitor_id, v.name AS visitor_name, c.agent_id, \
     (SELECT a.display_name FROM agents a WHERE a.id = c.agent_id) AS agent_name, c.status, \
     c.last_seq, c.agent_read_seq, c.visitor_read_seq, c.started_at, c.last_message_at, c.previous_id, \
     (SELECT m.body FROM messages m WHERE m.conversation_id = c.id AND m.seq = c.last_seq) AS last_body";

fn conversation_from_row(r: &Row) -> Result<ConversationSummary, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(ConversationSummary {
        id: ConversationId(r.try_get("id")?),
        site_id: SiteId(r.try_get("site_id")?),
        visitor_id: VisitorId(r.try_get("visitor_id")?),
        visitor_name: r.try_get("visitor_name")?,
        agent_id: r.try_get::<Option<i64>, _>("agent_id")?.map(AgentId),
        agent_name: r.try_get("agent_name")?,
        status: if status == "open" { ConversationStatus::Open } else { ConversationStatus::Closed },
        last_seq: r.try_get("last_seq")?,
        agent_read_seq: r.try_get("agent_read_seq")?,
        visitor_read_seq: r.try_get("visitor_read_seq")?,
        started_at: r.try_get("started_at")?,
        last_message_at: r.try_get("last_message_at")?,
        last_message: r
            .try_get::<Option<String>, _>("last_body")?
            .map(|b| kefu_protocol::preview(&b))
            .unwrap_or_default(),
        previous_id: r.try_get::<Option<i64>, _>("previous_id")?.map(ConversationId),
    })
}

pub async fn conversation(db: &Db, tenant: TenantId, id: ConversationId) -> Result<ConversationSummary, ApiError> {
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
         WHERE c.id = $1 AND c.tenant_id = $2"
    );
    let row = sqlx::query(&sql).bind(id.0).bind(tenant.0).fetch_optional(db.reader()).await.or_internal()?;
    row.as_ref().map(conversation_from_row).transpose().or_internal()?.ok_or(ApiError::NotFound)
}

/// Where a conversation is and who has it: what every agent frame about it checks first (the whole
/// [`conversation`] per reply cost the database more than the reply's own insert).
#[derive(Clone, Copy, Debug)]
pub struct Scope {
    pub site_id: SiteId,
    pub visitor_id: VisitorId,
    pub agent_id: Option<AgentId>,
}

pub async fn scope(db: &Db, tenant: TenantId, id: ConversationId) -> Result<Scope, ApiError> {
    let row = sqlx::query("SELECT site_id, visitor_id, agent_id FROM conversations WHERE id = $1 AND tenant_id = $2")
        .bind(id.0)
        .bind(tenant.0)
        .fetch_optional(db.reader())
        .await
        .or_internal()?
        .ok_or(ApiError::NotFound)?;
    Ok(Scope {
        site_id: SiteId(row.try_get("site_id").or_internal()?),
        visitor_id: VisitorId(row.try_get("visitor_id").or_internal()?),
        agent_id: row.try_get::<Option<i64>, _>("agent_id").or_internal()?.map(AgentId),
    })
}

/// Who hears an open conversation of the visitor (its site, agent and joined guests); `None` when
/// it is not open (or not theirs).
pub async fn audience(
    db: &Db,
    tenant: TenantId,
    id: ConversationId,
    visitor: VisitorId,
) -> Result<Option<crate::infra::realtime::Audience>, ApiError> {
    let row = sqlx::query(
        "SELECT c.site_id, c.agent_id, (SELECT string_agg(CAST(g.agent_id AS TEXT), ',') FROM conversation_guests g \
         WHERE g.conversation_id = c.id AND g.tenant_id = c.tenant_id AND g.status = 'joined') AS guests \
         FROM conversations c WHERE c.id = $1 AND c.tenant_id = $2 AND c.visitor_id = $3 AND c.status = 'open'",
    )
    .bind(id.0)
    .bind(tenant.0)
    .bind(visitor.0)
    .fetch_optional(db.reader())
    .await
    .or_internal()?;
    row.map(|r| {
        let guests: Option<String> = r.try_get("guests")?;
        Ok(crate::infra::realtime::Audience {
            site: SiteId(r.try_get("site_id")?),
            owner: r.try_get::<Option<i64>, _>("agent_id")?.map(AgentId),
            guests: guests.iter().flat_map(|g| g.split(',')).filter_map(|g| g.parse().ok()).map(AgentId).collect(),
        })
    })
    .transpose()
    .or_internal()
}

/// Which open conversations a list shows: the tenant's, on `sites` (all when `None`), whose
/// visitor's name contains `query` (any case) or whose visitor id is `query`.
pub struct OpenFilter<'a> {
    pub tenant: TenantId,
    pub sites: Option<&'a [SiteId]>,
    pub query: &'a str,
}

/// A page of open conversations, latest message first, and how many match in all.
pub async fn open_conversations_page(
    db: &Db,
    filter: &OpenFilter<'_>,
    offset: u32,
    limit: u32,
) -> Result<(Vec<ConversationSummary>, u32), ApiError> {
    if filter.sites.is_some_and(|s| s.is_empty()) {
        return Ok((Vec::new(), 0));
    }
    let mut markers = Markers::new(db.kind);
    let mut clause = format!("c.tenant_id = {} AND c.status = 'open'", markers.one());
    if let Some(sites) = filter.sites {
        clause.push_str(&format!(" AND c.site_id IN ({})", markers.list(sites.len())));
    }
    let pattern = format!("%{}%", like_escape(&filter.query.to_lowercase()));
    if !filter.query.is_empty() {
        clause.push_str(&format!(
            " AND (LOWER(COALESCE(v.name, '')) LIKE {} ESCAPE '\\' OR CAST(c.visitor_id AS TEXT) = {})",
            markers.one(),
            markers.one()
        ));
    }
    fn bound<'q>(sql: &'q str, filter: &OpenFilter<'_>, pattern: &str) -> Query<'q, Any, AnyArguments<'q>> {
        let mut query = sqlx::query(sql).persistent(false).bind(filter.tenant.0);
        for site in filter.sites.into_iter().flatten() {
            query = query.bind(site.0);
        }
        if !filter.query.is_empty() {
            query = query.bind(pattern.to_owned()).bind(filter.query.to_owned());
        }
        query
    }
    let bind = |sql| bound(sql, filter, &pattern);
    let from = "FROM conversations c JOIN visitors v ON v.id = c.visitor_id";
    let count_sql = format!("SELECT COUNT(*) AS n {from} WHERE {clause}");
    let total: i64 = bind(&count_sql).fetch_one(db.reader()).await.or_internal()?.try_get("n").or_internal()?;
    let (l, o) = (markers.one(), markers.one());
    let page_sql =
        format!("SELECT {CONVERSATION_COLUMNS} {from} WHERE {clause} ORDER BY c.last_message_at DESC, c.id DESC LIMIT {l} OFFSET {o}");
    let rows =
        bind(&page_sql).bind(i64::from(limit)).bind(i64::from(offset)).fetch_all(db.reader()).await.or_internal()?;
    let list = rows.iter().map(conversation_from_row).collect::<Result<_, _>>().or_internal()?;
    Ok((list, u32::try_from(total).unwrap_or(u32::MAX)))
}

/// The visitor's open conversation, opened now if there is none. `true` when it was just opened.
pub async fn open_conversation_for(
    db: &Db,
    site: &Site,
    visitor: VisitorId,
    choice: &super::service::Choice,
) -> Result<(ConversationSummary, bool), ApiError> {
    let now = now_ms();
    // The partial unique index allows one open conversation per visitor, so two tabs racing here
    // end up in the same conversation.
    let mut w = db.write().await?;
    let inserted = sqlx::query(
        "INSERT INTO conversations (tenant_id, site_id, visitor_id, agent_id, status, last_seq, agent_read_seq, started_at, last_message_at, category_id, previous_id, region, source_domain, source_keyword) \
         VALUES ($1, $2, $3, NULL, 'open', 0, 0, $4, $4, $5, \
         (SELECT p.id FROM conversations p WHERE p.visitor_id = $3 AND p.tenant_id = $1 ORDER BY p.id DESC LIMIT 1), $6, $7, $8) \
         ON CONFLICT DO NOTHING",
    )
    .bind(site.tenant_id.0)
    .bind(site.id.0)
    .bind(visitor.0)
    .bind(now)
    .bind(choice.category)
    .bind(choice.region.as_deref())
    .bind(choice.source.as_ref().and_then(|s| s.domain.as_deref()))
    .bind(choice.source.as_ref().and_then(|s| s.keyword.as_deref()))
    .execute(&mut *w)
    .await
    .or_internal()?
    .rows_affected()
        == 1;
    drop(w);
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
         WHERE c.visitor_id = $1 AND c.tenant_id = $2 AND c.status = 'open'"
    );
    let row = sqlx::query(&sql).bind(visitor.0).bind(site.tenant_id.0).fetch_one(db.reader()).await.or_internal()?;
    Ok((conversation_from_row(&row).or_internal()?, inserted))
}

/// Records that agents have read up to `seq` (never moves backwards, never past the last message).
pub async fn mark_read(db: &Db, tenant: TenantId, id: ConversationId, seq: i64) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    let done = sqlx::query(
        "UPDATE conversations SET agent_read_seq = CASE WHEN $1 > agent_read_seq AND $1 <= last_seq THEN $1 \
         ELSE agent_read_seq END WHERE id = $2 AND tenant_id = $3",
    )
    .bind(seq)
    .bind(id.0)
    .bind(tenant.0)
    .execute(&mut *w)
    .await
    .or_internal()?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

pub fn message_from_row(r: &Row) -> Result<ChatMessage, sqlx::Error> {
    let sender: String = r.try_get("sender_kind")?;
    Ok(ChatMessage {
        conversation_id: ConversationId(r.try_get("conversation_id")?),
        seq: r.try_get("seq")?,
        sender: SenderKind::parse(&sender).unwrap_or(SenderKind::Visitor),
        sender_name: r.try_get("sender_name")?,
        client_msg_id: r.try_get("client_msg_id")?,
        body: r.try_get("body")?,
        sent_at: r.try_get("sent_at")?,
        file: file_from_row(r)?,
        retracted: r.try_get::<Option<i64>, _>("retracted_at")?.is_some(),
    })
}

/// The columns of a message's file, as [`message_from_row`] reads them (with `files f` left-joined).
pub const FILE_COLUMNS: &str =
    "f.public_id AS file_public_id, f.name AS file_name, f.mime AS file_mime, f.size AS file_size, f.state AS file_state";

fn file_from_row(r: &Row) -> Result<Option<kefu_protocol::Attachment>, sqlx::Error> {
    let Some(id) = r.try_get::<Option<String>, _>("file_public_id")? else { return Ok(None) };
    let state: String = r.try_get("file_state")?;
    Ok(Some(kefu_protocol::Attachment {
        id,
        name: r.try_get("file_name")?,
        mime: r.try_get("file_mime")?,
        size: u64::try_from(r.try_get::<i64, _>("file_size")?).unwrap_or(0),
        state: kefu_protocol::FileState::parse(&state).unwrap_or(kefu_protocol::FileState::Refused),
    }))
}

/// Messages after `after_seq`, in order, at most `limit`. With `visitor`, only that visitor's conversation.
pub async fn messages_after(
    db: &Db,
    tenant: TenantId,
    visitor: Option<VisitorId>,
    id: ConversationId,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<ChatMessage>, ApiError> {
    let owner = sqlx::query_scalar::<_, i64>("SELECT visitor_id FROM conversations WHERE id = $1 AND tenant_id = $2")
        .bind(id.0)
        .bind(tenant.0)
        .fetch_optional(db.reader())
        .await
        .or_internal()?;
    match (owner, visitor) {
        (None, _) => return Err(ApiError::NotFound),
        (Some(owner), Some(v)) if owner != v.0 => return Err(ApiError::NotFound),
        _ => {}
    }
    let sql = format!(
        "SELECT m.conversation_id, m.seq, m.sender_kind, m.sender_name, m.client_msg_id, m.body, m.sent_at, m.retracted_at, \
         {FILE_COLUMNS} \
         FROM messages m LEFT JOIN files f ON f.id = m.file_id \
         WHERE m.conversation_id = $1 AND m.tenant_id = $2 AND m.seq > $3 ORDER BY m.seq LIMIT $4"
    );
    let rows = sqlx::query(&sql)
        .bind(id.0)
        .bind(tenant.0)
        .bind(after_seq)
        .bind(limit as i64)
        .fetch_all(db.reader())
        .await
        .or_internal()?;
    let mut messages: Vec<ChatMessage> = rows.iter().map(message_from_row).collect::<Result<_, _>>().or_internal()?;
    if visitor.is_some() {
        // A visitor never gets back what an agent withdrew.
        for m in messages.iter_mut().filter(|m| m.retracted) {
            m.body.clear();
            m.file = None;
        }
    }
    Ok(messages)
}

/// Marks the agent's own message `seq` withdrawn if it was sent within `window` ms of `now` and
/// is not withdrawn yet; false otherwise.
pub async fn retract(
    w: &mut crate::infra::db::Writer,
    tenant: TenantId,
    id: ConversationId,
    seq: i64,
    agent: AgentId,
    now: i64,
    window: i64,
) -> Result<bool, ApiError> {
    let changed = sqlx::query(
        "UPDATE messages SET retracted_at = $1 WHERE conversation_id = $2 AND tenant_id = $3 AND seq = $4 \
         AND sender_kind = 'agent' AND sender_id = $5 AND retracted_at IS NULL AND sent_at >= $6",
    )
    .bind(now)
    .bind(id.0)
    .bind(tenant.0)
    .bind(seq)
    .bind(agent.0)
    .bind(now - window)
    .execute(&mut **w)
    .await
    .or_internal()?
    .rows_affected();
    Ok(changed == 1)
}

/// Who ended a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosedBy {
    Agent(AgentId),
    Visitor,
    /// Nobody wrote for the site's idle time.
    Idle,
    /// A supervisor ended it (`crate::supervision`), with a reason.
    Forced(AgentId),
}

/// Closes an open conversation (with its event, voiding a transfer still pending); `false` when
/// it was not open (or not the tenant's).
pub async fn close(db: &Db, tenant: TenantId, id: ConversationId, by: ClosedBy) -> Result<bool, ApiError> {
    let mut w = db.write().await?;
    w.begin().await?;
    let closed = close_in(&mut w, tenant, id, by, "").await;
    w.end(closed).await
}

/// [`close`] inside the caller's transaction; `reason` is the closing event's detail when a
/// supervisor ends it (otherwise who ended it is).
pub async fn close_in(
    w: &mut Writer,
    tenant: TenantId,
    id: ConversationId,
    by: ClosedBy,
    reason: &str,
) -> Result<bool, ApiError> {
    let now = now_ms();
    let (who, agent) = match by {
        ClosedBy::Agent(agent) => ("agent", Some(agent)),
        ClosedBy::Visitor => ("visitor", None),
        ClosedBy::Idle => ("idle", None),
        ClosedBy::Forced(agent) => ("forced", Some(agent)),
    };
    let done = sqlx::query(
        "UPDATE conversations SET status = 'closed', closed_at = $1, closed_by = $2 \
         WHERE id = $3 AND tenant_id = $4 AND status = 'open'",
    )
    .bind(now)
    .bind(who)
    .bind(id.0)
    .bind(tenant.0)
    .execute(&mut **w)
    .await
    .or_internal()?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE transfers SET status = 'void', decided_at = $1 WHERE conversation_id = $2 AND tenant_id = $3 AND status = 'pending'",
    )
    .bind(now)
    .bind(id.0)
    .bind(tenant.0)
    .execute(&mut **w)
    .await
    .or_internal()?;
    let (kind, detail) = match by {
        ClosedBy::Forced(_) => (EventKind::ForceClosed, reason),
        _ => (EventKind::Closed, who),
    };
    events::record(w, &Event { tenant, conversation: id, kind, agent, other: None, detail, at: now }).await?;
    Ok(true)
}

/// Closes the visitor's conversation as missed if it is still waiting in the queue; returns it.
pub async fn close_missed(
    w: &mut Writer,
    tenant: TenantId,
    visitor: VisitorId,
    now: i64,
) -> Result<Option<ConversationId>, ApiError> {
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE conversations SET status = 'closed', closed_at = $1, missed = 1, closed_by = 'missed' \
         WHERE visitor_id = $2 AND tenant_id = $3 AND status = 'open' AND agent_id IS NULL RETURNING id",
    )
    .bind(now)
    .bind(visitor.0)
    .bind(tenant.0)
    .fetch_optional(&mut **w)
    .await
    .or_internal()?;
    if let Some(id) = id {
        let conversation = ConversationId(id);
        events::record(w, &Event::new(tenant, conversation, EventKind::Missed, None, now)).await?;
    }
    Ok(id.map(ConversationId))
}

/// The visitor's open conversation, if any.
pub async fn open_of(db: &Db, tenant: TenantId, visitor: VisitorId) -> Result<Option<ConversationId>, ApiError> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM conversations WHERE visitor_id = $1 AND tenant_id = $2 AND status = 'open'")
            .bind(visitor.0)
            .bind(tenant.0)
            .fetch_optional(db.reader())
            .await
            .or_internal()?;
    Ok(id.map(ConversationId))
}

/// Raises visitors' read marks (never past the last message, never backwards).
pub async fn visitor_read(w: &mut Writer, marks: &[(TenantId, ConversationId, i64)]) -> Result<(), ApiError> {
    for (tenant, id, seq) in marks {
        sqlx::query(
            "UPDATE conversations SET visitor_read_seq = CASE WHEN $1 > last_seq THEN last_seq ELSE $1 END \
             WHERE id = $2 AND tenant_id = $3 AND visitor_read_seq < $1",
        )
        .bind(*seq)
        .bind(id.0)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    }
    Ok(())
}

/// An open conversation some agent has, with its site's idle rules, as the idle sweep sees it.
pub struct Quiet {
    pub id: ConversationId,
    pub tenant: TenantId,
    pub visitor: VisitorId,
    pub last_message_at: i64,
    /// The last message was the agent's: the visitor is the one silent.
    pub visitor_silent: bool,
    pub warned: bool,
    pub visitor_idle_ms: i64,
    pub agent_idle_ms: i64,
    pub warning_ms: i64,
}

/// Open conversations silent since before `since` on sites that close idle ones (every company's:
/// the sweep runs once per node for all).
pub async fn quiet(db: &Db, since: i64) -> Result<Vec<Quiet>, ApiError> {
    let rows = sqlx::query(
        "SELECT c.id, c.tenant_id, c.visitor_id, c.last_message_at, c.idle_warned_at, m.sender_kind, \
         s.visitor_idle_minutes, s.agent_idle_minutes, s.idle_warning_minutes FROM conversations c \
         JOIN sites s ON s.id = c.site_id \
         LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq \
         WHERE c.status = 'open' AND c.agent_id IS NOT NULL AND c.last_message_at < $1 \
         AND (s.visitor_idle_minutes > 0 OR s.agent_idle_minutes > 0)",
    )
    .bind(since)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    let minute = 60_000;
    rows.iter()
        .map(|r| {
            let last_message_at: i64 = r.try_get("last_message_at")?;
            let warned_at: Option<i64> = r.try_get("idle_warned_at")?;
            Ok(Quiet {
                id: ConversationId(r.try_get("id")?),
                tenant: TenantId(r.try_get("tenant_id")?),
                visitor: VisitorId(r.try_get("visitor_id")?),
                last_message_at,
                visitor_silent: r.try_get::<Option<String>, _>("sender_kind")?.as_deref() == Some("agent"),
                warned: warned_at.is_some_and(|w| w >= last_message_at),
                visitor_idle_ms: r.try_get::<i64, _>("visitor_idle_minutes")? * minute,
                agent_idle_ms: r.try_get::<i64, _>("agent_idle_minutes")? * minute,
                warning_ms: r.try_get::<i64, _>("idle_warning_minutes")? * minute,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// Records the idle warning; `false` when another node did first (or a message came meanwhile).
pub async fn warn_idle(
    db: &Db,
    tenant: TenantId,
    id: ConversationId,
    last_message_at: i64,
    now: i64,
) -> Result<bool, ApiError> {
    let mut w = db.write().await?;
    let done = sqlx::query(
        "UPDATE conversations SET idle_warned_at = $1 WHERE id = $2 AND tenant_id = $3 AND status = 'open' \
         AND last_message_at = $4 AND (idle_warned_at IS NULL OR idle_warned_at < last_message_at)",
    )
    .bind(now)
    .bind(id.0)
    .bind(tenant.0)
    .bind(last_message_at)
    .execute(&mut *w)
    .await
    .or_internal()?;
    Ok(done.rows_affected() == 1)
}

/// Whether the visitor's open conversation waits in the queue.
pub async fn waiting(db: &Db, tenant: TenantId, visitor: VisitorId) -> Result<bool, ApiError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE visitor_id = $1 AND tenant_id = $2 AND status = 'open' AND agent_id IS NULL",
    )
    .bind(visitor.0)
    .bind(tenant.0)
    .fetch_optional(db.reader())
    .await
    .or_internal()?;
    Ok(found.is_some())
}
