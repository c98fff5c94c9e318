package casework_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"anju/internal/casework"
)

// Cases filed at the same moment share commits: each is still written
// whole (its row, its first event and its audit record), every number is
// distinct and answered only once it is stored, a repeated external
// reference is refused to all but one, and a request that went away before
// its turn writes nothing.
func TestConcurrentIntakeIsWholeAndOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		const n = 60
		var wg sync.WaitGroup
		var mu sync.Mutex
		numbers := map[string]int64{}
		var dups, others int
		gone, cancel := context.WithCancel(as(w.StaffA))
		cancel()
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				nc := casework.NewCase{Type: "task", OrgUnitID: w.A.ID, Category: "other", Kind: "k", Channel: "hotline",
					Title: fmt.Sprintf("事项 %d", i), PartyName: "张三", PartyPhone: "13912345678"}
				ctx := as(w.StaffA)
				switch {
				case i%10 == 0:
					nc.ExternalRef = "12345-0001" // the hotline pushed the same ticket six times
				case i == 7:
					ctx = gone
				}
				c, err := w.E.Create(ctx, nc)
				mu.Lock()
				defer mu.Unlock()
				var dup *casework.DuplicateError
				switch {
				case errors.As(err, &dup):
					dups++
				case i == 7:
					if err == nil {
						t.Errorf("a request that went away was written: %s", c.Number)
					}
				case err != nil:
					others++
					t.Errorf("create %d: %v", i, err)
				default:
					if _, seen := numbers[c.Number]; seen || c.ID == 0 {
						t.Errorf("number %s (id %d) given twice", c.Number, c.ID)
					}
					numbers[c.Number] = c.ID
				}
			}()
		}
		wg.Wait()
		if want := n - 1 - 5; len(numbers) != want || dups != 5 || others != 0 {
			t.Fatalf("%d created, %d duplicates, %d failures; want %d, 5, 0", len(numbers), dups, others, want)
		}
		ctx := context.Background()
		var cases, events, audits int
		if err := w.DB.QueryRow(ctx, `SELECT COUNT(*) FROM cases`).Scan(&cases); err != nil {
			t.Fatal(err)
		}
		if err := w.DB.QueryRow(ctx, `SELECT COUNT(*) FROM case_events WHERE kind = 'created'`).Scan(&events); err != nil {
			t.Fatal(err)
		}
		if err := w.DB.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'task.create'`).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if cases != len(numbers) || events != len(numbers) || audits != len(numbers) {
			t.Errorf("%d cases, %d created events, %d audit records for %d numbers", cases, events, audits, len(numbers))
		}
		for number, id := range numbers {
			c, err := w.E.Get(sysCtx(), id)
			if err != nil || c.Number != number {
				t.Fatalf("case %d: %v %s, want %s", id, err, c.Number, number)
			}
			evs, err := w.E.Timeline(sysCtx(), id)
			if err != nil || len(evs) != 1 || evs[0].Kind != "created" || evs[0].CaseID != id {
				t.Fatalf("case %s timeline %+v %v", number, evs, err)
			}
		}
	})
}

// A module announces a case (Expect) before its own checks, so the intake
// writer waits a moment for it; an announced case that never comes holds
// the others back no longer than that moment, and one that gave up
// (done) not at all.
func TestExpectedCasesDoNotHoldOthersBack(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		create := func(title string) time.Duration {
			t.Helper()
			start := time.Now()
			_, err := w.E.Create(as(w.StaffA), casework.NewCase{Type: "task", OrgUnitID: w.A.ID, Category: "other",
				Kind: "k", Channel: "hotline", Title: title, PartyName: "张三", PartyPhone: "13912345678"})
			if err != nil {
				t.Fatal(err)
			}
			return time.Since(start)
		}
		create("预热") // compiles the statements
		// An announced case that gave up: nothing is awaited.
		_, done := w.E.Expect(context.Background())
		done()
		done() // twice is harmless
		if d := create("放弃之后"); d > 500*time.Millisecond {
			t.Errorf("a case announced and withdrawn held intake back %v", d)
		}
		// An announced case still on its way delays another by at most the
		// writer's short wait, however long it takes itself.
		_, late := w.E.Expect(context.Background())
		defer late()
		for i := range 3 {
			if d := create(fmt.Sprintf("等待中 %d", i)); d > 500*time.Millisecond {
				t.Errorf("a case on its way held intake back %v", d)
			}
		}
		// The case announced through its context is created as usual.
		ctx, done2 := w.E.Expect(as(w.StaffA))
		defer done2()
		c, err := w.E.Create(ctx, casework.NewCase{Type: "task", OrgUnitID: w.A.ID, Category: "other",
			Kind: "k", Channel: "hotline", Title: "已预告", PartyName: "李四", PartyPhone: "13912345679"})
		if err != nil || c.ID == 0 {
			t.Fatalf("announced case: %v", err)
		}
	})
}
