// Package webtest starts a real browser (Debian's chromium, driven by
// chromedp) for the page-flow tests. Without chromium the test is skipped
// with a visible message — except under CI=true, where that fails.
package webtest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser returns a chromedp context for one headless tab, ended with the test.
func Browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed: CI must run the browser tests (apt-get install chromium)")
		}
		t.Skip("browser test SKIPPED: install Debian's chromium to run it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelC := chromedp.NewContext(actx)
	// The first call starts the browser; it must not carry a timeout (the
	// timeout would end the browser), so the limit goes on a derived context.
	if err := chromedp.Do(bctx); err != nil {
		cancelC()
		cancelA()
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelT := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	// A phone: headless windows cannot be narrower than 500 px, so the
	// viewport is emulated. The public pages are phone-first and every page
	// must fit one.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatalf("emulate a phone: %v", err)
	}
	return ctx
}

// AssertFits fails the test when the current page is wider than the phone:
// wide tables must scroll inside their own box, not push the page sideways.
// (Compared with the layout viewport's clientWidth: window.innerWidth of an
// emulated phone widens to fit over-wide content.)
func AssertFits(t *testing.T, ctx context.Context) {
	t.Helper()
	over, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if over > 0 {
		url, _ := chromedp.Run(ctx, chromedp.Location())
		t.Errorf("%s is %d px wider than a 390 px phone", url, over)
	}
}
