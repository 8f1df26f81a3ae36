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

fn key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// What [`roll`] keeps of the days it counts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Ended days that hold anything (a report or the background task: an empty day costs no row,
    /// so no range anyone asks for fills the table).
    Traffic,
    /// Every ended day, empty ones too (the operator's rebuild: a day emptied since is rolled again).
    Every,
}

/// Counts days of a site from the raw rows; the ended ones are stored as `keep` says, in one
/// transaction.
async fn roll(
    db: &Db,
    tenant: TenantId,
    site: SiteId,
    tz: Tz,
    days: &[NaiveDate],
    keep: Keep,
) -> Result<Vec<TrafficDay>, ApiError> {
    let now = now_ms();
    let mut rolled = Vec::with_capacity(days.len());
    let mut ended = Vec::new();
    for &day in days {
        let (from, to) = day_bounds(tz, day);
        let counted = TrafficDay { day: key(day), ..repo::raw(db, tenant, site, from, to).await? };
        let empty = counted == TrafficDay { day: counted.day.clone(), ..TrafficDay::default() };
        if to <= now && (keep == Keep::Every || !empty) {
            ended.push(counted.clone());
        }
        rolled.push(counted);
    }
    if !ended.is_empty() {
        let mut w = db.write().await?;
        w.begin().await?;
        let work = async {
            for day in &ended {
                repo::store(&mut w, tenant, site, day, now).await?;
            }
            Ok(())
        };
        let stored = work.await;
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
    let tenant = ctx.tenant();
    let zone_name = repo::zone(&state.db, tenant, site).await?.ok_or(ApiError::NotFound)?;
    if !ctx.may(Perm::StatsView, site) {
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
    let stored = repo::stored(&state.db, tenant, site, &key(from), &key(last)).await?;
    let all: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= last).collect();
    // Today, and days not rolled yet, from the raw rows.
    let missing: Vec<NaiveDate> =
        all.iter().copied().filter(|d| *d >= today || !stored.iter().any(|s| s.day == key(*d))).collect();
    let counted = roll(&state.db, tenant, site, tz, &missing, Keep::Traffic).await?;
    Ok(all
        .iter()
        .map(|d| {
            let day = key(*d);
            counted.iter().chain(&stored).find(|t| t.day == day).cloned().unwrap_or_default()
        })
        .collect())
}

/// Rolls a site's days from `from` to `to` again from the raw rows (`kefu-server stats rebuild`),
/// a hundred days to a transaction; how many days.
pub async fn rebuild(db: &Db, site: SiteId, from: &str, to: &str) -> Result<usize, ApiError> {
    let tenant = repo::owner(db, site).await?.ok_or(ApiError::NotFound)?;
    let tz = zone(&repo::zone(db, tenant, site).await?.ok_or(ApiError::NotFound)?);
    let (from, to) = (parse_day(from, "from")?, parse_day(to, "to")?);
    let to = to.min(day_of(tz, now_ms()));
    let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
    for chunk in days.chunks(100) {
        roll(db, tenant, site, tz, chunk, Keep::Every).await?;
    }
    Ok(days.len())
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
                let days: Vec<NaiveDate> =
                    (1..=2).filter_map(|back| today.checked_sub_days(chrono::Days::new(back))).collect();
                roll(&db, tenant, site, tz, &days, Keep::Traffic).await?;
                rolled += days.len() as u64;
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
