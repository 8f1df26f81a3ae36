//! The SQL of statistics. Every statement names its tenant.

use kefu_protocol::{ApiError, SiteId, TenantId};
use sqlx::Row as _;

use super::rank::{Chat, View};
use super::timing::{Handled, Timing};
use super::{Day, Dim, Ranked, TimingMetric};
use crate::infra::db::{Db, Markers, Writer};
use crate::infra::OrInternal;

/// A site's day between two instants (unix ms, `to` exclusive), counted from the raw rows (all
/// but its visits, which [`super::rank`] counts from [`views`]).
pub async fn raw(db: &Db, tenant: TenantId, site: SiteId, from: i64, to: i64) -> Result<Day, ApiError> {
    let views = "FROM page_views p JOIN visitors v ON v.id = p.visitor_id \
                 WHERE p.tenant_id = $1 AND v.site_id = $2 AND p.viewed_at >= $3 AND p.viewed_at < $4";
    let chats = "FROM conversations c WHERE c.tenant_id = $1 AND c.site_id = $2 AND c.started_at >= $3 \
                 AND c.started_at < $4";
    let invited = "FROM invitations i WHERE i.tenant_id = $1 AND i.site_id = $2 AND i.sent_at >= $3 AND i.sent_at < $4";
    let sql = format!(
        "SELECT (SELECT COUNT(*) {views}) AS page_views, (SELECT COUNT(DISTINCT p.visitor_id) {views}) AS visitors, \
         (SELECT COUNT(*) FROM visitors n WHERE n.tenant_id = $1 AND n.site_id = $2 AND n.first_seen >= $3 \
          AND n.first_seen < $4 AND n.token_hash NOT LIKE 'merged:%') AS new_visitors, \
         (SELECT COUNT(*) {chats}) AS chats, \
         (SELECT COUNT(*) {chats} AND c.assigned_at IS NOT NULL) AS accepted, \
         (SELECT COUNT(*) {chats} AND c.status = 'closed' AND c.assigned_at IS NULL) AS missed, \
         (SELECT COUNT(*) {chats} AND c.missed = 1) AS abandoned, \
         (SELECT COUNT(*) {invited}) AS invitations, \
         (SELECT COUNT(*) {invited} AND i.answer = 'accepted') AS invitations_accepted, \
         (SELECT COUNT(*) {invited} AND i.conversation_id IS NOT NULL) AS invited_chats"
    );
    let r =
        sqlx::query(&sql).bind(tenant.0).bind(site.0).bind(from).bind(to).fetch_one(db.reader()).await.or_internal()?;
    let day = || -> Result<Day, sqlx::Error> {
        Ok(Day {
            day: String::new(),
            page_views: r.try_get("page_views")?,
            visitors: r.try_get("visitors")?,
            new_visitors: r.try_get("new_visitors")?,
            visits: 0,
            chats: r.try_get("chats")?,
            accepted: r.try_get("accepted")?,
            missed: r.try_get("missed")?,
            abandoned: r.try_get("abandoned")?,
            invitations: r.try_get("invitations")?,
            invitations_accepted: r.try_get("invitations_accepted")?,
            invited_chats: r.try_get("invited_chats")?,
        })
    };
    day().or_internal()
}

/// Whether a site has any page view, conversation or invitation between two instants (`to`
/// exclusive).
pub async fn any_in(db: &Db, tenant: TenantId, site: SiteId, from: i64, to: i64) -> Result<bool, ApiError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 WHERE EXISTS (SELECT 1 FROM page_views p JOIN visitors v ON v.id = p.visitor_id \
         WHERE p.tenant_id = $1 AND v.site_id = $2 AND p.viewed_at >= $3 AND p.viewed_at < $4) \
         OR EXISTS (SELECT 1 FROM conversations c WHERE c.tenant_id = $1 AND c.site_id = $2 \
         AND c.started_at >= $3 AND c.started_at < $4) \
         OR EXISTS (SELECT 1 FROM invitations i WHERE i.tenant_id = $1 AND i.site_id = $2 \
         AND i.sent_at >= $3 AND i.sent_at < $4)",
    )
    .bind(tenant.0)
    .bind(site.0)
    .bind(from)
    .bind(to)
    .fetch_optional(db.reader())
    .await
    .or_internal()?;
    Ok(found.is_some())
}

/// A site's page views between two instants (`to` exclusive), by visitor and time.
pub async fn views(db: &Db, tenant: TenantId, site: SiteId, from: i64, to: i64) -> Result<Vec<View>, ApiError> {
    let rows = sqlx::query(
        "SELECT p.visitor_id, p.viewed_at, p.url, p.referrer, p.user_agent, p.ip FROM page_views p \
         JOIN visitors v ON v.id = p.visitor_id \
         WHERE p.tenant_id = $1 AND v.site_id = $2 AND p.viewed_at >= $3 AND p.viewed_at < $4 \
         ORDER BY p.visitor_id, p.viewed_at",
    )
    .bind(tenant.0)
    .bind(site.0)
    .bind(from)
    .bind(to)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(View {
                visitor: r.try_get("visitor_id")?,
                at: r.try_get("viewed_at")?,
                url: r.try_get("url")?,
                referrer: r.try_get("referrer")?,
                user_agent: r.try_get("user_agent")?,
                ip: r.try_get("ip")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// The conversations a site's visitors began between two instants (`to` exclusive).
pub async fn chats(db: &Db, tenant: TenantId, site: SiteId, from: i64, to: i64) -> Result<Vec<Chat>, ApiError> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT visitor_id, started_at FROM conversations \
         WHERE tenant_id = $1 AND site_id = $2 AND started_at >= $3 AND started_at < $4",
    )
    .bind(tenant.0)
    .bind(site.0)
    .bind(from)
    .bind(to)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    Ok(rows.into_iter().map(|(visitor, at)| Chat { visitor, at }).collect())
}

/// The conversations a site's visitors began between two instants, with their messages in order
/// (withdrawn ones left out), and how many ended which way (`closed_by`; [`super::UNKNOWN`]: open).
pub async fn handled(
    db: &Db,
    tenant: TenantId,
    site: SiteId,
    from: i64,
    to: i64,
) -> Result<(Vec<Handled>, Vec<(String, i64)>), ApiError> {
    type Row = (i64, Option<i64>, Option<i64>, i64, Option<i64>, Option<i64>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, agent_id, category_id, started_at, assigned_at, closed_at, closed_by FROM conversations \
         WHERE tenant_id = $1 AND site_id = $2 AND started_at >= $3 AND started_at < $4 ORDER BY id",
    )
    .bind(tenant.0)
    .bind(site.0)
    .bind(from)
    .bind(to)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    let messages: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT m.conversation_id, m.sender_kind, m.sender_id, m.sent_at FROM messages m \
         JOIN conversations c ON c.id = m.conversation_id \
         WHERE c.tenant_id = $1 AND c.site_id = $2 AND c.started_at >= $3 AND c.started_at < $4 \
         AND m.retracted_at IS NULL ORDER BY m.conversation_id, m.seq",
    )
    .bind(tenant.0)
    .bind(site.0)
    .bind(from)
    .bind(to)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    let mut by_conversation: std::collections::HashMap<i64, Vec<(bool, i64, i64)>> = Default::default();
    for (conversation, kind, sender, at) in messages {
        by_conversation.entry(conversation).or_default().push((kind == "agent", sender, at));
    }
    let mut closed: std::collections::BTreeMap<String, i64> = Default::default();
    let handled = rows
        .into_iter()
        .map(|(id, agent, category, started_at, assigned_at, closed_at, closed_by)| {
            *closed.entry(closed_by.unwrap_or_default()).or_default() += 1;
            Handled {
                agent,
                category,
                started_at,
                assigned_at,
                closed_at,
                messages: by_conversation.remove(&id).unwrap_or_default(),
            }
        })
        .collect();
    Ok((handled, closed.into_iter().collect()))
}

/// A site's rolled-up timings from `from` to `to` (both included), a row per day, scope and metric.
pub async fn timings(
    db: &Db,
    tenant: TenantId,
    site: SiteId,
    from: &str,
    to: &str,
) -> Result<Vec<(String, TimingMetric, Timing)>, ApiError> {
    let rows: Vec<(String, String, i64, i64, String)> = sqlx::query_as(&format!(
        "SELECT metric, scope, count, sum_ms, buckets FROM stats_timing \
         WHERE site_id = $1 AND metric IN ({}) AND day >= $2 AND day <= $3 AND tenant_id = $4",
        quoted(TimingMetric::ALL.map(TimingMetric::as_str))
    ))
    .bind(site.0)
    .bind(from)
    .bind(to)
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    Ok(rows
        .into_iter()
        .filter_map(|(metric, scope, count, sum, buckets)| {
            Some((scope, TimingMetric::parse(&metric)?, Timing::decode(count, sum, &buckets)))
        })
        .collect())
}

/// The company's agents' and categories' names by id.
pub async fn names(db: &Db, tenant: TenantId) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>), ApiError> {
    let agents = sqlx::query_as("SELECT id, display_name FROM agents WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_all(db.reader())
        .await
        .or_internal()?;
    let categories = sqlx::query_as("SELECT id, name FROM categories WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_all(db.reader())
        .await
        .or_internal()?;
    Ok((agents, categories))
}

const DAY_COLUMNS: &str = "day, page_views, visitors, new_visitors, visits, chats, accepted, missed, abandoned, \
                           invitations, invitations_accepted, invited_chats";

/// The rolled-up days of a site from `from` to `to` (`YYYY-MM-DD`, both included), oldest first.
pub async fn stored(db: &Db, tenant: TenantId, site: SiteId, from: &str, to: &str) -> Result<Vec<Day>, ApiError> {
    let rows = sqlx::query(&format!(
        "SELECT {DAY_COLUMNS} FROM stats_daily \
         WHERE tenant_id = $1 AND site_id = $2 AND day >= $3 AND day <= $4 ORDER BY day"
    ))
    .bind(tenant.0)
    .bind(site.0)
    .bind(from)
    .bind(to)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(Day {
                day: r.try_get("day")?,
                page_views: r.try_get("page_views")?,
                visitors: r.try_get("visitors")?,
                new_visitors: r.try_get("new_visitors")?,
                visits: r.try_get("visits")?,
                chats: r.try_get("chats")?,
                accepted: r.try_get("accepted")?,
                missed: r.try_get("missed")?,
                abandoned: r.try_get("abandoned")?,
                invitations: r.try_get("invitations")?,
                invitations_accepted: r.try_get("invitations_accepted")?,
                invited_chats: r.try_get("invited_chats")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// A dimension's rolled-up keys from `from` to `to` (both included), summed over the days.
pub async fn ranked(
    db: &Db,
    tenant: TenantId,
    site: SiteId,
    dim: Dim,
    from: &str,
    to: &str,
) -> Result<Vec<Ranked>, ApiError> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT key, CAST(SUM(visits) AS BIGINT), CAST(SUM(chats) AS BIGINT) FROM stats_ranked \
         WHERE site_id = $1 AND dim = $2 AND day >= $3 AND day <= $4 AND tenant_id = $5 GROUP BY key",
    )
    .bind(site.0)
    .bind(dim.as_str())
    .bind(from)
    .bind(to)
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    Ok(rows.into_iter().map(|(key, visits, chats)| Ranked { key, visits, chats }).collect())
}

/// Our own names as an SQL list of literals (`'a', 'b'`): naming every key column's value lets the
/// primary key find the rows.
fn quoted(names: impl IntoIterator<Item = &'static str>) -> String {
    names.into_iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
}

/// The `VALUES` of a batch insert: `rows` marker lists of `columns` each.
fn values(kind: crate::infra::db::DbKind, columns: usize, rows: usize) -> String {
    let mut markers = Markers::new(kind);
    (0..rows).map(|_| format!("({})", markers.list(columns))).collect::<Vec<_>>().join(", ")
}

/// Stores a rolled-up day and its rankings (replacing an earlier roll of it).
pub async fn store(
    w: &mut Writer,
    tenant: TenantId,
    site: SiteId,
    day: &Day,
    ranks: &[(Dim, Ranked)],
    timings: &[(String, TimingMetric, Timing)],
    now: i64,
) -> Result<(), ApiError> {
    sqlx::query(&format!(
        "INSERT INTO stats_daily (tenant_id, site_id, rolled_at, {DAY_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (site_id, day) DO UPDATE SET \
         page_views = excluded.page_views, visitors = excluded.visitors, new_visitors = excluded.new_visitors, \
         visits = excluded.visits, chats = excluded.chats, accepted = excluded.accepted, missed = excluded.missed, \
         abandoned = excluded.abandoned, invitations = excluded.invitations, \
         invitations_accepted = excluded.invitations_accepted, invited_chats = excluded.invited_chats, \
         rolled_at = excluded.rolled_at"
    ))
    .bind(tenant.0)
    .bind(site.0)
    .bind(now)
    .bind(&day.day)
    .bind(day.page_views)
    .bind(day.visitors)
    .bind(day.new_visitors)
    .bind(day.visits)
    .bind(day.chats)
    .bind(day.accepted)
    .bind(day.missed)
    .bind(day.abandoned)
    .bind(day.invitations)
    .bind(day.invitations_accepted)
    .bind(day.invited_chats)
    .execute(&mut **w)
    .await
    .or_internal()?;
    // Every dimension named, so the primary key (site, dimension, day) finds the rows.
    sqlx::query(&format!(
        "DELETE FROM stats_ranked WHERE site_id = $1 AND dim IN ({}) AND day = $2 AND tenant_id = $3",
        quoted(Dim::ALL.map(Dim::as_str))
    ))
    .bind(site.0)
    .bind(&day.day)
    .bind(tenant.0)
    .execute(&mut **w)
    .await
    .or_internal()?;
    // Seven values a row; a hundred rows a statement.
    for chunk in ranks.chunks(100) {
        let sql = format!(
            "INSERT INTO stats_ranked (tenant_id, site_id, dim, day, key, visits, chats) VALUES {}",
            values(w.kind(), 7, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for (dim, row) in chunk {
            query = query
                .bind(tenant.0)
                .bind(site.0)
                .bind(dim.as_str())
                .bind(&day.day)
                .bind(&row.key)
                .bind(row.visits)
                .bind(row.chats);
        }
        query.execute(&mut **w).await.or_internal()?;
    }
    sqlx::query(&format!(
        "DELETE FROM stats_timing WHERE site_id = $1 AND metric IN ({}) AND day = $2 AND tenant_id = $3",
        quoted(TimingMetric::ALL.map(TimingMetric::as_str))
    ))
    .bind(site.0)
    .bind(&day.day)
    .bind(tenant.0)
    .execute(&mut **w)
    .await
    .or_internal()?;
    // Eight values a row; a hundred rows a statement.
    for chunk in timings.chunks(100) {
        let sql = format!(
            "INSERT INTO stats_timing (tenant_id, site_id, metric, day, scope, count, sum_ms, buckets) VALUES {}",
            values(w.kind(), 8, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for (scope, metric, timing) in chunk {
            query = query
                .bind(tenant.0)
                .bind(site.0)
                .bind(metric.as_str())
                .bind(&day.day)
                .bind(scope)
                .bind(timing.count)
                .bind(timing.sum_ms)
                .bind(timing.encode());
        }
        query.execute(&mut **w).await.or_internal()?;
    }
    Ok(())
}

/// Every site that is not deleted, with its company.
pub async fn sites(db: &Db) -> Result<Vec<(TenantId, SiteId)>, ApiError> {
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT tenant_id, id FROM sites WHERE deleted_at IS NULL ORDER BY id")
        .fetch_all(db.reader())
        .await
        .or_internal()?;
    Ok(rows.into_iter().map(|(tenant, site)| (TenantId(tenant), SiteId(site))).collect())
}

/// The company a site belongs to, for the operator's rebuild (which has no session).
pub async fn owner(db: &Db, site: SiteId) -> Result<Option<TenantId>, ApiError> {
    sqlx::query_scalar("SELECT tenant_id FROM sites WHERE id = $1 AND deleted_at IS NULL")
        .bind(site.0)
        .fetch_optional(db.reader())
        .await
        .map(|t| t.map(TenantId))
        .or_internal()
}
