//! Departments: internal groups of agents (seed 000 16.2). A name unique in the company, an
//! optional department admin (one of its members, who will see the records of the department's
//! agents), members. Deleting a department moves its agents to "no department".
//!
//! Owns the `departments` table; an agent's department is `agents.department_id`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentView {
    pub id: i64,
    pub name: String,
    pub admin_id: Option<i64>,
    pub admin_name: Option<String>,
    pub members: i64,
    /// The members (id, name), whom the admin is chosen from.
    pub member_list: Vec<(i64, String)>,
    pub version: i64,
}

/// A new department (`id` `None`) or a change to one (with the `version` it was read at).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentForm {
    pub id: Option<i64>,
    pub version: i64,
    pub name: String,
    pub admin_id: Option<i64>,
}

pub const NAME_CHARS: usize = 50;
