//! The client half of guaranteed delivery, shared by the widget and the workbench.
//!
//! A [`ConversationLog`] keeps committed messages ordered by sequence number (duplicates are ignored)
//! and an outbox of messages typed but not yet acknowledged. After a reconnect the client asks for
//! everything after [`ConversationLog::last_seq`] and resends [`ConversationLog::pending`].

use std::collections::BTreeMap;

use crate::{Attachment, ChatMessage, FileState};

/// A message the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingMessage {
    pub client_msg_id: String,
    pub body: String,
    /// The uploaded file it sends.
    pub file: Option<Attachment>,
    /// Set when the server refused it for good (for example too long); it is not resent.
    pub failed: Option<String>,
}

/// A committed message as a log holds it: numbered in its conversation, and named by the id its
/// sender's client gave it. Visitor chats log [`ChatMessage`]s; the workbench's internal chat logs
/// its colleague messages the same way (same ordering, gaps and outbox).
pub trait Logged {
    fn seq(&self) -> i64;
    fn client_msg_id(&self) -> &str;
}

impl Logged for ChatMessage {
    fn seq(&self) -> i64 {
        self.seq
    }

    fn client_msg_id(&self) -> &str {
        &self.client_msg_id
    }
}

#[derive(Clone, Debug)]
pub struct ConversationLog<M = ChatMessage> {
    messages: BTreeMap<i64, M>,
    /// Highest `n` such that every sequence 1..=n is held.
    contiguous: i64,
    pending: Vec<PendingMessage>,
}

impl<M> Default for ConversationLog<M> {
    fn default() -> Self {
        ConversationLog { messages: BTreeMap::new(), contiguous: 0, pending: Vec::new() }
    }
}

impl ConversationLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Its agent withdrew message `seq`; `blank`: drop what it said (the visitor's side). Returns
    /// whether the message is held here.
    pub fn retract(&mut self, seq: i64, blank: bool) -> bool {
        let Some(m) = self.messages.get_mut(&seq) else { return false };
        m.retracted = true;
        if blank {
            m.body.clear();
            m.file = None;
        }
        true
    }

    /// A file of this conversation changed state (accepted or refused). Returns whether a message
    /// held here carries it.
    pub fn set_file_state(&mut self, file: &str, state: FileState) -> bool {
        let mut found = false;
        for m in self.messages.values_mut() {
            if let Some(f) = m.file.as_mut().filter(|f| f.id == file) {
                f.state = state;
                found = true;
            }
        }
        found
    }
}

impl<M: Logged> ConversationLog<M> {
    /// Adds a committed message. Returns false when it was already held.
    pub fn apply(&mut self, message: M) -> bool {
        self.pending.retain(|p| p.client_msg_id != message.client_msg_id());
        if self.messages.contains_key(&message.seq()) {
            return false;
        }
        self.messages.insert(message.seq(), message);
        while self.messages.contains_key(&(self.contiguous + 1)) {
            self.contiguous += 1;
        }
        true
    }

    /// Adds a message that arrived live. Returns whether it was new, and the sequence to sync after
    /// when this message shows that an earlier one was missed (a fan-out lost between nodes): asked
    /// once when the gap opens, not again for every later message. A log holding nothing yet has
    /// not missed anything, it has just not loaded the history.
    pub fn apply_live(&mut self, message: M) -> (bool, Option<i64>) {
        let (held_any, had_gap) = (!self.messages.is_empty(), self.newest_seq() > self.contiguous);
        let new = self.apply(message);
        let missed = held_any && !had_gap && self.newest_seq() > self.contiguous;
        (new, missed.then_some(self.contiguous))
    }

    /// The sequence to sync after: everything up to it is held, in order, without gaps.
    pub fn last_seq(&self) -> i64 {
        self.contiguous
    }

    /// Newest sequence held (may be past a gap).
    pub fn newest_seq(&self) -> i64 {
        self.messages.keys().next_back().copied().unwrap_or(0)
    }

    pub fn messages(&self) -> impl DoubleEndedIterator<Item = &M> {
        self.messages.values()
    }

    pub fn queue(&mut self, client_msg_id: String, body: String) {
        self.pending.push(PendingMessage { client_msg_id, body, file: None, failed: None });
    }

    /// Queues a message sending an uploaded file (its body is the file's name).
    pub fn queue_file(&mut self, client_msg_id: String, file: Attachment) {
        self.pending.push(PendingMessage { client_msg_id, body: file.name.clone(), file: Some(file), failed: None });
    }

    /// Messages to (re)send: queued and not refused.
    pub fn unsent(&self) -> impl Iterator<Item = &PendingMessage> {
        self.pending.iter().filter(|p| p.failed.is_none())
    }

    pub fn pending(&self) -> &[PendingMessage] {
        &self.pending
    }

    /// The server refused this message for good; it stays visible with the reason but is not resent.
    pub fn fail(&mut self, client_msg_id: &str, reason: String) {
        if let Some(p) = self.pending.iter_mut().find(|p| p.client_msg_id == client_msg_id) {
            p.failed = Some(reason);
        }
    }

    /// Drops a refused message the user dismissed.
    pub fn discard(&mut self, client_msg_id: &str) {
        self.pending.retain(|p| p.client_msg_id != client_msg_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ConversationId, SenderKind};

    fn msg(seq: i64, id: &str) -> ChatMessage {
        ChatMessage {
            conversation_id: ConversationId(1),
            seq,
            sender: SenderKind::Visitor,
            sender_name: None,
            client_msg_id: id.into(),
            body: format!("m{seq}"),
            sent_at: 0,
            file: None,
            retracted: false,
        }
    }

    #[test]
    fn gaps_hold_back_the_sync_point_until_filled() {
        let mut log = ConversationLog::new();
        assert!(log.apply(msg(1, "a")));
        assert!(log.apply(msg(3, "c")));
        assert_eq!(log.last_seq(), 1, "seq 2 is missing, so sync must restart after 1");
        assert_eq!(log.newest_seq(), 3);
        assert!(log.apply(msg(2, "b")));
        assert_eq!(log.last_seq(), 3);
        assert!(!log.apply(msg(2, "b")), "a replayed message is not added twice");
        let seqs: Vec<i64> = log.messages().map(|m| m.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
    }

    #[test]
    fn a_missed_live_message_asks_for_one_sync() {
        let mut log = ConversationLog::new();
        assert_eq!(log.apply_live(msg(7, "g")), (true, None), "an empty log has only not loaded the history");
        let mut log = ConversationLog::new();
        log.apply(msg(1, "a"));
        assert_eq!(log.apply_live(msg(2, "b")), (true, None));
        assert_eq!(log.apply_live(msg(4, "d")), (true, Some(2)), "3 was missed: sync after 2");
        assert_eq!(log.apply_live(msg(5, "e")), (true, None), "the same gap is not asked for twice");
        assert_eq!(log.apply_live(msg(3, "c")), (true, None));
        assert_eq!(log.last_seq(), 5);
        assert_eq!(log.apply_live(msg(5, "e")), (false, None));
    }

    #[test]
    fn acknowledged_messages_leave_the_outbox() {
        let mut log = ConversationLog::new();
        log.queue("x".into(), "hello".into());
        log.queue("y".into(), "again".into());
        assert_eq!(log.unsent().count(), 2);
        log.apply(msg(1, "x"));
        let left: Vec<&str> = log.unsent().map(|p| p.client_msg_id.as_str()).collect();
        assert_eq!(left, ["y"]);
        log.fail("y", "too long".into());
        assert_eq!(log.unsent().count(), 0, "a refused message is not resent");
        assert_eq!(log.pending().len(), 1, "but it stays visible");
    }

    #[test]
    fn an_accepted_file_changes_state_in_the_messages_that_carry_it() {
        let mut log = ConversationLog::new();
        let file = Attachment {
            id: "f1".into(),
            name: "截图.png".into(),
            size: 10,
            mime: "image/png".into(),
            state: FileState::Pending,
        };
        log.queue_file("x".into(), file.clone());
        assert_eq!(log.unsent().next().and_then(|p| p.file.as_ref()), Some(&file));
        log.apply(ChatMessage { file: Some(file), body: "截图.png".into(), ..msg(1, "x") });
        log.apply(msg(2, "y"));
        assert!(log.set_file_state("f1", FileState::Ready));
        assert!(!log.set_file_state("f2", FileState::Ready), "no message carries f2");
        let states: Vec<_> = log.messages().map(|m| m.file.as_ref().map(|f| f.state)).collect();
        assert_eq!(states, [Some(FileState::Ready), None]);
    }
}
