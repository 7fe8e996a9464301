package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/web"
)

func TestEventsAPI(t *testing.T) { onBackends(t, testEventsAPI) }

func testEventsAPI(t *testing.T, pe *pipeEnv) {
	ctx := context.Background()
	var ids []string
	for i := 0; i < 3; i++ {
		inv := &twofetch.Invoice{TenantID: pe.a.ID, AccountID: pe.aAcct.ID, Portal: "demo",
			PortalInvoiceID: fmt.Sprintf("E%d", i), SHA256: fmt.Sprintf("%064d", i), ContentType: "application/pdf"}
		if err := pe.store.CreateInvoice(ctx, inv); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inv.ID)
	}
	other := &twofetch.Invoice{TenantID: pe.b.ID, AccountID: pe.bAcct.ID, Portal: "demo", PortalInvoiceID: "X", SHA256: fmt.Sprintf("%064d", 9)}
	if err := pe.store.CreateInvoice(ctx, other); err != nil {
		t.Fatal(err)
	}
	list := func(query string) web.EventList {
		t.Helper()
		res := pe.do(t, "GET", "/api/v1/events"+query, pe.aAPI, nil)
		if res.status != http.StatusOK {
			t.Fatalf("GET events%s: %d %s", query, res.status, res.body)
		}
		var l web.EventList
		if err := json.Unmarshal(res.body, &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	invoiceOf := func(ev *twofetch.Event) string {
		var inv twofetch.Invoice
		json.Unmarshal(ev.Data, &inv)
		return inv.ID
	}
	var got []string
	after := ""
	for page := 0; page < 5; page++ {
		l := list("?limit=2&after=" + after)
		for _, ev := range l.Events {
			if ev.Type != twofetch.EventInvoiceCreated || ev.TenantID != pe.a.ID {
				t.Fatalf("event %+v", ev)
			}
			got = append(got, invoiceOf(ev))
		}
		if l.Next == "" {
			break
		}
		after = l.Next
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("events announce %v, want %v in order", got, ids)
	}
	if l := list(""); len(l.Events) != 3 {
		t.Errorf("%d events without a cursor, want the tenant's 3", len(l.Events))
	}
	// Another tenant's event is no cursor.
	bEvents, err := pe.store.ListEvents(ctx, pe.b.ID, "", 10)
	if err != nil || len(bEvents) != 1 {
		t.Fatalf("tenant b's events: %v, %v", bEvents, err)
	}
	if res := pe.do(t, "GET", "/api/v1/events?after="+bEvents[0].ID, pe.aAPI, nil); res.status != http.StatusBadRequest {
		t.Errorf("other tenant's event as cursor: %d", res.status)
	}
}
