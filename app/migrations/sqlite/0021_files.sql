-- Files in chats (issue 13 "Files and images, both ways"; seed 000 7.9, 7.12). A file is uploaded
-- over HTTP first and sent by a message that names it (messages.file_id); `public_id` (128 random
-- bits, hex) is the id clients see. A visitor's file is 'pending' until an agent accepts it, unless
-- the site trusts visitors' files. The bytes live in the file store under the tenant and public id.
-- Per-site rules are in file_settings (no row: the defaults). Kept in step with ../postgres/ by
-- server/tests/schema.rs.
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    site_id INTEGER NOT NULL REFERENCES sites(id),
    public_id TEXT NOT NULL UNIQUE,
    uploader_kind TEXT NOT NULL,
    uploader_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX files_site_created ON files(site_id, created_at);
ALTER TABLE messages ADD COLUMN file_id INTEGER REFERENCES files(id);
CREATE INDEX messages_file ON messages(file_id) WHERE file_id IS NOT NULL;
CREATE TABLE file_settings (
    site_id INTEGER PRIMARY KEY REFERENCES sites(id),
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    max_bytes INTEGER NOT NULL,
    classes TEXT NOT NULL,
    visitor_uploads INTEGER NOT NULL,
    trust_visitors INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
