package petition_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
	"anju/internal/platform/web/webtest"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// mapState is what the form's map shows, read from the page.
type mapState struct {
	Lat     string `json:"lat"` // the form's inputs
	Lng     string `json:"lng"`
	Markers []struct {
		Lat float64 `json:"lat"`
		Lng float64 `json:"lng"`
	} `json:"markers"`
	Bounds struct {
		S float64 `json:"s"`
		W float64 `json:"w"`
		N float64 `json:"n"`
		E float64 `json:"e"`
	} `json:"bounds"`
	Centre struct {
		Lat float64 `json:"lat"`
		Lng float64 `json:"lng"`
	} `json:"centre"`
	Rect struct { // the map's box in the viewport, CSS px
		X float64 `json:"x"`
		Y float64 `json:"y"`
		W float64 `json:"w"`
		H float64 `json:"h"`
	} `json:"rect"`
	Status      string `json:"status"`
	StatusError bool   `json:"statusError"`
}

const mapStateJS = `(() => {
  const el = document.querySelector('[data-testid=petition-map]');
  const m = el.anjuMap, b = m.getBounds(), c = m.getCenter(), r = el.getBoundingClientRect();
  const markers = [];
  m.eachLayer(l => { if (l instanceof L.Marker) { const p = l.getLatLng(); markers.push({lat: p.lat, lng: p.lng}); } });
  const st = document.querySelector('[data-testid=map-status]');
  return {lat: document.getElementById('lat').value, lng: document.getElementById('lng').value, markers,
    bounds: {s: b.getSouth(), w: b.getWest(), n: b.getNorth(), e: b.getEast()}, centre: {lat: c.lat, lng: c.lng},
    rect: {x: r.left, y: r.top, w: r.width, h: r.height},
    status: st.textContent, statusError: st.classList.contains('error')};
})()`

func readMap(t *testing.T, ctx context.Context) mapState {
	t.Helper()
	st, err := chromedp.Run(ctx, chromedp.Evaluate[mapState](mapStateJS))
	if err != nil {
		t.Fatalf("read the map: %v", err)
	}
	return st
}

// setCoords gives an org unit coordinates (the demo city's top unit has its
// centre; the test world's have none).
func setCoords(t *testing.T, w *world, u org.Unit, lat, lng float64) {
	t.Helper()
	err := w.DB.Tx(sysCtx(), func(tx *db.Tx) error {
		_, err := w.S.Org.Update(sysCtx(), tx, auth.System("test"), u.ID, org.Edit{Code: u.Code, Name: u.Name, Lat: &lat, Lng: &lng})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// fitsPhone asserts the page fits the 390 px phone.
func fitsPhone(t *testing.T, ctx context.Context) {
	t.Helper()
	webtest.AssertFits(t, ctx)
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// pickAt taps the map at a fraction of its width and height and waits for
// the form's inputs to change.
func pickAt(t *testing.T, ctx context.Context, fx, fy float64) mapState {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(`[data-testid=petition-map]`))); err != nil {
		t.Fatal(err)
	}
	before := readMap(t, ctx)
	r := before.Rect
	err := steps(ctx,
		chromedp.MouseClickXY(r.X+fx*r.W, r.Y+fy*r.H),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(
			`document.getElementById('lat').value !== %q || document.getElementById('lng').value !== %q`, before.Lat, before.Lng)),
	)
	if err != nil {
		t.Fatalf("tap the map at %.2f, %.2f: %v", fx, fy, err)
	}
	after := readMap(t, ctx)
	after.Bounds, after.Rect = before.Bounds, before.Rect // where it was tapped
	return after
}

// TestBrowserPetitionMapPick: on a phone, a citizen taps the map on the
// petition form instead of typing coordinates. The map starts on the city's
// centre (its top unit's coordinates); the tap fills lat/lng with a point
// inside the map; a form shown again with an error keeps the marker on that
// point; the filed petition stores it (WGS-84, as typed coordinates are).
func TestBrowserPetitionMapPick(t *testing.T) {
	ctx := webtest.Browser(t)
	w := newWorld(t, dbtest.SQLite(t, sources...))
	w.E.Now = nil
	const cityLat, cityLng = 31.2304, 121.4737 // not the demo's centre: the map must read it from the tree
	setCoords(t, w, w.City, cityLat, cityLng)
	s := newServer(t, w)

	err := steps(ctx,
		chromedp.Navigate(s.URL+"/petition/new"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=petition-map].leaflet-container`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=map-locate]`)),
	)
	if err != nil {
		t.Fatalf("open the form: %v", err)
	}
	fitsPhone(t, ctx)
	st := readMap(t, ctx)
	if st.Lat != "" || st.Lng != "" || len(st.Markers) != 0 {
		t.Fatalf("an empty form has a point: %+v", st)
	}
	if !near(st.Centre.Lat, cityLat, 1e-4) || !near(st.Centre.Lng, cityLng, 1e-4) {
		t.Fatalf("map centred on %.5f,%.5f; want the city's %.5f,%.5f", st.Centre.Lat, st.Centre.Lng, cityLat, cityLng)
	}
	if st.Rect.W < 300 || st.Rect.W > 390 || st.Rect.H < 200 {
		t.Fatalf("map box %+v on a 390 px phone", st.Rect)
	}

	// A tap in the middle picks the centre; one up and right of it picks a
	// point to the north-east, inside the map.
	st = pickAt(t, ctx, 0.5, 0.5)
	lat, err1 := strconv.ParseFloat(st.Lat, 64)
	lng, err2 := strconv.ParseFloat(st.Lng, 64)
	if err1 != nil || err2 != nil || !near(lat, cityLat, 0.002) || !near(lng, cityLng, 0.002) {
		t.Fatalf("tap in the middle gave %q,%q; want about %.4f,%.4f", st.Lat, st.Lng, cityLat, cityLng)
	}
	st = pickAt(t, ctx, 0.75, 0.25)
	lat, err1 = strconv.ParseFloat(st.Lat, 64)
	lng, err2 = strconv.ParseFloat(st.Lng, 64)
	b := st.Bounds
	if err1 != nil || err2 != nil || lat <= b.S || lat >= b.N || lng <= b.W || lng >= b.E {
		t.Fatalf("picked %q,%q; want a point inside the map %+v", st.Lat, st.Lng, b)
	}
	wantLat, wantLng := b.S+0.75*(b.N-b.S), b.W+0.75*(b.E-b.W)
	if !near(lat, wantLat, 0.02*(b.N-b.S)) || !near(lng, wantLng, 0.02*(b.E-b.W)) || lat <= cityLat || lng <= cityLng {
		t.Fatalf("picked %.6f,%.6f; the tap was at about %.6f,%.6f", lat, lng, wantLat, wantLng)
	}
	if len(st.Markers) != 1 || !near(st.Markers[0].Lat, lat, 1e-6) || !near(st.Markers[0].Lng, lng, 1e-6) {
		t.Fatalf("markers %+v; want one at the picked point", st.Markers)
	}

	// Sent without a title, the form comes back with the point on the map.
	err = steps(ctx,
		chromedp.SetValue(chromedp.CSS(`#unit_id`), fmt.Sprint(w.A.ID)),
		chromedp.Click(chromedp.CSS(`input[name=kind][value=complaint]`)),
		chromedp.SetValue(chromedp.CSS(`#subcategory`), "property_management/common_areas"),
		chromedp.SetValue(chromedp.CSS(`#body`), "小区东门路灯坏了一个月，晚上看不见路"),
		chromedp.SetValue(chromedp.CSS(`#address`), "甲花园东门"),
		chromedp.SetValue(chromedp.CSS(`#name`), "钱七"),
		chromedp.SetValue(chromedp.CSS(`#phone`), "13655554321"),
		chromedp.Click(chromedp.CSS(`[data-testid=petition-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.field.invalid #title`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=petition-map].leaflet-container`)),
	)
	if err != nil {
		t.Fatalf("submit without a title: %v", err)
	}
	again := readMap(t, ctx)
	if again.Lat != st.Lat || again.Lng != st.Lng || len(again.Markers) != 1 ||
		!near(again.Markers[0].Lat, lat, 1e-6) || !near(again.Markers[0].Lng, lng, 1e-6) ||
		!near(again.Centre.Lat, lat, 1e-5) || !near(again.Centre.Lng, lng, 1e-5) {
		t.Fatalf("form shown again: %+v; want the marker and the view on %s,%s", again, st.Lat, st.Lng)
	}
	fitsPhone(t, ctx)

	// Filed: the citizen is told what happens next, and the case has the point.
	err = steps(ctx,
		chromedp.SetValue(chromedp.CSS(`#title`), "东门路灯不亮"),
		chromedp.Click(chromedp.CSS(`[data-testid=petition-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=number]`)),
	)
	if err != nil {
		t.Fatalf("file the petition: %v", err)
	}
	page, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=petition-submitted]`)))
	for _, key := range []string{"petition.submitted.intro", "petition.submitted.keep", "petition.case.response_due"} {
		if want := web.T(web.ZH, key); !strings.Contains(page, want) {
			t.Errorf("receipt page lacks %q:\n%s", want, page)
		}
	}
	number, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=number]`)))
	c, err := w.E.ByNumber(sysCtx(), strings.TrimSpace(number))
	if err != nil {
		t.Fatal(err)
	}
	if c.Lat == nil || c.Lng == nil || *c.Lat != lat || *c.Lng != lng {
		t.Fatalf("stored case %s at %v,%v; want the picked %.6f,%.6f", c.Number, c.Lat, c.Lng, lat, lng)
	}
	if c.Address != "甲花园东门" {
		t.Errorf("address %q", c.Address)
	}
}

// TestBrowserPetitionMapLocate: "use my location" fills the point from the
// phone's position when allowed and says so when refused; "clear" empties
// it; the staff entry form starts on the staff member's district and files
// the tapped point.
func TestBrowserPetitionMapLocate(t *testing.T) {
	ctx := webtest.Browser(t)
	w := newWorld(t, dbtest.SQLite(t, sources...))
	w.E.Now = nil
	setCoords(t, w, w.City, 31.2304, 121.4737)
	const aLat, aLng = 31.2600, 121.5200
	setCoords(t, w, w.A, aLat, aLng)
	s := newServer(t, w)
	s.login(t, w.StaffA) // gives the staff account its password

	geo := func(setting browser.PermissionSetting) {
		t.Helper()
		if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: setting, Origin: s.URL}); err != nil {
			t.Fatal(err)
		}
	}
	here, there, acc := 31.221234, 121.487654, 25.0
	geo(browser.PermissionSettingGranted)
	if _, err := chromedp.Call(ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{
		Latitude: &here, Longitude: &there, Accuracy: &acc}); err != nil {
		t.Fatal(err)
	}
	err := steps(ctx,
		chromedp.Navigate(s.URL+"/petition/new?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=petition-map].leaflet-container`)),
		chromedp.Click(chromedp.CSS(`[data-testid=map-locate]`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('lat').value !== ''`),
	)
	if err != nil {
		t.Fatalf("use my location: %v", err)
	}
	st := readMap(t, ctx)
	if st.Lat != "31.221234" || st.Lng != "121.487654" || len(st.Markers) != 1 || st.StatusError ||
		!strings.Contains(st.Status, "within about 25 m") {
		t.Fatalf("after locating: %+v", st)
	}
	if !near(st.Centre.Lat, here, 1e-5) || !near(st.Centre.Lng, there, 1e-5) {
		t.Errorf("map not moved to the position: %+v", st.Centre)
	}

	// Clear empties the inputs and takes the marker away.
	if err := steps(ctx, chromedp.Click(chromedp.CSS(`[data-testid=map-clear]`))); err != nil {
		t.Fatal(err)
	}
	if st = readMap(t, ctx); st.Lat != "" || st.Lng != "" || len(st.Markers) != 0 {
		t.Fatalf("after clear: %+v", st)
	}

	// Refused: a clear message, and nothing filled in. The page is asked
	// only once it sees the refusal (a permission changed through the
	// DevTools protocol reaches an open page a moment later).
	geo(browser.PermissionSettingDenied)
	seen := false
	for deadline := time.Now().Add(5 * time.Second); !seen && time.Now().Before(deadline); {
		state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.permissions.query({name: 'geolocation'}).then(s => s.state)`,
			chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if seen = state == "denied"; !seen {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !seen {
		t.Fatal("the page never saw the refused permission")
	}
	err = steps(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=map-locate]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('[data-testid=map-status]').classList.contains('error')`),
	)
	if err != nil {
		t.Fatalf("refused location: %v", err)
	}
	st = readMap(t, ctx)
	if st.Status != web.T(web.EN, "petition.map.denied") || st.Lat != "" || len(st.Markers) != 0 {
		t.Fatalf("after a refusal: %+v", st)
	}

	// Staff entry: the map starts on the staff member's district.
	err = steps(ctx,
		chromedp.Navigate(s.URL+"/login?lang=zh-CN"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=password-login-form]`)),
		chromedp.SetValue(chromedp.CSS(`#login`), "staff_a"),
		chromedp.SetValue(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`[data-testid=password-login-form] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=who]`)),
		chromedp.Navigate(s.URL+"/petition/entry"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=petition-map].leaflet-container`)),
	)
	if err != nil {
		t.Fatalf("entry form: %v", err)
	}
	fitsPhone(t, ctx)
	st = readMap(t, ctx)
	if !near(st.Centre.Lat, aLat, 1e-4) || !near(st.Centre.Lng, aLng, 1e-4) {
		t.Fatalf("entry map centred on %+v; want district A's %.4f,%.4f", st.Centre, aLat, aLng)
	}
	st = pickAt(t, ctx, 0.25, 0.75)
	lat, _ := strconv.ParseFloat(st.Lat, 64)
	lng, _ := strconv.ParseFloat(st.Lng, 64)
	if b := st.Bounds; lat <= b.S || lat >= b.N || lng <= b.W || lng >= b.E || lat >= aLat || lng >= aLng {
		t.Fatalf("picked %q,%q; want south-west of the centre inside %+v", st.Lat, st.Lng, b)
	}
	err = steps(ctx,
		chromedp.SetValue(chromedp.CSS(`#subcategory`), "property_management/common_areas"),
		chromedp.SetValue(chromedp.CSS(`#title`), "来电反映楼道堆物"),
		chromedp.SetValue(chromedp.CSS(`#body`), "楼道堆放杂物，存在消防隐患"),
		chromedp.SetValue(chromedp.CSS(`#name`), "李四"),
		chromedp.SetValue(chromedp.CSS(`#phone`), "13655550000"),
		chromedp.Click(chromedp.CSS(`[data-testid=entry-form] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=case-state]`)),
	)
	if err != nil {
		t.Fatalf("file by entry: %v", err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	id, err := strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("after entry at %s", loc)
	}
	c, err := w.E.Get(sysCtx(), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Lat == nil || c.Lng == nil || *c.Lat != lat || *c.Lng != lng {
		t.Fatalf("entered case at %v,%v; want %.6f,%.6f", c.Lat, c.Lng, lat, lng)
	}
}
