//! Statistics rules: days cut in the site's time zone, rolled up from the raw rows, read by reports.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Datelike as _, LocalResult, NaiveDate, TimeZone as _};
use chrono_tz::Tz;
use kefu_protocol::{ApiError, ErrorCode, Perm, SiteId};

use super::timing::{self, Timing};
use super::{rank, repo, Day, Dim, Handling, HandlingReport, Heatmap, Ranked, Ranking, TimingMetric, MAX_DAYS};
use crate::infra::ctx::Ctx;
use crate::infra::db::Db;
use crate::infra::geo::Geo;
use crate::infra::now_ms;
use crate::infra::state::AppState;
use crate::sites::service::{parse_zone, site_of, Site};
use crate::visitors::service::VISIT_GAP_MS;

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

/// What a roll reads besides the raw rows: the site (its bound domains and time zone) and where
/// addresses are.
struct Scope<'a> {
    db: &'a Db,
    geo: &'a Geo,
    site: &'a Site,
    tz: Tz,
}

impl<'a> Scope<'a> {
    fn new(db: &'a Db, geo: &'a Geo, site: &'a Site) -> Scope<'a> {
        Scope { db, geo, site, tz: zone(&site.time_zone) }
    }
}

/// A counted day: its totals, its rankings, and whether they were stored.
struct Rolled {
    day: Day,
    ranks: Vec<(Dim, Ranked)>,
    timings: Vec<(String, TimingMetric, Timing)>,
    stored: bool,
}

/// The country and province of an address as a page view keeps it (whole, or its network).
fn locate(geo: &Geo, ip: &str) -> (String, String) {
    let ip = ip.split('/').next().unwrap_or_default();
    match ip.parse().ok().and_then(|ip| geo.region(ip)) {
        Some(r) => (r.country, r.province_code.unwrap_or_default()),
        None => Default::default(),
    }
}

/// How far before a day its page views are read: a visit under way at midnight is no visit of the
/// day, and a chat in it counts under the visit's first page (a visit longer than this is taken to
/// begin at its first page within it).
const LOOKBACK_MS: i64 = 2 * 3_600_000;

/// Counts a day of a site from the raw rows.
async fn count(scope: &Scope<'_>, day: NaiveDate) -> Result<Rolled, ApiError> {
    let (tenant, site) = (scope.site.tenant_id, scope.site.id);
    let (from, to) = day_bounds(scope.tz, day);
    let mut counted = repo::raw(scope.db, tenant, site, from, to).await?;
    let views = repo::views(scope.db, tenant, site, from - LOOKBACK_MS, to).await?;
    let chats = repo::chats(scope.db, tenant, site, from, to).await?;
    let own = |host: &str| scope.site.owns_host(host);
    let ranks = rank::rank(&views, &chats, (from, to), scope.tz, &own, &|ip| locate(scope.geo, ip));
    let (handled, closed) = repo::handled(scope.db, tenant, site, from, to).await?;
    let mut rows = ranks.rows;
    rows.extend(closed.into_iter().map(|(key, chats)| (Dim::Closed, Ranked { key, visits: 0, chats })));
    let timings = timing::measure(&handled).into_iter().map(|((scope, metric), t)| (scope, metric, t)).collect();
    counted.day = key(day);
    counted.visits = ranks.visits;
    Ok(Rolled { day: counted, ranks: rows, timings, stored: false })
}

/// Counts days of a site from the raw rows; the ended ones are stored as `keep` says, in one
/// transaction.
async fn roll(scope: &Scope<'_>, days: &[NaiveDate], keep: Keep) -> Result<Vec<Rolled>, ApiError> {
    let now = now_ms();
    let mut rolled = Vec::with_capacity(days.len());
    for &day in days {
        let mut counted = count(scope, day).await?;
        let ended = day_bounds(scope.tz, day).1 <= now;
        counted.stored = ended && (keep == Keep::Every || !counted.day.is_empty());
        rolled.push(counted);
    }
    if rolled.iter().any(|r| r.stored) {
        let (tenant, site) = (scope.site.tenant_id, scope.site.id);
        let mut w = scope.db.write().await?;
        w.begin().await?;
        let work = async {
            for r in rolled.iter().filter(|r| r.stored) {
                repo::store(&mut w, tenant, site, &r.day, &r.ranks, &r.timings, now).await?;
            }
            Ok(())
        };
        let stored = work.await;
        w.end(stored).await?;
    }
    Ok(rolled)
}

/// A range of a site's days as a report reads it: the stored days, and the days counted now
/// (today, and days not rolled yet, which are stored as they are counted when they have ended).
struct Range {
    site: Site,
    /// Every day of the range up to the site's today.
    days: Vec<NaiveDate>,
    /// The site's today (never read from the rollup: a row for it, stored before the site's zone
    /// moved west, would count it twice).
    today: NaiveDate,
    stored: Vec<Day>,
    counted: Vec<Rolled>,
}

impl Range {
    /// Each day's totals, oldest first.
    fn totals(&self) -> Vec<Day> {
        let known: HashMap<&str, &Day> =
            self.stored.iter().chain(self.counted.iter().map(|r| &r.day)).map(|d| (d.day.as_str(), d)).collect();
        self.days
            .iter()
            .map(|d| {
                let day = key(*d);
                known.get(day.as_str()).map(|d| (*d).clone()).unwrap_or(Day { day, ..Day::default() })
            })
            .collect()
    }

    /// The rankings of the days counted now and not stored (they are not in `stats_ranked`).
    fn unstored(&self, dim: Dim) -> impl Iterator<Item = (&str, &Ranked)> {
        self.counted
            .iter()
            .filter(|r| !r.stored)
            .flat_map(move |r| r.ranks.iter().filter(move |(d, _)| *d == dim).map(|(_, row)| (r.day.day.as_str(), row)))
    }

    /// The first and last day to read from the rollup: the range up to the day before today (an
    /// empty range, first after last, when it holds no day before today).
    fn first_and_last(&self) -> (String, String) {
        let first = key(self.days.first().copied().unwrap_or(self.today));
        let last = self.days.last().copied().filter(|d| *d < self.today).or_else(|| self.today.pred_opt());
        (first, last.map(key).unwrap_or_default())
    }
}

fn parse_range(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let (from, to) = (parse_day(from, "from")?, parse_day(to, "to")?);
    if to < from {
        return Err(ApiError::invalid("to", ErrorCode::Format));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::invalid("to", ErrorCode::TooLong));
    }
    Ok((from, to))
}

/// The period before a range: the month before a whole month, the year before a whole year (as
/// the page compares them), else as many days just before it.
fn before(from: NaiveDate, to: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let first_of = |d: NaiveDate| d.with_day(1);
    let whole_months = first_of(from) == Some(from) && to.succ_opt().and_then(first_of) == to.succ_opt();
    if whole_months && from.day() == 1 && from.month() == 1 && to.month() == 12 && to.year() == from.year() {
        return Some((from.with_year(from.year() - 1)?, to.with_year(to.year() - 1)?));
    }
    if whole_months && from.year() == to.year() && from.month() == to.month() {
        let before_to = from.pred_opt()?;
        return Some((before_to.with_day(1)?, before_to));
    }
    let span = chrono::Days::new(u64::try_from((to - from).num_days() + 1).ok()?);
    Some((from.checked_sub_days(span)?, from.pred_opt()?))
}

/// The site a report asks for, when the session may read its statistics.
async fn report_site(state: &AppState, ctx: &Ctx, site: i64) -> Result<Site, ApiError> {
    ctx.check(Perm::StatsView)?;
    let site = site_of(&state.db, ctx.tenant(), SiteId(site)).await?.ok_or(ApiError::NotFound)?;
    if !ctx.may(Perm::StatsView, site.id) {
        return Err(ApiError::NotFound);
    }
    Ok(site)
}

/// The days from `from` to `to` (both included; days after the site's today left out).
async fn range(state: &AppState, site: Site, from: NaiveDate, to: NaiveDate) -> Result<Range, ApiError> {
    let geo = state.part::<Arc<Geo>>()?.clone();
    let scope = Scope::new(&state.db, &geo, &site);
    let today = day_of(scope.tz, now_ms());
    let last = to.min(today);
    let stored = repo::stored(&state.db, site.tenant_id, site.id, &key(from), &key(last)).await?;
    let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= last).collect();
    let rolled: HashSet<&str> = stored.iter().map(|d| d.day.as_str()).collect();
    let missing: Vec<NaiveDate> =
        days.iter().copied().filter(|d| *d >= today || !rolled.contains(key(*d).as_str())).collect();
    // Runs of missing days with no raw row at all (before the site had traffic, or a quiet
    // stretch) are known empty from one look each: empty days are not stored, and a report over a
    // year compares with the year before.
    let mut busy = Vec::with_capacity(missing.len());
    for run in missing.chunk_by(|a, b| a.succ_opt() == Some(*b)) {
        let (Some(first), Some(last)) = (run.first(), run.last()) else { continue };
        let (from, to) = (day_bounds(scope.tz, *first).0, day_bounds(scope.tz, *last).1);
        if run.len() == 1 || repo::any_in(&state.db, site.tenant_id, site.id, from - VISIT_GAP_MS, to).await? {
            busy.extend_from_slice(run);
        }
    }
    let counted = roll(&scope, &busy, Keep::Traffic).await?;
    Ok(Range { site, days, today, stored, counted })
}

/// A site's figures per day, `from` to `to` (both included; days after the site's today left
/// out): rolled-up days as stored, today and days not rolled yet from the raw rows.
pub async fn traffic(state: &AppState, ctx: &Ctx, site: i64, from: &str, to: &str) -> Result<Vec<Day>, ApiError> {
    let site = report_site(state, ctx, site).await?;
    let (from, to) = parse_range(from, to)?;
    Ok(range(state, site, from, to).await?.totals())
}

/// A dimension's keys over a range, biggest first, with the range's and the period before's
/// visits and chats.
pub async fn ranking(
    state: &AppState,
    ctx: &Ctx,
    site: i64,
    dim: Dim,
    from: &str,
    to: &str,
) -> Result<Ranking, ApiError> {
    let site = report_site(state, ctx, site).await?;
    let (from, to) = parse_range(from, to)?;
    let (before_from, before_to) = before(from, to).ok_or(ApiError::invalid("from", ErrorCode::Format))?;
    let before = range(state, site.clone(), before_from, before_to).await?;
    let now = range(state, site, from, to).await?;
    let (first, last) = now.first_and_last();
    let mut rows = repo::ranked(&state.db, now.site.tenant_id, now.site.id, dim, &first, &last).await?;
    rows.extend(now.unstored(dim).map(|(_, r)| r.clone()));
    let sum = |days: Vec<Day>| {
        let key = String::new();
        days.iter().fold(Ranked { key, ..Ranked::default() }, |t, d| Ranked {
            visits: t.visits + d.visits,
            chats: t.chats + d.chats,
            ..t
        })
    };
    // Keys a day kept and the rest it summed: the range's own hundred biggest are listed.
    let rows = rank::top(rows.into_iter().map(|r| (dim, r))).into_iter().map(|(_, r)| r).collect();
    Ok(Ranking { rows, total: sum(now.totals()), before: sum(before.totals()) })
}

/// Chats begun per weekday and hour over a range, in the site's time zone.
pub async fn heatmap(state: &AppState, ctx: &Ctx, site: i64, from: &str, to: &str) -> Result<Heatmap, ApiError> {
    let site = report_site(state, ctx, site).await?;
    let (from, to) = parse_range(from, to)?;
    let now = range(state, site, from, to).await?;
    let (first, last) = now.first_and_last();
    let mut cells = repo::ranked(&state.db, now.site.tenant_id, now.site.id, Dim::Hour, &first, &last).await?;
    cells.extend(now.unstored(Dim::Hour).map(|(_, r)| r.clone()));
    let mut grid = vec![[0_i64; 24]; 7];
    for cell in cells {
        let Some((day, hour)) = cell.key.split_once('-') else { continue };
        let (Ok(day), Ok(hour)) = (day.parse::<usize>(), hour.parse::<usize>()) else { continue };
        if let Some(n) = grid.get_mut(day).and_then(|row| row.get_mut(hour)) {
            *n += cell.chats;
        }
    }
    Ok(grid)
}

/// How chats begun over a range were handled: first response, responses, length and queue wait,
/// for the site, each agent and each category (by name, busiest first), and how they ended.
pub async fn handling(
    state: &AppState,
    ctx: &Ctx,
    site: i64,
    from: &str,
    to: &str,
) -> Result<HandlingReport, ApiError> {
    let site = report_site(state, ctx, site).await?;
    let (from, to) = parse_range(from, to)?;
    let now = range(state, site, from, to).await?;
    let (first, last) = now.first_and_last();
    let (tenant, site) = (now.site.tenant_id, now.site.id);
    let mut sums: HashMap<(String, TimingMetric), Timing> = HashMap::new();
    let stored = repo::timings(&state.db, tenant, site, &first, &last).await?;
    let unstored = now.counted.iter().filter(|r| !r.stored).flat_map(|r| r.timings.iter().cloned());
    for (scope, metric, t) in stored.into_iter().chain(unstored) {
        sums.entry((scope, metric)).or_default().merge(&t);
    }
    let of = |scope: &str, id: i64, name: String| {
        let get = |metric| sums.get(&(scope.to_owned(), metric)).cloned().unwrap_or_default();
        Handling {
            id,
            name,
            chats: get(TimingMetric::Chats).count,
            messages: get(TimingMetric::Messages).count,
            first_response: get(TimingMetric::FirstResponse).spread(),
            response: get(TimingMetric::Response).spread(),
            duration: get(TimingMetric::Duration).spread(),
            wait: get(TimingMetric::Wait).spread(),
        }
    };
    let (agent_names, category_names) = repo::names(&state.db, tenant).await?;
    let listed = |names: Vec<(i64, String)>, scope: fn(i64) -> String| {
        let mut rows: Vec<Handling> = names
            .into_iter()
            .filter(|(id, _)| sums.keys().any(|(s, _)| *s == scope(*id)))
            .map(|(id, name)| of(&scope(id), id, name))
            .collect();
        rows.sort_by(|a, b| b.chats.cmp(&a.chats).then(b.messages.cmp(&a.messages)).then(a.name.cmp(&b.name)));
        rows
    };
    let agents = listed(agent_names, timing::scope_of_agent);
    let categories = listed(category_names, timing::scope_of_category);
    let mut closed = repo::ranked(&state.db, tenant, site, Dim::Closed, &first, &last).await?;
    closed.extend(now.unstored(Dim::Closed).map(|(_, r)| r.clone()));
    let closed = rank::top(closed.into_iter().map(|r| (Dim::Closed, r))).into_iter().map(|(_, r)| r).collect();
    Ok(HandlingReport { site: of(timing::SITE_SCOPE, 0, String::new()), agents, categories, closed })
}

/// Rolls a site's days from `from` to `to` again from the raw rows (`kefu-server stats rebuild`),
/// a hundred days to a transaction; how many days.
pub async fn rebuild(db: &Db, geo: &Geo, site: SiteId, from: &str, to: &str) -> Result<usize, ApiError> {
    let tenant = repo::owner(db, site).await?.ok_or(ApiError::NotFound)?;
    let site = site_of(db, tenant, site).await?.ok_or(ApiError::NotFound)?;
    let scope = Scope::new(db, geo, &site);
    let (from, to) = (parse_day(from, "from")?, parse_day(to, "to")?);
    let to = to.min(day_of(scope.tz, now_ms()));
    let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
    for chunk in days.chunks(100) {
        roll(&scope, chunk, Keep::Every).await?;
    }
    Ok(days.len())
}

/// Rolls the last two complete days of every site, every `KEFU_IP_SWEEP_SECS` (and at start): a
/// page view written late (they are batched) still lands in its day.
pub fn start_rollups(state: &AppState, geo: Arc<Geo>) {
    let db = state.db.clone();
    crate::infra::every(state.settings.ip_sweep, "daily statistics", move || {
        let (db, geo) = (db.clone(), geo.clone());
        async move {
            let mut rolled = 0;
            for (tenant, site) in repo::sites(&db).await? {
                let Some(site) = site_of(&db, tenant, site).await? else { continue };
                let scope = Scope::new(&db, &geo, &site);
                let today = day_of(scope.tz, now_ms());
                // Oldest first, as reports roll them: two transactions storing the same days take
                // their rows in the same order.
                let days: Vec<NaiveDate> =
                    (1..=2).rev().filter_map(|back| today.checked_sub_days(chrono::Days::new(back))).collect();
                roll(&scope, &days, Keep::Traffic).await?;
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
    fn the_period_before_is_the_month_or_year_before_or_as_many_days() {
        assert_eq!(before(day("2026-03-01"), day("2026-03-31")), Some((day("2026-02-01"), day("2026-02-28"))));
        assert_eq!(before(day("2025-01-01"), day("2025-12-31")), Some((day("2024-01-01"), day("2024-12-31"))));
        assert_eq!(before(day("2026-03-10"), day("2026-03-12")), Some((day("2026-03-07"), day("2026-03-09"))));
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
