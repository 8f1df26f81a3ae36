-- Approval mode and the site's switchboard (issue 11). Kept in step with ../sqlite/ by
-- server/tests/schema.rs.

-- Per site: a switchboard agent who gets the site's new chats first while they have room (a
-- category's own switchboard comes before), and approval mode: the chosen agent accepts or
-- declines a new chat within approval_secs, after which it is offered to the next.
ALTER TABLE sites ADD COLUMN switchboard_id BIGINT REFERENCES agents(id);
ALTER TABLE sites ADD COLUMN approval BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN approval_secs BIGINT NOT NULL DEFAULT 30;

-- A waiting conversation offered to an agent (approval mode) until offered_until (Unix ms). The
-- offer counts against the agent's chat limit while it stands.
ALTER TABLE conversations ADD COLUMN offered_to BIGINT REFERENCES agents(id);
ALTER TABLE conversations ADD COLUMN offered_until BIGINT;
-- A conversation opened by a visitor's message after their previous one ended: that one.
ALTER TABLE conversations ADD COLUMN previous_id BIGINT REFERENCES conversations(id);

-- Agents who declined (or let pass) the offer of a waiting conversation: it goes to someone else
-- first. Cleared when everyone able has declined, so the chat is offered again.
CREATE TABLE route_declines (
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    agent_id BIGINT NOT NULL REFERENCES agents(id),
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    PRIMARY KEY (conversation_id, agent_id)
);
