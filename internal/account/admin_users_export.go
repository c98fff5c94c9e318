package account

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"

	"github.com/xuri/excelize/v2"
)

// usersExport writes the filtered account list as an .xlsx ledger (台账),
// mobile numbers masked as in the list. An export of personal data is
// itself recorded in the audit log: who took which list, when.
func (h *Handler) usersExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	l := web.LangOf(r)
	q := parseUserQuery(r.URL.Query())
	var keep func(auth.User) bool
	if q.Status == "locked" {
		now := h.now()
		keep = func(u auth.User) bool { return u.Locked(now) }
	}
	us, err := h.allUsers(ctx, p, q, keep)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	rows := h.userRows(ctx, p, l, us)

	f := excelize.NewFile()
	defer f.Close()
	sheet := web.T(l, "admin.users.sheet")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		pageFail(w, r, err)
		return
	}
	head := []any{"ID", web.T(l, "admin.users.col.login"), web.T(l, "admin.users.col.name"),
		web.T(l, "admin.users.col.role"), web.T(l, "admin.users.col.unit"), web.T(l, "admin.users.col.department"),
		web.T(l, "admin.users.col.status"), web.T(l, "admin.users.col.created")}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	_ = sw.SetColWidth(2, 8, 18)
	if err := sw.SetRow("A1", head, excelize.RowOpts{StyleID: bold}); err != nil {
		pageFail(w, r, err)
		return
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		vals := []any{row.User.ID, row.Login, row.User.DisplayName, web.T(l, "role."+string(row.User.Role)),
			row.Unit, row.Department, statusLabel(l, row), row.User.CreatedAt.In(web.Location).Format("2006-01-02 15:04")}
		if err := sw.SetRow(cell, vals); err != nil {
			pageFail(w, r, err)
			return
		}
	}
	if err := sw.Flush(); err != nil {
		pageFail(w, r, err)
		return
	}
	// Into memory first: a failure must give an error page, not half a file.
	buf, err := f.WriteToBuffer()
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if err := h.auditExport(r, len(rows), q); err != nil {
		pageFail(w, r, err)
		return
	}
	name := fmt.Sprintf("accounts-%s.xlsx", h.now().In(web.Location).Format("20060102-1504"))
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = buf.WriteTo(w)
}

// statusLabel is an account's state in words, for the ledger.
func statusLabel(l web.Lang, row userRow) string {
	switch {
	case row.User.Disabled:
		return web.T(l, "admin.users.status.disabled")
	case row.Locked:
		return web.T(l, "admin.users.status.locked")
	case row.Temporary:
		return web.T(l, "admin.users.status.temporary")
	}
	return web.T(l, "admin.users.status.active")
}

// auditExport records the export through auth's audit hook, in its own
// transaction. A keyword that is a mobile number is masked, as the log
// keeps no more personal data than the lists show.
func (h *Handler) auditExport(r *http.Request, n int, q userQuery) error {
	if h.Auth.Audit == nil {
		return errors.New("account: auth.Service.Audit is not wired; exports must be audited")
	}
	kw := q.Q
	if m := auth.NormalizeMobile(kw); auth.ValidMobile(m) {
		kw = auth.MaskMobile(m)
	}
	detail := fmt.Sprintf("%d rows; q=%q role=%q status=%q", n, kw, q.Role, q.Status)
	p := auth.FromContext(r.Context())
	return h.Auth.DB.Tx(r.Context(), func(tx *db.Tx) error {
		return h.Auth.Audit(r.Context(), tx, "user.export", "user", "", "ok", detail, p.OrgPath)
	})
}
