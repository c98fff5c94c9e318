package parking_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"anju/internal/app"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/geo"
	"anju/internal/platform/web/webtest"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
)

// TestBrowserFindNavigateReserve drives Chromium at phone size through the
// public flow: search near a point, see the results on the map and in the
// list, open a navigation link (the map app's page is stubbed: the test
// machine has no internet), log in and reserve, and find the reservation
// under "my reservations".
func TestBrowserFindNavigateReserve(t *testing.T) {
	ctx := webtest.Browser(t)
	d := dbtest.SQLite(t, app.Sources...)
	c := newCity(t, d)
	base := c.srv.URL
	arrive := time.Now().In(time.FixedZone("CST", 8*3600)).Add(72*time.Hour).Format("2006-01-02") + "T10:00"

	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/parking/find"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=find-form]`)),
		chromedp.SetValue(chromedp.CSS(`#lat`), "30.2510"),
		chromedp.SetValue(chromedp.CSS(`#lng`), "120.1710"),
		chromedp.SetValue(chromedp.CSS(`#arrive`), arrive),
		chromedp.SetValue(chromedp.CSS(`#stay`), "120"),
		chromedp.Click(chromedp.CSS(`[data-testid=find-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=result]`)),
		chromedp.WaitVisible(chromedp.CSS(`path[data-testid=map-point]`)),
	)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	listed, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=result]').length`))
	if err != nil {
		t.Fatal(err)
	}
	mapped, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('path[data-testid=map-point]').length`))
	if err != nil {
		t.Fatal(err)
	}
	if listed < 1 || listed != mapped {
		t.Fatalf("%d results in the list, %d points on the map", listed, mapped)
	}
	name, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=result] .result-name`)))
	if name != c.lot.Name {
		t.Fatalf("first result %q, want %q", name, c.lot.Name)
	}

	results, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}

	// Open the Amap link: the request is answered by a stub standing in for
	// uri.amap.com, so the test sees exactly what the app would receive.
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "https://uri.amap.com/*"}}}); err != nil {
		t.Fatal(err)
	}
	opened := make(chan string, 1)
	ectx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		for ev, err := range chromedp.Events(ectx, fetch.RequestPaused) {
			if err != nil {
				return
			}
			select {
			case opened <- ev.Request.URL:
			default:
			}
			go chromedp.Call(ectx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 200,
				ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html; charset=utf-8"}},
				Body:            []byte(`<!doctype html><title>amap</title><h1 id="amap-stub">Amap</h1>`)})
		}
	}()
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=result] [data-testid=nav-amap]`)),
		chromedp.WaitVisible(chromedp.CSS(`#amap-stub`)),
	); err != nil {
		t.Fatalf("open navigation link: %v", err)
	}
	var u string
	select {
	case u = <-opened:
	case <-time.After(5 * time.Second):
		t.Fatal("the navigation link was not opened")
	}
	gcj := geo.Convert(geo.Point{Lat: c.lot.Lat, Lng: c.lot.Lng}, geo.WGS84, geo.GCJ02)
	if !strings.HasPrefix(u, "https://uri.amap.com/navigation?") || !strings.Contains(u, fmt.Sprintf("to=%.6f,%.6f,", gcj.Lng, gcj.Lat)) ||
		!strings.Contains(u, "coordinate=gaode") {
		t.Fatalf("opened %s; want Amap navigation to the lot in GCJ-02 (%.6f,%.6f)", u, gcj.Lng, gcj.Lat)
	}

	// Back to the results; a visitor is asked to log in, then reserves.
	steps := []struct {
		name string
		do   []chromedp.Action[chromedp.Void]
	}{
		{"back to the results", []chromedp.Action[chromedp.Void]{chromedp.Navigate(results),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-to-reserve]`))}},
		{"log in", []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS(`[data-testid=login-to-reserve]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=password-login-form]`)),
			chromedp.SendKeys(chromedp.CSS(`#login`), c.citizen),
			chromedp.SendKeys(chromedp.CSS(`#password`), c.password),
			chromedp.Click(chromedp.CSS(`[data-testid=password-login-form] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=reserve-form]`))}},
		{"reserve", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS(`[data-testid=reserve-form] [data-testid=plate]`), "浙A88888"),
			chromedp.Click(chromedp.CSS(`[data-testid=reserve-form] [data-testid=reserve]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=reservation]`))}},
	}
	for _, st := range steps {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := chromedp.Do(sctx, st.do...)
		cancel()
		if err != nil {
			where, _ := chromedp.Run(ctx, chromedp.Location())
			html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main') ? document.querySelector('main').innerHTML.slice(-2500) : document.body.innerHTML`))
			t.Fatalf("%s: %v (at %s)\n%s", st.name, err, where, html)
		}
	}
	status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=reservation-status]`)))
	where, _ := chromedp.Run(ctx, chromedp.Location())
	if status != "已预约" || !strings.HasSuffix(where, "/parking/my") {
		t.Fatalf("after reserving: %s, status %q", where, status)
	}
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM parking_reservations WHERE plate = '浙A88888' AND status = 'booked'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("reservations in the database: %d %v", n, err)
	}
}
