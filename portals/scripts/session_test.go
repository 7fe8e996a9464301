package scripts_test

import (
	"context"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/portals"
)

// One Amazon account behind Amazon.de and Amazon.fr, run in one session:
// Amazon.de signs in; Amazon.fr, on another domain, finds itself signed
// out of the shared session and signs in by itself there, with the next
// code. Both read their own order history.
func TestFamilySessionAcrossDomains(t *testing.T) {
	e := setup(t)
	de, fr := e.srv.Portal("amazon-de"), e.srv.Portal("amazon-fr")
	a := e.account(t, de)
	if err := fr.AddUserWithKey(a.email, a.secrets.password, a.secrets.key); err != nil {
		t.Fatal(err)
	}
	frStore := &store{docs: map[string]*portals.Document{}}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	job := func(portal string, st *store) *portals.Job {
		return &portals.Job{Portal: portal, Username: a.email, Secrets: a.secrets, Login: "login-" + a.email,
			Known: st.known, Save: st.save, ArtifactDir: testenv.Artifacts(t)}
	}
	deBefore, frBefore := de.Stats(), fr.Stats()
	res, errs := e.runner.RunSession(ctx, []*portals.Job{job("amazon-de", a.store), job("amazon-fr", frStore)})
	for i, r := range res {
		if errs[i] != nil || r.Outcome != twofetch.OutcomeOK {
			t.Fatalf("job %d: %v (%v)\n%s", i, r.Outcome, errs[i], steps(r))
		}
	}
	if n, want := len(a.store.docs), len(de.Invoices(a.email)); n != want {
		t.Errorf("Amazon.de stored %d documents, want %d", n, want)
	}
	if n, want := len(frStore.docs), len(fr.Invoices(a.email)); n != want {
		t.Errorf("Amazon.fr stored %d documents, want %d", n, want)
	}
	deSignIns := de.Stats().PasswordLogins - deBefore.PasswordLogins
	frSignIns := fr.Stats().PasswordLogins - frBefore.PasswordLogins
	if deSignIns != 1 || frSignIns != 1 || a.secrets.codes != 2 {
		t.Errorf("sign-ins: Amazon.de %d, Amazon.fr %d; %d codes; want one each and two codes", deSignIns, frSignIns, a.secrets.codes)
	}
	if res[1].SessionReused {
		t.Error("Amazon.fr says it reused the session, yet signed in by itself")
	}

	// The next day both sessions are in the saved cookies: no sign-in,
	// no code, for either.
	codes := a.secrets.codes
	deBefore, frBefore = de.Stats(), fr.Stats()
	res, errs = e.runner.RunSession(ctx, []*portals.Job{job("amazon-de", a.store), job("amazon-fr", frStore)})
	for i, r := range res {
		if errs[i] != nil || r.Outcome != twofetch.OutcomeNoDocuments || !r.SessionReused {
			t.Errorf("next day, job %d: %v (%v), session reused %v\n%s", i, r.Outcome, errs[i], r.SessionReused, steps(r))
		}
	}
	if a.secrets.codes != codes || de.Stats().PasswordLogins != deBefore.PasswordLogins || fr.Stats().PasswordLogins != frBefore.PasswordLogins {
		t.Errorf("next day: %d codes and %d+%d sign-ins more, want none", a.secrets.codes-codes,
			de.Stats().PasswordLogins-deBefore.PasswordLogins, fr.Stats().PasswordLogins-frBefore.PasswordLogins)
	}
}
