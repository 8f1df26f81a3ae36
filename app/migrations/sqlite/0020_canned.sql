-- Canned replies (issue 13; seed 000 chapter 17, seed 004 section 8): folders and replies of three
-- libraries, told apart by scope and owner: 'company' (owner 0), 'department' (owner: the
-- department) and 'personal' (owner: the agent). A company reply may be for one site (site_id).
-- Kept in step with ../postgres/ by server/tests/schema.rs.
CREATE TABLE canned_folders (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    scope TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX canned_folders_owner ON canned_folders(tenant_id, scope, owner_id);
CREATE TABLE canned_replies (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    scope TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    folder_id INTEGER REFERENCES canned_folders(id),
    site_id INTEGER REFERENCES sites(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX canned_replies_owner ON canned_replies(tenant_id, scope, owner_id, sort_order);
