-- What each fetched document is: invoice, receipt, statement or
-- credit_note. Rows written before (and by a release that does not know
-- the column) are invoices, which is what they were. The allowed values
-- are checked by the store rather than a CHECK constraint, so a new kind
-- needs no migration.

-- +goose Up
ALTER TABLE invoices ADD COLUMN kind TEXT NOT NULL DEFAULT 'invoice';

-- +goose Down
ALTER TABLE invoices DROP COLUMN kind;
