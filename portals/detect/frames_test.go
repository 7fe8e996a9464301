package detect_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofetch/twofetch/portals/detect"
)

// serve answers path with body on a loopback server reached as host.
func serve(t *testing.T, host string, pages map[string]string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}))
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return fmt.Sprintf("http://%s:%d", host, l.Addr().(*net.TCPAddr).Port)
}

// The sign-in form inside an iframe is found whether the frame is of the
// page's origin, of another site (a process of its own: Chromium runs it
// as a separate target), or one frame inside another; the result names the
// chain of iframes, and the selectors hold inside the innermost.
func TestDetectInIframes(t *testing.T) {
	form, err := os.ReadFile(filepath.Join("testdata", "login.html"))
	if err != nil {
		t.Fatal(err)
	}
	// Another site: localhost, where the page is on 127.0.0.1.
	idp := serve(t, "localhost", map[string]string{"/login": string(form)})
	frame := func(id, src string) string {
		return fmt.Sprintf(`<iframe id=%q src=%q width="600" height="400"></iframe>`, id, src)
	}
	shop := serve(t, "127.0.0.1", map[string]string{
		"/same.html":   `<!doctype html><title>Shop</title><h1>Welcome</h1>` + frame("signin", "/login"),
		"/login":       string(form),
		"/cross.html":  `<!doctype html><title>Shop</title><h1>Welcome</h1><iframe width="300" height="60" src="/ad"></iframe>` + frame("idp", idp+"/login"),
		"/ad":          `<p>Advertisement</p>`,
		"/nested.html": `<!doctype html><title>Shop</title>` + frame("outer", "/outer"),
		"/outer":       `<!doctype html><p>Sign in with your ID</p>` + frame("inner", idp+"/login"),
		"/plain.html":  `<!doctype html><title>Shop</title><p>Nothing to sign in to.</p>` + frame("news", "/ad"),
	})
	tab := newTab(t, "--site-per-process")
	for _, c := range []struct {
		page   string
		frames []string
	}{
		{"/same.html", []string{"#signin"}},
		{"/cross.html", []string{"#idp"}},
		{"/nested.html", []string{"#outer", "#inner"}},
		{"/plain.html", nil},
	} {
		t.Run(c.page, func(t *testing.T) {
			res, err := detect.Load(tab, shop+c.page, detect.LoadOptions{Settle: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if c.frames == nil {
				if res.Kind != detect.KindOther || len(res.Frames) != 0 || res.Username != nil {
					t.Fatalf("a page without a sign-in: %+v", res)
				}
				return
			}
			if !slices.Equal(res.Frames, c.frames) {
				t.Fatalf("frames %v, want %v (%+v)", res.Frames, c.frames, res)
			}
			if res.Kind != detect.KindLogin || res.Username == nil || res.Username.Selector != "#email" ||
				res.Password == nil || res.Password.Selector != "#pw" || res.Submit == nil || res.Submit.Selector != "#signin" {
				t.Fatalf("fields: %+v", res)
			}
			if c.page != "/same.html" {
				// The other site's frame ran in a process of its own.
				targets, err := chromedp.Targets(tab)
				if err != nil {
					t.Fatal(err)
				}
				oop := false
				for _, ti := range targets {
					oop = oop || (ti.Type == "iframe" && len(ti.URL) >= len(idp) && ti.URL[:len(idp)] == idp)
				}
				if !oop {
					t.Errorf("the frame of %s was not out of process: %+v", idp, targets)
				}
			}
		})
	}
}
