package store

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/vault"
)

func TestLoginsSQLite(t *testing.T)   { runLoginSuite(t, openSQLiteTest) }
func TestLoginsPostgres(t *testing.T) { runLoginSuite(t, openPostgresTest) }

func runLoginSuite(t *testing.T, open opener) {
	for _, tc := range []struct {
		name string
		f    func(t *testing.T, s *DB)
	}{
		{"SharedLogin", testSharedLogin},
		{"ConfirmLoginKey", testConfirmLoginKey},
		{"DeleteSharedAccount", testDeleteSharedAccount},
		{"EnrollmentLogin", testEnrollmentLogin},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, open(t)) })
	}
}

func testSharedLogin(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	other, _ := newTenant(t, s, "b")
	de := newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.Portal = "amazon-de"; a.Username = "ada@example.com" })
	if de.LoginID != de.ID {
		t.Fatalf("an account created without a login has login %q, want its own id %q", de.LoginID, de.ID)
	}
	l, err := s.Login(ctx, tn.ID, de.ID)
	must(t, err)
	if l.Portal != "amazon-de" || l.Username != "ada@example.com" || l.HasKey {
		t.Fatalf("the account's own login: %+v", l)
	}
	fr := newAccount(t, s, tn.ID, func(a *twofetch.Account) {
		a.Portal, a.Username, a.LoginID = "amazon-fr", "ada@example.com", de.LoginID
	})
	got, err := s.Account(ctx, tn.ID, fr.ID)
	must(t, err)
	if got.LoginID != de.ID {
		t.Fatalf("joined account reads login %q, want %q", got.LoginID, de.ID)
	}
	as, err := s.LoginAccounts(ctx, tn.ID, de.ID)
	must(t, err)
	if ids := ids(as, func(a *twofetch.Account) string { return a.ID }); !slices.Equal(ids, []string{de.ID, fr.ID}) {
		t.Fatalf("LoginAccounts = %v, want %v", ids, []string{de.ID, fr.ID})
	}

	// Another tenant can neither join nor see the login.
	err = s.CreateAccount(ctx, &twofetch.Account{TenantID: other.ID, Portal: "amazon-fr", Username: "x", LoginID: de.ID})
	wantCode(t, err, twofetch.EINVALID)
	_, err = s.Login(ctx, other.ID, de.ID)
	wantCode(t, err, twofetch.ENOTFOUND)
	as, err = s.LoginAccounts(ctx, other.ID, de.ID)
	must(t, err)
	if len(as) != 0 {
		t.Fatalf("another tenant sees %d accounts of the login", len(as))
	}
	err = s.CreateAccount(ctx, &twofetch.Account{TenantID: tn.ID, Portal: "amazon-fr", Username: "x", LoginID: "lgn_missing"})
	wantCode(t, err, twofetch.EINVALID)

	// A login created on its own, found by family portals and username.
	g := &twofetch.Login{TenantID: tn.ID, Portal: "google-ads", Username: "ada@example.com"}
	must(t, s.CreateLogin(ctx, g))
	wantCode(t, s.CreateLogin(ctx, &twofetch.Login{TenantID: tn.ID, Portal: "google-ads"}), twofetch.EINVALID)
	for _, c := range []struct {
		user    string
		portals []string
		want    []string
	}{
		{"ada@example.com", []string{"amazon-de", "amazon-fr", "audible-de"}, []string{de.ID}},
		{"ada@example.com", []string{"google-ads", "google-workspace"}, []string{g.ID}},
		{"bob@example.com", []string{"amazon-de"}, nil},
		{"ada@example.com", nil, nil},
	} {
		ls, err := s.FindLogins(ctx, tn.ID, c.user, c.portals)
		must(t, err)
		if got := ids(ls, func(l *twofetch.Login) string { return l.ID }); !slices.Equal(got, c.want) {
			t.Errorf("FindLogins(%s, %v) = %v, want %v", c.user, c.portals, got, c.want)
		}
	}
	ls, err := s.FindLogins(ctx, other.ID, "ada@example.com", []string{"amazon-de"})
	must(t, err)
	if len(ls) != 0 {
		t.Fatalf("another tenant finds %d logins", len(ls))
	}
}

func testConfirmLoginKey(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	waiting := func(a *twofetch.Account) { a.Status = twofetch.AccountNeedsEnrollment }
	a := newAccount(t, s, tn.ID, waiting)
	b := newAccount(t, s, tn.ID, waiting, func(x *twofetch.Account) { x.LoginID = a.LoginID })
	paused := newAccount(t, s, tn.ID, func(x *twofetch.Account) { x.LoginID = a.LoginID; x.Status = twofetch.AccountPaused })
	alone := newAccount(t, s, tn.ID, waiting)

	got, err := s.ConfirmKey(ctx, tn.ID, b.ID)
	must(t, err)
	if got.ID != b.ID || !got.HasKey || got.Status != twofetch.AccountActive || got.StateVersion == b.StateVersion {
		t.Fatalf("ConfirmKey returned %+v", got)
	}
	for _, c := range []struct {
		a      *twofetch.Account
		key    bool
		status twofetch.AccountStatus
	}{
		{a, true, twofetch.AccountActive}, {b, true, twofetch.AccountActive},
		{paused, true, twofetch.AccountPaused}, {alone, false, twofetch.AccountNeedsEnrollment},
	} {
		got, err := s.AccountByID(ctx, c.a.ID)
		must(t, err)
		if got.HasKey != c.key || got.Status != c.status {
			t.Errorf("account %s after its login's key: has_key %v status %s, want %v %s", c.a.ID, got.HasKey, got.Status, c.key, c.status)
		}
	}
	l, err := s.LoginByID(ctx, a.LoginID)
	must(t, err)
	if !l.HasKey {
		t.Fatal("the login does not record its key")
	}
	// An account joining a login with a key has it too.
	late := newAccount(t, s, tn.ID, func(x *twofetch.Account) { x.LoginID = a.LoginID })
	if !late.HasKey {
		t.Fatal("an account joining a login with a key reports none")
	}

	as, err := s.ConfirmLoginKey(ctx, tn.ID, alone.LoginID)
	must(t, err)
	if len(as) != 1 || as[0].ID != alone.ID || !as[0].HasKey || as[0].Status != twofetch.AccountActive {
		t.Fatalf("ConfirmLoginKey = %+v", as)
	}
	other, _ := newTenant(t, s, "b")
	_, err = s.ConfirmLoginKey(ctx, other.ID, alone.LoginID)
	wantCode(t, err, twofetch.ENOTFOUND)
}

func testDeleteSharedAccount(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	a := newAccount(t, s, tn.ID)
	b := newAccount(t, s, tn.ID, func(x *twofetch.Account) { x.LoginID = a.LoginID })
	ref := twofetch.LoginSecret(a, twofetch.FieldPassword)
	must(t, s.PutSecret(ctx, &twofetch.Secret{Ref: ref, Sealed: []byte("sealed"), KeyID: "k1"}))

	// The login's first account goes; the login and its secrets stay for
	// the other.
	must(t, s.DeleteAccount(ctx, tn.ID, a.ID))
	_, err := s.GetSecret(ctx, twofetch.LoginSecret(b, twofetch.FieldPassword))
	must(t, err)
	_, err = s.Login(ctx, tn.ID, a.LoginID)
	must(t, err)

	must(t, s.DeleteAccount(ctx, tn.ID, b.ID))
	_, err = s.GetSecret(ctx, ref)
	wantCode(t, err, twofetch.ENOTFOUND)
	_, err = s.Login(ctx, tn.ID, a.LoginID)
	wantCode(t, err, twofetch.ENOTFOUND)
}

func testEnrollmentLogin(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "a")
	a := newAccount(t, s, tn.ID)
	b := newAccount(t, s, tn.ID, func(x *twofetch.Account) { x.LoginID = a.LoginID })
	elsewhere := newAccount(t, s, tn.ID)
	e := &twofetch.Enrollment{TenantID: tn.ID, AccountID: b.ID, ExpiresAt: time.Now().Add(time.Hour)}
	must(t, s.CreateEnrollment(ctx, e))
	got, err := s.Enrollment(ctx, tn.ID, e.ID)
	must(t, err)
	if got.LoginID != a.LoginID {
		t.Fatalf("enrolment through account %s is of login %q, want %q", b.ID, got.LoginID, a.LoginID)
	}
	bad := &twofetch.Enrollment{TenantID: tn.ID, AccountID: b.ID, LoginID: elsewhere.LoginID, ExpiresAt: time.Now().Add(time.Hour)}
	wantCode(t, s.CreateEnrollment(ctx, bad), twofetch.EINVALID)
}

func TestLoginMigrationSQLite(t *testing.T) {
	testLoginMigration(t, "sqlite:"+filepath.Join(t.TempDir(), "twofetch.db"))
}

func TestLoginMigrationPostgres(t *testing.T) {
	testLoginMigration(t, testenv.PostgresURL(t))
}

// testLoginMigration fills a database of the schema before logins, with
// secrets sealed by the vault, migrates it, and checks that every account
// has become its own login whose secrets still open and that a second
// account can share.
func testLoginMigration(t *testing.T, dsn string) {
	db, exec := openAtVersion(t, dsn, 5)
	created := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC).UnixNano()
	exec(`INSERT INTO tenants (id, name, created_at) VALUES ('ten_m', 'm', ?)`, created)
	for _, a := range []struct {
		id, portal, user string
		key              bool
	}{{"acc_m1", "amazon-de", "ada@example.com", true}, {"acc_m2", "github", "ada", false}} {
		exec(`INSERT INTO accounts (id, tenant_id, portal, username, status, has_key, created_at, updated_at)
			VALUES (?, 'ten_m', ?, ?, 'active', ?, ?, ?)`, a.id, a.portal, a.user, a.key, created, created)
	}
	exec(`INSERT INTO enrollments (id, tenant_id, account_id, status, created_at, updated_at)
		VALUES ('enr_m', 'ten_m', 'acc_m1', 'confirmed', ?, ?)`, created, created)
	exec(`INSERT INTO runs (id, tenant_id, account_id, portal, created_at) VALUES ('run_m', 'ten_m', 'acc_m1', 'amazon-de', ?)`, created)

	k, err := vault.OpenKeyring(filepath.Join(t.TempDir(), "keyring.json"))
	must(t, err)
	v, err := vault.New(vault.Config{Store: db, KEK: k})
	must(t, err)
	old := twofetch.SecretRef{TenantID: "ten_m", AccountID: "acc_m1", Field: twofetch.FieldPassword}
	must(t, v.Seal(ctx, old, []byte("hunter2")))

	must(t, Migrate(ctx, db))

	for _, id := range []string{"acc_m1", "acc_m2"} {
		a, err := db.Account(ctx, "ten_m", id)
		must(t, err)
		l, err := db.Login(ctx, "ten_m", a.LoginID)
		must(t, err)
		if a.LoginID != id || l.Portal != a.Portal || l.Username != a.Username || l.HasKey != a.HasKey ||
			!l.CreatedAt.Equal(a.CreatedAt) {
			t.Fatalf("account %+v migrated to login %+v", a, l)
		}
	}
	e, err := db.Enrollment(ctx, "ten_m", "enr_m")
	must(t, err)
	if e.LoginID != "acc_m1" {
		t.Fatalf("migrated enrolment is of login %q", e.LoginID)
	}
	var runLogin string
	must(t, db.queryRow(ctx, `SELECT login_id FROM runs WHERE id = 'run_m'`).Scan(&runLogin))
	if runLogin != "acc_m1" {
		t.Fatalf("migrated run is of login %q", runLogin)
	}

	// The secret opens as the login's, for the migrated account and for a
	// new account behind the same login, without being sealed again.
	fr := &twofetch.Account{TenantID: "ten_m", Portal: "amazon-fr", Username: "ada@example.com", LoginID: "acc_m1"}
	must(t, db.CreateAccount(ctx, fr))
	for _, a := range []string{"acc_m1", fr.ID} {
		acc, err := db.Account(ctx, "ten_m", a)
		must(t, err)
		got, err := v.Open(ctx, twofetch.LoginSecret(acc, twofetch.FieldPassword))
		must(t, err)
		if string(got) != "hunter2" {
			t.Fatalf("account %s opens %q", a, got)
		}
	}
	// A value sealed for one login does not open as another's.
	other, err := db.Account(ctx, "ten_m", "acc_m2")
	must(t, err)
	s, err := db.GetSecret(ctx, old)
	must(t, err)
	s.Ref = twofetch.LoginSecret(other, twofetch.FieldPassword)
	must(t, db.PutSecret(ctx, s))
	if _, err := v.Open(ctx, s.Ref); err == nil {
		t.Fatal("a sealed value copied to another login opened")
	}
}
