package casework

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/web"

	"github.com/xuri/excelize/v2"
)

// MaxExportRows bounds one export; a larger selection is refused (narrow
// the filter) rather than cut short.
const MaxExportRows = 100000

// Label names a value of a case field in l: the message
// "<type>.<field>.<value>" if the catalogue has it, else the value itself.
func Label(l web.Lang, typ, field, value string) string {
	if value == "" {
		return ""
	}
	key := typ + "." + field + "." + value
	if s := web.T(l, key); s != key {
		return s
	}
	return value
}

// MaskName shows a person's name as its first character and stars (张**),
// as lists and exports must.
func MaskName(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= 1 {
		return s
	}
	r, _ := utf8.DecodeRuneInString(s)
	return string(r) + strings.Repeat("*", min(n-1, 3))
}

// ExportXLSX writes exactly the cases f selects (all pages, in the filter's
// order) as an .xlsx ledger, with names and phones masked, and records the
// export in the audit log. It returns how many rows it wrote.
func (e *Engine) ExportXLSX(ctx context.Context, f Filter, l web.Lang, w io.Writer) (int, error) {
	t := f.Type
	x := excelize.NewFile()
	defer x.Close()
	sheet := web.T(l, "casework.export.sheet")
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	head := []any{}
	for _, k := range []string{"number", "received", "channel", "kind", "category", "subcategory", "title", "party",
		"phone", "address", "unit", "state", "due", "overdue", "closed", "closed_reason", "rating", "flags"} {
		head = append(head, web.T(l, "casework.col."+k))
	}
	bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	_ = sw.SetColWidth(1, 1, 20)
	_ = sw.SetColWidth(7, 7, 40)
	if err := sw.SetRow("A1", head, excelize.RowOpts{StyleID: bold}); err != nil {
		return 0, err
	}
	now := e.now()
	n := 0
	err = e.Each(ctx, f, MaxExportRows, func(c Case) error {
		n++
		cell, _ := excelize.CoordinatesToCellName(1, n+1)
		party := MaskName(c.PartyName)
		if c.Flags.Has(FlagAnonymous) {
			party = web.T(l, "casework.anonymous")
		}
		overdue := ""
		if c.Overdue(now) {
			overdue = web.T(l, "common.yes")
		}
		flags := make([]string, 0, len(c.FlagList))
		for _, fl := range c.Flags.List() {
			flags = append(flags, web.T(l, "casework.flag."+fl))
		}
		return sw.SetRow(cell, []any{c.Number, c.ReceivedAt.In(e.Loc).Format("2006-01-02 15:04"),
			Label(l, t, "channel", c.Channel), Label(l, t, "kind", c.Kind), Label(l, t, "category", c.Category),
			Label(l, t, "subcategory", c.Subcategory), c.Title, party, auth.MaskMobile(c.PartyPhone), c.Address, c.UnitName,
			Label(l, t, "state", c.State), dateOrEmpty(e, c.DueAt), overdue, dateOrEmpty(e, c.ClosedAt),
			Label(l, t, "closed", c.ClosedReason), Label(l, t, "rating", c.Rating), strings.Join(flags, "、")})
	})
	if err != nil {
		return 0, err
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	// Into memory first: a failure must give an error, not half a file.
	buf, err := x.WriteToBuffer()
	if err != nil {
		return 0, err
	}
	if err := audit.RecordAlone(ctx, e.DB, audit.Entry{Action: t + ".export", ObjectType: "case",
		Detail: f.Values().Encode() + " → " + itoa(n) + " rows"}); err != nil {
		return 0, err
	}
	_, err = buf.WriteTo(w)
	return n, err
}

func dateOrEmpty(e *Engine, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(e.Loc).Format("2006-01-02")
}

func itoa(n int) string { return strconv.Itoa(n) }
