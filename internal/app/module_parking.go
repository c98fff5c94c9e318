package app

import (
	"context"
	"log/slog"
	"os"
	"time"

	"anju/internal/parking"
	"anju/internal/platform/web"
)

// The parking module (停车难): registry, staggered sharing, supply projects,
// live occupancy, search, reservations, feeds and navigation links.
//
// Settings from the environment (the module's own, so config.go stays the
// platform's): ANJU_PARKING_TILES — a Leaflet tile URL template for the
// maps (default none: points on a blank map, nothing loaded from outside;
// the server's content security policy must allow the tile host);
// ANJU_PARKING_STALE — how long a car park's count stays live (default
// 10m); ANJU_PARKING_NOSHOW — the grace before an unused reservation is
// released (default 30m).
func init() {
	src := parking.Source
	registerModule(Module{Name: "parking", Source: &src, Section: true, Build: buildParking})
	parking.RegisterDemo()
}

func buildParking(a *App) (Parts, error) {
	s := parking.NewService(a.DB, a.Calendar, web.Location)
	s.SMS = a.Auth.SMS
	if d, err := time.ParseDuration(os.Getenv("ANJU_PARKING_STALE")); err == nil && d > 0 {
		s.StaleAfter = d
	}
	if d, err := time.ParseDuration(os.Getenv("ANJU_PARKING_NOSHOW")); err == nil && d > 0 {
		s.NoShowGrace = d
	}
	if err := s.Index.Load(context.Background()); err != nil {
		return Parts{}, err
	}
	h := &parking.Web{S: s, Tiles: os.Getenv("ANJU_PARKING_TILES")}
	return Parts{
		Routes: h.Routes(),
		Work:   parking.Work{S: s},
		Jobs: []Job{
			{Name: "parking-index", Run: func(ctx context.Context) { s.Index.Run(ctx, time.Second) }},
			{Name: "parking-no-shows", Run: func(ctx context.Context) {
				every(ctx, time.Minute, func() {
					if _, err := s.ReleaseNoShows(ctx); err != nil {
						slog.Error("parking no-shows", "err", err)
					}
				})
			}},
			{Name: "parking-profiles", Run: func(ctx context.Context) {
				every(ctx, time.Hour, func() {
					if _, err := s.RefreshProfiles(ctx, 4); err != nil {
						slog.Error("parking profiles", "err", err)
					}
				})
			}},
		},
	}, nil
}
