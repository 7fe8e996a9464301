package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/twofetch/twofetch/portals/detect"
)

var portalIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// portalNew writes a starting script for a portal from what the detector
// finds on its sign-in page. The author still owes its sources, the flow
// after the first page and the documents.
func portalNew(ctx context.Context, m *Main, id, loginURL, dir string) error {
	if !portalIDPattern.MatchString(id) {
		return usagef("portal new: id %q: lower-case letters, digits and dashes, at most 40", id)
	}
	u, err := url.Parse(loginURL)
	if loginURL == "" || err != nil || u.Scheme != "https" || u.Host == "" {
		return usagef("portal new needs --login-url https://…, the portal's sign-in page")
	}
	if dir == "" {
		dir = "."
	}
	file := filepath.Join(dir, id+".yaml")
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("portal new: %s exists; not overwritten", file)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	pool, err := m.openBrowser(ctx)
	if err != nil {
		return err
	}
	tab, release, err := pool.Tab(ctx)
	if err != nil {
		return err
	}
	defer release()
	res, err := detect.Load(tab, loginURL, detect.LoadOptions{})
	if err != nil {
		return err
	}
	printDetection(m, res)
	text := starterScript(id, u, res, time.Now())
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("portal new: %w", err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote %s: fill in its sources, the steps after the first page and the documents, then run twofetch portal lint %s\n", file, file)
	return nil
}

// q quotes a YAML scalar (a JSON string is one).
func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func starterScript(id string, u *url.URL, res *detect.Result, now time.Time) string {
	host := strings.ToLower(u.Hostname())
	home := (&url.URL{Scheme: "https", Host: u.Host, Path: "/"}).String()
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# yaml-language-server: $schema=https://raw.githubusercontent.com/twofetch/twofetch/main/portals/schema.json")
	w("# Started by `twofetch portal new` from %s on %s,", u, now.UTC().Format("2006-01-02"))
	w("# where the page was a %q step. Every URL, selector and text below", res.Kind)
	w("# must be confirmed by public evidence listed in sources before use.")
	w("id: %s", id)
	w("name: %s", q(firstNonEmpty(res.Title, host)))
	w("homepage: %s", q(home))
	w("hosts: [%s]", q(host))
	w("# The countries the portal serves: \"*\" or ISO codes such as DE.")
	w("countries: [\"*\"]")
	w("credentials:")
	if res.Username != nil {
		w("  - {name: username, label: %s}", q(firstNonEmpty(res.Username.Text, "Username")))
	} else {
		w("  - {name: username}")
	}
	w("  - {name: password}")
	w("# The second factors the portal offers (see the 2FA directory).")
	w("two_factor: []")
	w("verified: none")
	w("# Pages and scraper files this script rests on, each with the day read:")
	w("#   - {url: https://…, read: YYYY-MM-DD, shows: …}")
	w("#   - {repo: OWNER/NAME, path: FILE, read: YYYY-MM-DD, shows: …}")
	w("sources: []")
	w("")
	w("login:")
	w("  - navigate: %s", q(u.String()))
	// Fields found in an iframe are typed through frame steps, outermost
	// first.
	in := "  "
	for _, fr := range res.Frames {
		w("%s# the sign-in form is in this iframe", in)
		w("%s- frame:", in)
		w("%s    selector: %s", in, q(fr))
		w("%s    do:", in)
		in += "      "
	}
	field := func(f *detect.Field, value string) {
		w("%s# %s, confidence %.2f", in, describe(f), f.Confidence)
		w("%s- type: {selector: %s, value: %q}", in, q(f.Selector), value)
	}
	if res.Username != nil {
		field(res.Username, "{{username}}")
	}
	if res.Password != nil {
		field(res.Password, "{{password}}")
	}
	if res.OTP != nil {
		field(res.OTP, "{{otp}}")
	}
	if res.Submit != nil {
		w("%s# %s, confidence %.2f", in, describe(res.Submit), res.Submit.Confidence)
		w("%s- click: %s", in, q(res.Submit.Selector))
	}
	switch res.Kind {
	case detect.KindIdentifier:
		w("  # The password is asked on the next page: run `twofetch portal detect`")
		w("  # on it and add a wait for its field, then its type and click steps.")
	case detect.KindLogin, detect.KindPassword:
		w("  # Next: a wait for what follows (the 2FA prompt, the account page, the")
		w("  # error box), an `if` for the code prompt typing {{otp}}, and outcomes.")
	default:
		w("  # No sign-in form was recognised on this page (%s): write the steps by hand.", res.Kind)
	}
	w("")
	w("# The steps that list invoices and download the new ones.")
	w("documents: []")
	return b.String()
}

func describe(f *detect.Field) string {
	s := f.Tag
	if f.Type != "" {
		s += " type=" + f.Type
	}
	if f.Text != "" {
		s += fmt.Sprintf(" %q", f.Text)
	}
	if f.Boxes > 0 {
		s += fmt.Sprintf(", first of %d boxes", f.Boxes)
	}
	return s
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return strings.TrimSpace(x)
		}
	}
	return ""
}
