//! Roles: what an agent may do (a set of [`Perm`]s) and where (per module: all of the company's
//! sites, or only the sites the agent is assigned to). Every company has three built-in roles that cannot be
//! edited or deleted (super admin, app admin, agent); admins add their own by copying one and
//! ticking permissions grouped by module.
//!
//! Owns the `roles` table (built-in roles are created with the company, in `auth::setup`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use kefu_protocol::Perm;
use serde::{Deserialize, Serialize};

/// A role as the roles page and the agents page's role picker show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleView {
    pub id: i64,
    pub name: String,
    /// `admin`, `app_admin` or `agent` for a built-in role (its name is then translated).
    pub builtin: Option<String>,
    pub perms: Vec<Perm>,
    /// The permissions that apply only on the agent's own sites (the rest: every site).
    pub own_sites: Vec<Perm>,
    /// How many (undeleted) agents have it.
    pub agents: i64,
    pub version: i64,
}

/// A new role (`id` `None`) or a change to one (with the `version` it was read at).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleForm {
    pub id: Option<i64>,
    pub version: i64,
    pub name: String,
    pub perms: Vec<Perm>,
    pub own_sites: Vec<Perm>,
}

/// The longest role name.
pub const NAME_CHARS: usize = 20;

/// Permissions grouped by the module the roles page shows them under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Module {
    Chat,
    Visitors,
    Sites,
    Team,
    Records,
    Stats,
    Messages,
    Log,
}

impl Module {
    /// The module a permission is shown under.
    pub fn of(perm: Perm) -> Module {
        Module::ALL.into_iter().find(|m| m.perms().contains(&perm)).unwrap_or(Module::Chat)
    }

    pub const ALL: [Module; 8] = [
        Module::Chat,
        Module::Visitors,
        Module::Sites,
        Module::Team,
        Module::Records,
        Module::Stats,
        Module::Messages,
        Module::Log,
    ];

    pub fn perms(self) -> &'static [Perm] {
        match self {
            Module::Chat => &[Perm::ChatServe, Perm::CannedManageShared],
            Module::Visitors => &[Perm::VisitorsView, Perm::BlockManage],
            Module::Sites => &[Perm::SitesView, Perm::SitesManage, Perm::SettingsManage],
            Module::Team => &[Perm::AgentsManage, Perm::RolesManage],
            Module::Records => &[Perm::RecordsViewAll, Perm::RecordsViewOwn, Perm::RecordsDelete, Perm::MonitorChats],
            Module::Stats => &[Perm::StatsView],
            Module::Messages => &[Perm::MessagesManage],
            Module::Log => &[Perm::OplogView],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_is_in_exactly_one_module() {
        for perm in Perm::ALL {
            let modules = Module::ALL.iter().filter(|m| m.perms().contains(&perm)).count();
            assert_eq!(modules, 1, "{perm:?}");
        }
    }
}
