package parking_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"anju/internal/app"
	"anju/internal/parking"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/geo"
	"anju/internal/platform/org"
	"anju/internal/platform/web"

	"github.com/xuri/excelize/v2"
)

// city is the whole app over a test database: a city with a district and a
// street, a car park and a sharing office, a citizen, a district staff
// member and a car-park system's token.
type city struct {
	a        *app.App
	srv      *httptest.Server
	district org.Unit
	street   org.Unit
	lot      parking.Facility
	office   parking.Facility
	token    string
	citizen  string // mobile
	password string
}

func sysCtx() context.Context { return auth.WithPrincipal(context.Background(), auth.System("test")) }

func newCity(t *testing.T, d *db.DB) *city {
	t.Helper()
	web.CookieSecure = false
	a, err := app.New(context.Background(), app.Defaults(), d, "test")
	if err != nil {
		t.Fatal(err)
	}
	c := &city{a: a, citizen: "13900000001", password: "Test-pass-2026!"}
	ctx := sysCtx()
	err = d.Tx(ctx, func(tx *db.Tx) error {
		p := auth.FromContext(ctx)
		root, err := a.Org.Create(ctx, tx, p, org.Unit{Kind: org.City, Code: "AL", Name: "安澜市"})
		if err != nil {
			return err
		}
		if c.district, err = a.Org.Create(ctx, tx, p, org.Unit{ParentID: root.ID, Kind: org.District, Code: "AL01", Name: "澜江区"}); err != nil {
			return err
		}
		c.street, err = a.Org.Create(ctx, tx, p, org.Unit{ParentID: c.district.ID, Kind: org.Street, Code: "AL01-01", Name: "湖滨街道"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Mobile: c.citizen, DisplayName: "张三", Role: auth.Citizen, Password: c.password}); err != nil {
		t.Fatal(err)
	}
	admin, err := a.Auth.CreateUser(ctx, auth.NewUser{Username: "sys1", DisplayName: "管理员", Role: auth.SystemAdmin,
		OrgUnitID: c.district.ID, Password: c.password})
	if err != nil {
		t.Fatal(err)
	}
	ap := &auth.Principal{UserID: admin.ID, Name: "管理员", Role: auth.SystemAdmin, OrgUnitID: c.district.ID, OrgPath: c.district.Path}
	c.token, _, err = a.Auth.CreateToken(auth.WithPrincipal(context.Background(), ap), ap, "停车场系统",
		[]string{parking.PushPermission}, c.district.ID, c.district.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := parking.NewService(d, a.Calendar, web.Location)
	sp := auth.System("test")
	c.lot, err = s.Create(ctx, sp, parking.Facility{OrgUnitID: c.street.ID, Code: "P0101", Name: "湖滨公共停车场", Kind: parking.PublicLot,
		Operator: "澜江城投", Ownership: parking.StateOwned, Address: "湖滨路 1 号", Lat: 30.2500, Lng: 120.1700, TotalSpaces: 80,
		PublicSpaces: 80, ReservableSpaces: 2, EVSpaces: 8, AccessibleSpaces: 2, Hours: parking.Hours{Always: true},
		Tariff: parking.Tariff{FreeMinutes: 15, HourCents: 500, DayCapCents: 4000}})
	if err != nil {
		t.Fatal(err)
	}
	c.office, err = s.Create(ctx, sp, parking.Facility{OrgUnitID: c.street.ID, Code: "G0101", Name: "区政务中心停车场（错时开放）",
		Kind: parking.PublicBuilding, Operator: "机关事务局", Ownership: parking.Government, Address: "政务路 1 号",
		Lat: 30.2530, Lng: 120.1730, TotalSpaces: 100, ReservableSpaces: 20, Hours: parking.Hours{Always: true},
		Tariff: parking.Tariff{HourCents: 200}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetRules(ctx, sp, c.office.ID, []parking.Rule{{Name: "双休日及节假日", Days: parking.RestDay | parking.HolidayDay,
		EntryFrom: 0, EntryUntil: 1380, LeaveBy: 1440, BlackoutFrom: -1, BlackoutUntil: -1, Spaces: 60,
		VehicleClass: parking.SmallCars, Eligibility: parking.Anyone}}); err != nil {
		t.Fatal(err)
	}
	c.srv = httptest.NewServer(a.Handler())
	t.Cleanup(c.srv.Close)
	// The app's index learns of the facilities written above the way it
	// learns of another process's writes: by its next refresh.
	time.Sleep(1100 * time.Millisecond)
	return c
}

func (c *city) push(t *testing.T, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.srv.URL+"/api/v1/parking/occupancy", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, u string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// TestFeedsMatchTheirSchemas: the GeoJSON feed is valid RFC 7946 (a
// FeatureCollection of Point features, [longitude, latitude] in WGS-84)
// with last_updated and ttl, and both feeds match their schemas; a fresh
// count shows, a missing one is null — never free.
func TestFeedsMatchTheirSchemas(t *testing.T) {
	dbtest.Each(t, append([]db.Source{}, app.Sources...), func(t *testing.T, d *db.DB) {
		c := newCity(t, d)
		if code, body := c.push(t, fmt.Sprintf(`{"facility_id": %d, "free": 23, "capacity": 80, "observed_at": %q}`,
			c.lot.ID, time.Now().UTC().Add(-time.Minute).Format(time.RFC3339))); code != 200 {
			t.Fatalf("push: %d %s", code, body)
		}
		// A count over another set of spaces is refused, naming the field.
		if code, body := c.push(t, fmt.Sprintf(`{"facility_id": %d, "free": 90, "capacity": 100}`, c.lot.ID)); code != 422 || !strings.Contains(body, `"capacity"`) {
			t.Fatalf("mismatched capacity: %d %s", code, body)
		}
		code, hdr, body := get(t, c.srv.URL+"/feeds/parking.geojson")
		if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/geo+json") {
			t.Fatalf("geojson: %d %s", code, hdr.Get("Content-Type"))
		}
		var doc any
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		if errs := validate(doc, geojsonSchema, "$"); len(errs) > 0 {
			t.Fatalf("GeoJSON feed does not match its schema:\n%s", strings.Join(errs, "\n"))
		}
		var fc parking.GeoJSON
		_ = json.Unmarshal(body, &fc)
		if len(fc.Features) != 2 {
			t.Fatalf("%d features", len(fc.Features))
		}
		byID := map[int64]parking.Feature{}
		for _, f := range fc.Features {
			byID[f.ID] = f
		}
		lot := byID[c.lot.ID]
		if lot.Geometry.Coordinates != [2]float64{120.17, 30.25} {
			t.Errorf("coordinates %v: want [lng, lat] in WGS-84", lot.Geometry.Coordinates)
		}
		if lot.Properties.Free == nil || *lot.Properties.Free != 23 || *lot.Properties.NumOccupied != 57 || lot.Properties.State != "open" {
			t.Errorf("lot properties %+v", lot.Properties)
		}
		if office := byID[c.office.ID]; office.Properties.Free != nil {
			t.Errorf("office without counts shows free %d", *office.Properties.Free)
		}
		code, _, body = get(t, c.srv.URL+"/feeds/parking-datex.json")
		if code != 200 {
			t.Fatalf("datex: %d", code)
		}
		doc = nil
		_ = json.Unmarshal(body, &doc)
		if errs := validate(doc, datexSchema, "$"); len(errs) > 0 {
			t.Fatalf("DATEX feed does not match its schema:\n%s", strings.Join(errs, "\n"))
		}
		if !strings.Contains(string(body), `"parkingNumberOfVacantSpaces":23`) {
			t.Errorf("datex lacks the lot's vacant spaces: %s", body)
		}
	})
}

// TestSearchAcceptsThreeCoordinateSystems: the same destination given in
// WGS-84, GCJ-02 and BD-09 finds the same car parks at the same distances,
// with navigation links in each app's system.
func TestSearchAcceptsThreeCoordinateSystems(t *testing.T) {
	d := dbtest.SQLite(t, app.Sources...)
	c := newCity(t, d)
	dest := geo.Point{Lat: 30.2510, Lng: 120.1710}
	var first string
	for _, sys := range []geo.System{geo.WGS84, geo.GCJ02, geo.BD09} {
		p := geo.Convert(dest, geo.WGS84, sys)
		q := url.Values{"lat": {fmt.Sprint(p.Lat)}, "lng": {fmt.Sprint(p.Lng)}, "coord": {string(sys)}, "radius": {"1000"},
			"arrive": {"2026-12-02T10:00"}, "stay": {"90"}}
		code, _, body := get(t, c.srv.URL+"/api/v1/parking/search?"+q.Encode())
		if code != 200 {
			t.Fatalf("%s: %d %s", sys, code, body)
		}
		var resp parking.SearchResponse
		if err := json.Unmarshal(body, &resp); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range resp.Results {
			got = append(got, fmt.Sprintf("%d@%d", r.ID, r.DistanceM))
		}
		if first == "" {
			first = strings.Join(got, ",")
			// A Wednesday: the office shares only on rest days, so only the lot.
			if len(resp.Results) != 1 || resp.Results[0].ID != c.lot.ID || resp.Results[0].PriceCents != 1000 {
				t.Fatalf("results %+v", resp.Results)
			}
			nav := resp.Results[0].Navigation
			gcj := geo.Convert(geo.Point{Lat: 30.25, Lng: 120.17}, geo.WGS84, geo.GCJ02)
			if !strings.Contains(nav.Amap, fmt.Sprintf("to=%.6f,%.6f,", gcj.Lng, gcj.Lat)) || !strings.Contains(nav.Baidu, "coord_type=bd09ll") {
				t.Errorf("navigation links %+v", nav)
			}
		} else if strings.Join(got, ",") != first {
			t.Errorf("%s: %v, WGS-84 gave %s", sys, got, first)
		}
	}
	// On a Saturday the office's sharing window opens.
	code, _, body := get(t, c.srv.URL+"/api/v1/parking/search?lat=30.251&lng=120.171&arrive=2026-12-05T10:00&stay=120")
	if code != 200 || !strings.Contains(body2s(body), fmt.Sprintf(`"id":%d`, c.office.ID)) || !strings.Contains(body2s(body), `"via":"shared"`) {
		t.Fatalf("Saturday search: %d %s", code, body)
	}
	// Bad input names the field.
	code, _, body = get(t, c.srv.URL+"/api/v1/parking/search?lat=30.2&lng=120.1&coord=mars2")
	if code != 422 || !strings.Contains(string(body), `"coord"`) {
		t.Fatalf("bad coord: %d %s", code, body)
	}
}

func body2s(b []byte) string { return string(b) }

// session logs in and returns a client carrying the session cookie and
// its CSRF token.
func (c *city) session(t *testing.T, login string) (*http.Client, string) {
	t.Helper()
	id, p, err := c.a.Auth.Login(sysCtx(), auth.LoginInput{Identifier: login, Password: c.password, IP: "127.0.0.1", UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(c.srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: id, Path: "/"}})
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, p.CSRFToken
}

func form(t *testing.T, cl *http.Client, csrf, u string, v url.Values) *http.Response {
	t.Helper()
	v.Set("csrf", csrf)
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestStaffPages: the registry, a facility with its week view, the rule
// editor, suspension, the supply-project board (opening a project adds its
// facility and the "new public spaces" figure), occupancy and the Excel
// export render and work for district staff.
func TestStaffPages(t *testing.T) {
	d := dbtest.SQLite(t, app.Sources...)
	c := newCity(t, d)
	if _, err := c.a.Auth.CreateUser(sysCtx(), auth.NewUser{Username: "staff1", DisplayName: "区工作人员", Role: auth.DistrictStaff,
		OrgUnitID: c.district.ID, Password: c.password}); err != nil {
		t.Fatal(err)
	}
	cl, csrf := c.session(t, "staff1")
	page := func(path, want string) {
		t.Helper()
		resp, err := cl.Get(c.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Fatalf("GET %s: %d, want %q in %.600s", path, resp.StatusCode, want, b)
		}
	}
	page("/parking", c.lot.Name)
	// The export link carries the registry's filters, not one escaped key.
	page("/parking?kind=public_lot&q=x", `href="/parking/export.xlsx?kind=public_lot&amp;q=x"`)
	page(fmt.Sprintf("/parking/facilities/%d", c.office.ID), `data-testid="week-view"`)
	page("/parking/occupancy", `data-testid="utilisation"`)
	page("/parking/facilities/new", `data-testid="facility-form"`)
	// The rule editor: a working-day night rule across midnight.
	v := url.Values{"rule_name_0": {"工作日夜间"}, "rule_work_0": {"1"}, "rule_entry_from_0": {"17:30"}, "rule_entry_until_0": {"21:30"},
		"rule_leave_by_0": {"08:00"}, "rule_next_day_0": {"1"}, "rule_blackout_from_0": {"22:00"}, "rule_blackout_until_0": {"06:00"},
		"rule_spaces_0": {"50"}, "rule_vehicle_0": {"small"}, "rule_eligibility_0": {"public"}}
	if resp := form(t, cl, csrf, fmt.Sprintf("%s/parking/facilities/%d/rules", c.srv.URL, c.office.ID), v); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("rules: %d", resp.StatusCode)
	}
	f, err := parking.NewService(d, c.a.Calendar, web.Location).Get(context.Background(), auth.System("t"), c.office.ID)
	if err != nil || len(f.Rules) != 1 || f.Rules[0].LeaveBy != 1440+480 || f.Rules[0].BlackoutUntil != 1440+360 {
		t.Fatalf("rules saved: %+v %v", f.Rules, err)
	}
	// A bad rule is refused with the field named on the page.
	v.Set("rule_spaces_0", "1000")
	if resp := form(t, cl, csrf, fmt.Sprintf("%s/parking/facilities/%d/rules", c.srv.URL, c.office.ID), v); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad rule: %d", resp.StatusCode)
	}
	// A supply project from plan to opening.
	v = url.Values{"org_unit_id": {fmt.Sprint(c.street.ID)}, "name": {"湖滨拆违地块便民停车场"}, "address": {"湖滨路 9 号"},
		"lat": {"30.2600"}, "lng": {"120.1800"}, "coord": {"gcj02"}, "land_source": {"cleared"}, "kind": {"public_lot"},
		"operator": {"澜江城投"}, "ownership": {"government"}, "investor_type": {"public"}, "spaces": {"64"}, "investment_wan": {"150"},
		"planned_open": {"2027-03"}}
	resp := form(t, cl, csrf, c.srv.URL+"/parking/projects", v)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("project: %d", resp.StatusCode)
	}
	projectURL := c.srv.URL + resp.Header.Get("Location")
	for range 4 {
		if resp := form(t, cl, csrf, projectURL+"/advance", url.Values{"note": {"按计划"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("advance: %d", resp.StatusCode)
		}
	}
	page(strings.TrimPrefix(projectURL, c.srv.URL), "已开放")
	page("/parking/projects", `data-testid="new-public">64<`)
	// The export holds the three facilities (the opened project's included).
	resp, err = cl.Get(c.srv.URL + "/parking/export.xlsx")
	if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: %v %d", err, resp.StatusCode)
	}
	resp.Body.Close()
	// Suspension of sharing, with notice.
	start := time.Now().Add(48 * time.Hour).In(web.Location).Format("2006-01-02T15:04")
	if resp := form(t, cl, csrf, fmt.Sprintf("%s/parking/facilities/%d/suspend", c.srv.URL, c.office.ID),
		url.Values{"starts": {start}, "reason": {"设备检修"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("suspend: %d", resp.StatusCode)
	}
	page(fmt.Sprintf("/parking/facilities/%d", c.office.ID), "设备检修")
}

// TestExcelRoundTrip: the exported ledger, edited and with a new row,
// imports back: the edited facility is updated, the new one registered at
// the named unit; a bad row imports nothing and names the row.
func TestExcelRoundTrip(t *testing.T) {
	d := dbtest.SQLite(t, app.Sources...)
	c := newCity(t, d)
	if _, err := c.a.Auth.CreateUser(sysCtx(), auth.NewUser{Username: "staff1", DisplayName: "区工作人员", Role: auth.DistrictStaff,
		OrgUnitID: c.district.ID, Password: c.password}); err != nil {
		t.Fatal(err)
	}
	cl, csrf := c.session(t, "staff1")
	resp, err := cl.Get(c.srv.URL + "/parking/export.xlsx?kind=public_lot")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("export: %v %v", err, resp.StatusCode)
	}
	x, err := excelize.OpenReader(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	sheet := x.GetSheetName(0)
	rows, _ := x.GetRows(sheet)
	if len(rows) != 2 || rows[1][0] != c.lot.Code {
		t.Fatalf("exported rows (only the filtered public lot): %v", rows)
	}
	_ = x.SetCellValue(sheet, "B2", "湖滨公共停车场（改）")
	newRow := append([]string(nil), rows[1]...)
	newRow[0], newRow[1], newRow[9] = "P0199", "湖滨新建停车场", c.street.Code
	for i, v := range newRow {
		cell, _ := excelize.CoordinatesToCellName(i+1, 3)
		_ = x.SetCellValue(sheet, cell, v)
	}
	upload := func(f *excelize.File) *http.Response {
		buf, _ := f.WriteToBuffer()
		var body strings.Builder
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("csrf", csrf)
		fw, _ := mw.CreateFormFile("file", "ledger.xlsx")
		_, _ = fw.Write(buf.Bytes())
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, c.srv.URL+"/parking/import", strings.NewReader(body.String()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := upload(x); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("import: %d", resp.StatusCode)
	}
	var name string
	var n int
	_ = d.QueryRow(context.Background(), `SELECT name FROM parking_facilities WHERE code = ?`, c.lot.Code).Scan(&name)
	_ = d.QueryRow(context.Background(), `SELECT COUNT(*) FROM parking_facilities WHERE code = 'P0199' AND org_path = ?`, c.street.Path).Scan(&n)
	if name != "湖滨公共停车场（改）" || n != 1 {
		t.Fatalf("after import: name %q, new rows %d", name, n)
	}
	// A row with free > total … here total 0: nothing is written.
	_ = x.SetCellValue(sheet, "K3", "0")
	_ = x.SetCellValue(sheet, "B2", "不应写入")
	upload(x)
	_ = d.QueryRow(context.Background(), `SELECT name FROM parking_facilities WHERE code = ?`, c.lot.Code).Scan(&name)
	if name != "湖滨公共停车场（改）" {
		t.Fatalf("a bad file changed the registry: %q", name)
	}
}
