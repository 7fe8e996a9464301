package detect_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/detect"
	"github.com/twofetch/twofetch/portals/replica"
)

// TestReplicaLoginPages detects the sign-in page of every replica and
// checks that the fields it finds are the ones the portal's script types
// its username and password into.
func TestReplicaLoginPages(t *testing.T) {
	rs, err := replica.Start(replica.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	reg, err := portals.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tab := newTab(t, rs.ChromeFlags()...)
	checked := 0
	for _, s := range reg.List() {
		if replica.DemoKey(s.ID) == "" || len(s.Login) == 0 || s.Login[0].Navigate == nil {
			continue
		}
		t.Run(s.ID, func(t *testing.T) {
			start := s.Login[0].Navigate.URL
			for name, v := range replica.DemoFields(s.ID) {
				start = strings.ReplaceAll(start, "{{"+name+"}}", v)
			}
			res, err := detect.Load(tab, start, detect.LoadOptions{Settle: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			fields := map[string]*detect.Field{"{{username}}": res.Username, "{{password}}": res.Password}
			want, inShadow := 0, 0
			for _, st := range flatten(s.Login) {
				if st.Type == nil {
					continue
				}
				if strings.Contains(st.Type.Selector, ">>>") {
					inShadow++
					continue
				}
				if _, ok := fields[st.Type.Value]; !ok || !present(t, tab, st.Type.Selector) {
					continue // another value, or typed on a later page
				}
				want++
				f := fields[st.Type.Value]
				if f == nil {
					t.Errorf("%s: script types %s into %s; detector found none", s.ID, st.Type.Value, st.Type.Selector)
				} else if !sameElement(t, tab, f.Selector, st.Type.Selector) {
					t.Errorf("%s: script types %s into %s; detector chose %s (%v)", s.ID, st.Type.Value, st.Type.Selector, f.Selector, f.Why)
				}
			}
			if want == 0 && inShadow > 0 {
				t.Skipf("%s: the sign-in fields sit in shadow roots, which the detector does not read", s.ID)
			}
			if want == 0 {
				t.Fatalf("%s: the script types nothing on its first page (kind %s)", s.ID, res.Kind)
			}
			if res.Kind != detect.KindLogin && res.Kind != detect.KindIdentifier {
				t.Errorf("%s: kind %s, want login or identifier", s.ID, res.Kind)
			}
			if res.Submit == nil {
				t.Errorf("%s: no submit button found", s.ID)
			}
			checked++
		})
	}
	if checked < 5 {
		t.Fatalf("checked %d replicas", checked)
	}
}

func present(t *testing.T, tab context.Context, sel string) bool {
	t.Helper()
	q, _ := json.Marshal(sel)
	ok, err := chromedp.Run(tab, chromedp.Evaluate[bool](`!!document.querySelector(`+string(q)+`)`))
	if err != nil {
		t.Fatalf("look for %s: %v", sel, err)
	}
	return ok
}

// flatten lists steps with those of their branches, in order.
func flatten(steps []portals.Step) []portals.Step {
	var out []portals.Step
	for _, st := range steps {
		out = append(out, st)
		out = append(out, flatten(st.Then)...)
		out = append(out, flatten(st.Else)...)
	}
	return out
}
