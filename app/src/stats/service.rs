//! Statistics rules: days cut in the site's time zone, rolled up from the raw rows, read by reports.

use chrono::{LocalResult, NaiveDate, TimeZone as _};
use chrono_tz::Tz;
use kefu_protocol::{ApiError, ErrorCode, Perm, SiteId, TenantId};

use super::{repo, TrafficDay, MAX_DAYS};
use crate::infra::ctx::Ctx;
use crate::infra::db::Db;
use crate::infra::now_ms;
use crate::infra::state::AppState;
use crate::sites::service::parse_zone;

/// A stored zone name as a zone (UTC for one this build no longer knows).
fn zone(name: &str) -> Tz {
    parse_zone(name).unwrap_or(Tz::UTC)
}

/// The first instant (unix ms) of a local day: its midnight, or, where a DST change skips
/// midnight, the first local time that exists.
fn start_of(tz: Tz, day: NaiveDate) -> i64 {
    let mut local = day.and_time(chrono::NaiveTime::MIN);
    // No zone skips more than a day.
    for _ in 0..(24 * 4) {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.timestamp_millis(),
            LocalResult::Ambiguous(first, _) => return first.timestamp_millis(),
            LocalResult::None => local += chrono::Duration::minutes(15),
        }
    }
    tz.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN)).timestamp_millis()
}

/// The instants (unix ms) a local day of `tz` runs between: its first, and the next day's first.
pub fn day_bounds(tz: Tz, day: NaiveDate) -> (i64, i64) {
    let next = day.succ_opt().unwrap_or(day);
    (start_of(tz, day), start_of(tz, next))
}

/// The local day of `tz` an instant falls on.
pub fn day_of(tz: Tz, at: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(at).unwrap_or_default().with_timezone(&tz).date_naive()
}

fn parse_day(text: &str, field: &'static str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| ApiError::invalid(field, ErrorCode::Format))
}

/// Rolls one day of a site from the raw rows; a day that has ended is stored.
pub async fn roll_day(db: &Db, tenant: TenantId, site: SiteId, tz: Tz, day: NaiveDate) -> Result<TrafficDay, ApiError> {
    let (from, to) = day_bounds(tz, day);
    let mut rolled = repo::raw(db, tenant, site, from, to).await?;
    rolled.day = day.format("%Y-%m-%d").to_string();
    let now = now_ms();
    if to <= now {
        let mut w = db.write().await?;
        w.begin().await?;
        let stored = repo::store(&mut w, tenant, site, &rolled, now).await;
        w.end(stored).await?;
    }
    Ok(rolled)
}

/// A site's traffic per day, `from` to `to` (both included; days after the site's today left
/// out): rolled-up days as stored, today and days not rolled yet from the raw rows.
pub async fn traffic(
    state: &AppState,
    ctx: &Ctx,
    site: i64,
    from: &str,
    to: &str,
) -> Result<Vec<TrafficDay>, ApiError> {
    ctx.check(Perm::StatsView)?;
    let site = SiteId(site);
    let (tenant, zone_name) = repo::site(&state.db, site).await?.ok_or(ApiError::NotFound)?;
    if tenant != ctx.tenant() || !ctx.may(Perm::StatsView, site) {
        return Err(ApiError::NotFound);
    }
    let (from, to) = (parse_day(from, "from")?, parse_day(to, "to")?);
    if to < from {
        return Err(ApiError::invalid("to", ErrorCode::Format));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::invalid("to", ErrorCode::TooLong));
    }
    let tz = zone(&zone_name);
    let today = day_of(tz, now_ms());
    let last = to.min(today);
    let key = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let mut stored = repo::stored(&state.db, tenant, site, &key(from), &key(last)).await?.into_iter().peekable();
    let mut days = Vec::new();
    for day in from.iter_days().take_while(|d| *d <= last) {
        let rolled = match stored.next_if(|s| s.day == key(day)) {
            Some(s) if day < today => s,
            _ => roll_day(&state.db, tenant, site, tz, day).await?,
        };
        days.push(rolled);
    }
    Ok(days)
}

/// Rolls a site's days from `from` to `to` again from the raw rows (`kefu-server stats rebuild`);
/// how many days.
pub async fn rebuild(db: &Db, site: SiteId, from: &str, to: &str) -> Result<usize, ApiError> {
    let (tenant, zone_name) = repo::site(db, site).await?.ok_or(ApiError::NotFound)?;
    let tz = zone(&zone_name);
    let (from, to) = (parse_day(from, "from")?, parse_day(to, "to")?);
    let to = to.min(day_of(tz, now_ms()));
    let mut rolled = 0;
    for day in from.iter_days().take_while(|d| *d <= to) {
        roll_day(db, tenant, site, tz, day).await?;
        rolled += 1;
    }
    Ok(rolled)
}

/// Rolls the last two complete days of every site, every `KEFU_IP_SWEEP_SECS` (and at start): a
/// page view written late (they are batched) still lands in its day.
pub fn start_rollups(state: &AppState) {
    let db = state.db.clone();
    crate::infra::every(state.settings.ip_sweep, "daily statistics", move || {
        let db = db.clone();
        async move {
            let mut rolled = 0;
            for (tenant, site, zone_name) in repo::sites(&db).await? {
                let tz = zone(&zone_name);
                let today = day_of(tz, now_ms());
                for back in 1..=2 {
                    if let Some(day) = today.checked_sub_days(chrono::Days::new(back)) {
                        roll_day(&db, tenant, site, tz, day).await?;
                        rolled += 1;
                    }
                }
            }
            Ok(rolled)
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        parse_day(text, "day").unwrap()
    }

    fn utc(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text).unwrap().timestamp_millis()
    }

    #[test]
    fn a_day_is_cut_at_the_sites_own_midnight_and_dst_days_are_23_or_25_hours() {
        const HOUR: i64 = 3_600_000;
        let shanghai = parse_zone("Asia/Shanghai").unwrap();
        assert_eq!(day_bounds(shanghai, day("2026-12-07")), (utc("2026-12-06T16:00:00Z"), utc("2026-12-07T16:00:00Z")));
        let new_york = parse_zone("America/New_York").unwrap();
        let (start, end) = day_bounds(new_york, day("2026-03-08"));
        assert_eq!((start, end - start), (utc("2026-03-08T05:00:00Z"), 23 * HOUR), "spring forward");
        let (start, end) = day_bounds(new_york, day("2026-11-01"));
        assert_eq!((start, end - start), (utc("2026-11-01T04:00:00Z"), 25 * HOUR), "fall back");
        // Santiago skips its midnight in September: the day begins at 01:00.
        let santiago = parse_zone("America/Santiago").unwrap();
        assert_eq!(day_bounds(santiago, day("2026-09-06")).0, utc("2026-09-06T04:00:00Z"));
        // The same instant is one day in Shanghai and the day before in New York.
        let at = utc("2026-12-07T02:00:00Z");
        assert_eq!((day_of(shanghai, at), day_of(new_york, at)), (day("2026-12-07"), day("2026-12-06")));
        assert!(parse_zone("Mars/Olympus").is_err());
        assert!(parse_zone(&"A".repeat(65)).is_err());
    }
}
