//! The rules of conversation records: whose conversations a reader sees, search, the transcript,
//! and the CSV export.

use kefu_protocol::text::Line;
use kefu_protocol::{ApiError, ConversationId, ErrorCode, Perm, SenderKind, SiteId};

use super::repo::{self, Reach, Where};
use super::{
    NoteLine, RecordFilter, RecordPage, Transcript, MAX_TAGS, NOTE_CHARS, PAGE, QUERY_CHARS, SEARCH_CAP, TAG_CHARS,
    TRANSCRIPT_MESSAGES,
};
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::{Ctx, SiteScope};
use crate::infra::search::{self, Query};
use crate::infra::state::AppState;
use crate::infra::stream::{Gone, Written};

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
    // Candidates are read newest first, a batch at a time, until one more conversation than the
    // cap holds the text (or ten candidates per listed conversation were read).
    let mut found: Vec<(i64, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let (mut before, mut read) = (i64::MAX, 0);
    while found.len() <= SEARCH_CAP && read < SEARCH_CAP * 10 {
        let batch = search::search(&state.db, ctx.tenant(), query, before, SEARCH_BATCH).await?;
        read += SEARCH_BATCH as usize;
        for hit in batch.hits {
            if seen.insert(hit.conversation_id.0) {
                found.push((hit.conversation_id.0, hit.body));
            }
        }
        match batch.next {
            Some(next) => before = next,
            None => break,
        }
    }
    let capped = found.len() > SEARCH_CAP;
    found.truncate(SEARCH_CAP);
    Ok((found, capped))
}

/// Candidate messages a search reads at once.
const SEARCH_BATCH: i64 = 2000;

/// A filter checked and resolved against the session: the scope, the search's hits, the bounds.
struct Resolved {
    reach: Reach,
    /// The search's candidates with the newest hit's text (`None`: no search text).
    hits: Option<Vec<(i64, String)>>,
    capped: bool,
    ids: Option<Vec<i64>>,
    tag: String,
    /// The source filter, lowercase.
    source: String,
    to: i64,
}

impl Resolved {
    async fn new(state: &AppState, ctx: &Ctx, filter: &RecordFilter) -> Result<Resolved, ApiError> {
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
        let mut ids: Option<Vec<i64>> = hits.as_ref().map(|h| h.iter().map(|(id, _)| *id).collect());
        if let Some(only) = filter.conversation_id {
            ids = Some(match ids {
                Some(found) => found.into_iter().filter(|id| *id == only).collect(),
                None => vec![only],
            });
        }
        let to = if filter.to <= filter.from { i64::MAX } else { filter.to };
        let tag = Line::parse(&filter.tag, "tag", TAG_CHARS)?.into_string();
        let source = Line::parse(&filter.source, "source", QUERY_CHARS)?.into_string().trim().to_lowercase();
        Ok(Resolved { reach, hits, capped, ids, tag, source, to })
    }

    fn conditions<'a>(&'a self, ctx: &Ctx, filter: &RecordFilter) -> Where<'a> {
        Where {
            tenant: ctx.tenant(),
            reach: &self.reach,
            from: filter.from,
            to: self.to,
            site: filter.site_id.map(SiteId),
            agent: filter.agent_id.map(kefu_protocol::AgentId),
            ids: self.ids.as_deref(),
            tag: Some(self.tag.as_str()).filter(|t| !t.is_empty()),
            with_files: filter.with_files,
            min_score: filter.min_score,
            department: filter.department_id,
            category: filter.category_id,
            source: Some(self.source.as_str()).filter(|s| !s.is_empty()),
        }
    }
}

/// A page of the conversations the reader sees that match the filter.
pub async fn list(state: &AppState, ctx: &Ctx, filter: RecordFilter) -> Result<RecordPage, ApiError> {
    let resolved = Resolved::new(state, ctx, &filter).await?;
    let w = resolved.conditions(ctx, &filter);
    let (mut rows, total) = repo::page(&state.db, &w, filter.sort, filter.offset.max(0), PAGE).await?;
    if let Some(hits) = &resolved.hits {
        for row in &mut rows {
            row.hit = hits.iter().find(|(id, _)| *id == row.id).map(|(_, text)| text.clone());
        }
    }
    Ok(RecordPage { rows, total, capped: resolved.capped })
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
    let visitor = kefu_protocol::VisitorId(record.visitor_id);
    let end = record.closed_at.unwrap_or_else(crate::infra::now_ms);
    let (card, pages) =
        crate::visitors::service::at_the_time(state, ctx.tenant(), visitor, record.started_at, end).await?;
    Ok(Transcript { record, messages, events, notes, whispers, card, pages })
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

/// Conversations one export holds at most (the newest that match, in the list's order).
pub const EXPORT_CONVERSATIONS: i64 = 100_000;
/// Conversations read from the database at a time while an export is written.
const EXPORT_BATCH: usize = 100;

/// An export checked before its first byte: the conversations it holds, in order, and how.
pub struct Export {
    tenant: kefu_protocol::TenantId,
    lang: crate::i18n::Lang,
    ids: Vec<i64>,
    sort: super::RecordSort,
    format: super::ExportFormat,
}

impl Export {
    /// The name the browser saves it under.
    pub fn file_name(&self) -> String {
        match (self.format, self.ids.as_slice()) {
            (super::ExportFormat::Html, [one]) => format!("conversation-{one}.html"),
            (format, _) => format!("records.{}", format.as_str()),
        }
    }

    pub fn format(&self) -> super::ExportFormat {
        self.format
    }
}

/// Checks an export of what the filter matches in the reader's records (the same conditions as
/// the list, every page, up to [`EXPORT_CONVERSATIONS`]); [`write_export`] then writes it.
pub async fn start_export(
    state: &AppState,
    ctx: &Ctx,
    filter: RecordFilter,
    format: super::ExportFormat,
) -> Result<Export, ApiError> {
    let resolved = Resolved::new(state, ctx, &filter).await?;
    let ids = repo::ids(&state.db, &resolved.conditions(ctx, &filter), filter.sort, EXPORT_CONVERSATIONS).await?;
    let lang = crate::i18n::Lang::from_tag(ctx.agent.prefs.lang.as_deref().unwrap_or("en"));
    Ok(Export { tenant: ctx.tenant(), lang, ids, sort: filter.sort, format })
}

/// Writes an export into `out`, a hundred conversations read at a time, so its size does not
/// change what the server holds. A database error midway ends the download as failed.
pub async fn write_export(state: &AppState, export: Export, mut out: crate::infra::stream::Chunks) {
    let written = match export.format {
        super::ExportFormat::Csv => write_csv(state, &export, &mut out).await,
        super::ExportFormat::Html => write_html(state, &export, &mut out).await,
        super::ExportFormat::Zip => write_zip(state, &export, &mut out).await,
    };
    out.end(written, "records export").await
}

/// The export's conversations in order, each with its messages, read a batch at a time.
struct Conversations<'a> {
    state: &'a AppState,
    export: &'a Export,
    /// How many ids were read so far.
    read: usize,
    batch: std::collections::VecDeque<super::RecordRow>,
}

impl<'a> Conversations<'a> {
    fn new(state: &'a AppState, export: &'a Export) -> Conversations<'a> {
        Conversations { state, export, read: 0, batch: Default::default() }
    }

    async fn next(&mut self) -> Result<Option<(super::RecordRow, Vec<kefu_protocol::ChatMessage>)>, ApiError> {
        while self.batch.is_empty() {
            let Some(ids) = self.export.ids.get(self.read..).filter(|rest| !rest.is_empty()) else {
                return Ok(None);
            };
            let ids = &ids[..ids.len().min(EXPORT_BATCH)];
            self.read += ids.len();
            // A conversation deleted since the export started is left out.
            self.batch = repo::records(&self.state.db, self.export.tenant, ids, self.export.sort).await?.into();
        }
        let Some(row) = self.batch.pop_front() else { return Ok(None) };
        let messages =
            repo::messages(&self.state.db, self.export.tenant, ConversationId(row.id), TRANSCRIPT_MESSAGES).await?;
        Ok(Some((row, messages)))
    }
}

/// The start of an export's HTML file: its own policy forbids any script; times are UTC.
pub(crate) fn html_open(lang: crate::i18n::Lang, title: &str) -> String {
    use crate::infra::html_escape as e;
    format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>{}</title><style>body{{font-family:system-ui,sans-serif;max-width:48em;margin:2em auto;padding:0 1em}}\
         section{{border-top:1px solid #d8dee4;margin-top:1.5em}}li{{margin:.5em 0;list-style:none}}\
         .who{{font-weight:600}}time{{color:#57606a;font-size:.85em;margin-left:.5em}}\
         p{{margin:.2em 0;white-space:pre-wrap}}</style></head><body><h1>{}</h1>",
        lang.tag(),
        e(title),
        e(title)
    )
}

pub(crate) const HTML_CLOSE: &str = "</body></html>";

/// One conversation as an HTML section, every field escaped.
pub(crate) fn html_section(
    lang: crate::i18n::Lang,
    row: &super::RecordRow,
    messages: &[kefu_protocol::ChatMessage],
) -> String {
    use crate::infra::html_escape as e;
    use crate::oplog::service::utc_text;
    let visitor =
        crate::kit::visitor_label(lang, row.visitor_name.as_deref(), kefu_protocol::VisitorId(row.visitor_id));
    let mut out = format!(
        "<section><h2>#{} · {} · {} · {}</h2><ol>",
        row.id,
        e(&row.site_name),
        e(&visitor),
        e(&utc_text(row.started_at))
    );
    for m in messages {
        let who = match m.sender {
            SenderKind::Visitor => visitor.as_str(),
            SenderKind::Agent => m.sender_name.as_deref().unwrap_or_default(),
        };
        let text = if m.retracted { "" } else { m.body.as_str() };
        out.push_str(&format!(
            "<li><span class=\"who\">{}</span><time>{}</time><p>{}</p></li>",
            e(who),
            e(&utc_text(m.sent_at)),
            e(text)
        ));
    }
    out.push_str("</ol></section>");
    out
}

/// Every conversation in one self-contained HTML file.
async fn write_html(state: &AppState, export: &Export, out: &mut crate::infra::stream::Chunks) -> Written {
    let lang = export.lang;
    if out.write(html_open(lang, crate::i18n::tr(lang, crate::i18n::Key::NavRecords)).as_bytes()).await.is_err() {
        return Ok(Err(Gone));
    }
    let mut all = Conversations::new(state, export);
    while let Some((row, messages)) = all.next().await? {
        if out.write(html_section(lang, &row, &messages).as_bytes()).await.is_err() {
            return Ok(Err(Gone));
        }
    }
    Ok(out.write(HTML_CLOSE.as_bytes()).await)
}

/// A zip archive (written as a stream) of one self-contained HTML file per conversation.
async fn write_zip(state: &AppState, export: &Export, out: &mut crate::infra::stream::Chunks) -> Written {
    use std::io::Write as _;
    let lang = export.lang;
    let shared = crate::infra::stream::Shared::default();
    let mut zip = zip::ZipWriter::new_stream(shared.clone());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut all = Conversations::new(state, export);
    while let Some((row, messages)) = all.next().await? {
        let title = format!("#{} · {}", row.id, row.site_name);
        let file = format!("{}{}{}", html_open(lang, &title), html_section(lang, &row, &messages), HTML_CLOSE);
        zip.start_file(format!("conversation-{}.html", row.id), options).map_err(zip_failed)?;
        zip.write_all(file.as_bytes()).map_err(zip_failed)?;
        if out.write(&shared.take()).await.is_err() {
            return Ok(Err(Gone));
        }
    }
    zip.finish().map_err(zip_failed)?;
    Ok(out.write(&shared.take()).await)
}

fn zip_failed(e: impl std::fmt::Debug) -> ApiError {
    tracing::warn!(error = ?e, "writing an export archive");
    ApiError::Internal
}

/// One row per message, as CSV (UTF-8 with a byte order mark, which spreadsheet programs need to
/// read Chinese): conversation, time, site, visitor, agent, sender, text.
async fn write_csv(state: &AppState, export: &Export, out: &mut crate::infra::stream::Chunks) -> Written {
    use crate::infra::csv;
    let mut head = String::from("\u{FEFF}");
    head.push_str(&csv::row(&["conversation", "time", "site", "visitor", "agent", "sender", "text"]));
    if out.write(head.as_bytes()).await.is_err() {
        return Ok(Err(Gone));
    }
    let mut all = Conversations::new(state, export);
    while let Some((row, messages)) = all.next().await? {
        let visitor = row.visitor_name.clone().unwrap_or_else(|| format!("#{}", row.visitor_id));
        let agent = row.agent_name.clone().unwrap_or_default();
        let mut lines = String::new();
        for m in messages {
            let sender = match m.sender {
                SenderKind::Visitor => visitor.as_str(),
                SenderKind::Agent => m.sender_name.as_deref().unwrap_or_default(),
            };
            let text = if m.retracted { "" } else { m.body.as_str() };
            let time = crate::oplog::service::utc_text(m.sent_at);
            lines.push_str(&csv::row(&[&row.id.to_string(), &time, &row.site_name, &visitor, &agent, sender, text]));
        }
        if out.write(lines.as_bytes()).await.is_err() {
            return Ok(Err(Gone));
        }
    }
    Ok(Ok(()))
}

/// Deletes conversations of the reader's records for good (messages, files, notes, events,
/// rating), in one transaction with its operation-log entry. Needs `RecordsDelete` on each one's
/// site; a live conversation must end first (`Conflict`, `InUse`). Any refusal deletes nothing.
pub async fn delete(state: &AppState, ctx: &Ctx, ids: Vec<i64>) -> Result<usize, ApiError> {
    ctx.check(Perm::RecordsDelete)?;
    if ids.len() > super::DELETE_AT_ONCE {
        return Err(ApiError::invalid("conversations", ErrorCode::TooLong));
    }
    let mut ids = ids;
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(ApiError::invalid("conversations", ErrorCode::Required));
    }
    let reach = reach(ctx)?;
    let rows = repo::listed(&state.db, ctx.tenant(), &reach, &ids, super::RecordSort::Oldest).await?;
    if rows.len() != ids.len() || rows.iter().any(|r| !ctx.may(Perm::RecordsDelete, SiteId(r.site_id))) {
        return Err(ApiError::NotFound);
    }
    if rows.iter().any(|r| r.status == "open") {
        return Err(ApiError::conflict(Some("conversations"), ErrorCode::InUse));
    }
    let listed: Vec<String> = ids.iter().map(|id| format!("#{id}")).collect();
    let summary = format!("{} · {}", ids.len(), listed.join(" "));
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let files = repo::purge(&mut w, ctx.tenant(), &ids, repo::Purge::Whole).await?;
        let entry = Entry::by(ctx, OpKind::RecordsDeleted, "conversations", &summary);
        audit::record(&mut w, &entry).await?;
        Ok(files)
    };
    let done = work.await;
    let files = w.end(done).await?;
    crate::files::service::forget(state, ctx.tenant(), &files).await;
    Ok(ids.len())
}

/// The departments and categories the records page filters by (the company's; whoever reads records).
pub async fn choices(state: &AppState, ctx: &Ctx) -> Result<super::RecordChoices, ApiError> {
    reach(ctx)?;
    repo::choices(&state.db, ctx.tenant()).await
}
