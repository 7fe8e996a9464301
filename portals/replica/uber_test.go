package replica

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch/otpauth"
)

func init() { ownSignIn["uber"] = uberSignInAll }

func uberPassword(t *testing.T, c *http.Client, email, pw string) visit {
	t.Helper()
	v := get(t, c, uberTrips)
	if !strings.HasPrefix(v.url, uberSignIn+"?next_url=") || !strings.Contains(v.body, `id="PHONE_NUMBER_or_EMAIL_ADDRESS"`) {
		t.Fatalf("riders.uber.com without a session: at %s:\n%s", v.url, v.body)
	}
	v = post(t, c, uberSignIn, url.Values{"PHONE_NUMBER_or_EMAIL_ADDRESS": {email}, "next_url": {uberTrips}})
	if !strings.Contains(v.body, `id="PASSWORD"`) {
		t.Fatalf("want the password step:\n%s", v.body)
	}
	return post(t, c, uberSignIn, url.Values{"step": {"password"}, "email": {email}, "PASSWORD": {pw}, "next_url": {uberTrips}})
}

func uberCode(email, code string) url.Values {
	f := url.Values{"step": {"totp"}, "email": {email}, "next_url": {uberTrips}}
	for i, c := range code {
		f.Set("TOTP-"+string(rune('0'+i)), string(c))
	}
	return f
}

func uberSignInAll(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := uberPassword(t, c, email, pw)
	if !strings.Contains(v.body, `id="TOTP-5"`) {
		t.Fatalf("want the security app's code:\n%s", v.body)
	}
	return post(t, c, uberSignIn, uberCode(email, otp))
}

type uberFeed struct {
	Data struct {
		Activities struct {
			Past struct {
				Activities    []uberActivity `json:"activities"`
				NextPageToken *string        `json:"nextPageToken"`
			} `json:"past"`
		} `json:"activities"`
	} `json:"data"`
}

func uberActivities(t *testing.T, c *http.Client, csrf string, vars map[string]any) (int, uberFeed) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"operationName": "Activities", "variables": vars,
		"query": "query Activities($limit: Int) { activities { past(limit: $limit) { activities { uuid } nextPageToken } } }"})
	req, _ := http.NewRequest("POST", uberGraphQL, bytes.NewReader(body))
	req.Header.Set("content-type", "application/json")
	if csrf != "" {
		req.Header.Set("x-csrf-token", csrf)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var f uberFeed
	_ = json.NewDecoder(res.Body).Decode(&f)
	return res.StatusCode, f
}

func TestUberSignInTripsAndReceipts(t *testing.T) {
	s := server(t)
	p := s.Portal("uber")
	email, pw, k := newUser(t, p)

	if v := uberPassword(t, s.Client(), email, pw+"x"); !strings.Contains(v.body, `<p role="alert">The password you entered is incorrect.</p>`) {
		t.Errorf("wrong password:\n%s", v.body)
	}
	c := s.Client()
	uberPassword(t, c, email, pw)
	if status, _ := uberActivities(t, c, "x", nil); status != http.StatusUnauthorized {
		t.Errorf("trips before the code: %d", status)
	}
	if v := post(t, c, uberSignIn, uberCode(email, "000000")); !strings.Contains(v.body, `<p role="alert">`) || !strings.Contains(v.body, `id="TOTP-0"`) {
		t.Fatalf("refused code:\n%s", v.body)
	}
	if v := post(t, c, uberSignIn, uberCode(email, currentCode(t, k, time.Now()))); v.url != uberTrips {
		t.Fatalf("after the code: at %s", v.url)
	}

	if status, _ := uberActivities(t, c, "", nil); status != http.StatusForbidden {
		t.Errorf("without x-csrf-token: %d", status)
	}
	// Three receipts and the cancelled trip, newest first, two a page.
	var got []uberActivity
	vars := map[string]any{"includePast": true, "limit": 2, "orderTypes": []string{"RIDES", "TRAVEL"}, "profileType": "PERSONAL"}
	for page := 0; ; page++ {
		status, f := uberActivities(t, c, "x", vars)
		if status != http.StatusOK || page > 3 {
			t.Fatalf("page %d: %d", page, status)
		}
		got = append(got, f.Data.Activities.Past.Activities...)
		if f.Data.Activities.Past.NextPageToken == nil {
			break
		}
		vars["nextPageToken"] = *f.Data.Activities.Past.NextPageToken
	}
	want := p.Invoices(email)
	if len(got) != len(want)+1 || got[0].UUID != want[0].ID || got[len(got)-1].Description != "Canceled" {
		t.Fatalf("activities %+v, want %d trips newest first and the cancelled one", got, len(want))
	}
	if a := got[0]; !strings.HasPrefix(a.Description, "$") || !strings.HasPrefix(a.Subtitle, want[0].Date.Format("Jan 2, 2006")+" • ") || a.CardURL != uberTrips+"/"+a.UUID {
		t.Errorf("activity %+v", a)
	}
	if _, f := uberActivities(t, c, "x", map[string]any{"profileType": "BUSINESS"}); len(f.Data.Activities.Past.Activities) != 0 {
		t.Errorf("business trips: %+v", f.Data.Activities.Past.Activities)
	}

	if ok, pdf := fetchPDF(t, c, "GET", uberTrips+"/"+got[0].UUID+"/receipt?contentType=PDF", nil); !ok {
		t.Errorf("receipt: %.40q", pdf)
	}
	if res, err := c.Get(uberTrips + "/" + got[len(got)-1].UUID + "/receipt?contentType=PDF"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("the cancelled trip's receipt: %v %v", res.Status, err)
	}
	if v := get(t, s.Client(), uberTrips+"/"+got[0].UUID+"/receipt?contentType=PDF"); !strings.HasPrefix(v.url, uberSignIn) {
		t.Errorf("a receipt without the session: at %s", v.url)
	}

	// A text-message code instead, where an account meets it.
	p.SetMode(NewDevice)
	defer p.SetMode(0)
	if v := uberPassword(t, s.Client(), email, pw); !strings.Contains(v.body, `id="PHONE_SMS_OTP-3"`) {
		t.Errorf("want the text-message code:\n%s", v.body)
	}
}

// The demo user signs in with the demo key; the authenticator is set up
// in the Uber app, so no settings page shows it.
func TestUberDemoUser(t *testing.T) {
	s := server(t)
	keys, err := otpauth.Parse(DemoKey("uber"))
	if err != nil || len(keys) != 1 {
		t.Fatalf("demo key: %v", err)
	}
	if v := uberSignInAll(t, s.Client(), nil, DemoEmail, DemoPassword, currentCode(t, keys[0], time.Now())); v.url != uberTrips {
		t.Fatalf("demo sign-in ended at %s", v.url)
	}
}
