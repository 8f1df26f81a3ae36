//! Creating companies: the demo company on first start, and companies for tests.

use kefu_protocol::text::Name;
use kefu_protocol::{AgentId, ApiError, TenantId};

use super::repo::{self, BuiltinRole};
use super::service::hash_password;
use crate::infra::db::Db;
use crate::infra::random_token;
use crate::sites::service::{self as sites, Site};

pub struct NewTenant<'a> {
    pub name: &'a str,
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

/// Creates a company with its admin and first site. Names lose control and bidirectional
/// characters; an empty one is refused.
pub async fn create_tenant(db: &Db, new: NewTenant<'_>) -> Result<CreatedTenant, ApiError> {
    let name = Name::parse(new.name, "name", 100)?;
    let admin_name = Name::parse(new.admin_name, "display_name", 100)?;
    let admin_login = Name::parse(new.admin_login, "login", 254)?;
    let site_name = Name::parse(new.site_name, "site_name", 100)?;
    let tenant_id = repo::insert_tenant(db, name.as_str()).await?;
    let admin_role = repo::insert_builtin_role(db, tenant_id, BuiltinRole::Admin).await?;
    repo::insert_builtin_role(db, tenant_id, BuiltinRole::Agent).await?;
    let password = new.admin_password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(|_| ApiError::Internal)?;
    let admin_id =
        repo::insert_agent(db, tenant_id, admin_login.as_str(), &hash, admin_name.as_str(), admin_role).await?;
    let site = sites::create_site(db, tenant_id, site_name.as_str(), &new.site_domains).await?;
    Ok(CreatedTenant { tenant_id, admin_id, site })
}

/// Credentials of a demo admin created on this start.
pub struct DemoCredentials {
    pub login: String,
    /// Set when the password was generated here (print it once); `None` when it came from the environment.
    pub generated_password: Option<String>,
}

pub const DEMO_LOGIN: &str = "admin@demo.kefu";

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
    let generated = admin_password.is_none().then(|| random_token()[..16].to_owned());
    let password = admin_password.map(str::to_owned).or_else(|| generated.clone()).unwrap_or_default();
    create_tenant(
        db,
        NewTenant {
            name: "Demo Company",
            admin_login: DEMO_LOGIN,
            admin_password: &password,
            admin_name: "Demo Admin",
            site_name: "Demo site",
            site_domains: demo_domains,
        },
    )
    .await?;
    Ok(Some(DemoCredentials { login: DEMO_LOGIN.into(), generated_password: generated }))
}
