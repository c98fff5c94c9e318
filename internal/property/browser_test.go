package property

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"anju/internal/account"
	"anju/internal/home"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/web"
	"anju/internal/platform/web/webtest"

	"github.com/chromedp/chromedp"
)

// TestBrowserRectification drives a real Chromium through a rectification:
// the street's inspector records a failed item of the campaign; the company
// logs in and answers the order on its portal; the inspector verifies it at
// re-inspection; the figures on the coverage page count the problem found
// and then resolved, and the company's credit page shows the fact the
// verified rectification fed.
func TestBrowserRectification(t *testing.T) {
	ctx := webtest.Browser(t)
	d := dbtest.SQLite(t, migrationSources()...)
	e := newEnv(t, d)
	w := newRectWorld(t, e)
	web.CookieSecure = false
	acc := &account.Handler{Auth: e.auth, Org: e.org}
	hm := &home.Home{Sections: []home.Section{{Key: "property", Built: true}}, Sources: []home.WorkSource{}}
	routes := append(e.svc.Routes(), acc.Routes()...)
	routes = append(routes, hm.Routes()...)
	routes = append(routes, web.Route{Pattern: "GET /static/", Access: web.Public, Handler: web.StaticHandler().ServeHTTP})
	srv := httptest.NewServer(web.Stack(e.auth, false, routes, web.Mux(routes)))
	t.Cleanup(srv.Close)
	base := srv.URL
	_ = w

	login := func(who string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + "/login"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=password-login-form]`)),
			chromedp.SetValue(chromedp.CSS(`#login`), who),
			chromedp.SetValue(chromedp.CSS(`#password`), testPassword),
			chromedp.Click(chromedp.CSS(`[data-testid=password-login-form] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=who]`)),
		}
	}
	logout := []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`[data-testid=logout]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-link]`)),
	}
	text := func(sel string) string {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}

	// The inspector sees no problems yet, then records a failed item.
	err := browserSteps(ctx, append(login("street_a"),
		chromedp.Navigate(base+"/property/coverage"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=problems-found]`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	if f, r := text(`[data-testid=problems-found]`), text(`[data-testid=problems-resolved]`); f != "0" || r != "0" {
		t.Fatalf("before: found %q resolved %q", f, r)
	}
	err = browserSteps(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/property/campaigns/%d", base, w.camp.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#result-form`)),
		chromedp.SetValue(chromedp.CSS(`#compound_id`), fmt.Sprint(e.compounds["a1"].ID)),
		chromedp.SetValue(chromedp.CSS(`#item_id`), fmt.Sprint(w.itemContract)),
		chromedp.SetValue(chromedp.CSS(`#result`), "fail"),
		chromedp.SendKeys(chromedp.CSS(`#note`), "收费标准未在小区公示"),
		chromedp.Click(chromedp.CSS(`#record-result`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=rect-state]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	var caseID int64
	if i := strings.LastIndex(loc, "/"); i >= 0 {
		fmt.Sscanf(loc[i+1:], "%d", &caseID)
	}
	if caseID == 0 || !strings.Contains(text(`[data-testid=rect-state]`), "整改中") {
		t.Fatalf("case page %s: %q", loc, text(`main`))
	}
	if err := browserSteps(ctx, logout...); err != nil {
		t.Fatal(err)
	}

	// The company answers the order on its portal.
	err = browserSteps(ctx, append(login("13900000001"),
		chromedp.Navigate(base+"/property/my"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#response-%d`, caseID))),
		chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`#response-%d`, caseID)), "已在小区大门和各楼栋公示收费标准"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#respond-%d`, caseID))),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(fmt.Sprintf(`#order-%d`, caseID)); !strings.Contains(s, "待复查") {
		t.Fatalf("order after responding: %q", s)
	}
	err = browserSteps(ctx, chromedp.Navigate(base+"/property/my/credit"), chromedp.WaitVisible(chromedp.CSS(`#facts`)))
	if err != nil {
		t.Fatal(err)
	}
	if s := text(`#facts`); strings.Contains(s, "按期整改到位") {
		t.Fatalf("a fact before verification: %q", s)
	}
	if err := browserSteps(ctx, logout...); err != nil {
		t.Fatal(err)
	}

	// The inspector verifies; the figures change.
	err = browserSteps(ctx, append(login("street_a"),
		chromedp.Navigate(fmt.Sprintf("%s/property/rectifications/%d", base, caseID)),
		chromedp.WaitVisible(chromedp.CSS(`#do-verify`)),
		chromedp.SendKeys(chromedp.CSS(`#text-verify`), "现场复查，已公示"),
		chromedp.Click(chromedp.CSS(`#do-verify`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(`[data-testid=rect-state]`); !strings.Contains(s, "已销号") {
		t.Fatalf("after verify: %q", s)
	}
	err = browserSteps(ctx, chromedp.Navigate(base+"/property/coverage"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=problems-found]`)))
	if err != nil {
		t.Fatal(err)
	}
	if f, r := text(`[data-testid=problems-found]`), text(`[data-testid=problems-resolved]`); f != "1" || r != "1" {
		t.Fatalf("after: found %q resolved %q", f, r)
	}
	if err := browserSteps(ctx, logout...); err != nil {
		t.Fatal(err)
	}

	// The company's credit page shows the fact the verification fed.
	err = browserSteps(ctx, append(login("13900000001"),
		chromedp.Navigate(base+"/property/my/credit"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=my-facts]`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(`[data-testid=my-facts]`); !strings.Contains(s, "按期整改到位") {
		t.Fatalf("credit facts: %q", s)
	}
}

// browserSteps runs actions one by one, each within 15 s, and on failure
// says which step failed and where the browser was.
func browserSteps(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) error {
	for i, a := range actions {
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := chromedp.Do(sctx, a)
		cancel()
		if err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
			return fmt.Errorf("step %d at %s: %w\n%.800s", i+1, loc, err, body)
		}
	}
	return nil
}
