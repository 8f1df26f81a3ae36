-- Sneak peek (issue 12; seed 000 7.2 "访客输入预知"): per site, agents see what visitors type
-- before they send it. Off by default; the widget tells visitors when it is on. Kept in step with
-- ../postgres/ by server/tests/schema.rs.
ALTER TABLE sites ADD COLUMN sneak_peek INTEGER NOT NULL DEFAULT 0;
