-- An agent may withdraw a message within two minutes (issue 13): when it was withdrawn. Visitors
-- then get it without body or file; the text stays for the records. Kept in step with
-- ../sqlite/ by server/tests/schema.rs.
ALTER TABLE messages ADD COLUMN retracted_at BIGINT;
