// Package store keeps twofetch's state in SQL: SQLite (modernc.org/sqlite,
// pure Go) by default, PostgreSQL (pgx) for several machines. Both run the
// same queries and the same embedded goose migrations, and both pass the
// same test suite.
//
// Conventions shared by every method:
//
//   - Times are stored as UTC nanoseconds and come back in UTC, equal to what
//     was written (time.Time.Equal). A zero time in an optional field is
//     stored as NULL and comes back zero.
//   - Create methods fill in an empty ID (twofetch.NewID) and a zero
//     CreatedAt (now), and write the stored values back into the struct.
//   - Methods that take a tenant ID return twofetch.ErrNotFound for rows of
//     other tenants. List filters with an empty TenantID span every tenant;
//     they are for workers and support tools, never for tenant API calls.
//   - Unique violations are *twofetch.Error with code ECONFLICT and a message
//     safe for API callers; everything else from the driver is wrapped as an
//     internal error naming the operation, never the SQL or its arguments.
//   - Page.Limit defaults to 50 and is capped at 1000. Page.After must be
//     the ID of a row in the same list; an unknown ID is EINVALID rather
//     than an empty page, so a client never mistakes a bad cursor for the
//     end of the list.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/twofetch/twofetch"
)

// DB is a twofetch.Store on SQLite or PostgreSQL.
type DB struct {
	dialect dialect
	// w takes every write. On SQLite it holds a single connection, so
	// writers queue in Go (honouring contexts) instead of spinning on
	// SQLITE_BUSY; reads go to r and proceed in parallel thanks to WAL.
	// On PostgreSQL w and r are the same pool.
	w, r *sql.DB
	// dsn is what Open was given, so tests can open a second handle as
	// another process would; it may hold a password and is never printed.
	dsn string
}

var _ twofetch.Store = (*DB)(nil)

type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

func (d dialect) String() string {
	if d == dialectPostgres {
		return "postgres"
	}
	return "sqlite"
}

// busyTimeout bounds how long a SQLite connection waits for a lock held by
// another process (e.g. `twofetch migrate` next to a running server).
const busyTimeout = 10 * time.Second

// maxReaders is the size of the SQLite read pool.
const maxReaders = 8

// Open connects to the database named by dsn: a postgres:// or postgresql://
// URL for PostgreSQL, "sqlite:PATH" or a plain file path for SQLite. A
// SQLite file and its directory are created when missing, readable only by
// the owner. A PostgreSQL URL may carry pool_max_conns (default 10), the
// most connections this process opens. Open checks that the database answers but does not migrate it;
// call Migrate for that.
func Open(ctx context.Context, dsn string) (twofetch.Store, error) {
	db, err := open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return db, nil
}

func open(ctx context.Context, dsn string) (*DB, error) {
	dsn = strings.TrimSpace(dsn)
	if dsn == "" {
		return nil, errors.New("store: empty database URL")
	}
	var db *DB
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err = openPostgres(dsn)
	} else {
		db, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	db.dsn = dsn
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// defaultPostgresConns bounds each process's connections so that several
// web and worker processes stay under PostgreSQL's usual max_connections
// of 100.
const defaultPostgresConns = 10

func openPostgres(dsn string) (*DB, error) {
	conns := defaultPostgresConns
	// pool_max_conns is the name pgxpool users know; pgx itself would pass
	// an unknown parameter to the server as a setting, so take it out.
	if u, err := url.Parse(dsn); err == nil && u.Query().Has("pool_max_conns") {
		q := u.Query()
		n, err := strconv.Atoi(q.Get("pool_max_conns"))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("store: pool_max_conns: want a positive integer, got %q", q.Get("pool_max_conns"))
		}
		conns = n
		q.Del("pool_max_conns")
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open PostgreSQL: %w", err)
	}
	pool.SetMaxOpenConns(conns)
	pool.SetMaxIdleConns(conns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{dialect: dialectPostgres, w: pool, r: pool}, nil
}

func openSQLite(dsn string) (*DB, error) {
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "sqlite:"), "?")
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		// The read and write pools must see the same database, which an
		// in-memory database cannot offer; SQLite URIs would bypass the
		// connection settings below.
		return nil, fmt.Errorf("store: want sqlite:PATH or a file path, got %q", dsn)
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("store: create SQLite database: %w", err)
	}
	// synchronous=FULL: the vault advances HOTP counters through this store
	// and must not hand out a code whose counter step a power cut could
	// roll back. _txlock=immediate takes the write lock at BEGIN, so a
	// transaction never has to upgrade a read lock, which SQLite cannot wait
	// for and would fail at once with SQLITE_BUSY.
	params := "_busy_timeout=" + strconv.FormatInt(busyTimeout.Milliseconds(), 10) +
		"&_foreign_keys=1&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate"
	if query != "" {
		params = query + "&" + params
	}
	w, err := sql.Open("sqlite", path+"?"+params)
	if err != nil {
		return nil, fmt.Errorf("store: open SQLite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", path+"?"+params+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open SQLite: %w", err)
	}
	r.SetMaxOpenConns(maxReaders)
	r.SetMaxIdleConns(maxReaders)
	return &DB{dialect: dialectSQLite, w: w, r: r}, nil
}

// createPrivate creates the database file with mode 0600 (it holds sealed
// secrets and token hashes) unless it exists; SQLite gives its -wal and
// -shm files the same mode.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// Ping checks that both pools reach the database. On SQLite the write pool
// is checked with a context so a long write holding the single connection
// makes Ping wait no longer than the caller allows.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", db.dialect, err)
	}
	if db.r != db.w {
		if err := db.r.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping %s: %w", db.dialect, err)
		}
	}
	return nil
}

// Close closes the connection pools.
func (db *DB) Close() error {
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// dialectTypes fills the placeholders of the migration files.
var dialectTypes = map[dialect]*strings.Replacer{
	dialectSQLite: strings.NewReplacer(
		"{{bytes}}", "BLOB",
		"{{serial_pk}}", "INTEGER PRIMARY KEY AUTOINCREMENT"),
	dialectPostgres: strings.NewReplacer(
		"{{bytes}}", "BYTEA",
		"{{serial_pk}}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
}

// migrations returns the embedded migrations with the dialect's types
// filled in.
func migrations(d dialect) (fs.FS, error) {
	out := fstest.MapFS{}
	err := fs.WalkDir(migrationFiles, "migrations", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := migrationFiles.ReadFile(path)
		if err != nil {
			return err
		}
		out[e.Name()] = &fstest.MapFile{Data: []byte(dialectTypes[d].Replace(string(b))), Mode: 0o444}
		return nil
	})
	return out, err
}

// versionTable records which migrations have been applied.
const versionTable = "twofetch_schema_version"

func (db *DB) provider(ctx context.Context) (*goose.Provider, error) {
	fsys, err := migrations(db.dialect)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{
		goose.WithLogger(goose.NopLogger()),
		goose.WithDisableGlobalRegistry(true),
		// Not goose's default name, so another goose-migrated application
		// sharing the schema keeps its own history.
		goose.WithTableName(versionTable),
	}
	gd := goose.DialectSQLite3
	if db.dialect == dialectPostgres {
		gd = goose.DialectPostgres
		// Several processes may start at once against one database; the
		// advisory lock lets one migrate while the others wait. The lock id
		// is per schema so separate schemas (tests, several installations in
		// one database) never wait for each other.
		var schema sql.NullString
		if err := db.r.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return nil, fmt.Errorf("read current schema: %w", err)
		}
		if !schema.Valid {
			return nil, errors.New("no schema of search_path exists in the database")
		}
		h := fnv.New64a()
		h.Write([]byte("twofetch/" + schema.String))
		l, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 600))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(l))
	}
	return goose.NewProvider(gd, db.w, fsys, opts...)
}

// Migrate applies the pending migrations to the store's database. It is
// safe to run repeatedly and, on PostgreSQL, from several processes at once.
func Migrate(ctx context.Context, s twofetch.Store) error {
	db, ok := s.(*DB)
	if !ok {
		return fmt.Errorf("store: migrate: %T is not a store opened by store.Open", s)
	}
	p, err := db.provider(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	last := int64(-1)
	for {
		_, err := p.Up(ctx)
		if err == nil {
			return nil
		}
		// Two processes migrating one SQLite file both see the old version
		// and race; the loser's transaction fails on what the winner just
		// created. That is success if the schema is now current, and worth
		// another try while the winner is still on its way: the version
		// then has moved since the last attempt. A migration that fails on
		// its own leaves the version where it was.
		cur, latest, verr := p.GetVersions(ctx)
		if verr == nil && cur >= latest {
			return nil
		}
		if verr != nil || db.dialect != dialectSQLite || cur <= last {
			return fmt.Errorf("store: migrate %s: %w", db.dialect, err)
		}
		last = cur
	}
}

// Version returns the schema version of the store's database and the
// latest version this program knows, so callers can report or refuse a
// database that is behind.
func Version(ctx context.Context, s twofetch.Store) (current, latest int64, err error) {
	db, ok := s.(*DB)
	if !ok {
		return 0, 0, fmt.Errorf("store: version: %T is not a store opened by store.Open", s)
	}
	p, err := db.provider(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: version: %w", err)
	}
	current, latest, err = p.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: version: %w", err)
	}
	return current, latest, nil
}

// Dialect names the database engine: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.String() }

// q adapts a query written with ? placeholders to the dialect.
func (db *DB) q(query string) string {
	if db.dialect != dialectPostgres {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.w.ExecContext(ctx, db.q(query), args...)
}

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.r.QueryContext(ctx, db.q(query), args...)
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.r.QueryRowContext(ctx, db.q(query), args...)
}

// inTx runs f in a write transaction, committing when f returns nil.
func (db *DB) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// errKind classifies driver errors that callers can act on.
type errKind int

const (
	errOther errKind = iota
	errUnique
	errForeignKey
)

func kindOf(err error) errKind {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return errUnique
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return errForeignKey
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return errUnique
		case "23503":
			return errForeignKey
		}
	}
	return errOther
}

// fail turns a driver error into the store's error for op. conflict is the
// caller-safe message for a unique violation, missing the one for a foreign
// key pointing nowhere; either may be empty when the operation cannot
// cause it.
func fail(op string, err error, conflict, missing string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return twofetch.ErrNotFound
	case conflict != "" && kindOf(err) == errUnique:
		return twofetch.Errorf(twofetch.ECONFLICT, "%s", conflict)
	case missing != "" && kindOf(err) == errForeignKey:
		return twofetch.Errorf(twofetch.EINVALID, "%s", missing)
	}
	var te *twofetch.Error
	if errors.As(err, &te) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// oneRow reports ErrNotFound when an update or delete touched nothing.
func oneRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return twofetch.ErrNotFound
	}
	return nil
}

// Times outside this range cannot be held as int64 nanoseconds.
var (
	minTime = time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func checkTime(name string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if t.Before(minTime) || !t.Before(maxTime) {
		return twofetch.Errorf(twofetch.EINVALID, "%s %s is out of range", name, t.UTC().Format(time.RFC3339))
	}
	return nil
}

// utc normalises t as it will come back from the database.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Round(0).UTC()
}

func utcp(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := utc(*t)
	return &u
}

// now is the store's clock for timestamps callers leave to it, at the
// precision the database keeps.
func now() time.Time { return time.Now().UTC().Round(0) }

// nanos is the stored form of a time; a zero time is NULL.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func nanosp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return nanos(*t)
}

func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

func fromNanosp(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := time.Unix(0, n.Int64).UTC()
	return &t
}

// bytesOrNull stores an empty hash as NULL so unique indexes ignore it.
func bytesOrNull(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

const (
	defaultLimit = 50
	maxLimit     = 1000
)

func limit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	}
	return n
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (*T, error)) ([]*T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

var errBadCursor = twofetch.Errorf(twofetch.EINVALID, "page cursor: no such id in this list")

// keyset appends the newest-first keyset condition for p to where and args:
// rows strictly older than the cursor row, which must match cursorWhere
// (the list's own filter) so another tenant's id is no cursor.
func (db *DB) keyset(ctx context.Context, table string, p twofetch.Page, cursorWhere string, cursorArgs []any, where []string, args []any) ([]string, []any, error) {
	if p.After == "" {
		return where, args, nil
	}
	var created int64
	q := "SELECT created_at FROM " + table + " WHERE id = ?"
	if cursorWhere != "" {
		q += " AND " + cursorWhere
	}
	err := db.queryRow(ctx, q, append([]any{p.After}, cursorArgs...)...).Scan(&created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errBadCursor
	}
	if err != nil {
		return nil, nil, err
	}
	where = append(where, "(created_at, id) < (?, ?)")
	args = append(args, created, p.After)
	return where, args, nil
}

func whereClause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// Scrub rewrites a SQLite database so that values overwritten or deleted
// before no longer linger in free pages or the write-ahead log, e.g. after
// plaintext secrets were replaced by sealed ones. PostgreSQL leaves dead
// rows to autovacuum; there it does nothing.
func (db *DB) Scrub(ctx context.Context) error {
	if db.dialect != dialectSQLite {
		return nil
	}
	if _, err := db.w.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("store: vacuum: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	return nil
}
