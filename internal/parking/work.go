package parking

import (
	"context"
	"fmt"
	"sort"
	"time"

	"anju/internal/home"
	"anju/internal/platform/auth"
)

// Work is the module's contribution to "my work": supply projects of the
// viewer's scope not yet opened, due at the end of their planned month.
type Work struct{ S *Service }

// Module is the section key.
func (Work) Module() string { return "parking" }

// Due lists the projects due before horizon (overdue ones first).
func (w Work) Due(ctx context.Context, p *auth.Principal, horizon time.Time, limit int) ([]home.WorkItem, int, error) {
	if !auth.Can(p, auth.ActViewRecords) {
		return nil, 0, nil
	}
	prs, err := w.S.Projects(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	var items []home.WorkItem
	for _, pr := range prs {
		if pr.Stage == StageOpened {
			continue
		}
		month, err := time.ParseInLocation("2006-01", pr.PlannedOpen, w.S.Loc)
		if err != nil {
			continue
		}
		due := month.AddDate(0, 1, 0).Add(-time.Second)
		if due.After(horizon) {
			continue
		}
		items = append(items, home.WorkItem{Module: "parking", Title: pr.Name, URL: fmt.Sprintf("/parking/projects/%d", pr.ID),
			Due: due, State: pr.Stage})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Due.Before(items[j].Due) })
	total := len(items)
	if len(items) > limit {
		items = items[:limit]
	}
	return items, total, nil
}
