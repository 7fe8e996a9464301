package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

// opener returns a fresh, migrated store for one test.
type opener func(t *testing.T) *DB

func openSQLiteTest(t *testing.T) *DB {
	t.Helper()
	return openAndMigrate(t, "sqlite:"+filepath.Join(t.TempDir(), "twofetch.db"))
}

func openPostgresTest(t *testing.T) *DB {
	t.Helper()
	return openAndMigrate(t, testenv.PostgresURL(t))
}

func openAndMigrate(t *testing.T, dsn string) *DB {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := Migrate(ctx, s); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s.(*DB)
}

func TestSQLite(t *testing.T)   { runSuite(t, openSQLiteTest) }
func TestPostgres(t *testing.T) { runSuite(t, openPostgresTest) }

// runSuite is the one behavioural suite both engines must pass.
func runSuite(t *testing.T, open opener) {
	tests := []struct {
		name string
		f    func(t *testing.T, s *DB)
	}{
		{"Migrate", testMigrate},
		{"Tenants", testTenants},
		{"Accounts", testAccounts},
		{"AccountPages", testAccountPages},
		{"DeleteAccount", testDeleteAccount},
		{"DueAccounts", testDueAccounts},
		{"DueAccountsIndex", testDueAccountsIndex},
		{"DueLoginAccounts", testDueLoginAccounts},
		{"Credentials", testCredentials},
		{"SetNextRuns", testSetNextRuns},
		{"Enrollments", testEnrollments},
		{"Runs", testRuns},
		{"Invoices", testInvoices},
		{"Secrets", testSecrets},
		{"Audit", testAudit},
		{"TenantIsolation", testTenantIsolation},
		{"TimeRoundTrip", testTimeRoundTrip},
		{"InternalErrors", testInternalErrors},
		{"ConcurrentWriters", testConcurrentWriters},
		{"SecretCAS", testSecretCAS},
		{"ConcurrentMigrate", testConcurrentMigrate},
		{"PingClose", testPingClose},
		{"Events", testEvents},
		{"FinishRun", testFinishRun},
		{"RenameDuringRun", testRenameDuringRun},
		{"PruneHistory", testPruneHistory},
		{"SweepRuns", testSweepRuns},
		{"EventsCommitOrder", testEventsCommitOrder},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, open(t)) })
	}
}

var ctx = context.Background()

// openAtVersion opens dsn with the schema migrated only up to version, as
// an earlier release left it, and returns it with a statement runner for
// writing rows the way that release did.
func openAtVersion(t *testing.T, dsn string, version int64) (*DB, func(q string, args ...any)) {
	t.Helper()
	st, err := Open(ctx, dsn)
	must(t, err)
	t.Cleanup(func() { st.Close() })
	db := st.(*DB)
	p, err := db.provider(ctx)
	must(t, err)
	_, err = p.UpTo(ctx, version)
	must(t, err)
	return db, func(q string, args ...any) {
		t.Helper()
		_, err := db.exec(ctx, q, args...)
		must(t, err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := twofetch.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newTenant(t *testing.T, s *DB, name string) (*twofetch.Tenant, string) {
	t.Helper()
	token, hash := twofetch.NewToken("tft")
	tn := &twofetch.Tenant{Name: name, TokenHash: hash, Language: "de"}
	must(t, s.CreateTenant(ctx, tn))
	return tn, token
}

func newAccount(t *testing.T, s *DB, tenantID string, mod ...func(*twofetch.Account)) *twofetch.Account {
	t.Helper()
	a := &twofetch.Account{TenantID: tenantID, Portal: "example", Username: "demo@example.com"}
	for _, m := range mod {
		m(a)
	}
	must(t, s.CreateAccount(ctx, a))
	return a
}

func ids[T any](xs []*T, id func(*T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

func accountIDs(as []*twofetch.Account) []string {
	return ids(as, func(a *twofetch.Account) string { return a.ID })
}

func ptr(t time.Time) *time.Time { return &t }

func testMigrate(t *testing.T, s *DB) {
	// The opener migrated once; again must be a no-op that changes nothing.
	tn, _ := newTenant(t, s, "before")
	for i := 0; i < 2; i++ {
		must(t, Migrate(ctx, s))
	}
	cur, latest, err := Version(ctx, s)
	must(t, err)
	if cur != latest || cur < 1 {
		t.Fatalf("version = %d, latest %d", cur, latest)
	}
	if _, err := s.Tenant(ctx, tn.ID); err != nil {
		t.Fatalf("tenant lost by second migration: %v", err)
	}
	if err := Migrate(ctx, fakeStore{}); err == nil {
		t.Fatal("Migrate accepted a store it did not open")
	}

	// Every down migration must undo its up migration completely: down to
	// nothing, then up again, on the same database.
	p, err := s.provider(ctx)
	must(t, err)
	_, err = p.DownTo(ctx, 0)
	must(t, err)
	if _, err := s.Tenant(ctx, tn.ID); err == nil {
		t.Fatal("tenants survived migrating down to version 0")
	}
	must(t, Migrate(ctx, s))
	newTenant(t, s, "after down and up")
}

func TestMigrationsFilled(t *testing.T) {
	for _, d := range []dialect{dialectSQLite, dialectPostgres} {
		fsys, err := migrations(d)
		must(t, err)
		entries, err := fs.ReadDir(fsys, ".")
		must(t, err)
		if len(entries) == 0 {
			t.Fatalf("%s: no migrations embedded", d)
		}
		for _, e := range entries {
			b, err := fs.ReadFile(fsys, e.Name())
			must(t, err)
			if strings.Contains(string(b), "{{") {
				t.Errorf("%s: %s has an unfilled placeholder", d, e.Name())
			}
		}
	}
}

type fakeStore struct{ twofetch.Store }

func testTenants(t *testing.T, s *DB) {
	token, hash := twofetch.NewToken("tft")
	_, adminHash := twofetch.NewToken("tfa")
	tn := &twofetch.Tenant{
		Name: "Acme Buchhaltung", TokenHash: hash, AdminTokenHash: adminHash, Language: "de",
		WebhookURL: "https://hooks.example/x", WebhookSecret: "whsec", QuietStart: 22, QuietEnd: 6,
		QuietDays: []time.Weekday{time.Sunday, time.Saturday}, TimeZone: "Europe/Berlin",
	}
	must(t, s.CreateTenant(ctx, tn))
	if !strings.HasPrefix(tn.ID, "ten_") || tn.CreatedAt.IsZero() {
		t.Fatalf("CreateTenant did not fill id and time: %+v", tn)
	}
	got, err := s.Tenant(ctx, tn.ID)
	must(t, err)
	assertEqualJSONish(t, got, tn)

	for _, tc := range []struct {
		name string
		find func() (*twofetch.Tenant, error)
	}{
		{"token", func() (*twofetch.Tenant, error) { return s.TenantByTokenHash(ctx, twofetch.HashToken(token)) }},
		{"admin token", func() (*twofetch.Tenant, error) { return s.TenantByAdminTokenHash(ctx, adminHash) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.find()
			must(t, err)
			if got.ID != tn.ID {
				t.Fatalf("found %s, want %s", got.ID, tn.ID)
			}
		})
	}
	t.Run("unknown and empty hashes", func(t *testing.T) {
		_, other := twofetch.NewToken("tft")
		for _, h := range [][]byte{other, nil, {}} {
			_, err := s.TenantByTokenHash(ctx, h)
			wantCode(t, err, twofetch.ENOTFOUND)
			_, err = s.TenantByAdminTokenHash(ctx, h)
			wantCode(t, err, twofetch.ENOTFOUND)
		}
		// The API token must not open the admin views and vice versa.
		_, err := s.TenantByAdminTokenHash(ctx, hash)
		wantCode(t, err, twofetch.ENOTFOUND)
	})
	t.Run("duplicate token", func(t *testing.T) {
		err := s.CreateTenant(ctx, &twofetch.Tenant{Name: "copy", TokenHash: hash})
		wantCode(t, err, twofetch.ECONFLICT)
		err = s.CreateTenant(ctx, &twofetch.Tenant{ID: tn.ID, Name: "same id"})
		wantCode(t, err, twofetch.ECONFLICT)
	})
	t.Run("tenants without tokens", func(t *testing.T) {
		// NULL hashes must not collide with each other in the unique index.
		for i := 0; i < 2; i++ {
			must(t, s.CreateTenant(ctx, &twofetch.Tenant{Name: fmt.Sprint("no token ", i)}))
		}
	})
	t.Run("invalid", func(t *testing.T) {
		wantCode(t, s.CreateTenant(ctx, &twofetch.Tenant{}), twofetch.EINVALID)
		wantCode(t, s.CreateTenant(ctx, &twofetch.Tenant{Name: "x", QuietDays: []time.Weekday{7}}), twofetch.EINVALID)
		wantCode(t, s.CreateTenant(ctx, &twofetch.Tenant{Name: "x", QuietStart: 24}), twofetch.EINVALID)
	})
	t.Run("update", func(t *testing.T) {
		newToken, newHash := twofetch.NewToken("tft")
		tn.Name, tn.TokenHash, tn.QuietDays, tn.WebhookURL = "Acme GmbH", newHash, nil, ""
		must(t, s.UpdateTenant(ctx, tn))
		got, err := s.TenantByTokenHash(ctx, twofetch.HashToken(newToken))
		must(t, err)
		assertEqualJSONish(t, got, tn)
		_, err = s.TenantByTokenHash(ctx, hash)
		wantCode(t, err, twofetch.ENOTFOUND)
		wantCode(t, s.UpdateTenant(ctx, &twofetch.Tenant{ID: "ten_missing", Name: "x"}), twofetch.ENOTFOUND)
	})
	t.Run("revoke", func(t *testing.T) {
		at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
		must(t, s.RevokeTenant(ctx, tn.ID, at))
		_, err := s.TenantByTokenHash(ctx, tn.TokenHash)
		wantCode(t, err, twofetch.ENOTFOUND)
		_, err = s.TenantByAdminTokenHash(ctx, adminHash)
		wantCode(t, err, twofetch.ENOTFOUND)
		// Revoking again keeps the first time.
		must(t, s.RevokeTenant(ctx, tn.ID, at.Add(time.Hour)))
		got, err := s.Tenant(ctx, tn.ID)
		must(t, err)
		if got.RevokedAt == nil || !got.RevokedAt.Equal(at) {
			t.Fatalf("RevokedAt = %v, want %v", got.RevokedAt, at)
		}
		wantCode(t, s.RevokeTenant(ctx, "ten_missing", at), twofetch.ENOTFOUND)
	})
	t.Run("list", func(t *testing.T) {
		all, err := s.ListTenants(ctx)
		must(t, err)
		if len(all) != 3 || all[0].ID != tn.ID || all[0].RevokedAt == nil {
			t.Fatalf("ListTenants = %v", ids(all, func(t *twofetch.Tenant) string { return t.ID }))
		}
	})
}

// assertEqualJSONish compares the fields a caller sees, times by Equal.
func assertEqualJSONish(t *testing.T, got, want any) {
	t.Helper()
	if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
		t.Fatalf("read back:\n got %s\nwant %s", g, w)
	}
}

func testAccounts(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	next := time.Now().Add(time.Hour)
	a := newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.Label = "cust-17"; a.NextRunAt = &next })
	if !strings.HasPrefix(a.ID, "acc_") || a.Status != twofetch.AccountActive || !a.UpdatedAt.Equal(a.CreatedAt) {
		t.Fatalf("CreateAccount defaults: %+v", a)
	}
	for name, get := range map[string]func() (*twofetch.Account, error){
		"Account":     func() (*twofetch.Account, error) { return s.Account(ctx, tn.ID, a.ID) },
		"AccountByID": func() (*twofetch.Account, error) { return s.AccountByID(ctx, a.ID) },
	} {
		got, err := get()
		must(t, err)
		if name == "Account" {
			assertEqualJSONish(t, got, a)
		} else if got.TenantID != tn.ID {
			t.Fatalf("%s: tenant %s", name, got.TenantID)
		}
	}

	last := time.Now()
	a.Status, a.Label, a.HasKey, a.LastRunAt, a.LastOutcome = twofetch.AccountNeedsCustomer, "", true, &last, twofetch.OutcomeBadCredentials
	a.NextRunAt = nil
	before := a.UpdatedAt
	must(t, s.UpdateAccount(ctx, a))
	if a.UpdatedAt.Before(before) {
		t.Fatalf("UpdatedAt went back: %v < %v", a.UpdatedAt, before)
	}
	got, err := s.Account(ctx, tn.ID, a.ID)
	must(t, err)
	assertEqualJSONish(t, got, a)

	wantCode(t, s.CreateAccount(ctx, &twofetch.Account{TenantID: tn.ID, Portal: "x"}), twofetch.EINVALID)
	wantCode(t, s.CreateAccount(ctx, &twofetch.Account{TenantID: "ten_missing", Portal: "x", Username: "u"}), twofetch.EINVALID)
	wantCode(t, s.CreateAccount(ctx, &twofetch.Account{ID: a.ID, TenantID: tn.ID, Portal: "x", Username: "u"}), twofetch.ECONFLICT)
	wantCode(t, s.UpdateAccount(ctx, &twofetch.Account{ID: "acc_missing", TenantID: tn.ID}), twofetch.ENOTFOUND)
	_, err = s.AccountByID(ctx, "acc_missing")
	wantCode(t, err, twofetch.ENOTFOUND)
}

func testAccountPages(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	other, _ := newTenant(t, s, "b")
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Seven accounts, three sharing one creation time so ties are broken by
	// id, created out of order.
	var want []*twofetch.Account
	for i, off := range []int{3, 0, 5, 5, 1, 5, 2} {
		a := newAccount(t, s, tn.ID, func(a *twofetch.Account) {
			a.Username = fmt.Sprint("u", i)
			a.CreatedAt = base.Add(time.Duration(off) * time.Minute)
		})
		want = append(want, a)
	}
	newAccount(t, s, other.ID)
	slices.SortFunc(want, func(x, y *twofetch.Account) int {
		if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(y.ID, x.ID)
	})
	var got []*twofetch.Account
	p := twofetch.Page{Limit: 3}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		page, err := s.ListAccounts(ctx, tn.ID, p)
		must(t, err)
		got = append(got, page...)
		if len(page) < p.Limit {
			break
		}
		p.After = page[len(page)-1].ID
	}
	if !slices.Equal(accountIDs(got), accountIDs(want)) {
		t.Fatalf("pages = %v\nwant    %v", accountIDs(got), accountIDs(want))
	}
	all, err := s.ListAccounts(ctx, tn.ID, twofetch.Page{})
	must(t, err)
	if len(all) != 7 {
		t.Fatalf("default page has %d accounts, want 7", len(all))
	}
	t.Run("bad cursors", func(t *testing.T) {
		for _, after := range []string{"acc_missing", accountIDs(mustList(t, s, other.ID))[0]} {
			_, err := s.ListAccounts(ctx, tn.ID, twofetch.Page{After: after})
			wantCode(t, err, twofetch.EINVALID)
		}
	})
}

func mustList(t *testing.T, s *DB, tenantID string) []*twofetch.Account {
	t.Helper()
	as, err := s.ListAccounts(ctx, tenantID, twofetch.Page{})
	must(t, err)
	return as
}

func testDeleteAccount(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	a := newAccount(t, s, tn.ID)
	keep := newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.Username = "keep" })
	_, hash := twofetch.NewToken("enr")
	e := &twofetch.Enrollment{TenantID: tn.ID, AccountID: a.ID, TokenHash: hash, ExpiresAt: time.Now().Add(time.Hour)}
	must(t, s.CreateEnrollment(ctx, e))
	r := &twofetch.Run{TenantID: tn.ID, AccountID: a.ID, Portal: "example", Trigger: twofetch.TriggerManual}
	must(t, s.CreateRun(ctx, r))
	inv := &twofetch.Invoice{TenantID: tn.ID, AccountID: a.ID, RunID: r.ID, Portal: "example", PortalInvoiceID: "1", SHA256: "aa"}
	must(t, s.CreateInvoice(ctx, inv))
	for _, ref := range []twofetch.SecretRef{{TenantID: tn.ID, AccountID: a.ID, Field: twofetch.FieldPassword},
		{TenantID: tn.ID, AccountID: keep.ID, Field: twofetch.FieldPassword}} {
		must(t, s.PutSecret(ctx, &twofetch.Secret{Ref: ref, Sealed: []byte("sealed"), KeyID: "k1"}))
	}

	must(t, s.DeleteAccount(ctx, tn.ID, a.ID))
	wantCode(t, s.DeleteAccount(ctx, tn.ID, a.ID), twofetch.ENOTFOUND)
	_, err := s.AccountByID(ctx, a.ID)
	wantCode(t, err, twofetch.ENOTFOUND)
	_, err = s.EnrollmentByID(ctx, e.ID)
	wantCode(t, err, twofetch.ENOTFOUND)
	_, err = s.RunByID(ctx, r.ID)
	wantCode(t, err, twofetch.ENOTFOUND)
	_, err = s.GetSecret(ctx, twofetch.SecretRef{TenantID: tn.ID, AccountID: a.ID, Field: twofetch.FieldPassword})
	wantCode(t, err, twofetch.ENOTFOUND)
	// Other accounts' secrets and the deleted account's invoices stay.
	_, err = s.GetSecret(ctx, twofetch.SecretRef{TenantID: tn.ID, AccountID: keep.ID, Field: twofetch.FieldPassword})
	must(t, err)
	_, err = s.Invoice(ctx, tn.ID, inv.ID)
	must(t, err)
}

func testDueAccounts(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	other, _ := newTenant(t, s, "b")
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { return ptr(now.Add(d)) }
	mk := func(tenant string, status twofetch.AccountStatus, next *time.Time) *twofetch.Account {
		return newAccount(t, s, tenant, func(a *twofetch.Account) { a.Status = status; a.NextRunAt = next })
	}
	oldest := mk(tn.ID, twofetch.AccountActive, at(-3*time.Hour))
	otherTenant := mk(other.ID, twofetch.AccountActive, at(-2*time.Hour))
	exactlyNow := mk(tn.ID, twofetch.AccountActive, at(0))
	mk(tn.ID, twofetch.AccountActive, at(time.Nanosecond)) // not yet due
	mk(tn.ID, twofetch.AccountActive, nil)                 // never scheduled
	for _, st := range []twofetch.AccountStatus{twofetch.AccountPaused, twofetch.AccountNeedsEnrollment,
		twofetch.AccountNeedsCustomer, twofetch.AccountNeedsSupport} {
		mk(tn.ID, st, at(-4*time.Hour))
	}
	for _, tc := range []struct {
		name  string
		limit int
		want  []string
	}{
		{"all", 100, []string{oldest.ID, otherTenant.ID, exactlyNow.ID}},
		{"limit", 2, []string{oldest.ID, otherTenant.ID}},
		{"zero limit", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.DueAccounts(ctx, now, tc.limit)
			must(t, err)
			if !slices.Equal(accountIDs(got), tc.want) && !(len(got) == 0 && tc.want == nil) {
				t.Fatalf("due = %v, want %v", accountIDs(got), tc.want)
			}
		})
	}
	// Rescheduling takes an account out of the due set.
	oldest.NextRunAt = at(24 * time.Hour)
	must(t, s.UpdateAccount(ctx, oldest))
	got, err := s.DueAccounts(ctx, now, 100)
	must(t, err)
	if !slices.Equal(accountIDs(got), []string{otherTenant.ID, exactlyNow.ID}) {
		t.Fatalf("due after reschedule = %v", accountIDs(got))
	}
}

// testDueLoginAccounts: the accounts of the given logins that are active
// and due, and no others.
func testDueLoginAccounts(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { return ptr(now.Add(d)) }
	first := newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.NextRunAt = at(-time.Hour) })
	behind := func(login string, status twofetch.AccountStatus, next *time.Time) *twofetch.Account {
		return newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.LoginID = login; a.Status = status; a.NextRunAt = next })
	}
	due := behind(first.LoginID, twofetch.AccountActive, at(0))
	behind(first.LoginID, twofetch.AccountActive, at(time.Minute))       // not yet due
	behind(first.LoginID, twofetch.AccountNeedsCustomer, at(-time.Hour)) // not active
	other := newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.NextRunAt = at(-time.Hour) })
	got, err := s.DueLoginAccounts(ctx, now, []string{first.LoginID})
	must(t, err)
	want := []string{first.ID, due.ID}
	slices.Sort(want)
	if !slices.Equal(accountIDs(got), want) {
		t.Fatalf("due behind the login = %v, want %v", accountIDs(got), want)
	}
	got, err = s.DueLoginAccounts(ctx, now, []string{first.LoginID, other.LoginID})
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("due behind two logins = %v", accountIDs(got))
	}
	if got, err := s.DueLoginAccounts(ctx, now, nil); err != nil || len(got) != 0 {
		t.Fatalf("no logins: %v, %v", accountIDs(got), err)
	}
}

// testCredentials: an account's and its login's credential values come
// back as stored; a login of another tenant is not changed.
func testCredentials(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	other, _ := newTenant(t, s, "b")
	a := newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.Credentials = map[string]string{"workspace": "acme"} })
	got, err := s.Account(ctx, tn.ID, a.ID)
	must(t, err)
	if got.Credentials["workspace"] != "acme" || len(got.Credentials) != 1 {
		t.Fatalf("account credentials %v", got.Credentials)
	}
	l, err := s.Login(ctx, tn.ID, a.LoginID)
	must(t, err)
	if len(l.Credentials) != 0 {
		t.Fatalf("new login has credentials %v", l.Credentials)
	}
	must(t, s.SetLoginCredentials(ctx, tn.ID, a.LoginID, map[string]string{"customer_number": "K-1234"}))
	l, err = s.LoginByID(ctx, a.LoginID)
	must(t, err)
	if l.Credentials["customer_number"] != "K-1234" {
		t.Fatalf("login credentials %v", l.Credentials)
	}
	if err := s.SetLoginCredentials(ctx, other.ID, a.LoginID, map[string]string{"customer_number": "X"}); !twofetch.IsNotFound(err) {
		t.Fatalf("another tenant set the login's credentials: %v", err)
	}
	must(t, s.SetLoginCredentials(ctx, tn.ID, a.LoginID, nil))
	l, err = s.LoginByID(ctx, a.LoginID)
	must(t, err)
	if len(l.Credentials) != 0 {
		t.Fatalf("cleared login credentials %v", l.Credentials)
	}
	if v := twofetch.CredentialValues(&twofetch.Login{Credentials: map[string]string{"workspace": "old", "customer_number": "1"}}, got); v["workspace"] != "acme" || v["customer_number"] != "1" {
		t.Fatalf("values for a run %v: want the account's over the login's", v)
	}
}

func testSetNextRuns(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	active := newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.NextRunAt = ptr(now.Add(-time.Hour)) })
	paused := newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.Status = twofetch.AccountPaused; a.NextRunAt = ptr(now.Add(-time.Hour)) })
	later := now.Add(24*time.Hour + 123*time.Nanosecond)
	must(t, s.SetNextRuns(ctx, map[string]time.Time{active.ID: later, paused.ID: later, "acc_missing": later}))
	must(t, s.SetNextRuns(ctx, nil))
	got, err := s.Account(ctx, tn.ID, active.ID)
	must(t, err)
	if got.NextRunAt == nil || !got.NextRunAt.Equal(later) || got.Status != twofetch.AccountActive {
		t.Fatalf("active account next run = %v, status %s; want %v", got.NextRunAt, got.Status, later)
	}
	got, err = s.Account(ctx, tn.ID, paused.ID)
	must(t, err)
	if !got.NextRunAt.Equal(now.Add(-time.Hour)) {
		t.Fatalf("a paused account was rescheduled to %v", got.NextRunAt)
	}
}

// testDueAccountsIndex checks that the scheduler's query is answered from
// the partial index, the property that keeps it cheap at a million rows.
func testDueAccountsIndex(t *testing.T, s *DB) {
	conn, err := s.r.Conn(ctx)
	must(t, err)
	defer conn.Close()
	q := s.q(`SELECT ` + accountColumns + ` FROM accounts
		WHERE status = 'active' AND next_run_at <= ? ORDER BY next_run_at, id LIMIT ?`)
	var explain string
	if s.dialect == dialectPostgres {
		// On an empty table the planner rightly prefers a scan; forbid it to
		// see whether the index can serve the query at all.
		_, err := conn.ExecContext(ctx, "SET enable_seqscan = off")
		must(t, err)
		defer conn.ExecContext(ctx, "RESET enable_seqscan")
		explain = "EXPLAIN " + q
	} else {
		explain = "EXPLAIN QUERY PLAN " + q
	}
	rows, err := conn.QueryContext(ctx, explain, int64(1), 10)
	must(t, err)
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		must(t, rows.Scan(ptrs...))
		fmt.Fprintln(&plan, vals...)
	}
	must(t, rows.Err())
	if !strings.Contains(plan.String(), "accounts_due") {
		t.Fatalf("due-accounts query does not use index accounts_due:\n%s", plan.String())
	}
	if twofetch.AccountActive != "active" {
		t.Fatal("the partial index and DueAccounts spell the active status as 'active'")
	}
}

func testEnrollments(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	other, _ := newTenant(t, s, "b")
	a := newAccount(t, s, tn.ID)
	b := newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.Username = "b" })
	otherAcc := newAccount(t, s, other.ID)
	token, hash := twofetch.NewToken("enr")
	e := &twofetch.Enrollment{TenantID: tn.ID, AccountID: a.ID, Phone: "+491701234567", Language: "de",
		Status: twofetch.EnrollmentSMSSent, TokenHash: hash, SMSCount: 1, ExpiresAt: time.Now().Add(24 * time.Hour)}
	must(t, s.CreateEnrollment(ctx, e))
	got, err := s.Enrollment(ctx, tn.ID, e.ID)
	must(t, err)
	assertEqualJSONish(t, got, e)
	got, err = s.EnrollmentByTokenHash(ctx, twofetch.HashToken(token))
	must(t, err)
	if got.ID != e.ID {
		t.Fatalf("by token: %s", got.ID)
	}
	got, err = s.EnrollmentByID(ctx, e.ID)
	must(t, err)
	assertEqualJSONish(t, got, e)

	confirmed := time.Now()
	e.Status, e.Issuer, e.KeyAccount, e.Error, e.ConfirmedAt, e.TokenHash = twofetch.EnrollmentConfirmed, "Example", "demo@example.com", "", &confirmed, nil
	must(t, s.UpdateEnrollment(ctx, e))
	got, err = s.Enrollment(ctx, tn.ID, e.ID)
	must(t, err)
	assertEqualJSONish(t, got, e)
	// A used link is gone once its hash is cleared.
	_, err = s.EnrollmentByTokenHash(ctx, hash)
	wantCode(t, err, twofetch.ENOTFOUND)

	e2 := &twofetch.Enrollment{TenantID: tn.ID, AccountID: b.ID, ExpiresAt: time.Now().Add(time.Hour),
		CreatedAt: e.CreatedAt.Add(time.Second)}
	must(t, s.CreateEnrollment(ctx, e2))
	if e2.Status != twofetch.EnrollmentPending {
		t.Fatalf("default status %q", e2.Status)
	}
	for _, tc := range []struct {
		account string
		want    []string
	}{{"", []string{e2.ID, e.ID}}, {a.ID, []string{e.ID}}, {b.ID, []string{e2.ID}}, {otherAcc.ID, []string{}}} {
		list, err := s.ListEnrollments(ctx, tn.ID, tc.account)
		must(t, err)
		if got := ids(list, func(e *twofetch.Enrollment) string { return e.ID }); !slices.Equal(got, tc.want) {
			t.Fatalf("ListEnrollments(%q) = %v, want %v", tc.account, got, tc.want)
		}
	}

	t.Run("errors", func(t *testing.T) {
		// An enrolment cannot name another tenant's account.
		err := s.CreateEnrollment(ctx, &twofetch.Enrollment{TenantID: tn.ID, AccountID: otherAcc.ID})
		wantCode(t, err, twofetch.EINVALID)
		_, h2 := twofetch.NewToken("enr")
		must(t, s.CreateEnrollment(ctx, &twofetch.Enrollment{TenantID: tn.ID, AccountID: a.ID, TokenHash: h2}))
		err = s.CreateEnrollment(ctx, &twofetch.Enrollment{TenantID: tn.ID, AccountID: b.ID, TokenHash: h2})
		wantCode(t, err, twofetch.ECONFLICT)
		wantCode(t, s.UpdateEnrollment(ctx, &twofetch.Enrollment{ID: e.ID, TenantID: other.ID}), twofetch.ENOTFOUND)
		_, err = s.EnrollmentByTokenHash(ctx, nil)
		wantCode(t, err, twofetch.ENOTFOUND)
	})
	t.Run("revoked tenant", func(t *testing.T) {
		token, hash := twofetch.NewToken("enr")
		must(t, s.CreateEnrollment(ctx, &twofetch.Enrollment{TenantID: other.ID, AccountID: otherAcc.ID, TokenHash: hash}))
		_, err := s.EnrollmentByTokenHash(ctx, twofetch.HashToken(token))
		must(t, err)
		must(t, s.RevokeTenant(ctx, other.ID, time.Now()))
		_, err = s.EnrollmentByTokenHash(ctx, hash)
		wantCode(t, err, twofetch.ENOTFOUND)
	})
}

func testRuns(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	a := newAccount(t, s, tn.ID)
	b := newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.Username = "b" })
	base := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	mk := func(acc *twofetch.Account, min int, o twofetch.Outcome) *twofetch.Run {
		r := &twofetch.Run{TenantID: tn.ID, AccountID: acc.ID, Portal: acc.Portal, Trigger: twofetch.TriggerSchedule,
			Outcome: o, CreatedAt: base.Add(time.Duration(min) * time.Minute)}
		must(t, s.CreateRun(ctx, r))
		return r
	}
	okRun := mk(a, 0, twofetch.OutcomeOK)
	failed := mk(a, 1, twofetch.OutcomeCaptcha)
	empty := mk(b, 2, twofetch.OutcomeNoDocuments)
	running := mk(b, 3, "")

	started, finished := base.Add(3*time.Minute+time.Second), base.Add(4*time.Minute)
	running.Outcome, running.Detail, running.Attempt, running.NewInvoices = twofetch.OutcomePortalChanged, "no #login", 2, 0
	running.Artifacts, running.StartedAt, running.FinishedAt = "artifacts/r1/", &started, &finished
	must(t, s.UpdateRun(ctx, running))
	got, err := s.Run(ctx, tn.ID, running.ID)
	must(t, err)
	assertEqualJSONish(t, got, running)
	got, err = s.RunByID(ctx, running.ID)
	must(t, err)
	assertEqualJSONish(t, got, running)
	wantCode(t, s.UpdateRun(ctx, &twofetch.Run{ID: "run_missing", TenantID: tn.ID}), twofetch.ENOTFOUND)
	wantCode(t, s.CreateRun(ctx, &twofetch.Run{TenantID: tn.ID, AccountID: "acc_missing"}), twofetch.EINVALID)

	runIDs := func(rs []*twofetch.Run) []string { return ids(rs, func(r *twofetch.Run) string { return r.ID }) }
	for _, tc := range []struct {
		name string
		f    twofetch.RunFilter
		want []string
	}{
		{"tenant", twofetch.RunFilter{TenantID: tn.ID}, []string{running.ID, empty.ID, failed.ID, okRun.ID}},
		{"account", twofetch.RunFilter{TenantID: tn.ID, AccountID: a.ID}, []string{failed.ID, okRun.ID}},
		{"failed", twofetch.RunFilter{TenantID: tn.ID, Failed: true}, []string{running.ID, failed.ID}},
		{"since", twofetch.RunFilter{TenantID: tn.ID, Since: base.Add(2 * time.Minute)}, []string{running.ID, empty.ID}},
		{"page", twofetch.RunFilter{TenantID: tn.ID, Page: twofetch.Page{After: empty.ID, Limit: 1}}, []string{failed.ID}},
		{"every tenant", twofetch.RunFilter{Failed: true}, []string{running.ID, failed.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := s.ListRuns(ctx, tc.f)
			must(t, err)
			if !slices.Equal(runIDs(rs), tc.want) {
				t.Fatalf("ListRuns = %v, want %v", runIDs(rs), tc.want)
			}
		})
	}

	t.Run("expire artifacts", func(t *testing.T) {
		later := finished.Add(time.Hour)
		failed.Artifacts, failed.FinishedAt = "artifacts/r2/", &later
		must(t, s.UpdateRun(ctx, failed))
		dirs, err := s.ExpireArtifacts(ctx, finished.Add(time.Minute))
		must(t, err)
		if !slices.Equal(dirs, []string{"artifacts/r1/"}) {
			t.Fatalf("expired %v", dirs)
		}
		dirs, err = s.ExpireArtifacts(ctx, finished.Add(time.Minute))
		must(t, err)
		if len(dirs) != 0 {
			t.Fatalf("expired twice: %v", dirs)
		}
		got, err := s.RunByID(ctx, running.ID)
		must(t, err)
		if got.Artifacts != "" || got.Outcome != twofetch.OutcomePortalChanged {
			t.Fatalf("after expiry: %+v", got)
		}
		got, err = s.RunByID(ctx, failed.ID)
		must(t, err)
		if got.Artifacts != "artifacts/r2/" {
			t.Fatalf("newer artifacts expired: %+v", got)
		}
	})
}

func testInvoices(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	a := newAccount(t, s, tn.ID)
	b := newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.Username = "b"; a.Portal = "other" })
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	mk := func(acc *twofetch.Account, pid, sha string, min int) *twofetch.Invoice {
		return &twofetch.Invoice{TenantID: tn.ID, AccountID: acc.ID, RunID: "run_x", Portal: acc.Portal,
			PortalInvoiceID: pid, Number: "R-" + pid, Date: "2026-02-28", Amount: "12.34", Currency: "EUR",
			SHA256: sha, Size: 1234, ContentType: "application/pdf", BlobKey: "k/" + sha,
			CreatedAt: base.Add(time.Duration(min) * time.Minute)}
	}
	i1 := mk(a, "INV-1", "sha1", 0)
	must(t, s.CreateInvoice(ctx, i1))
	if i1.Kind != twofetch.KindInvoice {
		t.Fatalf("a document of no kind was stored as %q, want invoice", i1.Kind)
	}
	got, err := s.Invoice(ctx, tn.ID, i1.ID)
	must(t, err)
	assertEqualJSONish(t, got, i1)
	badKind := mk(a, "INV-K", "sha-k", 1)
	badKind.Kind = "bill"
	wantCode(t, s.CreateInvoice(ctx, badKind), twofetch.EINVALID)

	for _, tc := range []struct {
		name string
		inv  *twofetch.Invoice
		code string
	}{
		{"same portal id", mk(a, "INV-1", "sha-other", 1), twofetch.ECONFLICT},
		{"same content", mk(a, "INV-2", "sha1", 1), twofetch.ECONFLICT},
		{"no portal id, same content", mk(a, "", "sha1", 1), twofetch.ECONFLICT},
		{"other account, same ids", mk(b, "INV-1", "sha1", 2), ""},
		{"no portal id", withKind(mk(a, "", "sha3", 3), twofetch.KindReceipt), ""},
		{"no portal id again", mk(a, "", "sha4", 4), ""},
		{"no sha256", mk(a, "INV-9", "", 5), twofetch.EINVALID},
		{"unknown tenant", &twofetch.Invoice{TenantID: "ten_missing", AccountID: a.ID, SHA256: "s"}, twofetch.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s.CreateInvoice(ctx, tc.inv), tc.code)
		})
	}

	t.Run("known", func(t *testing.T) {
		// More ids than one query batch, to cross the batch boundary.
		q := []string{"INV-1", "INV-2", ""}
		for i := 0; i < 2*knownBatch; i++ {
			q = append(q, fmt.Sprint("missing-", i))
		}
		known, err := s.KnownInvoiceIDs(ctx, a.ID, q)
		must(t, err)
		if len(known) != 1 || !known["INV-1"] {
			t.Fatalf("known = %v", known)
		}
		known, err = s.KnownInvoiceIDs(ctx, a.ID, nil)
		must(t, err)
		if known == nil || len(known) != 0 {
			t.Fatalf("known(nil) = %#v", known)
		}
		known, err = s.KnownInvoiceIDs(ctx, b.ID, append(q[2:], "INV-1"))
		must(t, err)
		if len(known) != 1 || !known["INV-1"] {
			t.Fatalf("known across batches = %v", known)
		}
	})

	invIDs := func(is []*twofetch.Invoice) []string {
		return ids(is, func(i *twofetch.Invoice) string { return i.ID })
	}
	all, err := s.ListInvoices(ctx, twofetch.InvoiceFilter{TenantID: tn.ID})
	must(t, err)
	if len(all) != 4 {
		t.Fatalf("ListInvoices = %d invoices, want 4", len(all))
	}
	for _, tc := range []struct {
		name string
		f    twofetch.InvoiceFilter
		want []string
	}{
		{"account", twofetch.InvoiceFilter{TenantID: tn.ID, AccountID: b.ID}, invIDs(all[2:3])},
		{"portal", twofetch.InvoiceFilter{TenantID: tn.ID, Portal: "other"}, invIDs(all[2:3])},
		{"kind", twofetch.InvoiceFilter{TenantID: tn.ID, Kind: twofetch.KindReceipt}, invIDs(all[1:2])},
		{"kind invoice", twofetch.InvoiceFilter{TenantID: tn.ID, Kind: twofetch.KindInvoice}, invIDs(append(all[:1:1], all[2:]...))},
		{"kind none", twofetch.InvoiceFilter{TenantID: tn.ID, Kind: twofetch.KindStatement}, nil},
		{"since", twofetch.InvoiceFilter{TenantID: tn.ID, Since: base.Add(3 * time.Minute)}, invIDs(all[:2])},
		{"page", twofetch.InvoiceFilter{TenantID: tn.ID, Page: twofetch.Page{After: all[1].ID, Limit: 2}}, invIDs(all[2:4])},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListInvoices(ctx, tc.f)
			must(t, err)
			if !slices.Equal(invIDs(got), tc.want) {
				t.Fatalf("ListInvoices = %v, want %v", invIDs(got), tc.want)
			}
		})
	}
}

func withKind(inv *twofetch.Invoice, k twofetch.DocumentKind) *twofetch.Invoice {
	inv.Kind = k
	return inv
}

func testSecrets(t *testing.T, s *DB) {
	ref := twofetch.SecretRef{TenantID: "ten_a", AccountID: "acc_a", Field: twofetch.FieldTOTP}
	sec := &twofetch.Secret{Ref: ref, Sealed: []byte{0, 1, 2, 0xff}, KeyID: "k1"}
	must(t, s.PutSecret(ctx, sec))
	if sec.Version != 1 {
		t.Fatalf("first version %d", sec.Version)
	}
	got, err := s.GetSecret(ctx, ref)
	must(t, err)
	assertEqualJSONish(t, got, sec)

	replaced := &twofetch.Secret{Ref: ref, Sealed: []byte("v2"), KeyID: "k1"}
	must(t, s.PutSecret(ctx, replaced))
	if replaced.Version != 2 {
		t.Fatalf("replaced version %d", replaced.Version)
	}

	// sec still holds version 1: its update must lose.
	sec.Sealed, sec.KeyID = []byte("stale"), "k2"
	wantCode(t, s.UpdateSecret(ctx, sec), twofetch.ECONFLICT)
	got, err = s.GetSecret(ctx, ref)
	must(t, err)
	if string(got.Sealed) != "v2" || got.Version != 2 {
		t.Fatalf("conflicting update wrote: %+v", got)
	}
	got.Sealed, got.KeyID = []byte("v3"), "k2"
	must(t, s.UpdateSecret(ctx, got))
	if got.Version != 3 {
		t.Fatalf("version after update %d", got.Version)
	}
	again, err := s.GetSecret(ctx, ref)
	must(t, err)
	assertEqualJSONish(t, again, got)

	for _, f := range []string{twofetch.FieldPassword, twofetch.FieldCookies} {
		must(t, s.PutSecret(ctx, &twofetch.Secret{Ref: twofetch.SecretRef{TenantID: "ten_a", AccountID: "acc_b", Field: f}, Sealed: []byte("x"), KeyID: "k1"}))
	}
	t.Run("not wrapped by", func(t *testing.T) {
		old, err := s.SecretsNotWrappedBy(ctx, "k2", 10)
		must(t, err)
		if len(old) != 2 || old[0].Ref.Field != twofetch.FieldCookies || old[1].Ref.Field != twofetch.FieldPassword {
			t.Fatalf("not wrapped by k2: %+v", old)
		}
		one, err := s.SecretsNotWrappedBy(ctx, "k2", 1)
		must(t, err)
		if len(one) != 1 {
			t.Fatalf("limit 1 gave %d", len(one))
		}
		none, err := s.SecretsNotWrappedBy(ctx, "k2", 0)
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("limit 0 gave %d", len(none))
		}
	})
	t.Run("delete", func(t *testing.T) {
		must(t, s.DeleteSecret(ctx, ref))
		wantCode(t, s.DeleteSecret(ctx, ref), twofetch.ENOTFOUND)
		_, err := s.GetSecret(ctx, ref)
		wantCode(t, err, twofetch.ENOTFOUND)
		wantCode(t, s.UpdateSecret(ctx, got), twofetch.ENOTFOUND)
	})
	t.Run("invalid", func(t *testing.T) {
		wantCode(t, s.PutSecret(ctx, &twofetch.Secret{Ref: ref}), twofetch.EINVALID)
		wantCode(t, s.PutSecret(ctx, &twofetch.Secret{Ref: twofetch.SecretRef{TenantID: "t"}, Sealed: []byte("x")}), twofetch.EINVALID)
	})
}

func testAudit(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	var want []int64
	for i := 0; i < 5; i++ {
		e := &twofetch.AuditEvent{TenantID: tn.ID, Actor: "api", Action: "account.create", Object: fmt.Sprint("acc_", i)}
		must(t, s.Audit(ctx, e))
		if e.ID == 0 || e.At.IsZero() {
			t.Fatalf("Audit did not fill id and time: %+v", e)
		}
		want = append([]int64{e.ID}, want...)
	}
	var got []int64
	p := twofetch.Page{Limit: 2}
	for {
		page, err := s.ListAudit(ctx, tn.ID, p)
		must(t, err)
		for _, e := range page {
			got = append(got, e.ID)
		}
		if len(page) < p.Limit {
			break
		}
		p.After = fmt.Sprint(page[len(page)-1].ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("audit pages %v, want %v", got, want)
	}
	for _, after := range []string{"x", "999999"} {
		_, err := s.ListAudit(ctx, tn.ID, twofetch.Page{After: after})
		wantCode(t, err, twofetch.EINVALID)
	}
	wantCode(t, s.Audit(ctx, &twofetch.AuditEvent{TenantID: tn.ID}), twofetch.EINVALID)
}

// testTenantIsolation checks every tenant-scoped read and write against a
// second tenant's rows.
func testTenantIsolation(t *testing.T, s *DB) {
	mine, _ := newTenant(t, s, "mine")
	theirs, _ := newTenant(t, s, "theirs")
	acc := newAccount(t, s, theirs.ID)
	_, hash := twofetch.NewToken("enr")
	enr := &twofetch.Enrollment{TenantID: theirs.ID, AccountID: acc.ID, TokenHash: hash}
	must(t, s.CreateEnrollment(ctx, enr))
	run := &twofetch.Run{TenantID: theirs.ID, AccountID: acc.ID, Portal: "example"}
	must(t, s.CreateRun(ctx, run))
	inv := &twofetch.Invoice{TenantID: theirs.ID, AccountID: acc.ID, Portal: "example", PortalInvoiceID: "1", SHA256: "s"}
	must(t, s.CreateInvoice(ctx, inv))
	ev := &twofetch.AuditEvent{TenantID: theirs.ID, Action: "account.create", Object: acc.ID}
	must(t, s.Audit(ctx, ev))

	notFound := map[string]func() error{
		"Account": func() error { _, err := s.Account(ctx, mine.ID, acc.ID); return err },
		"UpdateAccount": func() error {
			c := *acc
			c.TenantID, c.Status = mine.ID, twofetch.AccountPaused
			return s.UpdateAccount(ctx, &c)
		},
		"DeleteAccount": func() error { return s.DeleteAccount(ctx, mine.ID, acc.ID) },
		"Enrollment":    func() error { _, err := s.Enrollment(ctx, mine.ID, enr.ID); return err },
		"UpdateEnrollment": func() error {
			c := *enr
			c.TenantID = mine.ID
			return s.UpdateEnrollment(ctx, &c)
		},
		"Run": func() error { _, err := s.Run(ctx, mine.ID, run.ID); return err },
		"UpdateRun": func() error {
			c := *run
			c.TenantID, c.Outcome = mine.ID, twofetch.OutcomeOK
			return s.UpdateRun(ctx, &c)
		},
		"Invoice": func() error { _, err := s.Invoice(ctx, mine.ID, inv.ID); return err },
	}
	for name, f := range notFound {
		t.Run(name, func(t *testing.T) { wantCode(t, f(), twofetch.ENOTFOUND) })
	}
	empty := map[string]func() (int, error){
		"ListAccounts": func() (int, error) { l, err := s.ListAccounts(ctx, mine.ID, twofetch.Page{}); return len(l), err },
		"ListEnrollments": func() (int, error) {
			l, err := s.ListEnrollments(ctx, mine.ID, acc.ID)
			return len(l), err
		},
		"ListRuns": func() (int, error) {
			l, err := s.ListRuns(ctx, twofetch.RunFilter{TenantID: mine.ID, AccountID: acc.ID})
			return len(l), err
		},
		"ListInvoices": func() (int, error) {
			l, err := s.ListInvoices(ctx, twofetch.InvoiceFilter{TenantID: mine.ID, AccountID: acc.ID})
			return len(l), err
		},
		"ListAudit": func() (int, error) { l, err := s.ListAudit(ctx, mine.ID, twofetch.Page{}); return len(l), err },
	}
	for name, f := range empty {
		t.Run(name, func(t *testing.T) {
			n, err := f()
			must(t, err)
			if n != 0 {
				t.Fatalf("%s shows %d rows of another tenant", name, n)
			}
		})
	}
	// Nothing of theirs changed.
	got, err := s.Account(ctx, theirs.ID, acc.ID)
	must(t, err)
	assertEqualJSONish(t, got, acc)
	gotRun, err := s.Run(ctx, theirs.ID, run.ID)
	must(t, err)
	if gotRun.Outcome != "" {
		t.Fatalf("run changed through another tenant: %+v", gotRun)
	}
	// A run or enrolment cannot be attached to another tenant's account.
	wantCode(t, s.CreateRun(ctx, &twofetch.Run{TenantID: mine.ID, AccountID: acc.ID}), twofetch.EINVALID)
	wantCode(t, s.CreateEnrollment(ctx, &twofetch.Enrollment{TenantID: mine.ID, AccountID: acc.ID}), twofetch.EINVALID)
}

func testTimeRoundTrip(t *testing.T, s *DB) {
	zones := []*time.Location{time.UTC, time.FixedZone("X", -7*3600-30*60), time.FixedZone("CEST", 2*3600)}
	for i, loc := range zones {
		created := time.Date(2026, 10, 25, 2, 30, 59, 999999999-i, loc)
		next := time.Now().In(loc) // carries a monotonic reading
		tn, _ := newTenant(t, s, "a")
		a := newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.CreatedAt = created; a.NextRunAt = &next })
		got, err := s.Account(ctx, tn.ID, a.ID)
		must(t, err)
		if !got.CreatedAt.Equal(created) || !got.NextRunAt.Equal(next) {
			t.Fatalf("times changed: created %v -> %v, next %v -> %v", created, got.CreatedAt, next, got.NextRunAt)
		}
		if got.CreatedAt.Location() != time.UTC || got.NextRunAt.Location() != time.UTC {
			t.Fatalf("times not in UTC: %v %v", got.CreatedAt.Location(), got.NextRunAt.Location())
		}
		if got.CreatedAt != a.CreatedAt || *got.NextRunAt != *a.NextRunAt {
			t.Fatalf("caller's struct differs from the stored row: %v vs %v", a.CreatedAt, got.CreatedAt)
		}
	}
	tn, _ := newTenant(t, s, "a")
	wantCode(t, s.CreateAccount(ctx, &twofetch.Account{TenantID: tn.ID, Portal: "p", Username: "u",
		CreatedAt: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}), twofetch.EINVALID)
}

func testInternalErrors(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	_, err := s.exec(ctx, "DROP TABLE audit_events")
	must(t, err)
	err = s.Audit(ctx, &twofetch.AuditEvent{TenantID: tn.ID, Action: "x", Detail: "hunter2"})
	if err == nil {
		t.Fatal("Audit on a dropped table succeeded")
	}
	wantCode(t, err, twofetch.EINTERNAL)
	if msg := twofetch.ErrorMessage(err); msg != "internal error" {
		t.Fatalf("API message %q", msg)
	}
	if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "INSERT") {
		t.Fatalf("error leaks SQL or arguments: %v", err)
	}
	if !strings.Contains(err.Error(), "store: audit") {
		t.Fatalf("error does not name the operation: %v", err)
	}
}

// second opens another handle on s's database, as a second process (web
// next to worker) would.
func second(t *testing.T, s *DB) *DB {
	t.Helper()
	o, err := open(ctx, s.dsn)
	must(t, err)
	t.Cleanup(func() { o.Close() })
	return o
}

// testConcurrentWriters has many goroutines on two handles write at once;
// on SQLite none may fail with "database is locked".
func testConcurrentWriters(t *testing.T, s *DB) {
	handles := []*DB{s, second(t, s)}
	tn, _ := newTenant(t, s, "a")
	const workers, each = 16, 8
	accs := make([]*twofetch.Account, workers)
	for i := range accs {
		accs[i] = newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.Username = fmt.Sprint("u", i) })
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			db := handles[w%len(handles)]
			acc := *accs[w]
			for i := 0; i < each; i++ {
				r := &twofetch.Run{TenantID: tn.ID, AccountID: acc.ID, Portal: acc.Portal, Trigger: twofetch.TriggerSchedule}
				inv := &twofetch.Invoice{TenantID: tn.ID, AccountID: acc.ID, Portal: acc.Portal,
					PortalInvoiceID: fmt.Sprint(i), SHA256: fmt.Sprint(w, "-", i)}
				next := time.Now().Add(24 * time.Hour)
				acc.NextRunAt = &next
				ref := twofetch.SecretRef{TenantID: tn.ID, AccountID: acc.ID, Field: twofetch.FieldCookies}
				for _, op := range []func() error{
					func() error { return db.CreateRun(ctx, r) },
					func() error { return db.CreateInvoice(ctx, inv) },
					func() error { return db.UpdateAccount(ctx, &acc) },
					func() error { return db.PutSecret(ctx, &twofetch.Secret{Ref: ref, Sealed: []byte("c"), KeyID: "k"}) },
					func() error { return db.Audit(ctx, &twofetch.AuditEvent{TenantID: tn.ID, Action: "run", Object: r.ID}) },
					func() error {
						_, err := db.ListRuns(ctx, twofetch.RunFilter{TenantID: tn.ID, Page: twofetch.Page{Limit: 5}})
						return err
					},
					func() error { return db.DeleteAccount(ctx, tn.ID, "acc_missing") },
				} {
					if err := op(); err != nil && !twofetch.IsNotFound(err) {
						errs <- err
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	runs, err := s.ListRuns(ctx, twofetch.RunFilter{TenantID: tn.ID, Page: twofetch.Page{Limit: maxLimit}})
	must(t, err)
	invs, err := s.ListInvoices(ctx, twofetch.InvoiceFilter{TenantID: tn.ID, Page: twofetch.Page{Limit: maxLimit}})
	must(t, err)
	if len(runs) != workers*each || len(invs) != workers*each {
		t.Fatalf("%d runs and %d invoices, want %d each", len(runs), len(invs), workers*each)
	}
	sec, err := s.GetSecret(ctx, twofetch.SecretRef{TenantID: tn.ID, AccountID: accs[0].ID, Field: twofetch.FieldCookies})
	must(t, err)
	if sec.Version != each {
		t.Fatalf("secret version %d after %d puts", sec.Version, each)
	}
}

// testSecretCAS increments a counter held in one secret from many
// goroutines with UpdateSecret's compare-and-set: no increment may be lost.
func testSecretCAS(t *testing.T, s *DB) {
	handles := []*DB{s, second(t, s)}
	ref := twofetch.SecretRef{TenantID: "ten_a", AccountID: "acc_a", Field: twofetch.FieldTOTP}
	must(t, s.PutSecret(ctx, &twofetch.Secret{Ref: ref, Sealed: []byte("0"), KeyID: "k"}))
	const workers, each = 8, 10
	var conflicts atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(db *DB) {
			defer wg.Done()
			for done := 0; done < each; {
				cur, err := db.GetSecret(ctx, ref)
				if err != nil {
					errs <- err
					return
				}
				var n int
				fmt.Sscan(string(cur.Sealed), &n)
				cur.Sealed = []byte(fmt.Sprint(n + 1))
				err = db.UpdateSecret(ctx, cur)
				switch {
				case err == nil:
					done++
				case twofetch.IsConflict(err):
					conflicts.Add(1)
				default:
					errs <- err
					return
				}
			}
		}(handles[w%2])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := s.GetSecret(ctx, ref)
	must(t, err)
	if string(got.Sealed) != fmt.Sprint(workers*each) || got.Version != 1+workers*each {
		t.Fatalf("counter %s at version %d, want %d at %d (%d conflicts)", got.Sealed, got.Version,
			workers*each, 1+workers*each, conflicts.Load())
	}
	t.Logf("%d compare-and-set conflicts", conflicts.Load())
}

// testConcurrentMigrate starts several processes' worth of Migrate on a
// fresh database at once; all must succeed.
func testConcurrentMigrate(t *testing.T, s *DB) {
	var dsn string
	if s.dialect == dialectPostgres {
		dsn = testenv.PostgresURL(t)
	} else {
		dsn = "sqlite:" + filepath.Join(t.TempDir(), "fresh.db")
	}
	var handles []*DB
	for i := 0; i < 4; i++ {
		h, err := open(ctx, dsn)
		must(t, err)
		t.Cleanup(func() { h.Close() })
		handles = append(handles, h)
	}
	errs := make([]error, len(handles))
	var wg sync.WaitGroup
	for i, h := range handles {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = Migrate(ctx, h) }()
	}
	wg.Wait()
	must(t, errors.Join(errs...))
	cur, latest, err := Version(ctx, handles[0])
	must(t, err)
	if cur != latest {
		t.Fatalf("version %d of %d", cur, latest)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct{ name, dsn string }{
		{"empty", " "},
		{"memory", "sqlite::memory:"},
		{"sqlite uri", "sqlite:file:x.db?mode=memory"},
		{"directory", "sqlite:" + t.TempDir()},
		{"unreachable postgres", "postgres://u:pw@127.0.0.1:1/x?connect_timeout=2"},
		{"bad pool size", "postgres://127.0.0.1/x?pool_max_conns=none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, tc.dsn)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", tc.dsn)
			}
			if strings.Contains(err.Error(), ":pw@") {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}

func TestPostgresPoolSize(t *testing.T) {
	u := testenv.PostgresURL(t)
	s, err := open(ctx, u+"&pool_max_conns=3")
	must(t, err)
	defer s.Close()
	if got := s.w.Stats().MaxOpenConnections; got != 3 {
		t.Fatalf("max open connections %d, want 3", got)
	}
	// The parameter must not reach the server as a setting.
	must(t, Migrate(ctx, s))
}

func testPingClose(t *testing.T, s *DB) {
	must(t, s.Ping(ctx))
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.ListTenants(cctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled list: %v", err)
	}
	o := second(t, s)
	must(t, o.Close())
	if err := o.Ping(ctx); err == nil {
		t.Fatal("Ping after Close succeeded")
	}
	// Closing one handle leaves the other working.
	must(t, s.Ping(ctx))
}
