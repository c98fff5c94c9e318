package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/web"
)

// Handler is the whole HTTP surface: every route of the table behind the
// shared middleware.
func (a *App) Handler() http.Handler {
	web.OnRefused = a.auditRefusal
	mux := http.NewServeMux()
	metrics := web.NewMetrics(a.Registry)
	for _, rt := range a.routes {
		mux.Handle(rt.Pattern, metrics.Instrument(rt.Pattern, web.Guard(rt)))
	}
	// Anything unmatched gets a page or a problem in the visitor's language.
	mux.Handle("/", metrics.Instrument("unmatched", http.HandlerFunc(notFound)))
	// An account whose password must change goes nowhere else first.
	return web.Stack(a.Auth, a.Cfg.TrustProxy, a.routes, a.Account.PasswordGate(mux))
}

// auditRefusal records a request that a route's gate refused.
func (a *App) auditRefusal(r *http.Request, rt web.Route) {
	err := audit.RecordAlone(r.Context(), a.DB, audit.Entry{Action: "access.refused", ObjectType: "route",
		ObjectID: rt.Pattern, Result: audit.Refused, Detail: r.Method + " " + r.URL.Path})
	if err != nil {
		slog.Error("audit refused access", "err", err)
	}
}

func notFound(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	if web.WantsJSON(r) {
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusNotFound, web.ProblemNotFound, ""))
		return
	}
	web.ErrorPage(w, r, http.StatusNotFound, web.T(l, "problem.not_found"), web.T(l, "page.not_found_detail"))
}

// Serve listens on the configured address until ctx ends (SIGTERM), then
// stops taking connections, lets in-flight requests finish (up to 20 s) and
// returns. Background work — the audit sealer — stops with it.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", a.Cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}
	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	go audit.RunSealer(bg, a.DB, time.Second)
	go a.purgeAuditDaily(bg)
	go a.followCalendar(bg, 30*time.Second)
	for _, j := range a.jobs {
		go j.Run(bg)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// Seal what the last requests wrote, so the chain is complete at rest.
	_, _ = audit.Seal(context.Background(), a.DB)
	return nil
}

// purgeAuditDaily removes audit rows past the retention period once a day.
// Retention is at least 180 days; configuration cannot shorten it.
func (a *App) purgeAuditDaily(ctx context.Context) {
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := audit.Purge(ctx, a.DB, a.Cfg.AuditRetentionDays, time.Now()); err != nil {
				slog.Error("audit purge", "err", err)
			} else if n > 0 {
				slog.Info("audit purge", "removed", n)
			}
		}
	}
}

// printf writes a line for the operator.
func printf(w io.Writer, format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
