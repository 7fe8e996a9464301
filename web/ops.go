package web

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"

	"github.com/twofetch/twofetch/metrics"
)

// QueuesPath is where the queue monitor (asynqmon) lives, under the
// support views so the support session cookie reaches it.
const QueuesPath = supportPrefix + "/queues"

// MountOps registers /metrics and, when redisOpt is not nil and an
// OperatorToken is set, the queue monitor at QueuesPath. The monitor lists,
// deletes and pauses every tenant's tasks, so only the operator token opens
// it, never a tenant's admin token. The returned Closer releases the
// monitor's Redis connections.
func (p *Pipeline) MountOps(s *Server, redisOpt asynq.RedisConnOpt) io.Closer {
	p.srv = s
	p.sessions.rdb = p.Redis
	s.Handle("GET /metrics", p.metricsAuth(metrics.Handler()))
	if redisOpt == nil || p.OperatorToken == "" {
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
		w.Header().Set("Content-Security-Policy", csp)
		mon.ServeHTTP(w, r)
	})
	s.Handle(QueuesPath+"/", csrf.Handler(p.operator(h)))
	p.queues = true
	return mon
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

func (p *Pipeline) metricsAuth(h http.Handler) http.Handler {
	if p.MetricsToken == "" {
		if p.OpenMetrics {
			return h
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need a bearer token; the operator sets TWOFETCH_METRICS_TOKEN", http.StatusUnauthorized)
		})
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
// those carry invoice metadata of a tenant, which operators need not read.
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
