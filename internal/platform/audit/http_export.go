package audit

import (
	"fmt"
	"net/http"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"

	"github.com/xuri/excelize/v2"
)

// MaxExportRows caps one export. More rows than this is not a file anyone
// reads; the page asks for narrower filters instead of cutting the list
// short without saying so.
const MaxExportRows = 100_000

// export sends exactly the rows the list shows for the same filters, as an
// Excel workbook. Data leaving the system is itself recorded; if that
// record cannot be written, nothing is sent.
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	ctx, p, l := r.Context(), auth.FromContext(r.Context()), web.LangOf(r)
	f, errs := parseFilter(r.URL.Query())
	if len(errs) > 0 {
		h.renderList(w, r, http.StatusUnprocessableEntity, listView{Page: 1, Pages: 1}, fieldMessages(l, errs))
		return
	}
	// Rows recorded while the export pages through the list would shift the
	// pages; ending the range now keeps them out.
	if now := time.Now(); f.To.IsZero() || f.To.After(now) {
		f.To = now
	}
	f.Limit = 1
	_, total, err := List(ctx, h.DB, p, f)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if total > MaxExportRows {
		h.renderList(w, r, http.StatusUnprocessableEntity, listView{Page: 1, Pages: 1, Total: total, TooMany: true}, nil)
		return
	}
	rows := make([]Row, 0, total)
	for f.Offset, f.Limit = 0, maxLimit; len(rows) < total; f.Offset += maxLimit {
		page, _, err := List(ctx, h.DB, p, f)
		if err != nil {
			pageFail(w, r, err)
			return
		}
		rows = append(rows, page...)
		if len(page) < maxLimit {
			break
		}
	}
	book, err := workbook(l, rows)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	defer book.Close()
	detail := fmt.Sprintf("%d rows; filters: %s", len(rows), filterQuery(r.URL.Query()))
	if err := RecordAlone(ctx, h.DB, Entry{Action: "audit.export", ObjectType: "audit_log", Detail: detail}); err != nil {
		pageFail(w, r, err)
		return
	}
	name := "audit-" + time.Now().In(web.Location).Format("20060102-1504") + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_ = book.Write(w)
}

// exportColumns are the message keys of the workbook's header, in order.
var exportColumns = []string{"audit.col.id", "audit.col.at", "audit.col.actor", "audit.col.role", "audit.col.ip",
	"audit.col.action", "audit.col.object_type", "audit.col.object_id", "audit.col.result", "audit.col.detail",
	"audit.col.org_path", "audit.col.chain_pos", "audit.col.hash"}

// workbook lays the rows out in one sheet, header frozen. Cell values are
// written as text or numbers, never formulas, so a detail starting with "="
// stays text when the file is opened.
func workbook(l web.Lang, rows []Row) (*excelize.File, error) {
	f := excelize.NewFile()
	sheet := web.T(l, "audit.sheet")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		f.Close()
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		f.Close()
		return nil, err
	}
	for i, wd := range []float64{8, 18, 14, 14, 14, 22, 14, 14, 8, 48, 14, 10, 66} {
		_ = sw.SetColWidth(i+1, i+1, wd)
	}
	_ = sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	header := make([]any, len(exportColumns))
	for i, k := range exportColumns {
		header[i] = web.T(l, k)
	}
	if err := sw.SetRow("A1", header); err != nil {
		f.Close()
		return nil, err
	}
	for i, r := range rows {
		var pos any = ""
		if r.ChainPos != nil {
			pos = *r.ChainPos
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		err := sw.SetRow(cell, []any{r.ID, r.At.In(web.Location).Format(time.DateTime), r.ActorName,
			web.T(l, "role."+r.ActorRole), r.IP, r.Action, r.ObjectType, r.ObjectID,
			web.T(l, "audit.result."+r.Result), r.Detail, r.OrgPath, pos, r.Hash})
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("audit export row %d: %w", i+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
