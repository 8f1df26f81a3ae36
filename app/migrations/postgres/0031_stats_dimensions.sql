-- Statistics by dimension (issue 17): each day of a site also counts visits (a run of page views
-- without half an hour between them), what became of its chats (accepted, missed: closed with
-- nobody assigned, abandoned: the visitor left the queue) and its invitations; and ranks its
-- visits and the chats they led to by region, search keyword, referring site, campaign, kind of
-- source, device and hour. Kept in step with ../sqlite/ by server/tests/schema.rs.
ALTER TABLE stats_daily ADD COLUMN visits BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_daily ADD COLUMN accepted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_daily ADD COLUMN missed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_daily ADD COLUMN abandoned BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_daily ADD COLUMN invitations BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_daily ADD COLUMN invitations_accepted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_daily ADD COLUMN invited_chats BIGINT NOT NULL DEFAULT 0;
-- Days rolled before these figures existed are rolled again when a report asks for them.
DELETE FROM stats_daily;
-- A day's hundred keys with the most visits per dimension, the rest summed under one key.
CREATE TABLE stats_ranked (
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    site_id BIGINT NOT NULL REFERENCES sites(id),
    dim TEXT NOT NULL,
    day TEXT NOT NULL,
    key TEXT NOT NULL,
    visits BIGINT NOT NULL,
    chats BIGINT NOT NULL,
    PRIMARY KEY (site_id, dim, day, key)
);
-- A day's new visitors are found by when they were first seen.
CREATE INDEX visitors_site_first_seen ON visitors(site_id, first_seen);
-- How a day's chats were handled, for the site (scope 'site'), each agent ('agent:ID') and each
-- category ('category:ID'): counts, and durations as histograms (buckets: 'seconds:count;…'), so
-- days add up and percentiles come out of the sum.
CREATE TABLE stats_timing (
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    site_id BIGINT NOT NULL REFERENCES sites(id),
    metric TEXT NOT NULL,
    day TEXT NOT NULL,
    scope TEXT NOT NULL,
    count BIGINT NOT NULL,
    sum_ms BIGINT NOT NULL,
    buckets TEXT NOT NULL,
    PRIMARY KEY (site_id, metric, day, scope)
);
