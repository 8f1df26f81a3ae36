//! The rules of data requests and retention.

use kefu_protocol::text::Line;
use kefu_protocol::{ApiError, ErrorCode, Perm, SiteId, TenantId, VisitorId};

use super::repo;
use super::{ErasureRow, RetentionRow, VisitorExport, VisitorHit, MAX_RETENTION_DAYS, QUERY_CHARS};
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::{Ctx, SiteScope};
use crate::infra::state::AppState;
use crate::infra::stream::{Chunks, Gone, Written};
use crate::infra::{html_escape as e, now_ms};
use crate::records::repo::{self as records, Purge};

/// The sites `RecordsDelete` covers for the session (`None`: all).
fn sites(ctx: &Ctx) -> Result<Option<Vec<SiteId>>, ApiError> {
    ctx.check(Perm::RecordsDelete)?;
    Ok(match ctx.sites(Perm::RecordsDelete) {
        SiteScope::All => None,
        SiteScope::Only(sites) => Some(sites),
    })
}

/// A visitor this session may answer a data request about, and their site (`NotFound` for anyone
/// else).
async fn visitor_in_reach(state: &AppState, ctx: &Ctx, visitor: VisitorId) -> Result<SiteId, ApiError> {
    ctx.check(Perm::RecordsDelete)?;
    let site = repo::visitor_site(&state.db, ctx.tenant(), visitor).await?.ok_or(ApiError::NotFound)?;
    if !ctx.may(Perm::RecordsDelete, site) {
        return Err(ApiError::NotFound);
    }
    Ok(site)
}

pub async fn find(state: &AppState, ctx: &Ctx, query: &str) -> Result<Vec<VisitorHit>, ApiError> {
    let sites = sites(ctx)?;
    let query = Line::parse(query, "query", QUERY_CHARS)?.into_string();
    if query.trim().is_empty() {
        return Err(ApiError::invalid("query", ErrorCode::Empty));
    }
    repo::find(&state.db, ctx.tenant(), sites.as_deref(), query.trim()).await
}

/// Erases a visitor (see the module): one transaction with the record of it and the operation-log
/// entry; their files' bytes go after commit. A visitor in a live chat is erased once it ends
/// (`Conflict`, `InUse`).
pub async fn erase(state: &AppState, ctx: &Ctx, visitor: i64) -> Result<ErasureRow, ApiError> {
    let visitor = VisitorId(visitor);
    let site = visitor_in_reach(state, ctx, visitor).await?;
    let tenant = ctx.tenant();
    let now = now_ms();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let conversations = repo::ended_conversations(&mut w, tenant, visitor)
            .await?
            .ok_or_else(|| ApiError::conflict(Some("visitor"), ErrorCode::InUse))?;
        let mut erased = repo::erase(&mut w, tenant, visitor).await?;
        let files = records::purge(&mut w, tenant, &conversations, Purge::Content).await?;
        erased.files = files.len() as i64;
        repo::insert_erasure(&mut w, tenant, site, visitor, ctx.agent.id, &erased, now).await?;
        let summary =
            format!("{} · {} · {} · {}", erased.conversations, erased.messages, erased.page_views, files.len());
        let object = format!("#{}", visitor.0);
        audit::record(&mut w, &Entry::by(ctx, OpKind::VisitorErased, &object, &summary)).await?;
        Ok((erased, files))
    };
    let done = work.await;
    let (erased, files) = w.end(done).await?;
    // A tab still open would go on writing under the shell: it reconnects as someone new.
    state.realtime.close_visitor(tenant, visitor);
    crate::files::service::forget(state, tenant, &files).await;
    let site_name = repo::retention(&state.db, tenant, Some(&[site])).await?.pop().map(|r| r.site_name);
    Ok(ErasureRow {
        visitor_id: visitor.0,
        site_name: site_name.unwrap_or_default(),
        agent_name: Some(ctx.agent.display_name.clone()),
        conversations: erased.conversations,
        messages: erased.messages,
        page_views: erased.page_views,
        files: erased.files,
        erased_at: now,
    })
}

pub async fn erasures(state: &AppState, ctx: &Ctx) -> Result<Vec<ErasureRow>, ApiError> {
    let sites = sites(ctx)?;
    repo::erasures(&state.db, ctx.tenant(), sites.as_deref()).await
}

pub async fn retention(state: &AppState, ctx: &Ctx) -> Result<Vec<RetentionRow>, ApiError> {
    let sites = sites(ctx)?;
    repo::retention(&state.db, ctx.tenant(), sites.as_deref()).await
}

/// Sets a site's retention (0 to [`MAX_RETENTION_DAYS`]), with its operation-log entry.
pub async fn set_retention(state: &AppState, ctx: &Ctx, site: i64, days: i64) -> Result<(), ApiError> {
    ctx.check(Perm::RecordsDelete)?;
    let site = SiteId(site);
    if !ctx.may(Perm::RecordsDelete, site) {
        return Err(ApiError::NotFound);
    }
    if !(0..=MAX_RETENTION_DAYS).contains(&days) {
        return Err(ApiError::invalid("retention_days", ErrorCode::Format));
    }
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        if !repo::set_retention(&mut w, ctx.tenant(), site, days).await? {
            return Err(ApiError::NotFound);
        }
        let (object, summary) = (format!("site #{}", site.0), days.to_string());
        audit::record(&mut w, &Entry::by(ctx, OpKind::RetentionChanged, &object, &summary)).await
    };
    let done = work.await;
    w.end(done).await
}

/// Deletes, every sweep, the ended conversations older than their site's retention, a few hundred
/// at a time, each batch in its own transaction.
pub fn start_retention_sweep(state: &AppState) {
    let state = state.clone();
    crate::infra::every(state.settings.ip_sweep, "records past their retention", move || {
        let state = state.clone();
        async move {
            let mut deleted = 0;
            loop {
                let expired = repo::expired(&state.db, now_ms(), 500).await?;
                if expired.is_empty() {
                    return Ok(deleted);
                }
                let mut tenants: Vec<TenantId> = expired.iter().map(|(t, _)| *t).collect();
                tenants.dedup();
                for tenant in tenants {
                    let ids: Vec<i64> = expired.iter().filter(|(t, _)| *t == tenant).map(|(_, id)| *id).collect();
                    let mut w = state.db.write().await?;
                    w.begin().await?;
                    let purged = records::purge(&mut w, tenant, &ids, Purge::Whole).await;
                    let files = w.end(purged).await?;
                    crate::files::service::forget(&state, tenant, &files).await;
                    deleted += ids.len() as u64;
                }
            }
        }
    });
}

/// A visitor's data export checked before its first byte.
pub struct Export {
    tenant: TenantId,
    visitor: VisitorId,
    lang: crate::i18n::Lang,
    format: VisitorExport,
}

impl Export {
    pub fn file_name(&self) -> String {
        format!("visitor-{}.{}", self.visitor.0, self.format.as_str())
    }

    pub fn format(&self) -> VisitorExport {
        self.format
    }
}

/// Checks an export of everything kefu holds about a visitor (its operation-log entry is written
/// here, before the download starts); [`write_export`] then writes it.
pub async fn start_export(
    state: &AppState,
    ctx: &Ctx,
    visitor: i64,
    format: VisitorExport,
) -> Result<Export, ApiError> {
    let visitor = VisitorId(visitor);
    visitor_in_reach(state, ctx, visitor).await?;
    let mut w = state.db.write().await?;
    w.begin().await?;
    let object = format!("#{}", visitor.0);
    let logged = audit::record(&mut w, &Entry::by(ctx, OpKind::VisitorExported, &object, format.as_str())).await;
    w.end(logged).await?;
    let lang = crate::i18n::Lang::from_tag(ctx.agent.prefs.lang.as_deref().unwrap_or("en"));
    Ok(Export { tenant: ctx.tenant(), visitor, lang, format })
}

/// Writes a visitor's export: the card, every page view and every conversation with its messages,
/// read a page at a time.
pub async fn write_export(state: &AppState, export: Export, mut out: Chunks) {
    let written = match export.format {
        VisitorExport::Json => write_json(state, &export, &mut out).await,
        VisitorExport::Html => write_html(state, &export, &mut out).await,
    };
    out.end(written, "visitor export").await
}

/// Page views read at a time.
const VIEWS_PAGE: i64 = 1000;

/// The card as the export writes it.
async fn card(state: &AppState, export: &Export) -> Result<serde_json::Value, ApiError> {
    let (site, site_name, first_seen, visits, card) =
        crate::visitors::repo::card(&state.db, export.tenant, export.visitor).await?.ok_or(ApiError::NotFound)?;
    Ok(serde_json::json!({
        "id": export.visitor.0,
        "site_id": site.0,
        "site": site_name,
        "first_seen": first_seen,
        "visits": visits,
        "card": card,
    }))
}

/// Sends `text`; `Err(Gone)` bubbles out of the writers below as `Ok(Err(Gone))`.
macro_rules! send {
    ($out:expr, $text:expr) => {
        if $out.write($text.as_bytes()).await.is_err() {
            return Ok(Err(Gone));
        }
    };
}

async fn write_json(state: &AppState, export: &Export, out: &mut Chunks) -> Written {
    let card = card(state, export).await?;
    send!(out, format!("{{\"visitor\":{card},\"page_views\":["));
    let (mut after, mut first) = (0, true);
    loop {
        let views = repo::page_views(&state.db, export.tenant, export.visitor, after, VIEWS_PAGE).await?;
        let Some((last, _)) = views.last() else { break };
        after = *last;
        for (_, view) in views {
            send!(out, format!("{}{view}", if first { "" } else { "," }));
            first = false;
        }
    }
    send!(out, "],\"conversations\":[");
    let ids = repo::conversation_ids(&state.db, export.tenant, export.visitor).await?;
    let ratings = repo::rating_comments(&state.db, export.tenant, export.visitor).await?;
    let mut first = true;
    for batch in ids.chunks(100) {
        for row in records::records(&state.db, export.tenant, batch, crate::records::RecordSort::Oldest).await? {
            let messages = records::messages(
                &state.db,
                export.tenant,
                kefu_protocol::ConversationId(row.id),
                crate::records::TRANSCRIPT_MESSAGES,
            )
            .await?;
            let comment = ratings.iter().find(|(id, _)| *id == row.id).map(|(_, c)| c.as_str());
            let conversation = serde_json::json!({
                "id": row.id,
                "site": row.site_name,
                "agent": row.agent_name,
                "status": row.status,
                "started_at": row.started_at,
                "closed_at": row.closed_at,
                "rating": row.rating.map(|(score, _)| score),
                "rating_comment": comment,
                "messages": messages,
            });
            send!(out, format!("{}{conversation}", if first { "" } else { "," }));
            first = false;
        }
    }
    send!(out, "]}");
    Ok(Ok(()))
}

async fn write_html(state: &AppState, export: &Export, out: &mut Chunks) -> Written {
    use crate::i18n::{tr, Key};
    use crate::oplog::service::utc_text;
    use crate::records::service::{html_open, html_section, HTML_CLOSE};
    let lang = export.lang;
    let (_, site_name, first_seen, visits, card) =
        crate::visitors::repo::card(&state.db, export.tenant, export.visitor).await?.ok_or(ApiError::NotFound)?;
    let title = crate::kit::visitor_label(lang, Some(card.name.as_str()).filter(|n| !n.is_empty()), export.visitor);
    let mut head = html_open(lang, &title);
    head.push_str("<table>");
    let member = card.member.clone().unwrap_or_default();
    let (first, visits) = (utc_text(first_seen), visits.to_string());
    let known = [
        (Key::SiteFilter, site_name.as_str()),
        (Key::CardName, card.name.as_str()),
        (Key::Email, card.email.as_str()),
        (Key::CardPhone, card.phone.as_str()),
        (Key::CardCompany, card.company.as_str()),
        (Key::CardNotes, card.notes.as_str()),
        (Key::MemberId, member.as_str()),
        (Key::FirstSeenAt, first.as_str()),
        (Key::Visits, visits.as_str()),
    ];
    let tags = card.tags.join(", ");
    let fields = known
        .into_iter()
        .map(|(key, value)| (tr(lang, key), value))
        .chain([(tr(lang, Key::CardTags), tags.as_str())])
        .chain(card.details.iter().map(|(label, value)| (label.as_str(), value.as_str())));
    for (label, value) in fields.filter(|(_, v)| !v.is_empty()) {
        head.push_str(&format!("<tr><th>{}</th><td>{}</td></tr>", e(label), e(value)));
    }
    head.push_str(&format!("</table><h2>{}</h2><ol>", e(tr(lang, Key::PageViews))));
    send!(out, head);
    let mut after = 0;
    loop {
        let views = repo::page_views(&state.db, export.tenant, export.visitor, after, VIEWS_PAGE).await?;
        let Some((last, _)) = views.last() else { break };
        after = *last;
        let mut lines = String::new();
        for (_, view) in views {
            let text = |k: &str| view.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let at = view.get("viewed_at").and_then(|v| v.as_i64()).unwrap_or_default();
            lines.push_str(&format!(
                "<li><time>{}</time> {} <p>{}</p></li>",
                e(&utc_text(at)),
                e(&text("title")),
                e(&text("url"))
            ));
        }
        send!(out, lines);
    }
    send!(out, "</ol>");
    let ids = repo::conversation_ids(&state.db, export.tenant, export.visitor).await?;
    for batch in ids.chunks(100) {
        for row in records::records(&state.db, export.tenant, batch, crate::records::RecordSort::Oldest).await? {
            let messages = records::messages(
                &state.db,
                export.tenant,
                kefu_protocol::ConversationId(row.id),
                crate::records::TRANSCRIPT_MESSAGES,
            )
            .await?;
            send!(out, html_section(lang, &row, &messages));
        }
    }
    send!(out, HTML_CLOSE);
    Ok(Ok(()))
}

/// A company export checked before its first byte.
pub struct CompanyExport {
    tenant: TenantId,
    account: String,
}

impl CompanyExport {
    pub fn file_name(&self) -> String {
        format!("kefu-{}.zip", self.account)
    }
}

/// Checks an export of all the company's data (`SettingsManage` on every site); its operation-log
/// entry is written here. [`write_company_export`] then writes it.
pub async fn start_company_export(state: &AppState, ctx: &Ctx) -> Result<CompanyExport, ApiError> {
    ctx.check(Perm::SettingsManage)?;
    if ctx.sites(Perm::SettingsManage) != SiteScope::All {
        return Err(ApiError::Forbidden);
    }
    let mut w = state.db.write().await?;
    w.begin().await?;
    let logged = audit::record(&mut w, &Entry::by(ctx, OpKind::CompanyExported, "company", "")).await;
    w.end(logged).await?;
    Ok(CompanyExport { tenant: ctx.tenant(), account: ctx.agent.company.clone() })
}

/// Rows read at a time while the company export is written.
const DUMP_PAGE: i64 = 1000;

/// Writes the company export: a zip archive (written as a stream) of `company.json` and one
/// JSON-lines file per table ([`repo::DUMPED`]; no password hashes, tokens or secrets), a thousand
/// rows read at a time.
pub async fn write_company_export(state: &AppState, export: CompanyExport, mut out: Chunks) {
    let written = write_company(state, &export, &mut out).await;
    out.end(written, "company export").await
}

async fn write_company(state: &AppState, export: &CompanyExport, out: &mut Chunks) -> Written {
    use std::io::Write as _;
    let failed = |e: &dyn std::fmt::Debug| {
        tracing::warn!(error = ?e, "writing the company archive");
        ApiError::Internal
    };
    let shared = crate::infra::stream::Shared::default();
    let mut zip = zip::ZipWriter::new_stream(shared.clone());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let company = repo::company(&state.db, export.tenant).await?;
    zip.start_file("company.json", options).map_err(|e| failed(&e))?;
    zip.write_all(company.to_string().as_bytes()).map_err(|e| failed(&e))?;
    for dumped in repo::DUMPED {
        zip.start_file(format!("{}.jsonl", dumped.table), options).map_err(|e| failed(&e))?;
        let mut after = Some(0);
        while let Some(from) = after {
            let (rows, next) = repo::dump_page(&state.db, export.tenant, dumped, from, DUMP_PAGE).await?;
            let mut lines = String::new();
            for row in rows {
                lines.push_str(&row.to_string());
                lines.push('\n');
            }
            zip.write_all(lines.as_bytes()).map_err(|e| failed(&e))?;
            if out.write(&shared.take()).await.is_err() {
                return Ok(Err(Gone));
            }
            after = next;
        }
    }
    zip.finish().map_err(|e| failed(&e))?;
    Ok(out.write(&shared.take()).await)
}
