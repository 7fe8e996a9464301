package scripts_test

import (
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// ImmobilienScout24's own pages: its Okta sign-in offers "do not
// challenge me on this device", which the script ticks, and asks some
// accounts for a code sent by e-mail instead of the authenticator's.
func init() {
	trustsDevice["immobilienscout24"] = true
	further["immobilienscout24"] = []misbehaviour{
		{name: "code by e-mail", mode: replica.NewDevice, want: twofetch.OutcomeUnsupported2FA},
		{name: "changed layout", mode: replica.ChangedLayout, want: twofetch.OutcomePortalChanged},
	}
}

// TestImmobilienScout24Pages runs the script over more invoices than one
// page of the overview holds: every page is read, each invoice stored once.
func TestImmobilienScout24Pages(t *testing.T) {
	e := setup(t)
	p := e.srv.Portal("immobilienscout24")
	a := e.account(t, p)
	for range 9 {
		if _, err := p.AddInvoice(a.email); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.run(t, "immobilienscout24", a)
	if err != nil || res.Outcome != twofetch.OutcomeOK || res.New != 12 {
		t.Fatalf("outcome %s (%v), %d new; want ok, 12 over two pages\n%s", res.Outcome, err, res.New, steps(res))
	}
	for _, inv := range p.Invoices(a.email) {
		if d := a.store.docs[inv.ID]; d == nil || d.Currency != "EUR" {
			t.Errorf("invoice %s stored as %+v", inv.ID, d)
		}
	}
}
