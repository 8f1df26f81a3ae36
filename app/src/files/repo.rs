//! The SQL of files: their rows, the conversations whose messages carry them, and the sites' rules.
//! Every query takes the tenant.

use kefu_protocol::{ApiError, Attachment, ConversationId, FileState, SiteId, TenantId, VisitorId};
use sqlx::Row as _;

use super::FileSettings;
use crate::infra::db::{Db, Writer};
use crate::infra::OrInternal;

/// A stored file.
#[derive(Clone, Debug)]
pub struct FileRow {
    pub id: i64,
    pub site_id: SiteId,
    /// `visitor` or `agent`, and the visitor's or agent's id.
    pub uploader_kind: String,
    pub uploader_id: i64,
    pub created_at: i64,
    pub attachment: Attachment,
}

const COLUMNS: &str = "id, site_id, public_id, uploader_kind, uploader_id, name, mime, size, state, created_at";

fn file_from_row(r: &sqlx::any::AnyRow) -> Result<FileRow, sqlx::Error> {
    let state: String = r.try_get("state")?;
    Ok(FileRow {
        id: r.try_get("id")?,
        site_id: SiteId(r.try_get("site_id")?),
        uploader_kind: r.try_get("uploader_kind")?,
        uploader_id: r.try_get("uploader_id")?,
        created_at: r.try_get("created_at")?,
        attachment: Attachment {
            id: r.try_get("public_id")?,
            name: r.try_get("name")?,
            size: u64::try_from(r.try_get::<i64, _>("size")?).unwrap_or(0),
            mime: r.try_get("mime")?,
            state: FileState::parse(&state).unwrap_or(FileState::Refused),
        },
    })
}

/// What an upload stores.
pub struct NewFile<'a> {
    pub tenant: TenantId,
    pub site: SiteId,
    pub uploader_kind: &'a str,
    pub uploader_id: i64,
    pub attachment: &'a Attachment,
    pub at: i64,
}

pub async fn insert(w: &mut Writer, f: &NewFile<'_>) -> Result<i64, ApiError> {
    sqlx::query_scalar(
        "INSERT INTO files (tenant_id, site_id, public_id, uploader_kind, uploader_id, name, mime, size, state, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(f.tenant.0)
    .bind(f.site.0)
    .bind(&f.attachment.id)
    .bind(f.uploader_kind)
    .bind(f.uploader_id)
    .bind(&f.attachment.name)
    .bind(&f.attachment.mime)
    .bind(f.attachment.size as i64)
    .bind(f.attachment.state.as_str())
    .bind(f.at)
    .fetch_one(&mut **w)
    .await
    .or_internal()
}

/// A file by its public id.
pub async fn by_public_id(db: &Db, tenant: TenantId, public_id: &str) -> Result<Option<FileRow>, ApiError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM files WHERE public_id = $1 AND tenant_id = $2"))
        .bind(public_id)
        .bind(tenant.0)
        .fetch_optional(db.reader())
        .await
        .or_internal()?;
    row.as_ref().map(file_from_row).transpose().or_internal()
}

/// The conversations whose messages carry the file: (conversation, its site, its visitor).
pub async fn conversations_of(
    db: &Db,
    tenant: TenantId,
    file: i64,
) -> Result<Vec<(ConversationId, SiteId, VisitorId)>, ApiError> {
    let rows = sqlx::query(
        "SELECT DISTINCT c.id, c.site_id, c.visitor_id FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE m.file_id = $1 AND m.tenant_id = $2 AND c.tenant_id = $2",
    )
    .bind(file)
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok((ConversationId(r.try_get("id")?), SiteId(r.try_get("site_id")?), VisitorId(r.try_get("visitor_id")?)))
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// Moves a file from `from` to `to`; false when it was not in `from` (decided by someone else).
pub async fn set_state(
    w: &mut Writer,
    tenant: TenantId,
    file: i64,
    from: FileState,
    to: FileState,
) -> Result<bool, ApiError> {
    let changed = sqlx::query("UPDATE files SET state = $1 WHERE id = $2 AND tenant_id = $3 AND state = $4")
        .bind(to.as_str())
        .bind(file)
        .bind(tenant.0)
        .bind(from.as_str())
        .execute(&mut **w)
        .await
        .or_internal()?
        .rows_affected();
    Ok(changed == 1)
}

/// Bytes of the site's files uploaded since `since` (ms).
pub async fn bytes_since(db: &Db, tenant: TenantId, site: SiteId, since: i64) -> Result<u64, ApiError> {
    let total: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(size) AS BIGINT) FROM files WHERE site_id = $1 AND tenant_id = $2 AND created_at >= $3",
    )
    .bind(site.0)
    .bind(tenant.0)
    .bind(since)
    .fetch_one(db.reader())
    .await
    .or_internal()?;
    Ok(u64::try_from(total.unwrap_or(0)).unwrap_or(0))
}

/// Files uploaded before `before` (ms) that no message sends (the upload was abandoned): at most
/// `limit`, as (tenant, row id, public id).
pub async fn unsent(db: &Db, before: i64, limit: i64) -> Result<Vec<(TenantId, i64, String)>, ApiError> {
    let rows = sqlx::query(
        "SELECT f.tenant_id, f.id, f.public_id FROM files f WHERE f.created_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.file_id = f.id) ORDER BY f.id LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| Ok((TenantId(r.try_get("tenant_id")?), r.try_get("id")?, r.try_get("public_id")?)))
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// Deletes the row of an unsent file (if still unsent).
pub async fn delete_unsent(w: &mut Writer, tenant: TenantId, file: i64) -> Result<bool, ApiError> {
    let deleted = sqlx::query(
        "DELETE FROM files WHERE id = $1 AND tenant_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.file_id = files.id)",
    )
    .bind(file)
    .bind(tenant.0)
    .execute(&mut **w)
    .await
    .or_internal()?
    .rows_affected();
    Ok(deleted == 1)
}

/// A site's rules (`None`: never saved, the defaults apply).
pub async fn settings(db: &Db, tenant: TenantId, site: SiteId) -> Result<Option<FileSettings>, ApiError> {
    let row = sqlx::query(
        "SELECT max_bytes, classes, visitor_uploads, trust_visitors, version FROM file_settings \
         WHERE site_id = $1 AND tenant_id = $2",
    )
    .bind(site.0)
    .bind(tenant.0)
    .fetch_optional(db.reader())
    .await
    .or_internal()?;
    let Some(r) = row else { return Ok(None) };
    let classes: String = r.try_get("classes").or_internal()?;
    Ok(Some(FileSettings {
        site_id: site.0,
        version: r.try_get("version").or_internal()?,
        max_bytes: u64::try_from(r.try_get::<i64, _>("max_bytes").or_internal()?).unwrap_or(0),
        classes: FileSettings::classes_from(&classes),
        visitor_uploads: r.try_get::<i64, _>("visitor_uploads").or_internal()? != 0,
        trust_visitors: r.try_get::<i64, _>("trust_visitors").or_internal()? != 0,
    }))
}

/// Stores a site's rules if read at `s.version` (0: never saved); `Stale` otherwise.
pub async fn save_settings(w: &mut Writer, tenant: TenantId, s: &FileSettings) -> Result<(), ApiError> {
    let sql = if s.version == 0 {
        "INSERT INTO file_settings (max_bytes, classes, visitor_uploads, trust_visitors, site_id, tenant_id, version) \
         VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT (site_id) DO NOTHING"
    } else {
        "UPDATE file_settings SET max_bytes = $1, classes = $2, visitor_uploads = $3, trust_visitors = $4, \
         version = version + 1 WHERE site_id = $5 AND tenant_id = $6 AND version = $7"
    };
    let mut query = sqlx::query(sql)
        .bind(s.max_bytes as i64)
        .bind(s.classes_text())
        .bind(i64::from(s.visitor_uploads))
        .bind(i64::from(s.trust_visitors))
        .bind(s.site_id)
        .bind(tenant.0);
    if s.version != 0 {
        query = query.bind(s.version);
    }
    let changed = query.execute(&mut **w).await.or_internal()?.rows_affected();
    if changed == 0 {
        return Err(ApiError::conflict(None, kefu_protocol::ErrorCode::Stale));
    }
    Ok(())
}

const LIBRARY_COLUMNS: &str = "id, public_id, folder, name, mime, size";

/// A library file and its public id (where its bytes are).
fn library_from_row(r: &sqlx::any::AnyRow) -> Result<(super::LibraryFile, String), sqlx::Error> {
    Ok((
        super::LibraryFile {
            id: r.try_get("id")?,
            folder: r.try_get("folder")?,
            name: r.try_get("name")?,
            mime: r.try_get("mime")?,
            size: u64::try_from(r.try_get::<i64, _>("size")?).unwrap_or(0),
        },
        r.try_get("public_id")?,
    ))
}

/// The company's library, by folder and name.
pub async fn library(db: &Db, tenant: TenantId) -> Result<Vec<(super::LibraryFile, String)>, ApiError> {
    let sql = format!("SELECT {LIBRARY_COLUMNS} FROM library_files WHERE tenant_id = $1 ORDER BY folder, name, id");
    let rows = sqlx::query(&sql).bind(tenant.0).fetch_all(db.reader()).await.or_internal()?;
    rows.iter().map(library_from_row).collect::<Result<_, _>>().or_internal()
}

/// One library file of the company, and its public id.
pub async fn library_file(
    db: &Db,
    tenant: TenantId,
    id: i64,
) -> Result<Option<(super::LibraryFile, String)>, ApiError> {
    let sql = format!("SELECT {LIBRARY_COLUMNS} FROM library_files WHERE id = $1 AND tenant_id = $2");
    let row = sqlx::query(&sql).bind(id).bind(tenant.0).fetch_optional(db.reader()).await.or_internal()?;
    row.as_ref().map(library_from_row).transpose().or_internal()
}

pub struct NewLibraryFile<'a> {
    pub tenant: TenantId,
    pub public_id: &'a str,
    pub folder: &'a str,
    pub name: &'a str,
    pub mime: &'a str,
    pub size: u64,
    pub by: i64,
    pub at: i64,
}

pub async fn insert_library(w: &mut Writer, f: &NewLibraryFile<'_>) -> Result<i64, ApiError> {
    sqlx::query_scalar(
        "INSERT INTO library_files (tenant_id, public_id, folder, name, mime, size, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(f.tenant.0)
    .bind(f.public_id)
    .bind(f.folder)
    .bind(f.name)
    .bind(f.mime)
    .bind(f.size as i64)
    .bind(f.by)
    .bind(f.at)
    .fetch_one(&mut **w)
    .await
    .or_internal()
}

/// Deletes a library file; its public id (for the bytes) when there was one.
pub async fn delete_library(w: &mut Writer, tenant: TenantId, id: i64) -> Result<Option<String>, ApiError> {
    sqlx::query_scalar("DELETE FROM library_files WHERE id = $1 AND tenant_id = $2 RETURNING public_id")
        .bind(id)
        .bind(tenant.0)
        .fetch_optional(&mut **w)
        .await
        .or_internal()
}
