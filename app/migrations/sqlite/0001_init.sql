-- kefu schema, SQLite flavour. Keep in step with ../postgres/0001_init.sql.
CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    site_key TEXT NOT NULL UNIQUE,
    allowed_domains TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX sites_tenant ON sites(tenant_id);

CREATE TABLE agents (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
CREATE INDEX agents_tenant ON agents(tenant_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE visitors (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    site_id INTEGER NOT NULL REFERENCES sites(id),
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    visits INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX visitors_site ON visitors(site_id);

CREATE TABLE page_views (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    visitor_id INTEGER NOT NULL REFERENCES visitors(id),
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    referrer TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    ip TEXT NOT NULL,
    viewed_at INTEGER NOT NULL
);
CREATE INDEX page_views_visitor ON page_views(visitor_id, viewed_at);

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    site_id INTEGER NOT NULL REFERENCES sites(id),
    visitor_id INTEGER NOT NULL REFERENCES visitors(id),
    agent_id INTEGER REFERENCES agents(id),
    status TEXT NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    agent_read_seq INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER NOT NULL,
    last_message_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE INDEX conversations_tenant_status ON conversations(tenant_id, status, last_message_at);
CREATE INDEX conversations_visitor ON conversations(visitor_id, started_at);
-- At most one open conversation per visitor.
CREATE UNIQUE INDEX conversations_one_open ON conversations(visitor_id) WHERE status = 'open';

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    seq INTEGER NOT NULL,
    sender_kind TEXT NOT NULL,
    sender_id INTEGER NOT NULL,
    sender_name TEXT,
    client_msg_id TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (sender_kind, sender_id, client_msg_id)
);
