package scripts_test

import (
	"testing"

	"github.com/twofetch/twofetch"
)

// TestAmazonOrderPages runs the Amazon.de script for a customer whose
// orders of one year fill more than one page of the order history.
func TestAmazonOrderPages(t *testing.T) {
	e := setup(t)
	p := e.srv.Portal("amazon-de")
	a := e.account(t, p)
	for range 11 {
		if _, err := p.AddInvoice(a.email); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.run(t, "amazon-de", a)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, steps(res))
	}
	if want := len(p.Invoices(a.email)); res.Outcome != twofetch.OutcomeOK || res.New != want {
		t.Fatalf("outcome %s, %d new; want ok, %d\n%s", res.Outcome, res.New, want, steps(res))
	}
	for _, inv := range p.Invoices(a.email) {
		if a.store.docs[inv.ID] == nil {
			t.Errorf("order %s (%s) not stored", inv.Number, inv.Date.Format("2006-01-02"))
		}
	}
}
