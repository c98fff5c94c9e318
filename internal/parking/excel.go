package parking

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"

	"github.com/xuri/excelize/v2"
)

// The registry ledger (台账) as Excel: exactly the filtered rows out, and
// the same columns back in (a row whose code exists updates it; a new code
// registers a facility at the named unit).

var sheetCols = []string{"code", "name", "kind", "operator", "ownership", "address", "lat", "lng", "coord", "unit_code",
	"total_spaces", "public_spaces", "reservable_spaces", "ev_spaces", "accessible_spaces", "vehicle_class", "max_height_cm",
	"free_minutes", "hour_yuan", "day_cap_yuan", "night_hour_yuan", "night_from", "night_until", "hours", "status"}

func hoursText(h Hours) string {
	if h.Always {
		return "24/7"
	}
	return clock(h.Opens) + "-" + clock(h.Closes)
}

func (h *Web) exportXLSX(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	l := web.LangOf(r)
	items, _, err := h.S.List(r.Context(), p, filterOf(r.URL.Query()))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	codes := map[string]string{}
	rows, err := h.S.DB.Query(r.Context(), `SELECT path, code FROM org_units WHERE depth BETWEEN 1 AND 3`)
	if err == nil {
		for rows.Next() {
			var path, code string
			if rows.Scan(&path, &code) == nil {
				codes[path] = code
			}
		}
		rows.Close()
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := web.T(l, "parking.export.sheet")
	_ = f.SetSheetName("Sheet1", sheet)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	head := make([]any, len(sheetCols))
	for i, c := range sheetCols {
		head[i] = c
	}
	_ = sw.SetRow("A1", head)
	for i, fc := range items {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		row := []any{fc.Code, fc.Name, string(fc.Kind), fc.Operator, string(fc.Ownership), fc.Address, fc.Lat, fc.Lng, "wgs84",
			codes[fc.OrgPath], fc.TotalSpaces, fc.PublicSpaces, fc.ReservableSpaces, fc.EVSpaces, fc.AccessibleSpaces,
			string(fc.VehicleClass), fc.MaxHeightCM, fc.Tariff.FreeMinutes, yuan(fc.Tariff.HourCents), yuan(fc.Tariff.DayCapCents),
			yuan(fc.Tariff.NightHourCents), clock(fc.Tariff.NightFrom), clock(fc.Tariff.NightUntil), hoursText(fc.Hours), string(fc.Status)}
		if err := sw.SetRow(cell, row); err != nil {
			pageFail(w, r, err)
			return
		}
	}
	if err := sw.Flush(); err != nil {
		pageFail(w, r, err)
		return
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if err := audit.RecordAlone(r.Context(), h.S.DB, audit.Entry{Action: "parking.facility.export", ObjectType: "parking_facility",
		ObjectID: strconv.Itoa(len(items)), Detail: r.URL.RawQuery}); err != nil {
		pageFail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="parking-%s.xlsx"`, h.S.now().In(h.S.Loc).Format("20060102-1504")))
	_, _ = buf.WriteTo(w)
}

// ImportResult says what an import did; Errors name the row and field.
type ImportResult struct {
	Created, Updated int
	Errors           []string
}

// Import reads the ledger's columns: all rows are checked first; if any is
// wrong nothing is written and every wrong row is named.
func (s *Service) Import(ctx context.Context, p *auth.Principal, rows [][]string) (ImportResult, error) {
	var res ImportResult
	if len(rows) < 2 {
		return res, ferr("file", "empty", "文件没有数据行", "The file has no data rows")
	}
	idx := map[string]int{}
	for i, c := range rows[0] {
		idx[strings.TrimSpace(c)] = i
	}
	for _, c := range []string{"code", "name", "kind", "lat", "lng", "total_spaces"} {
		if _, ok := idx[c]; !ok {
			return res, ferr("file", "columns", "缺少列："+c, "Missing column: "+c)
		}
	}
	get := func(row []string, c string) string {
		if i, ok := idx[c]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	type item struct {
		f    Facility
		unit string
	}
	var items []item
	for n, row := range rows[1:] {
		if get(row, "code") == "" {
			continue
		}
		v := map[string][]string{}
		for _, c := range sheetCols {
			v[c] = []string{get(row, c)}
		}
		hours := get(row, "hours")
		if hours == "24/7" || hours == "" {
			v["always"] = []string{"1"}
		} else if a, b, ok := strings.Cut(hours, "-"); ok {
			v["opens"], v["closes"] = []string{a}, []string{b}
		}
		if v["status"][0] == "" {
			v["status"] = []string{string(Open)}
		}
		f, err := facilityFromForm(v)
		if err == nil {
			err = f.Validate()
		}
		if fe, ok := web.AsFieldErrors(err); ok {
			res.Errors = append(res.Errors, fmt.Sprintf("%d: %s: %s", n+2, fe[0].Field, fe[0].Msg(web.ZH)))
			continue
		}
		items = append(items, item{f, get(row, "unit_code")})
	}
	if len(res.Errors) > 0 {
		return res, nil
	}
	now := s.now()
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		res.Created, res.Updated = 0, 0
		for n, it := range items {
			var id, version int64
			err := tx.QueryRow(ctx, `SELECT id, version FROM parking_facilities WHERE code = ?`, it.f.Code).Scan(&id, &version)
			if err == nil {
				old, err := getFacility(ctx, tx, p, id)
				if err != nil {
					return ferr("file", "scope", fmt.Sprintf("第 %d 行：编号 %s 不在您的辖区内", n+2, it.f.Code), fmt.Sprintf("row %d: %s is outside your jurisdiction", n+2, it.f.Code))
				}
				f := it.f
				f.ID, f.OrgUnitID, f.OrgPath, f.ProjectID, f.Rules, f.Suspensions = old.ID, old.OrgUnitID, old.OrgPath, old.ProjectID, old.Rules, old.Suspensions
				f.Version = old.Version + 1
				args := append(facilityArgs(&f), f.Version, now, id)
				if _, err := tx.Exec(ctx, `UPDATE parking_facilities SET org_unit_id = ?, org_path = ?, code = ?, name = ?, kind = ?,
					operator = ?, ownership = ?, address = ?, lat = ?, lng = ?, total_spaces = ?, public_spaces = ?,
					reservable_spaces = ?, ev_spaces = ?, accessible_spaces = ?, vehicle_class = ?, max_height_cm = ?,
					free_minutes = ?, hour_cents = ?, day_cap_cents = ?, night_hour_cents = ?, night_from = ?, night_until = ?,
					open_24h = ?, opens = ?, closes = ?, status = ?, project_id = ?, version = ?, updated_at = ? WHERE id = ?`, args...); err != nil {
					return err
				}
				if _, err := s.reconcile(ctx, tx, &f, now); err != nil {
					return err
				}
				res.Updated++
				continue
			} else if !isNoRows(err) {
				return err
			}
			var unitID int64
			var path string
			scope, sargs := p.ScopeSQL("path")
			if err := tx.QueryRow(ctx, `SELECT id, path FROM org_units WHERE code = ? AND `+scope, append([]any{it.unit}, sargs...)...).Scan(&unitID, &path); err != nil {
				if isNoRows(err) {
					return ferr("file", "unit", fmt.Sprintf("第 %d 行：单位编码 %q 不在您的辖区内", n+2, it.unit), fmt.Sprintf("row %d: unit %q is not in your jurisdiction", n+2, it.unit))
				}
				return err
			}
			f := it.f
			f.OrgUnitID, f.OrgPath = unitID, path
			if err := s.insertFacility(ctx, tx, &f, now); err != nil {
				return err
			}
			res.Created++
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "parking.facility.import", ObjectType: "parking_facility",
			ObjectID: strconv.Itoa(len(items)), Detail: fmt.Sprintf("created %d, updated %d", res.Created, res.Updated)})
	})
	return res, s.touched(err)
}

func (h *Web) importXLSX(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	file, _, err := r.FormFile("file")
	if err != nil {
		pageFail(w, r, ferr("file", "required", "请选择 Excel 文件", "Choose an Excel file"))
		return
	}
	defer file.Close()
	x, err := excelize.OpenReader(file)
	if err != nil {
		pageFail(w, r, ferr("file", "invalid", "无法读取该 Excel 文件", "Cannot read this Excel file"))
		return
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	res, err := h.S.Import(r.Context(), p, rows)
	if err != nil && !errors.Is(err, errForbidden) {
		if _, ok := web.AsFieldErrors(err); !ok {
			pageFail(w, r, err)
			return
		}
		res.Errors = append(res.Errors, err.Error())
	}
	l := web.LangOf(r)
	if len(res.Errors) > 0 {
		web.SetFlash(w, web.T(l, "parking.import.failed", strings.Join(res.Errors[:min(len(res.Errors), 5)], "；")))
	} else {
		web.SetFlash(w, web.T(l, "parking.import.done", res.Created, res.Updated))
	}
	http.Redirect(w, r, "/parking", http.StatusSeeOther)
}
