package org

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

func csvOf(rows ...[]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows)
	return b.Bytes()
}

// xlsxOf builds a workbook whose first sheet holds rows from A1 down; a nil
// row leaves a blank row.
func xlsxOf(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		if r == nil {
			continue
		}
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func importBytes(s *Store, p *auth.Principal, b []byte, format string) (Result, error) {
	return s.Import(ctx, p, bytes.NewReader(b), format)
}

// checkTree asserts that every unit's path, depth and kind agree with its parent's.
func checkTree(t *testing.T, s *Store) map[string]Unit {
	t.Helper()
	list, total, err := s.List(ctx, admin, Filter{Limit: MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	if total > len(list) {
		t.Fatalf("tree too large to check: %d", total)
	}
	byID := map[int64]Unit{}
	byCode := map[string]Unit{}
	for _, u := range list {
		byID[u.ID], byCode[u.Code] = u, u
	}
	for _, u := range list {
		want, depth := fmt.Sprintf("/%d/", u.ID), 0
		if u.ParentID != 0 {
			par := byID[u.ParentID]
			want, depth = fmt.Sprintf("%s%d/", par.Path, u.ID), par.Depth+1
			if !u.Kind.AllowedUnder(par.Kind) {
				t.Errorf("%s (%s) under %s (%s)", u.Code, u.Kind, par.Code, par.Kind)
			}
		}
		if u.Path != want || u.Depth != depth || u.Kind.Level() != depth {
			t.Errorf("%s: path %q depth %d, want %q %d", u.Code, u.Path, u.Depth, want, depth)
		}
	}
	return byCode
}

var header = []string{"编码", "名称", "类型", "上级编码", "纬度", "经度"}

func TestImportCSV(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		s, audit := newStore(d)
		// Children before parents, English headers and kinds mixed with
		// Chinese ones, a BOM, spaces around cells, a blank line.
		file := append([]byte("\xEF\xBB\xBF"), csvOf(
			[]string{"Code", "Name", "Kind", "Parent_Code", "Latitude", "Longitude", "备注"},
			[]string{"HP-NJ-01-001-1", "1号楼", "楼栋", "HP-NJ-01-001"},
			[]string{"HP-NJ-01-001", "宝兴里", "compound", "HP-NJ-01", "31.2381", "121.4812", "老小区"},
			[]string{"HP-NJ-01", "贵州路社区", "Community", "HP-NJ"},
			[]string{" HP-NJ ", " 南京东路街道 ", "街道", "HP"},
			[]string{"FTZ", "自贸区", "功能区", "SH"},
			[]string{"HP", "黄浦区", "区", "SH"},
			[]string{"SH", "上海市", "市", "", "31.2304", "121.4737"},
		)...)
		file = append(file, "\r\n\r\n"...)
		res, err := importBytes(s, admin, file, "csv")
		if err != nil {
			t.Fatalf("import: %v %+v", err, res.Errors)
		}
		if res.Created != 7 || res.Rows != 7 {
			t.Errorf("result %+v", res)
		}
		units := checkTree(t, s)
		if len(units) != 7 {
			t.Fatalf("%d units", len(units))
		}
		c := units["HP-NJ-01-001"]
		if c.Name != "宝兴里" || c.Kind != Compound || c.Lat == nil || *c.Lat != 31.2381 || *c.Lng != 121.4812 {
			t.Errorf("compound %+v", c)
		}
		if units["HP-NJ"].Name != "南京东路街道" || units["HP"].Lat != nil {
			t.Errorf("trimmed/coords: %+v %+v", units["HP-NJ"], units["HP"])
		}
		if audit.count() != 1 || audit.actions[0] != "org.unit.import" {
			t.Errorf("audit %v", audit.actions)
		}

		// A second file adds under existing units, as a district would.
		hp := staff(auth.SystemAdmin, units["HP"])
		res, err = importBytes(s, hp, csvOf(header,
			[]string{"HP-WT", "外滩街道", "街道", "HP"},
			[]string{"HP-WT-01", "中山东一路社区", "社区", "HP-WT"},
		), "CSV")
		if err != nil || res.Created != 2 {
			t.Fatalf("district import: %+v %v", res, err)
		}
		checkTree(t, s)
	})
}

func TestImportXLSX(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		s, _ := newStore(d)
		// A title row above the header, as ledgers have; numeric cells for a
		// code and the coordinates, as Excel stores what people type.
		file := xlsxOf(t,
			[]any{"上海市组织机构台账（2024年）"},
			nil,
			[]any{"编码", "名称", "类型", "上级编码", "纬度（WGS-84）", "经度（WGS-84）"},
			[]any{310000, "上海市", "市", "", 31.2304, 121.4737},
			[]any{"HP", "黄浦区", "区", 310000},
			[]any{"HP-NJ", "南京东路街道", "街道", "HP", 31.2400, 121.4800},
		)
		res, err := importBytes(s, admin, file, ".xlsx")
		if err != nil {
			t.Fatalf("import: %v %+v", err, res.Errors)
		}
		units := checkTree(t, s)
		if res.Created != 3 || units["310000"].Kind != City || *units["HP-NJ"].Lat != 31.24 {
			t.Errorf("result %+v units %v", res, units)
		}

		// Row numbers are those Excel shows, counting the title and blank rows.
		res, err = importBytes(s, admin, xlsxOf(t,
			[]any{"新增单位"},
			[]any{"编码", "名称", "类型", "上级编码"},
			[]any{"XH", "徐汇区", "区", "310000"},
			nil,
			[]any{"XH-TL", "田林街道", "街道", "XH"},
			[]any{"XH-TL-01", "", "社区", "XH-TL"},
		), "xlsx")
		if !errors.Is(err, ErrRejected) || len(res.Errors) != 1 || res.Errors[0].Row != 6 || res.Errors[0].Field != "name" {
			t.Errorf("got %+v, %v", res, err)
		}
	})
}

func TestImportRejectsBadRows(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		s, audit := newStore(d)
		buildTree(t, s)
		before, audits := unitCount(t, d), audit.count()
		file := csvOf(header,
			[]string{"HP-NJ-02", "北京东路社区", "社区", "HP-NJ"},
			[]string{"HP-NJ-03", "外滩社区", "社区", "NOPE"},
			[]string{"HP-NJ-02-001", "和平小区", "小区", "HP-NJ-02"},
			[]string{"HP-NJ-02-002", "永安里", "村", "HP-NJ-02"},
			[]string{"HP-NJ-02-003", "新城", "小区", "HP-NJ-02"},
		)
		for _, format := range []string{"csv", "xlsx"} {
			b := file
			if format == "xlsx" {
				var rows [][]any
				r := csv.NewReader(bytes.NewReader(file))
				r.FieldsPerRecord = -1
				recs, err := r.ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				for _, rec := range recs {
					row := make([]any, len(rec))
					for i, c := range rec {
						row[i] = c
					}
					rows = append(rows, row)
				}
				b = xlsxOf(t, rows...)
			}
			res, err := importBytes(s, admin, b, format)
			if !errors.Is(err, ErrRejected) {
				t.Fatalf("%s: err = %v", format, err)
			}
			want := []RowError{
				{Row: 3, Field: "parent_code", Code: "not_found", Message: "第3行 上级编码：找不到上级单位 NOPE",
					MessageEn: `Row 3, parent code: no unit with code "NOPE"`},
				{Row: 5, Field: "kind", Code: "invalid",
					Message:   "第5行 类型：“村”不是有效的类型，应为 市、区、功能区、街道、社区、小区、楼栋 之一",
					MessageEn: `Row 5, kind: "村" is not a kind; use city, district, zone, street, community, compound or building`},
			}
			if fmt.Sprint(res.Errors) != fmt.Sprint(want) {
				t.Errorf("%s: errors\n%+v\nwant\n%+v", format, res.Errors, want)
			}
			if res.Created != 0 || unitCount(t, d) != before || audit.count() != audits {
				t.Errorf("%s: something was written: %+v", format, res)
			}
		}
	})
}

func TestImportRowChecks(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		s, _ := newStore(d)
		tr := buildTree(t, s)
		hp := staff(auth.SystemAdmin, tr.huangpu)
		type want struct {
			row         int
			field, code string
		}
		cases := []struct {
			name string
			p    *auth.Principal
			rows [][]string
			want []want
		}{
			{"duplicate in file", admin, [][]string{
				{"N1", "一", "街道", "HP"}, {"N1", "二", "街道", "HP"}}, []want{{3, "code", "duplicate"}}},
			{"duplicate in database", admin, [][]string{{"HP-NJ", "南京东路", "街道", "HP"}}, []want{{2, "code", "duplicate"}}},
			{"parent outside scope", hp, [][]string{{"N2", "x", "社区", "XH-TL"}}, []want{{2, "parent_code", "not_found"}}},
			{"kind under file parent", admin, [][]string{
				{"N3", "x", "社区", "HP"}, {"N4", "y", "小区", "N3"}}, []want{{2, "kind", "parent_kind"}}},
			{"kind under zone", admin, [][]string{{"N5", "x", "社区", "FTZ"}}, []want{{2, "kind", "parent_kind"}}},
			{"coordinates", admin, [][]string{
				{"N6", "x", "街道", "HP", "121.47", "31.23"},
				{"N7", "y", "街道", "HP", "北纬31", "121"},
				{"N8", "z", "街道", "HP", "31", ""},
				{"N9", "w", "街道", "HP", "NaN", "121"}},
				[]want{{2, "lat", "out_of_range"}, {3, "lat", "invalid"}, {4, "lng", "required"}, {5, "lat", "out_of_range"}}},
			{"city by district", hp, [][]string{{"BJ", "北京市", "市", ""}}, []want{{2, "kind", "forbidden"}}},
			{"city with parent", admin, [][]string{{"BJ", "北京市", "市", "SH"}}, []want{{2, "parent_code", "invalid"}}},
			{"own parent", admin, [][]string{{"N10", "x", "街道", "N10"}}, []want{{2, "parent_code", "invalid"}}},
			{"no parent", admin, [][]string{{"N11", "x", "街道", ""}}, []want{{2, "parent_code", "required"}}},
			{"several in a row", admin, [][]string{{"", "=1+1", "", "HP"}},
				[]want{{2, "code", "required"}, {2, "name", "invalid"}, {2, "kind", "required"}}},
			{"cycle", admin, [][]string{{"A1", "x", "街道", "B1"}, {"B1", "y", "街道", "A1"}},
				[]want{{2, "kind", "parent_kind"}, {3, "kind", "parent_kind"}}},
		}
		before := unitCount(t, d)
		for _, c := range cases {
			res, err := importBytes(s, c.p, csvOf(append([][]string{header}, c.rows...)...), "csv")
			var got []want
			for _, e := range res.Errors {
				got = append(got, want{e.Row, e.Field, e.Code})
			}
			if !errors.Is(err, ErrRejected) || fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("%s: %v %v, want %v", c.name, err, got, c.want)
			}
		}
		if unitCount(t, d) != before {
			t.Error("a rejected import wrote")
		}
	})
}

func TestImportFileErrors(t *testing.T) {
	d := dbtest.SQLite(t, sources...)
	s, _ := newStore(d)
	many := bytes.NewBufferString("编码,名称,类型,上级编码\n")
	for i := range MaxImportRows + maxHeaderRow + 1 {
		fmt.Fprintf(many, "C%d,n,楼栋,P\n", i)
	}
	cases := []struct {
		name   string
		file   []byte
		format string
		code   string
	}{
		{"too large", bytes.Repeat([]byte("a"), MaxImportBytes+1), "csv", "too_large"},
		{"too many rows", many.Bytes(), "csv", "too_many_rows"},
		{"unknown format", []byte("x"), "xls", "format"},
		{"not xlsx", []byte("编码,名称\n"), "xlsx", "xlsx"},
		{"no header", csvOf([]string{"a", "b"}, []string{"c", "d"}), "csv", "header"},
		{"missing parent column", csvOf([]string{"编码", "名称", "类型"}, []string{"SH", "上海", "市"}), "csv", "header"},
		{"header only", csvOf(header), "csv", "empty"},
		{"empty", nil, "csv", "header"},
		{"broken quote", []byte("编码,名称,类型,上级编码\n\"SH,上海,市,\n"), "csv", "csv"},
	}
	for _, c := range cases {
		_, err := importBytes(s, admin, c.file, c.format)
		var ie *ImportError
		if !errors.As(err, &ie) || ie.Code != c.code || ie.Message == "" {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	if _, err := importBytes(s, &auth.Principal{Role: auth.Citizen, OrgPath: "/"}, csvOf(header), "csv"); !errors.Is(err, ErrForbidden) {
		t.Errorf("citizen import: %v", err)
	}
}

// Excel on Chinese Windows saves "CSV" in GBK.
func TestImportGBKCSV(t *testing.T) {
	d := dbtest.SQLite(t, sources...)
	s, _ := newStore(d)
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(csvOf(header, []string{"SH", "上海市", "市", ""}))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := importBytes(s, admin, gbk, "csv"); err != nil || res.Created != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if u, err := s.ByCode(ctx, admin, "SH"); err != nil || u.Name != "上海市" {
		t.Errorf("%+v %v", u, err)
	}
}

func TestExportRoundTrip(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		s, _ := newStore(d)
		tr := buildTree(t, s)
		mustCreate(t, s, admin, Unit{ParentID: tr.ftz.ID, Kind: Street, Code: "FTZ-BS", Name: "保税区街道, \"外高桥\"", Lat: fp(31.3456789012), Lng: fp(121.6)})
		mustCreate(t, s, admin, Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "HP-0012", Name: "外滩街道"})

		var orig bytes.Buffer
		if err := s.Export(ctx, admin, &orig, "csv"); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(orig.Bytes(), utf8BOM) {
			t.Error("CSV export has no BOM")
		}
		lines := strings.Split(strings.TrimSpace(string(orig.Bytes()[3:])), "\r\n")
		wantOrder := []string{"编码,名称,类型,上级编码,纬度,经度", "SH,上海市,市,,31.2304,121.4737", "FTZ,自贸区,功能区,SH,,",
			`FTZ-BS,"保税区街道, ""外高桥""",街道,FTZ,31.3456789012,121.6`, "HP,黄浦区,区,SH,,", "HP-0012,外滩街道,街道,HP,,"}
		if strings.Join(lines[:6], "\n") != strings.Join(wantOrder, "\n") {
			t.Errorf("export starts\n%s\nwant\n%s", strings.Join(lines[:6], "\n"), strings.Join(wantOrder, "\n"))
		}

		for _, format := range []string{"csv", "xlsx"} {
			var file bytes.Buffer
			if err := s.Export(ctx, admin, &file, format); err != nil {
				t.Fatal(err)
			}
			s2, _ := newStore(freshDB(t, d))
			res, err := s2.Import(ctx, admin, &file, format)
			if err != nil {
				t.Fatalf("%s re-import: %v %+v", format, err, res.Errors)
			}
			checkTree(t, s2)
			var again bytes.Buffer
			if err := s2.Export(ctx, admin, &again, "csv"); err != nil {
				t.Fatal(err)
			}
			if again.String() != orig.String() {
				t.Errorf("%s round trip differs:\n%s\nwant\n%s", format, again.String(), orig.String())
			}
		}

		// A district exports its own subtree; its top keeps the city's code.
		var sub bytes.Buffer
		if err := s.Export(ctx, staff(auth.DistrictStaff, tr.huangpu), &sub, "csv"); err != nil {
			t.Fatal(err)
		}
		lines = strings.Split(strings.TrimSpace(sub.String()[3:]), "\r\n")
		if len(lines) != 7 || lines[1] != "HP,黄浦区,区,SH,," {
			t.Errorf("district export:\n%s", sub.String())
		}
	})
}

// A file larger than one statement's batch, on both databases.
func TestImportLarge(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		s, _ := newStore(d)
		rows := [][]string{header, {"C", "市", "市", ""}}
		for i := range 2 {
			dist := fmt.Sprintf("D%d", i)
			rows = append(rows, []string{dist, dist, "区", "C"})
			for j := range 10 {
				st := fmt.Sprintf("%s-S%d", dist, j)
				rows = append(rows, []string{st, st, "街道", dist})
				for k := range 30 {
					cm := fmt.Sprintf("%s-C%d", st, k)
					rows = append(rows, []string{cm, cm, "社区", st}, []string{cm + "-1", cm, "小区", cm},
						[]string{cm + "-2", cm, "小区", cm})
				}
			}
		}
		res, err := importBytes(s, admin, csvOf(rows...), "csv")
		if err != nil || res.Created != len(rows)-1 {
			t.Fatalf("%+v %v", res.Created, err)
		}
		counts, _ := s.CountByKind(ctx, admin)
		if counts[Compound] != 1200 || counts[Community] != 600 || counts[Street] != 20 {
			t.Errorf("counts %v", counts)
		}
		var bad int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM org_units u JOIN org_units p ON p.id = u.parent_id
			WHERE u.path <> p.path || CAST(u.id AS TEXT) || '/' OR u.depth <> p.depth + 1`).Scan(&bad); err != nil || bad != 0 {
			t.Errorf("%d units with a wrong path (%v)", bad, err)
		}
	})
}
