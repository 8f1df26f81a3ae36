//! The workbench's internal chat state (colleague threads and broadcasts), fed by the agent socket
//! through [`Live::on_frame`]. Colleague messages use the visitor chat's client log
//! ([`ConversationLog`]): ordered by sequence, gaps synced, unacknowledged messages resent after a
//! reconnect.

use std::collections::HashMap;

use kefu_protocol::log::ConversationLog;
use kefu_protocol::{AgentId, ApiError, Broadcast, ColleagueMessage, ColleagueThread, FromAgent, MessageBody, ToAgent};
use leptos::prelude::*;

use super::live::Live;

#[derive(Clone, Copy)]
pub struct Internal {
    /// The agent's threads by colleague, loaded when opened.
    pub logs: RwSignal<HashMap<AgentId, ConversationLog<ColleagueMessage>>>,
    /// Every thread's newest message and read mark (for unread counts).
    pub threads: RwSignal<HashMap<AgentId, ColleagueThread>>,
    /// The colleague whose thread is on screen.
    pub open: RwSignal<Option<AgentId>>,
    /// Broadcasts shown as banners, oldest first.
    pub broadcasts: RwSignal<Vec<Broadcast>>,
}

impl Internal {
    pub fn new() -> Internal {
        Internal {
            logs: RwSignal::new(HashMap::new()),
            threads: RwSignal::new(HashMap::new()),
            open: RwSignal::new(None),
            broadcasts: RwSignal::new(Vec::new()),
        }
    }
}

impl Default for Internal {
    fn default() -> Self {
        Internal::new()
    }
}

impl Live {
    fn me(&self) -> Option<AgentId> {
        self.agent.with_untracked(|a| a.as_ref().map(|a| a.id))
    }

    /// Applies a colleague or broadcast frame (the others are not this module's).
    pub(super) fn on_internal_frame(&self, frame: ToAgent) {
        let internal = self.internal;
        match frame {
            // After each connect: catch up the threads held, resend what was never acknowledged.
            ToAgent::ColleagueThreads { threads } => {
                let mut to_sync = Vec::new();
                let mut to_send = Vec::new();
                internal.logs.with_untracked(|logs| {
                    for t in &threads {
                        if let Some(log) = logs.get(&t.peer) {
                            if log.last_seq() < t.last_seq {
                                to_sync.push((t.peer, log.last_seq()));
                            }
                        }
                    }
                    for (peer, log) in logs {
                        for p in log.unsent() {
                            to_send.push(FromAgent::ColleagueSend {
                                to: *peer,
                                client_msg_id: p.client_msg_id.clone(),
                                body: p.body.clone(),
                            });
                        }
                    }
                });
                internal.threads.set(threads.into_iter().map(|t| (t.peer, t)).collect());
                if let Some(peer) = internal.open.get_untracked() {
                    if !internal.logs.with_untracked(|l| l.contains_key(&peer)) {
                        to_sync.push((peer, 0));
                    }
                }
                for (peer, after_seq) in to_sync {
                    self.send_frame(&FromAgent::ColleagueSync { peer, after_seq });
                }
                for frame in to_send {
                    self.send_frame(&frame);
                }
            }
            ToAgent::ColleagueAck { message, .. } | ToAgent::ColleagueMessage { message } => {
                self.apply_colleague(message)
            }
            ToAgent::ColleagueMessages { peer, messages, more } => {
                for m in messages {
                    self.apply_colleague(m);
                }
                if more {
                    let after = internal.logs.with_untracked(|l| l.get(&peer).map_or(0, |l| l.last_seq()));
                    self.send_frame(&FromAgent::ColleagueSync { peer, after_seq: after });
                }
            }
            ToAgent::ColleagueRead { peer, seq } => internal.threads.update(|t| {
                if let Some(t) = t.get_mut(&peer) {
                    t.read_seq = t.read_seq.max(seq);
                }
            }),
            ToAgent::Broadcast { broadcast } => internal.broadcasts.update(|list| {
                if !list.iter().any(|b| b.id == broadcast.id) {
                    list.push(broadcast);
                }
            }),
            ToAgent::BroadcastDismissed { id } => internal.broadcasts.update(|list| list.retain(|b| b.id != id)),
            _ => {}
        }
    }

    /// Adds a committed colleague message (live or synced); a gap it shows is synced, and the
    /// thread on screen is read.
    fn apply_colleague(&self, message: ColleagueMessage) {
        let Some(me) = self.me() else { return };
        let internal = self.internal;
        let peer = message.peer_of(me);
        let (seq, at, mine) = (message.seq, message.sent_at, message.from == me);
        let mut missed = None;
        internal.logs.update(|logs| missed = logs.entry(peer).or_default().apply_live(message).1);
        internal.threads.update(|threads| {
            let t = threads.entry(peer).or_insert(ColleagueThread { peer, last_seq: 0, read_seq: 0, last_at: 0 });
            t.last_seq = t.last_seq.max(seq);
            t.last_at = t.last_at.max(at);
            if mine {
                t.read_seq = t.read_seq.max(seq);
            }
        });
        if let Some(after_seq) = missed {
            self.send_frame(&FromAgent::ColleagueSync { peer, after_seq });
        }
        if internal.open.get_untracked() == Some(peer) && super::alerts::page_visible() {
            self.read_colleague(peer);
        }
    }

    /// Opens the thread with `peer`, loading what is missing.
    pub fn open_colleague(&self, peer: Option<AgentId>) {
        let internal = self.internal;
        internal.open.set(peer);
        let Some(peer) = peer else { return };
        let held = internal.logs.with_untracked(|l| l.get(&peer).map(|l| l.last_seq()));
        let last = internal.threads.with_untracked(|t| t.get(&peer).map_or(0, |t| t.last_seq));
        match held {
            Some(seq) if seq >= last => self.read_colleague(peer),
            Some(seq) => {
                self.send_frame(&FromAgent::ColleagueSync { peer, after_seq: seq });
            }
            None => {
                internal.logs.update(|l| {
                    l.entry(peer).or_default();
                });
                self.send_frame(&FromAgent::ColleagueSync { peer, after_seq: 0 });
            }
        }
    }

    /// Marks the thread with `peer` read up to its newest message.
    pub fn read_colleague(&self, peer: AgentId) {
        let mut seq = None;
        self.internal.threads.update(|threads| {
            if let Some(t) = threads.get_mut(&peer) {
                if t.read_seq < t.last_seq {
                    t.read_seq = t.last_seq;
                    seq = Some(t.last_seq);
                }
            }
        });
        if let Some(seq) = seq {
            self.send_frame(&FromAgent::ColleagueRead { peer, seq });
        }
    }

    /// Queues a message to a colleague and sends it; it stays in the outbox until acknowledged.
    pub fn send_colleague(&self, peer: AgentId, text: &str) -> Result<(), ApiError> {
        let body = MessageBody::parse(text)?;
        let client_msg_id = super::live::new_client_msg_id();
        self.internal
            .logs
            .update(|logs| logs.entry(peer).or_default().queue(client_msg_id.clone(), body.as_str().to_owned()));
        self.send_frame(&FromAgent::ColleagueSend { to: peer, client_msg_id, body: body.as_str().to_owned() });
        Ok(())
    }

    /// A colleague message the server refused for good stays visible with the reason.
    pub(super) fn fail_colleague(&self, client_msg_id: &str, reason: &str) {
        self.internal.logs.update(|logs| logs.values_mut().for_each(|l| l.fail(client_msg_id, reason.to_owned())));
    }

    /// Unread colleague messages, in all threads.
    pub fn colleague_unread(&self) -> u32 {
        self.internal.threads.with(|t| t.values().map(ColleagueThread::unread).sum())
    }

    pub fn dismiss_broadcast(&self, id: i64) {
        self.internal.broadcasts.update(|list| list.retain(|b| b.id != id));
        self.send_frame(&FromAgent::DismissBroadcast { id });
    }
}
