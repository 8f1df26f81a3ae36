-- The back office (issue 10): company accounts, agent accounts unique per company, agent profiles,
-- departments, categories, a third built-in role, soft-deleted sites, row versions for concurrent
-- edits, and the operation log. Kept in step with ../postgres/ by server/tests/schema.rs.
--
-- Db::connect runs SQLite migrations with foreign keys off (SQLite's documented way to rebuild a
-- table) and checks them afterwards: `agents` is rebuilt here because a column's UNIQUE (the old
-- global one on `login`) cannot be dropped in place.

-- A company signs in with its account ("company account" of the first reference product).
ALTER TABLE tenants ADD COLUMN account TEXT NOT NULL DEFAULT '';
UPDATE tenants SET account = 'company' || id;
CREATE UNIQUE INDEX tenants_account ON tenants(account);
-- Seats the company may enable (NULL: no limit).
ALTER TABLE tenants ADD COLUMN seat_limit INTEGER;

CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    admin_id INTEGER REFERENCES agents(id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE agents_new (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    login TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    role_id INTEGER REFERENCES roles(id),
    deleted_at INTEGER,
    nickname TEXT NOT NULL DEFAULT '',
    job_number TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    mobile TEXT NOT NULL DEFAULT '',
    card TEXT NOT NULL DEFAULT '[]',
    department_id INTEGER REFERENCES departments(id),
    seat_enabled INTEGER NOT NULL DEFAULT 1,
    max_chats INTEGER NOT NULL DEFAULT 5,
    sort_order INTEGER NOT NULL DEFAULT 0,
    owner INTEGER NOT NULL DEFAULT 0,
    prefs TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 1
);
-- Accounts compare without ASCII case (the application lowercases A-Z when it stores or reads one).
INSERT INTO agents_new (id, tenant_id, login, password_hash, display_name, enabled, created_at, role_id, deleted_at)
    SELECT id, tenant_id, lower(login), password_hash, display_name, enabled, created_at, role_id, deleted_at FROM agents;
DROP TABLE agents;
ALTER TABLE agents_new RENAME TO agents;
CREATE INDEX agents_tenant ON agents(tenant_id);
CREATE INDEX agents_role ON agents(role_id);
-- An account is unique among the company's agents that are not deleted (a deleted agent's account
-- may be given to someone new; their records keep the old row).
CREATE UNIQUE INDEX agents_tenant_login ON agents(tenant_id, login) WHERE deleted_at IS NULL;
-- The company's first admin, who cannot be deleted, disabled or demoted.
UPDATE agents SET owner = 1 WHERE id IN (
    SELECT MIN(a.id) FROM agents a JOIN roles r ON r.id = a.role_id WHERE r.builtin = 'admin' GROUP BY a.tenant_id);

-- Roles: a third built-in one (everything but company settings and roles), and versions.
ALTER TABLE roles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
INSERT INTO roles (tenant_id, name, perms, all_sites, builtin, created_at)
    SELECT id, 'app_admin', 'chat_serve,visitors_view,sites_view,sites_manage,agents_manage,records_view_all,records_view_own,stats_view,monitor_chats,canned_manage_shared,messages_manage,block_manage,oplog_view', 1, 'app_admin', created_at FROM tenants;

-- A deleted site stays (its conversations are records) but serves no visitor.
ALTER TABLE sites ADD COLUMN deleted_at INTEGER;
ALTER TABLE sites ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- Visitor-facing groups ("Sales", "Support").
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    switchboard_id INTEGER REFERENCES agents(id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE TABLE category_agents (
    category_id INTEGER NOT NULL REFERENCES categories(id),
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    PRIMARY KEY (category_id, agent_id)
);
CREATE TABLE category_sites (
    category_id INTEGER NOT NULL REFERENCES categories(id),
    site_id INTEGER NOT NULL REFERENCES sites(id),
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    PRIMARY KEY (category_id, site_id)
);

-- Who did what: sign-ins (also failed ones), sign-outs, and every change made in the back office.
CREATE TABLE oplog (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    agent_id INTEGER REFERENCES agents(id),
    kind TEXT NOT NULL,
    account TEXT NOT NULL DEFAULT '',
    object TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL
);
CREATE INDEX oplog_tenant_at ON oplog(tenant_id, at);
