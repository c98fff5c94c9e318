package casework_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/auth"
)

// recordType is the test type with two more transitions that keep the state:
// "call" only records a contact with the party; "poke" has a hook, which
// could change anything.
func recordType() *casework.Type {
	t := taskType()
	t.Name, t.Prefix = "task_rec", "TR"
	staff := []auth.Role{auth.CommunityStaff, auth.StreetStaff, auth.DistrictStaff, auth.CityStaff}
	handler := []casework.Scope{casework.ScopeHandler}
	t.Transitions = append(t.Transitions,
		casework.Transition{Name: "call", Roles: staff, Scopes: handler, Required: []casework.Field{casework.FieldText}, Contact: true},
		casework.Transition{Name: "poke", Roles: staff, Scopes: handler, Apply: func(s *casework.Step) error { return nil }})
	return t
}

// wantStateError fails unless err is the engine's "not possible now"
// refusal with the given code.
func wantStateError(t *testing.T, what, code string, err error) {
	t.Helper()
	var se *casework.StateError
	if !errors.As(err, &se) || se.Code != code {
		t.Errorf("%s: got %v, want a state error", what, err)
	}
}

// While a transfer waits, neither side may move the case: the sender can
// take no action that changes the state, the handling unit or the deadlines,
// Allowed does not offer one, and the receiver's answer (or the sweeper's
// deemed acceptance) still settles the transfer.
func TestPendingTransferFreezesTheCase(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		if err := w.E.Register(recordType()); err != nil {
			t.Fatal(err)
		}
		c, err := w.E.Create(as(w.StaffA), casework.NewCase{Type: "task_rec", OrgUnitID: w.A.ID, Category: "other", Kind: "k",
			Channel: "web", Title: "不属本区", PartyUserID: w.Citizen.UserID, PartyName: "张三", PartyPhone: "13912345678"})
		if err != nil {
			t.Fatal(err)
		}
		c, err = w.E.Act(as(w.StaffA), c.ID, c.Version, "transfer", casework.Input{UnitID: w.B.ID, Reason: "属乙区管辖"})
		if err != nil {
			t.Fatal(err)
		}
		offered := func(p *auth.Principal) []string {
			cur, err := w.E.Get(as(p), c.ID)
			if err != nil {
				t.Fatalf("%s reads the case: %v", p.Name, err)
			}
			return w.E.AllowedNames(as(p), &cur)
		}
		for _, o := range []struct {
			who  *auth.Principal
			want []string
		}{
			{w.StaffA, []string{"call"}},                               // the sender: only record a contact
			{w.StaffB, []string{"accept_transfer", "object_transfer"}}, // the receiver: answer the transfer
			// The city covers both units: it may answer for B, supervise A and record.
			{w.CityStaff, []string{"accept_transfer", "object_transfer", "supervise", "call"}},
			{w.Leader, []string{"supervise"}},
		} {
			if got := offered(o.who); !slices.Equal(got, o.want) {
				t.Errorf("%s offered %v while the transfer waits, want %v", o.who.Name, got, o.want)
			}
		}

		// Every action that would move the case is refused and changes nothing.
		for _, r := range []struct {
			who    *auth.Principal
			action string
			in     casework.Input
		}{
			{w.StaffA, "start", casework.Input{}},
			{w.StaffA, "assign", casework.Input{UnitID: w.StreetA.ID}},
			{w.StaffA, "transfer", casework.Input{UnitID: w.StreetA.ID, Reason: "再转"}},
			{w.StaffA, "poke", casework.Input{}},
			{w.CityStaff, "assign", casework.Input{UnitID: w.B.ID}},
			{w.CityStaff, "start", casework.Input{}},
		} {
			_, err := w.E.Act(as(r.who), c.ID, c.Version, r.action, r.in)
			wantStateError(t, r.who.Name+" "+r.action, "transfer_pending", err)
		}
		cur, _ := w.E.Get(sysCtx(), c.ID)
		if cur.Version != c.Version || cur.State != "new" || cur.OrgUnitID != w.A.ID || cur.PendingUnitID != w.B.ID {
			t.Fatalf("a refused action changed the case: v%d %s unit %d pending %d", cur.Version, cur.State, cur.OrgUnitID, cur.PendingUnitID)
		}

		// What only records stays possible and keeps the transfer waiting.
		c, err = w.E.Act(as(w.Leader), c.ID, c.Version, "supervise", casework.Input{Text: "请尽快明确管辖"})
		if err != nil {
			t.Fatalf("supervise while the transfer waits: %v", err)
		}
		c, err = w.E.Act(as(w.StaffA), c.ID, c.Version, "call", casework.Input{Text: "已告知信访人正在转办"})
		if err != nil {
			t.Fatalf("record a call while the transfer waits: %v", err)
		}
		if c.State != "new" || c.PendingUnitID != w.B.ID || !c.Flags.Has(casework.FlagSupervised) {
			t.Fatalf("after the notes: %s pending %d %v", c.State, c.PendingUnitID, c.FlagList)
		}

		// The receiver is silent: the sweeper completes the transfer, and the
		// receiver then handles the case as its own.
		w.Now = w.Now.Add(8 * 24 * time.Hour)
		res, err := w.E.Sweep(sysCtx())
		if err != nil || res.Transfers != 1 {
			t.Fatalf("sweep %+v %v", res, err)
		}
		if got := offered(w.StaffB); !slices.Contains(got, "start") || slices.Contains(got, "accept_transfer") {
			t.Errorf("receiver offered %v after the transfer", got)
		}
		cur, _ = w.E.Get(sysCtx(), c.ID)
		if _, err := w.E.Act(as(w.StaffB), c.ID, cur.Version, "start", casework.Input{}); err != nil {
			t.Errorf("receiver starts the transferred case: %v", err)
		}
	})
}

// The extension, once used up, is neither offered nor taken.
func TestUsedExtensionIsNotOffered(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		c := w.newTask(t, w.StaffA, w.A, "x")
		c, err := w.E.Act(as(w.StaffA), c.ID, c.Version, "start", casework.Input{})
		if err != nil {
			t.Fatal(err)
		}
		if got := w.E.AllowedNames(as(w.StaffA), &c); !slices.Contains(got, "extend") {
			t.Fatalf("extension not offered before it is used: %v", got)
		}
		c, err = w.E.Act(as(w.StaffA), c.ID, c.Version, "extend", casework.Input{Days: 30, Reason: "r", Approver: "a"})
		if err != nil {
			t.Fatal(err)
		}
		// The case as read back, not only as Act returned it.
		c, err = w.E.Get(as(w.StaffA), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.E.AllowedNames(as(w.StaffA), &c); slices.Contains(got, "extend") {
			t.Errorf("used extension still offered: %v", got)
		}
		_, err = w.E.Act(as(w.StaffA), c.ID, c.Version, "extend", casework.Input{Days: 5, Reason: "r", Approver: "a"})
		wantStateError(t, "second extension", "already", err)
	})
}

// A case the bureau handles itself (at the city, the top of the tree) has no
// level above it in the system: the bureau's leaders act for the higher
// level there, and only there; city clerks do not.
func TestHigherLevelOfTheTop(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		top := w.newTask(t, w.CityStaff, w.City, "市局直接办理")
		if got := w.E.AllowedNames(as(w.Leader), &top); !slices.Contains(got, "supervise") {
			t.Errorf("the leader is not offered supervision of a city-level case: %v", got)
		}
		if got := w.E.AllowedNames(as(w.CityStaff), &top); slices.Contains(got, "supervise") {
			t.Errorf("a city clerk supervises a case of their own level: %v", got)
		}
		if _, err := w.E.Act(as(w.Leader), top.ID, top.Version, "supervise", casework.Input{Text: "请加快办理"}); err != nil {
			t.Errorf("the leader supervising a city-level case: %v", err)
		}
		street := w.newTask(t, w.StreetStaffA, w.StreetA, "街道办理")
		if got := w.E.AllowedNames(as(w.StreetStaffA), &street); slices.Contains(got, "supervise") {
			t.Errorf("a street supervises its own case: %v", got)
		}
	})
}
