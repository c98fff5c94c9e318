// Package home holds the two front doors: the public home (find parking,
// petitions, the red/black list, the approval catalogue) and the staff home
// ("my work": what is due and overdue in my scope, from every module), plus
// the section pages of modules that are not built yet, which say so plainly.
package home

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed i18n/*.json
var messages embed.FS

var pages = web.MustPages(templates, "templates/*.html")

func init() { web.MustMessages(messages) }

// WorkItem is one thing due in a staff member's scope: a petition to accept,
// a rectification to verify, an application near its promised deadline.
type WorkItem struct {
	Module string    `json:"module"`
	Title  string    `json:"title"`
	URL    string    `json:"url"`
	Due    time.Time `json:"due"`
	State  string    `json:"state"`
}

// Overdue tells whether the item is past its deadline at now.
func (w WorkItem) Overdue(now time.Time) bool { return now.After(w.Due) }

// WorkSource is how a module contributes to "my work". Each module with
// deadlines registers one; the home page asks them all with the viewer's
// principal, so each lists only what lies in that scope.
type WorkSource interface {
	// Module is the section key ("petition", "property", …).
	Module() string
	// Due lists open items of p's scope due before horizon (overdue ones
	// included), soonest first, at most limit; total counts them all.
	Due(ctx context.Context, p *auth.Principal, horizon time.Time, limit int) (items []WorkItem, total int, err error)
}

// Section is a part of the platform as the navigation shows it.
type Section struct {
	Key   string // study, research, parking, property, approval, petition, results
	Built bool
}

// Home serves the front doors.
type Home struct {
	Sources  []WorkSource
	Sections []Section
	Now      func() time.Time
}

// Sections of the report, in its order. Built turns true as each module lands.
func DefaultSections() []Section {
	return []Section{{Key: "study"}, {Key: "research"}, {Key: "parking"}, {Key: "property"},
		{Key: "approval"}, {Key: "petition"}, {Key: "results"}}
}

func (h *Home) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Routes of the front doors and of the sections not built yet.
func (h *Home) Routes() []web.Route {
	rs := []web.Route{
		{Pattern: "GET /{$}", Access: web.Public, Handler: h.public},
		{Pattern: "GET /home", Access: web.Staff, Handler: h.staff},
		{Pattern: "GET /api/v1/me/work", Access: web.Staff, Handler: h.workAPI, Doc: &web.APIDoc{
			Summary: "What is due and overdue in my scope (我的工作)", Tag: "home",
			Query:    []web.Param{{Name: "days", Type: "integer", Description: "horizon in days (default 7)"}},
			Response: WorkResponse{}}},
	}
	for _, s := range h.Sections {
		if s.Built {
			continue
		}
		rs = append(rs, web.Route{Pattern: "GET /" + s.Key, Access: web.Staff, Handler: h.pending(s.Key, "staff")})
	}
	// Public entries of modules not built yet.
	public := map[string]string{"parking": "/parking/find", "petition": "/petition/new",
		"property": "/property/lists", "approval": "/approval/catalogue"}
	for _, s := range h.Sections {
		if p, ok := public[s.Key]; ok && !s.Built {
			rs = append(rs, web.Route{Pattern: "GET " + p, Access: web.Public, Handler: h.pending(s.Key, "public")})
		}
	}
	return rs
}

func (h *Home) built(key string) bool {
	for _, s := range h.Sections {
		if s.Key == key {
			return s.Built
		}
	}
	return false
}

func (h *Home) public(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	switch {
	case p.Role.IsStaff():
		http.Redirect(w, r, "/home", http.StatusSeeOther)
		return
	case p.Role.IsAdmin():
		http.Redirect(w, r, "/admin", http.StatusSeeOther)
		return
	}
	tiles := []map[string]any{}
	for _, t := range []struct{ key, url string }{
		{"parking", "/parking/find"}, {"petition", "/petition/new"},
		{"property", "/property/lists"}, {"approval", "/approval/catalogue"},
	} {
		tiles = append(tiles, map[string]any{"Key": t.key, "URL": t.url, "Built": h.built(t.key)})
	}
	v := web.NewView(r, "public", map[string]any{"Tiles": tiles})
	v.Title = v.T("home.public_title")
	pages.Render(w, r, http.StatusOK, "public", v)
}

// WorkResponse is "my work" as JSON.
type WorkResponse struct {
	Items   []WorkItem `json:"items"`
	Total   int        `json:"total"`
	Overdue int        `json:"overdue"`
	Modules []string   `json:"modules" doc:"modules that contributed"`
}

func (h *Home) work(ctx context.Context, p *auth.Principal, days int) WorkResponse {
	now := h.now()
	horizon := now.AddDate(0, 0, days)
	resp := WorkResponse{Items: []WorkItem{}, Modules: []string{}}
	for _, src := range h.Sources {
		items, total, err := src.Due(ctx, p, horizon, 50)
		if err != nil {
			slog.Error("my work", "module", src.Module(), "err", err)
			continue
		}
		resp.Modules = append(resp.Modules, src.Module())
		resp.Total += total
		resp.Items = append(resp.Items, items...)
	}
	sort.SliceStable(resp.Items, func(i, j int) bool { return resp.Items[i].Due.Before(resp.Items[j].Due) })
	for _, it := range resp.Items {
		if it.Overdue(now) {
			resp.Overdue++
		}
	}
	return resp
}

func (h *Home) staff(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	work := h.work(r.Context(), p, 7)
	var pending []string
	for _, s := range h.Sections {
		if !s.Built {
			pending = append(pending, s.Key)
		}
	}
	v := web.NewView(r, "home", map[string]any{"Work": work, "Now": h.now(), "Pending": pending,
		"Sections": h.Sections})
	v.Title = v.T("home.staff_title")
	pages.Render(w, r, http.StatusOK, "staff", v)
}

func (h *Home) workAPI(w http.ResponseWriter, r *http.Request) {
	days := 7
	if n, err := parsePositive(r.URL.Query().Get("days")); err == nil {
		days = min(n, 366)
	}
	web.WriteJSON(w, http.StatusOK, h.work(r.Context(), auth.FromContext(r.Context()), days))
}

func (h *Home) pending(key, audience string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := web.NewView(r, key, map[string]any{"Key": key, "Audience": audience})
		v.Title = v.T("section." + key)
		pages.Render(w, r, http.StatusOK, "pending", v)
	}
}
