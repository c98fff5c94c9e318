// Package property is the property-supervision module (物业监管): the registry
// of compounds' property service, owners' committees, party work and
// four-party councils, hung on the org tree's compound units; property
// companies with their unified social credit codes; the three coverage rates;
// the regulations library (前端立制); and the credit scoring of companies
// behind the public red/black list (红黑榜), with objections (异议) and the
// company portal.
//
// Inspect–rectify campaigns (campaigns.go) and the four-party council
// (council.go) run on the shared case engine (rectify_type.go): failed
// checklist items become rectification cases assigned to the responsible
// party, whose outcomes feed credit_facts (RecordFact), which the scoring
// reads; disputes brought to a council are mediation cases that record the
// level they were settled at.
package property

import (
	"context"
	"embed"
	"io/fs"
	"net/http"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the module's db.Source.
var Migrations = db.Source{Module: "property", FS: mustSub(migrationFiles, "migrations")}

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}

//go:embed templates/*.html
var templates embed.FS

//go:embed i18n/*.json
var messages embed.FS

var pages = web.MustPages(templates, "templates/*.html")

func init() { web.MustMessages(messages) }

// Service is the module: its store, rules and handlers.
type Service struct {
	DB       *db.DB
	Org      *org.Store
	Calendar *workday.Calendar
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
	// Orders lists a company's rectification orders for its portal; the case
	// engine provides it when inspect–rectify campaigns land. Nil: none yet.
	Orders OrderSource
	// Cases is the shared case engine (rectifications, mediations); set by UseCases.
	Cases *casework.Engine
}

// OrderSource is what the company portal asks for a company's rectification
// orders. It lists only that company's orders.
type OrderSource interface {
	CompanyOrders(ctx context.Context, companyID int64, limit int) ([]Order, error)
}

// Order is one rectification order as the company portal shows it.
type Order struct {
	ID       int64
	Number   string
	Version  int
	Title    string
	Compound string
	Due      time.Time
	State    string
	URL      string
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// today is the city's civil date now.
func (s *Service) today() workday.Date { return workday.DateOf(s.now(), web.Location) }

// stamp is now as stored: UTC, microseconds (what PostgreSQL keeps).
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// render shows a page of the module.
func render(w http.ResponseWriter, r *http.Request, status int, page, titleKey string, data any, errs map[string]string) {
	v := web.NewView(r, "property", data)
	v.Title = v.T(titleKey)
	if errs == nil {
		errs = map[string]string{}
	}
	v.Errors = errs
	pages.Render(w, r, status, page, v)
}

// redirect answers a form post with 303 to a page, with a flash message.
func redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		web.SetFlash(w, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// pageFail shows an error as a page: not found → 404, forbidden → 403,
// anything else → 500.
func pageFail(w http.ResponseWriter, r *http.Request, err error) {
	l := web.LangOf(r)
	switch {
	case web.IsNotFound(err):
		web.ErrorPage(w, r, http.StatusNotFound, web.T(l, "problem.not_found"), "")
	case isForbidden(err):
		web.ErrorPage(w, r, http.StatusForbidden, web.T(l, "problem.forbidden"), err.Error())
	default:
		web.ErrorPage(w, r, http.StatusInternalServerError, web.T(l, "problem.internal"), "")
		logErr(r, err)
	}
}

// principal of the request.
func principal(r *http.Request) *auth.Principal { return auth.FromContext(r.Context()) }
