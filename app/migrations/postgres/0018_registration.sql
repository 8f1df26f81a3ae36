-- Visitor registration (issue 12, seed 004 "访客注册设置"): the form a site asks visitors to fill
-- in (JSON of kefu_protocol::DetailsForm; empty: none), and on each visitor what they answered to
-- the site's own fields (JSON pairs of label and value; the card fields go to their columns) and
-- when they first sent it. Kept in step with ../sqlite/ by server/tests/schema.rs.
ALTER TABLE sites ADD COLUMN registration TEXT NOT NULL DEFAULT '';
ALTER TABLE visitors ADD COLUMN details TEXT NOT NULL DEFAULT '';
ALTER TABLE visitors ADD COLUMN registered_at BIGINT;
