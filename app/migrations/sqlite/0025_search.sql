-- Search over message text (issue 16): each message's terms (CJK character pairs and words, cut by
-- app/src/infra/search.rs the same way for both databases), indexed by FTS5 with the message's id
-- as rowid. Dialect-specific by design (PostgreSQL keeps a tsvector with a GIN index), so the
-- schema-parity test leaves `message_search*` out; the search test runs one table of queries on
-- both. Messages written from now on are indexed in their own commit; older ones, below
-- `search_backfill.below`, by a background task that moves `next_id` as it goes.
CREATE VIRTUAL TABLE message_search USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0');
CREATE TABLE search_backfill (
    id INTEGER PRIMARY KEY,
    next_id INTEGER NOT NULL,
    below INTEGER NOT NULL
);
INSERT INTO search_backfill (id, next_id, below) SELECT 1, 0, COALESCE(MAX(id), 0) + 1 FROM messages;
