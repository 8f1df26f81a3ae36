-- The records page lists a company's conversations newest first, 25 at a time: at 100,000
-- conversations the list sorted them all for each page (make bench, issue 16).
CREATE INDEX conversations_tenant_started ON conversations(tenant_id, started_at);
