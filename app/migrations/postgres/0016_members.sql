-- Members (issue 12 "Identify members"): the site's own user id for a visitor, as the site signed
-- it (an HMAC-SHA256 of the id with the site's identity secret: member_id, one visitor per id and
-- site) or only claimed it (claimed_id, unsigned). Kept in step with ../sqlite/ by
-- server/tests/schema.rs.
ALTER TABLE visitors ADD COLUMN member_id TEXT;
ALTER TABLE visitors ADD COLUMN claimed_id TEXT;
CREATE UNIQUE INDEX visitors_member ON visitors(site_id, member_id);
-- Further devices of a visitor: a signed member on another browser becomes the same visitor there
-- (that browser's token is found here).
CREATE TABLE visitor_devices (
    token_hash TEXT PRIMARY KEY,
    visitor_id BIGINT NOT NULL REFERENCES visitors(id),
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    created_at BIGINT NOT NULL
);
-- The secret a site signs member ids with (empty: none yet; made when an admin first sees it).
ALTER TABLE sites ADD COLUMN identity_secret TEXT NOT NULL DEFAULT '';
