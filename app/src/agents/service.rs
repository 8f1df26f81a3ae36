//! Agent rules. Every field is parsed into its domain type and refused with its own code; the role,
//! department and sites must be the company's; the company's first admin keeps the super admin
//! role; enabling a seat past the company's seat limit is refused. Each save is one transaction
//! with its log entry; a change to an agent's role or sites closes their consoles, which reconnect
//! with what they may now do.

use kefu_protocol::text::{optional_email, optional_phone, Account, Line, Name};
use kefu_protocol::{AgentId, ApiError, ErrorCode, TenantId};

use super::{
    repo, AgentForm, AgentPage, AgentRow, CardLine, CARD_LABEL_CHARS, CARD_LINES, CARD_VALUE_CHARS, MAX_CHATS,
};
use crate::auth::service::NewAgent;
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::Ctx;
use crate::infra::db::Writer;
use crate::infra::realtime::AgentSockets;
use crate::infra::state::AppState;

pub async fn page(state: &AppState, ctx: &Ctx, query: &str, offset: i64) -> Result<AgentPage, ApiError> {
    let query = Line::cut(query, 100);
    let (mut rows, total) = repo::page(&state.db, ctx.tenant(), query.as_str(), offset).await?;
    let online = state.realtime.online_agents(ctx.tenant()).await;
    for row in &mut rows {
        row.online = online.contains(&AgentId(row.id));
    }
    let (seats_used, seat_limit) = repo::seats_now(&state.db, ctx.tenant()).await?;
    Ok(AgentPage { rows, total, seats_used, seat_limit })
}

/// Stores a new avatar for `agent` (an admin's change, or the agent's own from their settings):
/// the upload is decoded and re-encoded as a square PNG ([`crate::infra::image::avatar_png`]); one
/// transaction with its log entry. Returns the new avatar's URL.
pub async fn set_avatar(
    state: &AppState,
    ctx: &Ctx,
    agent: AgentId,
    upload: &super::Upload,
) -> Result<String, ApiError> {
    use base64::Engine as _;
    // Base64 of the largest upload, with slack for padding.
    if upload.base64.len() > crate::infra::image::MAX_UPLOAD_BYTES / 3 * 4 + 8 {
        return Err(ApiError::invalid("avatar", ErrorCode::TooLong));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(upload.base64.trim())
        .map_err(|_| ApiError::invalid("avatar", ErrorCode::Format))?;
    let png = tokio::task::spawn_blocking(move || crate::infra::image::avatar_png(&bytes, "avatar"))
        .await
        .map_err(|_| ApiError::Internal)??;
    let key = crate::infra::random_token()[..32].to_owned();
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = async {
        if !repo::exists(&mut w, ctx.tenant(), agent).await? {
            return Err(ApiError::NotFound);
        }
        repo::set_avatar(&mut w, ctx.tenant(), agent, &key, &png).await?;
        let (kind, object) = if agent == ctx.agent.id {
            (OpKind::ProfileChanged, String::new())
        } else {
            (OpKind::AgentChanged, format!("agent #{}", agent.0))
        };
        audit::record(&mut w, &Entry::by(ctx, kind, &object, "avatar")).await
    }
    .await;
    w.end(result).await?;
    Ok(super::avatar_url(&key))
}

/// An avatar's PNG by the key in its URL (public: visitors see agents' avatars).
pub async fn avatar_png(state: &AppState, key: &str) -> Result<Option<Vec<u8>>, ApiError> {
    if key.len() != 32 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(None);
    }
    repo::avatar_png(&state.db, key).await
}

/// Where an agent's avatar is served (`None`: they have none), for what visitors see of them.
pub async fn avatar_url_of(state: &AppState, tenant: TenantId, agent: AgentId) -> Result<Option<String>, ApiError> {
    Ok(repo::avatar_key(&state.db, tenant, agent).await?.map(|key| super::avatar_url(&key)))
}

/// Whether `agent` is an undeleted agent of the tenant (for other areas' pickers).
pub async fn is_agent(w: &mut Writer, tenant: TenantId, agent: AgentId) -> Result<bool, ApiError> {
    repo::exists(w, tenant, agent).await
}

/// A visitor-visible card as stored: at most [`CARD_LINES`] lines, each label and value one line of
/// bounded length; empty lines dropped.
pub fn parse_card(lines: Vec<CardLine>) -> Result<Vec<CardLine>, ApiError> {
    if lines.len() > CARD_LINES {
        return Err(ApiError::invalid("card", ErrorCode::TooLong));
    }
    let mut card = Vec::new();
    for line in lines {
        let label = Line::parse(&line.label, "card", CARD_LABEL_CHARS)?.into_string();
        let value = Line::parse(&line.value, "card", CARD_VALUE_CHARS)?.into_string();
        if !label.is_empty() || !value.is_empty() {
            card.push(CardLine { label, value });
        }
    }
    Ok(card)
}

/// Regions as stored: trimmed, upper case, each a country or province code, sorted, at most
/// [`super::MAX_REGIONS`].
fn parse_regions(regions: Vec<String>) -> Result<Vec<String>, ApiError> {
    let mut parsed = Vec::with_capacity(regions.len());
    for region in regions {
        let region = region.trim().to_ascii_uppercase();
        if !super::is_region_code(&region) {
            return Err(ApiError::invalid("regions", ErrorCode::Format));
        }
        parsed.push(region);
    }
    parsed.sort_unstable();
    parsed.dedup();
    if parsed.len() > super::MAX_REGIONS {
        return Err(ApiError::invalid("regions", ErrorCode::TooLong));
    }
    Ok(parsed)
}

/// The form's fields as stored: parsed, trimmed, checked.
fn parse(mut form: AgentForm) -> Result<AgentForm, ApiError> {
    form.display_name = Name::parse(&form.display_name, "display_name", 50)?.into_string();
    let nickname: String = form.nickname.chars().filter(|c| !kefu_protocol::text::is_bidi_control(*c)).collect();
    form.nickname = Line::parse(&nickname, "nickname", 50)?.into_string();
    form.job_number = Line::parse(&form.job_number, "job_number", 30)?.into_string();
    form.email = optional_email(&form.email, "email")?;
    form.mobile = optional_phone(&form.mobile, "mobile")?;
    if !(1..=MAX_CHATS).contains(&form.max_chats) {
        return Err(ApiError::invalid("max_chats", ErrorCode::Format));
    }
    if !(0..=9999).contains(&form.sort_order) {
        return Err(ApiError::invalid("sort_order", ErrorCode::Format));
    }
    form.site_ids.sort_unstable();
    form.site_ids.dedup();
    form.card = parse_card(form.card)?;
    form.regions = parse_regions(form.regions)?;
    Ok(form)
}

/// Checks what the form points at (role, department, sites, seats); whether the role is super admin.
async fn check_refs(w: &mut Writer, tenant: TenantId, form: &AgentForm, id: Option<AgentId>) -> Result<bool, ApiError> {
    let super_admin = crate::roles::service::check_role(w, tenant, form.role_id).await?;
    if let Some(department) = form.department_id {
        if !repo::has_department(w, tenant, department).await? {
            return Err(ApiError::invalid("department_id", ErrorCode::NotFound));
        }
    }
    let sites = crate::sites::service::site_ids(w, tenant).await?;
    if form.site_ids.iter().any(|s| !sites.contains(s)) {
        return Err(ApiError::invalid("site_ids", ErrorCode::NotFound));
    }
    if form.seat_enabled {
        let (used, limit) = repo::seats(w, tenant, id).await?;
        if limit.is_some_and(|limit| used >= limit) {
            return Err(ApiError::conflict(Some("seat_enabled"), ErrorCode::LimitReached));
        }
    }
    Ok(super_admin)
}

/// What changed, for the operation log (never a password).
fn summary(before: &AgentRow, after: &AgentForm) -> String {
    let mut parts = Vec::new();
    let mut diff = |name: &str, a: String, b: String| {
        if a != b {
            parts.push(format!("{name}: {a} → {b}"));
        }
    };
    diff("name", before.display_name.clone(), after.display_name.clone());
    diff("nickname", before.nickname.clone(), after.nickname.clone());
    diff("job_number", before.job_number.clone(), after.job_number.clone());
    diff("email", before.email.clone(), after.email.clone());
    diff("mobile", before.mobile.clone(), after.mobile.clone());
    diff("role", format!("#{}", before.role_id), format!("#{}", after.role_id));
    diff("department", format!("{:?}", before.department_id), format!("{:?}", after.department_id));
    diff("sites", format!("{:?}", before.site_ids), format!("{:?}", after.site_ids));
    diff("seat", before.seat_enabled.to_string(), after.seat_enabled.to_string());
    diff("max_chats", before.max_chats.to_string(), after.max_chats.to_string());
    diff("order", before.sort_order.to_string(), after.sort_order.to_string());
    let card = |c: &[CardLine]| c.iter().map(|l| format!("{}={}", l.label, l.value)).collect::<Vec<_>>().join(", ");
    diff("card", card(&before.card), card(&after.card));
    diff("regions", before.regions.join(","), after.regions.join(","));
    parts.join("; ")
}

/// Creates an agent (`form.id` `None`) or changes one; the agent's id.
pub async fn save(state: &AppState, ctx: &Ctx, form: AgentForm) -> Result<i64, ApiError> {
    let form = parse(form)?;
    let hash = match form.id {
        None => {
            Account::parse(&form.login, "login")?;
            Some(crate::auth::service::new_password_hash(&form.password, "password").await?)
        }
        Some(_) => None,
    };
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = async {
        let tenant = ctx.tenant();
        match (form.id, &hash) {
            (None, Some(hash)) => {
                check_refs(&mut w, tenant, &form, None).await?;
                let login = Account::parse(&form.login, "login")?;
                let new = NewAgent {
                    login: login.as_str(),
                    password_hash: hash,
                    display_name: &form.display_name,
                    role_id: form.role_id,
                    owner: false,
                };
                let id = crate::auth::service::insert_account(&mut w, tenant, &new).await?;
                // The new row is at version 1; the profile is written over it.
                let form = AgentForm { version: 1, ..form.clone() };
                repo::update_profile(&mut w, tenant, id, &form).await?;
                repo::set_sites(&mut w, tenant, id, &form.site_ids).await?;
                repo::set_regions(&mut w, tenant, id, &form.regions).await?;
                let object = format!("agent #{} {}", id.0, login.as_str());
                audit::record(&mut w, &Entry::by(ctx, OpKind::AgentCreated, &object, &form.display_name)).await?;
                Ok((id, false))
            }
            (Some(id), _) => {
                let id = AgentId(id);
                let before = repo::get(&mut w, tenant, id).await?.ok_or(ApiError::NotFound)?;
                let super_admin = check_refs(&mut w, tenant, &form, Some(id)).await?;
                if before.owner && !super_admin {
                    return Err(ApiError::conflict(Some("role_id"), ErrorCode::Protected));
                }
                repo::update_profile(&mut w, tenant, id, &form).await?;
                repo::set_sites(&mut w, tenant, id, &form.site_ids).await?;
                repo::set_regions(&mut w, tenant, id, &form.regions).await?;
                let object = format!("agent #{} {}", id.0, before.login);
                let summary = summary(&before, &form);
                audit::record(&mut w, &Entry::by(ctx, OpKind::AgentChanged, &object, &summary)).await?;
                let reconnect = before.role_id != form.role_id || before.site_ids != form.site_ids;
                Ok((id, reconnect))
            }
            (None, None) => Err(ApiError::Internal),
        }
    }
    .await;
    let (id, reconnect) = w.end(result).await?;
    if reconnect {
        state.realtime.close_agent(ctx.tenant(), id, AgentSockets::All, "role changed");
    }
    Ok(id.0)
}
