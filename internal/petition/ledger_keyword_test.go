package petition_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/petition"
)

// A keyword common in the ledger is counted up to casework.KeywordCountLimit:
// the API says total_capped (the next page exists), the page says "超过 N
// 条" and offers the next page; a narrower filter is counted exactly.
func TestLedgerKeywordTotalCapped(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		n := casework.KeywordCountLimit + 100
		rows := make([]statRow, n)
		for i := range rows {
			rows[i] = statRow{unit: w.A, category: "property_management", received: w.Now.Add(-time.Duration(i) * time.Hour)}
		}
		rows[0].unit = w.B            // one elsewhere
		insertStatRows(t, w.DB, rows) // title 小区电梯经常停运, past the engine (as the demo loads)
		s := newServer(t, w)
		staffA, staffB := s.login(t, w.StaffA), s.login(t, w.StaffB)
		type list struct {
			Items       []petition.CaseItem `json:"items"`
			Total       int                 `json:"total"`
			TotalCapped bool                `json:"total_capped"`
		}
		q := "/api/v1/petition/cases?q=" + url.QueryEscape("电梯")
		var l list
		staffA.json(t, "GET", q, "", 200, &l)
		if l.Total != casework.KeywordCountLimit || !l.TotalCapped || len(l.Items) != 20 {
			t.Errorf("page 1: total %d capped %v, %d items", l.Total, l.TotalCapped, len(l.Items))
		}
		staffA.json(t, "GET", q+"&page=50", "", 200, &l)
		if l.Total != 51*20 || !l.TotalCapped || len(l.Items) != 20 {
			t.Errorf("page 50: total %d capped %v, %d items", l.Total, l.TotalCapped, len(l.Items))
		}
		staffA.json(t, "GET", q+"&page=55", "", 200, &l) // counting to page 56 finds the end
		if l.Total != n-1 || l.TotalCapped || len(l.Items) != n-1-54*20 {
			t.Errorf("page 55: total %d capped %v, %d items", l.Total, l.TotalCapped, len(l.Items))
		}
		staffB.json(t, "GET", q, "", 200, &l)
		if l.Total != 1 || l.TotalCapped {
			t.Errorf("district B: total %d capped %v", l.Total, l.TotalCapped)
		}
		staffA.json(t, "GET", q+"&state=handling", "", 200, &l)
		if l.Total != 0 || l.TotalCapped {
			t.Errorf("with a state: total %d capped %v", l.Total, l.TotalCapped)
		}
		page := staffA.page(t, "/petition?q="+url.QueryEscape("电梯")+"&page=2", 200)
		if !strings.Contains(page, `data-testid="total-capped">超过 1000 条`) || !strings.Contains(page, `page=3`) || !strings.Contains(page, "第 2 页") {
			t.Errorf("the ledger page does not say more than 1000, or offers no next page:\n%s", page)
		}
		page = staffB.page(t, "/petition?q="+url.QueryEscape("电梯"), 200)
		if strings.Contains(page, "total-capped") || !strings.Contains(page, "共 1 条") {
			t.Errorf("district B's page: %.2000s", page)
		}
	})
}
