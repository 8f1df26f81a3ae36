//! The SQL of data requests and retention. Every statement names its tenant.

use kefu_protocol::{AgentId, ApiError, SiteId, TenantId, VisitorId};
use sqlx::Row as _;

use super::{ErasureRow, RetentionRow, VisitorHit};
use crate::infra::db::{bound, like_escape, Bind, Db, Markers, Writer};
use crate::infra::OrInternal;

/// ` AND {column} IN (…)` for a site list (`None`: every site), with its binds.
fn sites_clause(column: &str, sites: Option<&[SiteId]>, markers: &mut Markers) -> (String, Vec<i64>) {
    match sites {
        None => (String::new(), Vec::new()),
        Some([]) => (" AND 1 = 0".to_owned(), Vec::new()),
        Some(sites) => {
            (format!(" AND {column} IN ({})", markers.list(sites.len())), sites.iter().map(|s| s.0).collect())
        }
    }
}

/// Visitors of the tenant (on these sites) whose number is `query`, or whose name, e-mail, phone
/// or member id holds it; the most recently seen first.
pub async fn find(
    db: &Db,
    tenant: TenantId,
    sites: Option<&[SiteId]>,
    query: &str,
) -> Result<Vec<VisitorHit>, ApiError> {
    let mut markers = Markers::new(db.kind);
    let (t, number) = (markers.one(), markers.one());
    let pattern = format!("%{}%", like_escape(&query.to_lowercase()));
    let columns = ["LOWER(v.name)", "LOWER(v.email)", "v.phone", "v.member_id"];
    let tests: Vec<String> = columns.iter().map(|c| format!(" OR {c} LIKE {} ESCAPE '\\'", markers.one())).collect();
    let (in_sites, site_binds) = sites_clause("v.site_id", sites, &mut markers);
    let limit = markers.one();
    let sql = format!(
        "SELECT v.id, s.name AS site_name, v.name, v.email, v.phone, v.member_id, v.last_seen, \
         (SELECT COUNT(*) FROM conversations c WHERE c.visitor_id = v.id AND c.tenant_id = v.tenant_id) AS chats \
         FROM visitors v JOIN sites s ON s.id = v.site_id AND s.tenant_id = v.tenant_id \
         WHERE v.tenant_id = {t} AND v.token_hash NOT LIKE 'erased:%' AND v.token_hash NOT LIKE 'merged:%' \
         AND (v.id = {number}{}){in_sites} ORDER BY v.last_seen DESC, v.id DESC LIMIT {limit}",
        tests.concat()
    );
    let mut binds = vec![Bind::Int(tenant.0), Bind::Int(query.trim().parse::<i64>().unwrap_or(-1))];
    binds.extend(columns.iter().map(|_| Bind::Text(pattern.clone())));
    binds.extend(site_binds.into_iter().map(Bind::Int));
    let q = bound(sqlx::query(&sql), &binds);
    let rows = q.bind(super::FOUND_AT_MOST).fetch_all(db.reader()).await.or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(VisitorHit {
                id: r.try_get("id")?,
                site_name: r.try_get("site_name")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                phone: r.try_get("phone")?,
                member: r.try_get("member_id")?,
                last_seen: r.try_get("last_seen")?,
                conversations: r.try_get("chats")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// A visitor's site (`None`: not the tenant's, or erased already).
pub async fn visitor_site(db: &Db, tenant: TenantId, visitor: VisitorId) -> Result<Option<SiteId>, ApiError> {
    sqlx::query_scalar(
        "SELECT site_id FROM visitors WHERE id = $1 AND tenant_id = $2 AND token_hash NOT LIKE 'erased:%'",
    )
    .bind(visitor.0)
    .bind(tenant.0)
    .fetch_optional(db.reader())
    .await
    .map(|site| site.map(SiteId))
    .or_internal()
}

/// The visitor's conversations read in the caller's transaction, so none opens between this and
/// the erasure (`None`: one of them is live).
pub async fn ended_conversations(
    w: &mut Writer,
    tenant: TenantId,
    visitor: VisitorId,
) -> Result<Option<Vec<i64>>, ApiError> {
    let rows = sqlx::query("SELECT id, status FROM conversations WHERE visitor_id = $1 AND tenant_id = $2")
        .bind(visitor.0)
        .bind(tenant.0)
        .fetch_all(&mut **w)
        .await
        .or_internal()?;
    let mut ids = Vec::with_capacity(rows.len());
    for r in &rows {
        if r.try_get::<String, _>("status").or_internal()? == "open" {
            return Ok(None);
        }
        ids.push(r.try_get("id").or_internal()?);
    }
    Ok(Some(ids))
}

/// The visitor's conversations, oldest first.
pub async fn conversation_ids(db: &Db, tenant: TenantId, visitor: VisitorId) -> Result<Vec<i64>, ApiError> {
    sqlx::query_scalar("SELECT id FROM conversations WHERE visitor_id = $1 AND tenant_id = $2 ORDER BY started_at, id")
        .bind(visitor.0)
        .bind(tenant.0)
        .fetch_all(db.reader())
        .await
        .or_internal()
}

/// What an erasure took.
pub struct Erased {
    pub conversations: i64,
    pub messages: i64,
    pub page_views: i64,
    /// Files whose bytes went (set once the conversations are purged).
    pub files: i64,
}

/// Empties the visitor's card and removes their page views, devices and blocks (their
/// conversations' contents go through `records::repo::purge`), in the caller's transaction.
pub async fn erase(w: &mut Writer, tenant: TenantId, visitor: VisitorId) -> Result<Erased, ApiError> {
    let mut counts = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM conversations WHERE visitor_id = $1 AND tenant_id = $2",
        "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE c.visitor_id = $1 AND c.tenant_id = $2",
        "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1 AND tenant_id = $2",
    ] {
        let n: i64 = sqlx::query_scalar(sql).bind(visitor.0).bind(tenant.0).fetch_one(&mut **w).await.or_internal()?;
        counts.push(n);
    }
    for sql in [
        "DELETE FROM page_views WHERE visitor_id = $1 AND tenant_id = $2",
        "DELETE FROM visitor_devices WHERE visitor_id = $1 AND tenant_id = $2",
        "DELETE FROM blocks WHERE visitor_id = $1 AND tenant_id = $2",
        // The token no browser holds any more: the visitor's next visit is a stranger's.
        "UPDATE visitors SET name = NULL, email = '', phone = '', company = '', tags = '', notes = '', \
         member_id = NULL, claimed_id = NULL, details = '', registered_at = NULL, \
         token_hash = 'erased:' || CAST(id AS TEXT), card_version = card_version + 1 \
         WHERE id = $1 AND tenant_id = $2",
    ] {
        sqlx::query(sql).bind(visitor.0).bind(tenant.0).execute(&mut **w).await.or_internal()?;
    }
    Ok(Erased { conversations: counts[0], messages: counts[1], page_views: counts[2], files: 0 })
}

/// Records an erasure.
pub async fn insert_erasure(
    w: &mut Writer,
    tenant: TenantId,
    site: SiteId,
    visitor: VisitorId,
    agent: AgentId,
    erased: &Erased,
    at: i64,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO erasures (tenant_id, site_id, visitor_id, agent_id, conversations, messages, page_views, files, erased_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant.0)
    .bind(site.0)
    .bind(visitor.0)
    .bind(agent.0)
    .bind(erased.conversations)
    .bind(erased.messages)
    .bind(erased.page_views)
    .bind(erased.files)
    .bind(at)
    .execute(&mut **w)
    .await
    .or_internal()?;
    Ok(())
}

/// The tenant's erasures (on these sites), newest first (at most 200).
pub async fn erasures(db: &Db, tenant: TenantId, sites: Option<&[SiteId]>) -> Result<Vec<ErasureRow>, ApiError> {
    let mut markers = Markers::new(db.kind);
    let t = markers.one();
    let (in_sites, site_binds) = sites_clause("e.site_id", sites, &mut markers);
    let sql = format!(
        "SELECT e.visitor_id, s.name AS site_name, a.display_name AS agent_name, e.conversations, e.messages, \
         e.page_views, e.files, e.erased_at FROM erasures e JOIN sites s ON s.id = e.site_id \
         LEFT JOIN agents a ON a.id = e.agent_id WHERE e.tenant_id = {t}{in_sites} \
         ORDER BY e.erased_at DESC, e.id DESC LIMIT 200"
    );
    let mut q = sqlx::query(&sql).bind(tenant.0);
    for site in site_binds {
        q = q.bind(site);
    }
    let rows = q.fetch_all(db.reader()).await.or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(ErasureRow {
                visitor_id: r.try_get("visitor_id")?,
                site_name: r.try_get("site_name")?,
                agent_name: r.try_get("agent_name")?,
                conversations: r.try_get("conversations")?,
                messages: r.try_get("messages")?,
                page_views: r.try_get("page_views")?,
                files: r.try_get("files")?,
                erased_at: r.try_get("erased_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// The tenant's sites (these, when given) with their retention, by name.
pub async fn retention(db: &Db, tenant: TenantId, sites: Option<&[SiteId]>) -> Result<Vec<RetentionRow>, ApiError> {
    let mut markers = Markers::new(db.kind);
    let t = markers.one();
    let (in_sites, site_binds) = sites_clause("id", sites, &mut markers);
    let sql = format!(
        "SELECT id, name, record_retention_days FROM sites WHERE tenant_id = {t} AND deleted_at IS NULL{in_sites} ORDER BY name, id"
    );
    let mut q = sqlx::query(&sql).bind(tenant.0);
    for site in site_binds {
        q = q.bind(site);
    }
    let rows = q.fetch_all(db.reader()).await.or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(RetentionRow {
                site_id: r.try_get("id")?,
                site_name: r.try_get("name")?,
                days: r.try_get("record_retention_days")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// Sets a site's retention; `false` when the site is not the tenant's.
pub async fn set_retention(w: &mut Writer, tenant: TenantId, site: SiteId, days: i64) -> Result<bool, ApiError> {
    let done = sqlx::query("UPDATE sites SET record_retention_days = $1 WHERE id = $2 AND tenant_id = $3")
        .bind(days)
        .bind(site.0)
        .bind(tenant.0)
        .execute(&mut **w)
        .await
        .or_internal()?;
    Ok(done.rows_affected() > 0)
}

/// Ended conversations older than their site's retention (at most `limit`), by tenant.
pub async fn expired(db: &Db, now: i64, limit: i64) -> Result<Vec<(TenantId, i64)>, ApiError> {
    let rows = sqlx::query(
        "SELECT c.tenant_id, c.id FROM conversations c JOIN sites s ON s.id = c.site_id \
         WHERE s.record_retention_days > 0 AND c.status = 'closed' \
         AND c.closed_at < $1 - s.record_retention_days * 86400000 ORDER BY c.tenant_id, c.id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| Ok((TenantId(r.try_get("tenant_id")?), r.try_get("id")?)))
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// One page of the visitor's page views after `after` (an id), oldest first.
pub async fn page_views(
    db: &Db,
    tenant: TenantId,
    visitor: VisitorId,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, serde_json::Value)>, ApiError> {
    let rows = sqlx::query(
        "SELECT id, url, title, referrer, user_agent, ip, viewed_at FROM page_views \
         WHERE visitor_id = $1 AND tenant_id = $2 AND id > $3 ORDER BY id LIMIT $4",
    )
    .bind(visitor.0)
    .bind(tenant.0)
    .bind(after)
    .bind(limit)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                serde_json::json!({
                    "url": r.try_get::<String, _>("url")?,
                    "title": r.try_get::<String, _>("title")?,
                    "referrer": r.try_get::<String, _>("referrer")?,
                    "user_agent": r.try_get::<String, _>("user_agent")?,
                    "ip": r.try_get::<String, _>("ip")?,
                    "viewed_at": r.try_get::<i64, _>("viewed_at")?,
                }),
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// The comments the visitor left with their ratings: `(conversation, comment)`.
pub async fn rating_comments(db: &Db, tenant: TenantId, visitor: VisitorId) -> Result<Vec<(i64, String)>, ApiError> {
    let rows = sqlx::query(
        "SELECT r.conversation_id, r.comment FROM ratings r JOIN conversations c ON c.id = r.conversation_id \
         WHERE c.visitor_id = $1 AND r.tenant_id = $2 AND r.comment <> ''",
    )
    .bind(visitor.0)
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| Ok((r.try_get("conversation_id")?, r.try_get("comment")?)))
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// A table of the company export: its name, the column its rows are paged by (unique, numeric;
/// `None`: paged by offset in `order` order), its order, and the columns left out (secrets).
pub struct Dumped {
    pub table: &'static str,
    pub key: Option<&'static str>,
    pub order: &'static str,
    pub secret: &'static [&'static str],
    /// For a table without its own `tenant_id`: the join that reaches one, and that column.
    pub through: Option<(&'static str, &'static str)>,
}

const fn d(table: &'static str, key: Option<&'static str>, order: &'static str) -> Dumped {
    Dumped { table, key, order, secret: &[], through: None }
}

/// Every table the company export writes, in order. Names come from here, never from a request.
pub const DUMPED: &[Dumped] = &[
    Dumped { secret: &["identity_secret"], ..d("sites", Some("id"), "id") },
    d("roles", Some("id"), "id"),
    d("departments", Some("id"), "id"),
    Dumped { secret: &["password_hash"], ..d("agents", Some("id"), "id") },
    d("agent_sites", None, "agent_id, site_id"),
    d("agent_regions", None, "agent_id, region"),
    d("categories", Some("id"), "id"),
    d("category_agents", None, "category_id, agent_id"),
    d("category_sites", None, "category_id, site_id"),
    d("file_settings", Some("site_id"), "site_id"),
    d("canned_folders", Some("id"), "id"),
    d("canned_replies", Some("id"), "id"),
    d("library_files", Some("id"), "id"),
    Dumped { secret: &["token_hash"], ..d("visitors", Some("id"), "id") },
    d("page_views", Some("id"), "id"),
    d("blocks", Some("id"), "id"),
    d("invitations", Some("id"), "id"),
    d("conversations", Some("id"), "id"),
    d("messages", Some("id"), "id"),
    d("files", Some("id"), "id"),
    d("conversation_events", Some("id"), "id"),
    d("conversation_guests", None, "conversation_id, agent_id"),
    d("transfers", Some("id"), "id"),
    d("ratings", Some("conversation_id"), "conversation_id"),
    d("conversation_notes", Some("id"), "id"),
    d("conversation_tags", None, "conversation_id, tag"),
    d("conversation_whispers", Some("id"), "id"),
    d("colleague_threads", Some("id"), "id"),
    Dumped {
        through: Some(("JOIN colleague_threads t ON t.id = colleague_messages.thread_id", "t.tenant_id")),
        ..d("colleague_messages", None, "colleague_messages.thread_id, colleague_messages.seq")
    },
    d("broadcasts", Some("id"), "id"),
    Dumped {
        through: Some(("JOIN broadcasts b ON b.id = broadcast_recipients.broadcast_id", "b.tenant_id")),
        ..d("broadcast_recipients", None, "broadcast_recipients.broadcast_id, broadcast_recipients.agent_id")
    },
    d("stats_daily", None, "site_id, day"),
    d("stats_ranked", None, "site_id, dim, day, key"),
    d("stats_timing", None, "site_id, metric, day, scope"),
    d("erasures", Some("id"), "id"),
    d("oplog", Some("id"), "id"),
];

/// The tables the company export leaves out, and why: every other table is in [`DUMPED`] (a test
/// holds the schema to this, so a new table is exported or named here).
pub const LEFT_OUT: &[(&str, &str)] = &[
    ("tenants", "the company's own row is company.json"),
    ("sessions", "sign-in secrets"),
    ("visitor_devices", "browser tokens"),
    ("avatars", "pictures (bytes), drawn again from an upload; file bytes are not in the archive either"),
    ("route_declines", "which agent declined a chat offer while it was being routed: transient"),
    ("search_backfill", "the search index's progress, not company data"),
    ("message_search", "the search index, rebuilt from the messages"),
];

/// A page of a dumped table's rows of the tenant, each as a JSON object (secrets left out), after
/// the key `after` (keyed tables) or from row `after` (the others); and where the next page starts
/// (`None`: this was the last).
pub async fn dump_page(
    db: &Db,
    tenant: TenantId,
    dumped: &Dumped,
    after: i64,
    limit: i64,
) -> Result<(Vec<serde_json::Value>, Option<i64>), ApiError> {
    let (table, order) = (dumped.table, dumped.order);
    let (join, tenant_column) = dumped.through.unwrap_or(("", "tenant_id"));
    let from = format!("SELECT {table}.* FROM {table} {join} WHERE {tenant_column} = $1");
    let sql = match dumped.key {
        Some(key) => format!("{from} AND {key} > $2 ORDER BY {order} LIMIT $3"),
        None => format!("{from} ORDER BY {order} LIMIT $3 OFFSET $2"),
    };
    let rows = sqlx::query(&sql).bind(tenant.0).bind(after).bind(limit).fetch_all(db.reader()).await.or_internal()?;
    let mut next = None;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut object = serde_json::Map::new();
        for (i, column) in row.columns().iter().enumerate() {
            let name = sqlx::Column::name(column);
            if dumped.secret.contains(&name) {
                continue;
            }
            let value = if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                serde_json::json!(v)
            } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                serde_json::json!(v)
            } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
                serde_json::json!(v)
            } else {
                serde_json::Value::Null
            };
            if Some(name) == dumped.key {
                next = value.as_i64();
            }
            object.insert(name.to_owned(), value);
        }
        out.push(serde_json::Value::Object(object));
    }
    if (rows.len() as i64) < limit {
        return Ok((out, None));
    }
    Ok((out, if dumped.key.is_some() { next } else { Some(after + limit) }))
}

/// The company's own row: its name, account and when it was made.
pub async fn company(db: &Db, tenant: TenantId) -> Result<serde_json::Value, ApiError> {
    let row = sqlx::query("SELECT id, name, account, created_at FROM tenants WHERE id = $1")
        .bind(tenant.0)
        .fetch_one(db.reader())
        .await
        .or_internal()?;
    Ok(serde_json::json!({
        "id": row.try_get::<i64, _>("id").or_internal()?,
        "name": row.try_get::<String, _>("name").or_internal()?,
        "account": row.try_get::<String, _>("account").or_internal()?,
        "created_at": row.try_get::<i64, _>("created_at").or_internal()?,
    }))
}
