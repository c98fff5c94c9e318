package casework_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

func TestTypeDeclarationIsChecked(t *testing.T) {
	staff := []auth.Role{auth.DistrictStaff}
	h := []casework.Scope{casework.ScopeHandler}
	cases := []struct {
		name string
		mut  func(*casework.Type)
	}{
		{"no prefix", func(x *casework.Type) { x.Prefix = "" }},
		{"unknown initial", func(x *casework.Type) { x.Initial = "nope" }},
		{"terminal initial", func(x *casework.Type) { x.Initial = "done" }},
		{"duplicate state", func(x *casework.Type) { x.States = append(x.States, casework.State{Name: "new"}) }},
		{"transition to unknown state", func(x *casework.Type) {
			x.Transitions = append(x.Transitions, casework.Transition{Name: "x", To: "nowhere", Roles: staff, Scopes: h})
		}},
		{"transition from unknown state", func(x *casework.Type) {
			x.Transitions = append(x.Transitions, casework.Transition{Name: "x", From: []string{"nowhere"}, Roles: staff, Scopes: h})
		}},
		{"transition without roles", func(x *casework.Type) {
			x.Transitions = append(x.Transitions, casework.Transition{Name: "x", Scopes: h})
		}},
		{"duplicate transition", func(x *casework.Type) { x.Transitions = append(x.Transitions, x.Transitions[0]) }},
		{"extension without bounds", func(x *casework.Type) { x.Extension = casework.Extension{} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			typ := taskType()
			c.mut(typ)
			if err := casework.New(nil, nil, nil).Register(typ); err == nil {
				t.Fatal("accepted a broken declaration")
			}
		})
	}
	if err := casework.New(nil, nil, nil).Register(taskType()); err != nil {
		t.Fatalf("the test type itself: %v", err)
	}
}

func TestCreateSetsDeadlinesAndTimeline(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		c := w.newTask(t, w.StaffA, w.A, "路灯不亮")
		if c.Number[:2] != "TK" || len(c.Number) != 17 || c.Version != 1 || c.State != "new" {
			t.Fatalf("created %+v", c)
		}
		// 15 calendar days from Mon 2 Mar 2026 end on Tue 17 Mar.
		if got := day(c.StageDueAt); got != "2026-03-17" || !c.DueAt.Equal(c.StageDueAt) {
			t.Errorf("stage due %s, due %s", got, day(c.DueAt))
		}
		if c.CheckCode != "5678" {
			t.Errorf("check code %q", c.CheckCode)
		}
		evs, err := w.E.Timeline(as(w.StaffA), c.ID)
		if err != nil || len(evs) != 1 || evs[0].Kind != "created" {
			t.Fatalf("timeline %v %v", evs, err)
		}
		var n int
		if err := w.DB.QueryRow(sysCtx(), `SELECT COUNT(*) FROM audit_log WHERE action = 'task.create' AND object_id = ?`,
			fmt.Sprint(c.ID)).Scan(&n); err != nil || n != 1 {
			t.Fatalf("audit rows %d %v", n, err)
		}
	})
}

// Every transition of the test type: who may take it, and which inputs it needs.
func TestTransitionRules(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		type step struct {
			name   string
			as     *auth.Principal
			action string
			in     casework.Input
			want   error // nil, ErrForbidden, ErrNotFound, FieldErrors (any), StateError (any)
			state  string
		}
		fieldErr := casework.FieldErrors{}
		stateErr := &casework.StateError{}
		c := w.newTask(t, w.StaffA, w.A, "井盖缺失")
		steps := []step{
			{"other district cannot see it", w.StaffB, "start", casework.Input{}, db.ErrNotFound, "new"},
			{"another citizen cannot see it", w.Citizen2, "start", casework.Input{}, db.ErrNotFound, "new"},
			{"the party cannot start it", w.Citizen, "start", casework.Input{}, casework.ErrForbidden, "new"},
			{"leader may not start (role)", w.Leader, "start", casework.Input{}, casework.ErrForbidden, "new"},
			{"department staff of another dept may start an undepartmented case", w.DeptStaffA, "start", casework.Input{}, nil, "working"},
			{"finish needs text", w.StaffA, "finish", casework.Input{}, fieldErr, "working"},
			{"cannot start twice", w.StaffA, "start", casework.Input{}, stateErr, "working"},
			{"supervise needs a higher level", w.StaffA, "supervise", casework.Input{Text: "抓紧"}, casework.ErrForbidden, "working"},
			{"supervise needs text", w.Leader, "supervise", casework.Input{}, fieldErr, "working"},
			{"city leader supervises", w.Leader, "supervise", casework.Input{Text: "抓紧办理"}, nil, "working"},
			{"extend needs reason, approver, days", w.StaffA, "extend", casework.Input{Days: 10}, fieldErr, "working"},
			{"extend at most 30 days", w.StaffA, "extend", casework.Input{Days: 31, Reason: "r", Approver: "王局长"}, fieldErr, "working"},
			{"extend", w.StaffA, "extend", casework.Input{Days: 30, Reason: "需现场勘验", Approver: "王局长"}, nil, "working"},
			{"extend only once", w.StaffA, "extend", casework.Input{Days: 5, Reason: "r", Approver: "王局长"}, stateErr, "working"},
			{"assign needs a target", w.StaffA, "assign", casework.Input{}, fieldErr, "working"},
			{"assign outside jurisdiction refused", w.StaffA, "assign", casework.Input{UnitID: w.StreetB.ID}, fieldErr, "working"},
			{"assign to own street", w.StaffA, "assign", casework.Input{UnitID: w.StreetA.ID, AssigneeID: w.StreetStaffA.UserID}, nil, "working"},
			{"street staff finish", w.StreetStaffA, "finish", casework.Input{Text: "已修复"}, nil, "done"},
			{"nothing after done", w.StaffA, "supervise", casework.Input{Text: "x"}, stateErr, "done"},
		}
		for _, s := range steps {
			cur, err := w.E.Get(sysCtx(), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := w.E.Act(as(s.as), c.ID, cur.Version, s.action, s.in)
			switch want := s.want.(type) {
			case nil:
				if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				if got.Version != cur.Version+1 {
					t.Errorf("%s: version %d after %d", s.name, got.Version, cur.Version)
				}
			case casework.FieldErrors:
				var fe casework.FieldErrors
				if !errors.As(err, &fe) {
					t.Fatalf("%s: got %v, want field errors", s.name, err)
				}
			case *casework.StateError:
				var se *casework.StateError
				if !errors.As(err, &se) {
					t.Fatalf("%s: got %v, want a state error", s.name, err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("%s: got %v, want %v", s.name, err, want)
				}
			}
			now, _ := w.E.Get(sysCtx(), c.ID)
			if now.State != s.state {
				t.Fatalf("%s: state %s, want %s", s.name, now.State, s.state)
			}
		}
		final, _ := w.E.Get(sysCtx(), c.ID)
		if final.ClosedAt.IsZero() || !final.DueAt.IsZero() || final.ClosedReason != "done" {
			t.Errorf("closed %v due %v reason %q", final.ClosedAt, final.DueAt, final.ClosedReason)
		}
		if !final.Flags.Has(casework.FlagSupervised | casework.FlagExtended) {
			t.Errorf("flags %v", final.FlagList)
		}
		if final.OrgUnitID != w.StreetA.ID || final.AssigneeID != w.StreetStaffA.UserID {
			t.Errorf("assigned to unit %d person %d", final.OrgUnitID, final.AssigneeID)
		}
		var refused int
		_ = w.DB.QueryRow(sysCtx(), `SELECT COUNT(*) FROM audit_log WHERE result = 'refused' AND object_id = ?`, fmt.Sprint(c.ID)).Scan(&refused)
		if refused < 3 {
			t.Errorf("refused attempts audited: %d", refused)
		}
	})
}

func TestExtensionMovesTheFinalDeadline(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		c := w.newTask(t, w.StaffA, w.A, "x")
		c, err := w.E.Act(as(w.StaffA), c.ID, c.Version, "start", casework.Input{})
		if err != nil {
			t.Fatal(err)
		}
		// 60 days from Mon 2 Mar 2026: Fri 1 May is the Labour Day holiday
		// (1–5 May), so the period ends on Wed 6 May.
		if got := day(c.FinalDueAt); got != "2026-05-06" {
			t.Errorf("final due %s, want 2026-05-06", got)
		}
		if !c.ResponseDueAt.IsZero() || c.RespondedAt.IsZero() {
			t.Errorf("contact not recorded: %v %v", c.ResponseDueAt, c.RespondedAt)
		}
		c, err = w.E.Act(as(w.StaffA), c.ID, c.Version, "extend", casework.Input{Days: 30, Reason: "r", Approver: "a"})
		if err != nil {
			t.Fatal(err)
		}
		// 90 days from 2 Mar: Sun 31 May → Mon 1 Jun.
		if got := day(c.FinalDueAt); got != "2026-06-01" {
			t.Errorf("extended due %s, want 2026-06-01", got)
		}
	})
}

func TestConcurrentCommandsOneWins(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		c := w.newTask(t, w.StaffA, w.A, "x")
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = w.E.Act(as(w.StaffA), c.ID, c.Version, "start", casework.Input{})
			}()
		}
		wg.Wait()
		ok, conflicts := 0, 0
		for _, err := range errs {
			var ce *casework.ConflictError
			switch {
			case err == nil:
				ok++
			case errors.As(err, &ce):
				conflicts++
				if ce.Current.Version != c.Version+1 || ce.Current.State != "working" {
					t.Errorf("conflict carries %d %s", ce.Current.Version, ce.Current.State)
				}
			default:
				t.Errorf("unexpected: %v", err)
			}
		}
		if ok != 1 || conflicts != len(errs)-1 {
			t.Fatalf("%d succeeded, %d conflicts", ok, conflicts)
		}
		var events int
		_ = w.DB.QueryRow(sysCtx(), `SELECT COUNT(*) FROM case_events WHERE case_id = ? AND kind = 'start'`, c.ID).Scan(&events)
		if events != 1 {
			t.Errorf("%d start events", events)
		}
	})
}

func TestVisibility(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		a := w.newTask(t, w.StaffA, w.A, "甲区的事")
		b := w.newTask(t, w.StaffB, w.B, "乙区的事")
		for _, c := range []struct {
			who  *auth.Principal
			id   int64
			seen bool
		}{
			{w.StaffA, a.ID, true}, {w.StaffA, b.ID, false}, {w.StaffB, a.ID, false}, {w.CityStaff, b.ID, true},
			{w.StreetStaffA, a.ID, false}, // filed at the district: the street sees it once assigned down
			{w.Citizen, a.ID, true}, {w.Citizen2, a.ID, false}, {&auth.Principal{}, a.ID, false},
		} {
			_, err := w.E.Get(as(c.who), c.id)
			if c.seen != (err == nil) {
				t.Errorf("%s reading case %d: %v", c.who.Name, c.id, err)
			}
			if !c.seen && !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s: want not found, got %v", c.who.Name, err)
			}
		}
		// A visitor who proved the check code sees that case only.
		ctx := casework.WithPartyProof(as(&auth.Principal{}), a.ID)
		if _, err := w.E.Get(ctx, a.ID); err != nil {
			t.Errorf("proved visitor: %v", err)
		}
		if _, err := w.E.Get(ctx, b.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("proved visitor reads another case: %v", err)
		}
		list, total, err := w.E.List(as(w.StaffB), casework.Filter{Type: "task"})
		if err != nil || total != 1 || list[0].ID != b.ID {
			t.Errorf("district B ledger: %d %v", total, err)
		}
	})
}

func TestTransferAcceptObjectAndDeemedAccepted(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		c := w.newTask(t, w.StaffA, w.A, "不属本区")
		c, err := w.E.Act(as(w.StaffA), c.ID, c.Version, "transfer", casework.Input{UnitID: w.B.ID, Reason: "属乙区管辖"})
		if err != nil {
			t.Fatal(err)
		}
		// 5 working days from Mon 2 Mar: Mon 9 Mar.
		if day(c.PendingDueAt) != "2026-03-09" {
			t.Errorf("objection by %s", day(c.PendingDueAt))
		}
		if _, err := w.E.Get(as(w.StaffB), c.ID); err != nil {
			t.Fatalf("receiver cannot see the transfer: %v", err)
		}
		if _, err := w.E.Act(as(w.StaffA), c.ID, c.Version, "accept_transfer", casework.Input{}); !errors.Is(err, casework.ErrForbidden) {
			t.Errorf("sender accepted its own transfer: %v", err)
		}
		if _, err := w.E.Act(as(w.StaffB), c.ID, c.Version, "object_transfer", casework.Input{}); err == nil {
			t.Error("objection without reason accepted")
		}
		c, err = w.E.Act(as(w.StaffB), c.ID, c.Version, "object_transfer", casework.Input{Reason: "该地址属甲区"})
		if err != nil || c.PendingUnitID != 0 || c.OrgUnitID != w.A.ID {
			t.Fatalf("objection: %v %+v", err, c)
		}
		if _, err := w.E.Get(as(w.StaffB), c.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("receiver still sees it after objecting: %v", err)
		}
		// Transfer again; the receiver is silent past the objection period.
		c, err = w.E.Act(as(w.StaffA), c.ID, c.Version, "transfer", casework.Input{UnitID: w.B.ID, Reason: "再转"})
		if err != nil {
			t.Fatal(err)
		}
		w.Now = w.Now.Add(8 * 24 * time.Hour) // Tue 10 Mar
		if _, err := w.E.Act(as(w.StaffB), c.ID, c.Version, "object_transfer", casework.Input{Reason: "晚了"}); err == nil {
			t.Error("late objection accepted")
		}
		res, err := w.E.Sweep(sysCtx())
		if err != nil || res.Transfers != 1 {
			t.Fatalf("sweep %+v %v", res, err)
		}
		c, _ = w.E.Get(sysCtx(), c.ID)
		if c.OrgUnitID != w.B.ID || c.PendingUnitID != 0 {
			t.Errorf("not moved: %+v", c)
		}
		if _, err := w.E.Get(as(w.StaffA), c.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("sender still sees it: %v", err)
		}
	})
}

// Several sweepers at once send each notice exactly once.
func TestSweepNotifiesExactlyOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		const n = 30
		for i := range n {
			w.newTask(t, w.StaffA, w.A, "t")
			if i == 0 {
				w.Now = w.Now.Add(20 * 24 * time.Hour) // the earlier ones are overdue when later ones are filed
			}
		}
		// Now Sun 22 Mar: the first is overdue (17 Mar); the others fall due on 6 Apr.
		var wg sync.WaitGroup
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := w.E.Sweep(sysCtx()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		count := func(kind string) int {
			var k int
			_ = w.DB.QueryRow(sysCtx(), `SELECT COUNT(*) FROM case_notifications WHERE kind = ?`, kind).Scan(&k)
			return k
		}
		if count("overdue") != 1 || count("due_soon") != 0 {
			t.Fatalf("overdue %d, due soon %d", count("overdue"), count("due_soon"))
		}
		// The others' 15 days end on Mon 6 Apr, a Qingming holiday (4–6 Apr),
		// so on Tue 7 Apr. On Fri 3 Apr the due-soon horizon of 2 working days
		// reaches Wed 8 Apr: they are due soon.
		w.Now = time.Date(2026, 4, 3, 1, 0, 0, 0, time.UTC)
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := w.E.Sweep(sysCtx()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if count("due_soon") != n-1 {
			t.Fatalf("due soon %d, want %d", count("due_soon"), n-1)
		}
		res, err := w.E.Sweep(sysCtx())
		if err != nil || res.DueSoon+res.Overdue != 0 {
			t.Fatalf("a repeated sweep sent %+v %v", res, err)
		}
		// The inbox of district A's staff shows them.
		items, total, unread, err := w.E.Inbox(as(w.StaffA), false, 100, 0)
		if err != nil || total != n || unread != n || len(items) != n {
			t.Fatalf("inbox %d/%d %v", total, unread, err)
		}
		if err := w.E.MarkRead(as(w.StaffB), items[0].ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("another district marks it read: %v", err)
		}
		if err := w.E.MarkRead(as(w.StaffA), items[0].ID); err != nil {
			t.Error(err)
		}
	})
}
