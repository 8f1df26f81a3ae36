//! Listing, exporting (CSV, UTF-8 with a byte-order mark so spreadsheet programs read Chinese
//! right) and purging the operation log.

use std::time::Duration;

use kefu_protocol::ApiError;

use super::{repo, OplogEntry, OplogPage, OplogQuery, EXPORT_MAX, PAGE};
use crate::infra::ctx::Ctx;
use crate::infra::state::AppState;

pub async fn page(state: &AppState, ctx: &Ctx, q: &OplogQuery) -> Result<OplogPage, ApiError> {
    let (entries, total) = repo::page(&state.db, ctx.tenant(), q, PAGE).await?;
    Ok(OplogPage { entries, total })
}

/// The matching entries (the newest [`EXPORT_MAX`]) as CSV.
pub async fn export(state: &AppState, ctx: &Ctx, q: &OplogQuery) -> Result<String, ApiError> {
    let q = OplogQuery { offset: 0, ..q.clone() };
    let (entries, _) = repo::page(&state.db, ctx.tenant(), &q, EXPORT_MAX).await?;
    Ok(csv(&entries))
}

/// `\u{FEFF}` + a header row + one row per entry; times in UTC (ISO 8601).
pub fn csv(entries: &[OplogEntry]) -> String {
    let mut out = String::from("\u{FEFF}time,agent,account,type,object,summary,ip,user_agent\r\n");
    for e in entries {
        let kind = e.kind.map_or("unknown", |k| k.as_str());
        let fields = [
            utc_text(e.at),
            e.agent_name.clone().unwrap_or_default(),
            e.account.clone(),
            kind.to_owned(),
            e.object.clone(),
            e.summary.clone(),
            e.ip.clone(),
            e.user_agent.clone(),
        ];
        out.push_str(&crate::infra::csv::row(&fields.iter().map(String::as_str).collect::<Vec<_>>()));
    }
    out
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a unix-ms time.
pub fn utc_text(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = crate::kit::civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest / 60 % 60, rest % 60)
}

/// Purges entries older than the retention every hour (and once at start).
pub fn start_purge(state: &AppState) {
    let db = state.db.clone();
    let retention = state.settings.oplog_retention;
    crate::infra::every(Duration::from_secs(3600), "old operation-log entries", move || {
        let db = db.clone();
        let before = crate::infra::now_ms() - retention.as_millis() as i64;
        async move { repo::purge(&db, before).await }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::audit::OpKind;

    #[test]
    fn csv_starts_with_a_bom_quotes_what_needs_it_and_defuses_formulas() {
        let entry = OplogEntry {
            id: 1,
            at: 1_764_547_200_000,
            agent_id: Some(1),
            agent_name: Some("王小明".into()),
            account: "wang".into(),
            kind: Some(OpKind::AgentChanged),
            object: "agent #2".into(),
            summary: "name: 李\"雷\", → 韩梅梅".into(),
            ip: "127.0.0.1".into(),
            user_agent: "=HYPERLINK(\"x\")".into(),
        };
        let text = csv(&[entry]);
        assert!(text.starts_with("\u{FEFF}time,agent,"));
        let row = text.lines().nth(1).unwrap();
        assert_eq!(
            row,
            "2025-12-01T00:00:00Z,王小明,wang,agent_changed,agent #2,\"name: 李\"\"雷\"\", → 韩梅梅\",127.0.0.1,\"'=HYPERLINK(\"\"x\"\")\""
        );
    }

    #[test]
    fn utc_text_reads_like_iso_8601() {
        assert_eq!(utc_text(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_text(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(utc_text(1_796_083_199_000), "2026-11-30T23:59:59Z");
    }
}
