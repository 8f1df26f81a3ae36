-- Supervision (issue 16; seed 004 section 14 "客服监控"): a supervisor watching a live chat whispers
-- to its agents. A whisper belongs to the conversation but not to its numbered messages, so the
-- visitor's log and its sequence numbers never hold it. Kept in step with ../postgres/ by
-- server/tests/schema.rs.
CREATE TABLE conversation_whispers (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    client_msg_id TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    UNIQUE (agent_id, client_msg_id)
);
CREATE INDEX conversation_whispers_conversation ON conversation_whispers(conversation_id, id);
