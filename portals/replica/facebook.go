package replica

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Facebook's sign-in (www.facebook.com) and Meta's business billing
// (business.facebook.com), as these public sources show them (read
// 2026-12-06):
//
//   - Overflowmike/Testify-Automation-School (Module4_Task4.py),
//     MS-Jahan/Messenger-Bulk-Message-Sender (authenticate.py),
//     johnliu-tw/fb-crawler (broke_auth.py), royeradames/fb-auto-data
//     (Puppeteer/scripts/facebookLoginCases.js): the fields #email
//     (name="email") and #pass (name="pass"), the button #loginbutton; the
//     code in #approvals_code (name="approvals_code") on a checkpoint page,
//     sent by #checkpointSubmitButton, which on the next page saves the
//     browser; a new-device checkpoint asking to choose how to confirm the
//     identity (input[name=verification_method]); an #error_box;
//   - public Facebook automations in the code index whose repositories are
//     not named there: www.facebook.com/login, button[name=login], the
//     checkpoint at /checkpoint (form.checkpoint, the GetMyInvoices-style
//     script's selector), "Submit Code", the c_user cookie of a signed-in
//     browser;
//   - invoiceradar/plugins plugins/meta-ads.json: the payment activity at
//     business.facebook.com/billing_hub/payment_activity/ with asset_id
//     (the ad account), business_id, placement=standalone and
//     date=<from>_<to> in Unix seconds; rows of "table tbody tr" with the
//     transaction id (td 1 a), date (td 2), total (td 3), the document's
//     id (td 6 span) and its PDF link (td 7 a).
//
// Not in any source, and marked where the pages show it: every wording
// other than "Submit Code" and the cookie's name (the refusals, headings,
// the save-browser question, the new-device page's texts), how a refused
// code is shown (the code page comes back empty with a message), where
// business.facebook.com sends a signed-out browser (here to the sign-in
// with next=), the payment activity's columns 4 and 5, the date and
// amount formats, and the PDF's address (the replica's own path). Modes
// Captcha, PushOnly and Terms change nothing.
const (
	fbWWW      = "https://www.facebook.com"
	fbBusiness = "https://business.facebook.com"
	fbActivity = fbBusiness + "/billing_hub/payment_activity/"
	// fbReceipt is where the replica serves a receipt's PDF; the real
	// address is not in the sources.
	fbReceipt = fbBusiness + "/billing_hub/payment_activity/replica-receipt"

	// FacebookAdAccount and FacebookBusiness are the ad account (asset)
	// and business ids the replica's payment activity answers for.
	FacebookAdAccount = "123456789"
	FacebookBusiness  = "123456789876543"
)

func init() {
	register(&spec{
		ID: "facebook", Name: "Facebook", Lang: "en", Currency: "EUR", Color: "#1877f2",
		SessionCookie: "c_user", CookieDomain: "facebook.com",
		DeviceCookie: "replica-fb-device",
		Login:        loginSpec{URL: fbWWW + "/login"},
		Billing:      billingSpec{URL: fbActivity},
		Hosts:        []string{"business.facebook.com"},
		Mint: func(sum []byte, seq int) (string, string) {
			n := fmt.Sprintf("%d%06d", 1000+int(sum[0])%9000, 100000+seq)
			return n, n
		},
		Pages: facebookPages,
	})
}

type fbData struct {
	Error, Next string
	Step        string // "code", "save", "identity"
	Email       string
	V           string
	Rows        []fbRow
}

type fbRow struct {
	Transaction, Date, Total, ID, PDF string
}

func facebookPages(p *Portal, rs *Routes) {
	rs.Handle("GET", fbWWW+"/login", func(w http.ResponseWriter, r *http.Request) {
		if s, st := p.session(r); s != nil && st == stageIn {
			http.Redirect(w, r, fbNext(r.URL.Query().Get("next")), http.StatusFound)
			return
		}
		fbPages.render(w, http.StatusOK, "login", &fbData{Next: r.URL.Query().Get("next"), V: p.layoutPrefix()})
	})
	rs.Handle("POST", fbWWW+"/login", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f := r.PostForm
		d := &fbData{Next: f.Get("next"), Email: strings.TrimSpace(f.Get("email")), V: p.layoutPrefix()}
		u := p.lookup(d.Email)
		if !p.passwordOK(u, f.Get("pass")) {
			d.Error = "The email address or password you entered isn't correct."
			fbPages.render(w, http.StatusOK, "login", d)
			return
		}
		s, st := p.signIn(w, r, u, true)
		switch st {
		case stageIn:
			http.Redirect(w, r, fbNext(d.Next), http.StatusFound)
		case stageNewDevice:
			d.Step = "identity"
			fbPages.render(w, http.StatusOK, "checkpoint", d)
		default:
			_ = s
			http.Redirect(w, r, fbWWW+"/checkpoint/?next="+url.QueryEscape(d.Next), http.StatusFound)
		}
	})
	rs.Handle("GET", fbWWW+"/checkpoint/", func(w http.ResponseWriter, r *http.Request) {
		s, st := p.session(r)
		if s == nil || st != stage2FA {
			http.Redirect(w, r, fbWWW+"/login", http.StatusFound)
			return
		}
		fbPages.render(w, http.StatusOK, "checkpoint", &fbData{Step: "code", Next: r.URL.Query().Get("next"), V: p.layoutPrefix()})
	})
	rs.Handle("POST", fbWWW+"/checkpoint/", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f := r.PostForm
		d := &fbData{Next: f.Get("next"), V: p.layoutPrefix()}
		s, st := p.session(r)
		switch {
		case s != nil && st == stage2FA:
			if !p.verifyCode(s, f.Get("approvals_code")) {
				d.Step, d.Error = "code", "The login code you entered doesn't match the one sent to your phone."
				fbPages.render(w, http.StatusOK, "checkpoint", d)
				return
			}
			p.setStage(s, stageIn)
			d.Step = "save"
			fbPages.render(w, http.StatusOK, "checkpoint", d)
		case s != nil && st == stageIn && f.Get("name_action_selected") != "":
			if f.Get("name_action_selected") == "save_device" {
				p.trustDevice(w, s.user)
			}
			http.Redirect(w, r, fbNext(d.Next), http.StatusFound)
		default:
			http.Redirect(w, r, fbWWW+"/login", http.StatusFound)
		}
	})
	rs.Handle("GET", fbWWW+"/", func(w http.ResponseWriter, r *http.Request) {
		s, st := p.session(r)
		if s == nil || st != stageIn {
			http.Redirect(w, r, fbWWW+"/login", http.StatusFound)
			return
		}
		fbPages.render(w, http.StatusOK, "home", &fbData{Email: s.user.email})
	})
	activity := func(w http.ResponseWriter, r *http.Request) {
		s, st := p.session(r)
		if s == nil || st != stageIn {
			http.Redirect(w, r, fbWWW+"/login?next="+url.QueryEscape("https://"+r.Host+r.URL.RequestURI()), http.StatusFound)
			return
		}
		q := r.URL.Query()
		d := &fbData{Email: s.user.email, V: p.layoutPrefix()}
		if q.Get("asset_id") == FacebookAdAccount && q.Get("business_id") == FacebookBusiness {
			from, to := fbRange(q.Get("date"))
			for _, v := range p.invoiceViews(s.user) {
				day, _ := time.Parse(time.DateOnly, v.ISODate)
				if day.Before(from) || day.After(to) {
					continue
				}
				d.Rows = append(d.Rows, fbRow{Transaction: "T" + v.ID, Date: v.ShownDate, Total: v.Shown, ID: v.Number,
					PDF: fbReceipt + "?txid=" + url.QueryEscape(v.ID)})
			}
		}
		fbPages.render(w, http.StatusOK, "activity", d)
	}
	// The plugin opens the page with and without the trailing slash.
	rs.Handle("GET", fbActivity, activity)
	rs.Handle("GET", strings.TrimSuffix(fbActivity, "/"), activity)
	rs.Handle("GET", fbReceipt, func(w http.ResponseWriter, r *http.Request) {
		s, st := p.session(r)
		if s == nil || st != stageIn {
			http.Redirect(w, r, fbWWW+"/login", http.StatusFound)
			return
		}
		inv := p.invoice(s.user, r.URL.Query().Get("txid"))
		if inv == nil {
			http.Error(w, "Receipt not found", http.StatusNotFound)
			return
		}
		p.servePDF(w, s.user, inv, "Meta Ads Receipt")
	})
}

// fbNext keeps a continue address on Facebook's own hosts.
func fbNext(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Scheme == "https" && (u.Host == "business.facebook.com" || u.Host == "www.facebook.com") {
		return raw
	}
	return fbWWW + "/"
}

// fbRange reads date=<from>_<to> in Unix seconds; without it, everything.
func fbRange(s string) (time.Time, time.Time) {
	from, to, ok := strings.Cut(s, "_")
	f, err1 := strconv.ParseInt(from, 10, 64)
	t, err2 := strconv.ParseInt(to, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Unix(f, 0).UTC().Truncate(24 * time.Hour), time.Unix(t, 0).UTC()
}

const fbLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Facebook</title>
<style>
body{font-family:Helvetica,Arial,sans-serif;margin:0;background:#f0f2f5;color:#1c1e21}
main{max-width:720px;margin:40px auto;background:#fff;padding:24px;border-radius:8px;box-shadow:0 2px 4px rgba(0,0,0,.1)}
input[type=text],input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:12px;font-size:17px;margin:6px 0}
button{padding:10px 20px;font-size:17px;background:#1877f2;color:#fff;border:0;border-radius:6px}
#error_box{background:#ffebe8;border:1px solid #dd3c10;padding:8px;margin:8px 0}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left}
</style></head><body><main>{{template "content" .}}</main></body></html>{{end}}`

// fbPages: the ids and names from the sources; every wording except
// "Submit Code" is assumed.
var fbPages = newPageSet(fbLayout, map[string]string{
	"login": `{{define "content"}}<h1>Log in to Facebook</h1>
{{with .Error}}<div id="error_box" role="alert">{{.}}</div>{{end}}
<form id="{{.V}}login_form" method="post" action="/login">
<input type="hidden" name="next" value="{{.Next}}">
<input type="text" id="{{.V}}email" name="email" placeholder="Email address or phone number" autocomplete="username" value="{{.Email}}">
<input type="password" id="{{.V}}pass" name="pass" placeholder="Password" autocomplete="current-password">
<button type="submit" name="login" id="{{.V}}loginbutton">Log in</button>
</form>{{end}}`,

	"checkpoint": `{{define "content"}}<form class="checkpoint" method="post" action="/checkpoint/">
<input type="hidden" name="next" value="{{.Next}}">
{{if eq .Step "code"}}<h1>Two-factor authentication required</h1>
<p>Enter the 6-digit code from your authentication app.</p>
{{with .Error}}<div role="alert">{{.}}</div>{{end}}
<input type="text" id="{{.V}}approvals_code" name="approvals_code" inputmode="numeric" maxlength="6" autocomplete="one-time-code">
<button type="submit" id="{{.V}}checkpointSubmitButton" name="submit[Submit Code]" value="Submit Code">Submit Code</button>
{{else if eq .Step "save"}}<h1>Remember browser</h1>
<p>Save this browser so you don't need to enter a login code next time.</p>
<input type="hidden" name="name_action_selected" value="save_device">
<button type="submit" id="{{.V}}checkpointSubmitButton">Continue</button>
{{else}}<h1>Confirm your identity</h1>
<p>We noticed a login from a device you don't usually use. Choose how to confirm it's you.</p>
<label><input type="radio" name="verification_method" value="email"> <span>Get a code by email</span></label>
<label><input type="radio" name="verification_method" value="sms"> <span>Get a code by text message</span></label>
<button type="submit" id="{{.V}}checkpointSubmitButton">Continue</button>{{end}}
</form>{{end}}`,

	"home": `{{define "content"}}<h1>Facebook</h1><p>Signed in as {{.Email}}.</p>
<p>The pages after sign-in are not publicly described in markup; this replica shows none of them.</p>{{end}}`,

	"activity": `{{define "content"}}<h1>Payment activity</h1>
<table><thead><tr><th>Transaction ID</th><th>Date</th><th>Amount</th><th></th><th></th><th>Reference number</th><th></th></tr></thead>
<tbody>{{range .Rows}}<tr><td><a href="#">{{.Transaction}}</a></td><td>{{.Date}}</td><td>{{.Total}}</td><td>—</td><td>—</td><td><span>{{.ID}}</span></td><td><a href="{{.PDF}}">Download</a></td></tr>
{{end}}</tbody></table>{{end}}`,
}, nil)
