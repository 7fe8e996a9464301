package replica

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func init() {
	for _, id := range []string{"amazon-fr", "audible-de", "amazon-sellercentral"} {
		ownSignIn[id] = amazonStoreSignIn
	}
}

// amazonStoreSignIn signs in to any store of the Amazon family from its
// page after sign-in: e-mail, password, the device picker where the store
// shows one (choosing the authenticator), then the code.
func amazonStoreSignIn(t *testing.T, c *http.Client, sp *spec, email, pw, otp string) visit {
	t.Helper()
	base := amazonSites[sp.ID].Base
	v := get(t, c, sp.Billing.URL)
	if !strings.HasPrefix(v.url, base+"/ap/signin?openid.return_to=") || !strings.Contains(v.body, `id="ap_email"`) {
		t.Fatalf("%s without a session: at %s\n%s", sp.ID, v.url, v.body)
	}
	form := url.Values{"email": {email}, "openid.return_to": {sp.Billing.URL}}
	v = post(t, c, base+"/ap/signin", form)
	if !strings.Contains(v.body, `id="ap_password"`) {
		t.Fatalf("%s: no password page:\n%s", sp.ID, v.body)
	}
	form.Set("password", pw)
	v = post(t, c, base+"/ap/signin", form)
	if strings.Contains(v.body, `id="auth-select-device-form"`) {
		v = post(t, c, base+"/ap/mfa/new-otp", url.Values{"otpDeviceContext": {"ctx1, TOTP"}, "openid.return_to": {sp.Billing.URL}})
	}
	if !strings.Contains(v.body, `id="auth-mfa-otpcode"`) {
		t.Fatalf("%s: want the code page, at %s:\n%s", sp.ID, v.url, v.body)
	}
	return post(t, c, base+"/ap/signin", url.Values{"otpCode": {otp}, "openid.return_to": {sp.Billing.URL}})
}

// TestAmazonFrenchTexts checks that amazon.fr speaks French where woob
// quotes it, and its order cards carry French dates.
func TestAmazonFrenchTexts(t *testing.T) {
	s := server(t)
	p := s.Portal("amazon-fr")
	email, pw, k := newUser(t, p)
	c := s.Client()
	v := get(t, c, p.spec.Billing.URL)
	if !strings.Contains(v.body, `<html lang="fr-fr"`) || !strings.Contains(v.body, "Identifiez-vous") {
		t.Errorf("the sign-in page is not amazon.fr's:\n%s", v.body)
	}
	bad := post(t, s.Client(), "https://www.amazon.fr/ap/signin", url.Values{"email": {"nobody@example.com"}})
	if !strings.Contains(bad.body, "Impossible de trouver un compte correspondant à cette adresse e-mail") || !strings.Contains(bad.body, `id="auth-error-message-box"`) {
		t.Errorf("unknown account: %s", bad.body)
	}
	wrong := post(t, s.Client(), "https://www.amazon.fr/ap/signin", url.Values{"email": {email}, "password": {pw + "x"}})
	if !strings.Contains(wrong.body, "Votre mot de passe est incorrect") {
		t.Errorf("wrong password: %s", wrong.body)
	}
	v = amazonStoreSignIn(t, c, p.spec, email, pw, currentCode(t, k, time.Now()))
	if v.url != p.spec.Billing.URL || !strings.Contains(v.body, `id="nav-item-signout"`) {
		t.Fatalf("after the code: at %s\n%s", v.url, v.body)
	}
	inv := p.Invoices(email)[0]
	v = get(t, c, "https://www.amazon.fr/gp/your-account/order-history?opt=ab&digitalOrders=1&orderFilter=year-"+inv.Date.Format("2006"))
	if want := frenchLongDate(inv.Date); !strings.Contains(v.body, `value">`+want+`<`) || !strings.Contains(v.body, "<bdi dir=\"ltr\">"+inv.Number+"</bdi>") {
		t.Errorf("order %s of %s not shown as a French card:\n%s", inv.Number, want, v.body)
	}
	if frenchLongDate(time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC)) != "3 août 2026" {
		t.Error("French long date")
	}
}

// TestSellerCentralDevicePicker: Seller Central shows the device picker
// before the code; only a choice leads on, and it is recorded.
func TestSellerCentralDevicePicker(t *testing.T) {
	s := server(t)
	p := s.Portal("amazon-sellercentral")
	email, pw, k := newUser(t, p)
	c := s.Client()
	get(t, c, p.spec.Billing.URL)
	form := url.Values{"email": {email}, "password": {pw}, "openid.return_to": {p.spec.Billing.URL}}
	v := post(t, c, "https://sellercentral.amazon.de/ap/signin", form)
	if !strings.HasPrefix(v.url, "https://sellercentral.amazon.de/ap/mfa/new-otp") || !strings.Contains(v.body, `<form id="auth-select-device-form" method="post" action="/ap/mfa/new-otp"`) ||
		!strings.Contains(v.body, `class="a-radio auth-TOTP"`) || !strings.Contains(v.body, `id="auth-send-code"`) || strings.Contains(v.body, "auth-mfa-otpcode") {
		t.Fatalf("want the device picker, at %s:\n%s", v.url, v.body)
	}
	if v := post(t, c, "https://sellercentral.amazon.de/ap/mfa/new-otp", url.Values{}); !strings.Contains(v.body, `id="auth-select-device-form"`) {
		t.Errorf("no choice made, yet the picker was left:\n%s", v.body)
	}
	picks := len(p.DevicePicks())
	v = post(t, c, "https://sellercentral.amazon.de/ap/mfa/new-otp", url.Values{"otpDeviceContext": {"ctx1, TOTP"}, "openid.return_to": {p.spec.Billing.URL}})
	if !strings.Contains(v.body, `id="auth-mfa-otpcode"`) || !strings.Contains(v.body, `action="/ap/signin"`) {
		t.Fatalf("after the picker: %s", v.body)
	}
	if got := p.DevicePicks()[picks:]; len(got) != 1 || got[0] != "ctx1, TOTP" {
		t.Errorf("picks %q", got)
	}
	v = post(t, c, "https://sellercentral.amazon.de/ap/signin", url.Values{"otpCode": {currentCode(t, k, time.Now())}, "openid.return_to": {p.spec.Billing.URL}})
	if v.url != p.spec.Billing.URL || strings.Contains(v.body, "<form") {
		t.Errorf("after the code: at %s\n%s", v.url, v.body)
	}
	// Amazon.de shows no picker: the code page comes at once.
	de := s.Portal("amazon-de")
	e2, pw2, _ := newUser(t, de)
	c2 := s.Client()
	get(t, c2, de.spec.Billing.URL)
	if v := post(t, c2, "https://www.amazon.de/ap/signin", url.Values{"email": {e2}, "password": {pw2}}); !strings.Contains(v.body, `id="auth-mfa-otpcode"`) {
		t.Errorf("amazon.de: want the code page at once:\n%s", v.body)
	}
}
