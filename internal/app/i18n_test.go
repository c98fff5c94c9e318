package app

import (
	"sort"
	"testing"

	"anju/internal/platform/web"
)

// Every message of every module (all are loaded once the app package is)
// exists in both languages.
func TestCataloguesHaveTheSameKeys(t *testing.T) {
	zh, en := web.Catalog(web.ZH), web.Catalog(web.EN)
	var missing []string
	for k := range zh {
		if _, ok := en[k]; !ok {
			missing = append(missing, "en lacks "+k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			missing = append(missing, "zh-CN lacks "+k)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Error(m)
	}
	if len(zh) < 100 {
		t.Fatalf("only %d messages", len(zh))
	}
}
