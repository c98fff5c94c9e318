package org

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
)

// UnitJSON is a unit as the API shows it.
type UnitJSON struct {
	ID        int64     `json:"id"`
	ParentID  int64     `json:"parent_id" doc:"0 for the city"`
	Kind      Kind      `json:"kind"`
	KindLabel string    `json:"kind_label" doc:"the kind in the request's language"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Path      string    `json:"path" doc:"ids from the root down, e.g. /1/7/42/"`
	Depth     int       `json:"depth"`
	Lat       *float64  `json:"lat" doc:"WGS-84, null when unknown"`
	Lng       *float64  `json:"lng" doc:"WGS-84, null when unknown"`
	CreatedAt time.Time `json:"created_at"`
}

// UnitDetailJSON is one unit with the units above it, root first.
type UnitDetailJSON struct {
	UnitJSON
	Ancestors []UnitJSON `json:"ancestors"`
}

// UnitsJSON is an unpaged list of units.
type UnitsJSON struct {
	Items []UnitJSON `json:"items"`
}

// NewUnitJSON is the body of POST /api/v1/org/units.
type NewUnitJSON struct {
	ParentID int64    `json:"parent_id" doc:"required except for the city"`
	Kind     Kind     `json:"kind"`
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	Lat      *float64 `json:"lat,omitempty"`
	Lng      *float64 `json:"lng,omitempty"`
}

// DepartmentJSON is a department as the API shows it.
type DepartmentJSON struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
}

// DepartmentsJSON lists the departments.
type DepartmentsJSON struct {
	Items []DepartmentJSON `json:"items"`
}

func unitJSON(l web.Lang, u Unit) UnitJSON {
	return UnitJSON{ID: u.ID, ParentID: u.ParentID, Kind: u.Kind, KindLabel: u.Kind.Label(string(l)),
		Code: u.Code, Name: u.Name, Path: u.Path, Depth: u.Depth, Lat: u.Lat, Lng: u.Lng, CreatedAt: u.CreatedAt}
}

func unitsJSON(l web.Lang, us []Unit) []UnitJSON {
	out := make([]UnitJSON, len(us))
	for i, u := range us {
		out[i] = unitJSON(l, u)
	}
	return out
}

// listFilter reads kind, parent_id and q; a value that cannot mean
// anything is a field error rather than silently ignored.
func listFilter(r *http.Request) (Filter, web.FieldErrors) {
	q := r.URL.Query()
	f := Filter{Keyword: strings.TrimSpace(q.Get("q"))}
	var errs web.FieldErrors
	if k := strings.TrimSpace(q.Get("kind")); k != "" {
		kind, ok := ParseKind(k)
		if !ok {
			errs = append(errs, &web.FieldError{Field: "kind", Code: "invalid",
				Message: "不是有效的类型", MessageEn: "is not a known kind"})
		}
		f.Kind = kind
	}
	if s := strings.TrimSpace(q.Get("parent_id")); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			errs = append(errs, &web.FieldError{Field: "parent_id", Code: "invalid",
				Message: "应为正整数", MessageEn: "must be a positive integer"})
		}
		f.ParentID = id
	}
	return f, errs
}

func (h *Handler) listAPI(w http.ResponseWriter, r *http.Request) {
	f, errs := listFilter(r)
	if len(errs) > 0 {
		web.WriteProblem(w, r, web.ValidationProblem(r, errs))
		return
	}
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	l := web.LangOf(r)
	units, total, err := h.Store.List(r.Context(), auth.FromContext(r.Context()), f)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteList(w, pg, unitsJSON(l, units), total)
}

// scoped reads the {id} unit within the caller's jurisdiction; it answers
// 404 itself (for another district's unit too) and reports whether to go on.
func (h *Handler) scoped(w http.ResponseWriter, r *http.Request) (Unit, bool) {
	id, ok := web.PathID(w, r)
	if !ok {
		return Unit{}, false
	}
	u, err := h.Store.Get(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		fail(w, r, err)
		return Unit{}, false
	}
	return u, true
}

func (h *Handler) getAPI(w http.ResponseWriter, r *http.Request) {
	u, ok := h.scoped(w, r)
	if !ok {
		return
	}
	anc, err := h.Store.Ancestors(r.Context(), u.ID)
	if err != nil {
		fail(w, r, err)
		return
	}
	l := web.LangOf(r)
	web.WriteJSON(w, http.StatusOK, UnitDetailJSON{UnitJSON: unitJSON(l, u), Ancestors: unitsJSON(l, anc)})
}

func (h *Handler) childrenAPI(w http.ResponseWriter, r *http.Request) {
	u, ok := h.scoped(w, r)
	if !ok {
		return
	}
	kids, err := h.Store.Children(r.Context(), auth.FromContext(r.Context()), u.ID)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, UnitsJSON{Items: unitsJSON(web.LangOf(r), kids)})
}

func (h *Handler) createAPI(w http.ResponseWriter, r *http.Request) {
	var in NewUnitJSON
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	u, err := h.create(r, Unit{ParentID: in.ParentID, Kind: in.Kind, Code: in.Code, Name: in.Name, Lat: in.Lat, Lng: in.Lng})
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/org/units/"+strconv.FormatInt(u.ID, 10))
	web.WriteJSON(w, http.StatusCreated, unitJSON(web.LangOf(r), u))
}

// create adds one unit in a transaction of its own (the store audits it there).
func (h *Handler) create(r *http.Request, u Unit) (Unit, error) {
	ctx := r.Context()
	var out Unit
	err := h.Store.DB.Tx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = h.Store.Create(ctx, tx, auth.FromContext(ctx), u)
		return err
	})
	return out, err
}

func (h *Handler) departmentsAPI(w http.ResponseWriter, r *http.Request) {
	ds, err := h.Store.Departments(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	out := DepartmentsJSON{Items: make([]DepartmentJSON, len(ds))}
	for i, d := range ds {
		out.Items[i] = DepartmentJSON(d)
	}
	web.WriteJSON(w, http.StatusOK, out)
}
