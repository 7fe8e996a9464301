package replica

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Uber's rider pages, as these public sources show them (read 2026-12-06):
//
//   - beak2825/greasyfork_archives js_greasyfork/559030.js ("Uber Receipts
//     Downloader", a userscript on riders.uber.com/*): the page's own
//     POST to https://riders.uber.com/graphql with the headers
//     content-type application/json and x-csrf-token "x", operationName
//     "Activities" and the variables includePast, limit, orderTypes
//     [RIDES, TRAVEL], startTimeMs, endTimeMs and nextPageToken; the
//     answer data.activities.past.activities[] with uuid, title (the
//     destination), subtitle (when), description (the fare, "$…") and
//     cardURL (…/trips/{uuid}), and past.nextPageToken; each receipt as a
//     PDF at https://riders.uber.com/trips/{uuid}/receipt?contentType=PDF.
//   - Other public trip exporters (Python and Node, the code index does
//     not name all their repositories): the same query with profileType
//     PERSONAL or BUSINESS; the session cookies sid and csid; a 404 for
//     the receipt of a cancelled trip; riders.uber.com sends a browser
//     without a session to auth.uber.com.
//   - Public sign-in automations of auth.uber.com (Selenium, Playwright):
//     auth.uber.com/v2/?next_url=…; the phone-or-e-mail field
//     #PHONE_NUMBER_or_EMAIL_ADDRESS and #forward-button; the password in
//     #PASSWORD; a code sent by text message in four boxes
//     #PHONE_SMS_OTP-0…3 ("Enter the 4-digit code sent via SMS").
//   - help.uber.com "Turn on 2-step verification": codes by text message
//     or from a security app, turned on in the Uber app (Account ›
//     Settings › Security › 2-step verification › Set up now); "I'm
//     having trouble" on the screen where the code is entered leads to
//     the backup codes.
//   - 2factorauth/twofactorauth entries/u/uber.com.json: totp and sms,
//     "2FA can only be enabled via the app".
//
// GUESSED, no source shows them: the page that asks for the security
// app's code (six boxes #TOTP-0…5, like the text-message boxes, its
// wording and its #forward-button), the button of the password step, the
// markup and wording of every refusal (a role=alert under the form);
// that each step posts a form to /v2/ (the real page is a script that
// calls Uber's API); the markup of riders.uber.com/trips after sign-in;
// the subtitle's format ("Nov 12, 2026 • 9:41 AM"), the title's words,
// the opaque page token (the replica's offset), the page size the
// answer honours, and "Canceled" as a cancelled trip's description. The
// authenticator is set up only in the Uber app, so the replica has no
// settings page with a QR code.
const (
	uberRiders  = "https://riders.uber.com"
	uberTrips   = uberRiders + "/trips"
	uberAuth    = "https://auth.uber.com"
	uberSignIn  = uberAuth + "/v2/"
	uberGraphQL = uberRiders + "/graphql"
)

func init() {
	register(&spec{
		ID: "uber", Name: "Uber", Currency: "USD", Color: "#000000",
		SessionCookie: "sid", CookieDomain: "uber.com",
		DeviceCookie: "replica-uber-device",
		Login:        loginSpec{URL: uberSignIn},
		Billing:      billingSpec{URL: uberTrips},
		// A trip's receipt is named by the trip's UUID.
		Mint: func(sum []byte, _ int) (string, string) {
			id := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
			return id, id
		},
		Pages: uberPages,
	})
}

type uber struct {
	p     *Portal
	pages pageSet
}

type uberData struct {
	V, Title, Error, Email, Next string
	Step                         string // "email", "password", "totp", "sms"
	Boxes                        []int
}

func uberPages(p *Portal, rs *Routes) {
	x := &uber{p: p, pages: newPageSet(uberLayout, uberPageSources, nil)}
	rs.Handle("GET", uberSignIn, x.signin)
	rs.Handle("POST", uberSignIn, x.signinPost)
	rs.Handle("GET", uberTrips, x.trips)
	rs.Handle("POST", uberGraphQL, x.graphql)
	rs.Handle("GET", uberTrips+"/{uuid}/receipt", x.receipt)
}

func (x *uber) data(step string) *uberData {
	d := &uberData{V: x.p.layoutPrefix(), Title: "Uber", Step: step}
	switch step {
	case "totp":
		d.Boxes = []int{0, 1, 2, 3, 4, 5}
	case "sms":
		d.Boxes = []int{0, 1, 2, 3}
	}
	return d
}

// uberNext is where a sign-in goes on to: next_url, on riders.uber.com only.
func uberNext(v string) string {
	if u, err := url.Parse(v); err == nil && u.Scheme == "https" && u.Host == "riders.uber.com" {
		return v
	}
	return uberTrips
}

func (x *uber) signin(w http.ResponseWriter, r *http.Request) {
	next := uberNext(r.URL.Query().Get("next_url"))
	if s, st := x.p.session(r); s != nil && st == stageIn {
		http.Redirect(w, r, next, http.StatusFound)
		return
	}
	d := x.data("email")
	d.Next = next
	x.pages.render(w, http.StatusOK, "signin", d)
}

// signinPost is every step of the one sign-in address: the phone number
// or e-mail, the password, then the security app's code.
func (x *uber) signinPost(w http.ResponseWriter, r *http.Request) {
	p := x.p
	_ = r.ParseForm()
	v := p.layoutPrefix()
	next := uberNext(r.PostForm.Get("next_url"))
	render := func(step, email, msg string) {
		d := x.data(step)
		d.Email, d.Error, d.Next = email, msg, next
		x.pages.render(w, http.StatusOK, "signin", d)
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	switch r.PostForm.Get("step") {
	case "totp":
		s, st := p.session(r)
		if s == nil || st != stage2FA {
			http.Redirect(w, r, uberSignIn, http.StatusFound)
			return
		}
		var code strings.Builder
		for i := range 6 {
			code.WriteString(r.PostForm.Get(v + "TOTP-" + strconv.Itoa(i)))
		}
		if !p.verifyCode(s, code.String()) {
			render("totp", email, "That code is incorrect. Try again.")
			return
		}
		http.Redirect(w, r, next, http.StatusFound)
	case "password":
		u := p.lookup(email)
		if !p.passwordOK(u, r.PostForm.Get(v+"PASSWORD")) {
			render("password", email, "The password you entered is incorrect.")
			return
		}
		switch _, st := p.signIn(w, r, u, true); st {
		case stageIn:
			http.Redirect(w, r, next, http.StatusFound)
		case stageNewDevice:
			render("sms", email, "")
		default:
			render("totp", email, "")
		}
	default:
		email = strings.TrimSpace(r.PostForm.Get(v + "PHONE_NUMBER_or_EMAIL_ADDRESS"))
		render("password", email, "")
	}
}

func (x *uber) signedIn(w http.ResponseWriter, r *http.Request) *session {
	if s, st := x.p.session(r); s != nil && st == stageIn {
		return s
	}
	http.Redirect(w, r, uberSignIn+"?next_url="+url.QueryEscape(uberRiders+r.URL.RequestURI()), http.StatusFound)
	return nil
}

func (x *uber) trips(w http.ResponseWriter, r *http.Request) {
	s := x.signedIn(w, r)
	if s == nil {
		return
	}
	d := x.data("")
	d.Title, d.Email = "My Trips | Uber", s.user.email
	x.pages.render(w, http.StatusOK, "trips", d)
}

type uberActivity struct {
	UUID        string `json:"uuid"`
	Title       string `json:"title"`
	Subtitle    string `json:"subtitle"`
	Description string `json:"description"`
	CardURL     string `json:"cardURL"`
	Typename    string `json:"__typename"`
}

// uberCancelled is the user's one cancelled trip: listed, with no receipt.
func uberCancelled(u *user) uberActivity {
	s := sha256.Sum256([]byte("uber cancelled/" + u.email))
	id := fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
	return uberActivity{UUID: id, Title: "Canceled trip", Subtitle: "Jan 3, 2025 • 8:02 PM", Description: "Canceled",
		CardURL: uberTrips + "/" + id, Typename: "RVWebCommonActivity"}
}

func (x *uber) graphql(w http.ResponseWriter, r *http.Request) {
	s, st := x.p.session(r)
	if s == nil || st != stageIn {
		writeJSON(w, http.StatusUnauthorized, []byte(`{"errors":[{"message":"unauthorized"}]}`))
		return
	}
	if r.Header.Get("x-csrf-token") == "" {
		writeJSON(w, http.StatusForbidden, []byte(`{"errors":[{"message":"missing csrf token"}]}`))
		return
	}
	var q struct {
		OperationName string `json:"operationName"`
		Variables     struct {
			Limit         int     `json:"limit"`
			NextPageToken string  `json:"nextPageToken"`
			ProfileType   string  `json:"profileType"`
			StartTimeMs   float64 `json:"startTimeMs"`
			EndTimeMs     float64 `json:"endTimeMs"`
		} `json:"variables"`
		Query string `json:"query"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&q); err != nil || q.OperationName != "Activities" || !strings.Contains(q.Query, "activities") {
		writeJSON(w, http.StatusBadRequest, []byte(`{"errors":[{"message":"bad request"}]}`))
		return
	}
	vars := q.Variables
	var all []uberActivity
	// Business trips are another profile's; the replica's user rides
	// privately only.
	if vars.ProfileType == "" || vars.ProfileType == "PERSONAL" {
		for _, inv := range x.p.invoiceViews(s.user) { // newest first
			ms := float64(x.tripTime(s.user, inv.ID).UnixMilli())
			if (vars.StartTimeMs > 0 && ms < vars.StartTimeMs) || (vars.EndTimeMs > 0 && ms > vars.EndTimeMs) {
				continue
			}
			all = append(all, uberActivity{UUID: inv.ID, Title: "123 Main St", Subtitle: inv.ShownDate + " • 9:41 AM",
				Description: inv.Shown, CardURL: uberTrips + "/" + inv.ID, Typename: "RVWebCommonActivity"})
		}
		if vars.StartTimeMs == 0 {
			all = append(all, uberCancelled(s.user))
		}
	}
	from, _ := strconv.Atoi(vars.NextPageToken)
	from = min(max(from, 0), len(all))
	limit := vars.Limit
	if limit <= 0 {
		limit = 5
	}
	to := min(from+limit, len(all))
	var next any
	if to < len(all) {
		next = strconv.Itoa(to)
	}
	b, _ := json.Marshal(map[string]any{"data": map[string]any{"activities": map[string]any{
		"cityID": 5, "__typename": "RVWebCommonActivities",
		"past": map[string]any{"activities": all[from:to], "nextPageToken": next, "__typename": "RVWebCommonActivityFeed"},
	}}})
	writeJSON(w, http.StatusOK, b)
}

// tripTime is when the trip behind a receipt began.
func (x *uber) tripTime(u *user, id string) time.Time {
	x.p.mu.Lock()
	defer x.p.mu.Unlock()
	for _, inv := range x.p.invoices[u] {
		if inv.ID == id {
			return inv.Date
		}
	}
	return time.Time{}
}

func (x *uber) receipt(w http.ResponseWriter, r *http.Request) {
	s := x.signedIn(w, r)
	if s == nil {
		return
	}
	if r.URL.Query().Get("contentType") != "PDF" {
		http.NotFound(w, r)
		return
	}
	x.p.serveInvoicePDF(w, r, s.user, r.PathValue("uuid"), "Uber trip receipt")
}

const uberLayout = `{{define "layout"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:UberMove,"Helvetica Neue",Helvetica,Arial,sans-serif;margin:0;color:#000}
header{background:#000;color:#fff;padding:14px 24px}
main{max-width:420px;margin:48px auto;padding:0 16px}
input{display:block;width:100%;padding:12px;margin:8px 0 16px;font-size:16px;box-sizing:border-box;background:#eee;border:0}
.boxes input{display:inline-block;width:44px;margin-right:8px;text-align:center}
button{width:100%;padding:14px;font-size:16px;background:#000;color:#fff;border:0;border-radius:8px}
[role=alert]{color:#d32f2f;margin:8px 0}
</style></head>
<body><header>Uber</header>{{template "content" .}}</body></html>{{end}}`

var uberPageSources = map[string]string{
	"signin": `{{define "content"}}<main>
<form method="post" action="/v2/">
<input type="hidden" name="next_url" value="{{.Next}}">
{{if eq .Step "email"}}<h1>What's your phone number or email?</h1>
<input id="{{.V}}PHONE_NUMBER_or_EMAIL_ADDRESS" name="{{.V}}PHONE_NUMBER_or_EMAIL_ADDRESS" type="text" autocomplete="username" placeholder="Enter phone number or email">
<button type="submit" id="{{.V}}forward-button">Continue</button>
{{else}}<input type="hidden" name="email" value="{{.Email}}">
{{if eq .Step "password"}}<input type="hidden" name="step" value="password">
<h1>Welcome back</h1><p>{{.Email}}</p>
<input id="{{.V}}PASSWORD" name="{{.V}}PASSWORD" type="password" autocomplete="current-password" placeholder="Enter your password">
{{with .Error}}<p role="alert">{{.}}</p>{{end}}
<button type="submit" id="{{.V}}forward-button">Next</button>
{{else if eq .Step "totp"}}<input type="hidden" name="step" value="totp">
<h1>Enter the code from your security app</h1>
<div class="boxes">{{range .Boxes}}<input id="{{$.V}}TOTP-{{.}}" name="{{$.V}}TOTP-{{.}}" type="text" inputmode="numeric" maxlength="1" autocomplete="one-time-code">{{end}}</div>
{{with .Error}}<p role="alert">{{.}}</p>{{end}}
<button type="submit" id="{{.V}}forward-button">Next</button>
<p><a href="#">I'm having trouble</a></p>
{{else}}<input type="hidden" name="step" value="sms">
<h1>Welcome back. Enter the 4-digit code sent via SMS</h1>
<div class="boxes">{{range .Boxes}}<input id="{{$.V}}PHONE_SMS_OTP-{{.}}" type="text" inputmode="numeric" maxlength="1">{{end}}</div>
{{end}}{{end}}
</form></main>{{end}}`,

	"trips": `{{define "content"}}<main><h1>My Trips</h1><p>{{.Email}}</p><div id="trips" data-baseweb="block"></div></main>{{end}}`,
}
