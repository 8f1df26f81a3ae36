//! The rules of files: what an upload must pass (the site's rules, the budgets, a type decided from
//! the content), how a file is named, who may download it and how it is served, and an agent's
//! decision on a visitor's file. Called by the HTTP routes (`server/src/files.rs`), the chat send
//! path ([`attach`]) and the agent socket ([`decide`]).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use kefu_protocol::file::{is_file_id, MAX_FILE_NAME};
use kefu_protocol::{
    ApiError, Attachment, ConversationId, ErrorCode, FileClass, FileState, Perm, SiteId, TenantId, VisitorId,
};

use super::repo::{self, FileRow, NewFile};
use super::FileSettings;
use crate::infra::ctx::Ctx;
use crate::infra::events::{self, Event, EventKind};
use crate::infra::limits::{Limits, WindowLimiter};
use crate::infra::state::AppState;
use crate::infra::storage::FileStore;
use crate::infra::{every, now_ms};
use crate::sites::service::Site;

/// The area's part of the application state: the store and the upload budgets.
#[derive(Clone)]
pub struct Files {
    pub store: FileStore,
    per_visitor: Arc<WindowLimiter<VisitorId>>,
    per_ip: Arc<WindowLimiter<IpAddr>>,
    site_bytes_per_day: u64,
    /// Each site's rules, reused for five seconds on this node (every visitor socket asks).
    rules: Arc<crate::infra::cache::TtlCache<SiteId, FileSettings>>,
    /// Uploads being read at once on this node (each holds its bytes in memory).
    reading: Arc<tokio::sync::Semaphore>,
}

/// Uploads one node reads at once; more wait a moment (`TooMany`, retry in 2 s).
pub const UPLOADS_AT_ONCE: usize = 16;

impl Files {
    pub fn new(store: FileStore, limits: &Limits) -> Files {
        let hour = Duration::from_secs(3600);
        Files {
            store,
            per_visitor: Arc::new(WindowLimiter::new(limits.files_per_visitor_per_hour, hour)),
            per_ip: Arc::new(WindowLimiter::new(limits.files_per_ip_per_hour, hour)),
            site_bytes_per_day: limits.file_bytes_per_site_per_day,
            rules: Arc::new(crate::infra::cache::TtlCache::new(Duration::from_secs(5), 100_000)),
            reading: Arc::new(tokio::sync::Semaphore::new(UPLOADS_AT_ONCE)),
        }
    }
}

/// Who uploads: a visitor of a site, or an agent for a site they serve (the caller found the site
/// from a conversation in the agent's scope; sending the file checks that conversation again).
pub enum Uploader<'a> {
    Visitor { site: &'a Site, visitor: VisitorId },
    Agent { ctx: &'a Ctx, site: SiteId },
}

/// Who sends a message with a file (the uploader, again).
pub enum Sender<'a> {
    Visitor { site: &'a Site, visitor: VisitorId },
    Agent { ctx: &'a Ctx, site: SiteId },
}

/// Who downloads.
pub enum Reader<'a> {
    Visitor { site: &'a Site, visitor: VisitorId },
    Agent(&'a Ctx),
}

/// The type found in a file's content, with the file name extensions it goes by: `primary` is what
/// a name without one of them gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sniffed {
    pub mime: &'static str,
    pub primary: &'static str,
    pub others: &'static [&'static str],
}

impl Sniffed {
    fn allows(&self, ext: &str) -> bool {
        let ext = ext.to_ascii_lowercase();
        self.primary == ext || self.others.contains(&ext.as_str())
    }
}

/// Text files go by these extensions (anything else gets `.txt` added).
const TEXT_EXTENSIONS: &[&str] = &["csv", "tsv", "log", "md", "json"];

/// The type of `bytes`, from their content only: a type [`FileClass::of_mime`] knows, or plain text
/// (UTF-8 or GB18030, no control characters, not markup); `None` for anything else (HTML, SVG,
/// scripts, executables, unknown binaries).
pub fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    if let Some(kind) = infer::get(bytes) {
        let mime = kind.mime_type();
        FileClass::of_mime(mime)?;
        let others: &'static [&'static str] = match mime {
            "image/jpeg" => &["jpeg", "jfif"],
            "video/mp4" => &["m4v"],
            _ => &[],
        };
        return Some(Sniffed { mime, primary: kind.extension(), others });
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let decoded = match std::str::from_utf8(text) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(text)?,
    };
    let controls = decoded.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'));
    let markup = decoded.trim_start().starts_with('<');
    if decoded.trim().is_empty() || controls || markup {
        return None;
    }
    Some(Sniffed { mime: "text/plain", primary: "txt", others: TEXT_EXTENSIONS })
}

/// A name safe to store and to offer in a download: the last part of what the browser sent (no
/// folders), without control or bidirectional-override characters, no leading dots, at most
/// [`MAX_FILE_NAME`] characters, and ending in an extension of the type found in the content.
pub fn clean_name(raw: &str, sniffed: &Sniffed) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}');
    let kept: String = last.chars().filter(|c| !c.is_control() && !bidi(*c)).collect();
    let kept = kept.trim().trim_start_matches('.').trim();
    let (stem, ext) = match kept.rsplit_once('.') {
        Some((stem, ext)) if sniffed.allows(ext) => (stem.to_owned(), ext.to_owned()),
        _ => (kept.to_owned(), sniffed.primary.to_owned()),
    };
    let stem = if stem.trim().is_empty() { "file".to_owned() } else { stem };
    let room = MAX_FILE_NAME.saturating_sub(ext.chars().count() + 1);
    let stem: String = stem.chars().take(room).collect();
    format!("{}.{ext}", stem.trim_end())
}

/// 128 random bits as 32 hex digits.
fn new_file_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Records a file whose bytes were just stored under `key`; if the row cannot be written, the
/// bytes go again (no file in the store without its row).
async fn insert_or_unstore(state: &AppState, files: &Files, key: &str, row: &NewFile<'_>) -> Result<(), ApiError> {
    let stored = async {
        let mut w = state.db.write().await?;
        w.begin().await?;
        let inserted = repo::insert(&mut w, row).await;
        w.end(inserted).await
    }
    .await;
    if let Err(error) = stored {
        let _ = files.store.remove(key).await;
        return Err(error);
    }
    Ok(())
}

fn store_key(tenant: TenantId, public_id: &str) -> String {
    format!("{}/{public_id}", tenant.0)
}

/// Removes the bytes of files whose rows a transaction deleted (records deleted, a visitor erased).
/// A file that cannot be removed now is logged; its row is gone, so nobody can download it.
pub async fn forget(state: &AppState, tenant: TenantId, public_ids: &[String]) {
    let Ok(files) = state.part::<Files>() else { return };
    for public_id in public_ids {
        if let Err(e) = files.store.remove(&store_key(tenant, public_id)).await {
            tracing::warn!(error = ?e, public_id, "removing a deleted file's bytes");
        }
    }
}

/// A place among the uploads this node reads at once (held until the upload is stored): a flood
/// of large uploads cannot hold more than [`UPLOADS_AT_ONCE`] bodies in memory.
pub fn upload_slot(state: &AppState) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    state.part::<Files>()?.reading.clone().try_acquire_owned().map_err(|_| ApiError::TooMany { retry_after_secs: 2 })
}

/// A site's rules, or the defaults (read at most every five seconds per node; a save forgets
/// them at once on its node).
pub async fn site_settings(state: &AppState, tenant: TenantId, site: SiteId) -> Result<FileSettings, ApiError> {
    let rules = &state.part::<Files>()?.rules;
    if let Some(found) = rules.get(&site) {
        return Ok(found);
    }
    let found = repo::settings(&state.db, tenant, site).await?.unwrap_or_else(|| FileSettings::defaults(site.0));
    rules.put(site, found.clone());
    Ok(found)
}

/// The largest file a site's visitors may send (`None`: they may send none), for the widget.
pub async fn visitor_limit(state: &AppState, tenant: TenantId, site: SiteId) -> Option<u64> {
    match site_settings(state, tenant, site).await {
        Ok(s) if s.visitor_uploads && !s.classes.is_empty() => Some(s.max_bytes),
        _ => None,
    }
}

/// Stores an upload: refused when the site does not take it (visitors not allowed, too large, a
/// type it does not take, decided from the content), when the uploader or their address is over
/// the hour's budget, or the site over the day's bytes. A visitor's file is `Pending` unless the
/// site trusts visitors' files. One transaction; the bytes are written before the row, and
/// removed again if the row is not.
pub async fn upload(
    state: &AppState,
    uploader: Uploader<'_>,
    ip: IpAddr,
    name: &str,
    bytes: &[u8],
) -> Result<Attachment, ApiError> {
    let files = state.part::<Files>()?;
    let (tenant, site, kind, who, visitor) = match &uploader {
        Uploader::Visitor { site, visitor } => (site.tenant_id, site.id, "visitor", visitor.0, Some(*visitor)),
        Uploader::Agent { ctx, site } => {
            ctx.check(Perm::ChatServe)?;
            if !ctx.sites(Perm::ChatServe).allows(*site) {
                return Err(ApiError::NotFound);
            }
            (ctx.tenant(), *site, "agent", ctx.agent.id.0, None)
        }
    };
    let settings = site_settings(state, tenant, site).await?;
    if visitor.is_some() && !settings.visitor_uploads {
        return Err(ApiError::conflict(Some("attachment"), ErrorCode::Unavailable));
    }
    if bytes.is_empty() {
        return Err(ApiError::invalid("attachment", ErrorCode::Empty));
    }
    if bytes.len() as u64 > settings.max_bytes {
        return Err(ApiError::invalid("attachment", ErrorCode::TooLarge));
    }
    let sniffed = sniff(bytes).ok_or_else(|| ApiError::invalid("attachment", ErrorCode::FileType))?;
    let class = FileClass::of_mime(sniffed.mime).ok_or_else(|| ApiError::invalid("attachment", ErrorCode::FileType))?;
    if !settings.classes.contains(&class) {
        return Err(ApiError::invalid("attachment", ErrorCode::FileType));
    }
    if class == FileClass::Image && !crate::infra::image::is_image(bytes) {
        // Image magic bytes in front of something else.
        return Err(ApiError::invalid("attachment", ErrorCode::FileType));
    }
    let too_many = |retry_after_secs| ApiError::TooMany { retry_after_secs };
    files.per_ip.take(&ip).map_err(too_many)?;
    if let Some(v) = visitor {
        if let Err(retry) = files.per_visitor.take(&v) {
            files.per_ip.give_back(&ip);
            return Err(too_many(retry));
        }
    }
    let now = now_ms();
    let used = repo::bytes_since(&state.db, tenant, site, now - 24 * 3600 * 1000).await?;
    if used + bytes.len() as u64 > files.site_bytes_per_day {
        return Err(ApiError::TooMany { retry_after_secs: 3600 });
    }
    let trusted = visitor.is_none() || settings.trust_visitors;
    let attachment = Attachment {
        id: new_file_id(),
        name: clean_name(name, &sniffed),
        size: bytes.len() as u64,
        mime: sniffed.mime.to_owned(),
        state: if trusted { FileState::Ready } else { FileState::Pending },
    };
    let key = store_key(tenant, &attachment.id);
    files.store.put(&key, bytes).await?;
    let row = NewFile { tenant, site, uploader_kind: kind, uploader_id: who, attachment: &attachment, at: now };
    insert_or_unstore(state, files, &key, &row).await?;
    Ok(attachment)
}

/// The file a message is about to send: the sender's own upload, on the conversation's site, not
/// refused. Returns its row id (the message stores it) and what the message shows.
pub async fn attach(state: &AppState, sender: Sender<'_>, public_id: &str) -> Result<(i64, Attachment), ApiError> {
    let missing = || ApiError::invalid("attachment", ErrorCode::NotFound);
    if !is_file_id(public_id) {
        return Err(missing());
    }
    let (tenant, site, kind, who) = match &sender {
        Sender::Visitor { site, visitor } => (site.tenant_id, site.id, "visitor", visitor.0),
        Sender::Agent { ctx, site } => (ctx.tenant(), *site, "agent", ctx.agent.id.0),
    };
    let row = repo::by_public_id(&state.db, tenant, public_id).await?.ok_or_else(missing)?;
    if row.uploader_kind != kind || row.uploader_id != who || row.site_id != site {
        return Err(missing());
    }
    if row.attachment.state == FileState::Refused {
        return Err(missing());
    }
    Ok((row.id, row.attachment))
}

/// A file someone may download: its name, type, bytes, and whether it may be shown inline.
pub struct Download {
    pub attachment: Attachment,
    pub bytes: Vec<u8>,
    /// A raster image that passed the content check (everything else is an attachment).
    pub inline: bool,
}

/// The file, if `reader` may have it: a visitor, when a message of one of their conversations
/// carries it; an agent, when one of the conversations carrying it is on their sites (or it is
/// their own upload). Pending and refused files are nobody's: `NotFound` (and so is anything the
/// reader may not see, so ids cannot be probed).
pub async fn download(state: &AppState, reader: Reader<'_>, public_id: &str) -> Result<Download, ApiError> {
    if !is_file_id(public_id) {
        return Err(ApiError::NotFound);
    }
    let tenant = match &reader {
        Reader::Visitor { site, .. } => site.tenant_id,
        Reader::Agent(ctx) => ctx.tenant(),
    };
    let row = repo::by_public_id(&state.db, tenant, public_id).await?.ok_or(ApiError::NotFound)?;
    if row.attachment.state != FileState::Ready {
        return Err(ApiError::NotFound);
    }
    let carriers = repo::conversations_of(&state.db, tenant, row.id).await?;
    let allowed = match &reader {
        Reader::Visitor { site, visitor } => carriers.iter().any(|(_, s, v)| *s == site.id && v == visitor),
        Reader::Agent(ctx) => {
            ctx.check(Perm::ChatServe)?;
            let own = row.uploader_kind == "agent" && row.uploader_id == ctx.agent.id.0;
            own || carriers.iter().any(|(_, s, _)| ctx.sites(Perm::ChatServe).allows(*s))
        }
    };
    if !allowed {
        return Err(ApiError::NotFound);
    }
    let bytes = state.part::<Files>()?.store.get(&store_key(tenant, public_id)).await?;
    let inline = row.attachment.is_image() && crate::infra::image::is_image(&bytes);
    Ok(Download { attachment: row.attachment, bytes, inline })
}

/// `Content-Disposition` for a download: `inline` only for checked images; the name as ASCII
/// (others replaced) and in full as UTF-8 (RFC 6266 / 5987), so Chinese names survive.
pub fn content_disposition(inline: bool, name: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'_');
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}", utf8_percent_encode(name, KEEP))
}

/// An agent accepts a visitor's pending file sent in `conversation` (it becomes downloadable) or
/// refuses it (its bytes are deleted). The caller checked that the conversation is in the agent's
/// scope, and tells the conversation. A file decided meanwhile by a colleague is `Conflict`.
pub async fn decide(
    state: &AppState,
    ctx: &Ctx,
    conversation: ConversationId,
    public_id: &str,
    accept: bool,
) -> Result<FileState, ApiError> {
    ctx.check(Perm::ChatServe)?;
    if !is_file_id(public_id) {
        return Err(ApiError::NotFound);
    }
    let row: FileRow = repo::by_public_id(&state.db, ctx.tenant(), public_id).await?.ok_or(ApiError::NotFound)?;
    let carriers = repo::conversations_of(&state.db, ctx.tenant(), row.id).await?;
    if !carriers.iter().any(|(c, _, _)| *c == conversation) {
        return Err(ApiError::NotFound);
    }
    let to = if accept { FileState::Ready } else { FileState::Refused };
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        if !repo::set_state(&mut w, ctx.tenant(), row.id, FileState::Pending, to).await? {
            return Ok(false);
        }
        // Kept with the conversation's events (records show who accepted what).
        let kind = if accept { EventKind::FileAccepted } else { EventKind::FileRefused };
        let mut event = Event::new(ctx.tenant(), conversation, kind, Some(ctx.agent.id), now_ms());
        event.detail = &row.attachment.name;
        events::record(&mut w, &event).await?;
        Ok(true)
    }
    .await;
    let changed = w.end(work).await?;
    if !changed {
        return Err(ApiError::conflict(Some("attachment"), ErrorCode::Conflict));
    }
    if !accept {
        state.part::<Files>()?.store.remove(&store_key(ctx.tenant(), public_id)).await?;
    }
    Ok(to)
}

/// Deletes, every hour, files uploaded more than a day ago that no message sends (the visitor
/// closed the page before sending, say).
pub fn start_unsent_sweep(state: &AppState) {
    let state = state.clone();
    every(Duration::from_secs(3600), "unsent files", move || {
        let state = state.clone();
        async move {
            let files = state.part::<Files>()?;
            let mut removed = 0;
            for (tenant, id, public_id) in repo::unsent(&state.db, now_ms() - 24 * 3600 * 1000, 1000).await? {
                let mut w = state.db.write().await?;
                w.begin().await?;
                let deleted = repo::delete_unsent(&mut w, tenant, id).await;
                if w.end(deleted).await? {
                    files.store.remove(&store_key(tenant, &public_id)).await?;
                    removed += 1;
                }
            }
            Ok(removed)
        }
    });
}

/// A site's rules for its settings page (`Perm::SitesManage` on the site).
pub async fn settings(state: &AppState, ctx: &Ctx, site: SiteId) -> Result<FileSettings, ApiError> {
    ctx.check(Perm::SitesManage)?;
    if !ctx.sites(Perm::SitesManage).allows(site)
        || crate::sites::service::site_by_id(state, ctx.tenant(), site).await?.is_none()
    {
        return Err(ApiError::NotFound);
    }
    Ok(repo::settings(&state.db, ctx.tenant(), site).await?.unwrap_or_else(|| FileSettings::defaults(site.0)))
}

/// Saves a site's rules (one transaction with its operation-log entry).
pub async fn save_settings(state: &AppState, ctx: &Ctx, settings: FileSettings) -> Result<(), ApiError> {
    use crate::infra::audit::{self, Entry, OpKind};
    ctx.check(Perm::SitesManage)?;
    let settings = settings.parse()?;
    let site = SiteId(settings.site_id);
    if !ctx.sites(Perm::SitesManage).allows(site)
        || crate::sites::service::site_by_id(state, ctx.tenant(), site).await?.is_none()
    {
        return Err(ApiError::NotFound);
    }
    let summary = format!(
        "max {} MB, {}, visitors {}{}",
        settings.max_bytes >> 20,
        settings.classes_text(),
        if settings.visitor_uploads { "may send" } else { "may not send" },
        if settings.trust_visitors { ", trusted" } else { "" },
    );
    let object = format!("site #{}", site.0);
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        repo::save_settings(&mut w, ctx.tenant(), &settings).await?;
        audit::record(&mut w, &Entry::by(ctx, OpKind::FileSettingsChanged, &object, &summary)).await
    }
    .await;
    w.end(work).await?;
    state.part::<Files>()?.rules.forget(&site);
    Ok(())
}

/// The company's library of common files (agents, to send them; its page, to keep it).
pub async fn library(state: &AppState, ctx: &Ctx) -> Result<Vec<super::LibraryFile>, ApiError> {
    ctx.check(Perm::ChatServe)?;
    Ok(repo::library(&state.db, ctx.tenant()).await?.into_iter().map(|(file, _)| file).collect())
}

/// Adds a file to the library (`Perm::SettingsManage`): the type from the content as for chat
/// files (any of the four classes), the name cleaned, at most [`kefu_protocol::file::MAX_FILE_BYTES`],
/// in `folder` (one line, at most [`super::MAX_FOLDER`] characters; empty: none). One transaction
/// with its operation-log entry.
pub async fn add_to_library(
    state: &AppState,
    ctx: &Ctx,
    folder: &str,
    name: &str,
    bytes: &[u8],
) -> Result<super::LibraryFile, ApiError> {
    use crate::infra::audit::{self, Entry, OpKind};
    ctx.check(Perm::SettingsManage)?;
    let folder = kefu_protocol::text::Line::parse(folder, "folder", super::MAX_FOLDER)?.into_string();
    if bytes.is_empty() {
        return Err(ApiError::invalid("attachment", ErrorCode::Empty));
    }
    if bytes.len() as u64 > kefu_protocol::file::MAX_FILE_BYTES {
        return Err(ApiError::invalid("attachment", ErrorCode::TooLarge));
    }
    let sniffed = sniff(bytes).ok_or_else(|| ApiError::invalid("attachment", ErrorCode::FileType))?;
    let class = FileClass::of_mime(sniffed.mime);
    if class.is_none() || (class == Some(FileClass::Image) && !crate::infra::image::is_image(bytes)) {
        return Err(ApiError::invalid("attachment", ErrorCode::FileType));
    }
    let files = state.part::<Files>()?;
    let public_id = new_file_id();
    let name = clean_name(name, &sniffed);
    let key = store_key(ctx.tenant(), &public_id);
    files.store.put(&key, bytes).await?;
    let row = repo::NewLibraryFile {
        tenant: ctx.tenant(),
        public_id: &public_id,
        folder: &folder,
        name: &name,
        mime: sniffed.mime,
        size: bytes.len() as u64,
        by: ctx.agent.id.0,
        at: now_ms(),
    };
    let summary = if folder.is_empty() { name.clone() } else { format!("{folder}/{name}") };
    let stored = async {
        let mut w = state.db.write().await?;
        w.begin().await?;
        let work = async {
            let id = repo::insert_library(&mut w, &row).await?;
            audit::record(&mut w, &Entry::by(ctx, OpKind::LibraryChanged, "library", &format!("+ {summary}"))).await?;
            Ok(id)
        }
        .await;
        w.end(work).await
    }
    .await;
    match stored {
        Ok(id) => Ok(super::LibraryFile {
            id,
            folder: folder.clone(),
            name: name.clone(),
            size: row.size,
            mime: sniffed.mime.to_owned(),
        }),
        Err(error) => {
            let _ = files.store.remove(&key).await;
            Err(error)
        }
    }
}

/// Removes a file from the library (chats it was sent in keep their copies).
pub async fn remove_from_library(state: &AppState, ctx: &Ctx, id: i64) -> Result<(), ApiError> {
    use crate::infra::audit::{self, Entry, OpKind};
    ctx.check(Perm::SettingsManage)?;
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let gone = repo::delete_library(&mut w, ctx.tenant(), id).await?.ok_or(ApiError::NotFound)?;
        audit::record(&mut w, &Entry::by(ctx, OpKind::LibraryChanged, "library", &format!("- #{id}"))).await?;
        Ok(gone)
    }
    .await;
    let public_id = w.end(work).await?;
    state.part::<Files>()?.store.remove(&store_key(ctx.tenant(), &public_id)).await
}

/// A library file's bytes, for the agents of the company (always as an attachment).
pub async fn library_download(state: &AppState, ctx: &Ctx, id: i64) -> Result<Download, ApiError> {
    ctx.check(Perm::ChatServe)?;
    let (file, public_id) = repo::library_file(&state.db, ctx.tenant(), id).await?.ok_or(ApiError::NotFound)?;
    let bytes = state.part::<Files>()?.store.get(&store_key(ctx.tenant(), &public_id)).await?;
    let attachment =
        Attachment { id: public_id, name: file.name, size: file.size, mime: file.mime, state: FileState::Ready };
    Ok(Download { attachment, bytes, inline: false })
}

/// A library file made the agent's own upload for a site they serve (a copy: the library may
/// change later), ready to be sent by a message in a conversation of that site.
pub async fn from_library(state: &AppState, ctx: &Ctx, site: SiteId, id: i64) -> Result<Attachment, ApiError> {
    ctx.check(Perm::ChatServe)?;
    if !ctx.sites(Perm::ChatServe).allows(site) {
        return Err(ApiError::NotFound);
    }
    let (file, public_id) = repo::library_file(&state.db, ctx.tenant(), id).await?.ok_or(ApiError::NotFound)?;
    let files = state.part::<Files>()?;
    let bytes = files.store.get(&store_key(ctx.tenant(), &public_id)).await?;
    let attachment =
        Attachment { id: new_file_id(), name: file.name, size: file.size, mime: file.mime, state: FileState::Ready };
    let key = store_key(ctx.tenant(), &attachment.id);
    files.store.put(&key, &bytes).await?;
    let row = NewFile {
        tenant: ctx.tenant(),
        site,
        uploader_kind: "agent",
        uploader_id: ctx.agent.id.0,
        attachment: &attachment,
        at: now_ms(),
    };
    insert_or_unstore(state, files, &key, &row).await?;
    Ok(attachment)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8,
        6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89,
    ];

    #[test]
    fn the_type_comes_from_the_content_never_the_name() {
        assert_eq!(sniff(PNG).map(|s| s.mime), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n").map(|s| s.mime), Some("application/pdf"));
        for markup in [&b"<!DOCTYPE html><script>alert(1)</script>"[..], b"  <svg onload=alert(1)>", b"<?xml ?>"] {
            assert_eq!(sniff(markup), None, "{}", String::from_utf8_lossy(markup));
        }
        assert_eq!(sniff(b"MZ\x90\x00\x03\x00\x00\x00"), None, "a Windows program");
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01"), None);
        assert_eq!(sniff("姓名,电话\n王先生,138\n".as_bytes()).map(|s| s.mime), Some("text/plain"));
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,电话\n王先生,138\n");
        assert_eq!(sniff(&gbk).map(|s| s.mime), Some("text/plain"), "a GBK CSV from Excel");
        assert_eq!(sniff(b"bell\x07"), None);
    }

    #[test]
    fn names_lose_folders_controls_and_overrides_and_keep_a_true_extension() {
        let png = sniff(PNG).unwrap();
        let text = sniff(b"hello").unwrap();
        assert_eq!(clean_name("../../etc/passwd", &text), "passwd.txt");
        assert_eq!(clean_name("C:\\Users\\王\\截图 1.PNG", &png), "截图 1.PNG");
        assert_eq!(clean_name("invoice\u{202E}gnp.exe", &png), "invoicegnp.exe.png");
        assert_eq!(clean_name("page.html", &text), "page.html.txt");
        assert_eq!(clean_name("...", &png), "file.png");
        assert_eq!(clean_name("a\u{0}b\nc.csv", &text), "abc.csv");
        let long = clean_name(&format!("{}.png", "长".repeat(300)), &png);
        assert_eq!(long.chars().count(), MAX_FILE_NAME);
        assert!(long.ends_with("长.png"));
    }

    #[test]
    fn downloads_name_the_file_in_ascii_and_in_full() {
        assert_eq!(
            content_disposition(false, "报价单 \"v2\".pdf"),
            "attachment; filename=\"___ _v2_.pdf\"; filename*=UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95%20%22v2%22.pdf"
        );
        assert!(content_disposition(true, "a.png").starts_with("inline; "));
    }
}
