package replica

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch/otpauth"
)

func init() { ownSignIn["atlassian"] = atlassianSignIn }

// atlassianSignIn signs in to the admin hub through id.atlassian.com.
func atlassianSignIn(t *testing.T, c *http.Client, sp *spec, email, pw, otp string) visit {
	t.Helper()
	v := get(t, c, atlAdmin+"/")
	if !strings.Contains(v.body, `id="username"`) {
		t.Fatalf("the admin hub did not send a signed-out browser to the sign-in (at %s)", v.url)
	}
	form := url.Values{"step": {"username"}, "username": {email}, "continue": {atlAdmin + "/"}}
	post(t, c, atlID+"/login", form)
	form.Set("step", "password")
	form.Set("password", pw)
	post(t, c, atlID+"/login", form)
	form.Set("step", "code")
	form.Set("otp", otp)
	return post(t, c, atlID+"/login", form)
}

// The shared Atlassian sign-in, browser-less: its steps for the admin hub
// and for Bitbucket, the hand-over only Bitbucket accepts and only once,
// and the admin hub's billing pages in the plugin's order.
func TestAtlassianSignin(t *testing.T) {
	// Bitbucket alone brings the Atlassian replica, whose pages are its
	// sign-in.
	s, err := Start(Options{Portals: []string{"bitbucket"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	contains := func(t *testing.T, v visit, texts ...string) {
		t.Helper()
		for _, want := range texts {
			if !strings.Contains(v.body, want) {
				t.Fatalf("page %s lacks %q:\n%s", v.url, want, v.body)
			}
		}
	}
	keys, err := otpauth.Parse(DemoKey("bitbucket"))
	if err != nil {
		t.Fatal(err)
	}

	// Bitbucket: address, password, code, then bitbucket.org.
	c := s.Client()
	v := get(t, c, atlBB+"/")
	contains(t, v, `data-testid="form-login"`, `placeholder="Enter your email"`, `id="login-submit"`, "Continue")
	form := url.Values{"step": {"username"}, "application": {"bitbucket"}, "username": {DemoEmail}, "continue": {atlBB + "/"}}
	v = post(t, c, atlID+"/login", form)
	contains(t, v, `id="password"`, `placeholder="Enter password"`, "Log in")
	form.Set("step", "password")
	form.Set("password", "wrong")
	v = post(t, c, atlID+"/login", form)
	contains(t, v, `data-testid="form-error--content"`, `id="password"`)
	form.Set("password", DemoPassword)
	v = post(t, c, atlID+"/login", form)
	contains(t, v, `id="two-step-verification-otp-code-input"`, "6-digit verification code", `id="two-step-verification-submit"`)
	form.Set("step", "code")
	form.Set("otp", "000000")
	v = post(t, c, atlID+"/login", form)
	contains(t, v, `id="two-step-verification-otp-code-input"`)
	if s.Portal("bitbucket").Stats().CodesRefused != 1 {
		t.Fatalf("the wrong code was not refused")
	}
	// The hand-over to bitbucket.org is spent once: catch it on its way.
	noRedirect := s.Client()
	noRedirect.Jar = c.Jar
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	form.Set("otp", currentCode(t, keys[0], time.Now()))
	res, err := noRedirect.PostForm(atlID+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	handover := res.Header.Get("Location")
	if !strings.HasPrefix(handover, atlHandover+"?code=") {
		t.Fatalf("a signed-in Bitbucket browser goes to %q", handover)
	}
	if v := get(t, s.Client(), handover); !strings.Contains(v.body, "Signed in as "+DemoEmail) {
		t.Fatalf("the hand-over did not open Bitbucket (at %s)", v.url)
	}
	if v := get(t, s.Client(), handover); strings.Contains(v.body, "Signed in as") {
		t.Fatalf("a spent hand-over opened a second session (at %s)", v.url)
	}
	// The Bitbucket session is not the admin hub's: the other product's
	// users and sessions are its own.
	if v := get(t, c, atlAdmin+"/"); !strings.Contains(v.body, `id="username"`) {
		t.Fatalf("Bitbucket's sign-in opened the admin hub (at %s)", v.url)
	}

	// An unknown address goes on to the sign-up page.
	v = post(t, s.Client(), atlID+"/login", url.Values{"step": {"username"}, "username": {"nobody@example.com"}})
	if !strings.HasPrefix(v.url, atlID+"/signup") {
		t.Fatalf("an unknown address ended at %s", v.url)
	}

	// The admin hub: organisations, billing preview, subscription, history,
	// PDF.
	p := s.Portal("atlassian")
	k, err := otpauth.Parse(DemoKey("atlassian"))
	if err != nil {
		t.Fatal(err)
	}
	c = s.Client()
	if v := atlassianSignIn(t, c, p.spec, DemoEmail, DemoPassword, currentCode(t, k[0], time.Now())); v.url != atlAdmin+"/" {
		t.Fatalf("the admin hub's sign-in ended at %s", v.url)
	}
	v = get(t, c, atlAdmin+"/gateway/api/adminhub/organization/my3")
	org := regexp.MustCompile(`"id":"([0-9a-f-]{36})","name":"[^"]+"`).FindStringSubmatch(v.body)
	if org == nil {
		t.Fatalf("no organisation in %s", v.body)
	}
	v = get(t, c, atlAdmin+"/o/"+org[1]+"/billing-preview")
	contains(t, v, `data-test="manage-subscription-link"`)
	v = get(t, c, atlAdmin+"/o/"+org[1]+"/billing-preview/subscription")
	contains(t, v, `data-testid="navigation-link.billingHistory"`)
	v = get(t, c, atlAdmin+"/o/"+org[1]+"/billing-preview/billing-history")
	contains(t, v, `data-testid="invoicesTable--table"`, `data-testid="downloadInvoiceButton"`)
	links := regexp.MustCompile(`href="(/o/[^"]+/download)"`).FindAllStringSubmatch(v.body, -1)
	if len(links) != 3 {
		t.Fatalf("%d invoices listed, want 3", len(links))
	}
	if pdf := get(t, c, atlAdmin+links[0][1]); !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Fatalf("the download is not a PDF: %.40q", pdf.body)
	}
	// Another user's organisation is not this one's.
	if v := get(t, c, atlAdmin+"/o/00000000-0000-0000-0000-000000000000/billing-preview/billing-history"); !strings.Contains(v.body, "not found") {
		t.Fatalf("another organisation's history was shown")
	}
}
