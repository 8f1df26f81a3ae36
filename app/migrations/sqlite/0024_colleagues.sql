-- Internal chat (issue 13; seed 000 "内部通讯"): one thread per pair of colleagues (the lower agent
-- id first), numbered like a conversation so consoles catch up after a sequence; each side's read
-- mark gives its unread count. Broadcasts go from an admin to the agents online when sent, each of
-- whom sees a banner until they dismiss it. Kept in step with ../postgres/ by server/tests/schema.rs.
CREATE TABLE colleague_threads (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    agent_lo INTEGER NOT NULL REFERENCES agents(id),
    agent_hi INTEGER NOT NULL REFERENCES agents(id),
    last_seq INTEGER NOT NULL,
    lo_read_seq INTEGER NOT NULL,
    hi_read_seq INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    UNIQUE (tenant_id, agent_lo, agent_hi)
);
CREATE INDEX colleague_threads_hi ON colleague_threads(tenant_id, agent_hi);
CREATE TABLE colleague_messages (
    thread_id INTEGER NOT NULL REFERENCES colleague_threads(id),
    seq INTEGER NOT NULL,
    from_agent INTEGER NOT NULL,
    client_msg_id TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (thread_id, seq)
);
CREATE UNIQUE INDEX colleague_messages_client ON colleague_messages(from_agent, client_msg_id);
CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    from_agent INTEGER NOT NULL REFERENCES agents(id),
    client_msg_id TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    UNIQUE (from_agent, client_msg_id)
);
CREATE INDEX broadcasts_tenant ON broadcasts(tenant_id, sent_at);
CREATE TABLE broadcast_recipients (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id),
    agent_id INTEGER NOT NULL,
    dismissed_at INTEGER,
    PRIMARY KEY (broadcast_id, agent_id)
);
CREATE INDEX broadcast_recipients_agent ON broadcast_recipients(agent_id, dismissed_at);
