// Package metrics holds twofetch's Prometheus collectors in one registry,
// so any package can count what it does without depending on the workers
// or the web server, and /metrics serves them all.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds every twofetch collector plus the Go and process ones.
var Registry = prometheus.NewRegistry()

var (
	// Runs counts finished runs by portal and outcome.
	Runs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "twofetch", Name: "runs_total",
		Help: "Finished portal runs by portal and outcome.",
	}, []string{"portal", "outcome"})

	// RunDuration observes how long runs take, by portal.
	RunDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "twofetch", Name: "run_duration_seconds",
		Help:    "Duration of portal runs, from start to outcome.",
		Buckets: []float64{1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600},
	}, []string{"portal"})

	// InvoicesStored counts new invoices stored, by portal.
	InvoicesStored = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "twofetch", Name: "invoices_stored_total",
		Help: "New invoices stored, by portal.",
	}, []string{"portal"})

	// QueueSize is the number of tasks in each queue by state, sampled
	// from Redis.
	QueueSize = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "twofetch", Name: "queue_tasks",
		Help: "Tasks in each queue by state (pending, active, scheduled, retry, archived).",
	}, []string{"queue", "state"})

	// CodesIssued counts one-time codes handed out by the vault, by kind
	// (totp, hotp, steam).
	CodesIssued = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "twofetch", Name: "codes_issued_total",
		Help: "One-time codes issued by the vault, by key type.",
	}, []string{"type"})

	// QRDecodes counts photo decodes by result: ok, no_code, too_large,
	// unsupported_format, corrupt, refused (decoded but not a usable key).
	QRDecodes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "twofetch", Name: "qr_decodes_total",
		Help: "QR photo decodes by result.",
	}, []string{"result"})

	// Alerts counts support alerts raised (once per portal and outcome a
	// day), by portal and outcome.
	Alerts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "twofetch", Name: "support_alerts_total",
		Help: "Support alerts raised, by portal and outcome.",
	}, []string{"portal", "outcome"})

	// PortalsDegraded counts portal.degraded raised for operators: a
	// portal whose success rate across all tenants fell sharply, at most
	// once a day per portal.
	PortalsDegraded = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "twofetch", Name: "portals_degraded_total",
		Help: "Portals whose success rate across all tenants fell sharply (portal.degraded for operators), by portal.",
	}, []string{"portal"})

	// Webhooks counts webhook delivery attempts by result: delivered,
	// failed (will retry), given_up.
	Webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "twofetch", Name: "webhook_deliveries_total",
		Help: "Webhook delivery attempts by result.",
	}, []string{"result"})

	// Scheduled counts fetch tasks the scheduler enqueued, and duplicates
	// it skipped because another replica had already enqueued the slot.
	Scheduled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "twofetch", Name: "scheduled_total",
		Help: "Fetch tasks the scheduler enqueued (result=enqueued) or found already enqueued (result=duplicate).",
	}, []string{"result"})
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		Runs, RunDuration, InvoicesStored, QueueSize, CodesIssued, QRDecodes,
		Alerts, PortalsDegraded, Webhooks, Scheduled,
	)
}

// Handler serves the registry in the Prometheus text format.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{Registry: Registry})
}
