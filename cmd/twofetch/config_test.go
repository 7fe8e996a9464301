package main

import (
	"flag"
	"io"
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
