package petition_test

import (
	"context"
	"fmt"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/org"
	"anju/internal/platform/web/webtest"

	"github.com/chromedp/chromedp"
)

// TestBrowserPetitionPlacePick: on the public form, choosing the district
// fills the compound select with its compounds, and choosing a compound
// fills the building select; the filed petition keeps both.
func TestBrowserPetitionPlacePick(t *testing.T) {
	ctx := webtest.Browser(t)
	w := newWorld(t, dbtest.SQLite(t, sources...))
	w.E.Now = nil
	var building org.Unit
	if err := w.DB.Tx(sysCtx(), func(tx *db.Tx) error {
		var err error
		building, err = w.S.Org.Create(sysCtx(), tx, auth.System("test"),
			org.Unit{ParentID: w.Compound2A.ID, Kind: org.Building, Code: "CA1121", Name: "7幢"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s := newServer(t, w)
	// Choosing an option as a person does: the value, then the change
	// event that htmx listens for. A swapped-in block answers events once
	// htmx has settled it (its htmx-added class gone), so the waits below
	// say so.
	change := func(sel, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q;
				e.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, sel, value)))
			return err
		})
	}
	err := steps(ctx,
		chromedp.Navigate(s.URL+"/petition/new"),
		chromedp.WaitVisible(chromedp.CSS(`#compound_id[disabled]`)),
		change("#unit_id", fmt.Sprint(w.A.ID)),
		chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`#place-pick:not(.htmx-added) #compound_id:not([disabled]) option[value="%d"]`, w.Compound2A.ID))),
		change("#compound_id", fmt.Sprint(w.Compound2A.ID)),
		chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`#place-pick:not(.htmx-added) #building_id:not([disabled]) option[value="%d"]`, building.ID))),
		chromedp.SetValue(chromedp.CSS(`#building_id`), fmt.Sprint(building.ID)),
		chromedp.Click(chromedp.CSS(`input[name=kind][value=complaint]`)),
		chromedp.SetValue(chromedp.CSS(`#subcategory`), "construction_quality/leak"),
		chromedp.SetValue(chromedp.CSS(`#title`), "7幢顶楼漏水"),
		chromedp.SetValue(chromedp.CSS(`#body`), "下雨天顶楼漏水，开发商不修"),
		chromedp.SetValue(chromedp.CSS(`#name`), "孙九"),
		chromedp.SetValue(chromedp.CSS(`#phone`), "13600001111"),
		chromedp.Click(chromedp.CSS(`[data-testid=petition-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=number]`)),
	)
	if err != nil {
		t.Fatalf("pick the compound and building: %v", err)
	}
	fitsPhone(t, ctx)
	var compound int64
	var data string
	if err := w.DB.QueryRow(sysCtx(), `SELECT compound_id, data FROM cases WHERE title = '7幢顶楼漏水'`).Scan(&compound, &data); err != nil {
		t.Fatal(err)
	}
	if compound != w.Compound2A.ID || data == "" || !contains(data, fmt.Sprintf(`"building_id":%d`, building.ID)) {
		t.Fatalf("filed with compound %d and data %s; want %d and building %d", compound, data, w.Compound2A.ID, building.ID)
	}
}
