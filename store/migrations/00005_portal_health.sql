-- The version of the portal script each run played, and the index the
-- portal health view reads runs by, across tenants.

-- +goose Up
ALTER TABLE runs ADD COLUMN script_version TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN failed_step TEXT NOT NULL DEFAULT '';
CREATE INDEX runs_portal_finished ON runs (portal, finished_at);

-- +goose Down
DROP INDEX runs_portal_finished;
ALTER TABLE runs DROP COLUMN failed_step;
ALTER TABLE runs DROP COLUMN script_version;
