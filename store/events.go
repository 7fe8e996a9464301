package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/twofetch/twofetch"
)

const eventColumns = `seq, id, tenant_id, type, internal, data, created_at`

func scanEvent(s scanner) (*twofetch.Event, error) {
	var e twofetch.Event
	var data string
	var created sql.NullInt64
	if err := s.Scan(&e.Seq, &e.ID, &e.TenantID, &e.Type, &e.Internal, &data, &created); err != nil {
		return nil, err
	}
	e.Data = []byte(data)
	e.CreatedAt = fromNanos(created)
	return &e, nil
}

// execer is *sql.Tx or *sql.DB.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// eventLockClass is the first key of the advisory lock that orders event
// writers on PostgreSQL; the second is the events table's oid, so separate
// schemas in one database do not wait for each other.
const eventLockClass = 0x74776f66 // "twof"

// addEvent writes e in tx, the transaction of the change e announces. Write
// events last in the transaction: on PostgreSQL the event lock is held
// until it ends.
//
// Readers page by seq (GET /api/v1/events?after=, the relay), so a seq
// must never become visible after a higher one: a reader that passed the
// higher one would skip the lower one for good. PostgreSQL hands out seqs at
// insert and transactions commit in any order, so every event writer takes
// one transaction-scoped advisory lock before its insert. The lock is freed
// only once the commit is visible, so the next writer draws its seq after
// the previous one's events can be read, and seqs appear in order. The cost:
// event-writing transactions run their tails (from the event insert to the
// commit, usually one statement) one at a time across all processes, and a
// transaction that takes row locks after its event insert can deadlock
// with one waiting for the event lock, which PostgreSQL breaks by failing
// one of them. SQLite needs no lock: it has one writer at a time
// (_txlock=immediate, one write connection).
func (db *DB) addEvent(ctx context.Context, tx *sql.Tx, e *twofetch.Event) error {
	if e.TenantID == "" || e.Type == "" {
		return twofetch.Errorf(twofetch.EINVALID, "an event needs a tenant and a type")
	}
	if e.ID == "" {
		e.ID = twofetch.NewID("evt")
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = now()
	}
	e.CreatedAt = utc(e.CreatedAt)
	data := string(e.Data)
	if data == "" {
		data = "{}"
	}
	if db.dialect == dialectPostgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, 'events'::regclass::oid::int)`,
			eventLockClass); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO events (id, tenant_id, type, internal, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`), e.ID, e.TenantID, e.Type, e.Internal, data, nanos(e.CreatedAt))
	return err
}

// AddEvent writes an event on its own.
func (db *DB) AddEvent(ctx context.Context, e *twofetch.Event) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.addEvent(ctx, tx, e) })
	return fail("add event", err, "an event with this id already exists", "")
}

// ListEvents returns the tenant's events after the event with id after,
// oldest first, leaving out internal ones.
func (db *DB) ListEvents(ctx context.Context, tenantID, after string, n int) ([]*twofetch.Event, error) {
	var from int64
	if after != "" {
		err := db.queryRow(ctx, `SELECT seq FROM events WHERE id = ? AND tenant_id = ? AND NOT internal`,
			after, tenantID).Scan(&from)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errBadCursor
		}
		if err != nil {
			return nil, fail("list events", err, "", "")
		}
	}
	rows, err := db.query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE tenant_id = ? AND seq > ? AND NOT internal ORDER BY seq LIMIT ?`, tenantID, from, limit(n))
	es, err := collect(rows, err, scanEvent)
	return es, fail("list events", err, "", "")
}

// ClaimEvents holds up to n unrelayed events for lease. On PostgreSQL, FOR
// UPDATE SKIP LOCKED lets relays in several processes claim disjoint
// events at once; on SQLite the write transaction is exclusive, which
// serialises the claims. Either way the claim is a lease written to the row,
// so the relay queues the events outside any transaction and a relay that
// dies releases its events when the lease ends.
func (db *DB) ClaimEvents(ctx context.Context, n int, lease time.Duration) ([]*twofetch.Event, error) {
	if n <= 0 {
		return []*twofetch.Event{}, nil
	}
	t := now()
	lock := ""
	if db.dialect == dialectPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []*twofetch.Event
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.q(`SELECT `+eventColumns+` FROM events
			WHERE relayed_at IS NULL AND (claim_until IS NULL OR claim_until < ?)
			ORDER BY seq LIMIT ?`+lock), nanos(t), n)
		if out, err = collect(rows, err, scanEvent); err != nil || len(out) == 0 {
			return err
		}
		seqs := make([]any, 0, len(out)+1)
		seqs = append(seqs, nanos(t.Add(lease)))
		for _, e := range out {
			seqs = append(seqs, e.Seq)
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE events SET claim_until = ? WHERE seq IN (`+
			placeholders(len(out))+`)`), seqs...)
		return err
	})
	if out == nil {
		out = []*twofetch.Event{}
	}
	return out, fail("claim events", err, "", "")
}

// MarkRelayed records the events as queued.
func (db *DB) MarkRelayed(ctx context.Context, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	args := []any{nanos(now())}
	for _, s := range seqs {
		args = append(args, s)
	}
	_, err := db.exec(ctx, `UPDATE events SET relayed_at = ?, claim_until = NULL WHERE seq IN (`+
		placeholders(len(seqs))+`)`, args...)
	return fail("mark events relayed", err, "", "")
}

// ReleaseEvents ends the claim on events that were not queued.
func (db *DB) ReleaseEvents(ctx context.Context, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	args := make([]any, 0, len(seqs))
	for _, s := range seqs {
		args = append(args, s)
	}
	_, err := db.exec(ctx, `UPDATE events SET claim_until = NULL WHERE relayed_at IS NULL AND seq IN (`+
		placeholders(len(seqs))+`)`, args...)
	return fail("release events", err, "", "")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
