-- The visitor card (issue 12; seed 004 section 4, seed 000 14.1): what agents note about a
-- visitor, and who the site says they are. Kept in step with ../postgres/ by server/tests/schema.rs.
ALTER TABLE visitors ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE visitors ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE visitors ADD COLUMN company TEXT NOT NULL DEFAULT '';
-- Tags, one per line.
ALTER TABLE visitors ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE visitors ADD COLUMN notes TEXT NOT NULL DEFAULT '';
-- Raised by every card change (a save of an older card is refused as stale).
ALTER TABLE visitors ADD COLUMN card_version INTEGER NOT NULL DEFAULT 1;
