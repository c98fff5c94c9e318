package property

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

func (s *Service) ledgerRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /property/rectifications", Access: viewGate, Handler: s.rectLedgerPage},
		{Pattern: "GET /property/rectifications.xlsx", Access: exportGate, Handler: s.rectLedgerExport},
		{Pattern: "GET /property/photos/{id}", Access: web.LoggedIn, Resource: "property_photo", Handler: s.photo},
	}
}

// option is a choice of a select.
type option struct {
	Value string
	Label string
}

type rectLedgerData struct {
	Rows      []RectRow
	Total     int
	Page      int
	Pages     int
	Query     url.Values
	ExportURL string
	Campaigns []option
	States    []option
	Kinds     []option
	Units     []option
	Sorts     []option
}

func codes(l web.Lang, prefix string, cs []string) []option {
	out := make([]option, 0, len(cs))
	for _, c := range cs {
		out = append(out, option{c, web.T(l, prefix+c)})
	}
	return out
}

// unitOptions: the viewer's own unit (below the city), then the districts
// and streets in scope.
func (s *Service) unitOptions(ctx context.Context, p *auth.Principal) ([]option, error) {
	var out []option
	if u, err := s.Org.Get(ctx, p, p.OrgUnitID); err == nil && u.Kind != org.City && u.Kind != org.District && u.Kind != org.Street {
		out = append(out, option{strconv.FormatInt(u.ID, 10), u.Name})
	}
	for _, k := range []org.Kind{org.District, org.Street} {
		us, _, err := s.Org.List(ctx, p, org.Filter{Kind: k, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			out = append(out, option{strconv.FormatInt(u.ID, 10), u.Name})
		}
	}
	return out, nil
}

// fieldMessages turns field errors into the messages shown beside the inputs.
func fieldMessages(l web.Lang, err error) (map[string]string, bool) {
	fe, ok := web.AsFieldErrors(err)
	if !ok {
		return nil, false
	}
	m := map[string]string{}
	for _, e := range fe {
		if _, dup := m[e.Field]; !dup {
			m[e.Field] = e.Msg(l)
		}
	}
	return m, true
}

func (s *Service) rectLedgerPage(w http.ResponseWriter, r *http.Request) {
	ctx, p, l := r.Context(), principal(r), web.LangOf(r)
	f, ferr := ParseRectFilter(r.URL.Query())
	errs, _ := fieldMessages(l, ferr)
	if errs == nil {
		errs = map[string]string{}
	}
	d := rectLedgerData{Query: r.URL.Query(), Page: 1, Pages: 1,
		States: codes(l, "property.rect.state.", []string{RectRectifying, RectResponded, RectVerified, RectCancelled}),
		Kinds:  codes(l, "property.party.", []string{"company", "committee", "department"}),
		Sorts:  codes(l, "property.ledger.sort.", casework.Sorts)}
	d.ExportURL = "/property/rectifications.xlsx?" + f.Values().Encode()
	cs, err := s.Campaigns(ctx, p)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	for _, c := range cs {
		d.Campaigns = append(d.Campaigns, option{strconv.FormatInt(c.ID, 10), c.Name})
	}
	if d.Units, err = s.unitOptions(ctx, p); err != nil {
		pageFail(w, r, err)
		return
	}
	status := http.StatusOK
	if ferr == nil {
		rows, err := s.RectificationLedger(ctx, f)
		if err != nil {
			if m, ok := fieldMessages(l, err); ok {
				errs, status = m, http.StatusUnprocessableEntity
			} else {
				pageFail(w, r, err)
				return
			}
		}
		pg := web.PagingOf(r)
		d.Total, d.Page, d.Pages = len(rows), pg.Page, pg.Pages(len(rows))
		lo := min((pg.Page-1)*pg.Size, len(rows))
		d.Rows = rows[lo:min(lo+pg.Size, len(rows))]
	} else {
		status = http.StatusUnprocessableEntity
	}
	render(w, r, status, "rectifications", "property.ledger.rect.title", d, errs)
}

func (s *Service) rectLedgerExport(w http.ResponseWriter, r *http.Request) {
	f, err := ParseRectFilter(r.URL.Query())
	if err != nil {
		fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	n, err := s.ExportRectifications(r.Context(), f, web.LangOf(r), &buf)
	if err != nil {
		fail(w, r, err)
		return
	}
	name := "rectifications-" + s.now().In(web.Location).Format("20060102-1504") + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("X-Row-Count", strconv.Itoa(n))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// Photo returns a photo recorded with an inspection, for those who may see
// its rectification case (staff in scope, an account of the responsible
// company); anyone else gets db.ErrNotFound.
func (s *Service) Photo(ctx context.Context, id int64) (casework.Attachment, []byte, error) {
	if s.Cases == nil {
		return casework.Attachment{}, nil, errNoEngine
	}
	var caseID int64
	err := s.DB.QueryRow(ctx, `SELECT a.case_id FROM case_attachments a JOIN property_rectifications r ON r.case_id = a.case_id
		WHERE a.id = ?`, id).Scan(&caseID)
	if isNoRows(err) {
		return casework.Attachment{}, nil, db.ErrNotFound
	}
	if err != nil {
		return casework.Attachment{}, nil, err
	}
	if _, _, err := s.Rectification(ctx, caseID); err != nil {
		return casework.Attachment{}, nil, err
	}
	// Access is settled by the module's rule above; the engine reads the
	// bytes (and checks them) as the platform.
	return s.Cases.AttachmentContent(auth.WithPrincipal(ctx, auth.System("property")), id)
}

func (s *Service) photo(w http.ResponseWriter, r *http.Request) {
	a, data, err := s.Photo(r.Context(), pathInt(r, "id"))
	if err != nil {
		if errors.Is(err, casework.ErrForbidden) {
			err = db.ErrNotFound
		}
		casework.PageFail(w, r, err)
		return
	}
	disp := "inline"
	if r.URL.Query().Get("download") != "" {
		disp = "attachment"
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": a.Name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(data)
}
