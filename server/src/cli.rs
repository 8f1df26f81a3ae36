//! Commands for hosting operators, run instead of the server:
//!
//! ```text
//! kefu-server company create --name NAME --account ACCOUNT [--admin LOGIN] [--admin-name NAME]
//!                            [--site NAME] [--domain HOST]...
//! kefu-server company seats ACCOUNT LIMIT|unlimited
//! kefu-server stats rebuild SITE_ID FROM TO        (days as YYYY-MM-DD, in the site's time zone)
//! ```
//!
//! The admin's password comes from `KEFU_COMPANY_PASSWORD` (never an argument: other users of the
//! machine can read a process's arguments); without it one is generated and printed once. The
//! database is the server's (`DATABASE_URL` or `KEFU_DATA_DIR`).

use app::auth::setup::{self, NewTenant, When};
use app::infra::ctx::Client;
use app::infra::db::Db;

use crate::config::Config;

pub const USAGE: &str = "usage: kefu-server company create --name NAME --account ACCOUNT [--admin LOGIN] \
                         [--admin-name NAME] [--site NAME] [--domain HOST]...\n       \
                         kefu-server company seats ACCOUNT LIMIT|unlimited\n       \
                         kefu-server stats rebuild SITE_ID FROM TO";

/// The arguments of `company create`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CreateCompany {
    pub name: String,
    pub account: String,
    pub admin: String,
    pub admin_name: String,
    pub site: String,
    pub domains: Vec<String>,
}

/// Parses the arguments after `company create`.
pub fn parse_create(args: &[String]) -> Result<CreateCompany, String> {
    let mut out = CreateCompany { admin: "admin".into(), ..CreateCompany::default() };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?.clone();
        match flag.as_str() {
            "--name" => out.name = value,
            "--account" => out.account = value,
            "--admin" => out.admin = value,
            "--admin-name" => out.admin_name = value,
            "--site" => out.site = value,
            "--domain" => out.domains.push(value),
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    if out.name.is_empty() || out.account.is_empty() {
        return Err(format!("--name and --account are required\n{USAGE}"));
    }
    if out.admin_name.is_empty() {
        out.admin_name = out.admin.clone();
    }
    if out.site.is_empty() {
        out.site = out.name.clone();
    }
    Ok(out)
}

/// Runs a command line (`args` without the program name); `None` when it is not a command (start
/// the server). The result is what to print, or the error.
pub async fn run(args: &[String], config: &Config, password: Option<String>) -> Option<Result<String, String>> {
    let database_url = config.database_url.as_str();
    match args {
        [] => None,
        [area, verb, rest @ ..] if area == "company" && verb == "create" => {
            Some(create_company(rest, database_url, password).await)
        }
        [area, verb, account, limit] if area == "company" && verb == "seats" => {
            Some(seats(account, limit, database_url).await)
        }
        [area, verb, site, from, to] if area == "stats" && verb == "rebuild" => {
            Some(rebuild_stats(site, from, to, config).await)
        }
        _ => Some(Err(USAGE.into())),
    }
}

/// Sets how many seats a company may enable.
async fn seats(account: &str, limit: &str, database_url: &str) -> Result<String, String> {
    let parsed = match limit {
        "unlimited" => None,
        n => Some(n.parse::<i64>().map_err(|_| format!("LIMIT must be a number or `unlimited`\n{USAGE}"))?),
    };
    let db = Db::connect(database_url).await.map_err(|e| format!("database: {e}"))?;
    setup::set_seat_limit(&db, account, parsed).await.map_err(|e| format!("cannot set the seats: {e}"))?;
    Ok(format!("company {account}: seats {limit}"))
}

/// Rolls a site's daily statistics again from the raw rows.
/// Regions come from the GeoIP database the server reads.
async fn rebuild_stats(site: &str, from: &str, to: &str, config: &Config) -> Result<String, String> {
    let id = site.parse::<i64>().map_err(|_| format!("SITE_ID must be a number\n{USAGE}"))?;
    let db = Db::connect(&config.database_url).await.map_err(|e| format!("database: {e}"))?;
    let geo = app::infra::geo::Geo::open(&config.geoip_db);
    let days = app::stats::service::rebuild(&db, &geo, kefu_protocol::SiteId(id), from, to)
        .await
        .map_err(|e| format!("cannot rebuild site {id}'s statistics: {e}"))?;
    Ok(format!("site {id}: {days} days rolled up again"))
}

async fn create_company(args: &[String], database_url: &str, password: Option<String>) -> Result<String, String> {
    let new = parse_create(args)?;
    let generated = password.is_none();
    let password = password.unwrap_or_else(setup::generated_password);
    let db = Db::connect(database_url).await.map_err(|e| format!("database: {e}"))?;
    let created = setup::create_tenant(
        &db,
        NewTenant {
            name: &new.name,
            account: &new.account,
            admin_login: &new.admin,
            admin_password: &password,
            admin_name: &new.admin_name,
            site_name: &new.site,
            site_domains: new.domains.clone(),
        },
        When::Always,
        &Client::default(),
    )
    .await
    .map_err(|e| format!("cannot create the company: {e}"))?;
    let password =
        if generated { format!("password {password} (shown only now)") } else { "KEFU_COMPANY_PASSWORD".into() };
    Ok(format!(
        "created company {} (#{}): sign in with company {}, account {}, {password}; site key {}",
        new.name,
        created.tenant_id.0,
        new.account.trim().to_ascii_lowercase(),
        new.admin.trim().to_ascii_lowercase(),
        created.site.key
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn create_needs_name_and_account_and_defaults_the_rest() {
        let parsed = parse_create(&args("--name 小店 --account shop --domain shop.cn --domain www.shop.cn")).unwrap();
        assert_eq!(parsed.admin, "admin");
        assert_eq!(parsed.site, "小店");
        assert_eq!(parsed.domains, ["shop.cn", "www.shop.cn"]);
        assert!(parse_create(&args("--name 小店")).unwrap_err().contains("--account"));
        assert!(parse_create(&args("--name 小店 --account shop --colour red")).unwrap_err().contains("--colour"));
        assert!(parse_create(&args("--name")).unwrap_err().contains("needs a value"));
    }
}
