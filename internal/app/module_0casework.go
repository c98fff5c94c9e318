package app

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/web"
)

// The case engine (casework), shared by every module with case types.
//
// The engine is shared by every module with case types (petitions now;
// property rectifications and approval applications later): each module's
// Build registers its type with caseEngine(a). The "casework" helper module
// carries the engine's tables, its own routes (inbox, saved filters) and its
// background jobs (the deadline sweeper, the outbound notice dispatcher).
// This file's name (module_0…) sorts before every module_<name>.go, so
// its init registers (and its tables migrate) first.
//
// Settings from the environment (the module's own, so config.go stays the
// platform's): ANJU_CASE_WEBHOOK — a URL that receives staff notices (due
// soon, overdue, assigned, transferred, supervised) as signed JSON;
// ANJU_CASE_WEBHOOK_SECRET — the HMAC key of the X-Anju-Signature header.
// Party notices go to the petitioner by the platform's SMS sender (in
// development the log sink).
func init() {
	cw := casework.Migrations
	registerModule(Module{Name: "casework", Source: &cw, Build: buildCasework})
}

// caseEngines holds each App's one engine (tests build many apps).
var caseEngines sync.Map

// caseEngine is the app's case engine, made on first use.
func caseEngine(a *App) *casework.Engine {
	if v, ok := caseEngines.Load(a); ok {
		return v.(*casework.Engine)
	}
	e := casework.New(a.DB, a.Calendar, web.Location)
	e.Channels = append(e.Channels, &casework.SMSChannel{Sender: a.Auth.SMS})
	if u := os.Getenv("ANJU_CASE_WEBHOOK"); u != "" {
		e.Channels = append(e.Channels, &casework.WebhookChannel{URL: u, Secret: os.Getenv("ANJU_CASE_WEBHOOK_SECRET")})
	}
	v, _ := caseEngines.LoadOrStore(a, e)
	return v.(*casework.Engine)
}

func buildCasework(a *App) (Parts, error) {
	e := caseEngine(a)
	return Parts{
		Routes: e.Routes(),
		Jobs: []Job{
			{Name: "casework-sweeper", Run: func(ctx context.Context) { e.RunSweeper(ctx, time.Minute) }},
			{Name: "casework-dispatcher", Run: func(ctx context.Context) { e.RunDispatcher(ctx, 10*time.Second) }},
			{Name: "casework-count-folder", Run: func(ctx context.Context) {
				every(ctx, time.Minute, func() {
					if err := e.FoldCounts(ctx); err != nil && ctx.Err() == nil {
						slog.Error("casework: folding case counts", "err", err)
					}
				})
			}},
			{Name: "casework-keyword-indexer", Run: func(ctx context.Context) {
				every(ctx, 2*time.Second, func() { e.IndexNewCases(ctx) })
			}},
		},
	}, nil
}
