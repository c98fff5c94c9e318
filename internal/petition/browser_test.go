package petition_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"anju/internal/petition"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/web/webtest"

	"github.com/chromedp/chromedp"
)

// TestBrowserPetitionClosedLoop drives a real Chromium through the closed
// loop: a citizen files a petition on the public form (phone width) and
// gets a number and check code; district staff log in, accept it and reply
// from the case page; the citizen follows it by number and check code,
// rates the reply satisfied, and the petition is closed.
func TestBrowserPetitionClosedLoop(t *testing.T) {
	ctx := webtest.Browser(t)
	w := newWorld(t, dbtest.SQLite(t, sources...))
	w.E.Now = nil // the real clock: the browser's session and the deadlines agree
	s := newServer(t, w)
	s.login(t, w.StaffA) // gives the staff account its password
	base := s.URL

	// The citizen files a petition.
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/petition/new"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=petition-form]`)),
		chromedp.SetValue(chromedp.CSS(`#unit_id`), fmt.Sprint(w.A.ID)),
		chromedp.Click(chromedp.CSS(`input[name=kind][value=complaint]`)),
		chromedp.SetValue(chromedp.CSS(`#subcategory`), "property_management/common_areas"),
		chromedp.SetValue(chromedp.CSS(`#title`), "电梯经常停运"),
		chromedp.SetValue(chromedp.CSS(`#body`), "小区3幢电梯每周停运两三次，老人出行困难"),
		chromedp.SetValue(chromedp.CSS(`#address`), "甲花园3幢"),
		chromedp.SetValue(chromedp.CSS(`#name`), "孙九"),
		chromedp.SetValue(chromedp.CSS(`#phone`), "13655556789"),
		chromedp.Click(chromedp.CSS(`[data-testid=petition-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=number]`)),
	)
	if err != nil {
		t.Fatalf("file the petition: %v", err)
	}
	number, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=number]`)))
	if err != nil {
		t.Fatal(err)
	}
	check, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=check]`)))
	number, check = strings.TrimSpace(number), strings.TrimSpace(check)
	if !strings.HasPrefix(number, "XF") || check != "6789" {
		t.Fatalf("receipt: %q %q", number, check)
	}

	// District staff log in, find it in the ledger, accept it and reply.
	err = steps(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=password-login-form]`)),
		chromedp.SetValue(chromedp.CSS(`#login`), "staff_a"),
		chromedp.SetValue(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`[data-testid=password-login-form] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=who]`)),
		chromedp.Navigate(base+"/petition?q="+number),
		chromedp.WaitVisible(chromedp.CSS(`table[data-testid=ledger]`)),
		chromedp.Click(chromedp.CSS(`table[data-testid=ledger] tbody a`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=case-state][data-state=registered]`)),
		chromedp.Click(chromedp.CSS(`details[data-action=accept] summary`)),
		chromedp.Click(chromedp.CSS(`[data-testid=do-accept]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=case-state][data-state=handling]`)),
		chromedp.Click(chromedp.CSS(`details[data-action=reply] summary`)),
		chromedp.SetValue(chromedp.CSS(`#reply-text`), "已约谈物业公司，更换电梯主板并建立每日巡检，经回访已恢复正常"),
		chromedp.Click(chromedp.CSS(`[data-testid=do-reply]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=case-state][data-state=replied]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=logout]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-link]`)),
	)
	if err != nil {
		t.Fatalf("staff accept and reply: %v", err)
	}

	// The citizen follows it and rates the reply; it closes.
	err = steps(ctx,
		chromedp.Navigate(base+"/petition/track"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=track-form]`)),
		chromedp.SetValue(chromedp.CSS(`#number`), number),
		chromedp.SetValue(chromedp.CSS(`#check`), check),
		chromedp.Click(chromedp.CSS(`[data-testid=track-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=rate-form]`)),
	)
	if err != nil {
		t.Fatalf("track: %v", err)
	}
	handler, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=track-handler]`)))
	timeline, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=track-timeline]`)))
	if handler != "甲区" || !strings.Contains(timeline, "更换电梯主板") {
		t.Errorf("tracking page: handler %q, timeline %q", handler, timeline)
	}
	err = steps(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=rating-satisfied]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=rate-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=track-state][data-state=closed]`)),
	)
	if err != nil {
		t.Fatalf("rate: %v", err)
	}
	c, err := w.E.ByNumber(sysCtx(), number)
	if err != nil || c.State != petition.StateClosed || c.ClosedReason != petition.ClosedSatisfied || c.ClosedAt.IsZero() {
		t.Fatalf("petition after rating: %v %s %s", err, c.State, c.ClosedReason)
	}
	if time.Since(c.ReceivedAt) > time.Minute {
		t.Errorf("received at %v", c.ReceivedAt)
	}
}

// steps runs actions one by one, each within 15 s, and on failure says
// which step failed and where the browser was.
func steps(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) error {
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
