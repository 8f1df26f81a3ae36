//! Creating companies: the setup page on an empty database, the demo company on first start, the
//! `kefu-server company create` command, and companies for tests. One function, one transaction.

use kefu_protocol::text::{Account, CompanyAccount, Name, Password};
use kefu_protocol::{AgentId, ApiError, ErrorCode, TenantId};

use super::repo::{self, NewAgent};
use super::service::hash_password;
use crate::infra::audit::{self, Entry, OpKind};
use crate::infra::ctx::Client;
use crate::infra::db::Db;
use crate::infra::random_token;
use crate::sites::service::{self as sites, Site};

pub struct NewTenant<'a> {
    pub name: &'a str,
    /// The company account its agents type to sign in.
    pub account: &'a str,
    pub admin_login: &'a str,
    pub admin_password: &'a str,
    pub admin_name: &'a str,
    pub site_name: &'a str,
    pub site_domains: Vec<String>,
}

pub struct CreatedTenant {
    pub tenant_id: TenantId,
    pub admin_id: AgentId,
    pub site: Site,
}

/// Whether a company may be created next to others (the command line, tests) or only as the first
/// one (the setup page: once anyone has set the server up, it is closed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Always,
    OnlyFirst,
}

/// Creates a company with its built-in roles, its first admin (who can never be deleted, disabled or
/// demoted) and its default site, in one transaction. Every field is parsed first and refused with
/// its own code; a company account in use is `Conflict` (`company`, `Taken`).
pub async fn create_tenant(
    db: &Db,
    new: NewTenant<'_>,
    when: When,
    client: &Client,
) -> Result<CreatedTenant, ApiError> {
    let name = Name::parse(new.name, "name", 100)?;
    let account = CompanyAccount::parse(new.account, "company")?;
    let admin_login = Account::parse(new.admin_login, "login")?;
    let password = Password::parse(new.admin_password, "password")?;
    let admin_name = Name::parse(new.admin_name, "display_name", 100)?;
    let site_name = Name::parse(new.site_name, "site_name", 100)?;
    let password = password.as_str().to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(|_| ApiError::Internal)?;
    let mut w = db.write().await?;
    w.begin().await?;
    let result = async {
        // PostgreSQL: two setup pages submitted at once must not both see an empty database.
        if when == When::OnlyFirst && db.kind == crate::infra::db::DbKind::Postgres {
            sqlx::query("LOCK TABLE tenants IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *w)
                .await
                .map_err(|_| ApiError::Internal)?;
        }
        if when == When::OnlyFirst && repo::any_tenant(&mut w).await? {
            return Err(ApiError::conflict(None, ErrorCode::Protected));
        }
        let tenant_id = repo::insert_tenant(&mut w, name.as_str(), account.as_str()).await?;
        let admin_role = crate::roles::service::create_builtin_roles(&mut w, tenant_id).await?;
        let admin = NewAgent {
            login: admin_login.as_str(),
            password_hash: &hash,
            display_name: admin_name.as_str(),
            role_id: admin_role,
            owner: true,
        };
        let admin_id = repo::insert_agent(&mut w, tenant_id, &admin).await?;
        let site = sites::create_site(&mut w, tenant_id, site_name.as_str(), &new.site_domains).await?;
        let entry = Entry {
            tenant: tenant_id,
            agent: Some(admin_id),
            account: admin_login.as_str(),
            kind: OpKind::CompanyCreated,
            object: account.as_str(),
            summary: name.as_str(),
            client,
        };
        audit::record(&mut w, &entry).await?;
        Ok(CreatedTenant { tenant_id, admin_id, site })
    }
    .await;
    w.end(result).await
}

/// Credentials of a demo admin created on this start.
pub struct DemoCredentials {
    pub company: String,
    pub login: String,
    /// Set when the password was generated here (print it once); `None` when it came from the environment.
    pub generated_password: Option<String>,
}

pub const DEMO_COMPANY: &str = "demo";
pub const DEMO_LOGIN: &str = "admin";

/// A generated password that passes [`Password`]'s rules.
pub fn generated_password() -> String {
    random_token()[..16].to_owned()
}

/// On an empty database, creates the demo company, its admin and a demo site whose pages may be served
/// from `demo_domains`. Does nothing when any tenant exists.
pub async fn ensure_demo(
    db: &Db,
    admin_password: Option<&str>,
    demo_domains: Vec<String>,
) -> Result<Option<DemoCredentials>, ApiError> {
    if repo::tenant_count(db).await? > 0 {
        return Ok(None);
    }
    let generated = admin_password.is_none().then(generated_password);
    let password = admin_password.map(str::to_owned).or_else(|| generated.clone()).unwrap_or_default();
    let new = NewTenant {
        name: "Demo Company",
        account: DEMO_COMPANY,
        admin_login: DEMO_LOGIN,
        admin_password: &password,
        admin_name: "Demo Admin",
        site_name: "Demo site",
        site_domains: demo_domains,
    };
    match create_tenant(db, new, When::OnlyFirst, &Client::default()).await {
        Ok(_) => {}
        // Another node created it first.
        Err(ApiError::Conflict { code: ErrorCode::Protected | ErrorCode::Taken, .. }) => return Ok(None),
        Err(e) => return Err(e),
    }
    Ok(Some(DemoCredentials { company: DEMO_COMPANY.into(), login: DEMO_LOGIN.into(), generated_password: generated }))
}

/// Sets how many seats a company may enable (`None`: no limit); `NotFound` for an unknown account.
/// Seats already enabled stay enabled; enabling more than the limit is refused from then on.
pub async fn set_seat_limit(db: &Db, account: &str, limit: Option<i64>) -> Result<(), ApiError> {
    let account = CompanyAccount::parse(account, "company")?;
    if limit.is_some_and(|l| l < 0) {
        return Err(ApiError::invalid("seats", ErrorCode::Format));
    }
    repo::set_seat_limit(db, account.as_str(), limit).await
}
