package web

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/metrics"
)

// QueuesPath is where the queue monitor (asynqmon) lives, under the
// support views so the support login cookie reaches it.
const QueuesPath = supportPrefix + "/queues"

// MountOps registers /metrics and, when redisOpt is not nil, the queue
// monitor at QueuesPath behind the support login. The returned Closer
// releases the monitor's Redis connections.
func (p *Pipeline) MountOps(s *Server, redisOpt asynq.RedisConnOpt) io.Closer {
	p.srv = s
	s.Handle("GET /metrics", p.metricsAuth(metrics.Handler()))
	if redisOpt == nil {
		return nopCloser{}
	}
	mon := asynqmon.New(asynqmon.Options{
		RootPath:         QueuesPath,
		RedisConnOpt:     redisOpt,
		PayloadFormatter: asynqmon.PayloadFormatterFunc(queuePayload),
	})
	csp := monitorCSP(mon)
	csrf := http.NewCrossOriginProtection()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := TenantFrom(r.Context())
		if len(p.QueueTenants) > 0 && !slices.Contains(p.QueueTenants, t.ID) {
			p.supportError(w, r, twofetch.Errorf(twofetch.EFORBIDDEN, "the queue monitor is not open to this tenant"))
			return
		}
		w.Header().Set("Content-Security-Policy", csp)
		mon.ServeHTTP(w, r)
	})
	s.Handle(QueuesPath+"/", csrf.Handler(p.admin(h)))
	p.queues = true
	return mon
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

func (p *Pipeline) metricsAuth(h http.Handler) http.Handler {
	if p.MetricsToken == "" {
		return h
	}
	want := []byte("Bearer " + p.MetricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the metrics bearer token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// queuePayload shows task payloads in the monitor, except webhook events:
// those carry invoice metadata of a tenant, and the monitor is shared.
func queuePayload(taskType string, payload []byte) string {
	if strings.HasPrefix(taskType, "webhook:") {
		return "(webhook event, not shown)"
	}
	return string(payload)
}

var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// monitorCSP is the policy for the monitor's single-page app: its own
// scripts plus the two inline ones of its index page, allowed by hash so no
// other inline script runs; inline styles, which its component library
// injects at run time. The index also links Google Fonts; those stay
// blocked, so the browser talks to no one else and falls back to system
// fonts.
func monitorCSP(mon http.Handler) string {
	rec := &pageRecorder{header: http.Header{}}
	req, _ := http.NewRequest(http.MethodGet, QueuesPath+"/", nil)
	mon.ServeHTTP(rec, req)
	scripts := []string{"'self'"}
	for _, m := range inlineScript.FindAllSubmatch(rec.body.Bytes(), -1) {
		sum := sha256.Sum256(m[1])
		scripts = append(scripts, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	return "default-src 'self'; script-src " + strings.Join(scripts, " ") +
		"; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'" +
		"; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
}

// pageRecorder captures the monitor's index page at mount time.
type pageRecorder struct {
	header http.Header
	body   bytes.Buffer
}

func (r *pageRecorder) Header() http.Header         { return r.header }
func (r *pageRecorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *pageRecorder) WriteHeader(int)             {}
