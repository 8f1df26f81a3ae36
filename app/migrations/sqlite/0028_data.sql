-- Records and data requests (issue 16): deleting records and erasing visitors needs its own
-- permission, which the built-in admin roles get; each erasure is recorded (the visitor's number,
-- who erased it and what went, never what it held) and kept after the operation log is purged; a
-- site may keep its conversation records only so many days (0: for good). Kept in step with
-- ../postgres/ by server/tests/schema.rs.
UPDATE roles SET perms = perms || ',records_delete' WHERE builtin IN ('admin', 'app_admin');
CREATE TABLE erasures (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    site_id INTEGER NOT NULL REFERENCES sites(id),
    visitor_id INTEGER NOT NULL,
    agent_id INTEGER REFERENCES agents(id),
    conversations INTEGER NOT NULL,
    messages INTEGER NOT NULL,
    page_views INTEGER NOT NULL,
    files INTEGER NOT NULL,
    erased_at INTEGER NOT NULL
);
CREATE INDEX erasures_tenant ON erasures(tenant_id, erased_at);
ALTER TABLE sites ADD COLUMN record_retention_days INTEGER NOT NULL DEFAULT 0;
-- How the visit that opened a conversation came to the site (the referring host and the search
-- keyword, as the console showed them), for the records' source filter.
ALTER TABLE conversations ADD COLUMN source_domain TEXT;
ALTER TABLE conversations ADD COLUMN source_keyword TEXT;
