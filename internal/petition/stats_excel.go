package petition

import (
	"bytes"
	"strconv"

	"anju/internal/platform/web"

	"github.com/xuri/excelize/v2"
)

// statsWorkbook writes the same figures as the page and the API as an
// .xlsx: sheets by month, by category, by district, year over year, and
// the definitions with the selection. Rates are numbers (percent, one
// decimal), empty without a denominator.
func statsWorkbook(st Stats, l web.Lang) (*bytes.Buffer, error) {
	x := excelize.NewFile()
	defer x.Close()
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	t := func(key string, args ...any) string { return web.T(l, key, args...) }
	pct := func(key string) string { return t(key) + " (%)" }
	kpiHead := []any{}
	for _, k := range []string{"received", "accepted", "accepted_timely", "timely_rate", "replied", "replied_on_time",
		"on_time_rate", "rated", "satisfied", "satisfaction", "participation", "repeat"} {
		if k == "timely_rate" || k == "on_time_rate" || k == "satisfaction" || k == "participation" {
			kpiHead = append(kpiHead, pct("petition.stats.col."+k))
		} else {
			kpiHead = append(kpiHead, t("petition.stats.col."+k))
		}
	}
	kpis := func(f Figures) []any {
		return []any{f.Received, f.Accepted, f.AcceptedTimely, rateCell(f.TimelyRate), f.Replied, f.RepliedOnTime,
			rateCell(f.OnTimeRate), f.Rated, f.Satisfied, rateCell(f.Satisfaction), rateCell(f.Participation), f.Repeat}
	}
	type sheet struct {
		name string
		rows [][]any
	}
	var sheets []sheet

	months := sheet{name: t("petition.stats.sheet.months")}
	months.rows = append(months.rows, append(append([]any{t("petition.stats.col.month")}, kpiHead...),
		t("petition.stats.col.last_year"), pct("petition.stats.col.change")))
	for _, m := range st.Months {
		months.rows = append(months.rows, append(append([]any{t("petition.stats.month." + strconv.Itoa(m.Month))}, kpis(m.Figures)...),
			m.LastYear, rateCell(m.Change)))
	}
	months.rows = append(months.rows, append([]any{t("petition.stats.total")}, kpis(st.Total)...))
	sheets = append(sheets, months)

	cats := sheet{name: t("petition.stats.sheet.categories")}
	cats.rows = append(cats.rows, append([]any{t("petition.field.category")}, kpiHead...))
	for _, c := range st.Categories {
		cats.rows = append(cats.rows, append([]any{c.Name}, kpis(c.Figures)...))
	}
	sheets = append(sheets, cats)

	dists := sheet{name: t("petition.stats.sheet.districts")}
	dists.rows = append(dists.rows, append([]any{t("petition.stats.district")}, kpiHead...))
	for _, d := range st.Districts {
		dists.rows = append(dists.rows, append([]any{d.Name}, kpis(d.Figures)...))
	}
	sheets = append(sheets, dists)

	yoy := sheet{name: t("petition.stats.sheet.yoy")}
	head := []any{t("petition.field.category")}
	for m := 1; m <= 12; m++ {
		month := t("petition.stats.month." + strconv.Itoa(m))
		head = append(head, month+" "+t("petition.stats.col.this_year"), month+" "+t("petition.stats.col.last_year_short"),
			month+" "+pct("petition.stats.col.change"))
	}
	span := t("petition.stats.col.complete_months", st.CompleteMonths)
	head = append(head, span+" "+t("petition.stats.col.this_year"), span+" "+t("petition.stats.col.last_year_short"),
		span+" "+pct("petition.stats.col.change"))
	yoy.rows = append(yoy.rows, head)
	for _, r := range st.YoY {
		row := []any{r.Name}
		for _, c := range r.Months {
			row = append(row, c.Received, c.LastYear, rateCell(c.Change))
		}
		row = append(row, r.Total.Received, r.Total.LastYear, rateCell(r.Total.Change))
		yoy.rows = append(yoy.rows, row)
	}
	sheets = append(sheets, yoy)

	about := sheet{name: t("petition.stats.sheet.about")}
	selection := func(key string, v any) []any { return []any{t(key), v} }
	district, category := t("petition.stats.all_districts"), t("petition.any")
	if st.District != "" {
		district = st.District
	}
	if st.Category != "" {
		category = label(l, "category", st.Category)
	}
	about.rows = append(about.rows,
		selection("petition.stats.year", st.Year),
		selection("petition.stats.district", district),
		selection("petition.field.category", category),
		selection("petition.stats.as_of_label", st.AsOf),
		selection("petition.stats.decline", st.DeclineMonths),
		selection("petition.stats.decline_from", st.DeclineFrom),
		[]any{},
		[]any{t("petition.stats.definitions")})
	for _, k := range statsDefinitions {
		about.rows = append(about.rows, []any{t("petition.stats.def_name." + k), t("petition.stats.def." + k)})
	}
	about.rows = append(about.rows, []any{}, []any{t("petition.stats.cohort")})
	sheets = append(sheets, about)

	for i, sh := range sheets {
		if i == 0 {
			if err := x.SetSheetName("Sheet1", sh.name); err != nil {
				return nil, err
			}
		} else if _, err := x.NewSheet(sh.name); err != nil {
			return nil, err
		}
		for r, row := range sh.rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := x.SetSheetRow(sh.name, cell, &row); err != nil {
				return nil, err
			}
		}
		if len(sh.rows) > 0 && i < len(sheets)-1 {
			last, _ := excelize.CoordinatesToCellName(len(sh.rows[0]), 1)
			if err := x.SetCellStyle(sh.name, "A1", last, bold); err != nil {
				return nil, err
			}
		}
		_ = x.SetColWidth(sh.name, "A", "A", 22)
	}
	_ = x.SetColWidth(t("petition.stats.sheet.about"), "B", "B", 90)
	return x.WriteToBuffer()
}

// rateCell is a rate or change as a number, or an empty cell.
func rateCell(v *float64) any {
	if v == nil {
		return ""
	}
	return *v
}
