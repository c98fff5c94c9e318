package property

import (
	"net/http"

	"anju/internal/platform/web"
)

func (s *Service) homeRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /property", Access: web.Staff, Handler: s.homePage},
	}
}

type homeData struct {
	Coverage   Coverage
	Companies  int
	Objections int
	Overdue    int
	Run        *Run
	Figures    *Figures
}

func (s *Service) homePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(r)
	d := homeData{}
	cov, err := s.Coverage(ctx, p, 0, s.today())
	if err != nil && !web.IsNotFound(err) {
		pageFail(w, r, err)
		return
	}
	d.Coverage = cov
	if _, total, err := s.Companies(ctx, p, CompanyFilter{Limit: 1}); err == nil {
		d.Companies = total
	}
	if n, overdue, err := s.openObjections(ctx, p); err == nil {
		d.Objections, d.Overdue = n, overdue
	}
	if run, err := s.latestRun(ctx, false); err == nil {
		d.Run = &run
	}
	if f, err := s.Figures(ctx, p); err == nil {
		d.Figures = &f
	}
	render(w, r, http.StatusOK, "home", "property.title", d, nil)
}
