package petition_test

import (
	"strconv"
	"testing"
	"time"

	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/web/webtest"

	"github.com/chromedp/chromedp"
)

// TestBrowserStats: city staff open the statistics in a real Chromium;
// under the platform's Content-Security-Policy (scripts from files only)
// the five charts draw, and the tables show the same figures.
func TestBrowserStats(t *testing.T) {
	ctx := webtest.Browser(t)
	w := newWorld(t, dbtest.SQLite(t, sources...))
	statsData(t, w)
	s := newServer(t, w)
	s.login(t, w.CityStaff) // gives the account its password
	err := steps(ctx,
		chromedp.Navigate(s.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=password-login-form]`)),
		chromedp.SetValue(chromedp.CSS(`#login`), "city"),
		chromedp.SetValue(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`[data-testid=password-login-form] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=who]`)),
		chromedp.Navigate(s.URL+"/petition/stats"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=stats-kpis]`)),
		chromedp.WaitReady(chromedp.CSS(`[data-chart=monthly][data-ready="1"] svg`)),
		chromedp.WaitReady(chromedp.CSS(`[data-chart=yoy][data-ready="1"] svg`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	drawn, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-chart][data-ready] svg").length`))
	if err != nil || drawn != 5 {
		t.Errorf("%d charts drawn (%v), want 5", drawn, err)
	}
	// The district filter narrows the page to one district.
	err = steps(ctx,
		chromedp.SetValue(chromedp.CSS(`#district`), strconv.FormatInt(w.A.ID, 10)),
		chromedp.Click(chromedp.CSS(`[data-testid=stats-apply]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		got, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`location.search.includes("district=") && document.readyState === "complete" ?
			document.querySelector("[data-testid=kpi-received]").textContent : ""`))
		if got != "" {
			break
		}
	}
	if got != "16" {
		t.Errorf("district A: %q received", got)
	}
}
