-- A role's site scope per module (issue 10): `own_site_perms` lists the permissions the role grants
-- only on the agent's own sites (agent_sites); the rest apply on every site of the company. The
-- roles page sets it per module. Replaces the one `all_sites` switch of migration 0003.
ALTER TABLE roles ADD COLUMN own_site_perms TEXT NOT NULL DEFAULT '';
UPDATE roles SET own_site_perms = perms WHERE all_sites = 0;
ALTER TABLE roles DROP COLUMN all_sites;
