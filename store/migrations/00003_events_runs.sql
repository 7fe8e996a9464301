-- Events outbox, guarded account state, run results kept whole, and run
-- artifacts in the blob store.

-- +goose Up
-- Every event an operator may learn about is written here in the same
-- transaction as the change it announces; a relay in any process queues
-- the undelivered ones. Internal events are commands for the workers (a
-- requested run) that the API never lists.
CREATE TABLE events (
    seq         {{serial_pk}},
    id          TEXT NOT NULL UNIQUE,
    tenant_id   TEXT NOT NULL,
    type        TEXT NOT NULL,
    internal    BOOLEAN NOT NULL DEFAULT FALSE,
    data        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    -- Set while a relay holds the event, so two relays do not both queue
    -- it; a relay that died lets it go when the time passes.
    claim_until BIGINT,
    relayed_at  BIGINT
);
CREATE INDEX events_pending ON events (seq) WHERE relayed_at IS NULL;
CREATE INDEX events_tenant ON events (tenant_id, seq);

-- Bumped by every change of status or key, so a run that read the account
-- before such a change does not overwrite it.
ALTER TABLE accounts ADD COLUMN state_version BIGINT NOT NULL DEFAULT 0;

ALTER TABLE runs ADD COLUMN steps TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN session_reused BOOLEAN NOT NULL DEFAULT FALSE;
-- Until when the worker running the run answers for it; a run still
-- unfinished after that is swept up as transient.
ALTER TABLE runs ADD COLUMN lease_until BIGINT;
CREATE INDEX runs_lease ON runs (lease_until) WHERE lease_until IS NOT NULL;
-- Artifacts now live in the blob store; the column holds their key prefix.
ALTER TABLE runs RENAME COLUMN artifact_dir TO artifacts;

-- +goose Down
ALTER TABLE runs RENAME COLUMN artifacts TO artifact_dir;
DROP INDEX runs_lease;
ALTER TABLE runs DROP COLUMN lease_until;
ALTER TABLE runs DROP COLUMN session_reused;
ALTER TABLE runs DROP COLUMN steps;
ALTER TABLE accounts DROP COLUMN state_version;
DROP TABLE events;
