-- Statistics (issue 17): each site's days are cut in its own time zone (an IANA name), and each
-- day's traffic is rolled up from the raw rows so a report over a year reads a row a day.
ALTER TABLE sites ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
CREATE TABLE stats_daily (
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    site_id BIGINT NOT NULL REFERENCES sites(id),
    day TEXT NOT NULL,
    page_views BIGINT NOT NULL,
    visitors BIGINT NOT NULL,
    new_visitors BIGINT NOT NULL,
    chats BIGINT NOT NULL,
    rolled_at BIGINT NOT NULL,
    PRIMARY KEY (site_id, day)
);
-- A day's page views of a company are read by time.
CREATE INDEX page_views_tenant_viewed ON page_views(tenant_id, viewed_at);
