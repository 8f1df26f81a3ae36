-- Invitations to chat (issue 12; seed 000 "主动邀请", 10.3; seed 004 section 2). Kept in step with
-- ../postgres/ by server/tests/schema.rs.

-- Per site: invite visitors automatically after invite_after_secs on the site, on pages matching
-- one of invite_pages (one `*` pattern per line; empty: any page), with invite_texts (JSON pairs of
-- language tag and text; empty: the widget's own).
ALTER TABLE sites ADD COLUMN invite_auto INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN invite_after_secs INTEGER NOT NULL DEFAULT 30;
ALTER TABLE sites ADD COLUMN invite_pages TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN invite_texts TEXT NOT NULL DEFAULT '';

-- Every invitation sent: by an agent (agent_id) or automatically (agent_id NULL), and the answer
-- ('accepted', 'declined'; NULL: none yet). Counted for statistics.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    site_id INTEGER NOT NULL REFERENCES sites(id),
    visitor_id INTEGER NOT NULL REFERENCES visitors(id),
    agent_id INTEGER REFERENCES agents(id),
    sent_at INTEGER NOT NULL,
    answer TEXT,
    answered_at INTEGER,
    conversation_id INTEGER REFERENCES conversations(id)
);
CREATE INDEX invitations_visitor ON invitations(visitor_id, sent_at);
CREATE INDEX invitations_site ON invitations(tenant_id, site_id, sent_at);
