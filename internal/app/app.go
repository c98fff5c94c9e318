// Package app wires Anju together: configuration, the database, the
// services of the platform and every module, and the one route table. It
// is the only package that knows all modules.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"anju/internal/account"
	"anju/internal/home"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/migrations"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"

	"github.com/prometheus/client_golang/prometheus"
)

// Sources lists the migrations of the platform and of every module, in the
// order they apply.
var Sources = []db.Source{migrations.Platform}

// App is one running Anju: its database and services.
type App struct {
	Cfg      Config
	DB       *db.DB
	Auth     *auth.Service
	Org      *org.Store
	Calendar *workday.Calendar
	Home     *home.Home
	Account  *account.Handler
	Registry *prometheus.Registry
	Version  string

	routes       []web.Route
	moduleRoutes []web.Route
	jobs         []Job
}

// Open connects to the configured database, applies pending migrations and
// builds the services.
func Open(ctx context.Context, cfg Config, version string) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	loc, _ := time.LoadLocation(cfg.TimeZone)
	web.Location = loc
	web.CookieSecure = cfg.CookiesSecure()
	key, created, err := audit.LoadOrCreateKey(cfg.AuditKeyFile)
	if err != nil {
		return nil, fmt.Errorf("audit key %s: %w", cfg.AuditKeyFile, err)
	}
	if created {
		slog.Warn("created the audit chain's secret key: back it up, and keep it where database administrators cannot read it",
			"file", cfg.AuditKeyFile)
	}
	if err := audit.SetKey(key); err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx, d, Sources...)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("migrate %s: %w", d.Target(), err)
	}
	if len(applied) > 0 {
		slog.Info("migrations applied", "count", len(applied), "db", d.Target())
	}
	return New(ctx, cfg, d, version)
}

// New builds the services over an open, migrated database (tests use it
// with dbtest databases).
func New(ctx context.Context, cfg Config, d *db.DB, version string) (*App, error) {
	a := &App{Cfg: cfg, DB: d, Version: version, Registry: prometheus.NewRegistry()}
	a.Auth = &auth.Service{DB: d, Audit: auditHook, SMS: smsSender(cfg.SMS)}
	a.Org = &org.Store{DB: d, Audit: orgAuditHook}
	cal, err := LoadCalendar(ctx, d)
	if err != nil {
		return nil, err
	}
	a.Calendar = cal
	a.Home = &home.Home{Sections: home.DefaultSections()}
	a.Account = &account.Handler{Auth: a.Auth, Org: a.Org}
	if err := a.buildModules(); err != nil {
		return nil, err
	}
	a.routes = a.buildRoutes()
	return a, nil
}

// smsSender turns the --sms setting into a sender.
func smsSender(setting string) auth.SMSSender {
	switch setting {
	case "log":
		slog.Warn("SMS codes are written to the log (--sms log): for development and demos only")
		return auth.LogSMS{}
	case "", "off":
		return auth.NoSMS{}
	}
	return auth.WebhookSMS{URL: setting}
}

// Close seals what this process wrote into the audit chain (command-line
// tools write too) and releases the database.
func (a *App) Close() error {
	if _, err := audit.Seal(context.Background(), a.DB); err != nil {
		slog.Error("audit seal at close", "err", err)
	}
	return a.DB.Close()
}

// auditHook adapts audit.Record to the hook the platform services take
// (they cannot import audit, which imports auth).
func auditHook(ctx context.Context, ex db.Execer, action, objectType, objectID, result, detail, orgPath string) error {
	return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: objectType, ObjectID: objectID,
		Result: result, Detail: detail, OrgPath: orgPath})
}

func orgAuditHook(ctx context.Context, ex db.Execer, action, objectType, objectID, detail, orgPath string) error {
	return auditHook(ctx, ex, action, objectType, objectID, audit.OK, detail, orgPath)
}
