package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
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
	mux.Handle("/", metrics.Instrument("unmatched", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		notFound(mux, w, r)
	})))
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

// notFound answers what no route took: 405 with Allow when the path exists
// for other methods, else 404 — as a problem for the API, a page otherwise.
func notFound(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		if web.WantsJSON(r) {
			web.WriteProblem(w, r, web.NewProblem(l, http.StatusMethodNotAllowed, web.ProblemMethod, ""))
			return
		}
		web.ErrorPage(w, r, http.StatusMethodNotAllowed, web.T(l, "problem.method"), "")
		return
	}
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
	go a.housekeeping(bg)
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

// housekeeping removes what has expired: sessions and SMS codes every ten
// minutes, audit rows past the retention period (at least 180 days; the
// configuration cannot shorten it) at start and then daily.
func (a *App) housekeeping(ctx context.Context) {
	sweep := time.NewTicker(10 * time.Minute)
	defer sweep.Stop()
	purge := time.NewTimer(time.Minute) // soon after start, then daily
	defer purge.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			if s, c, err := a.Auth.Sweep(ctx); err != nil {
				slog.Error("sweep sessions", "err", err)
			} else if s+c > 0 {
				slog.Debug("swept", "sessions", s, "sms_codes", c)
			}
		case <-purge.C:
			if n, err := audit.Purge(ctx, a.DB, a.Cfg.AuditRetentionDays, time.Now()); err != nil {
				slog.Error("audit purge", "err", err)
			} else if n > 0 {
				slog.Info("audit purge", "removed", n)
			}
			purge.Reset(24 * time.Hour)
		}
	}
}

// printf writes a line for the operator.
func printf(w io.Writer, format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
