package main

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
)

func parseSettings(t *testing.T, environ, args []string, names ...string) (*Config, error) {
	t.Helper()
	c := newConfig(environ)
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.register(fs, names)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return c, c.finish(fs, names)
}

func TestConfigPrecedenceAndBoolFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		environ []string
		args    []string
		want    bool
	}{
		{"default", nil, nil, false},
		{"bare flag", nil, []string{"--replicas"}, true},
		{"flag with value", nil, []string{"--replicas=false"}, false},
		{"environment", []string{"TWOFETCH_REPLICAS=true"}, nil, true},
		{"flag beats environment", []string{"TWOFETCH_REPLICAS=true"}, []string{"--replicas=false"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseSettings(t, tc.environ, tc.args, "replicas")
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Bool("replicas"); got != tc.want {
				t.Fatalf("replicas = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	for _, tc := range []struct {
		environ []string
		args    []string
		name    string
		want    string
	}{
		{[]string{"TWOFETCH_REDIS_URL=localhost:6379"}, nil, "redis-url", "TWOFETCH_REDIS_URL: want redis://"},
		{nil, []string{"--addr", "8080"}, "addr", "TWOFETCH_ADDR: want HOST:PORT"},
		{nil, []string{"--concurrency", "0"}, "concurrency", "TWOFETCH_CONCURRENCY: want a positive integer"},
		{[]string{"TWOFETCH_BLOB_URL=ftp://x"}, nil, "blob-url", "TWOFETCH_BLOB_URL: want file://DIR or s3://"},
		{[]string{"TWOFETCH_DATABASE_URL=mysql://x"}, nil, "database-url", "TWOFETCH_DATABASE_URL: want postgres://"},
		{[]string{"TWOFETCH_REPLICAS=yes please"}, nil, "replicas", "TWOFETCH_REPLICAS: want true or false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseSettings(t, tc.environ, tc.args, tc.name)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// A secret on the command line is readable by every user of the machine
// (ps, /proc/PID/cmdline): such flags are refused, the environment and
// *_FILE variables are the only ways in.
func TestSecretsNotTakenAsFlags(t *testing.T) {
	for _, s := range Settings {
		if !s.Secret {
			continue
		}
		_, err := parseSettings(t, nil, []string{"--" + s.Flag, "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}, s.Flag)
		if err == nil || !strings.Contains(err.Error(), s.Env+"_FILE") {
			t.Errorf("--%s on the command line: %v", s.Flag, err)
		}
	}
	for _, name := range []string{"master-key", "status-key", "metrics-token", "operator-token", "sms-webhook-secret"} {
		if s := settingByFlag(name); s == nil || !s.Secret {
			t.Errorf("setting %s is not marked secret", name)
		}
	}
	file := t.TempDir() + "/token"
	if err := os.WriteFile(file, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := parseSettings(t, []string{"TWOFETCH_OPERATOR_TOKEN_FILE=" + file}, nil, "operator-token")
	if err != nil || c.String("operator-token") != "from-a-file" {
		t.Errorf("operator token from file: %v %q", err, c.String("operator-token"))
	}
	c, err = parseSettings(t, []string{"TWOFETCH_OPERATOR_TOKEN=from-env"}, nil, "operator-token")
	if err != nil || c.String("operator-token") != "from-env" {
		t.Errorf("operator token from env: %v", err)
	}
	if _, err := parseSettings(t, []string{"TWOFETCH_OPERATOR_TOKEN=x", "TWOFETCH_OPERATOR_TOKEN_FILE=" + file}, nil, "operator-token"); err == nil {
		t.Errorf("both TWOFETCH_OPERATOR_TOKEN and its _FILE accepted")
	}
	if _, err := parseSettings(t, []string{"TWOFETCH_OPERATOR_TOKEN_FILE=/nonexistent/file"}, nil, "operator-token"); err == nil || !strings.Contains(err.Error(), "TWOFETCH_OPERATOR_TOKEN_FILE") {
		t.Errorf("missing secret file: %v", err)
	}
}
