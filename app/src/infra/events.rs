//! What happens to a conversation besides its messages (assigned, requeued, transferred, closed,
//! missed, rated), written by whichever area makes it happen, inside the transaction of the
//! change, so a change and its event are stored together or not at all. Records show them.

use kefu_protocol::{AgentId, ApiError, ConversationId, TenantId};

use super::db::Writer;
use super::OrInternal;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// Given to an agent by routing (or taken by the agent).
    Assigned,
    /// Back in the queue (its agent went offline).
    Requeued,
    /// `agent` declined the offer of a new chat (approval mode; detail `lapsed`: did not answer).
    Declined,
    /// Handed from `agent` to `other`.
    Transferred,
    Closed,
    /// The visitor left while waiting.
    Missed,
    Rated,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Assigned => "assigned",
            EventKind::Requeued => "requeued",
            EventKind::Declined => "declined",
            EventKind::Transferred => "transferred",
            EventKind::Closed => "closed",
            EventKind::Missed => "missed",
            EventKind::Rated => "rated",
        }
    }
}

pub struct Event<'a> {
    pub tenant: TenantId,
    pub conversation: ConversationId,
    pub kind: EventKind,
    pub agent: Option<AgentId>,
    pub other: Option<AgentId>,
    pub detail: &'a str,
    pub at: i64,
}

pub async fn record(w: &mut Writer, event: &Event<'_>) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO conversation_events (tenant_id, conversation_id, kind, agent_id, other_agent_id, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event.tenant.0)
    .bind(event.conversation.0)
    .bind(event.kind.as_str())
    .bind(event.agent.map(|a| a.0))
    .bind(event.other.map(|a| a.0))
    .bind(event.detail)
    .bind(event.at)
    .execute(&mut **w)
    .await
    .or_internal()?;
    Ok(())
}
