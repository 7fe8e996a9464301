-- The index history pruning reads old finished runs by, across tenants and
-- portals, a batch at a time.

-- +goose Up
CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;

-- +goose Down
DROP INDEX runs_finished;
