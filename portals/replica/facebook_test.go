package replica

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch/otpauth"
)

// Facebook browser-less: sign-in, the code checkpoint, saving the browser,
// the payment activity of the given ad account in the given range, a
// receipt, and the new-device checkpoint.
func TestFacebookPages(t *testing.T) {
	s, err := Start(Options{Portals: []string{"facebook"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := s.Portal("facebook")
	contains := func(t *testing.T, v visit, texts ...string) {
		t.Helper()
		for _, want := range texts {
			if !strings.Contains(v.body, want) {
				t.Fatalf("page %s lacks %q:\n%s", v.url, want, v.body)
			}
		}
	}
	k, err := otpauth.Parse(DemoKey("facebook"))
	if err != nil {
		t.Fatal(err)
	}

	c := s.Client()
	v := get(t, c, fbActivity)
	contains(t, v, `id="email"`, `name="pass"`, `id="loginbutton"`)
	v = post(t, c, fbWWW+"/login", url.Values{"email": {DemoEmail}, "pass": {"wrong"}})
	contains(t, v, `id="error_box"`, `id="pass"`)
	v = post(t, c, fbWWW+"/login", url.Values{"email": {DemoEmail}, "pass": {DemoPassword}})
	contains(t, v, `class="checkpoint"`, `id="approvals_code"`, `id="checkpointSubmitButton"`, "Submit Code")
	v = post(t, c, fbWWW+"/checkpoint/", url.Values{"approvals_code": {"000000"}})
	contains(t, v, `id="approvals_code"`)
	v = post(t, c, fbWWW+"/checkpoint/", url.Values{"approvals_code": {currentCode(t, k[0], time.Now())}})
	contains(t, v, `name="name_action_selected" value="save_device"`, `id="checkpointSubmitButton"`)
	if v = post(t, c, fbWWW+"/checkpoint/", url.Values{"name_action_selected": {"save_device"}}); v.url != fbWWW+"/" {
		t.Fatalf("saving the browser ended at %s", v.url)
	}

	now := time.Now().Unix()
	all := fmt.Sprintf("%s?asset_id=%s&business_id=%s&placement=standalone&date=%d_%d", strings.TrimSuffix(fbActivity, "/"), FacebookAdAccount, FacebookBusiness, now-3*366*24*3600, now)
	v = get(t, c, all)
	rows := regexp.MustCompile(`<td><span>([0-9]+)</span></td><td><a href="([^"]+)">`).FindAllStringSubmatch(v.body, -1)
	if len(rows) != 3 {
		t.Fatalf("%d rows in the payment activity, want 3:\n%s", len(rows), v.body)
	}
	if pdf := get(t, c, strings.ReplaceAll(rows[0][2], "&amp;", "&")); !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Fatalf("the receipt is not a PDF: %.40q", pdf.body)
	}
	// Another ad account, or a range before the payments, lists nothing.
	if v := get(t, c, strings.Replace(all, FacebookAdAccount, "1", 1)); strings.Contains(v.body, "<td><span>") {
		t.Errorf("another ad account's activity listed rows")
	}
	if v := get(t, c, fmt.Sprintf("%s?asset_id=%s&business_id=%s&date=%d_%d", fbActivity, FacebookAdAccount, FacebookBusiness, 0, 86400)); strings.Contains(v.body, "<td><span>") {
		t.Errorf("a range before every payment listed rows")
	}

	// A login from an unknown device meets the identity checkpoint.
	p.SetMode(NewDevice)
	defer p.SetMode(0)
	v = post(t, s.Client(), fbWWW+"/login", url.Values{"email": {DemoEmail}, "pass": {DemoPassword}})
	contains(t, v, `class="checkpoint"`, `name="verification_method"`)
}
