package scripts_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// OVHcloud's own further outcome: the e-mail check of a device it does
// not know comes before the second factor.
func init() {
	further["ovh"] = []misbehaviour{
		{name: "e-mail check of a new device", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded},
	}
}

// TestOVHRefunds runs the OVHcloud script for a customer who got a
// refund: the refund is stored as a credit note with a negative amount,
// beside the bills, which stay invoices.
func TestOVHRefunds(t *testing.T) {
	e := setup(t)
	p := e.srv.Portal("ovh")
	a := e.account(t, p)
	if res, err := e.run(t, "ovh", a); err != nil || res.New != 3 {
		t.Fatalf("first run: %v, %d new\n%s", err, res.New, steps(res))
	}
	id, err := p.OVHAddRefund(a.email)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.run(t, "ovh", a)
	if err != nil || res.Outcome != twofetch.OutcomeOK || res.New != 1 {
		t.Fatalf("outcome %s (%v), %d new; want ok, the refund\n%s", res.Outcome, err, res.New, steps(res))
	}
	d := a.store.docs[id]
	if d == nil || d.Kind != twofetch.KindCreditNote || !strings.HasPrefix(d.Amount, "-") || d.Currency != "EUR" || !bytes.HasPrefix(d.Data, []byte("%PDF-")) {
		t.Fatalf("refund %s stored as %+v", id, d)
	}
	for _, inv := range p.Invoices(a.email) {
		if k := a.store.docs[inv.ID].Kind; k != twofetch.KindInvoice && k != "" {
			t.Errorf("bill %s stored as %s", inv.ID, k)
		}
	}
}
