-- Roles become data: a role is a set of permissions (kefu_protocol::Perm names) and a site scope
-- (all of the company's sites, or the agent's own sites in agent_sites). Every company gets the two
-- built-in roles; the agents' old role names map onto them. Kept in step with ../postgres/ by the
-- schema-parity test (server/tests/api/schema.rs).
CREATE TABLE roles (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    perms TEXT NOT NULL,
    all_sites INTEGER NOT NULL DEFAULT 1,
    builtin TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE agent_sites (
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    site_id INTEGER NOT NULL REFERENCES sites(id),
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    PRIMARY KEY (agent_id, site_id)
);

INSERT INTO roles (tenant_id, name, perms, all_sites, builtin, created_at)
    SELECT id, 'admin', 'chat_serve,visitors_view,sites_view,sites_manage,settings_manage,agents_manage,roles_manage,records_view_all,records_view_own,stats_view,monitor_chats,canned_manage_shared,messages_manage,block_manage,oplog_view', 1, 'admin', created_at FROM tenants;
INSERT INTO roles (tenant_id, name, perms, all_sites, builtin, created_at)
    SELECT id, 'agent', 'chat_serve,visitors_view,sites_view,records_view_own', 0, 'agent', created_at FROM tenants;

ALTER TABLE agents ADD COLUMN role_id INTEGER REFERENCES roles(id);
UPDATE agents SET role_id = (SELECT r.id FROM roles r WHERE r.tenant_id = agents.tenant_id
    AND r.builtin = CASE WHEN agents.role = 'admin' THEN 'admin' ELSE 'agent' END);
ALTER TABLE agents DROP COLUMN role;
CREATE INDEX agents_role ON agents(role_id);
