package replica

import (
	"testing"
)

// PayPal's monthly summary is served by the PayPal replica: one site, one
// sign-in, one set of users and statements, started along with it.
func TestPayPalMonthlySummaryIsPayPal(t *testing.T) {
	s, err := Start(Options{Portals: []string{"paypal-monthly-summary"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Portal("paypal-monthly-summary") == nil || s.Portal("paypal-monthly-summary") != s.Portal("paypal") {
		t.Fatalf("the monthly summary is not served by the PayPal replica")
	}
	if DemoKey("paypal-monthly-summary") != DemoKey("paypal") {
		t.Errorf("the monthly summary's demo user has another key than PayPal's")
	}
	hosts := map[string]int{}
	for _, h := range s.Hosts() {
		hosts[h]++
	}
	if hosts["www.paypal.com"] != 1 {
		t.Errorf("www.paypal.com served %d times", hosts["www.paypal.com"])
	}
}
