package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/hibiken/asynq"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/enroll"
	"github.com/twofetch/twofetch/internal/netguard"
	"github.com/twofetch/twofetch/sms"
	"github.com/twofetch/twofetch/web"
	"github.com/twofetch/twofetch/workers"
)

// Settings of the enrolment flow: where links point, how long they live,
// and how the SMS goes out.
var enrollSettings = []string{"public-url", "enrollment-ttl", "first-run-delay", "sms", "sms-log-allowed", "enrollments-per-hour", "decode-memory-mb", "replicas", "sms-sender-id",
	"sms-webhook-url", "sms-webhook-secret", "aws-endpoint-url", "outbound-allow", "outbound-http"}

// outbound is the policy for requests to URLs tenants and operators set
// (webhooks, the SMS gateway).
func (m *Main) outbound() *netguard.Policy {
	p := &netguard.Policy{}
	if m.Config.Has("outbound-http") {
		p.AllowHTTP = m.Config.Bool("outbound-http")
	}
	if m.Config.Has("outbound-allow") {
		p.Allow, _ = netguard.ParseAllow(m.Config.String("outbound-allow")) // checked at start
	}
	return p
}

// Settings of the pages and API around runs and invoices.
var pipelineSettings = []string{"blob-url", "status-key", "metrics-token", "operator-token", "replicas"}

// smsSender builds the sender TWOFETCH_SMS names.
func (m *Main) smsSender(ctx context.Context) (sms.Sender, error) {
	switch m.Config.String("sms") {
	case "sns":
		cfg, err := m.awsConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("TWOFETCH_SMS: %w", err)
		}
		client := sns.NewFromConfig(cfg, func(o *sns.Options) {
			if ep := m.Config.String("aws-endpoint-url"); ep != "" {
				o.BaseEndpoint = aws.String(ep)
			}
		})
		return &sms.SNS{Client: client, SenderID: m.Config.String("sms-sender-id")}, nil
	case "webhook":
		u := m.Config.String("sms-webhook-url")
		if u == "" {
			return nil, errors.New("TWOFETCH_SMS_WEBHOOK_URL: required when TWOFETCH_SMS=webhook")
		}
		pol := m.outbound()
		if err := pol.CheckURL(ctx, u); err != nil {
			return nil, fmt.Errorf("TWOFETCH_SMS_WEBHOOK_URL: %v (see TWOFETCH_OUTBOUND_ALLOW and TWOFETCH_OUTBOUND_HTTP)", err)
		}
		return &sms.Webhook{URL: u, Secret: m.Config.String("sms-webhook-secret"), Client: pol.Client(15 * time.Second)}, nil
	}
	if err := m.logSMSAllowed(); err != nil {
		return nil, err
	}
	return &sms.Log{Logger: m.Logger.With("component", "sms")}, nil
}

// logSMSAllowed refuses the log sender where its log lines, each a live
// enrolment link that opens a customer's authenticator enrolment, would
// reach a production log: in web and worker processes, and behind an
// https public URL. all on plain HTTP and all --replicas are demos.
func (m *Main) logSMSAllowed() error {
	if m.Config.Bool("sms-log-allowed") {
		return nil
	}
	if m.command == "web" || m.command == "worker" {
		return fmt.Errorf("TWOFETCH_SMS=log writes live enrolment links to the log and is refused in the %s command; choose sns or webhook, or set TWOFETCH_SMS_LOG_ALLOWED=true", m.command)
	}
	if strings.HasPrefix(m.Config.String("public-url"), "https://") && !m.Config.Bool("replicas") {
		return errors.New("TWOFETCH_SMS=log writes live enrolment links to the log and is refused with an https TWOFETCH_PUBLIC_URL; choose sns or webhook, or set TWOFETCH_SMS_LOG_ALLOWED=true")
	}
	return nil
}

func (m *Main) awsConfig(ctx context.Context) (aws.Config, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if r := m.Config.Env("AWS_REGION"); r != "" {
		opts = append(opts, awsconfig.WithRegion(r))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// publicURL is TWOFETCH_PUBLIC_URL, or the address the server listens on.
func (m *Main) publicURL(l net.Listener) string {
	if u := m.Config.String("public-url"); u != "" {
		return strings.TrimRight(u, "/")
	}
	return "http://" + l.Addr().String()
}

// portalNames maps portal ids to display names for SMS and pages.
func (m *Main) portalNames() (func(string) string, error) {
	reg, err := m.portalScripts()
	if err != nil {
		return nil, err
	}
	return func(id string) string {
		if s, ok := reg.Get(id); ok && s.Name != "" {
			return s.Name
		}
		return id
	}, nil
}

// newEnroll builds the enrolment service. Its SMS go through the queue,
// sent by a worker with retries; a confirmed key schedules the account's
// first run within minutes.
func (m *Main) newEnroll(ctx context.Context, svc *services, publicURL string) (*enroll.Service, error) {
	sender, err := m.smsSender(ctx)
	if err != nil {
		return nil, err
	}
	names, err := m.portalNames()
	if err != nil {
		return nil, err
	}
	reg, err := builtinPortals()
	if err != nil {
		return nil, fmt.Errorf("load built-in portal scripts: %w", err)
	}
	enq := svc.enqueuer(m)
	sched, err := workers.NewScheduler(workers.SchedulerConfig{Store: svc.Store, Logger: m.Logger,
		FirstRunDelay: m.Config.Duration("first-run-delay")})
	if err != nil {
		return nil, err
	}
	return enroll.New(enroll.Config{
		Store: svc.Store, Vault: svc.Vault, Sender: sender, Redis: svc.Redis,
		PublicURL:     publicURL,
		TTL:           m.Config.Duration("enrollment-ttl"),
		TenantPerHour: int64(m.Config.Int("enrollments-per-hour")),
		DecodeMemory:  int64(m.Config.Int("decode-memory-mb")) << 20,
		PortalName:    names,
		PortalInfo: func(id string) enroll.PortalInfo {
			s, ok := reg.Get(id)
			if !ok {
				return enroll.PortalInfo{TwoFactor: []string{"totp"}}
			}
			info := enroll.PortalInfo{TwoFactor: s.TwoFactor, PushApp: s.PushApp}
			if e := s.Enrollment; e != nil {
				info.Help = &enroll.Help{SettingsURL: e.SettingsURL, Wording: e.Wording, Path: e.Path, CantScan: e.CantScan, Note: e.Note, KeyOnly: e.KeyOnly()}
			}
			return info
		},
		EnqueueSMS: enq.EnqueueSMS,
		Confirmed: func(ctx context.Context, a *twofetch.Account) {
			if err := sched.ScheduleSoon(ctx, a); err != nil {
				m.Logger.WarnContext(ctx, "schedule first run after enrolment", "account", a.ID, "err", err)
			}
		},
		Logger: m.Logger.With("component", "enroll"),
	})
}

// enqueuer returns the process's queue client, made on first use.
func (svc *services) enqueuer(m *Main) *workers.Enqueuer {
	if svc.enq == nil {
		svc.enq = workers.NewEnqueuer(svc.Redis, svc.Store, m.Logger)
		m.OnClose(svc.enq.Close)
	}
	return svc.enq
}

// mountAll puts every HTTP surface on the web server: the account API (in
// web itself), enrolment, runs, invoices, status and support pages.
func (m *Main) mountAll(ctx context.Context, svc *services, srv *web.Server, publicURL string) error {
	en, err := m.newEnroll(ctx, svc, publicURL)
	if err != nil {
		return err
	}
	en.Mount(srv)
	svc.enroll = en

	key, err := m.statusKey()
	if err != nil {
		return err
	}
	blobs, err := m.openBlobs(ctx)
	if err != nil {
		return err
	}
	names, err := m.portalNames()
	if err != nil {
		return err
	}
	p := &web.Pipeline{
		Store: svc.Store, Runs: svc.enqueuer(m), Blob: blobs,
		Portals:       names,
		StatusKey:     key,
		BaseURL:       publicURL,
		MetricsToken:  m.Config.String("metrics-token"),
		OperatorToken: m.Config.String("operator-token"),
		// A demo on loopback has no one to keep counts from.
		OpenMetrics: m.Config.Bool("replicas"),
		Redis:       svc.Redis,
		Logger:      m.Logger.With("component", "web"),
		// The status page's "send me a new link" goes through enrolment
		// and its limits.
		Renew: en.RenewAccount,
	}
	p.Mount(srv)
	reg, err := m.portalScripts()
	if err != nil {
		return err
	}
	p.MountPortalHealth(srv, registryScripts{reg})
	opt, err := asynq.ParseRedisURI(svc.RedisURL)
	if err != nil {
		return fmt.Errorf("TWOFETCH_REDIS_URL: %w", err)
	}
	m.OnClose(p.MountOps(srv, opt).Close)
	return nil
}

// statusKey is TWOFETCH_STATUS_KEY, or a key file in the data directory
// created on first use.
func (m *Main) statusKey() ([]byte, error) {
	if k := m.Config.String("status-key"); k != "" {
		return base64.StdEncoding.DecodeString(k)
	}
	dir, err := m.Config.DataDir()
	if err != nil {
		return nil, err
	}
	key, err := web.StatusKeyFile(filepath.Join(dir, "status.key"))
	if err != nil {
		return nil, fmt.Errorf("TWOFETCH_DATA_DIR: status key: %w", err)
	}
	return key, nil
}
