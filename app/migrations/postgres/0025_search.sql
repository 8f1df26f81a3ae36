-- Search over message text (issue 16): each message's terms (CJK character pairs and words, cut by
-- app/src/infra/search.rs the same way for both databases) as a tsvector of the 'simple'
-- configuration with a GIN index. Dialect-specific by design (SQLite keeps an FTS5 table), so the
-- schema-parity test leaves `message_search*` out; the search test runs one table of queries on
-- both. Messages written from now on are indexed in their own commit; older ones, below
-- `search_backfill.below`, by a background task that moves `next_id` as it goes.
CREATE TABLE message_search (
    message_id BIGINT PRIMARY KEY REFERENCES messages(id),
    terms TSVECTOR NOT NULL
);
CREATE INDEX message_search_terms ON message_search USING GIN (terms);
CREATE TABLE search_backfill (
    id BIGINT PRIMARY KEY,
    next_id BIGINT NOT NULL,
    below BIGINT NOT NULL
);
INSERT INTO search_backfill (id, next_id, below) SELECT 1, 0, COALESCE(MAX(id), 0) + 1 FROM messages;
