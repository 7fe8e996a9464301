package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/otpauth"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/portals/scripts"
	"github.com/twofetch/twofetch/vault"
)

func init() {
	register(&Command{
		Name:    "portal",
		Summary: "list, lint and test portal scripts",
		Usage:   "list [--json] | lint [FILE...] | test ID|FILE (--replica [NAME] [--misbehave MODE] | --live --login ID) [--out DIR] | detect URL|FILE [--json] | detect-bench DIR [-v] | new ID --login-url URL [--dir DIR] | demo-key ID",
		Help: `
portal list prints every built-in portal script: id, name, the second
factors the portal offers and what the script was verified against.

portal lint checks script files (default: the built-in ones) against the
schema and the rules the schema cannot express, printing FILE:LINE (PATH):
PROBLEM for each; the exit status is 1 when any file has a problem.

portal test runs a script (a portal id, or a script FILE that is not in
use: portal test FILE --replica NAME tests it against NAME's replica)
in headless Chromium and prints each step with
its time. --replica starts the local replica of the portal and logs in as
its demo user (demo@example.com / demo-password, with the demo key);
--misbehave makes the replica fail the way the real portal sometimes does
(wrong-password, code-rejected, captcha, push-only, new-device, terms,
changed-layout, down), to check the script's outcome rules.
Downloaded documents go to --out (default a new temporary folder). When the
run fails, the exit status is 1 and the screenshot, page HTML and step log
are saved in the folder it names.

portal test --live --login ID runs the script against the real portal with
the login's username, password and authenticator key from the vault
(TWOFETCH_REDIS_URL is required, so the code is never one a worker already
used). The script must be the login's portal or one of its family (a script
FILE for it too). --account ID still works and names the login through one
of its accounts. It stores nothing: documents go to --out only, and the
session cookies are read but not replaced.

portal detect opens a page (a URL, or a saved HTML file, opened offline) in
the browser and prints what kind of sign-in step it is (login, identifier,
password, code, method_picker, other) and the selector and confidence of
its username, password, one-time-code and submit elements. --json adds
the signals behind each choice.

portal detect-bench measures the detector on a labelled corpus (a folder
holding labels.jsonl, such as ../shared/data/logincorpus) and prints
precision and recall per role; -v lists the pages it got wrong.

portal new writes ID.yaml (in --dir, default the current folder; never
over an existing file), a starting script whose login types into the fields
the detector finds on --login-url. Its sources, the steps after the first
page and the documents are left for the author; lint names what is missing.

portal demo-key prints the otpauth URI of the demo user's authenticator key
on a replica, as its 2FA settings page shows it in a QR code.`,
		Settings: settings(portalsSettings, storeSettings, vaultSettings, redisSettings, browserSettings),
		Run:      runPortal,
	})
}

func runPortal(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		return usagef("portal needs a subcommand: list, lint, test, new, detect, detect-bench or demo-key")
	}
	sub, args := args[0], args[1:]
	flags := flag.NewFlagSet("twofetch portal "+sub, flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	asJSON := flags.Bool("json", false, "list: print JSON")
	useReplica := flags.Bool("replica", false, "test: run against the local replica")
	live := flags.Bool("live", false, "test: run against the live portal")
	login := flags.String("login", "", "test --live: the login whose credentials to use")
	account := flags.String("account", "", "test --live: an account whose login's credentials to use (instead of --login)")
	out := flags.String("out", "", "test: folder for downloaded documents (default a new temporary folder)")
	timeout := flags.Duration("timeout", 5*time.Minute, "test: time limit of the run")
	loginURL := flags.String("login-url", "", "new: the portal's sign-in page")
	dir := flags.String("dir", "", "new: folder to write ID.yaml in (default the current folder)")
	noScripts := flags.Bool("no-scripts", false, "detect-bench: do not run the saved pages' inline scripts")
	verbose := flags.Bool("v", false, "detect-bench: list every page the detector got wrong")
	mode := flags.String("misbehave", "", "test --replica: comma-separated replica modes to try the script's outcome rules: "+strings.Join(modeNames(), ", "))
	// Settings may also follow the subcommand: they share the values the
	// framework parsed before it.
	for _, st := range Settings {
		if p, ok := m.Config.values[st.Flag]; ok {
			flags.StringVar(p, st.Flag, *p, st.Help)
		}
	}
	// Flags may follow the portal id ("portal test github --replica").
	var pos []string
	for {
		if err := flags.Parse(args); err != nil {
			return usagef("portal %s: %v", sub, err)
		}
		if flags.NArg() == 0 {
			break
		}
		pos = append(pos, flags.Arg(0))
		args = flags.Args()[1:]
	}
	if err := m.Config.finish(flags, nil); err != nil {
		return err
	}
	replicaName := ""
	switch sub {
	case "list":
		return portalList(m, *asJSON)
	case "lint":
		return portalLint(m, pos)
	case "detect":
		if len(pos) != 1 {
			return usagef("portal detect needs one URL or HTML file")
		}
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		return portalDetect(ctx, m, pos[0], *asJSON)
	case "new":
		if len(pos) != 1 {
			return usagef("portal new needs one portal id")
		}
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		return portalNew(ctx, m, pos[0], *loginURL, *dir)
	case "detect-bench":
		if len(pos) != 1 {
			return usagef("portal detect-bench needs the corpus folder (holding labels.jsonl)")
		}
		return portalDetectBench(ctx, m, pos[0], *verbose, *asJSON, *noScripts)
	case "demo-key":
		if len(pos) != 1 {
			return usagef("portal demo-key needs one portal id")
		}
		uri := replica.DemoKey(pos[0])
		if uri == "" {
			return fmt.Errorf("no replica for portal %q (replicas: %s)", pos[0], strings.Join(replica.IDs(), ", "))
		}
		fmt.Fprintln(m.Stdout, uri)
		return nil
	case "test":
		// A script file may be tested against another portal's replica:
		// portal test FILE --replica NAME.
		if len(pos) == 2 && *useReplica && isScriptFile(pos[0]) {
			replicaName = pos[1]
			pos = pos[:1]
		}
		if len(pos) != 1 {
			return usagef("portal test needs one portal id or script file")
		}
		switch {
		case *useReplica == *live:
			return usagef("portal test needs exactly one of --replica and --live")
		case *live && *login != "" && *account != "":
			return usagef("portal test --live takes --login ID or --account ID, not both")
		case *live && *login == "" && *account == "":
			return usagef("portal test --live needs --login ID (the login whose credentials to use; see GET /api/v1/logins/{id})")
		case !*live && (*login != "" || *account != ""):
			return usagef("--login and --account go with --live")
		}
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		if *live {
			return portalTestLive(ctx, m, pos[0], *login, *account, *out)
		}
		return portalTestReplica(ctx, m, pos[0], replicaName, *out, *mode)
	}
	return usagef("unknown portal subcommand %q", sub)
}

func portalList(m *Main, asJSON bool) error {
	reg, err := m.portalScripts()
	if err != nil {
		return err
	}
	type entry struct {
		ID        string           `json:"id"`
		Name      string           `json:"name"`
		Homepage  string           `json:"homepage"`
		Hosts     []string         `json:"hosts"`
		Countries []string         `json:"countries"`
		TwoFactor []string         `json:"two_factor"`
		Verified  portals.Verified `json:"verified"`
	}
	var list []entry
	for _, s := range reg.List() {
		list = append(list, entry{s.ID, s.Name, s.Homepage, s.Hosts, s.Countries, s.TwoFactor, s.Verified})
	}
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	fmt.Fprintf(m.Stdout, "%-16s %-20s %-36s %s\n", "ID", "NAME", "2FA", "VERIFIED")
	for _, e := range list {
		fmt.Fprintf(m.Stdout, "%-16s %-20s %-36s %s\n", e.ID, e.Name, strings.Join(e.TwoFactor, ","), e.Verified)
	}
	return nil
}

// portalLint checks files, or the built-in scripts when none are named.
func portalLint(m *Main, files []string) error {
	var probs []portals.Problem
	checked := 0
	check := func(name string, data []byte) {
		checked++
		s, err := portals.Parse(name, data)
		var le *portals.LintError
		if errors.As(err, &le) {
			probs = append(probs, le.Problems...)
		} else if err != nil {
			probs = append(probs, portals.Problem{File: name, Message: err.Error()})
		}
		if s != nil {
			for _, g := range portals.GoSteps(s) {
				if !slices.Contains(portals.RegisteredSteps(), g) {
					probs = append(probs, portals.Problem{File: name, Message: fmt.Sprintf("go step %q is not registered in this build", g)})
				}
			}
		}
	}
	if len(files) == 0 {
		entries, err := fs.ReadDir(scripts.FS, ".")
		if err != nil {
			return err
		}
		probs = append(probs, portals.LintFragments(scripts.FS, "portals/scripts")...)
		for _, e := range entries {
			if e.IsDir() {
				continue // fragments, checked above and where scripts use them
			}
			data, err := fs.ReadFile(scripts.FS, e.Name())
			if err != nil {
				return err
			}
			check("portals/scripts/"+e.Name(), data)
		}
		// Load also refuses two scripts with one id.
		if _, err := portals.Builtin(); err != nil && len(probs) == 0 {
			probs = append(probs, portals.Problem{File: "portals/scripts", Message: err.Error()})
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		check(f, data)
	}
	for _, p := range probs {
		fmt.Fprintln(m.Stdout, p.String())
	}
	if len(probs) > 0 {
		fmt.Fprintf(m.Stderr, "%d problem(s)\n", len(probs))
		return exitError{1}
	}
	fmt.Fprintf(m.Stdout, "%d script(s) OK\n", checked)
	return nil
}

func portalTestReplica(ctx context.Context, m *Main, target, replicaName, out, modes string) error {
	reg, script, err := m.testScript(target)
	if err != nil {
		return err
	}
	id := replicaName
	if id == "" {
		id = script.ID
	}
	uri := replica.DemoKey(id)
	if uri == "" {
		return fmt.Errorf("portal %q has no local replica", id)
	}
	keys, err := otpauth.Parse(uri)
	if err != nil {
		return fmt.Errorf("demo key of %s: %w", id, err)
	}
	rs, err := replica.Start(replica.Options{Portals: []string{id}})
	if err != nil {
		return fmt.Errorf("start replica: %w", err)
	}
	defer rs.Close()
	var mode replica.Mode
	for _, name := range strings.FieldsFunc(modes, func(r rune) bool { return r == ',' || r == ' ' }) {
		md, ok := replicaModes[name]
		if !ok {
			return usagef("unknown --misbehave mode %q (modes: %s)", name, strings.Join(modeNames(), ", "))
		}
		mode |= md
	}
	rs.Portal(id).SetMode(mode)
	pool, err := portals.NewPool(ctx, portals.PoolConfig{
		ChromePath: m.Config.String("chrome-path"),
		RemoteURL:  m.Config.String("chrome-url"),
		EgressAddr: m.Config.String("egress-addr"),
		ExtraFlags: rs.ChromeFlags(),
		Logger:     m.Logger,
	})
	if err != nil {
		return err
	}
	defer pool.Close()
	sec := &demoSecrets{password: replica.DemoPassword, key: keys[0]}
	return runPortalTest(ctx, m, reg, pool, script.ID, replica.DemoEmail, replica.DemoFields(script.ID), sec, out, sec.codesUsed)
}

// runPortalTest runs one job, printing each step and document, and saves
// the artifacts of a failure under out.
func runPortalTest(ctx context.Context, m *Main, reg *portals.Registry, pool *portals.Pool, id, username string,
	fields map[string]string, sec portals.Secrets, out string, codes func() int) error {
	if out == "" {
		var err error
		if out, err = os.MkdirTemp("", "twofetch-portal-"+id+"-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(out, 0o700); err != nil {
		return err
	}
	job := &portals.Job{
		Portal:      id,
		Username:    username,
		Fields:      fields,
		Secrets:     sec,
		ArtifactDir: filepath.Join(out, "artifacts"),
		Logger:      m.Logger,
		Progress:    func(s portals.StepLog) { fmt.Fprintln(m.Stdout, s.String()) },
		Save: func(ctx context.Context, d *portals.Document) error {
			name := filepath.Join(out, safeName(d.PortalInvoiceID)+extFor(d.ContentType))
			if err := os.WriteFile(name, d.Data, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "document %s  %s  %s %s  %d bytes  sha256 %s  → %s\n",
				d.PortalInvoiceID, d.Date, d.Amount, d.Currency, len(d.Data), d.SHA256[:12], name)
			return nil
		},
	}
	start := time.Now()
	res, err := portals.NewRunner(reg, pool).Run(ctx, job)
	fmt.Fprintf(m.Stdout, "outcome %s, %d new document(s), %d code(s) used, session reused: %v, %v\n",
		res.Outcome, res.New, codes(), res.SessionReused, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(m.Stdout, "script %s version %s (%s)\n", id, res.ScriptVersion, reg.Origin(id))
	if err != nil {
		fmt.Fprintf(m.Stderr, "twofetch portal test: %v\n", err)
		if res.ArtifactDir != "" {
			fmt.Fprintf(m.Stderr, "screenshot, page HTML and step log saved in %s\n", res.ArtifactDir)
		}
		return exitError{1}
	}
	fmt.Fprintf(m.Stdout, "documents saved in %s\n", out)
	return nil
}

// portalTestLive runs a script against the real portal with a login's
// secrets from the vault. The login is named, or found through one of its
// accounts.
func portalTestLive(ctx context.Context, m *Main, target, loginID, accountID, out string) error {
	reg, script, err := m.testScript(target)
	if err != nil {
		return err
	}
	id := script.ID
	st, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	if accountID != "" {
		acct, err := st.AccountByID(ctx, accountID)
		if twofetch.IsNotFound(err) {
			return fmt.Errorf("no account %s (twofetch account list --tenant ID lists them)", accountID)
		}
		if err != nil {
			return fmt.Errorf("account %s: %w", accountID, err)
		}
		loginID = acct.LoginOrOwnID()
	}
	l, err := st.LoginByID(ctx, loginID)
	if twofetch.IsNotFound(err) {
		return fmt.Errorf("no login %s (an account's login_id names it)", loginID)
	}
	if err != nil {
		return fmt.Errorf("login %s: %w", loginID, err)
	}
	if err := loginFits(reg, script, l); err != nil {
		return err
	}
	rdb, _, err := m.openRedis(ctx, false)
	if err != nil {
		return err
	}
	v, err := m.openVault(ctx, st, rdb)
	if err != nil {
		return err
	}
	// With --replicas the "live" portal is the local replica, as for the
	// other commands, which makes the vault path testable without a portal.
	pool, err := m.openBrowser(ctx)
	if err != nil {
		return err
	}
	sec := &liveSecrets{AccountSecrets: &vault.AccountSecrets{Vault: v, TenantID: l.TenantID, AccountID: l.ID}}
	// The login's credential values, as a worker's run of it gets them.
	return runPortalTest(ctx, m, reg, pool, id, l.Username, l.Credentials, sec, out, sec.codesUsed)
}

// loginFits checks that script signs in the way login does: the login's
// own portal, or a portal of the same family (one sign-in for Amazon.de
// and Audible).
func loginFits(reg *portals.Registry, script *portals.Script, l *twofetch.Login) error {
	if script.ID == l.Portal {
		return nil
	}
	own, ok := reg.Get(l.Portal)
	if ok && own.Family() != "" && own.Family() == script.Family() {
		return nil
	}
	family := ""
	if ok && own.Family() != "" {
		family = " (family " + own.Family() + ")"
	}
	return fmt.Errorf("login %s signs in at %s%s; the script %s does not sign in that way", l.ID, l.Portal, family, script.ID)
}

// liveSecrets are an account's vault secrets for a test run that must
// leave no trace: saved cookies are read, never replaced. It counts codes.
type liveSecrets struct {
	*vault.AccountSecrets
	codes atomic.Int64
}

func (s *liveSecrets) Code(ctx context.Context) (string, error) {
	c, err := s.AccountSecrets.Code(ctx)
	if err == nil {
		s.codes.Add(1)
	}
	return c, err
}

func (s *liveSecrets) SaveCookies(context.Context, []byte) error { return nil }

// The login's browser identity and profile stay as the workers left them.
func (s *liveSecrets) SaveIdentity(context.Context, []byte) error { return nil }
func (s *liveSecrets) SaveProfile(context.Context, []byte) error  { return nil }

func (s *liveSecrets) codesUsed() int { return int(s.codes.Load()) }

var replicaModes = map[string]replica.Mode{
	"wrong-password": replica.RejectPassword,
	"code-rejected":  replica.RejectCode,
	"captcha":        replica.Captcha,
	"push-only":      replica.PushOnly,
	"new-device":     replica.NewDevice,
	"terms":          replica.Terms,
	"changed-layout": replica.ChangedLayout,
	"down":           replica.Down,
	"rate-limited":   replica.RateLimited,
	"blocked":        replica.Blocked,
	"refuse-browser": replica.RefuseBrowser,
}

func modeNames() []string {
	var n []string
	for k := range replicaModes {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// demoSecrets holds the replica demo user's credentials. Like the vault,
// it never hands out two codes for the same time step.
type demoSecrets struct {
	password string
	key      *otpauth.Key

	mu       sync.Mutex
	lastStep uint64
	codes    int
	cookies  []byte
}

func (d *demoSecrets) Password(context.Context) (string, error) { return d.password, nil }
func (d *demoSecrets) HasKey(context.Context) (bool, error)     { return d.key != nil, nil }

func (d *demoSecrets) Code(ctx context.Context) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.key.TimeBased() {
		// MobilePASS and HOTP: the next counter, as the vault issues it.
		c, err := d.key.Code(d.key.Counter)
		d.key.Counter++
		d.codes++
		return c, err
	}
	for {
		step := d.key.Step(time.Now())
		// Never less than 3 seconds left, so the portal sees the code in
		// its own window.
		if step > d.lastStep && time.Until(d.key.StepEnd(step)) > 3*time.Second {
			d.lastStep = step
			d.codes++
			return d.key.Code(step)
		}
		t := time.NewTimer(time.Until(d.key.StepEnd(step)))
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
	}
}

func (d *demoSecrets) Cookies(context.Context) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cookies == nil {
		return nil, twofetch.ErrNotFound
	}
	return d.cookies, nil
}

func (d *demoSecrets) SaveCookies(_ context.Context, b []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cookies = b
	return nil
}

func (d *demoSecrets) codesUsed() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.codes
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, s)
}

func extFor(ct string) string {
	switch ct {
	case "application/pdf":
		return ".pdf"
	case "text/csv":
		return ".csv"
	case "text/html":
		return ".html"
	}
	return ""
}
