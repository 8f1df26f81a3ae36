//! Personal-settings rules and their SQL (one row of `agents`, the caller's own).

use kefu_protocol::text::{Line, Name};
use kefu_protocol::{AgentPrefs, ApiError, ErrorCode, Lang};
use sqlx::Row as _;

use super::{PersonalSettings, WELCOME_CHARS};
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::Ctx;
use crate::infra::db::stale_or_missing;
use crate::infra::state::AppState;
use crate::infra::OrInternal;

pub async fn load(state: &AppState, ctx: &Ctx) -> Result<PersonalSettings, ApiError> {
    let row = sqlx::query(
        "SELECT a.version, a.display_name, a.nickname, a.card, a.prefs, a.max_chats, av.avatar_key FROM agents a \
         LEFT JOIN avatars av ON av.agent_id = a.id WHERE a.id = $1 AND a.tenant_id = $2 AND a.deleted_at IS NULL",
    )
    .bind(ctx.agent.id.0)
    .bind(ctx.tenant().0)
    .fetch_optional(state.db.reader())
    .await
    .or_internal()?
    .ok_or(ApiError::NotFound)?;
    Ok(PersonalSettings {
        version: row.try_get("version").or_internal()?,
        display_name: row.try_get("display_name").or_internal()?,
        nickname: row.try_get("nickname").or_internal()?,
        card: serde_json::from_str(&row.try_get::<String, _>("card").or_internal()?).unwrap_or_default(),
        prefs: serde_json::from_str(&row.try_get::<String, _>("prefs").or_internal()?).unwrap_or_default(),
        admin_max_chats: row.try_get("max_chats").or_internal()?,
        avatar: row.try_get::<Option<String>, _>("avatar_key").or_internal()?.map(|k| crate::agents::avatar_url(&k)),
    })
}

/// The form as stored: every text parsed and bounded, the language one of the five, the personal
/// limit within the admin's.
fn parse(mut form: PersonalSettings, admin_max_chats: i64) -> Result<PersonalSettings, ApiError> {
    form.display_name = Name::parse(&form.display_name, "display_name", 50)?.into_string();
    let nickname: String = form.nickname.chars().filter(|c| !kefu_protocol::text::is_bidi_control(*c)).collect();
    form.nickname = Line::parse(&nickname, "nickname", 50)?.into_string();
    form.card = crate::agents::service::parse_card(form.card)?;
    if let Some(lang) = &form.prefs.lang {
        if !["en", "zh-CN", "zh-TW", "ja", "ko"].contains(&lang.as_str()) {
            return Err(ApiError::invalid("lang", ErrorCode::Format));
        }
        form.prefs.lang = Some(Lang::from_tag(lang).tag().to_owned());
    }
    let welcome = form.prefs.welcome.replace("\r\n", "\n");
    if welcome.chars().count() > WELCOME_CHARS {
        return Err(ApiError::invalid("welcome", ErrorCode::TooLong));
    }
    form.prefs.welcome =
        welcome.chars().filter(|c| *c == '\n' || !c.is_control()).collect::<String>().trim().to_owned();
    if let Some(max) = form.prefs.max_chats {
        if !(1..=admin_max_chats).contains(&max) {
            return Err(ApiError::invalid("my_max_chats", ErrorCode::Format));
        }
    }
    if form.prefs.notify.volume > kefu_protocol::NotifyPrefs::MAX_VOLUME {
        return Err(ApiError::invalid("volume", ErrorCode::Format));
    }
    Ok(form)
}

/// Saves the caller's settings if read at `form.version`; one transaction with its log entry.
pub async fn save(state: &AppState, ctx: &Ctx, form: PersonalSettings) -> Result<AgentPrefs, ApiError> {
    let current = load(state, ctx).await?;
    let form = parse(form, current.admin_max_chats)?;
    let card = serde_json::to_string(&form.card).map_err(|_| ApiError::Internal)?;
    let prefs = serde_json::to_string(&form.prefs).map_err(|_| ApiError::Internal)?;
    let mut w = state.db.write().await?;
    w.begin().await?;
    let result = async {
        let changed = sqlx::query(
            "UPDATE agents SET display_name = $1, nickname = $2, card = $3, prefs = $4, version = version + 1 \
             WHERE id = $5 AND tenant_id = $6 AND version = $7 AND deleted_at IS NULL",
        )
        .bind(&form.display_name)
        .bind(&form.nickname)
        .bind(&card)
        .bind(&prefs)
        .bind(ctx.agent.id.0)
        .bind(ctx.tenant().0)
        .bind(form.version)
        .execute(&mut *w)
        .await
        .or_internal()?
        .rows_affected();
        if changed == 0 {
            return Err(stale_or_missing(&mut w, "agents", ctx.agent.id.0, ctx.tenant()).await);
        }
        let summary = if current.display_name == form.display_name {
            String::new()
        } else {
            format!("name: {} → {}", current.display_name, form.display_name)
        };
        audit::record(&mut w, &Entry::by(ctx, OpKind::ProfileChanged, "", &summary)).await
    }
    .await;
    w.end(result).await?;
    Ok(form.prefs)
}
