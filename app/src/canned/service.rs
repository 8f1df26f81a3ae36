//! Canned reply rules. Everyone who answers chats keeps their own library. A department's library
//! is seen by its members and kept by its admin or by roles with "Company and department canned
//! replies"; the company's is seen by every agent (a reply for one site only in that site's chats)
//! and kept by those roles, a reply for one site within the role's sites. Each change is one
//! transaction; changes to shared libraries are in the operation log.

use kefu_protocol::{ApiError, ErrorCode, Perm, SiteId};

use super::repo::{self, Owner};
use super::{
    parse_body, parse_folder, ChatCanned, ImportRow, Library, ReplyForm, Scope, FOLDER_CHARS, IMPORT_BYTES,
    IMPORT_ROWS, MAX_FOLDERS, MAX_REPLIES,
};
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::{Ctx, SiteScope};
use crate::infra::db::Writer;
use crate::infra::state::AppState;
use crate::infra::{csv, now_ms};

/// The library of `scope` the agent sees, and whether they may change it. `None` for the
/// department library of an agent without a department.
async fn owner(state: &AppState, ctx: &Ctx, scope: Scope) -> Result<Option<(Owner, bool, Option<String>)>, ApiError> {
    let shared = ctx.agent.can(Perm::CannedManageShared);
    Ok(match scope {
        Scope::Personal => Some((Owner { scope, id: ctx.agent.id.0 }, true, None)),
        Scope::Company => Some((Owner { scope, id: 0 }, shared, None)),
        Scope::Department => repo::department_of(&state.db, ctx.tenant(), ctx.agent.id)
            .await?
            .map(|(id, name, admin)| (Owner { scope, id }, shared || admin == Some(ctx.agent.id.0), Some(name))),
    })
}

/// The library the agent may change, or why not.
async fn editable(state: &AppState, ctx: &Ctx, scope: Scope) -> Result<Owner, ApiError> {
    match owner(state, ctx, scope).await? {
        Some((owner, true, _)) => Ok(owner),
        Some(_) => Err(ApiError::Forbidden),
        None => Err(ApiError::conflict(Some("department"), ErrorCode::NotFound)),
    }
}

/// The libraries the agent sees in the reply box.
async fn seen(state: &AppState, ctx: &Ctx) -> Result<Vec<Owner>, ApiError> {
    let mut owners = vec![Owner { scope: Scope::Personal, id: ctx.agent.id.0 }, Owner { scope: Scope::Company, id: 0 }];
    if let Some((department, ..)) = repo::department_of(&state.db, ctx.tenant(), ctx.agent.id).await? {
        owners.push(Owner { scope: Scope::Department, id: department });
    }
    Ok(owners)
}

pub async fn library(state: &AppState, ctx: &Ctx, scope: Scope) -> Result<Library, ApiError> {
    ctx.check(Perm::ChatServe)?;
    let Some((owner, can_edit, department)) = owner(state, ctx, scope).await? else {
        return Ok(Library { scope, ..Library::default() });
    };
    let (folders, replies) = repo::library(&state.db, ctx.tenant(), owner).await?;
    Ok(Library { scope, folders, replies, can_edit, department })
}

/// The replies of every library the agent sees, most used first (the reply box filters them), and
/// the company's site names.
pub async fn for_chat(state: &AppState, ctx: &Ctx) -> Result<ChatCanned, ApiError> {
    ctx.check(Perm::ChatServe)?;
    let owners = seen(state, ctx).await?;
    let mut replies = repo::visible(&state.db, ctx.tenant(), &owners).await?;
    for reply in &mut replies {
        reply.initials = super::initials(&reply.title);
    }
    let sites = crate::sites::service::names(state, ctx.tenant()).await?;
    Ok(ChatCanned { replies, sites })
}

/// Counts an insertion of a reply the agent sees (`NotFound` for any other).
pub async fn used(state: &AppState, ctx: &Ctx, id: i64) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let owners = seen(state, ctx).await?;
    if repo::used(&state.db, ctx.tenant(), id, &owners).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// What a change of `owner`'s library is logged as (the agent's own library is private: not logged).
async fn log(w: &mut Writer, ctx: &Ctx, owner: Owner, object: &str, summary: &str) -> Result<(), ApiError> {
    if owner.scope == Scope::Personal {
        return Ok(());
    }
    let object = format!("{} canned {object}", owner.scope.as_str());
    audit::record(w, &Entry::by(ctx, OpKind::CannedChanged, &object, summary)).await
}

/// Checks where a reply of `owner`'s library may be: a folder of the same library, and for the
/// company's a site of the company within the role's sites (all sites needs the role on all).
async fn check_place(w: &mut Writer, ctx: &Ctx, owner: Owner, form: &ReplyForm) -> Result<(), ApiError> {
    if let Some(folder) = form.folder_id {
        if repo::owner_of(w, ctx.tenant(), "canned_folders", folder).await? != Some(owner) {
            return Err(ApiError::invalid("folder_id", ErrorCode::NotFound));
        }
    }
    let scope = ctx.sites(Perm::CannedManageShared);
    match (owner.scope, form.site_id) {
        (Scope::Company, Some(site)) => {
            let sites = crate::sites::service::site_ids(w, ctx.tenant()).await?;
            if !sites.contains(&site) || !scope.allows(SiteId(site)) {
                return Err(ApiError::invalid("site_id", ErrorCode::NotFound));
            }
        }
        (Scope::Company, None) if !matches!(scope, SiteScope::All) => return Err(ApiError::Forbidden),
        (_, Some(_)) => return Err(ApiError::invalid("site_id", ErrorCode::Format)),
        _ => {}
    }
    Ok(())
}

/// Creates or changes a reply; its id.
pub async fn save_reply(state: &AppState, ctx: &Ctx, form: ReplyForm) -> Result<i64, ApiError> {
    ctx.check(Perm::ChatServe)?;
    let form = form.parse()?;
    let owner = editable(state, ctx, form.scope).await?;
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let now = now_ms();
        check_place(&mut w, ctx, owner, &form).await?;
        let id = match form.id {
            None => {
                if repo::count(&mut w, ctx.tenant(), owner, "canned_replies").await? >= MAX_REPLIES {
                    return Err(ApiError::conflict(None, ErrorCode::LimitReached));
                }
                repo::insert_reply(&mut w, ctx.tenant(), owner, &form, now).await?
            }
            Some(id) => {
                if repo::owner_of(&mut w, ctx.tenant(), "canned_replies", id).await? != Some(owner) {
                    return Err(ApiError::NotFound);
                }
                repo::update_reply(&mut w, ctx.tenant(), &form, now).await?;
                id
            }
        };
        log(&mut w, ctx, owner, &format!("reply #{id}"), &form.title).await?;
        Ok(id)
    }
    .await;
    w.end(work).await
}

/// Creates (`id` `None`) or renames a folder; its id.
pub async fn save_folder(
    state: &AppState,
    ctx: &Ctx,
    scope: Scope,
    id: Option<i64>,
    name: &str,
) -> Result<i64, ApiError> {
    ctx.check(Perm::ChatServe)?;
    let name = parse_folder(name)?;
    let owner = editable(state, ctx, scope).await?;
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let id = match id {
            None => {
                if repo::count(&mut w, ctx.tenant(), owner, "canned_folders").await? >= MAX_FOLDERS {
                    return Err(ApiError::conflict(None, ErrorCode::LimitReached));
                }
                repo::insert_folder(&mut w, ctx.tenant(), owner, &name, now_ms()).await?
            }
            Some(id) => {
                if repo::owner_of(&mut w, ctx.tenant(), "canned_folders", id).await? != Some(owner) {
                    return Err(ApiError::NotFound);
                }
                repo::rename_folder(&mut w, ctx.tenant(), id, &name).await?;
                id
            }
        };
        log(&mut w, ctx, owner, &format!("folder #{id}"), &name).await?;
        Ok(id)
    }
    .await;
    w.end(work).await
}

/// The table of a reply (`folder` false) or a folder.
fn table(folder: bool) -> &'static str {
    if folder {
        "canned_folders"
    } else {
        "canned_replies"
    }
}

/// The library a row is in, when the agent may change it (`NotFound` otherwise: another
/// agent's private reply is not theirs to learn of).
async fn owned(state: &AppState, ctx: &Ctx, w: &mut Writer, table: &str, id: i64) -> Result<Owner, ApiError> {
    let of = repo::owner_of(w, ctx.tenant(), table, id).await?.ok_or(ApiError::NotFound)?;
    match owner(state, ctx, of.scope).await? {
        Some((mine, true, _)) if mine == of => Ok(of),
        Some((mine, false, _)) if mine == of => Err(ApiError::Forbidden),
        _ => Err(ApiError::NotFound),
    }
}

/// Deletes a reply, or a folder with its replies.
pub async fn delete(state: &AppState, ctx: &Ctx, folder: bool, id: i64) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let owner = owned(state, ctx, &mut w, table(folder), id).await?;
        repo::delete(&mut w, ctx.tenant(), table(folder), id).await?;
        let what = if folder { "folder" } else { "reply" };
        log(&mut w, ctx, owner, &format!("{what} #{id}"), "deleted").await
    }
    .await;
    w.end(work).await
}

/// Moves a reply or a folder one place up (`up`) or down; at either end nothing moves.
pub async fn move_one(state: &AppState, ctx: &Ctx, folder: bool, id: i64, up: bool) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let owner = owned(state, ctx, &mut w, table(folder), id).await?;
        let mut order = repo::order(&mut w, ctx.tenant(), owner, table(folder)).await?;
        if crate::infra::db::move_one(&mut order, id, up)?.is_none() {
            return Ok(());
        }
        crate::infra::db::set_order(&mut w, table(folder), ctx.tenant(), &order).await
    }
    .await;
    w.end(work).await
}

/// Puts a reply or a folder where another of the same library is (dragged onto it).
pub async fn place(state: &AppState, ctx: &Ctx, folder: bool, id: i64, at: i64) -> Result<(), ApiError> {
    ctx.check(Perm::ChatServe)?;
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let owner = owned(state, ctx, &mut w, table(folder), id).await?;
        let mut order = repo::order(&mut w, ctx.tenant(), owner, table(folder)).await?;
        if !crate::infra::db::move_to(&mut order, id, at)? {
            return Ok(());
        }
        crate::infra::db::set_order(&mut w, table(folder), ctx.tenant(), &order).await
    }
    .await;
    w.end(work).await
}

/// The bytes of an uploaded file (base64), at most [`IMPORT_BYTES`].
pub fn decode_upload(base64: &str) -> Result<Vec<u8>, ApiError> {
    use base64::Engine as _;
    if base64.len() > IMPORT_BYTES / 3 * 4 + 8 {
        return Err(ApiError::invalid("file", ErrorCode::TooLong));
    }
    base64::engine::general_purpose::STANDARD
        .decode(base64.trim())
        .map_err(|_| ApiError::invalid("file", ErrorCode::Format))
}

/// Most bytes the sheets of an imported workbook may unpack to (a small file could otherwise
/// unpack to gigabytes).
const XLSX_UNPACKED: u64 = 16 << 20;

/// The rows of an import file, numbered as the user sees them: the first sheet of an Excel
/// workbook (XLSX, a ZIP archive), or else CSV text (UTF-8 or GBK).
fn import_rows(bytes: &[u8]) -> Result<Vec<(u32, Vec<String>)>, ApiError> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(csv::parse(&csv::decode(bytes)));
    }
    let format = || ApiError::invalid("file", ErrorCode::Format);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| format())?;
    let mut unpacked = 0u64;
    for i in 0..archive.len() {
        unpacked += archive.by_index_raw(i).map_err(|_| format())?.size();
    }
    if unpacked > XLSX_UNPACKED {
        return Err(ApiError::invalid("file", ErrorCode::TooLong));
    }
    use calamine::{DataType as _, Reader as _};
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|_| format())?;
    let sheet = book.worksheet_range_at(0).ok_or_else(|| ApiError::invalid("file", ErrorCode::Empty))?;
    let sheet = sheet.map_err(|_| format())?;
    let first = sheet.start().map_or(0, |(row, _)| row);
    Ok(sheet
        .rows()
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .map(|(i, cells)| (first + i as u32 + 1, cells.iter().map(|c| c.to_string()).collect()))
        .collect())
}

/// Reads a CSV file (UTF-8 or GBK) or an Excel workbook of `title, text, folder` rows; a first
/// row naming the columns (in English or Chinese) sets their order. Each row is checked on its own.
pub fn read_import(bytes: &[u8]) -> Result<Vec<ImportRow>, ApiError> {
    if bytes.len() > IMPORT_BYTES {
        return Err(ApiError::invalid("file", ErrorCode::TooLong));
    }
    let mut rows = import_rows(bytes)?;
    let mut columns = [0usize, 1, 2];
    if let Some((_, header)) = rows.first() {
        let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.trim().to_lowercase().as_str()));
        let (title, text, folder) = (
            find(&["title", "标题", "標題", "タイトル", "제목"]),
            find(&["text", "body", "content", "内容", "內容", "本文", "내용"]),
            find(&["folder", "目录", "分组", "目錄", "分組", "フォルダ", "폴더"]),
        );
        if let (Some(title), Some(text)) = (title, text) {
            columns = [title, text, folder.unwrap_or(usize::MAX)];
            rows.remove(0);
        }
    }
    if rows.len() > IMPORT_ROWS {
        return Err(ApiError::invalid("file", ErrorCode::TooLong));
    }
    if rows.is_empty() {
        return Err(ApiError::invalid("file", ErrorCode::Empty));
    }
    Ok(rows
        .into_iter()
        .map(|(line, fields)| {
            let cell = |i: usize| fields.get(i).map(|f| f.trim().to_owned()).unwrap_or_default();
            let (title, body, folder) = (cell(columns[0]), cell(columns[1]), cell(columns[2]));
            let form = ReplyForm { title: title.clone(), body: body.clone(), ..ReplyForm::default() };
            let error =
                form.parse().err().or_else(|| kefu_protocol::text::Line::parse(&folder, "folder", FOLDER_CHARS).err());
            ImportRow { line, title, body, folder, error }
        })
        .collect())
}

/// Imports the good rows of a CSV file into a library (folders made by name as needed), in one
/// transaction; how many were imported. Rows with errors are left out (the preview showed them).
pub async fn import(state: &AppState, ctx: &Ctx, scope: Scope, bytes: &[u8]) -> Result<usize, ApiError> {
    ctx.check(Perm::ChatServe)?;
    let owner = editable(state, ctx, scope).await?;
    let rows: Vec<ImportRow> = read_import(bytes)?.into_iter().filter(|r| r.error.is_none()).collect();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let work = async {
        let had = repo::count(&mut w, ctx.tenant(), owner, "canned_replies").await?;
        if had + rows.len() as i64 > MAX_REPLIES {
            return Err(ApiError::conflict(Some("file"), ErrorCode::LimitReached));
        }
        let now = now_ms();
        for row in &rows {
            let folder_id = match row.folder.as_str() {
                "" => None,
                name => Some(match repo::folder_named(&mut w, ctx.tenant(), owner, name).await? {
                    Some(id) => id,
                    None => repo::insert_folder(&mut w, ctx.tenant(), owner, name, now).await?,
                }),
            };
            let form = ReplyForm {
                scope,
                folder_id,
                title: row.title.clone(),
                body: parse_body(&row.body)?,
                ..ReplyForm::default()
            };
            repo::insert_reply(&mut w, ctx.tenant(), owner, &form, now).await?;
        }
        log(&mut w, ctx, owner, "import", &format!("{} replies", rows.len())).await?;
        Ok(rows.len())
    }
    .await;
    w.end(work).await
}

/// A library as CSV (`title,text,folder`, UTF-8 with a byte order mark), which the import reads back.
pub async fn export(state: &AppState, ctx: &Ctx, scope: Scope) -> Result<String, ApiError> {
    let library = library(state, ctx, scope).await?;
    let mut out = String::from("\u{FEFF}");
    out.push_str(&csv::row(&["title", "text", "folder"]));
    for reply in &library.replies {
        let folder =
            reply.folder_id.and_then(|f| library.folders.iter().find(|x| x.id == f)).map_or("", |f| f.name.as_str());
        out.push_str(&csv::row(&[&reply.title, &reply.body, folder]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_reads_chinese_headers_in_any_order_and_checks_each_row() {
        let file = "内容,标题,分组\r\n请提供订单号,退款,售后\r\n,空的,售后\r\n\"您好，\n欢迎\",问候,\r\n";
        let rows = read_import(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            (rows[0].title.as_str(), rows[0].body.as_str(), rows[0].folder.as_str()),
            ("退款", "请提供订单号", "售后")
        );
        assert_eq!((rows[1].line, rows[1].error.as_ref().and_then(|e| e.field())), (3, Some("body")));
        assert_eq!((rows[2].body.as_str(), rows[2].folder.as_str(), rows[2].error.clone()), ("您好，\n欢迎", "", None));
        // No header: title, text, folder.
        let rows = read_import("退款,请提供订单号\n".as_bytes()).unwrap();
        assert_eq!((rows[0].title.as_str(), rows[0].line), ("退款", 1));
        assert_eq!(read_import(b"").unwrap_err(), ApiError::invalid("file", ErrorCode::Empty));
    }

    /// An Excel workbook as Excel writes one: shared strings, cell references, a sheet named in
    /// Chinese; `rows` go to the first sheet, a number where a cell parses as one.
    fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
        use std::io::Write as _;
        let mut strings: Vec<&str> = Vec::new();
        let mut sheet = String::new();
        for (r, row) in rows.iter().enumerate() {
            sheet.push_str(&format!("<row r=\"{}\">", r + 1));
            for (c, cell) in row.iter().enumerate() {
                let at = format!("{}{}", char::from(b'A' + c as u8), r + 1);
                if cell.parse::<f64>().is_ok() {
                    sheet.push_str(&format!("<c r=\"{at}\"><v>{cell}</v></c>"));
                } else if !cell.is_empty() {
                    strings.push(cell);
                    sheet.push_str(&format!("<c r=\"{at}\" t=\"s\"><v>{}</v></c>", strings.len() - 1));
                }
            }
            sheet.push_str("</row>");
        }
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        let shared: String = strings.iter().map(|s| format!("<si><t xml:space=\"preserve\">{s}</t></si>")).collect();
        let files = [
            (
                "[Content_Types].xml",
                "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
                 <Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>"
                    .to_owned(),
            ),
            (
                "xl/workbook.xml",
                format!(
                    "<workbook xmlns=\"{main}\" xmlns:r=\"{rel}\"><sheets>\
                     <sheet name=\"常用语\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
                ),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                format!(
                    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
                     <Relationship Id=\"rId1\" Type=\"{rel}/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
                     <Relationship Id=\"rId2\" Type=\"{rel}/sharedStrings\" Target=\"sharedStrings.xml\"/>\
                     </Relationships>"
                ),
            ),
            ("xl/sharedStrings.xml", format!("<sst xmlns=\"{main}\">{shared}</sst>")),
            (
                "xl/worksheets/sheet1.xml",
                format!("<worksheet xmlns=\"{main}\"><sheetData>{sheet}</sheetData></worksheet>"),
            ),
        ];
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in files {
            zip.start_file(name, options).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn an_excel_workbook_imports_like_csv_with_its_row_numbers() {
        let book = xlsx(&[
            &["分组", "标题", "内容"],
            &["售后", "退款", "请提供订单号，我们马上为您处理"],
            &[],
            &["售前", "运费", ""],
            &["", "数字", "400"],
        ]);
        let rows = read_import(&book).unwrap();
        let got: Vec<(u32, &str, &str, &str, bool)> = rows
            .iter()
            .map(|r| (r.line, r.title.as_str(), r.body.as_str(), r.folder.as_str(), r.error.is_some()))
            .collect();
        assert_eq!(
            got,
            [
                (2, "退款", "请提供订单号，我们马上为您处理", "售后", false),
                (4, "运费", "", "售前", true),
                (5, "数字", "400", "", false),
            ],
            "the empty row 3 is skipped; row 4 has no text"
        );
        // A ZIP that is not a workbook is refused as such, not read as text.
        let mut not_a_book = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        not_a_book.start_file("a.txt", zip::write::SimpleFileOptions::default()).unwrap();
        let not_a_book = not_a_book.finish().unwrap().into_inner();
        assert_eq!(read_import(&not_a_book).unwrap_err(), ApiError::invalid("file", ErrorCode::Format));
        // A small file that would unpack to more than a workbook of replies needs is refused.
        use std::io::Write as _;
        let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        bomb.start_file("xl/worksheets/sheet1.xml", deflated).unwrap();
        let spaces = vec![b' '; 1 << 20];
        for _ in 0..17 {
            bomb.write_all(&spaces).unwrap();
        }
        let bomb = bomb.finish().unwrap().into_inner();
        assert!(bomb.len() < IMPORT_BYTES);
        assert_eq!(read_import(&bomb).unwrap_err(), ApiError::invalid("file", ErrorCode::TooLong));
    }
}
