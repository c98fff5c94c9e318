package app

import (
	"strings"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/web/webtest"

	"github.com/chromedp/chromedp"
)

// TestBrowserLoginLanguageLogout drives a real Chromium through the main
// shell flow: a district staff member logs in, sees "my work" in Chinese,
// switches to English, sees it in English, logs out and is a visitor again.
func TestBrowserLoginLanguageLogout(t *testing.T) {
	ctx := webtest.Browser(t)
	d := dbtest.SQLite(t, Sources...)
	tc := newTestCity(t, d)
	tc.user(t, "district_a", auth.DistrictStaff, tc.A)
	base := tc.Server.URL

	var heading, who, url string
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/home"), // not logged in: sent to the login page
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=password-login-form]`)),
		chromedp.SendKeys(chromedp.CSS(`#login`), "district_a"),
		chromedp.SendKeys(chromedp.CSS(`#password`), tc.Password),
		chromedp.Click(chromedp.CSS(`[data-testid=password-login-form] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=due-count]`)),
	)
	if err != nil {
		t.Fatalf("log in: %v", err)
	}
	if heading, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main h1`))); err != nil {
		t.Fatal(err)
	}
	if who, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=who]`))); err != nil {
		t.Fatal(err)
	}
	if url, err = chromedp.Run(ctx, chromedp.Location()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(url, "/home") || heading != "我的工作" || !strings.Contains(who, "区住建局工作人员") {
		t.Fatalf("after login: url %s, heading %q, who %q", url, heading, who)
	}
	webtest.AssertFits(t, ctx)

	// Switch to English: the same page, in English, and it stays English.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=lang-switch]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang=en]`)),
		chromedp.Navigate(base+"/home"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=due-count]`)),
	); err != nil {
		t.Fatalf("switch language: %v", err)
	}
	heading, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main h1`)))
	who, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=who]`)))
	if heading != "My work" || !strings.Contains(who, "District bureau staff") {
		t.Fatalf("in English: heading %q, who %q", heading, who)
	}
	webtest.AssertFits(t, ctx)

	// Log out: a visitor again, and /home asks to log in.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=logout]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-link]`)),
		chromedp.Navigate(base+"/home"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=password-login-form]`)),
	); err != nil {
		t.Fatalf("log out: %v", err)
	}
	var n int
	if err := d.QueryRow(sys(), `SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("sessions left after logout: %d (%v)", n, err)
	}
}
