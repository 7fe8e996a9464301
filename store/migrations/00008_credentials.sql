-- Values of the credentials a portal's script asks for beyond username and
-- password (a customer number, a shop domain, a Slack workspace), those
-- not marked secret: a JSON object of name to value, empty for none.
-- Secret ones are sealed in the vault under the login. A login's values
-- serve every account behind it; an account's own add to them and win.
-- A release that does not know the columns leaves them empty.

-- +goose Up
ALTER TABLE logins ADD COLUMN credentials TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN credentials TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE accounts DROP COLUMN credentials;
ALTER TABLE logins DROP COLUMN credentials;
