-- The company's library of common files (issue 13; seed 004 section 9 "常用文件"): price lists,
-- manuals, in folders. Agents send one into a chat, which copies it into the chat's files, so
-- removing it from the library leaves the chats as they were. The bytes live in the file store
-- under the tenant and public id. Kept in step with ../postgres/ by server/tests/schema.rs.
CREATE TABLE library_files (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    public_id TEXT NOT NULL UNIQUE,
    folder TEXT NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX library_files_tenant ON library_files(tenant_id, folder, name);
