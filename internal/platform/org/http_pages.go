package org

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
)

// crumb is one step of the breadcrumb; units above the viewer's
// jurisdiction are named but not linked (their pages would be "not found").
type crumb struct {
	Unit Unit
	Link bool
}

// kindCount is one figure of "12 streets, 96 communities …".
type kindCount struct {
	Kind Kind
	N    int
}

// treeView is the data of the tree page.
type treeView struct {
	Counts  []kindCount
	Kinds   []Kind
	Current *Unit // the level being browsed; nil for the roots or a search
	Crumbs  []crumb
	Units   []Unit
	Search  bool
	Page    int
	Pages   int
	Total   int
}

// unitView is the data of a unit's page.
type unitView struct {
	Unit     Unit
	Crumbs   []crumb
	Children []Unit
	Page     int
	Pages    int
	Total    int
	CanAdd   bool
	Allowed  []Kind // kinds that may be added under the unit
	Form     map[string]string
}

// pageFail shows an error page: "not found" for a missing or out-of-scope
// object, "forbidden" for the store's refusal, otherwise a logged 500 with
// no detail.
func pageFail(w http.ResponseWriter, r *http.Request, err error) {
	l := web.LangOf(r)
	switch {
	case web.IsNotFound(err):
		web.ErrorPage(w, r, http.StatusNotFound, web.T(l, "problem.not_found"), web.T(l, "page.not_found_detail"))
		return
	case errors.Is(err, ErrForbidden):
		web.ErrorPage(w, r, http.StatusForbidden, web.T(l, "problem.forbidden"), web.T(l, "page.forbidden_detail"))
		return
	}
	slog.Error("org page", "path", r.URL.Path, "err", err)
	web.ErrorPage(w, r, http.StatusInternalServerError, web.T(l, "problem.internal"), "")
}

func (h *Handler) crumbs(r *http.Request, u Unit) ([]crumb, error) {
	p := auth.FromContext(r.Context())
	anc, err := h.Store.Ancestors(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]crumb, 0, len(anc)+1)
	for _, a := range anc {
		out = append(out, crumb{Unit: a, Link: p.InScope(a.Path)})
	}
	return append(out, crumb{Unit: u}), nil
}

func (h *Handler) kindCounts(r *http.Request) ([]kindCount, error) {
	m, err := h.Store.CountByKind(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		return nil, err
	}
	var out []kindCount
	for _, k := range Kinds {
		if m[k] > 0 {
			out = append(out, kindCount{k, m[k]})
		}
	}
	return out, nil
}

// treePage browses the tree level by level (?parent=), starting at the
// viewer's own node; with a kind or keyword it searches the whole
// jurisdiction instead.
func (h *Handler) treePage(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), auth.FromContext(r.Context())
	l := web.LangOf(r)
	f, errs := listFilter(r)
	tv := treeView{Kinds: Kinds, Search: f.Kind != "" || f.Keyword != ""}
	var err error
	if tv.Counts, err = h.kindCounts(r); err != nil {
		pageFail(w, r, err)
		return
	}
	parent := f.ParentID
	if s := r.URL.Query().Get("parent"); s != "" {
		if parent, err = strconv.ParseInt(s, 10, 64); err != nil {
			pageFail(w, r, db.ErrNotFound)
			return
		}
	}
	if parent == 0 && !tv.Search {
		parent = p.OrgUnitID
	}
	pg := web.PagingOf(r)
	switch {
	case tv.Search:
		f.ParentID = 0
		f.Limit, f.Offset = pg.Size, pg.Offset()
		tv.Units, tv.Total, err = h.Store.List(ctx, p, f)
	case parent == 0:
		// A principal without a node of its own (the platform): the roots.
		tv.Units, err = h.Store.Children(ctx, p, 0)
		tv.Total = len(tv.Units)
		pg = web.Paging{Page: 1, Size: max(len(tv.Units), 1)}
	default:
		var cur Unit
		if cur, err = h.Store.Get(ctx, p, parent); err != nil {
			pageFail(w, r, err)
			return
		}
		tv.Current = &cur
		if tv.Crumbs, err = h.crumbs(r, cur); err != nil {
			pageFail(w, r, err)
			return
		}
		tv.Units, tv.Total, err = h.Store.List(ctx, p, Filter{ParentID: cur.ID, Limit: pg.Size, Offset: pg.Offset()})
	}
	if err != nil {
		pageFail(w, r, err)
		return
	}
	tv.Page, tv.Pages = pg.Page, pg.Pages(tv.Total)
	v := web.NewView(r, "admin", tv)
	v.Title = v.T("org.tree.title")
	status := http.StatusOK
	if len(errs) > 0 {
		v.Errors = map[string]string{}
		for _, e := range errs {
			v.Errors[e.Field] = e.Msg(l)
		}
		status = http.StatusUnprocessableEntity
	}
	pages.Render(w, r, status, "tree", v)
}

// unitView builds a unit's page: facts, breadcrumb, one page of children
// and, for whoever may change the tree, the form to add a child.
func (h *Handler) unitView(r *http.Request, u Unit) (*unitView, error) {
	p := auth.FromContext(r.Context())
	uv := &unitView{Unit: u, CanAdd: auth.Can(p, auth.ActManageOrg), Form: map[string]string{}}
	var err error
	if uv.Crumbs, err = h.crumbs(r, u); err != nil {
		return nil, err
	}
	pg := web.PagingOf(r)
	uv.Children, uv.Total, err = h.Store.List(r.Context(), p, Filter{ParentID: u.ID, Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		return nil, err
	}
	uv.Page, uv.Pages = pg.Page, pg.Pages(uv.Total)
	for _, k := range Kinds {
		if k.AllowedUnder(u.Kind) {
			uv.Allowed = append(uv.Allowed, k)
		}
	}
	uv.CanAdd = uv.CanAdd && len(uv.Allowed) > 0
	return uv, nil
}

func (h *Handler) renderUnit(w http.ResponseWriter, r *http.Request, status int, uv *unitView, errs map[string]string) {
	v := web.NewView(r, "admin", uv)
	v.Title = uv.Unit.Name
	v.Errors = errs
	pages.Render(w, r, status, "unit", v)
}

func (h *Handler) unitPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		pageFail(w, r, db.ErrNotFound)
		return
	}
	u, err := h.Store.Get(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	uv, err := h.unitView(r, u)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	h.renderUnit(w, r, http.StatusOK, uv, nil)
}

// addChild handles the "add child" form. The parent is looked up within the
// caller's jurisdiction before the form is read: another district's unit is
// "not found" whatever was posted.
func (h *Handler) addChild(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		pageFail(w, r, db.ErrNotFound)
		return
	}
	parent, err := h.Store.Get(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	l := web.LangOf(r)
	form := map[string]string{}
	for _, k := range []string{"kind", "code", "name", "lat", "lng"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	u := Unit{ParentID: parent.ID, Kind: Kind(form["kind"]), Code: form["code"], Name: form["name"]}
	errs := map[string]string{}
	for _, c := range []struct {
		field string
		dst   **float64
	}{{"lat", &u.Lat}, {"lng", &u.Lng}} {
		if form[c.field] == "" {
			continue
		}
		v, perr := strconv.ParseFloat(form[c.field], 64)
		if perr != nil {
			errs[c.field] = web.T(l, "org.form.bad_number")
			continue
		}
		*c.dst = &v
	}
	var created Unit
	if len(errs) == 0 {
		created, err = h.create(r, u)
		if fe, ok := formErrors(l, err); ok {
			errs = fe
		} else if err != nil {
			pageFail(w, r, err)
			return
		}
	}
	if len(errs) > 0 {
		uv, verr := h.unitView(r, parent)
		if verr != nil {
			pageFail(w, r, verr)
			return
		}
		uv.Form = form
		h.renderUnit(w, r, http.StatusUnprocessableEntity, uv, errs)
		return
	}
	web.SetFlash(w, web.T(l, "org.unit.created", created.Name, created.Code))
	http.Redirect(w, r, "/admin/org/"+strconv.FormatInt(parent.ID, 10), http.StatusSeeOther)
}

func (h *Handler) departmentsPage(w http.ResponseWriter, r *http.Request) {
	ds, err := h.Store.Departments(r.Context())
	if err != nil {
		pageFail(w, r, err)
		return
	}
	v := web.NewView(r, "admin", ds)
	v.Title = v.T("org.departments.title")
	pages.Render(w, r, http.StatusOK, "departments", v)
}
