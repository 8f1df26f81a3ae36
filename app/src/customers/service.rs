//! The rules of customers: whose the session sees, search and filters, merging two records of one
//! person, and the CSV export.

use kefu_protocol::text::Line;
use kefu_protocol::{ApiError, ErrorCode, Perm, SiteId, TenantId, VisitorId};

use super::repo;
use super::{CustomerFilter, CustomerPage, PAGE, QUERY_CHARS};
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::{Ctx, SiteScope};
use crate::infra::state::AppState;
use crate::infra::stream::{Chunks, Gone};

/// The sites `perm` covers for the session (`None`: all).
fn sites(ctx: &Ctx, perm: Perm) -> Result<Option<Vec<SiteId>>, ApiError> {
    ctx.check(perm)?;
    Ok(match ctx.sites(perm) {
        SiteScope::All => None,
        SiteScope::Only(sites) => Some(sites),
    })
}

/// A filter's search text and tag, checked and lower-cased.
fn texts(filter: &CustomerFilter) -> Result<(String, String), ApiError> {
    let query = Line::parse(&filter.query, "query", QUERY_CHARS)?.into_string().trim().to_lowercase();
    let tag = Line::parse(&filter.tag, "tag", QUERY_CHARS)?.into_string().trim().to_lowercase();
    Ok((query, tag))
}

pub async fn list(state: &AppState, ctx: &Ctx, filter: CustomerFilter) -> Result<CustomerPage, ApiError> {
    let sites = sites(ctx, Perm::VisitorsView)?;
    let (query, tag) = texts(&filter)?;
    let search =
        repo::Search { tenant: ctx.tenant(), sites: sites.as_deref(), filter: &filter, query: &query, tag: &tag };
    let (rows, total) = repo::page(&state.db, &search, filter.offset.max(0), PAGE).await?;
    Ok(CustomerPage { rows, total })
}

/// Merges `merged` into `kept` (one person known twice on a site): `kept` takes the other's
/// conversations, page views, invitations, blocks and devices (their browser now opens `kept`), its
/// card fills what `kept`'s lacks (tags joined, notes one after the other), and `merged` is left an
/// empty shell no list shows. One transaction with its operation-log entry. Refused (`Conflict`)
/// across sites, for two different members, or while `merged` is in a live chat (`InUse`).
pub async fn merge(state: &AppState, ctx: &Ctx, kept: i64, merged: i64) -> Result<(), ApiError> {
    ctx.check(Perm::RecordsDelete)?;
    let (kept, merged) = (VisitorId(kept), VisitorId(merged));
    if kept == merged {
        return Err(ApiError::invalid("merged", ErrorCode::Conflict));
    }
    let tenant = ctx.tenant();
    let mut found = Vec::new();
    for visitor in [kept, merged] {
        let (site, token, live) = repo::customer(&state.db, tenant, visitor).await?.ok_or(ApiError::NotFound)?;
        if !ctx.may(Perm::RecordsDelete, site) || !ctx.may(Perm::VisitorsView, site) {
            return Err(ApiError::NotFound);
        }
        let (.., card) = crate::visitors::repo::card(&state.db, tenant, visitor).await?.ok_or(ApiError::NotFound)?;
        found.push((site, token, live, card));
    }
    let (k, m) = (&found[0], &found[1]);
    if k.0 != m.0 {
        return Err(ApiError::conflict(Some("merged"), ErrorCode::Conflict));
    }
    if m.2 {
        return Err(ApiError::conflict(Some("merged"), ErrorCode::InUse));
    }
    let (kc, mc) = (&k.3, &m.3);
    if kc.member.is_some() && mc.member.is_some() && kc.member != mc.member {
        return Err(ApiError::conflict(Some("member"), ErrorCode::Conflict));
    }
    let or = |a: &str, b: &str| if a.is_empty() { b.to_owned() } else { a.to_owned() };
    let mut tags = kc.tags.clone();
    for tag in &mc.tags {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    let notes = match (kc.notes.is_empty(), mc.notes.is_empty()) {
        (false, false) => format!("{}\n{}", kc.notes, mc.notes),
        _ => or(&kc.notes, &mc.notes),
    };
    let name = or(&kc.name, &mc.name);
    let (email, phone, company) = (or(&kc.email, &mc.email), or(&kc.phone, &mc.phone), or(&kc.company, &mc.company));
    let details = if kc.details.is_empty() { &mc.details } else { &kc.details };
    let details = if details.is_empty() { String::new() } else { serde_json::to_string(details).unwrap_or_default() };
    let registered_at = match (kc.registered_at, mc.registered_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let card = repo::MergedCard {
        name: Some(name.as_str()).filter(|n| !n.is_empty()),
        email: &email,
        phone: &phone,
        company: &company,
        tags: tags.join("\n"),
        notes,
        member: kc.member.as_deref().or(mc.member.as_deref()),
        claimed: kc.claimed.as_deref().or(mc.claimed.as_deref()),
        details,
        registered_at,
    };
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        repo::merge(&mut w, tenant, kept, merged, &m.1, &card, crate::infra::now_ms()).await?;
        let object = format!("#{} → #{}", merged.0, kept.0);
        audit::record(&mut w, &Entry::by(ctx, OpKind::CustomersMerged, &object, "")).await
    };
    let done = work.await;
    w.end(done).await?;
    // The merged record's open tabs reconnect with their token, which now names the kept one.
    state.realtime.close_visitor(tenant, merged);
    let name = card.name.map(str::to_owned);
    state.realtime.visitor_renamed(tenant, kept, name, card.member.map(str::to_owned));
    Ok(())
}

/// A customers export checked before its first byte.
pub struct Export {
    tenant: TenantId,
    sites: Option<Vec<SiteId>>,
    filter: CustomerFilter,
    query: String,
    tag: String,
}

pub async fn start_export(ctx: &Ctx, filter: CustomerFilter) -> Result<Export, ApiError> {
    let sites = sites(ctx, Perm::VisitorsView)?;
    let (query, tag) = texts(&filter)?;
    Ok(Export { tenant: ctx.tenant(), sites, filter, query, tag })
}

/// Customers read at a time while the export is written.
const EXPORT_PAGE: i64 = 500;

/// Writes the customers that match as CSV (UTF-8 with a byte order mark), a page at a time.
pub async fn write_export(state: &AppState, export: Export, mut out: Chunks) {
    use crate::infra::csv;
    let written = async {
        let mut head = String::from("\u{FEFF}");
        head.push_str(&csv::row(&[
            "id",
            "name",
            "email",
            "phone",
            "company",
            "tags",
            "member",
            "site",
            "last_seen",
            "visits",
            "conversations",
        ]));
        if out.write(head.as_bytes()).await.is_err() {
            return Ok(Err(Gone));
        }
        let mut offset = 0;
        loop {
            let search = repo::Search {
                tenant: export.tenant,
                sites: export.sites.as_deref(),
                filter: &export.filter,
                query: &export.query,
                tag: &export.tag,
            };
            let (rows, _) = repo::page(&state.db, &search, offset, EXPORT_PAGE).await?;
            let mut lines = String::new();
            for r in &rows {
                lines.push_str(&csv::row(&[
                    &r.id.to_string(),
                    r.name.as_deref().unwrap_or_default(),
                    &r.email,
                    &r.phone,
                    &r.company,
                    &r.tags.join(", "),
                    r.member.as_deref().unwrap_or_default(),
                    &r.site_name,
                    &crate::oplog::service::utc_text(r.last_seen),
                    &r.visits.to_string(),
                    &r.conversations.to_string(),
                ]));
            }
            if out.write(lines.as_bytes()).await.is_err() {
                return Ok(Err(Gone));
            }
            if (rows.len() as i64) < EXPORT_PAGE {
                return Ok::<_, ApiError>(Ok(()));
            }
            offset += EXPORT_PAGE;
        }
    }
    .await;
    out.end(written, "customers export").await
}
