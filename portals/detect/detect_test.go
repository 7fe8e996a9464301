package detect_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/detect"
)

func newTab(t *testing.T, flags ...string) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	pool, err := portals.NewPool(ctx, portals.PoolConfig{ChromePath: testenv.ChromePath(t), ExtraFlags: flags})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	tab, release, err := pool.Tab(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	return tab
}

func TestFixtures(t *testing.T) {
	tab := newTab(t)
	opts := detect.LoadOptions{Offline: true, Settle: time.Millisecond}
	if err := detect.Open(tab, opts); err != nil {
		t.Fatal(err)
	}
	type want struct {
		kind                 detect.Kind
		user, pass, otp, sub string
		channel              detect.Channel
		boxes                int
		methods              int
	}
	for file, w := range map[string]want{
		"login.html":            {kind: detect.KindLogin, user: "#email", pass: "#pw", sub: "#signin"},
		"identifier.html":       {kind: detect.KindIdentifier, user: "#identifierId", sub: "#identifierNext"},
		"password.html":         {kind: detect.KindPassword, pass: `input[name="Passwd"]`, sub: `button[type="submit"]`},
		"otp-autocomplete.html": {kind: detect.KindCode, otp: `input[name="otp"]`, sub: `button[type="submit"]`, channel: detect.ChannelAuthenticator},
		"otp-numeric.html":      {kind: detect.KindCode, otp: `input[name="verificationCode"]`, sub: `input[type="submit"]`, channel: detect.ChannelAuthenticator},
		"otp-boxes.html":        {kind: detect.KindCode, otp: `input[aria-label="Digit 1"]`, sub: `button[type="submit"]`, channel: detect.ChannelAuthenticator, boxes: 6},
		"otp-password.html":     {kind: detect.KindCode, otp: `input[name="mfaCode"]`, sub: `button[type="submit"]`, channel: detect.ChannelAuthenticator},
		// The page says the code was e-mailed: an authenticator code
		// would be wrong, whatever the field looks like.
		"otp-email.html":     {kind: detect.KindCode, otp: `input[name="code"]`, sub: `button[type="submit"]`, channel: detect.ChannelEmail},
		"method-picker.html": {kind: detect.KindMethodPicker, methods: 3},
		"other.html":         {kind: detect.KindOther},
	} {
		t.Run(file, func(t *testing.T) {
			res, err := detect.Load(tab, filepath.Join("testdata", file), opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Kind != w.kind {
				t.Errorf("kind %q, want %q", res.Kind, w.kind)
			}
			for _, c := range []struct {
				role detect.Role
				f    *detect.Field
				want string
			}{{detect.Username, res.Username, w.user}, {detect.Password, res.Password, w.pass}, {detect.OTP, res.OTP, w.otp}, {detect.Submit, res.Submit, w.sub}} {
				switch {
				case c.f == nil && c.want != "":
					t.Errorf("%s: none found, want %s", c.role, c.want)
				case c.f != nil && c.want == "":
					t.Errorf("%s: found %s (%v), want none", c.role, c.f.Selector, c.f.Why)
				case c.f != nil && !sameElement(t, tab, c.f.Selector, c.want):
					t.Errorf("%s: %s (%v), want %s", c.role, c.f.Selector, c.f.Why, c.want)
				case c.f != nil && (c.f.Confidence <= 0 || c.f.Confidence > 1):
					t.Errorf("%s: confidence %v out of (0,1]", c.role, c.f.Confidence)
				}
			}
			if res.Channel != w.channel {
				t.Errorf("channel %q, want %q", res.Channel, w.channel)
			}
			if res.OTP != nil && res.OTP.Boxes != w.boxes {
				t.Errorf("boxes %d, want %d", res.OTP.Boxes, w.boxes)
			}
			if len(res.Methods) != w.methods {
				t.Errorf("methods %v, want %d of them", res.Methods, w.methods)
			}
		})
	}
}
