package app

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Routes returns the route table (for the OpenAPI document and tests).
func (a *App) Routes() []web.Route { return a.routes }

// buildRoutes is the one route table: the platform's own routes, then each
// module's.
func (a *App) buildRoutes() []web.Route {
	var rs []web.Route
	rs = append(rs, a.platformRoutes()...)
	rs = append(rs, a.Home.Routes()...)
	rs = append(rs, a.Account.Routes()...)
	rs = append(rs, (&org.Handler{Store: a.Org}).Routes()...)
	rs = append(rs, (&workday.Handler{Cal: a.Calendar, DB: a.DB, Load: a.LoadCalendarYear}).Routes()...)
	rs = append(rs, (&audit.Handler{DB: a.DB}).Routes()...)
	rs = append(rs, a.moduleRoutes...)
	return rs
}

// HealthResponse is what /healthz and /readyz answer.
type HealthResponse struct {
	Status   string `json:"status"`
	Database string `json:"database,omitempty"`
	Pending  int    `json:"pending_migrations,omitempty"`
	Version  string `json:"version,omitempty"`
}

func (a *App) platformRoutes() []web.Route {
	a.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(a.DB.ReadPool(), "read"),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "anju_build_info", Help: "Build version of this process.",
			ConstLabels: prometheus.Labels{"version": a.Version, "database": a.DB.Dialect.String()}}, func() float64 { return 1 }),
	)
	if a.DB.Dialect == db.SQLite {
		a.Registry.MustRegister(collectors.NewDBStatsCollector(a.DB.WritePool(), "write"))
	}
	healthBody := []byte(`{"status":"ok"}` + "\n")
	return []web.Route{
		{Pattern: "GET /healthz", Access: web.Public, Handler: func(w http.ResponseWriter, r *http.Request) {
			// Liveness only: the process answers. It does no I/O so a load
			// balancer's probes cost nothing.
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(healthBody)
		}},
		{Pattern: "GET /readyz", Access: web.Public, Handler: a.ready},
		{Pattern: "GET /metrics", Access: web.Public,
			Handler: promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{}).ServeHTTP},
		{Pattern: "GET /api/openapi.json", Access: web.Public, Handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(web.OpenAPI(a.Version, a.routes))
		}},
		{Pattern: "GET /static/", Access: web.Public, Handler: web.StaticHandler().ServeHTTP},
	}
}

// ready answers 200 only when the database answers and every migration of
// this binary has been applied; a load balancer sends no traffic otherwise.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	resp := HealthResponse{Status: "ok", Database: a.DB.Dialect.String(), Version: a.Version}
	if err := a.DB.Ping(ctx); err != nil {
		resp.Status = "database unreachable"
		web.WriteJSON(w, http.StatusServiceUnavailable, resp)
		return
	}
	pending, err := db.Pending(ctx, a.DB, Sources...)
	if err != nil || len(pending) > 0 {
		resp.Status, resp.Pending = "migrations pending", len(pending)
		web.WriteJSON(w, http.StatusServiceUnavailable, resp)
		return
	}
	web.WriteJSON(w, http.StatusOK, resp)
}
