package app

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

func TestConfigValidation(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		ok   bool
	}{
		{"defaults", nil, nil, true},
		{"postgres url", []string{"--db", "postgres://u:p@h/db"}, nil, true},
		{"retention below 180", []string{"--audit-retention-days", "90"}, nil, false},
		{"retention from env below 180", nil, map[string]string{"ANJU_AUDIT_RETENTION_DAYS": "30"}, false},
		{"retention not a number", []string{"--audit-retention-days", "x"}, nil, false},
		{"bad addr", []string{"--addr", "8080"}, nil, false},
		{"bad addr from env", nil, map[string]string{"ANJU_ADDR": "nope"}, false},
		{"mysql url", []string{"--db", "mysql://h/db"}, nil, false},
		{"bad tz", []string{"--tz", "Mars/Olympus"}, nil, false},
		{"bad cookies", []string{"--secure-cookies", "maybe"}, nil, false},
		{"scale 0", []string{"--scale", "0"}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			cfg := Defaults()
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			cfg.Flags(fs)
			if err := fs.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			err := cfg.Validate()
			if c.ok && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if !c.ok && !errors.Is(err, ErrUsage) {
				t.Fatalf("want a usage error, got %v", err)
			}
		})
	}
}

func TestSecureCookiesAuto(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:8080": false, "localhost:80": false, "[::1]:8080": false,
		"0.0.0.0:8080": true, "10.1.2.3:443": true} {
		c := Defaults()
		c.Addr = addr
		if got := c.CookiesSecure(); got != want {
			t.Errorf("%s: secure = %v, want %v", addr, got, want)
		}
	}
	c := Defaults()
	c.TrustProxy = true // nginx on the same host, TLS at the proxy
	if !c.CookiesSecure() {
		t.Error("behind a declared proxy cookies must be Secure")
	}
}

// serve --help lists the settings modules read from the environment too,
// so an operator reading it learns of the notices' webhook.
func TestServeHelpNamesModuleSettings(t *testing.T) {
	var out strings.Builder
	err := CmdServe(context.Background(), []string{"--help"}, "test", io.Discard, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("serve --help: %v", err)
	}
	for _, want := range []string{"-db", "ANJU_CASE_WEBHOOK", "ANJU_PARKING_TILES", "ANJU_OPEN311_URL"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve --help does not name %s:\n%s", want, out.String())
		}
	}
}
