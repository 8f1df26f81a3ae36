-- Routing and agent status (issue 11). Kept in step with ../postgres/ by server/tests/schema.rs.

-- The status an agent chose (online, busy, away, invisible, offline). What colleagues and visitors
-- see also depends on whether a workbench is open and on the agent's chat limit.
ALTER TABLE agents ADD COLUMN status TEXT NOT NULL DEFAULT 'online';
-- When the agent was last given a chat: round robin picks the agent who waited longest, and least
-- busy breaks ties with it.
ALTER TABLE agents ADD COLUMN last_assigned_at INTEGER NOT NULL DEFAULT 0;

-- Per site: how new chats are shared out (least_busy, round_robin, random), how many may wait in
-- the queue, and whether a returning visitor goes back to the agent who served them last.
ALTER TABLE sites ADD COLUMN route_mode TEXT NOT NULL DEFAULT 'least_busy';
ALTER TABLE sites ADD COLUMN queue_limit INTEGER NOT NULL DEFAULT 50;
ALTER TABLE sites ADD COLUMN prefer_previous INTEGER NOT NULL DEFAULT 0;
-- Per category: its own mode (NULL: the site's).
ALTER TABLE categories ADD COLUMN route_mode TEXT;

-- A conversation waits in the queue while it is open with no agent; assigned_at starts the agent's
-- handling time (queue estimates use it). A visitor who leaves while waiting is recorded as missed.
ALTER TABLE conversations ADD COLUMN category_id INTEGER REFERENCES categories(id);
ALTER TABLE conversations ADD COLUMN assigned_at INTEGER;
ALTER TABLE conversations ADD COLUMN missed INTEGER NOT NULL DEFAULT 0;
-- Open chats per agent (capacity) and the queue in arrival order.
CREATE INDEX conversations_agent_open ON conversations(tenant_id, agent_id) WHERE status = 'open';
CREATE INDEX conversations_queue ON conversations(tenant_id, id) WHERE status = 'open' AND agent_id IS NULL;

-- A conversation handed from one agent to another: pending until the target accepts or declines
-- (void when the conversation ended first).
CREATE TABLE transfers (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    from_agent_id INTEGER NOT NULL REFERENCES agents(id),
    to_agent_id INTEGER NOT NULL REFERENCES agents(id),
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    decided_at INTEGER
);
CREATE INDEX transfers_pending ON transfers(tenant_id, to_agent_id) WHERE status = 'pending';

-- What happened to a conversation besides its messages (assigned, requeued, transferred, closed,
-- missed, rated), for its record.
CREATE TABLE conversation_events (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    kind TEXT NOT NULL,
    agent_id INTEGER REFERENCES agents(id),
    other_agent_id INTEGER REFERENCES agents(id),
    detail TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL
);
CREATE INDEX conversation_events_conversation ON conversation_events(conversation_id, id);

-- A visitor's rating of a conversation (one each; changeable until a day after it closed). An
-- admin may mark one invalid (kept, but left out of reports).
CREATE TABLE ratings (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id),
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    site_id INTEGER NOT NULL REFERENCES sites(id),
    agent_id INTEGER REFERENCES agents(id),
    score INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    rated_at INTEGER NOT NULL,
    invalid INTEGER NOT NULL DEFAULT 0,
    invalid_reason TEXT NOT NULL DEFAULT '',
    invalid_by INTEGER REFERENCES agents(id)
);
CREATE INDEX ratings_tenant_at ON ratings(tenant_id, rated_at);
-- Per site: whether visitors are asked to rate, and the levels (JSON; empty: the five default ones).
ALTER TABLE sites ADD COLUMN rating_enabled INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sites ADD COLUMN rating_levels TEXT NOT NULL DEFAULT '';
-- Who ended the conversation (agent, visitor, idle, missed).
ALTER TABLE conversations ADD COLUMN closed_by TEXT;
-- Up to which message the visitor has seen the conversation (read receipts for agents).
ALTER TABLE conversations ADD COLUMN visitor_read_seq INTEGER NOT NULL DEFAULT 0;
-- The site's welcome per language (JSON pairs of language tag and text; empty: the widget's own).
ALTER TABLE sites ADD COLUMN welcome TEXT NOT NULL DEFAULT '';
-- Per site: a conversation closes after the visitor (or the agent) has been silent this long (0:
-- never); the visitor is warned this long before.
ALTER TABLE sites ADD COLUMN visitor_idle_minutes INTEGER NOT NULL DEFAULT 15;
ALTER TABLE sites ADD COLUMN agent_idle_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN idle_warning_minutes INTEGER NOT NULL DEFAULT 2;
-- When the visitor was warned of an idle close (after the conversation's last message, or not yet).
ALTER TABLE conversations ADD COLUMN idle_warned_at INTEGER;
-- Colleagues invited into a conversation (seed 000 7.4): invited, joined (they read and write in it
-- until they leave), declined or left.
CREATE TABLE conversation_guests (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    status TEXT NOT NULL,
    invited_by INTEGER NOT NULL REFERENCES agents(id),
    at INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, agent_id)
);
