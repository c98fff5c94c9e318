package casework

import (
	"context"
	"time"

	"anju/internal/home"
	"anju/internal/platform/auth"
)

// WorkSource puts a type's open cases that are due or overdue in the
// viewer's scope on the staff home page ("my work").
type WorkSource struct {
	Engine *Engine
	Type   string
	// Section is the module key the home page groups the items under.
	Section string
	// URL is the page of a case.
	URL func(c Case) string
	// State labels a state for display (in Chinese, the default language).
	State func(state string) string
}

func (w WorkSource) Module() string { return w.Section }

func (w WorkSource) Due(ctx context.Context, p *auth.Principal, horizon time.Time, limit int) ([]home.WorkItem, int, error) {
	if !p.Role.IsStaff() {
		return nil, 0, nil
	}
	cs, total, err := w.Engine.Due(ctx, p, w.Type, horizon, limit)
	if err != nil {
		return nil, 0, err
	}
	out := make([]home.WorkItem, 0, len(cs))
	for _, c := range cs {
		state := c.State
		if w.State != nil {
			state = w.State(c.State)
		}
		out = append(out, home.WorkItem{Module: w.Section, Title: c.Number + " " + c.Title, URL: w.URL(c), Due: c.DueAt, State: state})
	}
	return out, total, nil
}
