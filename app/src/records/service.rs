//! The rules of conversation records: whose conversations a reader sees, search, the transcript,
//! and the CSV export.

use kefu_protocol::text::Line;
use kefu_protocol::{ApiError, ConversationId, ErrorCode, Perm, SenderKind, SiteId};

use super::repo::{self, Reach, Where};
use super::{
    NoteLine, RecordFilter, RecordPage, Transcript, MAX_TAGS, NOTE_CHARS, PAGE, QUERY_CHARS, SEARCH_CAP, TAG_CHARS,
    TRANSCRIPT_MESSAGES,
};
use crate::infra::ctx::{Ctx, SiteScope};
use crate::infra::search::{self, Query};
use crate::infra::state::AppState;

/// Whose conversations the session's agent reads (`Forbidden` without either records permission).
fn reach(ctx: &Ctx) -> Result<Reach, ApiError> {
    if ctx.agent.can(Perm::RecordsViewAll) {
        return Ok(match ctx.sites(Perm::RecordsViewAll) {
            SiteScope::All => Reach::Sites(None),
            SiteScope::Only(sites) => Reach::Sites(Some(sites)),
        });
    }
    ctx.check(Perm::RecordsViewOwn)?;
    Ok(Reach::Own(ctx.agent.id))
}

/// Candidate conversations for a search, newest hit first, with the newest hit's text; whether
/// there were more than [`SEARCH_CAP`].
async fn searched(state: &AppState, ctx: &Ctx, query: &Query) -> Result<(Vec<(i64, String)>, bool), ApiError> {
    // Candidates are read newest first; enough of them to fill the cap in conversations.
    let hits = search::search(&state.db, ctx.tenant(), query, (SEARCH_CAP * 10) as i64).await?;
    let mut found: Vec<(i64, String)> = Vec::new();
    for hit in hits {
        if !found.iter().any(|(id, _)| *id == hit.conversation_id.0) {
            found.push((hit.conversation_id.0, hit.body));
        }
    }
    let capped = found.len() > SEARCH_CAP;
    found.truncate(SEARCH_CAP);
    Ok((found, capped))
}

/// A page of the conversations the reader sees that match the filter.
pub async fn list(state: &AppState, ctx: &Ctx, filter: RecordFilter) -> Result<RecordPage, ApiError> {
    let reach = reach(ctx)?;
    let text = Line::parse(&filter.query, "query", QUERY_CHARS)?.into_string();
    let query = if text.trim().is_empty() {
        None
    } else {
        Some(Query::parse(&text).ok_or_else(|| ApiError::invalid("query", ErrorCode::Format))?)
    };
    let (hits, capped) = match &query {
        Some(q) => {
            let (hits, capped) = searched(state, ctx, q).await?;
            (Some(hits), capped)
        }
        None => (None, false),
    };
    let ids: Option<Vec<i64>> = hits.as_ref().map(|h| h.iter().map(|(id, _)| *id).collect());
    let to = if filter.to <= filter.from { i64::MAX } else { filter.to };
    let tag = Line::parse(&filter.tag, "tag", TAG_CHARS)?.into_string();
    let w = Where {
        tenant: ctx.tenant(),
        reach: &reach,
        from: filter.from,
        to,
        site: filter.site_id.map(SiteId),
        agent: filter.agent_id.map(kefu_protocol::AgentId),
        ids: ids.as_deref(),
        tag: Some(tag.as_str()).filter(|t| !t.is_empty()),
        with_files: filter.with_files,
        min_score: filter.min_score,
        department: filter.department_id,
        category: filter.category_id,
    };
    let (mut rows, total) = repo::page(&state.db, &w, filter.sort, filter.offset.max(0), PAGE).await?;
    if let Some(hits) = &hits {
        for row in &mut rows {
            row.hit = hits.iter().find(|(id, _)| *id == row.id).map(|(_, text)| text.clone());
        }
    }
    Ok(RecordPage { rows, total, capped })
}

/// One conversation the reader sees, whole (`NotFound` for any other).
pub async fn transcript(state: &AppState, ctx: &Ctx, id: i64) -> Result<Transcript, ApiError> {
    let reach = reach(ctx)?;
    let id = ConversationId(id);
    let record = repo::record(&state.db, ctx.tenant(), &reach, id).await?.ok_or(ApiError::NotFound)?;
    let messages = repo::messages(&state.db, ctx.tenant(), id, TRANSCRIPT_MESSAGES).await?;
    let events = repo::events(&state.db, ctx.tenant(), id).await?;
    let notes = repo::notes(&state.db, ctx.tenant(), id).await?;
    let whispers = crate::supervision::repo::list(&state.db, ctx.tenant(), id).await?;
    Ok(Transcript { record, messages, events, notes, whispers })
}

/// A conversation the reader sees (`NotFound` for any other).
async fn in_reach(state: &AppState, ctx: &Ctx, id: ConversationId) -> Result<(), ApiError> {
    let reach = reach(ctx)?;
    repo::record(&state.db, ctx.tenant(), &reach, id).await?.map(|_| ()).ok_or(ApiError::NotFound)
}

/// An internal note on a conversation the reader sees (seed 000 12.4, for conversations too).
pub async fn add_note(state: &AppState, ctx: &Ctx, id: i64, body: &str) -> Result<NoteLine, ApiError> {
    let id = ConversationId(id);
    in_reach(state, ctx, id).await?;
    let body = body.replace("\r\n", "\n");
    if body.trim().is_empty() {
        return Err(ApiError::invalid("note", ErrorCode::Empty));
    }
    if body.chars().count() > NOTE_CHARS {
        return Err(ApiError::invalid("note", ErrorCode::TooLong));
    }
    let body: String = body.chars().filter(|c| *c == '\n' || !c.is_control()).collect::<String>().trim().to_owned();
    let now = crate::infra::now_ms();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let added = repo::add_note(&mut w, ctx.tenant(), id, ctx.agent.id, &body, now).await;
    if !w.end(added).await? {
        return Err(ApiError::conflict(Some("note"), ErrorCode::LimitReached));
    }
    Ok(NoteLine { id: 0, agent_name: ctx.agent.display_name.clone(), body, at: now })
}

/// Replaces the tags of a conversation the reader sees: each trimmed, empty ones and repeats
/// dropped, at most [`MAX_TAGS`] of [`TAG_CHARS`]. Returns them as stored.
pub async fn set_tags(state: &AppState, ctx: &Ctx, id: i64, tags: Vec<String>) -> Result<Vec<String>, ApiError> {
    let id = ConversationId(id);
    // A list far past the limit is refused before any of it is read.
    if tags.len() > MAX_TAGS * 4 {
        return Err(ApiError::invalid("tags", ErrorCode::TooLong));
    }
    in_reach(state, ctx, id).await?;
    let mut clean: Vec<String> = Vec::new();
    for tag in tags {
        let tag = Line::parse(&tag, "tags", TAG_CHARS)?.into_string();
        if !tag.is_empty() && !clean.contains(&tag) {
            clean.push(tag);
        }
    }
    if clean.len() > MAX_TAGS {
        return Err(ApiError::invalid("tags", ErrorCode::TooLong));
    }
    let mut w = state.db.write().await?;
    w.begin().await?;
    let done = repo::set_tags(&mut w, ctx.tenant(), id, &clean).await;
    w.end(done).await?;
    Ok(clean)
}

/// The conversations that match the filter (every page, up to [`EXPORT_CONVERSATIONS`]), each
/// with its messages: what both exports write.
async fn exported(
    state: &AppState,
    ctx: &Ctx,
    filter: &RecordFilter,
) -> Result<Vec<(super::RecordRow, Vec<kefu_protocol::ChatMessage>)>, ApiError> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = list(state, ctx, RecordFilter { offset, ..filter.clone() }).await?;
        for row in page.rows.iter().cloned() {
            let messages = repo::messages(&state.db, ctx.tenant(), ConversationId(row.id), TRANSCRIPT_MESSAGES).await?;
            out.push((row, messages));
        }
        offset += PAGE;
        if page.rows.is_empty() || offset >= page.total.min(EXPORT_CONVERSATIONS) {
            return Ok(out);
        }
    }
}

/// The conversations that match the filter (up to [`EXPORT_CONVERSATIONS`]) as one self-contained
/// HTML file: every field escaped, no script (its own policy forbids any), names of visitors in the
/// reader's language, times in UTC.
pub async fn export_html(state: &AppState, ctx: &Ctx, filter: RecordFilter) -> Result<String, ApiError> {
    use crate::infra::html_escape as e;
    use crate::oplog::service::utc_text;
    let lang = crate::i18n::Lang::from_tag(ctx.agent.prefs.lang.as_deref().unwrap_or("en"));
    let title = crate::i18n::tr(lang, crate::i18n::Key::NavRecords);
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>{}</title><style>body{{font-family:system-ui,sans-serif;max-width:48em;margin:2em auto;padding:0 1em}}\
         section{{border-top:1px solid #d8dee4;margin-top:1.5em}}li{{margin:.5em 0;list-style:none}}\
         .who{{font-weight:600}}time{{color:#57606a;font-size:.85em;margin-left:.5em}}\
         p{{margin:.2em 0;white-space:pre-wrap}}</style></head><body><h1>{}</h1>",
        lang.tag(),
        e(title),
        e(title)
    );
    for (row, messages) in exported(state, ctx, &filter).await? {
        let visitor =
            crate::kit::visitor_label(lang, row.visitor_name.as_deref(), kefu_protocol::VisitorId(row.visitor_id));
        out.push_str(&format!(
            "<section><h2>#{} · {} · {} · {}</h2><ol>",
            row.id,
            e(&row.site_name),
            e(&visitor),
            e(&utc_text(row.started_at))
        ));
        for m in messages {
            let who = match m.sender {
                SenderKind::Visitor => visitor.clone(),
                SenderKind::Agent => m.sender_name.clone().unwrap_or_default(),
            };
            let text = if m.retracted { String::new() } else { m.body.clone() };
            out.push_str(&format!(
                "<li><span class=\"who\">{}</span><time>{}</time><p>{}</p></li>",
                e(&who),
                e(&utc_text(m.sent_at)),
                e(&text)
            ));
        }
        out.push_str("</ol></section>");
    }
    out.push_str("</body></html>");
    Ok(out)
}

/// Conversations one export holds at most (all pages of a filter up to this).
pub const EXPORT_CONVERSATIONS: i64 = 500;

/// The messages of the conversations that match the filter, one row per message, as CSV (UTF-8
/// with a byte order mark, which spreadsheet programs need to read Chinese): conversation, time,
/// site, visitor, agent, sender, text.
pub async fn export_csv(state: &AppState, ctx: &Ctx, filter: RecordFilter) -> Result<String, ApiError> {
    use crate::infra::csv;
    let mut out = String::from("\u{FEFF}");
    out.push_str(&csv::row(&["conversation", "time", "site", "visitor", "agent", "sender", "text"]));
    for (row, messages) in exported(state, ctx, &filter).await? {
        let visitor = row.visitor_name.clone().unwrap_or_else(|| format!("#{}", row.visitor_id));
        let agent = row.agent_name.clone().unwrap_or_default();
        for m in messages {
            let sender = match m.sender {
                SenderKind::Visitor => visitor.clone(),
                SenderKind::Agent => m.sender_name.clone().unwrap_or_default(),
            };
            let text = if m.retracted { String::new() } else { m.body.clone() };
            let time = crate::oplog::service::utc_text(m.sent_at);
            out.push_str(&csv::row(&[&row.id.to_string(), &time, &row.site_name, &visitor, &agent, &sender, &text]));
        }
    }
    Ok(out)
}

/// The departments and categories the records page filters by (the company's; whoever reads records).
pub async fn choices(state: &AppState, ctx: &Ctx) -> Result<super::RecordChoices, ApiError> {
    reach(ctx)?;
    repo::choices(&state.db, ctx.tenant()).await
}
