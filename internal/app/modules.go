package app

import (
	"context"
	"fmt"
	"time"

	"anju/internal/home"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
)

// Module is one business module plugged into the app. Each module has one
// file here, module_<name>.go, whose init calls registerModule; nothing else
// in the app changes when a module lands.
type Module struct {
	// Name is the section key: study, research, parking, property, approval,
	// petition, results (or a helper module such as open311).
	Name string
	// Source is the module's migrations (nil if it has no tables).
	Source *db.Source
	// Section marks the navigation section as built (its pages replace the
	// "not built yet" page).
	Section bool
	// Build creates the module's services over the app and returns its
	// routes, and optionally its contribution to "my work" and background
	// jobs. It runs once in New, after the platform services exist.
	Build func(a *App) (Parts, error)
}

// Parts is what a built module gives back to the app.
type Parts struct {
	Routes []web.Route
	Work   home.WorkSource
	// Jobs run for the life of `anju serve` (sweepers, index refreshers); each
	// returns when its context ends.
	Jobs []Job
}

// Job is one background loop of a module.
type Job struct {
	Name string
	Run  func(ctx context.Context)
}

var modules []Module

func registerModule(m Module) {
	modules = append(modules, m)
	if m.Source != nil {
		Sources = append(Sources, *m.Source)
	}
}

// buildModules runs each module's Build and folds its parts into the app.
func (a *App) buildModules() error {
	for _, m := range modules {
		parts, err := m.Build(a)
		if err != nil {
			return fmt.Errorf("module %s: %w", m.Name, err)
		}
		a.moduleRoutes = append(a.moduleRoutes, parts.Routes...)
		if parts.Work != nil {
			a.Home.Sources = append(a.Home.Sources, parts.Work)
		}
		a.jobs = append(a.jobs, parts.Jobs...)
		if m.Section {
			for i := range a.Home.Sections {
				if a.Home.Sections[i].Key == m.Name {
					a.Home.Sections[i].Built = true
				}
			}
		}
	}
	return nil
}

// every runs fn now and then at each tick of d until ctx ends: the loop of
// a module's periodic job.
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
