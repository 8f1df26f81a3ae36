//! The SQL of conversation records. Every statement names the tenant and the scope the service
//! worked out from the session.

use kefu_protocol::{AgentId, ApiError, ChatMessage, ConversationId, SiteId, TenantId};
use sqlx::any::AnyRow;
use sqlx::Row as _;

use super::{EventLine, NoteLine, RecordRow, RecordSort};
use crate::infra::db::{bound, bound_scalar, Bind, Db, Markers};
use crate::infra::OrInternal;

/// Whose conversations a reader sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Every conversation of these sites (`None`: every site).
    Sites(Option<Vec<SiteId>>),
    /// The agent's own, and those of the agents of the departments they administer.
    Own(AgentId),
}

/// The list's conditions.
pub struct Where<'a> {
    pub tenant: TenantId,
    pub reach: &'a Reach,
    pub from: i64,
    pub to: i64,
    pub site: Option<SiteId>,
    pub agent: Option<AgentId>,
    /// Only these conversations (a search's hits).
    pub ids: Option<&'a [i64]>,
    /// Only conversations with this tag.
    pub tag: Option<&'a str>,
    pub with_files: bool,
    pub min_score: Option<u8>,
    /// Only conversations of the agents of this department.
    pub department: Option<i64>,
    pub category: Option<i64>,
    /// Only conversations whose source host or keyword holds this (lowercase, escaped for LIKE).
    pub source: Option<&'a str>,
}

/// The `ORDER BY` of a sort (text from the code, never from a request).
fn order(sort: RecordSort) -> &'static str {
    match sort {
        RecordSort::Newest => "c.started_at DESC, c.id DESC",
        RecordSort::Oldest => "c.started_at ASC, c.id ASC",
        RecordSort::MostMessages => "c.last_seq DESC, c.id DESC",
        RecordSort::Longest => "COALESCE(c.closed_at, c.last_message_at) - c.started_at DESC, c.id DESC",
    }
}

/// The `WHERE` clause and its binds (markers in text order).
fn clause(w: &Where<'_>, markers: &mut Markers) -> (String, Vec<Bind>) {
    let mut sql = String::new();
    let mut binds = Vec::new();
    let mut int = |sql: &mut String, text: &str, value: i64, markers: &mut Markers| {
        sql.push_str(&text.replace('?', &markers.one()));
        binds.push(Bind::Int(value));
    };
    int(&mut sql, "c.tenant_id = ?", w.tenant.0, markers);
    // With ids (a search's, an export's) the primary key finds the rows: `+` keeps the planner from
    // walking the start-time index over every conversation of the tenant instead.
    let started = if w.ids.is_some() { "+c.started_at" } else { "c.started_at" };
    int(&mut sql, &format!(" AND {started} >= ?"), w.from, markers);
    int(&mut sql, &format!(" AND {started} < ?"), w.to, markers);
    if let Some(site) = w.site {
        int(&mut sql, " AND c.site_id = ?", site.0, markers);
    }
    if let Some(agent) = w.agent {
        int(&mut sql, " AND c.agent_id = ?", agent.0, markers);
    }
    if let Some(department) = w.department {
        int(
            &mut sql,
            " AND c.agent_id IN (SELECT ad.id FROM agents ad WHERE ad.department_id = ?",
            department,
            markers,
        );
        int(&mut sql, " AND ad.tenant_id = ?)", w.tenant.0, markers);
    }
    if let Some(category) = w.category {
        int(&mut sql, " AND c.category_id = ?", category, markers);
    }
    match w.reach {
        Reach::Sites(None) => {}
        Reach::Sites(Some(sites)) if sites.is_empty() => sql.push_str(" AND 1 = 0"),
        Reach::Sites(Some(sites)) => {
            sql.push_str(" AND c.site_id IN (");
            for (i, s) in sites.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                int(&mut sql, "?", s.0, markers);
            }
            sql.push(')');
        }
        Reach::Own(me) => {
            int(&mut sql, " AND (c.agent_id = ?", me.0, markers);
            int(
                &mut sql,
                " OR c.agent_id IN (SELECT a2.id FROM agents a2 JOIN departments d ON d.id = a2.department_id \
                 WHERE d.admin_id = ?",
                me.0,
                markers,
            );
            int(&mut sql, " AND d.tenant_id = ?))", w.tenant.0, markers);
        }
    }
    if let Some(ids) = w.ids {
        if ids.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            sql.push_str(" AND c.id IN (");
            for (i, id) in ids.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                int(&mut sql, "?", *id, markers);
            }
            sql.push(')');
        }
    }
    if w.with_files {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM messages mf WHERE mf.conversation_id = c.id AND mf.file_id IS NOT NULL)",
        );
    }
    if let Some(score) = w.min_score {
        let (t, s) = (markers.one(), markers.one());
        sql.push_str(&format!(
            " AND c.id IN (SELECT conversation_id FROM ratings WHERE tenant_id = {t} AND score >= {s} AND invalid = 0)"
        ));
        binds.push(Bind::Int(w.tenant.0));
        binds.push(Bind::Int(i64::from(score)));
    }
    if let Some(source) = w.source {
        let (d, k) = (markers.one(), markers.one());
        sql.push_str(&format!(
            " AND (LOWER(c.source_domain) LIKE {d} ESCAPE '\\' OR LOWER(c.source_keyword) LIKE {k} ESCAPE '\\')"
        ));
        let pattern = format!("%{}%", crate::infra::db::like_escape(source));
        binds.push(Bind::Text(pattern.clone()));
        binds.push(Bind::Text(pattern));
    }
    if let Some(tag) = w.tag {
        let (t, g) = (markers.one(), markers.one());
        sql.push_str(&format!(
            " AND c.id IN (SELECT conversation_id FROM conversation_tags WHERE tenant_id = {t} AND tag = {g})"
        ));
        binds.push(Bind::Int(w.tenant.0));
        binds.push(Bind::Text(tag.to_owned()));
    }
    (sql, binds)
}

const COLUMNS: &str =
    "c.id, c.site_id, s.name AS site_name, c.visitor_id, v.name AS visitor_name, a.display_name AS agent_name, \
     c.status, c.started_at, c.closed_at, c.last_seq, r.score, r.invalid, c.source_domain, c.source_keyword, c.region";
const TABLES: &str = "conversations c JOIN sites s ON s.id = c.site_id JOIN visitors v ON v.id = c.visitor_id \
     LEFT JOIN agents a ON a.id = c.agent_id LEFT JOIN ratings r ON r.conversation_id = c.id";

fn row(r: &AnyRow) -> Result<RecordRow, sqlx::Error> {
    let score: Option<i64> = r.try_get("score")?;
    let invalid: Option<i64> = r.try_get("invalid")?;
    Ok(RecordRow {
        id: r.try_get("id")?,
        site_id: r.try_get("site_id")?,
        site_name: r.try_get("site_name")?,
        visitor_id: r.try_get("visitor_id")?,
        visitor_name: r.try_get("visitor_name")?,
        agent_name: r.try_get("agent_name")?,
        status: r.try_get("status")?,
        started_at: r.try_get("started_at")?,
        closed_at: r.try_get("closed_at")?,
        messages: r.try_get("last_seq")?,
        rating: score.map(|s| (u8::try_from(s).unwrap_or(0), invalid.unwrap_or(0) != 0)),
        hit: None,
        tags: Vec::new(),
        source_domain: r.try_get("source_domain")?,
        source_keyword: r.try_get("source_keyword")?,
        region: r.try_get("region")?,
    })
}

/// A page of the conversations that match, newest first, and how many match in all.
pub async fn page(
    db: &Db,
    w: &Where<'_>,
    sort: RecordSort,
    offset: i64,
    limit: i64,
) -> Result<(Vec<RecordRow>, i64), ApiError> {
    let mut markers = Markers::new(db.kind);
    let (clause_sql, binds) = clause(w, &mut markers);
    let (limit_marker, offset_marker) = (markers.one(), markers.one());
    let sql = format!(
        "SELECT {COLUMNS} FROM {TABLES} WHERE {clause_sql} ORDER BY {} LIMIT {limit_marker} OFFSET {offset_marker}",
        order(sort)
    );
    let rows = bound(sqlx::query(&sql), &binds).bind(limit).bind(offset).fetch_all(db.reader()).await.or_internal()?;
    let mut rows = rows.iter().map(row).collect::<Result<Vec<_>, _>>().or_internal()?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let tags = tags_of(db, w.tenant, &ids).await?;
    for r in &mut rows {
        r.tags = tags.iter().filter(|(id, _)| *id == r.id).map(|(_, t)| t.clone()).collect();
    }

    let mut markers = Markers::new(db.kind);
    let (clause_sql, binds) = clause(w, &mut markers);
    let sql = format!("SELECT COUNT(*) FROM conversations c WHERE {clause_sql}");
    let total = bound_scalar(sqlx::query_scalar::<_, i64>(&sql), &binds).fetch_one(db.reader()).await.or_internal()?;
    Ok((rows, total))
}

/// One conversation of the tenant within the reach (`None`: not there, or not the reader's).
pub async fn record(
    db: &Db,
    tenant: TenantId,
    reach: &Reach,
    id: ConversationId,
) -> Result<Option<RecordRow>, ApiError> {
    Ok(listed(db, tenant, reach, &[id.0], RecordSort::Newest).await?.into_iter().next())
}

/// These conversations of the tenant within the reach, in the sort's order.
pub async fn listed(
    db: &Db,
    tenant: TenantId,
    reach: &Reach,
    ids: &[i64],
    sort: RecordSort,
) -> Result<Vec<RecordRow>, ApiError> {
    let w = Where {
        tenant,
        reach,
        from: i64::MIN,
        to: i64::MAX,
        site: None,
        agent: None,
        ids: Some(ids),
        tag: None,
        with_files: false,
        min_score: None,
        department: None,
        category: None,
        source: None,
    };
    Ok(page(db, &w, sort, 0, ids.len() as i64).await?.0)
}

/// These conversations of the tenant (ids an export already checked against the reader's scope),
/// in the sort's order; those deleted since are left out.
pub async fn records(db: &Db, tenant: TenantId, ids: &[i64], sort: RecordSort) -> Result<Vec<RecordRow>, ApiError> {
    listed(db, tenant, &Reach::Sites(None), ids, sort).await
}

/// The ids of the conversations that match, in the sort's order (at most `limit`).
pub async fn ids(db: &Db, w: &Where<'_>, sort: RecordSort, limit: i64) -> Result<Vec<i64>, ApiError> {
    let mut markers = Markers::new(db.kind);
    let (clause_sql, binds) = clause(w, &mut markers);
    let limit_marker = markers.one();
    let sql =
        format!("SELECT c.id FROM conversations c WHERE {clause_sql} ORDER BY {} LIMIT {limit_marker}", order(sort));
    bound_scalar(sqlx::query_scalar::<_, i64>(&sql), &binds).bind(limit).fetch_all(db.reader()).await.or_internal()
}

/// A conversation's messages in order (at most `limit`).
pub async fn messages(db: &Db, tenant: TenantId, id: ConversationId, limit: i64) -> Result<Vec<ChatMessage>, ApiError> {
    let sql = format!(
        "SELECT m.conversation_id, m.seq, m.sender_kind, m.sender_name, m.client_msg_id, m.body, m.sent_at, \
         m.retracted_at, {} FROM messages m LEFT JOIN files f ON f.id = m.file_id \
         WHERE m.conversation_id = $1 AND m.tenant_id = $2 ORDER BY m.seq LIMIT $3",
        crate::chat::repo::FILE_COLUMNS
    );
    let rows = sqlx::query(&sql).bind(id.0).bind(tenant.0).bind(limit).fetch_all(db.reader()).await.or_internal()?;
    rows.iter().map(crate::chat::repo::message_from_row).collect::<Result<_, _>>().or_internal()
}

/// A conversation's events in order.
pub async fn events(db: &Db, tenant: TenantId, id: ConversationId) -> Result<Vec<EventLine>, ApiError> {
    let rows = sqlx::query(
        "SELECT e.at, e.kind, e.detail, a.display_name AS agent_name, o.display_name AS other_name \
         FROM conversation_events e LEFT JOIN agents a ON a.id = e.agent_id LEFT JOIN agents o ON o.id = e.other_agent_id \
         WHERE e.conversation_id = $1 AND e.tenant_id = $2 ORDER BY e.id",
    )
    .bind(id.0)
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(EventLine {
                at: r.try_get("at")?,
                kind: r.try_get("kind")?,
                agent_name: r.try_get("agent_name")?,
                other_name: r.try_get("other_name")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// The tags of these conversations, in order: `(conversation, tag)`.
async fn tags_of(db: &Db, tenant: TenantId, ids: &[i64]) -> Result<Vec<(i64, String)>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut markers = Markers::new(db.kind);
    let t = markers.one();
    let list = markers.list(ids.len());
    let sql = format!(
        "SELECT conversation_id, tag FROM conversation_tags WHERE tenant_id = {t} AND conversation_id IN ({list}) \
         ORDER BY conversation_id, tag"
    );
    let mut query = sqlx::query(&sql).bind(tenant.0);
    for id in ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(db.reader()).await.or_internal()?;
    rows.iter()
        .map(|r| Ok((r.try_get("conversation_id")?, r.try_get("tag")?)))
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// A conversation's notes, oldest first.
pub async fn notes(db: &Db, tenant: TenantId, id: ConversationId) -> Result<Vec<NoteLine>, ApiError> {
    let rows = sqlx::query(
        "SELECT n.id, a.display_name, n.body, n.created_at FROM conversation_notes n JOIN agents a ON a.id = n.agent_id \
         WHERE n.conversation_id = $1 AND n.tenant_id = $2 ORDER BY n.id",
    )
    .bind(id.0)
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(NoteLine {
                id: r.try_get("id")?,
                agent_name: r.try_get("display_name")?,
                body: r.try_get("body")?,
                at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// Adds a note, unless the conversation has [`super::MAX_NOTES`] already (`false`).
pub async fn add_note(
    w: &mut crate::infra::db::Writer,
    tenant: TenantId,
    id: ConversationId,
    agent: AgentId,
    body: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let held: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM conversation_notes WHERE conversation_id = $1 AND tenant_id = $2")
            .bind(id.0)
            .bind(tenant.0)
            .fetch_one(&mut **w)
            .await
            .or_internal()?;
    if held >= super::MAX_NOTES {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO conversation_notes (tenant_id, conversation_id, agent_id, body, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(agent.0)
    .bind(body)
    .bind(now)
    .execute(&mut **w)
    .await
    .or_internal()?;
    Ok(true)
}

/// Replaces a conversation's tags.
pub async fn set_tags(
    w: &mut crate::infra::db::Writer,
    tenant: TenantId,
    id: ConversationId,
    tags: &[String],
) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM conversation_tags WHERE conversation_id = $1 AND tenant_id = $2")
        .bind(id.0)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    for tag in tags {
        sqlx::query("INSERT INTO conversation_tags (tenant_id, conversation_id, tag) VALUES ($1, $2, $3)")
            .bind(tenant.0)
            .bind(id.0)
            .bind(tag)
            .execute(&mut **w)
            .await
            .or_internal()?;
    }
    Ok(())
}

/// The company's departments and categories, by name (the records page's filters).
pub async fn choices(db: &Db, tenant: TenantId) -> Result<super::RecordChoices, ApiError> {
    let mut lists = Vec::new();
    for table in ["departments", "categories"] {
        // The table's name comes from the line above, never from a request.
        let sql = format!("SELECT id, name FROM {table} WHERE tenant_id = $1 ORDER BY name, id");
        let rows = sqlx::query(&sql).bind(tenant.0).fetch_all(db.reader()).await.or_internal()?;
        let list = rows
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
            .collect::<Result<Vec<(i64, String)>, sqlx::Error>>()
            .or_internal()?;
        lists.push(list);
    }
    let categories = lists.pop().unwrap_or_default();
    let departments = lists.pop().unwrap_or_default();
    Ok(super::RecordChoices { departments, categories })
}

/// What [`purge`] removes of a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purge {
    /// Everything: the conversation is gone from records and figures (a deletion, the retention).
    Whole,
    /// What a person said or is named by (messages, files, notes, tags, whispers, rating comments,
    /// event details); the conversation's row, times, agent and score stay for the figures (an
    /// erasure of its visitor).
    Content,
}

/// Removes these conversations of the tenant (as far as `how` says), in the caller's transaction;
/// the public ids of the files that went with them, whose bytes the caller removes after commit.
pub async fn purge(
    w: &mut crate::infra::db::Writer,
    tenant: TenantId,
    ids: &[i64],
    how: Purge,
) -> Result<Vec<String>, ApiError> {
    let mut files = Vec::new();
    for ids in ids.chunks(500) {
        files.extend(purge_some(w, tenant, ids, how).await?);
    }
    Ok(files)
}

async fn purge_some(
    w: &mut crate::infra::db::Writer,
    tenant: TenantId,
    ids: &[i64],
    how: Purge,
) -> Result<Vec<String>, ApiError> {
    use crate::infra::db::DbKind;
    let kind = w.kind();
    // Every statement: `… conversation_id IN (ids) AND tenant_id = t`, with its own markers.
    let run = |sql: &str| {
        let mut markers = Markers::new(kind);
        let list = markers.list(ids.len());
        let t = markers.one();
        sql.replace("{ids}", &list).replace("{t}", &t)
    };
    let files_sql = run("SELECT DISTINCT f.public_id FROM files f JOIN messages m ON m.file_id = f.id \
         WHERE m.conversation_id IN ({ids}) AND m.tenant_id = {t}");
    let mut query = sqlx::query_scalar::<_, String>(&files_sql);
    for id in ids {
        query = query.bind(*id);
    }
    let files: Vec<String> = query.bind(tenant.0).fetch_all(&mut **w).await.or_internal()?;

    let search = match kind {
        DbKind::Sqlite => {
            "DELETE FROM message_search WHERE rowid IN \
             (SELECT id FROM messages WHERE conversation_id IN ({ids}) AND tenant_id = {t})"
        }
        DbKind::Postgres => {
            "DELETE FROM message_search WHERE message_id IN \
             (SELECT id FROM messages WHERE conversation_id IN ({ids}) AND tenant_id = {t})"
        }
    };
    let mut statements = vec![
        search,
        "DELETE FROM messages WHERE conversation_id IN ({ids}) AND tenant_id = {t}",
        "DELETE FROM conversation_notes WHERE conversation_id IN ({ids}) AND tenant_id = {t}",
        "DELETE FROM conversation_tags WHERE conversation_id IN ({ids}) AND tenant_id = {t}",
        "DELETE FROM conversation_whispers WHERE conversation_id IN ({ids}) AND tenant_id = {t}",
    ];
    statements.extend(match how {
        Purge::Content => [
            "UPDATE conversation_events SET detail = '' WHERE conversation_id IN ({ids}) AND tenant_id = {t}",
            "UPDATE ratings SET comment = '' WHERE conversation_id IN ({ids}) AND tenant_id = {t}",
            "UPDATE transfers SET note = '' WHERE conversation_id IN ({ids}) AND tenant_id = {t}",
        ]
        .as_slice(),
        Purge::Whole => [
            "DELETE FROM conversation_events WHERE conversation_id IN ({ids}) AND tenant_id = {t}",
            "DELETE FROM ratings WHERE conversation_id IN ({ids}) AND tenant_id = {t}",
            "DELETE FROM transfers WHERE conversation_id IN ({ids}) AND tenant_id = {t}",
            "DELETE FROM conversation_guests WHERE conversation_id IN ({ids}) AND tenant_id = {t}",
            "DELETE FROM route_declines WHERE conversation_id IN ({ids}) AND tenant_id = {t}",
            // An invitation that led to the chat still counts as accepted.
            "UPDATE invitations SET conversation_id = NULL WHERE conversation_id IN ({ids}) AND tenant_id = {t}",
            "UPDATE conversations SET previous_id = NULL WHERE previous_id IN ({ids}) AND tenant_id = {t}",
            "DELETE FROM conversations WHERE id IN ({ids}) AND tenant_id = {t}",
        ]
        .as_slice(),
    });
    for sql in statements {
        let sql = run(sql);
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        query.bind(tenant.0).execute(&mut **w).await.or_internal()?;
    }
    // The files no message sends any more (a file forwarded into another chat stays).
    let mut gone = Vec::new();
    for public_id in files {
        let deleted = sqlx::query(
            "DELETE FROM files WHERE public_id = $1 AND tenant_id = $2 \
             AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.file_id = files.id)",
        )
        .bind(&public_id)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
        if deleted.rows_affected() > 0 {
            gone.push(public_id);
        }
    }
    Ok(gone)
}
