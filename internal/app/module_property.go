package app

import (
	"context"
	"time"

	"anju/internal/demo"
	"anju/internal/property"
)

// The property-supervision module: the compound registry and coverage rates,
// property companies, the regulations library, credit scoring with the
// public red/black list and objections, and the company portal.
func init() {
	registerModule(Module{Name: "property", Source: &property.Migrations, Section: true, Build: func(a *App) (Parts, error) {
		s := &property.Service{DB: a.DB, Org: a.Org, Calendar: a.Calendar}
		if err := s.UseCases(caseEngine(a)); err != nil {
			return Parts{}, err
		}
		return Parts{Routes: s.Routes(), Work: property.Work{S: s}, Jobs: []Job{
			{Name: "property-overdue-rectifications", Run: func(ctx context.Context) { s.RunOverdueSweep(ctx, time.Minute) }},
		}}, nil
	}})
	demo.Register(demo.Step{Name: "property", Run: property.DemoStep})
}
