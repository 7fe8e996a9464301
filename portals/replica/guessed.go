package replica

import (
	"net/http"
	"strings"
)

// guessedSignIn serves the sign-in of a portal whose sign-in pages no
// public source shows, only its address and its second factors: one form
// with the e-mail address and the password, then the authenticator code.
// Every element is a guess and says so: the fields carry only the standard
// autocomplete hints (username, current-password, one-time-code) that the
// scripts key on, the refusals are role=alert messages, and the page after
// sign-in holds nothing of the real one. Where the portal's help pages name
// a link to choose the authenticator among other methods, or a "trust this
// device" box, the code page shows it with the help page's words.
type guessedSignIn struct {
	p     *Portal
	pages pageSet
	cfg   guessedConfig
}

type guessedConfig struct {
	Login, After string // sign-in page (forms post back to it) and landing page
	Title        string
	// Other, when set, is the text of the link from the default method
	// (a code by text message) to the authenticator app.
	Other string
	// Trust, when set, is the label of a "trust this device" checkbox.
	Trust string
}

type guessedData struct {
	V, Error, Title, Other, Trust string
	Step                          string // "password", "sms" or "app"
}

func newGuessedSignIn(p *Portal, rs *Routes, cfg guessedConfig) {
	g := &guessedSignIn{p: p, cfg: cfg, pages: newPageSet(guessedLayout, guessedPageSources, nil)}
	rs.Handle("GET", cfg.Login, g.login)
	rs.Handle("POST", cfg.Login, g.loginPost)
	rs.Handle("GET", cfg.After, g.after)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (g *guessedSignIn) data(step string) *guessedData {
	return &guessedData{V: g.p.layoutPrefix(), Title: g.cfg.Title, Other: g.cfg.Other, Trust: g.cfg.Trust, Step: step}
}

func (g *guessedSignIn) login(w http.ResponseWriter, r *http.Request) {
	if s, st := g.p.session(r); s != nil && st == stage2FA && r.URL.Query().Get("method") == "app" {
		g.pages.render(w, http.StatusOK, "signin", g.data("app"))
		return
	}
	g.pages.render(w, http.StatusOK, "signin", g.data("password"))
}

func (g *guessedSignIn) codeStep() string {
	if g.cfg.Other != "" {
		return "sms"
	}
	return "app"
}

func (g *guessedSignIn) loginPost(w http.ResponseWriter, r *http.Request) {
	p := g.p
	_ = r.ParseForm()
	d := g.data("password")
	if s, st := p.session(r); s != nil && st == stage2FA && r.PostForm.Has(d.V+"code") {
		if !p.verifyCode(s, r.PostForm.Get(d.V+"code")) {
			d.Step, d.Error = "app", "That code is not valid."
			g.pages.render(w, http.StatusOK, "signin", d)
			return
		}
		if g.cfg.Trust != "" && r.PostForm.Get("trust") != "" {
			p.trustDevice(w, s.user)
		}
		http.Redirect(w, r, g.cfg.After, http.StatusFound)
		return
	}
	u := p.lookup(strings.TrimSpace(r.PostForm.Get(d.V + "email")))
	if !p.passwordOK(u, r.PostForm.Get(d.V+"password")) {
		d.Error = "The e-mail address or password is not correct."
		g.pages.render(w, http.StatusOK, "signin", d)
		return
	}
	if _, st := p.signIn(w, r, u, false); st == stageIn {
		http.Redirect(w, r, g.cfg.After, http.StatusFound)
		return
	}
	d.Step = g.codeStep()
	g.pages.render(w, http.StatusOK, "signin", d)
}

func (g *guessedSignIn) after(w http.ResponseWriter, r *http.Request) {
	if s, st := g.p.session(r); s == nil || st != stageIn {
		http.Redirect(w, r, g.cfg.Login, http.StatusFound)
		return
	}
	g.pages.render(w, http.StatusOK, "after", g.data(""))
}

const guessedLayout = `{{define "layout"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<meta name="replica" content="no public source shows this portal's sign-in pages; every element here is a guess">
<style>
body{font-family:Helvetica,Arial,sans-serif;margin:0;color:#222}
.card{max-width:380px;margin:60px auto;padding:32px;border:1px dashed #999}
input[type=email],input[type=password],input[type=text]{display:block;width:100%;padding:10px;margin:6px 0 18px;font-size:16px;box-sizing:border-box}
button{width:100%;padding:11px;font-size:15px}
[role=alert]{color:#b00020;margin-bottom:12px}
</style></head>
<body>{{template "content" .}}</body></html>{{end}}`

var guessedPageSources = map[string]string{
	"signin": `{{define "content"}}<div class="card"><h1>{{.Title}}</h1>
<form method="post">
{{with .Error}}<div role="alert">{{.}}</div>{{end}}
{{if eq .Step "password"}}<label>Email<input type="email" name="{{.V}}email" autocomplete="{{.V}}username"></label>
<label>Password<input type="password" name="{{.V}}password" autocomplete="{{.V}}current-password"></label>
<button type="submit">Log in</button>
{{else if eq .Step "sms"}}<p>We sent a security code to your phone.</p>
<label>Security code<input type="text" name="sms_code" inputmode="numeric"></label>
<button type="submit" disabled>Submit</button>
<p><a href="?method=app">{{.Other}}</a></p>
{{else}}<label>Code from your authenticator app<input type="text" name="{{.V}}code" inputmode="numeric" autocomplete="{{.V}}one-time-code"></label>
{{with .Trust}}<label><input type="checkbox" name="trust" value="1"> {{.}}</label>{{end}}
<button type="submit">Submit</button>{{end}}
</form></div>{{end}}`,

	"after": `{{define "content"}}<div class="card"><p>{{.Title}}</p></div>{{end}}`,
}
