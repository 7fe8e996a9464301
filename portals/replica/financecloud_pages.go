package replica

import "net/http"

// FinanceCloud / smartMSC, from the source document
// portals/sources/000-financecloud-smartident.txt ("smartIDENT –
// Einrichtung und Verwendung", German):
//   - the login page is headed "Willkommen in Ihrer FinanceCloud" and
//     offers "Anmelden" and "Passwort zurücksetzen/anfordern";
//   - after the access id ("Zugangskennung": access number or e-mail
//     address) and the password, the page points to the smartIDENT app:
//     "Zwei-Faktor-Authentisierung ist erforderlich. Bestätigen Sie Ihre
//     Anmeldung mit der smartIDENT App.";
//   - once approved in the app, "Sie werden im Browser automatisch
//     weitergeleitet": the page checks for the approval by itself.
//
// Assumed: the host financecloud.example (the document names none), the
// field ids, the address the page checks for approval. Not modelled: the
// approval itself (it happens on a phone; the replica never gives it), the
// pages after login, an error text for a wrong password (the document
// shows none: the form comes back empty).
func init() {
	register(&spec{
		ID: "financecloud", Name: "FinanceCloud / smartMSC", Lang: "de", Currency: "EUR", Color: "#00467f",
		SessionCookie: "FCSESSION",
		Login:         loginSpec{URL: financeCloudBase + "/"},
		Billing:       billingSpec{URL: financeCloudBase + "/"},
		Pages:         financeCloudPages,
	})
}

const financeCloudBase = "https://financecloud.example"

var financeCloudSet = newPageSet(`{{define "layout"}}<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>FinanceCloud</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#eef2f6;color:#1d2733}
main{max-width:420px;margin:64px auto;background:#fff;padding:28px 32px;border-radius:6px;box-shadow:0 1px 4px #0002}
h1{font-size:22px;color:#00467f}label{display:block;margin:14px 0 4px}
input{width:100%;padding:8px;font-size:16px;box-sizing:border-box}
button{margin-top:18px;width:100%;padding:10px;font-size:16px;background:#00467f;color:#fff;border:0;border-radius:4px}
.links{margin-top:14px}.notice{background:#f3f7fb;border-left:4px solid #00467f;padding:10px 12px}
</style></head><body><main>
<h1>Willkommen in Ihrer FinanceCloud</h1>
{{template "content" .}}
<p class="links"><a href="#" id="passwort-vergessen">Passwort zurücksetzen/anfordern</a></p>
</main></body></html>{{end}}`, map[string]string{
	"login": `{{define "content"}}
<form method="post" action="/" id="login">
<label for="zugangskennung">Zugangskennung</label>
<input type="text" id="zugangskennung" name="zugangskennung" autocomplete="username">
<label for="passwort">Passwort</label>
<input type="password" id="passwort" name="passwort" autocomplete="current-password">
<button type="submit" id="anmelden">Anmelden</button>
</form>{{end}}`,
	"smartident": `{{define "content"}}
<p class="notice" id="smartident">Zwei-Faktor-Authentisierung ist erforderlich. Bestätigen Sie Ihre Anmeldung mit der smartIDENT App.</p>
<button type="button" id="anmelden" disabled>Anmelden</button>
<script>
(function poll() {
  fetch('/smartident/status', {credentials: 'same-origin'}).then(r => r.json()).then(s => {
    if (s.approved) { location.href = '/'; return; }
    setTimeout(poll, 2000);
  }).catch(() => setTimeout(poll, 5000));
})();
</script>{{end}}`,
	"in": signedInPage,
}, nil)

func financeCloudPages(p *Portal, rs *Routes) {
	rs.Handle("GET", financeCloudBase+"/", func(w http.ResponseWriter, r *http.Request) {
		if _, st := p.session(r); st == stageIn {
			financeCloudSet.render(w, http.StatusOK, "in", p.spec)
			return
		}
		financeCloudSet.render(w, http.StatusOK, "login", nil)
	})
	rs.Handle("POST", financeCloudBase+"/", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		u := p.lookup(r.PostForm.Get("zugangskennung"))
		if !p.passwordOK(u, r.PostForm.Get("passwort")) {
			financeCloudSet.render(w, http.StatusOK, "login", nil)
			return
		}
		if _, st := p.signIn(w, r, u, false); st == stageIn {
			http.Redirect(w, r, financeCloudBase+"/", http.StatusFound)
			return
		}
		st := seedOf(p)
		st.mu.Lock()
		st.approvals++
		st.mu.Unlock()
		financeCloudSet.render(w, http.StatusOK, "smartident", nil)
	})
	rs.Handle("GET", financeCloudBase+"/smartident/status", func(w http.ResponseWriter, r *http.Request) {
		if s, _ := p.session(r); s == nil {
			writeJSON(w, http.StatusUnauthorized, []byte(`{"approved":false}`))
			return
		}
		st := seedOf(p)
		st.mu.Lock()
		st.polls++
		st.mu.Unlock()
		writeJSON(w, http.StatusOK, []byte(`{"approved":false}`))
	})
}
