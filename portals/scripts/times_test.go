package scripts_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/otpauth"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/portals/scripts"
)

var timesTable = flag.String("table", "", "BenchmarkPortalTimes writes its figures to this file as a Markdown table (- for standard output)")

// notTimed are the portals whose good run is not a sign-in with a code:
// their tests expect another outcome, so there is no run to time.
var notTimed = map[string]string{
	"financecloud": "its only second factor is the smartIDENT app's approval: the run ends unsupported_2fa",
}

// mobilePass are the portals whose code comes from a MobilePASS token
// (event-based) rather than a TOTP key.
var mobilePass = map[string]bool{"smart-workplace": true}

// BenchmarkPortalTimes times every built-in script against its replica, as
// a worker runs it: a browser per login, keys typed at a person's pace,
// the default step timeouts. Per portal, each iteration takes a new replica
// user through a first run (password, authenticator code, documents) and a
// second run on the kept browser profile (the session, where the script
// keeps one; a full sign-in where it does not). A run that does not end as
// the script's tests expect fails the portal, so no time is reported for
// it. The replicas answer at once: the figures are the browser's and the
// script's (its waits and typing), not a real portal's latency.
//
//	go test ./portals/scripts -run '^$' -bench PortalTimes -benchtime 1x -table times.md
//	go test ./portals/scripts -run '^$' -bench 'PortalTimes/github$' -benchtime 1x
func BenchmarkPortalTimes(b *testing.B) {
	chrome := testenv.ChromePath(b)
	srv, err := replica.Start(replica.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	reg, err := portals.Load(scripts.FS)
	if err != nil {
		b.Fatalf("load scripts: %v", err)
	}
	// The worker's setup: a browser per login, on the login's own profile.
	pool, err := portals.NewPool(context.Background(), portals.PoolConfig{ChromePath: chrome, ExtraFlags: srv.ChromeFlags()})
	if err != nil {
		testenv.Missing(b, "start Chromium: %v", err)
	}
	defer pool.Close()
	// NewRunner's defaults are the worker's: 45–160 ms between keys, 30 s
	// step timeout.
	r := portals.NewRunner(reg, pool)

	load := startLoadSampler(20 * time.Second)
	started := time.Now().UTC()
	var rows []*timesRow
	var users int
	for _, id := range replica.IDs() {
		s, ok := reg.Get(id)
		if !ok {
			continue // TestHosts
		}
		row := &timesRow{id: id}
		b.Run(id, func(b *testing.B) {
			row.ran = true
			if why, skip := notTimed[id]; skip {
				row.skipped = why
				b.Skip(why)
			}
			row.failed = true
			p := srv.Portal(id)
			var first, second time.Duration
			var docs, codes, secondCodes int
			for range b.N {
				users++
				a, err := newTimesAccount(p, id, users)
				if err != nil {
					b.Fatal(err)
				}
				f, n, c, err := timeFirstRun(r, s, p, a)
				if err != nil {
					b.Fatal(err)
				}
				sr, sc, err := timeSecondRun(r, s, p, a)
				if err != nil {
					b.Fatal(err)
				}
				first += f
				second += sr
				docs += n
				codes += c
				secondCodes += sc
			}
			n := float64(b.N)
			row.failed = false
			row.first, row.second = first.Seconds()/n, second.Seconds()/n
			row.docs, row.codes, row.secondCodes = float64(docs)/n, float64(codes)/n, float64(secondCodes)/n
			row.session = s.Session != nil
			// ns/op would add both runs and the user's set-up together.
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(row.first, "first-s/op")
			b.ReportMetric(row.second, "second-s/op")
			b.ReportMetric(row.docs, "docs/op")
			b.ReportMetric(row.codes, "codes/op")
		})
		if row.ran {
			rows = append(rows, row)
		}
	}
	avg := load.stop()
	if *timesTable != "" {
		md := timesMarkdown(rows, started, time.Since(started), chromeVersion(chrome), avg)
		if *timesTable == "-" {
			fmt.Print(md)
		} else if err := os.WriteFile(*timesTable, []byte(md), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// timesAccount is a replica user whose vault also keeps the login's browser
// identity and profile, as the worker's does.
type timesAccount struct {
	email string
	sec   portals.Secrets
	codes func() int
	store *store
}

// loginSecrets adds the login's stored browser to secrets (LoginStore).
type loginSecrets struct {
	*secrets
	identity, profile []byte
}

func (s *loginSecrets) Identity(context.Context) ([]byte, error) { return orNotFound(s.identity) }
func (s *loginSecrets) Profile(context.Context) ([]byte, error)  { return orNotFound(s.profile) }
func (s *loginSecrets) SaveIdentity(_ context.Context, b []byte) error {
	s.identity = append([]byte(nil), b...)
	return nil
}
func (s *loginSecrets) SaveProfile(_ context.Context, b []byte) error {
	s.profile = append([]byte(nil), b...)
	return nil
}

func orNotFound(b []byte) ([]byte, error) {
	if b == nil {
		return nil, twofetch.ErrNotFound
	}
	return b, nil
}

// mobilePassSecrets gives the token's codes in counter order, one per
// request, as the vault does.
type mobilePassSecrets struct{ *loginSecrets }

func (s *mobilePassSecrets) Code(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.key.Code(s.key.Counter)
	s.key.Counter++
	s.codes++
	return c, err
}

func newTimesAccount(p *replica.Portal, id string, n int) (*timesAccount, error) {
	email := fmt.Sprintf("timed%d@example.com", n)
	password := "pw-" + email
	sec := &secrets{password: password}
	if mobilePass[id] {
		token, err := p.AddMobilePassUser(email, password)
		if err != nil {
			return nil, err
		}
		keys, err := otpauth.Parse(token)
		if err != nil || len(keys) != 1 {
			return nil, fmt.Errorf("MobilePASS token %q: %v", token, err)
		}
		sec.key = keys[0]
	} else {
		key, err := p.AddUser(email, password)
		if err != nil {
			return nil, err
		}
		if !noAuthenticator[id] {
			sec.key = key
		}
	}
	ls := &loginSecrets{secrets: sec}
	a := &timesAccount{email: email, sec: ls, store: &store{docs: map[string]*portals.Document{}},
		codes: func() int { sec.mu.Lock(); defer sec.mu.Unlock(); return sec.codes }}
	if mobilePass[id] {
		a.sec = &mobilePassSecrets{ls}
	}
	return a, nil
}

func timedRun(r *portals.Runner, id string, a *timesAccount) (*portals.Result, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	job := &portals.Job{Portal: id, Username: a.email, Secrets: a.sec, Fields: replica.DemoFields(id),
		Known: a.store.known, Save: a.store.save}
	start := time.Now()
	res, err := r.Run(ctx, job)
	return res, time.Since(start), err
}

// timeFirstRun signs a new user in and fetches every document the replica
// holds for it (none where the script knows no documents page), with one
// code unless the portal offers no authenticator.
func timeFirstRun(r *portals.Runner, s *portals.Script, p *replica.Portal, a *timesAccount) (time.Duration, int, int, error) {
	before := p.Stats()
	res, took, err := timedRun(r, s.ID, a)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("first run: %v\n%s", err, steps(res))
	}
	wantDocs, wantOutcome := len(p.Invoices(a.email)), twofetch.OutcomeOK
	if len(s.Documents) == 0 {
		wantDocs, wantOutcome = 0, twofetch.OutcomeNoDocuments
	}
	wantCodes := 1
	if noAuthenticator[s.ID] {
		wantCodes = 0
	}
	codes := a.codes()
	if res.Outcome != wantOutcome || res.New != wantDocs || len(a.store.docs) != wantDocs {
		return 0, 0, 0, fmt.Errorf("first run: outcome %s, %d new; want %s, %d\n%s", res.Outcome, res.New, wantOutcome, wantDocs, steps(res))
	}
	if codes != wantCodes || p.Stats().PasswordLogins != before.PasswordLogins+1 || !noStepFailed(res) {
		return 0, 0, 0, fmt.Errorf("first run: %d codes, %d password sign-ins, no step failed %v; want %d, 1, true\n%s",
			codes, p.Stats().PasswordLogins-before.PasswordLogins, noStepFailed(res), wantCodes, steps(res))
	}
	return took, res.New, codes, nil
}

// timeSecondRun runs the same user again: nothing new, in the kept session
// where the script keeps one, else after a full sign-in.
func timeSecondRun(r *portals.Runner, s *portals.Script, p *replica.Portal, a *timesAccount) (time.Duration, int, error) {
	before, codes := p.Stats(), a.codes()
	res, took, err := timedRun(r, s.ID, a)
	if err != nil || res.Outcome != twofetch.OutcomeNoDocuments || res.New != 0 || !noStepFailed(res) {
		return 0, 0, fmt.Errorf("second run: outcome %v (%v), %d new; want no_documents, 0, no step failed\n%s", res.Outcome, err, res.New, steps(res))
	}
	logins, used := p.Stats().PasswordLogins-before.PasswordLogins, a.codes()-codes
	if kept := s.Session != nil; res.SessionReused != kept || (kept && (logins != 0 || used != 0)) || (!kept && logins != 1) {
		return 0, 0, fmt.Errorf("second run: session reused %v, %d password sign-ins, %d codes; the script keeps a session: %v\n%s",
			res.SessionReused, logins, used, kept, steps(res))
	}
	return took, used, nil
}

type timesRow struct {
	id                       string
	ran, failed, session     bool
	skipped                  string
	first, second            float64
	docs, codes, secondCodes float64
}

func timesMarkdown(rows []*timesRow, started time.Time, took time.Duration, chrome string, load loadStats) string {
	var b strings.Builder
	var timed, failed, skipped []string
	for _, r := range rows {
		switch {
		case r.skipped != "":
			skipped = append(skipped, fmt.Sprintf("`%s` (%s)", r.id, r.skipped))
		case r.failed:
			failed = append(failed, "`"+r.id+"`")
		default:
			timed = append(timed, r.id)
		}
	}
	fmt.Fprintf(&b, "Measured %s UTC, %s, %d portals timed in %s; load average (1 min) %s.\n\n",
		started.Format("2006-01-02 15:04"), chrome, len(timed), took.Round(time.Second), load)
	b.WriteString("| portal | first run: sign-in, code, documents | second run | documents | codes (first + second) |\n")
	b.WriteString("|---|---:|---|---:|---|\n")
	for _, r := range rows {
		if r.skipped != "" || r.failed {
			continue
		}
		how := "session kept"
		if !r.session {
			how = "signs in again"
		}
		fmt.Fprintf(&b, "| `%s` | %.1f s | %.1f s, %s | %s | %s + %s |\n", r.id, r.first, r.second, how,
			num(r.docs), num(r.codes), num(r.secondCodes))
	}
	if len(failed) > 0 {
		fmt.Fprintf(&b, "\nFailed, so not timed: %s.\n", strings.Join(failed, ", "))
	}
	if len(skipped) > 0 {
		fmt.Fprintf(&b, "\nNot timed: %s.\n", strings.Join(skipped, "; "))
	}
	return b.String()
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func chromeVersion(path string) string {
	out, err := exec.Command(path, "--version").Output()
	if err != nil {
		return "Chromium (version unknown: " + err.Error() + ")"
	}
	return strings.TrimSpace(string(out))
}

// loadSampler reads the 1-minute load average at the start, every period
// and at the end: other work on the machine slows the browser.
type loadSampler struct {
	done    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	samples []float64
}

type loadStats struct {
	first, last, min, max, mean float64
	n                           int
}

func (l loadStats) String() string {
	if l.n == 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.1f at the start, %.1f at the end, %.1f on average (%.1f to %.1f, %d samples)", l.first, l.last, l.mean, l.min, l.max, l.n)
}

func startLoadSampler(every time.Duration) *loadSampler {
	l := &loadSampler{done: make(chan struct{})}
	l.sample()
	l.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-l.done:
				return
			case <-t.C:
				l.sample()
			}
		}
	})
	return l
}

func (l *loadSampler) sample() {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return
	}
	l.mu.Lock()
	l.samples = append(l.samples, v)
	l.mu.Unlock()
}

func (l *loadSampler) stop() loadStats {
	close(l.done)
	l.wg.Wait()
	l.sample()
	var s loadStats
	for i, v := range l.samples {
		if i == 0 || v < s.min {
			s.min = v
		}
		if v > s.max {
			s.max = v
		}
		s.mean += v
	}
	if s.n = len(l.samples); s.n > 0 {
		s.first, s.last, s.mean = l.samples[0], l.samples[s.n-1], s.mean/float64(s.n)
	}
	return s
}
