package audit

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
)

// Results lists the results a record may have, in the filter's order.
var Results = []string{OK, Refused, Failed}

// listView is the data of the audit list page.
type listView struct {
	Rows      []Row
	Results   []string
	Page      int
	Pages     int
	Total     int
	ExportURL string
	TooMany   bool // more rows match than one export may hold
	MaxExport int
}

// pageFail shows an error page: "not found" for a missing or out-of-scope
// record, otherwise a logged 500 with no detail.
func pageFail(w http.ResponseWriter, r *http.Request, err error) {
	l := web.LangOf(r)
	if web.IsNotFound(err) {
		web.ErrorPage(w, r, http.StatusNotFound, web.T(l, "problem.not_found"), web.T(l, "page.not_found_detail"))
		return
	}
	slog.Error("audit page", "path", r.URL.Path, "err", err)
	web.ErrorPage(w, r, http.StatusInternalServerError, web.T(l, "problem.internal"), "")
}

// filterQuery is the query of the current filters without paging, for the
// export link: the export holds exactly the rows the list shows.
func filterQuery(q url.Values) string {
	out := url.Values{}
	for _, k := range []string{"from", "to", "actor", "action", "object_type", "result", "q"} {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out.Encode()
}

func (h *Handler) renderList(w http.ResponseWriter, r *http.Request, status int, lv listView, errs map[string]string) {
	lv.Results, lv.MaxExport = Results, MaxExportRows
	lv.ExportURL = "/admin/audit/export.xlsx"
	if q := filterQuery(r.URL.Query()); q != "" {
		lv.ExportURL += "?" + q
	}
	v := web.NewView(r, "admin", lv)
	v.Title = v.T("audit.title")
	v.Errors = errs
	pages.Render(w, r, status, "list", v)
}

// fieldMessages maps field errors to the messages shown beside the filters.
func fieldMessages(l web.Lang, errs web.FieldErrors) map[string]string {
	m := map[string]string{}
	for _, e := range errs {
		if _, seen := m[e.Field]; !seen {
			m[e.Field] = e.Msg(l)
		}
	}
	return m
}

func (h *Handler) listPage(w http.ResponseWriter, r *http.Request) {
	f, errs := parseFilter(r.URL.Query())
	if len(errs) > 0 {
		// No rows rather than rows filtered by less than the auditor asked.
		h.renderList(w, r, http.StatusUnprocessableEntity, listView{Page: 1, Pages: 1}, fieldMessages(web.LangOf(r), errs))
		return
	}
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := List(r.Context(), h.DB, auth.FromContext(r.Context()), f)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	h.renderList(w, r, http.StatusOK, listView{Rows: rows, Page: pg.Page, Pages: pg.Pages(total), Total: total,
		TooMany: total > MaxExportRows}, nil)
}

func (h *Handler) recordPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		pageFail(w, r, db.ErrNotFound)
		return
	}
	row, err := Get(r.Context(), h.DB, auth.FromContext(r.Context()), id)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	v := web.NewView(r, "admin", row)
	v.Title = v.T("audit.record.title", row.ID)
	pages.Render(w, r, http.StatusOK, "record", v)
}

// verifyPage walks the whole chain and shows what it found; ?expect=POS:HASH
// also checks an end of the chain kept from an earlier check. The check is
// itself recorded: who verified, when, and the end of the chain they saw,
// so a later cut of the newest records shows against an earlier report.
func (h *Handler) verifyPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var expect []Expect
	if s := strings.TrimSpace(r.URL.Query().Get("expect")); s != "" {
		e, err := ParseExpect(s)
		if err != nil {
			l := web.LangOf(r)
			web.ErrorPage(w, r, http.StatusUnprocessableEntity, web.T(l, "audit.verify.expect_invalid"), "")
			return
		}
		expect = append(expect, e)
	}
	rep, err := h.chain().Verify(ctx, h.DB, expect...)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	detail := fmt.Sprintf("ok: %d records checked, last position %d, last hash %s", rep.Checked, rep.Last, rep.LastHash)
	if !rep.OK {
		detail = fmt.Sprintf("broken: %d problems in %d records checked", len(rep.Problems), rep.Checked)
	}
	for _, e := range expect {
		detail += ", expected " + e.String()
	}
	if err := RecordAlone(ctx, h.DB, Entry{Action: "audit.verify", ObjectType: "audit_log", Detail: detail}); err != nil {
		slog.Error("audit verify: recording the check", "err", err)
	}
	v := web.NewView(r, "admin", rep)
	v.Title = v.T("audit.verify.title")
	pages.Render(w, r, http.StatusOK, "verify", v)
}
