-- Visitors' addresses (issue 12, privacy). Kept in step with ../postgres/ by server/tests/schema.rs.

-- Per site: store visitors' full IP addresses (1), or only their network (0: IPv4 /24, IPv6 /48),
-- in page views and the console. Full addresses are truncated the same way once older than
-- KEFU_IP_RETENTION_DAYS.
ALTER TABLE sites ADD COLUMN full_ips INTEGER NOT NULL DEFAULT 1;
-- The retention sweep finds old page views by time.
CREATE INDEX page_views_viewed_at ON page_views(viewed_at);
