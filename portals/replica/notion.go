package replica

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Notion's own pages. Sources (read 2026-12-06):
//   - invoiceradar/plugins plugins/notion.json (two versions): sign-in at
//     www.notion.so/login with [name=email] and [name=password]; signed in
//     when #notion-app holds .notion-sidebar-container; the workspace the
//     app last showed is in localStorage under
//     LRU:KeyValueStore2:lastVisitedRouteSpaceId ({"value": SPACE_ID});
//     POST /api/v3/getBillingHistory with {"spaceId", "limit": 100}
//     answers {"events": [{id, timestamp (ms), amount (cents),
//     currencyCode}]}; each invoice is a page, /invoice/{id}, whose
//     .notion-invoice is printed to PDF.
//   - A public Playwright sign-in (klyons1, notion calendar export):
//     e-mail, then button[type=submit], then the password, then
//     button[type=submit] again: two steps on one page.
//   - Notion's help centre (mirrored by atomica.site, presstige.io):
//     Settings & members → Billing → Invoices, "View invoice" shows an
//     itemised copy; each workspace is billed on its own.
//   - notion-py (jamalex/notion-py): the session cookie is token_v2.
//
// GUESSED, no source shows them: the markup of the second-factor step
// (the replica asks for the code on the sign-in page with an
// input[autocomplete=one-time-code]) and of every refusal (a
// [role=alert] in the form), the button texts, the layout inside
// .notion-invoice, and where the app shows the authenticator key (the
// replica's /replica/notion/two-step page). The currency code's case in
// the billing history is assumed lower case, as Stripe, Notion's payment
// processor, writes it.

const notionBase = "https://www.notion.so"

func init() {
	register(&spec{
		ID: "notion", Name: "Notion", Color: "#191919",
		SessionCookie: "token_v2",
		DeviceCookie:  "notion_device",
		Login:         loginSpec{URL: notionBase + "/login"},
		Billing:       billingSpec{URL: notionBase + "/"},
		Settings:      notionBase + "/replica/notion/two-step",
		Mint: func(sum []byte, _ int) (string, string) {
			// Invoice ids look like Stripe's (in_…): Notion bills through
			// Stripe. Assumed; the plugin only passes the id along.
			id := fmt.Sprintf("in_1%X", sum[:8])
			return id, id
		},
		Pages: notionPages,
	})
}

type notionData struct {
	Title, Error, Email, Step, Space string
	Invoice                          *invoiceView
}

func notionPages(p *Portal, rs *Routes) {
	rs.Handle("GET", notionBase+"/login", p.notionLogin)
	rs.Handle("POST", notionBase+"/login", p.notionLoginSubmit)
	rs.Handle("GET", notionBase+"/", p.notionApp)
	rs.Handle("POST", notionBase+"/api/v3/getBillingHistory", p.notionBillingHistory)
	rs.Handle("GET", notionBase+"/invoice/{id}", p.notionInvoice)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

// notionSpace is the id of the user's one workspace, stable per user.
func notionSpace(u *user) string {
	s := sha256.Sum256([]byte("notion space/" + u.email))
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

func (p *Portal) notionLogin(w http.ResponseWriter, r *http.Request) {
	if s, st := p.session(r); s != nil && st == stageIn {
		http.Redirect(w, r, notionBase+"/", http.StatusFound)
		return
	}
	notionPageSet.render(w, http.StatusOK, "login", &notionData{Title: "Log in | Notion", Step: "email"})
}

// notionLoginSubmit is each step of the one sign-in page: the e-mail, the
// password, the code.
func (p *Portal) notionLoginSubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	d := &notionData{Title: "Log in | Notion", Email: strings.TrimSpace(r.PostForm.Get("email"))}
	if code, ok := r.PostForm["code"]; ok {
		s, st := p.session(r)
		if s == nil || st != stage2FA {
			http.Redirect(w, r, notionBase+"/login", http.StatusFound)
			return
		}
		if !p.verifyCode(s, strings.Join(code, "")) {
			d.Step, d.Error = "code", "That code didn't work. Try again." // GUESSED wording
			notionPageSet.render(w, http.StatusOK, "login", d)
			return
		}
		http.Redirect(w, r, notionBase+"/", http.StatusFound)
		return
	}
	pw, ok := r.PostForm["password"]
	if !ok {
		d.Step = "password"
		notionPageSet.render(w, http.StatusOK, "login", d)
		return
	}
	u := p.lookup(d.Email)
	if !p.passwordOK(u, strings.Join(pw, "")) {
		d.Step, d.Error = "password", "Incorrect password." // GUESSED wording
		notionPageSet.render(w, http.StatusOK, "login", d)
		return
	}
	if _, st := p.signIn(w, r, u, true); st == stageIn {
		http.Redirect(w, r, notionBase+"/", http.StatusFound)
		return
	}
	d.Step = "code"
	notionPageSet.render(w, http.StatusOK, "login", d)
}

func (p *Portal) notionApp(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || st != stageIn {
		http.Redirect(w, r, notionBase+"/login", http.StatusFound)
		return
	}
	notionPageSet.render(w, http.StatusOK, "app", &notionData{Title: "Notion", Email: s.user.email, Space: notionSpace(s.user)})
}

type notionEvent struct {
	ID           string `json:"id"`
	Timestamp    int64  `json:"timestamp"`
	Amount       int64  `json:"amount"`
	CurrencyCode string `json:"currencyCode"`
}

func (p *Portal) notionBillingHistory(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || st != stageIn {
		writeJSON(w, http.StatusUnauthorized, []byte(`{"errorId":"unauthorized","name":"UnauthorizedError"}`))
		return
	}
	var q struct {
		SpaceID string `json:"spaceId"`
		Limit   int    `json:"limit"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&q); err != nil || q.SpaceID != notionSpace(s.user) {
		writeJSON(w, http.StatusBadRequest, []byte(`{"errorId":"invalid_input","name":"ValidationError"}`))
		return
	}
	p.mu.Lock()
	invs := p.invoices[s.user]
	events := make([]notionEvent, 0, len(invs))
	for i := len(invs) - 1; i >= 0 && (q.Limit <= 0 || len(events) < q.Limit); i-- {
		inv := invs[i]
		events = append(events, notionEvent{ID: inv.ID, Timestamp: inv.Date.UnixMilli(), Amount: inv.Amount,
			CurrencyCode: strings.ToLower(inv.Currency)})
	}
	p.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"events": events})
	writeJSON(w, http.StatusOK, b)
}

func (p *Portal) notionInvoice(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || st != stageIn {
		http.Redirect(w, r, notionBase+"/login", http.StatusFound)
		return
	}
	inv := p.invoice(s.user, r.PathValue("id"))
	if inv == nil {
		http.NotFound(w, r)
		return
	}
	p.mu.Lock()
	p.stats.Downloads++
	p.mu.Unlock()
	notionPageSet.render(w, http.StatusOK, "invoice", &notionData{Title: "Invoice " + inv.Number, Email: s.user.email, Invoice: inv})
}

const notionLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:ui-sans-serif,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#37352f}
.login{width:320px;margin:80px auto}.login h1{font-size:24px}
.login input{display:block;width:100%;box-sizing:border-box;padding:6px 10px;margin:4px 0 12px;border:1px solid #ddd;border-radius:4px}
.login button{width:100%;padding:8px;background:#2383e2;color:#fff;border:0;border-radius:4px}
[role=alert]{color:#eb5757;margin:8px 0}
#notion-app{display:flex;min-height:100vh}.notion-sidebar-container{width:240px;background:#f7f7f5;padding:12px}
.notion-invoice{max-width:640px;margin:40px auto;border:1px solid #eee;padding:32px}
.notion-invoice table{width:100%;border-collapse:collapse}.notion-invoice td{padding:6px 0;border-top:1px solid #eee}
@media print{.notion-invoice{border:0;margin:0}}
</style></head><body>{{template "content" .}}</body></html>{{end}}`

var notionPageSet = newPageSet(notionLayout, map[string]string{
	"login": `{{define "content"}}<main class="login"><h1>Log in</h1>
<form method="post" action="/login">
{{with .Error}}<div role="alert">{{.}}</div>{{end}}
{{if eq .Step "email"}}<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" placeholder="Enter your email address...">
<button type="submit">Continue</button>
{{else if eq .Step "password"}}<input type="hidden" name="email" value="{{.Email}}"><p>{{.Email}}</p>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" placeholder="Enter your password...">
<button type="submit">Continue with password</button>
{{else}}<input type="hidden" name="email" value="{{.Email}}">
<p>Enter the 6-digit code from your authenticator app.</p>
<input name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="6">
<button type="submit">Continue</button>{{end}}
</form></main>{{end}}`,

	"app": `{{define "content"}}<div id="notion-app"><div class="notion-sidebar-container"><div>{{.Email}}'s Notion</div>
<div>Settings &amp; members</div></div><main><h1>Getting started</h1></main></div>
<script>localStorage.setItem('LRU:KeyValueStore2:lastVisitedRouteSpaceId', JSON.stringify({value: '{{.Space}}'}));</script>{{end}}`,

	"invoice": `{{define "content"}}{{with .Invoice}}<div class="notion-invoice"><h1>Invoice</h1>
<p>Invoice number <span class="number">{{.Number}}</span></p><p>Date of issue <span class="date">{{.ShownDate}}</span></p>
<table><tr><td>Notion Plus</td><td class="total">{{.Shown}}</td></tr><tr><td>Amount paid</td><td>{{.Shown}}</td></tr></table>
</div>{{end}}{{end}}`,
}, nil)
