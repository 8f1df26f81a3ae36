//! The operation log's vocabulary ([`OpKind`], both sides) and the one way to write an entry
//! ([`record`], server): inside the transaction of the change it describes, so a change and its
//! entry are stored together or not at all. The `oplog` area lists, exports and purges entries.

use serde::{Deserialize, Serialize};

/// What an operation-log entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    SignIn,
    SignInFailed,
    SignOut,
    OwnPasswordChanged,
    ProfileChanged,
    CompanyCreated,
    AgentCreated,
    AgentChanged,
    AgentEnabled,
    AgentDisabled,
    AgentDeleted,
    AgentPasswordSet,
    SiteCreated,
    SiteChanged,
    SiteDeleted,
    DepartmentCreated,
    DepartmentChanged,
    DepartmentDeleted,
    CategoryCreated,
    CategoryChanged,
    CategoryDeleted,
    RoleCreated,
    RoleChanged,
    RoleDeleted,
    RatingInvalidated,
    RatingsCleared,
    RoutingChanged,
    VisitorBlocked,
    VisitorUnblocked,
    InvitationsChanged,
    RegistrationChanged,
    CannedChanged,
    FileSettingsChanged,
    LibraryChanged,
    BroadcastSent,
    ChatTakenOver,
    ChatForceClosed,
    RecordsDeleted,
    VisitorExported,
    VisitorErased,
    RetentionChanged,
    CompanyExported,
    CustomersMerged,
}

impl OpKind {
    pub const ALL: [OpKind; 43] = [
        OpKind::SignIn,
        OpKind::SignInFailed,
        OpKind::SignOut,
        OpKind::OwnPasswordChanged,
        OpKind::ProfileChanged,
        OpKind::CompanyCreated,
        OpKind::AgentCreated,
        OpKind::AgentChanged,
        OpKind::AgentEnabled,
        OpKind::AgentDisabled,
        OpKind::AgentDeleted,
        OpKind::AgentPasswordSet,
        OpKind::SiteCreated,
        OpKind::SiteChanged,
        OpKind::SiteDeleted,
        OpKind::DepartmentCreated,
        OpKind::DepartmentChanged,
        OpKind::DepartmentDeleted,
        OpKind::CategoryCreated,
        OpKind::CategoryChanged,
        OpKind::CategoryDeleted,
        OpKind::RoleCreated,
        OpKind::RoleChanged,
        OpKind::RoleDeleted,
        OpKind::RatingInvalidated,
        OpKind::RatingsCleared,
        OpKind::RoutingChanged,
        OpKind::VisitorBlocked,
        OpKind::VisitorUnblocked,
        OpKind::InvitationsChanged,
        OpKind::RegistrationChanged,
        OpKind::CannedChanged,
        OpKind::FileSettingsChanged,
        OpKind::LibraryChanged,
        OpKind::BroadcastSent,
        OpKind::ChatTakenOver,
        OpKind::ChatForceClosed,
        OpKind::RecordsDeleted,
        OpKind::VisitorExported,
        OpKind::VisitorErased,
        OpKind::RetentionChanged,
        OpKind::CompanyExported,
        OpKind::CustomersMerged,
    ];

    /// The stored name (`sign_in`, `agent_created`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::SignIn => "sign_in",
            OpKind::SignInFailed => "sign_in_failed",
            OpKind::SignOut => "sign_out",
            OpKind::OwnPasswordChanged => "own_password_changed",
            OpKind::ProfileChanged => "profile_changed",
            OpKind::CompanyCreated => "company_created",
            OpKind::AgentCreated => "agent_created",
            OpKind::AgentChanged => "agent_changed",
            OpKind::AgentEnabled => "agent_enabled",
            OpKind::AgentDisabled => "agent_disabled",
            OpKind::AgentDeleted => "agent_deleted",
            OpKind::AgentPasswordSet => "agent_password_set",
            OpKind::SiteCreated => "site_created",
            OpKind::SiteChanged => "site_changed",
            OpKind::SiteDeleted => "site_deleted",
            OpKind::DepartmentCreated => "department_created",
            OpKind::DepartmentChanged => "department_changed",
            OpKind::DepartmentDeleted => "department_deleted",
            OpKind::CategoryCreated => "category_created",
            OpKind::CategoryChanged => "category_changed",
            OpKind::CategoryDeleted => "category_deleted",
            OpKind::RoleCreated => "role_created",
            OpKind::RoleChanged => "role_changed",
            OpKind::RoleDeleted => "role_deleted",
            OpKind::RatingInvalidated => "rating_invalidated",
            OpKind::RatingsCleared => "ratings_cleared",
            OpKind::RoutingChanged => "routing_changed",
            OpKind::VisitorBlocked => "visitor_blocked",
            OpKind::VisitorUnblocked => "visitor_unblocked",
            OpKind::InvitationsChanged => "invitations_changed",
            OpKind::RegistrationChanged => "registration_changed",
            OpKind::CannedChanged => "canned_changed",
            OpKind::FileSettingsChanged => "file_settings_changed",
            OpKind::LibraryChanged => "library_changed",
            OpKind::BroadcastSent => "broadcast_sent",
            OpKind::ChatTakenOver => "chat_taken_over",
            OpKind::ChatForceClosed => "chat_force_closed",
            OpKind::RecordsDeleted => "records_deleted",
            OpKind::VisitorExported => "visitor_exported",
            OpKind::VisitorErased => "visitor_erased",
            OpKind::RetentionChanged => "retention_changed",
            OpKind::CompanyExported => "company_exported",
            OpKind::CustomersMerged => "customers_merged",
        }
    }

    pub fn parse(s: &str) -> Option<OpKind> {
        OpKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use kefu_protocol::text::Line;
    use kefu_protocol::{AgentId, ApiError, TenantId};

    use super::OpKind;
    use crate::infra::ctx::{Client, Ctx};
    use crate::infra::db::Writer;
    use crate::infra::{now_ms, OrInternal};

    /// One entry: who (`agent`, or the account tried when nobody is known), what, from where.
    /// Never a password or a token: `object` names the row, `summary` says what changed.
    pub struct Entry<'a> {
        pub tenant: TenantId,
        pub agent: Option<AgentId>,
        pub account: &'a str,
        pub kind: OpKind,
        pub object: &'a str,
        pub summary: &'a str,
        pub client: &'a Client,
    }

    impl<'a> Entry<'a> {
        /// An entry for a change a signed-in agent made.
        pub fn by(ctx: &'a Ctx, kind: OpKind, object: &'a str, summary: &'a str) -> Entry<'a> {
            Entry {
                tenant: ctx.tenant(),
                agent: Some(ctx.agent.id),
                account: &ctx.agent.login,
                kind,
                object,
                summary,
                client: &ctx.client,
            }
        }
    }

    /// Writes the entry with the writer's open transaction.
    pub async fn record(w: &mut Writer, entry: &Entry<'_>) -> Result<(), ApiError> {
        sqlx::query(
            "INSERT INTO oplog (tenant_id, agent_id, kind, account, object, summary, ip, user_agent, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(entry.tenant.0)
        .bind(entry.agent.map(|a| a.0))
        .bind(entry.kind.as_str())
        .bind(Line::cut(entry.account, 100).as_str())
        .bind(Line::cut(entry.object, 200).as_str())
        .bind(Line::cut(entry.summary, 1000).as_str())
        .bind(Line::cut(&entry.client.ip, 64).as_str())
        .bind(Line::cut(&entry.client.user_agent, 512).as_str())
        .bind(now_ms())
        .execute(&mut **w)
        .await
        .or_internal()?;
        Ok(())
    }
}
