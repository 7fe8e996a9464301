package main

import (
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/twofetch/twofetch/internal/netguard"
)

// Setting is one configuration value, settable by flag and by environment
// variable; the flag wins. Settings is the single source of the README's
// configuration table (a test keeps the two in step).
type Setting struct {
	Flag    string
	Env     string
	Default string
	Help    string
	// Check validates a non-empty value; the error is prefixed with Env.
	Check func(v string) error
	// Secret settings are never flags, because command lines are visible
	// to every user of the machine (ps, /proc): they come from Env or from
	// the file named by Env_FILE (Kubernetes and Docker secrets).
	Secret bool
}

// Settings lists every setting twofetch reads.
var Settings = []*Setting{
	{Flag: "data-dir", Env: "TWOFETCH_DATA_DIR", Default: "./data",
		Help: "directory for the SQLite database, the local keyring, invoices and run artifacts; created if missing"},
	{Flag: "addr", Env: "TWOFETCH_ADDR", Default: "127.0.0.1:8080",
		Help: "HOST:PORT the web server listens on (port 0 picks a free port)", Check: checkHostPort},
	{Flag: "public-url", Env: "TWOFETCH_PUBLIC_URL", Default: "",
		Help: "base URL of SMS links and pages as customers reach them; empty means http://ADDR", Check: checkHTTPURL},
	{Flag: "database-url", Env: "TWOFETCH_DATABASE_URL", Default: "",
		Help: "postgres://… for PostgreSQL, sqlite:PATH or a file path for SQLite; empty means DATA_DIR/twofetch.db", Check: checkDatabaseURL},
	{Flag: "redis-url", Env: "TWOFETCH_REDIS_URL", Default: "",
		Help: "redis://… of the queue; empty runs an in-process Redis (only for the all command)", Check: checkRedisURL},
	{Flag: "master-key", Env: "TWOFETCH_MASTER_KEY", Default: "", Secret: true,
		Help: "base64 of a 32-byte key-encryption key instead of the keyring file; \"NEW,OLD\" while rotating"},
	{Flag: "kms-key-id", Env: "TWOFETCH_KMS_KEY_ID", Default: "",
		Help: "AWS KMS key id or ARN; when set, data keys are wrapped by KMS instead of the local keyring"},
	{Flag: "aws-endpoint-url", Env: "TWOFETCH_AWS_ENDPOINT_URL", Default: "",
		Help: "endpoint override for KMS and SNS (S3 takes its own in TWOFETCH_BLOB_URL)", Check: checkHTTPURL},
	{Flag: "blob-url", Env: "TWOFETCH_BLOB_URL", Default: "",
		Help: "where invoice files and the artifacts of failed runs (under artifacts/) go: file://DIR or s3://BUCKET/PREFIX?region=…&endpoint=…&path_style=true; empty means DATA_DIR/invoices", Check: checkBlobURL},
	{Flag: "sms", Env: "TWOFETCH_SMS", Default: "log",
		Help: "SMS sender: log (write messages to the log), sns (AWS SNS) or webhook", Check: oneOf("log", "sns", "webhook")},
	{Flag: "sms-log-allowed", Env: "TWOFETCH_SMS_LOG_ALLOWED", Default: "false",
		Help: "let the log SMS sender, which writes live enrolment links to the log, run in web and worker processes or behind an https public URL; all needs it only with an https public URL and without --replicas", Check: checkBool},
	{Flag: "enrollments-per-hour", Env: "TWOFETCH_ENROLLMENTS_PER_HOUR", Default: "200",
		Help: "most enrolments (each an SMS) a tenant may start per hour; one account and one phone number get at most 5", Check: positiveInt},
	{Flag: "decode-memory-mb", Env: "TWOFETCH_DECODE_MEMORY_MB", Default: "512",
		Help: "memory in MiB all photo decodes of a web process may use together; a photo that needs more is refused, others wait for their share", Check: positiveInt},
	{Flag: "sms-sender-id", Env: "TWOFETCH_SMS_SENDER_ID", Default: "twofetch",
		Help: "alphanumeric sender id of SNS messages where the country allows one"},
	{Flag: "sms-webhook-url", Env: "TWOFETCH_SMS_WEBHOOK_URL", Default: "",
		Help: "URL the webhook SMS sender POSTs JSON to", Check: checkHTTPURL},
	{Flag: "sms-webhook-secret", Env: "TWOFETCH_SMS_WEBHOOK_SECRET", Default: "", Secret: true,
		Help: "HMAC-SHA256 key signing webhook SMS requests (X-Twofetch-Signature)"},
	{Flag: "outbound-allow", Env: "TWOFETCH_OUTBOUND_ALLOW", Default: "",
		Help: "networks (10.1.0.0/16,127.0.0.1) webhooks and the SMS gateway may reach although private; by default loopback, private, link-local and metadata addresses are refused", Check: checkNetworks},
	{Flag: "outbound-http", Env: "TWOFETCH_OUTBOUND_HTTP", Default: "false",
		Help: "let webhooks and the SMS gateway use plain http:// (development only; by default https is required)", Check: checkBool},
	{Flag: "chrome-path", Env: "TWOFETCH_CHROME_PATH", Default: "/usr/lib/chromium/chromium",
		Help: "Chromium binary the browser pool starts"},
	{Flag: "chrome-url", Env: "TWOFETCH_CHROME_URL", Default: "",
		Help: "ws:// or http:// DevTools endpoint of a remote browser; when set no local browser is started"},
	{Flag: "egress-addr", Env: "TWOFETCH_EGRESS_ADDR", Default: "127.0.0.1",
		Help: "IP address the jobs' egress proxies listen on; the browser sends all its traffic there, so with TWOFETCH_CHROME_URL on another machine an address of this worker that browser reaches (the pod IP)", Check: checkIP},
	{Flag: "host-resolver-rules", Env: "TWOFETCH_HOST_RESOLVER_RULES", Default: "",
		Help: "Chromium-style host rules (MAP www.example.com 127.0.0.1:8443, MAP * ~NOTFOUND) for every portal request, to run scripts against a staging copy of a portal; empty: real DNS"},
	{Flag: "portals-dir", Env: "TWOFETCH_PORTALS_DIR", Default: "",
		Help: "folder of portal scripts that override the built-in ones by id and add new ones; re-read without a restart, a file failing lint is refused and the version before stays in use"},
	{Flag: "concurrency", Env: "TWOFETCH_CONCURRENCY", Default: "2",
		Help: "portal jobs a worker runs at once", Check: positiveInt},
	{Flag: "portal-sessions", Env: "TWOFETCH_PORTAL_SESSIONS", Default: "4",
		Help: "most runs logged into one portal at once, across all workers", Check: positiveInt},
	{Flag: "portal-starts-per-minute", Env: "TWOFETCH_PORTAL_STARTS_PER_MINUTE", Default: "30",
		Help: "most runs started against one portal per minute, across all workers", Check: positiveInt},
	{Flag: "webhook-give-up", Env: "TWOFETCH_WEBHOOK_GIVE_UP", Default: "24h",
		Help: "how long a webhook event is retried, counted from when it was queued (an event that waited out a queue outage gets its full time), before it is recorded as given up", Check: positiveDuration},
	{Flag: "replicas", Env: "TWOFETCH_REPLICAS", Default: "false",
		Help: "serve every portal replica in-process and route the browser to them (demo mode)", Check: checkBool},
	{Flag: "enrollment-ttl", Env: "TWOFETCH_ENROLLMENT_TTL", Default: "24h",
		Help: "how long an enrolment link stays valid", Check: positiveDuration},
	{Flag: "first-run-delay", Env: "TWOFETCH_FIRST_RUN_DELAY", Default: "2m",
		Help: "how soon an account runs after its authenticator key is enrolled", Check: positiveDuration},
	{Flag: "schedule-interval", Env: "TWOFETCH_SCHEDULE_INTERVAL", Default: "1m",
		Help: "how often the scheduler looks for accounts due to run", Check: positiveDuration},
	{Flag: "artifact-retention", Env: "TWOFETCH_ARTIFACT_RETENTION", Default: "336h",
		Help: "how long screenshots, HTML and step logs of failed runs are kept", Check: positiveDuration},
	{Flag: "history-retention", Env: "TWOFETCH_HISTORY_RETENTION", Default: "",
		Help: "how long finished runs and delivered webhook events are kept, at least 192h (e.g. 4320h for 180 days); empty keeps them for ever", Check: positiveDuration},
	{Flag: "status-key", Env: "TWOFETCH_STATUS_KEY", Default: "", Secret: true,
		Help: "base64 of the key that signs customers' status-page links; share it between web processes; empty means a key file in DATA_DIR/status.key", Check: checkBase64Key},
	{Flag: "metrics-token", Env: "TWOFETCH_METRICS_TOKEN", Default: "", Secret: true,
		Help: "bearer token /metrics requires; without one /metrics answers 401, except in all --replicas (demo mode)"},
	{Flag: "operator-token", Env: "TWOFETCH_OPERATOR_TOKEN", Default: "", Secret: true,
		Help: "token of the operator: opens the queue monitor at /support/queues and the portal health of every tenant (GET /api/v1/portals/health, /support/portals), as bearer token or at /support/login; empty serves neither. Tenants' admin tokens never open them"},
	{Flag: "log-format", Env: "TWOFETCH_LOG_FORMAT", Default: "auto",
		Help: "text, json, or auto (text on a terminal, json otherwise)", Check: oneOf("auto", "text", "json")},
	{Flag: "log-level", Env: "TWOFETCH_LOG_LEVEL", Default: "info",
		Help: "debug, info, warn or error", Check: oneOf("debug", "info", "warn", "error")},
}

func settingByFlag(name string) *Setting {
	for _, s := range Settings {
		if s.Flag == name {
			return s
		}
	}
	return nil
}

// Config holds the values of the settings a command registered.
type Config struct {
	env    map[string]string
	values map[string]*string
	used   map[string]bool
}

func newConfig(environ []string) *Config {
	c := &Config{env: map[string]string{}, values: map[string]*string{}, used: map[string]bool{}}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			c.env[k] = v
		}
	}
	return c
}

// register adds flags for the named settings; the log settings are always
// there.
func (c *Config) register(fs *flag.FlagSet, names []string) {
	names = append([]string{"log-format", "log-level"}, names...)
	for _, n := range names {
		s := settingByFlag(n)
		if s == nil {
			panic("twofetch: unknown setting " + n)
		}
		if c.used[n] {
			continue
		}
		c.used[n] = true
		v := s.Default
		if e, ok := c.env[s.Env]; ok {
			v = e
		}
		p := new(string)
		*p = v
		c.values[n] = p
		if s.Secret {
			fs.Func(n, s.Help, func(string) error {
				return fmt.Errorf("secrets are not taken as flags, which every user of the machine can read; set %s or %s_FILE", s.Env, s.Env)
			})
			continue
		}
		if s.Check != nil && isBoolSetting(s) {
			fs.Var(boolString{p}, n, s.Help)
		} else {
			fs.StringVar(p, n, v, s.Help)
		}
	}
}

// finish validates every registered setting, naming the setting in errors.
func (c *Config) finish(fs *flag.FlagSet, _ []string) error {
	for n, p := range c.values {
		s := settingByFlag(n)
		if s.Secret {
			if err := c.secretFromFile(s, p); err != nil {
				return err
			}
		}
		*p = strings.TrimSpace(*p)
		if *p == "" || s.Check == nil {
			continue
		}
		if err := s.Check(*p); err != nil {
			return fmt.Errorf("%s: %v", s.Env, err)
		}
	}
	return nil
}

// secretFromFile reads a secret setting from the file Env_FILE names.
func (c *Config) secretFromFile(s *Setting, p *string) error {
	file, ok := c.env[s.Env+"_FILE"]
	if !ok || file == "" {
		return nil
	}
	if _, both := c.env[s.Env]; both {
		return fmt.Errorf("%s and %s_FILE are both set; set one", s.Env, s.Env)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("%s_FILE: %v", s.Env, err)
	}
	*p = strings.TrimRight(string(b), "\r\n")
	return nil
}

// String returns a setting's value; it panics for a setting the command did
// not register, which is a programming mistake.
func (c *Config) String(name string) string {
	p, ok := c.values[name]
	if !ok {
		panic("twofetch: setting not registered by this command: " + name)
	}
	return *p
}

// Has reports whether the command registered the setting.
func (c *Config) Has(name string) bool { _, ok := c.values[name]; return ok }

// Set overrides a value, for tests and for defaults derived from others.
func (c *Config) Set(name, v string) {
	if p, ok := c.values[name]; ok {
		*p = v
		return
	}
	c.values[name] = &v
}

func (c *Config) Int(name string) int {
	n, _ := strconv.Atoi(c.String(name))
	return n
}

func (c *Config) Bool(name string) bool {
	b, _ := strconv.ParseBool(c.String(name))
	return b
}

func (c *Config) Duration(name string) time.Duration {
	d, _ := time.ParseDuration(c.String(name))
	return d
}

// DataDir returns the data directory, made absolute and created.
func (c *Config) DataDir() (string, error) {
	d, err := filepath.Abs(c.String("data-dir"))
	if err != nil {
		return "", fmt.Errorf("TWOFETCH_DATA_DIR: %v", err)
	}
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", fmt.Errorf("TWOFETCH_DATA_DIR: %v", err)
	}
	return d, nil
}

// Env returns a raw environment variable, for settings libraries read
// themselves (AWS credentials and region).
func (c *Config) Env(key string) string { return c.env[key] }

func newLogger(w io.Writer, c *Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.String("log-level")))
	opts := &slog.HandlerOptions{Level: level}
	format := c.String("log-format")
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func isBoolSetting(s *Setting) bool { return s.Default == "true" || s.Default == "false" }

// boolString is a string setting that, like a flag.Bool, may be given
// without a value: "--replicas" means "--replicas=true".
type boolString struct{ p *string }

func (b boolString) String() string {
	if b.p == nil {
		return ""
	}
	return *b.p
}
func (b boolString) Set(v string) error { *b.p = v; return nil }
func (b boolString) IsBoolFlag() bool   { return true }

func checkNetworks(v string) error {
	_, err := netguard.ParseAllow(v)
	return err
}

func checkIP(v string) error {
	if ip := net.ParseIP(v); ip == nil || ip.IsUnspecified() {
		return fmt.Errorf("want one IP address, such as 10.1.2.3, got %q", v)
	}
	return nil
}

func checkHostPort(v string) error {
	if _, _, err := net.SplitHostPort(v); err != nil {
		return fmt.Errorf("want HOST:PORT: %v", err)
	}
	return nil
}

func checkHTTPURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an http:// or https:// URL, got %q", v)
	}
	return nil
}

func checkDatabaseURL(v string) error {
	if strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://") {
		_, err := url.Parse(v)
		return err
	}
	if strings.Contains(v, "://") {
		return fmt.Errorf("want postgres://…, sqlite:PATH or a file path, got scheme %q", strings.SplitN(v, "://", 2)[0])
	}
	return nil
}

func checkRedisURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return err
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return fmt.Errorf("want redis:// or rediss://, got %q", v)
	}
	if u.Host == "" {
		return fmt.Errorf("no host in %q", v)
	}
	return nil
}

func checkBlobURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return err
	}
	switch u.Scheme {
	case "file":
		return nil
	case "s3":
		if u.Host == "" {
			return fmt.Errorf("no bucket in %q", v)
		}
		return nil
	}
	return fmt.Errorf("want file://DIR or s3://BUCKET/PREFIX, got %q", v)
}

func oneOf(vals ...string) func(string) error {
	return func(v string) error {
		for _, x := range vals {
			if v == x {
				return nil
			}
		}
		return fmt.Errorf("want one of %s, got %q", strings.Join(vals, ", "), v)
	}
}

func positiveInt(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return fmt.Errorf("want a positive integer, got %q", v)
	}
	return nil
}

func checkBool(v string) error {
	_, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("want true or false, got %q", v)
	}
	return nil
}

func checkBase64Key(v string) error {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return fmt.Errorf("want base64: %v", err)
	}
	if len(b) < 16 {
		return fmt.Errorf("want at least 16 bytes, got %d", len(b))
	}
	return nil
}

func positiveDuration(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("want a positive duration such as 24h or 90m, got %q", v)
	}
	return nil
}
