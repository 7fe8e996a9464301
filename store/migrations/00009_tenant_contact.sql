-- The name customers know a tenant by, and how they reach its support:
-- shown in the enrolment SMS and on every customer page, so a link from an
-- unknown sender does not look like phishing. Empty means not set.

-- +goose Up
ALTER TABLE tenants ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN support_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN support_email TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN support_url TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tenants DROP COLUMN support_url;
ALTER TABLE tenants DROP COLUMN support_email;
ALTER TABLE tenants DROP COLUMN support_phone;
ALTER TABLE tenants DROP COLUMN display_name;
