// Package casework is the case engine shared by petitions (信访), property
// rectifications (整改) and approval applications: whatever is received,
// assigned to a unit, worked through states against deadlines, supervised
// from above and closed under conditions.
//
// A case type is declared in Go (Type): its states, its transitions — who
// may take each (roles and a scope rule), from which states, which fields
// they need, how they move the deadlines — its timers and its closure
// conditions (hooks that decide, e.g., that a petition closes only when the
// petitioner is satisfied). The Engine runs every command in one
// transaction: it checks role, scope, state and fields, applies the
// deadline rules through the working-day calendar, writes the case with its
// version bumped (optimistic concurrency: a stale version is ErrConflict
// carrying the current case), appends the timeline event, records the
// audit entry and queues the notices.
//
// Tables: cases, case_events (the timeline), case_attachments,
// case_notifications (in-app inbox and outbound queue), saved_filters.
package casework

import (
	"context"
	"fmt"
	"slices"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// DayUnit says how a period is counted.
type DayUnit string

const (
	// Workdays are counted with the calendar's working days, from the day
	// after the start (administrative licensing, transfers' objections).
	Workdays DayUnit = "workdays"
	// CalendarDays are 日 as the petition regulation counts them: the start
	// day is not counted and a period ending on a rest day moves to the
	// next working day (Civil Code art. 201, 203).
	CalendarDays DayUnit = "days"
)

// Period is a length of time in whole days.
type Period struct {
	N    int
	Unit DayUnit
}

// Days is a period of n calendar days (日).
func Days(n int) Period { return Period{n, CalendarDays} }

// WorkingDays is a period of n working days (工作日).
func WorkingDays(n int) Period { return Period{n, Workdays} }

func (p Period) String() string { return fmt.Sprintf("%d %s", p.N, p.Unit) }

// Scope is who, relative to a case, may take a transition. A transition
// lists one or more; passing any of them is enough.
type Scope string

const (
	// ScopeHandler: staff whose jurisdiction covers the handling unit (and
	// whose department, if they are limited to one, is the case's).
	ScopeHandler Scope = "handler"
	// ScopeHigher: staff of a level above the handling unit, covering it
	// (supervision 督办, review 复查); for a case handled at the top of the
	// tree, whose higher level is outside the system, the top's leaders.
	ScopeHigher Scope = "higher"
	// ScopeReceiver: staff covering the unit a transfer is waiting at.
	ScopeReceiver Scope = "receiver"
	// ScopeParty: the public party — the account that filed the case, or a
	// visitor who proved the case's check code (WithPartyProof).
	ScopeParty Scope = "party"
	// ScopeSystem: the platform itself (timers, the sweeper).
	ScopeSystem Scope = "system"
)

// Effect is generic work the engine does for a transition, besides moving
// the state.
type Effect string

const (
	EffectNone Effect = ""
	// EffectAssign moves the case to a unit (unit_id) in the actor's
	// jurisdiction, and/or to a department or a person.
	EffectAssign Effect = "assign"
	// EffectTransfer proposes another unit (unit_id, possibly in another
	// jurisdiction); the receiver accepts or objects within ObjectionPeriod.
	EffectTransfer Effect = "transfer"
	// EffectAcceptTransfer makes the pending unit the handling unit.
	EffectAcceptTransfer Effect = "accept_transfer"
	// EffectObjectTransfer refuses the pending transfer (before its deadline).
	EffectObjectTransfer Effect = "object_transfer"
	// EffectSupervise marks the case supervised (督办) and tells the handlers.
	EffectSupervise Effect = "supervise"
	// EffectExtend lengthens the whole-case period by days (≤ Extension.Max),
	// at most Extension.Times times.
	EffectExtend Effect = "extend"
)

// Field names an input a transition may require.
type Field string

const (
	FieldText         Field = "text"
	FieldReason       Field = "reason"
	FieldDays         Field = "days"
	FieldUnit         Field = "unit_id"
	FieldDepartment   Field = "department_id"
	FieldAssignee     Field = "assignee_id"
	FieldApprover     Field = "approver"
	FieldRating       Field = "rating"
	FieldMethod       Field = "method"
	FieldAssignTarget Field = "target" // at least one of unit_id, department_id, assignee_id
)

// State is one state of a type.
type State struct {
	Name string
	// Terminal states close the case: closed_at is set and every clock stops.
	Terminal bool
	// Stage is the deadline of the stage that starts when the case enters
	// this state (counted from that day); nil clears the stage deadline.
	Stage *Period
	// Public marks states whose name the party sees as is; others show as
	// the nearest public wording the type's labels give.
	Public bool
}

// Transition is one command on a case.
type Transition struct {
	Name string
	// From lists the states it may be taken in; empty means every
	// non-terminal state.
	From []string
	// To is the state it leads to; empty keeps the state (a hook may still
	// choose one with Step.GoTo).
	To string
	// Roles may take it (auth.Anonymous for a visitor with a check code).
	Roles []auth.Role
	// Scopes: the actor must pass at least one.
	Scopes []Scope
	// Required inputs.
	Required []Field
	// Effect is the engine's generic work for it.
	Effect Effect
	// Contact: taking it counts as the first contact with the party, which
	// stops the rapid-response clock.
	Contact bool
	// Final starts the whole-case period from the transition's day.
	Final *Period
	// Public: the event appears on the party's timeline.
	Public bool
	// Check runs after the generic checks and may refuse with field errors
	// or a *StateError; Apply runs after the generic effects and may change
	// the case through the Step. Both run inside the transaction.
	Check func(s *Step) error
	Apply func(s *Step) error
	// Ready, if set, tells from the case alone whether the transition is
	// worth offering now (a window still open, a rating still to give);
	// Allowed hides it otherwise. Check still decides when it is taken.
	Ready func(c *Case, now time.Time) bool
}

// Extension bounds EffectExtend.
type Extension struct {
	Max   Period
	Times int
}

// Timer moves cases that have sat in a state long enough, in one set-based
// statement per sweep (e.g. a petition replied to and not rated within the
// rating period is closed).
type Timer struct {
	Name  string // the event kind written on each case it moves
	State string
	// Since is the column the wait is counted from (replied_at, …).
	Since string
	// After is the wait, in calendar days (read at each sweep, so it may
	// come from settings).
	After func(ctx context.Context) (int, error)
	// Where adds a condition on the case row (SQL over cases' columns, no
	// placeholders), e.g. "rating = ''".
	Where string
	To    string
	// Close is the closed_reason when To is terminal.
	Close string
	Text  string // event text (shown to the party if Public)
	// Public puts the event on the party's timeline.
	Public bool
}

// Type is a kind of case, declared in Go.
type Type struct {
	Name string
	// Prefix starts every case number of the type ("XF" for petitions).
	Prefix  string
	Initial string
	States  []State
	// Transitions in the order pages offer them.
	Transitions []Transition
	// Response is the rapid-response target for the first contact, counted
	// from receipt; nil for none. Read at each intake (configurable).
	Response func(ctx context.Context) (*Period, error)
	// ObjectionPeriod is how long a receiver may object to a transfer
	// (default 5 working days); after it the transfer is accepted.
	ObjectionPeriod Period
	// Extension bounds EffectExtend.
	Extension Extension
	// Timers run at each sweep.
	Timers []Timer
	// OfficeDepartment is the department code whose staff see every case of
	// the type whatever its department (the petition office).
	OfficeDepartment string
	// Validate checks and normalises a new case's type-specific fields.
	Validate func(ctx context.Context, nc *NewCase) error
	// BeforeInsert, if set, completes new cases of the type from what is
	// stored (a petition is linked to the petitioner's earlier ones), once
	// for all the type's cases of an intake group, in the transaction that
	// writes them (or that of a case written alone). One read for a group,
	// where a read per case before intake cost a round trip each. In
	// intake's pipelined transaction on PostgreSQL a read with tx.QueryEach
	// goes with the BEGIN, in one round trip (decision 28). What it changes
	// in the cases is written.
	BeforeInsert func(ctx context.Context, tx *db.Tx, cs []*Case) error
	// OnWrite, if set, runs in the transaction that writes cases of the
	// type — new ones (Before nil) and every engine update of one — so the
	// module can keep what it derives from them (statistics roll-ups) in
	// step, committed or rolled back with the cases. Set-based sweeps that
	// change only the state and the deadlines do not call it.
	OnWrite func(ctx context.Context, tx *db.Tx, changes []Change) error
}

// Change is one case as it was (nil when new) and as it is written.
type Change struct {
	Before, After *Case
}

// onWrite calls t.OnWrite, if any, with changes.
func (t *Type) onWrite(ctx context.Context, tx *db.Tx, changes ...Change) error {
	if t.OnWrite == nil || len(changes) == 0 {
		return nil
	}
	return t.OnWrite(ctx, tx, changes)
}

// beforeInsert calls t.BeforeInsert, if any, with cs.
func (t *Type) beforeInsert(ctx context.Context, tx *db.Tx, cs ...*Case) error {
	if t.BeforeInsert == nil || len(cs) == 0 {
		return nil
	}
	return t.BeforeInsert(ctx, tx, cs)
}

// State returns the named state.
func (t *Type) State(name string) (State, bool) {
	for _, s := range t.States {
		if s.Name == name {
			return s, true
		}
	}
	return State{}, false
}

// Transition returns the named transition.
func (t *Type) Transition(name string) (*Transition, bool) {
	for i := range t.Transitions {
		if t.Transitions[i].Name == name {
			return &t.Transitions[i], true
		}
	}
	return nil, false
}

// Terminal tells whether state name closes the case.
func (t *Type) Terminal(name string) bool {
	s, ok := t.State(name)
	return ok && s.Terminal
}

// from tells whether tr may be taken in state.
func (t *Type) from(tr *Transition, state string) bool {
	if len(tr.From) == 0 {
		return !t.Terminal(state)
	}
	return slices.Contains(tr.From, state)
}

// check validates the declaration: names unique, every state a transition
// or timer names exists, the initial state is not terminal.
func (t *Type) check() error {
	if t.Name == "" || t.Prefix == "" {
		return fmt.Errorf("casework: type needs a name and a number prefix")
	}
	seen := map[string]bool{}
	for _, s := range t.States {
		if s.Name == "" || seen[s.Name] {
			return fmt.Errorf("casework: type %s: state %q empty or declared twice", t.Name, s.Name)
		}
		seen[s.Name] = true
	}
	if s, ok := t.State(t.Initial); !ok || s.Terminal {
		return fmt.Errorf("casework: type %s: initial state %q missing or terminal", t.Name, t.Initial)
	}
	trs := map[string]bool{}
	for _, tr := range t.Transitions {
		if tr.Name == "" || trs[tr.Name] {
			return fmt.Errorf("casework: type %s: transition %q empty or declared twice", t.Name, tr.Name)
		}
		trs[tr.Name] = true
		for _, f := range tr.From {
			if !seen[f] {
				return fmt.Errorf("casework: type %s: transition %s from unknown state %q", t.Name, tr.Name, f)
			}
		}
		if tr.To != "" && !seen[tr.To] {
			return fmt.Errorf("casework: type %s: transition %s to unknown state %q", t.Name, tr.Name, tr.To)
		}
		if len(tr.Roles) == 0 || len(tr.Scopes) == 0 {
			return fmt.Errorf("casework: type %s: transition %s needs roles and scopes", t.Name, tr.Name)
		}
		if tr.Effect == EffectExtend && (t.Extension.Max.N <= 0 || t.Extension.Times <= 0) {
			return fmt.Errorf("casework: type %s: transition %s extends but the type declares no Extension", t.Name, tr.Name)
		}
	}
	for _, tm := range t.Timers {
		if !seen[tm.State] || !seen[tm.To] || tm.After == nil {
			return fmt.Errorf("casework: type %s: timer %s names an unknown state or has no After", t.Name, tm.Name)
		}
		switch tm.Since {
		case "received_at", "accepted_at", "replied_at", "rated_at", "updated_at":
		default:
			return fmt.Errorf("casework: type %s: timer %s counts from unknown column %q", t.Name, tm.Name, tm.Since)
		}
	}
	if t.ObjectionPeriod.N == 0 {
		t.ObjectionPeriod = WorkingDays(5)
	}
	return nil
}

// Flags are yes/no facts of a case, stored as bits so that lists can filter
// on them without a column each.
type Flags int64

const (
	FlagAnonymous   Flags = 1 << iota // the party withheld their name
	FlagRepeat                        // a repeat of an earlier case (related_id)
	FlagSupervised                    // supervised (督办) by a higher level
	FlagExtended                      // its period was extended
	FlagReopened                      // reopened once after an unsatisfied rating
	FlagFinalMatter                   // the same matter was finally decided (复核 done): not to be accepted again
	FlagFinal                         // this case went through re-review: final
)

// Has tells whether every bit of x is set.
func (f Flags) Has(x Flags) bool { return f&x == x }

// FlagNames name the flags for filters and exports.
var FlagNames = []struct {
	Flag Flags
	Name string
}{
	{FlagAnonymous, "anonymous"}, {FlagRepeat, "repeat"}, {FlagSupervised, "supervised"},
	{FlagExtended, "extended"}, {FlagReopened, "reopened"}, {FlagFinalMatter, "final_matter"}, {FlagFinal, "final"},
}

// FlagByName returns the flag called name.
func FlagByName(name string) (Flags, bool) {
	for _, f := range FlagNames {
		if f.Name == name {
			return f.Flag, true
		}
	}
	return 0, false
}

// List names the flags that are set.
func (f Flags) List() []string {
	var out []string
	for _, x := range FlagNames {
		if f.Has(x.Flag) {
			out = append(out, x.Name)
		}
	}
	return out
}

// endOfDay is the last instant of date d in loc: deadlines are whole days,
// stored as the instant they run out.
func endOfDay(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 0, loc).UTC()
}
