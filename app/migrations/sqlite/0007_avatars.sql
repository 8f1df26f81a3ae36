-- Agents' avatars (issue 10): the uploaded image decoded, cropped to a square and stored as a PNG the
-- server made itself (nothing of the upload but its pixels survives). Served at
-- /api/v1/avatars/{key}; a new upload gets a new key, so the old URL can be cached forever.
-- Kept in step with ../postgres/ by server/tests/schema.rs.
CREATE TABLE avatars (
    avatar_key TEXT PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    png BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX avatars_agent ON avatars(agent_id);
