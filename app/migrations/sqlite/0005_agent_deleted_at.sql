-- Deleting an agent keeps their row (their messages and conversations name them) but takes it out of
-- use: it is disabled and marked deleted, and its sessions are removed.
ALTER TABLE agents ADD COLUMN deleted_at INTEGER;
