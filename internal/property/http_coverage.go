package property

import (
	"net/http"

	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

func (s *Service) coverageRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /property/coverage", Access: boardGate, Handler: s.coveragePage},
		{Pattern: "GET /api/v1/property/coverage", Access: web.Public, Handler: s.apiCoverage, Doc: &web.APIDoc{
			Summary: "Property-service, owners'-committee and party-work coverage of a unit and of each unit under it (public)",
			Description: "Open data: the three rates of the city (or of the unit given) and of each district, street or " +
				"community directly under it; for a community, each compound (0 or 1). Each rate comes with its definition, " +
				"numerator and denominator in words, in Chinese and English.",
			Tag: "property",
			Query: []web.Param{{Name: "node", Type: "integer", Description: "org unit id (city to community); default the city"},
				{Name: "date", Description: "as-of date YYYY-MM-DD; default today"}},
			Response: Coverage{}, Errors: []int{404, 422}}},
	}
}

// asOfParam reads ?date=, default today.
func (s *Service) asOfParam(r *http.Request) (workday.Date, *fieldError) {
	v := r.URL.Query().Get("date")
	if v == "" {
		return s.today(), nil
	}
	d, err := workday.ParseDate(v)
	if err != nil {
		return workday.Date{}, ferr("date", "invalid", "日期格式应为 2026-03-01", "must be a date like 2026-03-01")
	}
	return d, nil
}

func (s *Service) apiCoverage(w http.ResponseWriter, r *http.Request) {
	asOf, bad := s.asOfParam(r)
	if bad != nil {
		fail(w, r, bad)
		return
	}
	cov, err := s.Coverage(r.Context(), nil, formInt(r.URL.Query().Get("node")), asOf)
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	web.WriteJSON(w, http.StatusOK, cov)
}

type coverageData struct {
	Coverage
	Measures []string
	Leaf     bool // the node is a community: children are compounds
	Figures  *Figures
}

func (s *Service) coveragePage(w http.ResponseWriter, r *http.Request) {
	asOf, bad := s.asOfParam(r)
	if bad != nil {
		asOf = s.today()
	}
	p := principal(r)
	cov, err := s.Coverage(r.Context(), p, formInt(r.URL.Query().Get("node")), asOf)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	// The trail above the viewer's own unit is not theirs to drill into.
	trail := cov.Trail[:0]
	for _, a := range cov.Trail {
		if _, err := s.Org.Get(r.Context(), p, a.ID); err == nil {
			trail = append(trail, a)
		}
	}
	cov.Trail = trail
	d := coverageData{Coverage: cov, Measures: measures, Leaf: cov.Node.Kind == "community"}
	if f, err := s.Figures(r.Context(), p); err == nil {
		d.Figures = &f
	}
	render(w, r, http.StatusOK, "coverage", "property.coverage.title", d, nil)
}
