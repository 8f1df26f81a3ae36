-- Notes and tags on conversations (issue 16, seed 000 13 "会话记录" / 12.4 notes): agents who read a
-- conversation's record write internal notes on it (never shown to the visitor) and label it with
-- tags the records page filters by. Kept in step with ../postgres/ by server/tests/schema.rs.
CREATE TABLE conversation_notes (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX conversation_notes_conversation ON conversation_notes(conversation_id, id);
CREATE TABLE conversation_tags (
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    tag TEXT NOT NULL,
    PRIMARY KEY (conversation_id, tag)
);
CREATE INDEX conversation_tags_tag ON conversation_tags(tenant_id, tag);
