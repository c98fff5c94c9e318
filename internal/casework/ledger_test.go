package casework_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/web"

	"github.com/xuri/excelize/v2"
)

func TestLedgerFiltersSortPageExport(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		start := w.Now
		var ids []int64
		for i := range 12 {
			w.Now = start.Add(time.Duration(i) * 24 * time.Hour)
			unit := w.A
			if i%3 == 0 {
				unit = w.StreetA
			}
			title := "普通事项"
			if i%4 == 0 {
				title = "电梯故障"
			}
			c := w.newTask(t, w.StaffA, unit, title)
			ids = append(ids, c.ID)
		}
		w.newTask(t, w.StaffB, w.B, "电梯故障") // another district: never in A's ledger
		c, _ := w.E.Get(sysCtx(), ids[1])
		if _, err := w.E.Act(as(w.StaffA), c.ID, c.Version, "start", casework.Input{}); err != nil {
			t.Fatal(err)
		}
		w.Now = start.Add(20 * 24 * time.Hour) // 22 Mar: cases filed 2–6 Mar are past their 15 days
		ctx := as(w.StaffA)
		count := func(q string) int {
			t.Helper()
			v, _ := url.ParseQuery(q)
			f, err := casework.ParseFilter(v)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			_, total, err := w.E.List(ctx, f)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return total
		}
		for q, want := range map[string]int{
			"type=task":                               12,
			"type=task&state=working":                 1,
			"type=task&state=new,working":             12,
			"type=task&q=电梯":                          3,
			"type=task&unit=" + itoa(w.StreetA.ID):    4,
			"type=task&from=2026-03-03&to=2026-03-05": 3,
			// 15 days from 2, 4, 5 Mar end 17, 19, 20 Mar; from 6 Mar on Sat 21 Mar,
			// moved to Mon 23 Mar; 3 Mar was started, so its 60 days run.
			"type=task&due=overdue": 3,
			"type=task&open=closed": 0,
		} {
			if got := count(q); got != want {
				t.Errorf("%s: %d, want %d", q, got, want)
			}
		}
		if _, err := casework.ParseFilter(url.Values{"from": {"2026-13-01"}, "due": {"x"}, "sort": {"y"}}); err == nil {
			t.Error("bad filter accepted")
		}
		f := casework.Filter{Type: "task", Sort: "-received", Page: 2, Size: 5}
		page, total, err := w.E.List(ctx, f)
		if err != nil || total != 12 || len(page) != 5 || page[0].ID != ids[5] {
			t.Fatalf("page 2 oldest first: total %d len %d first %v %v", total, len(page), page, err)
		}
		if page[0].PartyPhone != "13912345678" || page[0].Masked().PartyPhone != "139****5678" {
			t.Errorf("masking: %s", page[0].Masked().PartyPhone)
		}
		var buf bytes.Buffer
		v, _ := url.ParseQuery("type=task&q=电梯")
		ef, _ := casework.ParseFilter(v)
		n, err := w.E.ExportXLSX(ctx, ef, web.ZH, &buf)
		if err != nil || n != 3 {
			t.Fatalf("export %d %v", n, err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows(x.GetSheetName(0))
		if len(rows) != 4 {
			t.Fatalf("sheet has %d rows, want header + 3", len(rows))
		}
		if rows[1][7] != "张*" || rows[1][8] != "139****5678" {
			t.Errorf("personal data not masked: %v", rows[1])
		}
		// Saved filters belong to their owner.
		sf, err := w.E.SaveFilter(ctx, "task", "超期", casework.Filter{Due: "overdue"})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := w.E.SavedFilters(as(w.StaffB), "task"); len(got) != 0 {
			t.Errorf("another user sees %v", got)
		}
		if err := w.E.DeleteFilter(as(w.StaffB), sf.ID); err == nil {
			t.Error("another user deleted it")
		}
		if got, _ := w.E.SavedFilters(ctx, "task"); len(got) != 1 || got[0].Query != "due=overdue&type=task" {
			t.Errorf("saved %v", got)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A ledger counts its own cases and the transfers waiting at its unit
// separately (so the database can count each from an index); lists, totals,
// pages, exports and the due list must still see both, once each.
func TestLedgerCountsPendingTransfersOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		start := w.Now
		var own []int64
		for i := range 3 {
			w.Now = start.Add(time.Duration(i) * time.Hour)
			own = append(own, w.newTask(t, w.StaffB, w.StreetB, "乙区事项").ID)
		}
		w.Now = start.Add(5 * time.Hour)
		c := w.newTask(t, w.StaffA, w.A, "转乙区")
		if _, err := w.E.Act(as(w.StaffA), c.ID, c.Version, "transfer", casework.Input{UnitID: w.B.ID, Reason: "属乙区管辖"}); err != nil {
			t.Fatal(err)
		}
		w.newTask(t, w.StaffA, w.A, "甲区事项")
		ids := func(cs []casework.Case) []int64 {
			var out []int64
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    casework.Filter
			want []int64
		}{
			{"all, newest first", casework.Filter{Type: "task"}, []int64{c.ID, own[2], own[1], own[0]}},
			{"page 2 of 2", casework.Filter{Type: "task", Size: 3, Page: 2}, []int64{own[0]}},
			{"keyword of the transfer", casework.Filter{Type: "task", Keyword: "转乙区"}, []int64{c.ID}},
			{"keyword of its own", casework.Filter{Type: "task", Keyword: "乙区事项"}, []int64{own[2], own[1], own[0]}},
			{"unit filter", casework.Filter{Type: "task", UnitID: w.StreetB.ID}, []int64{own[2], own[1], own[0]}},
		} {
			list, total, err := w.E.List(as(w.StaffB), tc.f)
			wantTotal := len(tc.want)
			if tc.f.Page == 2 {
				wantTotal = 4
			}
			if err != nil || total != wantTotal || fmt.Sprint(ids(list)) != fmt.Sprint(tc.want) {
				t.Errorf("%s: %v total %d, want %v total %d (%v)", tc.name, ids(list), total, tc.want, wantTotal, err)
			}
		}
		// District A still handles the case it transferred: it sees it once.
		if list, total, err := w.E.List(as(w.StaffA), casework.Filter{Type: "task"}); err != nil || total != 2 || len(list) != 2 {
			t.Errorf("district A: %v total %d %v", ids(list), total, err)
		}
		// The city sees each case once, and only those of the type asked for.
		other := taskType()
		other.Name, other.Prefix = "other", "OT"
		if err := w.E.Register(other); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := w.E.Create(as(w.StaffA), casework.NewCase{Type: "other", OrgUnitID: w.A.ID, Title: "另一类", Channel: "web"}); err != nil {
				t.Fatal(err)
			}
		}
		for typ, want := range map[string]int{"task": 5, "other": 2} {
			if _, total, err := w.E.List(as(w.CityStaff), casework.Filter{Type: typ}); err != nil || total != want {
				t.Errorf("city, %s: total %d, want %d (%v)", typ, total, want, err)
			}
		}
		due, total, err := w.E.Due(context.Background(), w.StaffB, "task", w.Now.Add(60*24*time.Hour), 10)
		if err != nil || total != 4 || len(due) != 4 {
			t.Errorf("due list of B: %v total %d %v", ids(due), total, err)
		}
	})
}
