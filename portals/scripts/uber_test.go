package scripts_test

import (
	"context"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
)

// Uber's trip receipts are receipts; where Uber sends a code by text
// message instead of asking for the security app's, the run says so.
func init() {
	kinds["uber"] = twofetch.KindReceipt
	further["uber"] = []misbehaviour{
		{name: "code by text message", mode: replica.NewDevice, want: twofetch.OutcomeUnsupported2FA},
	}
}

// TestUberWindow runs the Uber script with a start date: only trips from
// then on are asked for and stored.
func TestUberWindow(t *testing.T) {
	e := setup(t)
	p := e.srv.Portal("uber")
	a := e.account(t, p)
	var newest replica.Invoice
	for _, inv := range p.Invoices(a.email) {
		if inv.Date.After(newest.Date) {
			newest = inv
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := e.runner.Run(ctx, &portals.Job{
		Portal: "uber", Username: a.email, Secrets: a.secrets, Known: a.store.known, Save: a.store.save,
		Since: newest.Date.AddDate(0, 0, -3), ArtifactDir: testenv.Artifacts(t),
	})
	if err != nil || res.Outcome != twofetch.OutcomeOK || res.New != 1 || a.store.docs[newest.ID] == nil {
		t.Fatalf("outcome %s (%v), %d new; want ok and only %s\n%s", res.Outcome, err, res.New, newest.ID, steps(res))
	}
	if d := a.store.docs[newest.ID]; d.Kind != twofetch.KindReceipt || d.Currency != "USD" || d.Date != newest.Date.Format(time.DateOnly) {
		t.Errorf("stored %+v", d)
	}
}
