-- Logins: one sign-in at a portal family, shared by the accounts (one per
-- product whose documents are fetched) behind it. The login owns the
-- secrets (password, authenticator key, recovery codes, cookies), the
-- enrolment, the lock and the code-replay guard.
--
-- Every existing account gets its own login under the account's own id.
-- Secrets are sealed to (tenant, owner id, field); keeping the id means
-- every sealed value still opens for its login without being sealed again.

-- +goose Up
CREATE TABLE logins (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    -- The portal whose script signs in: that of the login's first account.
    -- Its family (the login fragment its script uses) is read from the
    -- scripts, so families may change without a migration.
    portal     TEXT NOT NULL,
    username   TEXT NOT NULL,
    has_key    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX logins_tenant_username ON logins (tenant_id, username);

INSERT INTO logins (id, tenant_id, portal, username, has_key, created_at, updated_at)
    SELECT id, tenant_id, portal, username, has_key, created_at, updated_at FROM accounts;

-- No foreign key: SQLite cannot drop a column that has one, so the way
-- down would fail. CreateAccount checks the login in its transaction and
-- DeleteAccount removes a login with its last account.
ALTER TABLE accounts ADD COLUMN login_id TEXT NOT NULL DEFAULT '';
UPDATE accounts SET login_id = id;
CREATE INDEX accounts_login ON accounts (login_id, id);

ALTER TABLE enrollments ADD COLUMN login_id TEXT NOT NULL DEFAULT '';
UPDATE enrollments SET login_id = account_id;
CREATE INDEX enrollments_login_created ON enrollments (tenant_id, login_id, created_at, id);

-- The runs of the accounts of one login that one sign-in served.
ALTER TABLE runs ADD COLUMN login_id TEXT NOT NULL DEFAULT '';
UPDATE runs SET login_id = account_id;

-- +goose Down
ALTER TABLE runs DROP COLUMN login_id;
DROP INDEX enrollments_login_created;
ALTER TABLE enrollments DROP COLUMN login_id;
DROP INDEX accounts_login;
ALTER TABLE accounts DROP COLUMN login_id;
DROP TABLE logins;
