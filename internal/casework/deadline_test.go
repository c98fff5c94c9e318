package casework_test

import (
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/workday"
)

// A period running into a year whose holidays are not published is counted
// with plain weekends and flagged; loading the year counts it again.
func TestDeadlineIntoAnUnpublishedYear(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		w.Now = time.Date(2026, 12, 21, 2, 0, 0, 0, time.UTC) // Mon 21 Dec 2026
		c := w.newTask(t, w.StaffA, w.A, "年底的事")
		// 15 days → Tue 5 Jan 2027, a plain weekday.
		if day(c.StageDueAt) != "2027-01-05" || !c.Flags.Has(casework.FlagDeadlineAssumed) {
			t.Fatalf("assumed: due %s flags %v", day(c.StageDueAt), c.FlagList)
		}
		c, err := w.E.Act(as(w.StaffA), c.ID, c.Version, "start", casework.Input{})
		if err != nil {
			t.Fatal(err)
		}
		// 60 days from 21 Dec 2026 → Fri 19 Feb 2027 (plain weekends).
		if day(c.FinalDueAt) != "2027-02-19" {
			t.Fatalf("final %s", day(c.FinalDueAt))
		}
		if _, err := w.E.Sweep(sysCtx()); err != nil { // nothing loaded: nothing changes
			t.Fatal(err)
		}
		// The 2027 notice arrives (an imagined one: Spring Festival 6–14 Feb,
		// and a rest day on Fri 19 Feb).
		y := workday.Year{Year: 2027}
		for d := 6; d <= 14; d++ {
			y.Days = append(y.Days, workday.Day{Name: "春节", Date: workday.NewDate(2027, 2, d), IsOffDay: true})
		}
		y.Days = append(y.Days, workday.Day{Name: "测试", Date: workday.NewDate(2027, 2, 19), IsOffDay: true})
		if err := w.E.Cal.Load(y); err != nil {
			t.Fatal(err)
		}
		res, err := w.E.Sweep(sysCtx())
		if err != nil || res.Recounted != 1 {
			t.Fatalf("sweep %+v %v", res, err)
		}
		c, _ = w.E.Get(sysCtx(), c.ID)
		if day(c.FinalDueAt) != "2027-02-22" || c.Flags.Has(casework.FlagDeadlineAssumed) {
			t.Fatalf("recounted: %s %v", day(c.FinalDueAt), c.FlagList)
		}
		evs, _ := w.E.Timeline(as(w.StaffA), c.ID)
		if evs[len(evs)-1].Kind != "deadlines_recounted" {
			t.Errorf("no timeline entry: %v", evs[len(evs)-1].Kind)
		}
		// A start in a year without data is still an error.
		w.Now = time.Date(2028, 3, 1, 2, 0, 0, 0, time.UTC)
		if _, err := w.E.Create(as(w.StaffA), casework.NewCase{Type: "task", OrgUnitID: w.A.ID, Title: "x", Channel: "web"}); err == nil {
			t.Error("a case received in 2028 without holiday data")
		}
	})
}
