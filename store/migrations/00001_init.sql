-- Schema shared by SQLite and PostgreSQL. Two type names differ between the
-- two and are written as placeholders that store.Migrate fills in per dialect:
-- {{bytes}} (BLOB / BYTEA) and {{serial_pk}} (an auto-increment primary key).
--
-- Times are BIGINT nanoseconds since the Unix epoch, UTC: exact round trips
-- of Go times, and identical ordering and comparison on both engines.

-- +goose Up
CREATE TABLE tenants (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    token_hash       {{bytes}} UNIQUE,
    admin_token_hash {{bytes}} UNIQUE,
    language         TEXT NOT NULL DEFAULT '',
    webhook_url      TEXT NOT NULL DEFAULT '',
    webhook_secret   TEXT NOT NULL DEFAULT '',
    quiet_start      INTEGER NOT NULL DEFAULT 0,
    quiet_end        INTEGER NOT NULL DEFAULT 0,
    quiet_days       TEXT NOT NULL DEFAULT '',
    time_zone        TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    revoked_at       BIGINT
);

CREATE TABLE accounts (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    portal       TEXT NOT NULL,
    username     TEXT NOT NULL,
    status       TEXT NOT NULL,
    label        TEXT NOT NULL DEFAULT '',
    has_key      BOOLEAN NOT NULL DEFAULT FALSE,
    next_run_at  BIGINT,
    last_run_at  BIGINT,
    last_outcome TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    -- Target of the (tenant_id, account_id) foreign keys below, so a row can
    -- never point at another tenant's account.
    UNIQUE (tenant_id, id)
);
CREATE INDEX accounts_tenant_created ON accounts (tenant_id, created_at, id);
-- The scheduler's only query: due active accounts, oldest first, in batches.
CREATE INDEX accounts_due ON accounts (next_run_at, id) WHERE status = 'active';

CREATE TABLE enrollments (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    phone         TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    token_hash    {{bytes}} UNIQUE,
    issuer        TEXT NOT NULL DEFAULT '',
    key_account   TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    sms_count     INTEGER NOT NULL DEFAULT 0,
    expires_at    BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    confirmed_at  BIGINT,
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX enrollments_account_created ON enrollments (tenant_id, account_id, created_at, id);

CREATE TABLE runs (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    portal       TEXT NOT NULL,
    run_trigger  TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    attempt      INTEGER NOT NULL DEFAULT 0,
    new_invoices INTEGER NOT NULL DEFAULT 0,
    artifact_dir TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT,
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX runs_tenant_created ON runs (tenant_id, created_at, id);
CREATE INDEX runs_account_created ON runs (tenant_id, account_id, created_at, id);
CREATE INDEX runs_artifacts ON runs (finished_at) WHERE artifact_dir <> '';

-- Invoices outlive their account: the operator may still fetch documents of
-- a portal login that was removed, so there is no foreign key to accounts.
CREATE TABLE invoices (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants (id),
    account_id        TEXT NOT NULL,
    run_id            TEXT NOT NULL DEFAULT '',
    portal            TEXT NOT NULL,
    -- NULL when the portal names none, so such invoices deduplicate by
    -- sha256 alone.
    portal_invoice_id TEXT,
    invoice_number    TEXT NOT NULL DEFAULT '',
    invoice_date      TEXT NOT NULL DEFAULT '',
    amount            TEXT NOT NULL DEFAULT '',
    currency          TEXT NOT NULL DEFAULT '',
    sha256            TEXT NOT NULL,
    size              BIGINT NOT NULL DEFAULT 0,
    content_type      TEXT NOT NULL DEFAULT '',
    blob_key          TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    UNIQUE (account_id, portal_invoice_id),
    UNIQUE (account_id, sha256)
);
CREATE INDEX invoices_tenant_created ON invoices (tenant_id, created_at, id);
CREATE INDEX invoices_account_created ON invoices (tenant_id, account_id, created_at, id);

-- Sealed values only; the vault binds each to its (tenant, account, field).
-- No foreign key: a secret may be sealed before its account row is written,
-- and DeleteAccount removes an account's secrets itself.
CREATE TABLE secrets (
    tenant_id  TEXT NOT NULL,
    account_id TEXT NOT NULL,
    field      TEXT NOT NULL,
    sealed     {{bytes}} NOT NULL,
    key_id     TEXT NOT NULL DEFAULT '',
    version    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, account_id, field)
);
CREATE INDEX secrets_key ON secrets (key_id);

CREATE TABLE audit_events (
    id         {{serial_pk}},
    tenant_id  TEXT NOT NULL,
    actor      TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    object     TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, id);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE secrets;
DROP TABLE invoices;
DROP TABLE runs;
DROP TABLE enrollments;
DROP TABLE accounts;
DROP TABLE tenants;
