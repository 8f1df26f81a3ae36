//! What happens to a conversation besides its messages (assigned, requeued, transferred, closed,
//! missed, rated), written by whichever area makes it happen, inside the transaction of the
//! change, so a change and its event are stored together or not at all. Records show them.

use kefu_protocol::{AgentId, ApiError, ConversationId, TenantId};

use super::db::{Markers, Writer, PREPARED_UP_TO};
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
    /// `agent` sent the visitor a link (detail: the URL).
    LinkSent,
    /// `agent` withdrew their message (detail: its sequence number).
    Retracted,
    /// `agent` accepted the visitor's file (detail: its name).
    FileAccepted,
    /// `agent` refused the visitor's file (detail: its name).
    FileRefused,
    /// `agent`, a supervisor, took the chat over from `other`.
    TakenOver,
    /// `agent`, a supervisor, ended the chat (detail: the reason).
    ForceClosed,
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
            EventKind::LinkSent => "link_sent",
            EventKind::Retracted => "retracted",
            EventKind::FileAccepted => "file_accepted",
            EventKind::FileRefused => "file_refused",
            EventKind::TakenOver => "taken_over",
            EventKind::ForceClosed => "force_closed",
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

impl Event<'static> {
    /// An event with no colleague and no detail (most are); the others set those after.
    pub fn new(
        tenant: TenantId,
        conversation: ConversationId,
        kind: EventKind,
        agent: Option<AgentId>,
        at: i64,
    ) -> Event<'static> {
        Event { tenant, conversation, kind, agent, other: None, detail: "", at }
    }
}

/// Several events in one statement (a batch of the message writer whose replies took chats).
pub async fn record_many(w: &mut Writer, events: &[Event<'_>]) -> Result<(), ApiError> {
    for chunk in events.chunks(500) {
        let mut markers = Markers::new(w.kind());
        let rows: Vec<String> = chunk.iter().map(|_| format!("({})", markers.list(7))).collect();
        let sql = format!(
            "INSERT INTO conversation_events (tenant_id, conversation_id, kind, agent_id, other_agent_id, detail, at) \
             VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql).persistent(chunk.len() <= PREPARED_UP_TO);
        for event in chunk {
            query = query
                .bind(event.tenant.0)
                .bind(event.conversation.0)
                .bind(event.kind.as_str())
                .bind(event.agent.map(|a| a.0))
                .bind(event.other.map(|a| a.0))
                .bind(event.detail)
                .bind(event.at);
        }
        query.execute(&mut **w).await.or_internal()?;
    }
    Ok(())
}

pub async fn record(w: &mut Writer, event: &Event<'_>) -> Result<(), ApiError> {
    record_many(w, std::slice::from_ref(event)).await
}
