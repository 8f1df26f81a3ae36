//! The SQL of visitors: returning ones looked up and new ones registered, many per statement, and
//! the bookkeeping (page views, last seen, visit counts) written in batches.

use std::collections::HashMap;

use kefu_protocol::{ApiError, ConversationId, SiteId, TenantId, VisitorId};
use sqlx::Row as _;

use super::service::{Lookup, Note, Registration};
use super::{Known, Latest, Visitor};
use crate::infra::db::{Db, Markers};
use crate::infra::{OrInternal, OrTaken};

/// A returning visitor is found by token hash, site and company together.
pub type Key = (String, SiteId, TenantId);

pub async fn lookup(db: &Db, batch: &[Lookup]) -> Result<HashMap<Key, Known>, ApiError> {
    let mut hashes: Vec<&str> = batch.iter().map(|l| l.token_hash.as_str()).collect();
    hashes.sort_unstable();
    hashes.dedup();
    // A browser's token names its visitor, or one of a member's further devices.
    let mut markers = Markers::new(db.kind);
    let (own, devices) = (markers.list(hashes.len()), markers.list(hashes.len()));
    let sql = format!(
        "SELECT d.token_hash, v.site_id, v.tenant_id, v.id, v.name, v.first_seen, v.visits, v.last_seen, v.member_id, \
         v.registered_at, c.id AS conversation_id, c.last_seq, c.agent_read_seq, c.status, a.display_name AS agent_name \
         FROM (SELECT token_hash, id AS visitor_id FROM visitors WHERE token_hash IN ({own}) \
           UNION ALL SELECT token_hash, visitor_id FROM visitor_devices WHERE token_hash IN ({devices})) d \
         JOIN visitors v ON v.id = d.visitor_id \
         LEFT JOIN conversations c ON c.id = (SELECT l.id FROM conversations l \
           WHERE l.visitor_id = v.id AND l.tenant_id = v.tenant_id ORDER BY l.started_at DESC, l.id DESC LIMIT 1) \
         LEFT JOIN agents a ON a.id = c.agent_id AND a.tenant_id = c.tenant_id AND c.status = 'open'"
    );
    let mut query = sqlx::query(&sql);
    for hash in hashes.iter().chain(hashes.iter()) {
        query = query.bind(*hash);
    }
    let mut found = HashMap::new();
    for r in query.fetch_all(db.reader()).await.or_internal()? {
        let latest = match r.try_get::<Option<i64>, _>("conversation_id").or_internal()? {
            Some(id) => Some(Latest {
                id: ConversationId(id),
                last_seq: r.try_get("last_seq").or_internal()?,
                agent_read_seq: r.try_get("agent_read_seq").or_internal()?,
                open: r.try_get::<String, _>("status").or_internal()? == "open",
                agent_name: r.try_get("agent_name").or_internal()?,
            }),
            None => None,
        };
        let visitor = Visitor {
            id: VisitorId(r.try_get("id").or_internal()?),
            name: r.try_get("name").or_internal()?,
            first_seen: r.try_get("first_seen").or_internal()?,
            visits: r.try_get("visits").or_internal()?,
            member: r.try_get("member_id").or_internal()?,
            registered: r.try_get::<Option<i64>, _>("registered_at").or_internal()?.is_some(),
            latest,
        };
        let key = (
            r.try_get::<String, _>("token_hash").or_internal()?,
            SiteId(r.try_get("site_id").or_internal()?),
            TenantId(r.try_get("tenant_id").or_internal()?),
        );
        found.insert(key, Known { visitor, last_seen: r.try_get("last_seen").or_internal()? });
    }
    Ok(found)
}

/// One multi-row insert; the new ids by token hash (random, so unique).
pub async fn insert(db: &Db, batch: &[Registration]) -> Result<HashMap<String, VisitorId>, ApiError> {
    let mut markers = Markers::new(db.kind);
    let rows: Vec<String> = batch
        .iter()
        .map(|_| {
            format!(
                "({}, {}, {}, NULL, {}, {}, 1)",
                markers.one(),
                markers.one(),
                markers.one(),
                markers.one(),
                markers.one()
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO visitors (tenant_id, site_id, token_hash, name, first_seen, last_seen, visits) VALUES {} \
         RETURNING id, token_hash",
        rows.join(", ")
    );
    // Not kept as a prepared statement: its text differs with every batch size, and each connection
    // would cache up to 100 of them (+13 MB at 19k visitors in the bench).
    let mut query = sqlx::query(&sql).persistent(false);
    for r in batch {
        query = query.bind(r.tenant.0).bind(r.site.0).bind(&r.token_hash).bind(r.at).bind(r.at);
    }
    let mut w = db.write().await?;
    let mut ids = HashMap::with_capacity(batch.len());
    for row in query.fetch_all(&mut *w).await.or_internal()? {
        ids.insert(row.try_get::<String, _>("token_hash").or_internal()?, VisitorId(row.try_get("id").or_internal()?));
    }
    Ok(ids)
}

pub async fn write_notes(db: &Db, notes: &[Note]) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    w.begin().await?;
    let mut result = Ok(());
    for note in notes {
        let done = match note {
            Note::PageView { tenant, visitor, page, user_agent, ip, at } => sqlx::query(
                "INSERT INTO page_views (tenant_id, visitor_id, url, title, referrer, user_agent, ip, viewed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(tenant.0)
            .bind(visitor.0)
            .bind(&page.url)
            .bind(&page.title)
            .bind(&page.referrer)
            .bind(user_agent)
            .bind(ip)
            .bind(at)
            .execute(&mut *w)
            .await
            .map(|_| ()),
            Note::Seen { tenant, visitor, at, new_visit } => {
                sqlx::query("UPDATE visitors SET last_seen = $1, visits = visits + $2 WHERE id = $3 AND tenant_id = $4")
                    .bind(at)
                    .bind(i64::from(*new_visit))
                    .bind(visitor.0)
                    .bind(tenant.0)
                    .execute(&mut *w)
                    .await
                    .map(|_| ())
            }
            Note::Flush => Ok(()),
        };
        if let Err(e) = done {
            result = Err(e);
            break;
        }
    }
    w.end(result.or_internal()).await
}

/// Page views older than `before` whose address is still a full one (not yet a `/` network), at
/// most `limit`.
pub async fn full_ips_before(db: &Db, before: i64, limit: i64) -> Result<Vec<(i64, String)>, ApiError> {
    let rows = sqlx::query(
        "SELECT id, ip FROM page_views WHERE viewed_at < $1 AND ip <> '' AND ip NOT LIKE '%/%' ORDER BY viewed_at LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("ip")?))).collect::<Result<_, sqlx::Error>>().or_internal()
}

/// Replaces page views' addresses, in one transaction.
pub async fn set_ips(db: &Db, ips: &[(i64, String)]) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    w.begin().await?;
    let mut result = Ok(());
    for (id, ip) in ips {
        if let Err(e) =
            sqlx::query("UPDATE page_views SET ip = $1 WHERE id = $2").bind(ip).bind(id).execute(&mut *w).await
        {
            result = Err(e);
            break;
        }
    }
    w.end(result.or_internal()).await
}

/// A visitor of the company with their card, site and visits; `None` when not the company's.
pub async fn card(
    db: &Db,
    tenant: TenantId,
    visitor: VisitorId,
) -> Result<Option<(SiteId, String, i64, i64, super::VisitorCard)>, ApiError> {
    let row = sqlx::query(
        "SELECT v.site_id, s.name AS site_name, v.first_seen, v.visits, v.card_version, v.name, v.email, v.phone, \
         v.company, v.tags, v.notes, v.member_id, v.claimed_id, v.details, v.registered_at FROM visitors v JOIN sites s ON s.id = v.site_id AND s.tenant_id = v.tenant_id \
         WHERE v.id = $1 AND v.tenant_id = $2",
    )
    .bind(visitor.0)
    .bind(tenant.0)
    .fetch_optional(db.reader())
    .await
    .or_internal()?;
    row.map(|r| {
        let tags: String = r.try_get("tags")?;
        let card = super::VisitorCard {
            visitor_id: visitor.0,
            version: r.try_get("card_version")?,
            name: r.try_get::<Option<String>, _>("name")?.unwrap_or_default(),
            email: r.try_get("email")?,
            phone: r.try_get("phone")?,
            company: r.try_get("company")?,
            tags: tags.lines().map(str::to_owned).collect(),
            notes: r.try_get("notes")?,
            member: r.try_get("member_id")?,
            claimed: r.try_get("claimed_id")?,
            details: serde_json::from_str(&r.try_get::<String, _>("details")?).unwrap_or_default(),
            registered_at: r.try_get("registered_at")?,
        };
        Ok((
            SiteId(r.try_get("site_id")?),
            r.try_get("site_name")?,
            r.try_get("first_seen")?,
            r.try_get("visits")?,
            card,
        ))
    })
    .transpose()
    .or_internal()
}

/// Saves a card read at its version (`Stale` otherwise).
pub async fn save_card(
    w: &mut crate::infra::db::Writer,
    tenant: TenantId,
    card: &super::VisitorCard,
) -> Result<(), ApiError> {
    let name = (!card.name.is_empty()).then_some(card.name.as_str());
    let changed = sqlx::query(
        "UPDATE visitors SET name = $1, email = $2, phone = $3, company = $4, tags = $5, notes = $6, \
         card_version = card_version + 1 WHERE id = $7 AND tenant_id = $8 AND card_version = $9",
    )
    .bind(name)
    .bind(&card.email)
    .bind(&card.phone)
    .bind(&card.company)
    .bind(card.tags.join("\n"))
    .bind(&card.notes)
    .bind(card.visitor_id)
    .bind(tenant.0)
    .bind(card.version)
    .execute(&mut **w)
    .await
    .or_internal()?
    .rows_affected();
    if changed == 0 {
        return Err(crate::infra::db::stale_or_missing(w, "visitors", card.visitor_id, tenant).await);
    }
    Ok(())
}

/// A page view as the trajectory reads it.
pub struct View {
    pub url: String,
    pub title: String,
    pub referrer: String,
    pub at: i64,
}

/// The visitor's newest page views up to `until`, oldest first.
pub async fn views(
    db: &Db,
    tenant: TenantId,
    visitor: VisitorId,
    until: i64,
    limit: i64,
) -> Result<Vec<View>, ApiError> {
    let rows = sqlx::query(
        "SELECT url, title, referrer, viewed_at FROM page_views WHERE visitor_id = $1 AND tenant_id = $2 \
         AND viewed_at <= $3 ORDER BY viewed_at DESC, id DESC LIMIT $4",
    )
    .bind(visitor.0)
    .bind(tenant.0)
    .bind(until)
    .bind(limit)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    let mut views = rows
        .iter()
        .map(|r| {
            Ok(View {
                url: r.try_get("url")?,
                title: r.try_get("title")?,
                referrer: r.try_get("referrer")?,
                at: r.try_get("viewed_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .or_internal()?;
    views.reverse();
    Ok(views)
}

/// The visitor's conversations, newest first (at most 50).
pub async fn conversations(
    db: &Db,
    tenant: TenantId,
    visitor: VisitorId,
) -> Result<Vec<super::PastConversation>, ApiError> {
    let rows = sqlx::query(
        "SELECT c.id, c.started_at, c.closed_at, c.last_seq, a.display_name AS agent_name FROM conversations c \
         LEFT JOIN agents a ON a.id = c.agent_id AND a.tenant_id = c.tenant_id \
         WHERE c.visitor_id = $1 AND c.tenant_id = $2 ORDER BY c.started_at DESC, c.id DESC LIMIT 50",
    )
    .bind(visitor.0)
    .bind(tenant.0)
    .fetch_all(db.reader())
    .await
    .or_internal()?;
    rows.iter()
        .map(|r| {
            Ok(super::PastConversation {
                id: r.try_get("id")?,
                started_at: r.try_get("started_at")?,
                closed_at: r.try_get("closed_at")?,
                agent_name: r.try_get("agent_name")?,
                messages: r.try_get("last_seq")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .or_internal()
}

/// A site's registration settings (`None`: not the company's site).
pub async fn registration(
    db: &Db,
    tenant: TenantId,
    site: SiteId,
) -> Result<Option<super::RegistrationSettings>, ApiError> {
    let row =
        sqlx::query("SELECT version, registration FROM sites WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL")
            .bind(site.0)
            .bind(tenant.0)
            .fetch_optional(db.reader())
            .await
            .or_internal()?;
    let Some(r) = row else { return Ok(None) };
    let stored: String = r.try_get("registration").or_internal()?;
    let form: Option<kefu_protocol::DetailsForm> = serde_json::from_str(&stored).ok();
    Ok(Some(super::RegistrationSettings {
        site_id: site.0,
        version: r.try_get("version").or_internal()?,
        on: form.is_some(),
        before: form.as_ref().is_some_and(|f| f.before),
        fields: form.map(|f| f.fields).unwrap_or_default(),
    }))
}

/// Stores a site's registration form if read at `settings.version` (`Stale` otherwise).
pub async fn save_registration(
    w: &mut crate::infra::db::Writer,
    tenant: TenantId,
    settings: &super::RegistrationSettings,
) -> Result<(), ApiError> {
    // Off keeps the fields, so turning it on again finds them.
    let stored = match settings.form() {
        Some(form) => serde_json::to_string(&form).map_err(|_| ApiError::Internal)?,
        None => String::new(),
    };
    let changed = sqlx::query(
        "UPDATE sites SET registration = $1, version = version + 1 \
         WHERE id = $2 AND tenant_id = $3 AND version = $4 AND deleted_at IS NULL",
    )
    .bind(stored)
    .bind(settings.site_id)
    .bind(tenant.0)
    .bind(settings.version)
    .execute(&mut **w)
    .await
    .or_internal()?
    .rows_affected();
    if changed == 0 {
        return Err(crate::infra::db::stale_or_missing(w, "sites", settings.site_id, tenant).await);
    }
    Ok(())
}

/// The form visitors of a site are asked to fill in (`None`: none).
pub async fn details_form(
    db: &Db,
    tenant: TenantId,
    site: SiteId,
) -> Result<Option<kefu_protocol::DetailsForm>, ApiError> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT registration FROM sites WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL")
            .bind(site.0)
            .bind(tenant.0)
            .fetch_optional(db.reader())
            .await
            .or_internal()?;
    Ok(stored.and_then(|s| serde_json::from_str(&s).ok()))
}

/// Stores a visitor's answers in one transaction: given card fields replace the card's, the site's
/// own fields are merged by label with earlier answers, and the first time is kept. Returns the
/// card's name afterwards.
pub async fn register(
    db: &Db,
    tenant: TenantId,
    visitor: VisitorId,
    answers: &super::Answers,
    at: i64,
) -> Result<Option<String>, ApiError> {
    let mut w = db.write().await?;
    w.begin().await?;
    let work = async {
        let stored: String = sqlx::query_scalar("SELECT details FROM visitors WHERE id = $1 AND tenant_id = $2")
            .bind(visitor.0)
            .bind(tenant.0)
            .fetch_optional(&mut *w)
            .await
            .or_internal()?
            .ok_or(ApiError::NotFound)?;
        let mut details: Vec<(String, String)> = serde_json::from_str(&stored).unwrap_or_default();
        for (label, value) in &answers.custom {
            match details.iter_mut().find(|(l, _)| l == label) {
                Some(kept) => kept.1 = value.clone(),
                None => details.push((label.clone(), value.clone())),
            }
        }
        let details = serde_json::to_string(&details).map_err(|_| ApiError::Internal)?;
        sqlx::query(
            "UPDATE visitors SET name = COALESCE(NULLIF($1, ''), name), \
             email = CASE WHEN $2 = '' THEN email ELSE $2 END, phone = CASE WHEN $3 = '' THEN phone ELSE $3 END, \
             company = CASE WHEN $4 = '' THEN company ELSE $4 END, details = $5, \
             registered_at = COALESCE(registered_at, $6), card_version = card_version + 1 \
             WHERE id = $7 AND tenant_id = $8",
        )
        .bind(&answers.name)
        .bind(&answers.email)
        .bind(&answers.phone)
        .bind(&answers.company)
        .bind(details)
        .bind(at)
        .bind(visitor.0)
        .bind(tenant.0)
        .execute(&mut *w)
        .await
        .or_internal()?;
        let name: Option<String> = sqlx::query_scalar("SELECT name FROM visitors WHERE id = $1 AND tenant_id = $2")
            .bind(visitor.0)
            .bind(tenant.0)
            .fetch_one(&mut *w)
            .await
            .or_internal()?;
        Ok(name)
    }
    .await;
    w.end(work).await
}

/// The member id the site signed a visitor in as, if any.
pub async fn member_of(db: &Db, tenant: TenantId, visitor: VisitorId) -> Result<Option<String>, ApiError> {
    sqlx::query_scalar("SELECT member_id FROM visitors WHERE id = $1 AND tenant_id = $2")
        .bind(visitor.0)
        .bind(tenant.0)
        .fetch_optional(db.reader())
        .await
        .or_internal()
        .map(Option::flatten)
}

/// The visitor of `site` the site signed in as `member`, if any.
pub async fn member(db: &Db, tenant: TenantId, site: SiteId, member: &str) -> Result<Option<VisitorId>, ApiError> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM visitors WHERE site_id = $1 AND tenant_id = $2 AND member_id = $3")
            .bind(site.0)
            .bind(tenant.0)
            .bind(member)
            .fetch_optional(db.reader())
            .await
            .or_internal()?;
    Ok(id.map(VisitorId))
}

/// What an identification sets on the visitor: the member id (signed) or the claimed id, and the
/// name and e-mail where the card has none. Returns the card's name and member id afterwards.
pub async fn identify(
    db: &Db,
    tenant: TenantId,
    visitor: VisitorId,
    member: Option<&str>,
    claimed: Option<&str>,
    name: &str,
    email: &str,
) -> Result<(Option<String>, Option<String>), ApiError> {
    let mut w = db.write().await?;
    sqlx::query(
        "UPDATE visitors SET member_id = COALESCE($1, member_id), claimed_id = COALESCE($2, claimed_id), \
         name = CASE WHEN name IS NULL OR name = '' THEN NULLIF($3, '') ELSE name END, \
         email = CASE WHEN email = '' THEN $4 ELSE email END, card_version = card_version + 1 \
         WHERE id = $5 AND tenant_id = $6",
    )
    .bind(member)
    .bind(claimed)
    .bind(name)
    .bind(email)
    .bind(visitor.0)
    .bind(tenant.0)
    .execute(&mut *w)
    .await
    .or_taken("user_id")?;
    let row = sqlx::query("SELECT name, member_id FROM visitors WHERE id = $1 AND tenant_id = $2")
        .bind(visitor.0)
        .bind(tenant.0)
        .fetch_one(&mut *w)
        .await
        .or_internal()?;
    Ok((row.try_get("name").or_internal()?, row.try_get("member_id").or_internal()?))
}

/// This browser (`token_hash`, so far the token of `from`) becomes a further device of `member`:
/// `from` keeps its history but is no longer found by the token.
pub async fn move_device(
    db: &Db,
    tenant: TenantId,
    token_hash: &str,
    from: VisitorId,
    member: VisitorId,
    at: i64,
) -> Result<(), ApiError> {
    let mut w = db.write().await?;
    w.begin().await?;
    let work = async {
        sqlx::query("UPDATE visitors SET token_hash = $1 WHERE id = $2 AND tenant_id = $3 AND token_hash = $4")
            .bind(format!("moved:{}:{token_hash}", from.0))
            .bind(from.0)
            .bind(tenant.0)
            .bind(token_hash)
            .execute(&mut *w)
            .await
            .or_internal()?;
        sqlx::query("DELETE FROM visitor_devices WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *w)
            .await
            .or_internal()?;
        sqlx::query(
            "INSERT INTO visitor_devices (token_hash, visitor_id, tenant_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(member.0)
        .bind(tenant.0)
        .bind(at)
        .execute(&mut *w)
        .await
        .or_internal()?;
        Ok(())
    };
    let work = work.await;
    w.end(work).await
}
