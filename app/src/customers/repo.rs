//! The SQL of customers. Every statement names its tenant.

use kefu_protocol::{ApiError, SiteId, TenantId, VisitorId};
use sqlx::Row as _;

use super::{CustomerFilter, CustomerRow};
use crate::infra::db::{bound, bound_scalar, like_escape, Bind, Db, Markers, Writer};
use crate::infra::OrInternal;

/// A visitor the team knows: named, reachable, tagged or a member; not erased nor merged away.
const KNOWN: &str = "v.token_hash NOT LIKE 'erased:%' AND v.token_hash NOT LIKE 'merged:%' \
     AND (v.name IS NOT NULL OR v.email <> '' OR v.phone <> '' OR v.company <> '' OR v.tags <> '' \
     OR v.member_id IS NOT NULL OR v.claimed_id IS NOT NULL)";

/// What a list asks for: the tenant, the sites in scope (`None`: all), the filter, and its search
/// text and tag checked and lower-cased.
pub struct Search<'a> {
    pub tenant: TenantId,
    pub sites: Option<&'a [SiteId]>,
    pub filter: &'a CustomerFilter,
    pub query: &'a str,
    pub tag: &'a str,
}

/// The `WHERE` clause of a search (markers in text order) and its binds.
fn clause(search: &Search<'_>, markers: &mut Markers) -> (String, Vec<Bind>) {
    let Search { tenant, sites, filter, query, tag } = *search;
    let mut sql = format!("v.tenant_id = {} AND {KNOWN}", markers.one());
    let mut binds = vec![Bind::Int(tenant.0)];
    if let Some(sites) = sites {
        if sites.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            sql.push_str(&format!(" AND v.site_id IN ({})", markers.list(sites.len())));
            binds.extend(sites.iter().map(|s| Bind::Int(s.0)));
        }
    }
    if let Some(site) = filter.site_id {
        sql.push_str(&format!(" AND v.site_id = {}", markers.one()));
        binds.push(Bind::Int(site));
    }
    if !query.is_empty() {
        let pattern = format!("%{}%", like_escape(query));
        let columns = ["LOWER(v.name)", "LOWER(v.email)", "v.phone", "LOWER(v.company)", "LOWER(v.member_id)"];
        let tests: Vec<String> = columns.iter().map(|c| format!("{c} LIKE {} ESCAPE '\\'", markers.one())).collect();
        sql.push_str(&format!(" AND ({})", tests.join(" OR ")));
        binds.extend(columns.iter().map(|_| Bind::Text(pattern.clone())));
    }
    if !tag.is_empty() {
        // Tags are stored one per line: the tag whole, between line ends.
        let (open, close, pattern) = (markers.one(), markers.one(), markers.one());
        sql.push_str(&format!(" AND LOWER({open} || v.tags || {close}) LIKE {pattern} ESCAPE '\\'"));
        binds.push(Bind::Text("\n".into()));
        binds.push(Bind::Text("\n".into()));
        binds.push(Bind::Text(format!("%\n{}\n%", like_escape(tag))));
    }
    if filter.from > 0 {
        sql.push_str(&format!(" AND v.last_seen >= {}", markers.one()));
        binds.push(Bind::Int(filter.from));
    }
    if filter.to > 0 {
        sql.push_str(&format!(" AND v.last_seen < {}", markers.one()));
        binds.push(Bind::Int(filter.to));
    }
    (sql, binds)
}

/// A page of the customers that match, the most recently seen first, and how many match in all.
pub async fn page(db: &Db, search: &Search<'_>, offset: i64, limit: i64) -> Result<(Vec<CustomerRow>, i64), ApiError> {
    let mut markers = Markers::new(db.kind);
    let (where_sql, binds) = clause(search, &mut markers);
    let (l, o) = (markers.one(), markers.one());
    let sql = format!(
        "SELECT v.id, v.site_id, s.name AS site_name, v.name, v.email, v.phone, v.company, v.tags, v.member_id, \
         v.claimed_id, v.last_seen, v.visits, \
         (SELECT COUNT(*) FROM conversations c WHERE c.visitor_id = v.id AND c.tenant_id = v.tenant_id) AS chats \
         FROM visitors v JOIN sites s ON s.id = v.site_id AND s.tenant_id = v.tenant_id \
         WHERE {where_sql} ORDER BY v.last_seen DESC, v.id DESC LIMIT {l} OFFSET {o}"
    );
    let rows = bound(sqlx::query(&sql), &binds).bind(limit).bind(offset).fetch_all(db.reader()).await.or_internal()?;
    let rows = rows
        .iter()
        .map(|r| {
            let tags: String = r.try_get("tags")?;
            let member: Option<String> = r.try_get("member_id")?;
            let claimed: Option<String> = r.try_get("claimed_id")?;
            Ok(CustomerRow {
                id: r.try_get("id")?,
                site_id: r.try_get("site_id")?,
                site_name: r.try_get("site_name")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                phone: r.try_get("phone")?,
                company: r.try_get("company")?,
                tags: tags.lines().map(str::to_owned).collect(),
                member: member.or(claimed),
                last_seen: r.try_get("last_seen")?,
                visits: r.try_get("visits")?,
                conversations: r.try_get("chats")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .or_internal()?;
    let mut markers = Markers::new(db.kind);
    let (where_sql, binds) = clause(search, &mut markers);
    let sql = format!("SELECT COUNT(*) FROM visitors v WHERE {where_sql}");
    let total = bound_scalar(sqlx::query_scalar::<_, i64>(&sql), &binds).fetch_one(db.reader()).await.or_internal()?;
    Ok((rows, total))
}

/// A customer's site, browser token and whether a chat of theirs is live (`None`: not the
/// tenant's, erased or merged away).
pub async fn customer(
    db: &Db,
    tenant: TenantId,
    visitor: VisitorId,
) -> Result<Option<(SiteId, String, bool)>, ApiError> {
    let row = sqlx::query(
        "SELECT v.site_id, v.token_hash, CASE WHEN EXISTS (SELECT 1 FROM conversations c WHERE c.visitor_id = v.id \
         AND c.status = 'open') THEN 1 ELSE 0 END AS live FROM visitors v \
         WHERE v.id = $1 AND v.tenant_id = $2 AND v.token_hash NOT LIKE 'erased:%' AND v.token_hash NOT LIKE 'merged:%'",
    )
    .bind(visitor.0)
    .bind(tenant.0)
    .fetch_optional(db.reader())
    .await
    .or_internal()?;
    row.map(|r| Ok((SiteId(r.try_get("site_id")?), r.try_get("token_hash")?, r.try_get::<i64, _>("live")? != 0)))
        .transpose()
        .or_internal()
}

/// What the kept customer's card becomes.
pub struct MergedCard<'a> {
    pub name: Option<&'a str>,
    pub email: &'a str,
    pub phone: &'a str,
    pub company: &'a str,
    pub tags: String,
    pub notes: String,
    pub member: Option<&'a str>,
    pub claimed: Option<&'a str>,
    pub details: String,
    pub registered_at: Option<i64>,
}

/// Moves everything that names `merged` to `kept`, makes `merged`'s browser a further device of
/// `kept`, and leaves `merged` an empty shell no list shows; in the caller's transaction.
pub async fn merge(
    w: &mut Writer,
    tenant: TenantId,
    kept: VisitorId,
    merged: VisitorId,
    merged_token: &str,
    card: &MergedCard<'_>,
    at: i64,
) -> Result<(), ApiError> {
    for table in ["conversations", "page_views", "invitations", "blocks", "visitor_devices"] {
        // The table's name comes from the line above, never from a request.
        let sql = format!("UPDATE {table} SET visitor_id = $1 WHERE visitor_id = $2 AND tenant_id = $3");
        sqlx::query(&sql).bind(kept.0).bind(merged.0).bind(tenant.0).execute(&mut **w).await.or_internal()?;
    }
    // The shell first: its member id is unique per site and goes to the kept card.
    sqlx::query(
        "UPDATE visitors SET token_hash = $1, name = NULL, email = '', phone = '', company = '', tags = '', notes = '', \
         member_id = NULL, claimed_id = NULL, details = '', registered_at = NULL, card_version = card_version + 1 \
         WHERE id = $2 AND tenant_id = $3",
    )
    .bind(format!("merged:{}:{}", merged.0, kept.0))
    .bind(merged.0)
    .bind(tenant.0)
    .execute(&mut **w)
    .await
    .or_internal()?;
    sqlx::query("INSERT INTO visitor_devices (token_hash, visitor_id, tenant_id, created_at) VALUES ($1, $2, $3, $4)")
        .bind(merged_token)
        .bind(kept.0)
        .bind(tenant.0)
        .bind(at)
        .execute(&mut **w)
        .await
        .or_internal()?;
    sqlx::query(
        "UPDATE visitors SET name = $1, email = $2, phone = $3, company = $4, tags = $5, notes = $6, member_id = $7, \
         claimed_id = $8, details = $9, registered_at = $10, card_version = visitors.card_version + 1, \
         first_seen = CASE WHEN m.first_seen < visitors.first_seen THEN m.first_seen ELSE visitors.first_seen END, \
         visits = visitors.visits + m.visits, \
         last_seen = CASE WHEN m.last_seen > visitors.last_seen THEN m.last_seen ELSE visitors.last_seen END \
         FROM (SELECT first_seen, visits, last_seen FROM visitors WHERE id = $11) m \
         WHERE visitors.id = $12 AND visitors.tenant_id = $13",
    )
    .bind(card.name)
    .bind(card.email)
    .bind(card.phone)
    .bind(card.company)
    .bind(&card.tags)
    .bind(&card.notes)
    .bind(card.member)
    .bind(card.claimed)
    .bind(&card.details)
    .bind(card.registered_at)
    .bind(merged.0)
    .bind(kept.0)
    .bind(tenant.0)
    .execute(&mut **w)
    .await
    .or_internal()?;
    Ok(())
}
