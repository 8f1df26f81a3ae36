-- Links agents push to pages of the site's own bound domains open in the visitor's tab (issue 12
-- "Push a URL": optional per site; other links always open a new tab). Kept in step with
-- ../postgres/ by server/tests/schema.rs.
ALTER TABLE sites ADD COLUMN push_same_tab INTEGER NOT NULL DEFAULT 0;
