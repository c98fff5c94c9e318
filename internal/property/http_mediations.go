package property

import (
	"bytes"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"anju/internal/casework"
	"anju/internal/platform/web"
)

// The mediation ledger (调解台账): the council's mediation cases in the
// viewer's scope, straight from the engine's ledger (List) and export
// (ExportXLSX), so the export holds exactly the filtered rows.
func (s *Service) mediationLedgerRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /property/mediations", Access: viewGate, Handler: s.medLedgerPage},
		{Pattern: "GET /property/mediations.xlsx", Access: exportGate, Handler: s.medLedgerExport},
	}
}

// ParseMediationFilter reads a mediation ledger filter (casework.ParseFilter
// with the type fixed).
func ParseMediationFilter(v url.Values) (casework.Filter, error) {
	f, err := casework.ParseFilter(v)
	f.Type = MediationType
	return f, err
}

// MedRow is one line of the mediation ledger; the party's name is masked.
type MedRow struct {
	Case    casework.Case
	Party   string
	Overdue bool
}

type medLedgerData struct {
	Rows  []MedRow
	Total int
	// TotalCapped: more match than Total (a keyword's count stops there,
	// casework.KeywordCountLimit).
	TotalCapped bool
	Page        int
	Pages       int
	Query       url.Values
	ExportURL   string
	States      []option
	Units       []option
	Sorts       []option
}

func (s *Service) medLedgerPage(w http.ResponseWriter, r *http.Request) {
	ctx, p, l := r.Context(), principal(r), web.LangOf(r)
	if s.Cases == nil {
		pageFail(w, r, errNoEngine)
		return
	}
	f, ferr := ParseMediationFilter(r.URL.Query())
	errs, _ := fieldMessages(l, ferr)
	if errs == nil {
		errs = map[string]string{}
	}
	vals := f.Values()
	vals.Del("type")
	d := medLedgerData{Query: r.URL.Query(), Page: 1, Pages: 1, ExportURL: "/property/mediations.xlsx?" + vals.Encode(),
		States: codes(l, "property.med.state.", []string{MedOpen, MedSettled, MedFailed}),
		Sorts:  codes(l, "property.ledger.sort.", casework.Sorts)}
	var err error
	if d.Units, err = s.unitOptions(ctx, p); err != nil {
		pageFail(w, r, err)
		return
	}
	status := http.StatusOK
	pg := web.PagingOf(r)
	f.Page, f.Size = pg.Page, pg.Size
	if ferr == nil {
		lp, err := s.Cases.Ledger(ctx, f)
		if err != nil {
			if m, ok := fieldMessages(l, err); ok {
				errs, status = m, http.StatusUnprocessableEntity
			} else {
				pageFail(w, r, err)
				return
			}
		}
		now := s.now()
		for _, c := range lp.Cases {
			d.Rows = append(d.Rows, MedRow{Case: c, Party: casework.MaskName(c.PartyName), Overdue: c.Overdue(now)})
		}
		d.Total, d.TotalCapped, d.Page, d.Pages = lp.Total, lp.TotalCapped, pg.Page, pg.Pages(lp.Total)
	} else {
		status = http.StatusUnprocessableEntity
	}
	render(w, r, status, "mediations", "property.ledger.med.title", d, errs)
}

func (s *Service) medLedgerExport(w http.ResponseWriter, r *http.Request) {
	f, err := ParseMediationFilter(r.URL.Query())
	if err == nil && s.Cases == nil {
		err = errNoEngine
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	n, err := s.Cases.ExportXLSX(r.Context(), f, web.LangOf(r), &buf)
	if err != nil {
		fail(w, r, err)
		return
	}
	name := "mediations-" + s.now().In(web.Location).Format("20060102-1504") + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("X-Row-Count", strconv.Itoa(n))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}
