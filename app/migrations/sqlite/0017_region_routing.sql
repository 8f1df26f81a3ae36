-- Region routing (issue 12, seed 004 section 13 "区域分流"): the regions an agent serves first, as
-- a country (`CN`) or an ISO 3166-2 province code (`CN-GD`); a site turns the rule on. Kept in
-- step with ../postgres/ by server/tests/schema.rs.
CREATE TABLE agent_regions (
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    region TEXT NOT NULL,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    PRIMARY KEY (agent_id, region)
);
ALTER TABLE sites ADD COLUMN region_routing INTEGER NOT NULL DEFAULT 0;
-- Where the visitor asked from (a country or province code), when the address told.
ALTER TABLE conversations ADD COLUMN region TEXT;
