-- Routing and agent status (issue 11). Kept in step with ../sqlite/ by server/tests/schema.rs.

-- The status an agent chose (online, busy, away, invisible, offline). What colleagues and visitors
-- see also depends on whether a workbench is open and on the agent's chat limit.
ALTER TABLE agents ADD COLUMN status TEXT NOT NULL DEFAULT 'online';
-- When the agent was last given a chat: round robin picks the agent who waited longest, and least
-- busy breaks ties with it.
ALTER TABLE agents ADD COLUMN last_assigned_at BIGINT NOT NULL DEFAULT 0;

-- Per site: how new chats are shared out (least_busy, round_robin, random), how many may wait in
-- the queue, and whether a returning visitor goes back to the agent who served them last.
ALTER TABLE sites ADD COLUMN route_mode TEXT NOT NULL DEFAULT 'least_busy';
ALTER TABLE sites ADD COLUMN queue_limit BIGINT NOT NULL DEFAULT 50;
ALTER TABLE sites ADD COLUMN prefer_previous BIGINT NOT NULL DEFAULT 0;
-- Per category: its own mode (NULL: the site's).
ALTER TABLE categories ADD COLUMN route_mode TEXT;

-- A conversation waits in the queue while it is open with no agent; assigned_at starts the agent's
-- handling time (queue estimates use it). A visitor who leaves while waiting is recorded as missed.
ALTER TABLE conversations ADD COLUMN category_id BIGINT REFERENCES categories(id);
ALTER TABLE conversations ADD COLUMN assigned_at BIGINT;
ALTER TABLE conversations ADD COLUMN missed BIGINT NOT NULL DEFAULT 0;
-- Open chats per agent (capacity) and the queue in arrival order.
CREATE INDEX conversations_agent_open ON conversations(tenant_id, agent_id) WHERE status = 'open';
CREATE INDEX conversations_queue ON conversations(tenant_id, id) WHERE status = 'open' AND agent_id IS NULL;
