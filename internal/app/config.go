package app

import (
	"anju/internal/platform/audit"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is everything `anju serve` can be told. Flags win over the
// environment variables that mirror them.
type Config struct {
	DB                 string // SQLite file path or postgres:// URL
	Addr               string
	Demo               bool
	Seed               int64
	Scale              int
	TimeZone           string
	TrustProxy         bool
	SecureCookies      string // auto | on | off
	AuditRetentionDays int
	LogLevel           string
	// AuditKeyFile holds the secret key of the audit chain's HMAC, kept
	// outside the database (default: beside the SQLite file, or
	// anju-audit.key in the working directory for PostgreSQL).
	AuditKeyFile string
	// SMS names the gateway for verification codes: "off", "log" (a
	// development sink that writes codes to the log) or an http(s) URL.
	SMS string

	retentionRaw *string
}

// Defaults are what `anju serve` uses with no flags and no environment.
func Defaults() Config {
	return Config{DB: "anju.db", Addr: "127.0.0.1:8080", Seed: 1, Scale: 1, TimeZone: "Asia/Shanghai",
		SecureCookies: "auto", AuditRetentionDays: 180, LogLevel: "info"}
}

// ErrUsage marks configuration mistakes: main prints one line and exits 2.
var ErrUsage = errors.New("usage")

// UsageError wraps a configuration mistake.
func UsageError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, args...))
}

// Flags registers the serve flags on fs, seeded from the environment.
func (c *Config) Flags(fs *flag.FlagSet) {
	env := func(name, def string) string {
		if v, ok := os.LookupEnv(name); ok {
			return v
		}
		return def
	}
	fs.StringVar(&c.DB, "db", env("ANJU_DB", c.DB), "SQLite file or postgres:// URL (env ANJU_DB)")
	fs.StringVar(&c.Addr, "addr", env("ANJU_ADDR", c.Addr), "listen address (env ANJU_ADDR)")
	fs.StringVar(&c.TimeZone, "tz", env("ANJU_TZ", c.TimeZone), "the city's time zone (env ANJU_TZ)")
	fs.StringVar(&c.SecureCookies, "secure-cookies", env("ANJU_SECURE_COOKIES", c.SecureCookies),
		"auto (Secure unless listening on loopback), on or off (env ANJU_SECURE_COOKIES)")
	fs.StringVar(&c.LogLevel, "log-level", env("ANJU_LOG_LEVEL", c.LogLevel), "debug, info, warn or error (env ANJU_LOG_LEVEL)")
	fs.StringVar(&c.AuditKeyFile, "audit-key-file", env("ANJU_AUDIT_KEY_FILE", c.AuditKeyFile),
		"file with the audit chain's secret key, created if missing (env ANJU_AUDIT_KEY_FILE; default beside the SQLite file)")
	fs.StringVar(&c.SMS, "sms", env("ANJU_SMS", c.SMS),
		`SMS gateway: off, log (development: codes go to the log) or an http(s) URL (env ANJU_SMS); default off, log with --demo`)
	fs.BoolVar(&c.TrustProxy, "trust-proxy", env("ANJU_TRUST_PROXY", "") == "true", "believe X-Forwarded-For (env ANJU_TRUST_PROXY=true)")
	retention := env("ANJU_AUDIT_RETENTION_DAYS", strconv.Itoa(c.AuditRetentionDays))
	fs.Func("audit-retention-days", "days the audit log is kept, at least 180 (env ANJU_AUDIT_RETENTION_DAYS)", func(s string) error {
		retention = s
		return nil
	})
	fs.BoolVar(&c.Demo, "demo", false, "fill an empty database with the demo city and print its accounts")
	fs.Int64Var(&c.Seed, "seed", c.Seed, "demo generator seed (same seed, same city)")
	fs.IntVar(&c.Scale, "scale", c.Scale, "demo size multiplier (1 ≈ 300 compounds)")
	c.retentionRaw = &retention
}

// Validate checks the configuration and fills derived values.
func (c *Config) Validate() error {
	if c.retentionRaw != nil {
		n, err := strconv.Atoi(*c.retentionRaw)
		if err != nil {
			return UsageError("--audit-retention-days: %q is not a number", *c.retentionRaw)
		}
		c.AuditRetentionDays = n
	}
	if c.AuditRetentionDays < 180 {
		return UsageError("--audit-retention-days: %d is below the legal minimum of 180 days", c.AuditRetentionDays)
	}
	if strings.TrimSpace(c.DB) == "" {
		return UsageError("--db: empty; give a SQLite file path or a postgres:// URL")
	}
	if strings.Contains(c.DB, "://") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return UsageError("--db: %q is neither a file path nor a postgres:// URL", redactAny(c.DB))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return UsageError("--addr: %q is not host:port (%v)", c.Addr, err)
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		return UsageError("--tz: unknown time zone %q", c.TimeZone)
	}
	switch c.SecureCookies {
	case "auto", "on", "off":
	default:
		return UsageError("--secure-cookies: %q must be auto, on or off", c.SecureCookies)
	}
	switch {
	case c.SMS == "" && c.Demo:
		c.SMS = "log"
	case c.SMS == "":
		c.SMS = "off"
	case c.SMS == "off", c.SMS == "log", strings.HasPrefix(c.SMS, "http://"), strings.HasPrefix(c.SMS, "https://"):
	default:
		return UsageError("--sms: %q must be off, log or an http(s) URL", c.SMS)
	}
	if c.AuditKeyFile == "" {
		c.AuditKeyFile = audit.DefaultKeyFile(c.DB)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return UsageError("--log-level: %q must be debug, info, warn or error", c.LogLevel)
	}
	if c.Scale < 1 || c.Scale > 1000 {
		return UsageError("--scale: %d must be between 1 and 1000", c.Scale)
	}
	return nil
}

// CookiesSecure decides the Secure flag: always, except plain HTTP on loopback
// in "auto" mode (a demo on a laptop). Behind a declared proxy (which
// terminates TLS, even when it forwards to loopback) cookies are Secure.
func (c *Config) CookiesSecure() bool {
	switch c.SecureCookies {
	case "on":
		return true
	case "off":
		return false
	}
	if c.TrustProxy {
		return true
	}
	host, _, _ := net.SplitHostPort(c.Addr)
	ip := net.ParseIP(host)
	return !(host == "localhost" || (ip != nil && ip.IsLoopback()))
}

func redactAny(s string) string {
	if i := strings.Index(s, "@"); i > 0 {
		if j := strings.Index(s, "://"); j > 0 && j < i {
			return s[:j+3] + "…" + s[i:]
		}
	}
	return s
}
