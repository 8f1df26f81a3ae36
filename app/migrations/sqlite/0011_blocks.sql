-- Blocked visitors and banned addresses (issue 12; seed 000 7.6, 16.5). Kept in step with
-- ../postgres/ by server/tests/schema.rs.

-- One block: a visitor (visitor_id) or an address or range (net, canonical CIDR text such as
-- `203.0.113.0/24`), on one site (site_id) or, for an address, on every site of the company
-- (site_id NULL). Until `until` (Unix ms; NULL: for good). Unblocking deletes the row; the
-- operation log keeps who blocked and who unblocked.
CREATE TABLE blocks (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    site_id INTEGER REFERENCES sites(id),
    visitor_id INTEGER REFERENCES visitors(id),
    net TEXT,
    reason TEXT NOT NULL,
    created_by INTEGER REFERENCES agents(id),
    created_at INTEGER NOT NULL,
    until INTEGER,
    CHECK ((visitor_id IS NULL) <> (net IS NULL))
);
CREATE INDEX blocks_tenant ON blocks(tenant_id, until);
