package casework

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Limits of free text in commands.
const (
	MaxText   = 10000 // runes
	MaxReason = 2000
)

// Step is one transition being taken, as hooks see it: the case (changes to
// it are written), the input, the actor and the clock, and helpers for the
// deadline rules.
type Step struct {
	Ctx        context.Context
	Tx         *db.Tx
	Type       *Type
	Transition *Transition
	Case       *Case
	// Before is the case as it was read.
	Before Case
	Input  Input
	Actor  *auth.Principal
	Now    time.Time
	// Event is the timeline entry being written; hooks may set its text,
	// visibility and data.
	Event *Event

	e           *Engine
	closeReason string
	notices     []Notice
	assumed     bool // a deadline was counted over a year without holiday data
}

// Deadline is the end of a period started today.
func (s *Step) Deadline(p Period) (time.Time, error) {
	due, assumed, err := s.e.DeadlineAssumed(s.Now, p)
	s.assumed = s.assumed || assumed
	return due, err
}

// GoTo moves the case to state, starting that state's stage deadline.
func (s *Step) GoTo(state string) error {
	st, ok := s.Type.State(state)
	if !ok {
		return fmt.Errorf("casework: %s: no state %q", s.Type.Name, state)
	}
	s.Case.State = state
	return s.enter(st)
}

func (s *Step) enter(st State) error {
	if st.Stage == nil {
		s.Case.StageDueAt = time.Time{}
		return nil
	}
	return s.SetStage(*st.Stage)
}

// SetStage sets the stage deadline to a period from today.
func (s *Step) SetStage(p Period) error {
	assumed, err := s.e.setStage(s.Case, s.Now, p)
	s.assumed = s.assumed || assumed
	return err
}

// StartFinal starts the whole-case period today.
func (s *Step) StartFinal(p Period) error {
	s.Case.FinalFrom = s.e.Date(s.Now).String()
	s.Case.FinalDays = p.N
	s.Case.SetData("final_unit", string(p.Unit))
	due, err := s.Deadline(p)
	s.Case.FinalDueAt = due
	return err
}

// Close sets the reason recorded when the case reaches a terminal state.
func (s *Step) Close(reason string) { s.closeReason = reason }

// Notify queues a notice, written in the same transaction.
func (s *Step) Notify(n Notice) { s.notices = append(s.notices, n) }

// NotifyParty queues a notice to the case's party (their inbox if they have
// an account, and the SMS channel).
func (s *Step) NotifyParty(kind, text string) {
	s.Notify(Notice{Kind: kind, Audience: AudienceParty, UserID: s.Case.PartyUserID, OrgPath: s.Case.OrgPath, Text: text})
}

// Refuse ends the step with a *StateError (409 with the current case).
func (s *Step) Refuse(code, zh, en string) error {
	return &StateError{Current: s.Before, Action: s.Transition.Name, Code: code, Zh: zh, En: en}
}

// Act takes transition action on case id, which the caller read at
// version. In one transaction it checks, in this order: the case is visible
// to the actor (else db.ErrNotFound), the actor passes the transition's role
// and scope rule (ErrForbidden, audited as refused), the version is current
// (*ConflictError with the current case), the state allows it (*StateError),
// the required fields are there (FieldErrors); then applies the generic
// effect, the deadline rules and the type's hook, writes the case with the
// version bumped, the timeline event, the audit record and the notices.
func (e *Engine) Act(ctx context.Context, id int64, version int, action string, in Input) (Case, error) {
	p := auth.FromContext(ctx)
	var out Case
	var refused *Case
	err := e.DB.Tx(ctx, func(tx *db.Tx) error {
		c, t, err := e.load(ctx, tx, id)
		if err != nil {
			return err
		}
		tr, ok := t.Transition(action)
		if !ok {
			return FieldErrors{Invalid("action", "unknown", "没有这个操作", "no such action")}
		}
		if !e.passes(ctx, p, t, tr, &c) {
			refused = &c
			return ErrForbidden
		}
		if version != c.Version {
			return &ConflictError{Current: c, Allowed: e.AllowedNames(ctx, &c)}
		}
		if !t.from(tr, c.State) {
			return &StateError{Current: c, Action: action, Code: "state",
				Zh: "案件当前状态不能进行此操作", En: "not possible in the case's current state"}
		}
		if se := e.whyNot(tr, &c); se != nil {
			return se
		}
		in = trimInput(in)
		if err := checkRequired(tr, in); err != nil {
			return err
		}
		now := e.now()
		s := &Step{Ctx: ctx, Tx: tx, Type: t, Transition: tr, Case: &c, Before: c, Input: in, Actor: p, Now: now, e: e,
			Event: &Event{CaseID: c.ID, At: now, Kind: action, ActorID: p.UserID, ActorName: actorName(p),
				ActorRole: string(p.Role), FromState: c.State, Public: tr.Public, Text: firstNonEmpty(in.Text, in.Reason),
				Data: map[string]any{}}}
		if tr.Check != nil {
			if err := tr.Check(s); err != nil {
				return err
			}
		}
		if tr.To != "" && tr.To != c.State {
			if err := s.GoTo(tr.To); err != nil {
				return err
			}
		}
		if err := e.effect(s); err != nil {
			return err
		}
		if tr.Contact && c.RespondedAt.IsZero() {
			c.RespondedAt, c.ResponseDueAt = now, time.Time{}
		}
		if tr.Final != nil {
			if err := s.StartFinal(*tr.Final); err != nil {
				return err
			}
		}
		if tr.Apply != nil {
			if err := tr.Apply(s); err != nil {
				return err
			}
		}
		if s.assumed {
			c.Flags |= FlagDeadlineAssumed
		}
		if t.Terminal(c.State) {
			c.Flags &^= FlagDeadlineAssumed
			if c.ClosedAt.IsZero() {
				c.ClosedAt = now
			}
			c.ClosedReason = firstNonEmpty(s.closeReason, c.State)
			c.ResponseDueAt, c.StageDueAt, c.FinalDueAt = time.Time{}, time.Time{}, time.Time{}
			c.PendingUnitID, c.PendingPath, c.PendingDepartmentID, c.PendingDueAt = 0, "", 0, time.Time{}
		} else if !c.ClosedAt.IsZero() {
			c.ClosedAt, c.ClosedReason = time.Time{}, ""
		}
		recomputeDue(&c)
		c.UpdatedAt = now
		ok, err = updateCase(ctx, tx, &c, version)
		if err != nil {
			return err
		}
		if !ok {
			cur, _, err := e.load(ctx, tx, id)
			if err != nil {
				return err
			}
			return &ConflictError{Current: cur, Allowed: e.AllowedNames(ctx, &cur)}
		}
		c.Version = version + 1
		if err := t.onWrite(ctx, tx, Change{Before: &s.Before, After: &c}); err != nil {
			return err
		}
		s.Event.ToState = c.State
		if err := insertEvent(ctx, tx, s.Event); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s %s: %s → %s", c.Number, action, s.Before.State, c.State)
		if err := e.audit(ctx, tx, t.Name+"."+action, &c, detail); err != nil {
			return err
		}
		if err := e.insertNotices(ctx, tx, &c, s.notices, now); err != nil {
			return err
		}
		c.FlagList = c.Flags.List()
		out = c
		return nil
	})
	if refused != nil {
		logErr("audit refused case action", audit.RecordAlone(ctx, e.DB, audit.Entry{Action: refused.Type + "." + action,
			ObjectType: "case", ObjectID: strconv.FormatInt(refused.ID, 10), Result: audit.Refused,
			Detail: refused.Number + " " + action + " refused in state " + refused.State, OrgPath: refused.OrgPath}))
	}
	return out, err
}

func (e *Engine) audit(ctx context.Context, ex db.Execer, action string, c *Case, detail string) error {
	return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: "case", ObjectID: strconv.FormatInt(c.ID, 10),
		Detail: detail, OrgPath: c.OrgPath})
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func trimInput(in Input) Input {
	in.Text, in.Reason = strings.TrimSpace(in.Text), strings.TrimSpace(in.Reason)
	in.Approver, in.Rating, in.Method = strings.TrimSpace(in.Approver), strings.TrimSpace(in.Rating), strings.TrimSpace(in.Method)
	return in
}

// checkRequired checks the transition's required inputs and the lengths of
// the free text.
func checkRequired(tr *Transition, in Input) error {
	var errs FieldErrors
	for _, f := range tr.Required {
		missing := false
		switch f {
		case FieldText:
			missing = in.Text == ""
		case FieldReason:
			missing = in.Reason == ""
		case FieldDays:
			missing = in.Days <= 0
		case FieldUnit:
			missing = in.UnitID <= 0
		case FieldDepartment:
			missing = in.DepartmentID <= 0
		case FieldAssignee:
			missing = in.AssigneeID <= 0
		case FieldApprover:
			missing = in.Approver == ""
		case FieldRating:
			missing = in.Rating == ""
		case FieldMethod:
			missing = in.Method == ""
		case FieldAssignTarget:
			if in.UnitID <= 0 && in.DepartmentID <= 0 && in.AssigneeID <= 0 {
				errs = append(errs, Invalid("unit_id", "required", "请选择单位、部门或承办人", "choose a unit, a department or a person"))
			}
			continue
		}
		if missing {
			errs = append(errs, required(string(f)))
		}
	}
	if utf8.RuneCountInString(in.Text) > MaxText {
		errs = append(errs, Invalid("text", "too_long", fmt.Sprintf("最长%d个字", MaxText), fmt.Sprintf("at most %d characters", MaxText)))
	}
	for _, f := range []struct{ name, v string }{{"reason", in.Reason}, {"approver", in.Approver}} {
		if utf8.RuneCountInString(f.v) > MaxReason {
			errs = append(errs, Invalid(f.name, "too_long", fmt.Sprintf("最长%d个字", MaxReason), fmt.Sprintf("at most %d characters", MaxReason)))
		}
	}
	return errs.OrNil()
}

// effect does the transition's generic work.
func (e *Engine) effect(s *Step) error {
	c, in, ctx, tx := s.Case, s.Input, s.Ctx, s.Tx
	switch s.Transition.Effect {
	case EffectAssign:
		return e.assign(s)
	case EffectTransfer:
		path, err := e.unitPath(ctx, tx, in.UnitID)
		if errors.Is(err, db.ErrNotFound) {
			return FieldErrors{Invalid("unit_id", "not_found", "单位不存在", "no such unit")}
		} else if err != nil {
			return err
		}
		if in.UnitID == c.OrgUnitID {
			return FieldErrors{Invalid("unit_id", "same", "不能转给本单位", "is already the handling unit")}
		}
		if in.DepartmentID != 0 {
			if err := checkDepartment(ctx, tx, in.DepartmentID); err != nil {
				return err
			}
		}
		due, err := s.Deadline(s.Type.ObjectionPeriod)
		if err != nil {
			return err
		}
		c.PendingUnitID, c.PendingPath, c.PendingDepartmentID, c.PendingDueAt = in.UnitID, path, in.DepartmentID, due
		name := unitName(ctx, tx, in.UnitID)
		s.Event.Data["unit_id"], s.Event.Data["unit"], s.Event.Data["object_by"] = in.UnitID, name, due
		s.Notify(Notice{Kind: "transfer", Audience: AudienceStaff, UnitID: in.UnitID, OrgPath: path, DepartmentID: in.DepartmentID,
			Text: fmt.Sprintf("%s 转来案件 %s「%s」，请于 %s 前接收或提出异议", unitName(ctx, tx, c.OrgUnitID), c.Number, c.Title,
				due.In(e.Loc).Format("2006-01-02"))})
	case EffectAcceptTransfer:
		from := c.OrgUnitID
		s.Event.Data["from_unit"], s.Event.Data["unit"] = unitName(ctx, tx, from), unitName(ctx, tx, c.PendingUnitID)
		c.OrgUnitID, c.OrgPath, c.DepartmentID, c.AssigneeID = c.PendingUnitID, c.PendingPath, c.PendingDepartmentID, 0
		c.PendingUnitID, c.PendingPath, c.PendingDepartmentID, c.PendingDueAt = 0, "", 0, time.Time{}
	case EffectObjectTransfer:
		if s.Now.After(c.PendingDueAt) {
			return s.Refuse("window_closed", "异议期已过，视为接收", "the objection period is over; the transfer stands")
		}
		s.Event.Data["unit"] = unitName(ctx, tx, c.PendingUnitID)
		s.Notify(Notice{Kind: "transfer_objected", Audience: AudienceStaff, UnitID: c.OrgUnitID, OrgPath: c.OrgPath,
			DepartmentID: c.DepartmentID, Text: fmt.Sprintf("%s 对案件 %s 的转办提出异议：%s", unitName(ctx, tx, c.PendingUnitID), c.Number, in.Reason)})
		c.PendingUnitID, c.PendingPath, c.PendingDepartmentID, c.PendingDueAt = 0, "", 0, time.Time{}
	case EffectSupervise:
		c.Flags |= FlagSupervised
		c.SetData("supervisions", float64(c.DataInt("supervisions")+1))
		s.Notify(Notice{Kind: "supervised", Audience: AudienceStaff, UserID: c.AssigneeID, UnitID: c.OrgUnitID, OrgPath: c.OrgPath,
			DepartmentID: c.DepartmentID, Text: fmt.Sprintf("案件 %s「%s」被督办：%s", c.Number, c.Title, in.Text)})
	case EffectExtend:
		ext := s.Type.Extension // whyNot refused it once the extensions are used
		if in.Days > ext.Max.N {
			return FieldErrors{Invalid("days", "too_many", fmt.Sprintf("最多延期%d日", ext.Max.N), fmt.Sprintf("at most %d days", ext.Max.N))}
		}
		if c.FinalFrom == "" {
			return s.Refuse("no_period", "案件尚无办理期限", "the case has no period to extend")
		}
		from, err := parseDate(c.FinalFrom)
		if err != nil {
			return err
		}
		unit := DayUnit(c.DataString("final_unit"))
		if unit == "" {
			unit = ext.Max.Unit
		}
		old := c.FinalDueAt
		c.FinalDays += in.Days
		d, assumed, err := e.deadlineDate(from, Period{c.FinalDays, unit})
		if err != nil {
			return err
		}
		s.assumed = s.assumed || assumed
		c.FinalDueAt = endOfDay(d.Year(), d.Month(), d.Day(), e.Loc)
		if c.StageDueAt.Equal(old) {
			c.StageDueAt = c.FinalDueAt
		}
		c.Flags |= FlagExtended
		c.SetData("extensions", float64(c.DataInt("extensions")+1))
		s.Event.Data["days"], s.Event.Data["approver"], s.Event.Data["reason"] = in.Days, in.Approver, in.Reason
		s.Event.Data["from"], s.Event.Data["to"] = old, c.FinalDueAt
	}
	return nil
}

// assign moves the case within the actor's jurisdiction.
func (e *Engine) assign(s *Step) error {
	c, in, ctx, tx, p := s.Case, s.Input, s.Ctx, s.Tx, s.Actor
	if in.UnitID != 0 && in.UnitID != c.OrgUnitID {
		path, err := e.unitPath(ctx, tx, in.UnitID)
		if errors.Is(err, db.ErrNotFound) {
			return FieldErrors{Invalid("unit_id", "not_found", "单位不存在", "no such unit")}
		} else if err != nil {
			return err
		}
		if !isSystem(p) && !p.InScope(path) {
			return FieldErrors{Invalid("unit_id", "out_of_scope", "只能分派到本辖区内的单位；辖区外请转办",
				"can only assign within your jurisdiction; transfer it otherwise")}
		}
		c.OrgUnitID, c.OrgPath, c.AssigneeID = in.UnitID, path, 0
		s.Event.Data["unit_id"], s.Event.Data["unit"] = in.UnitID, unitName(ctx, tx, in.UnitID)
	}
	if in.DepartmentID != 0 {
		if err := checkDepartment(ctx, tx, in.DepartmentID); err != nil {
			return err
		}
		c.DepartmentID = in.DepartmentID
		s.Event.Data["department_id"] = in.DepartmentID
	}
	if in.AssigneeID != 0 {
		var role, path, name string
		var disabled int
		err := tx.QueryRow(ctx, `SELECT role, org_path, display_name, disabled FROM users WHERE id = ?`, in.AssigneeID).
			Scan(&role, &path, &name, &disabled)
		if isNoRows(err) || (err == nil && (!auth.Role(role).IsStaff() || disabled != 0 || !strings.HasPrefix(c.OrgPath, path))) {
			return FieldErrors{Invalid("assignee_id", "invalid", "承办人须为该单位辖区内的在职工作人员",
				"must be an active staff member whose jurisdiction covers the handling unit")}
		} else if err != nil {
			return err
		}
		c.AssigneeID = in.AssigneeID
		s.Event.Data["assignee_id"], s.Event.Data["assignee"] = in.AssigneeID, name
	}
	s.Notify(Notice{Kind: "assigned", Audience: AudienceStaff, UserID: c.AssigneeID, UnitID: c.OrgUnitID, OrgPath: c.OrgPath,
		DepartmentID: c.DepartmentID, Text: fmt.Sprintf("案件 %s「%s」已分派给你单位办理", c.Number, c.Title)})
	return nil
}

func checkDepartment(ctx context.Context, q db.Querier, id int64) error {
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM departments WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return FieldErrors{Invalid("department_id", "not_found", "部门不存在", "no such department")}
	}
	return nil
}

func unitName(ctx context.Context, q db.Querier, id int64) string {
	var name string
	if err := q.QueryRow(ctx, `SELECT name FROM org_units WHERE id = ?`, id).Scan(&name); err != nil {
		return "#" + strconv.FormatInt(id, 10)
	}
	return name
}

// Note adds an event that changes nothing on the case — a comment, a record
// of a phone call, a leader's reception — without taking a version: notes
// never conflict with commands. Staff who see the case may add notes;
// public ones are shown to the party.
func (e *Engine) Note(ctx context.Context, id int64, kind, text string, public bool, data map[string]any) (Event, error) {
	p := auth.FromContext(ctx)
	text = strings.TrimSpace(text)
	if text == "" {
		return Event{}, FieldErrors{required("text")}
	}
	if utf8.RuneCountInString(text) > MaxText {
		return Event{}, FieldErrors{Invalid("text", "too_long", fmt.Sprintf("最长%d个字", MaxText), fmt.Sprintf("at most %d characters", MaxText))}
	}
	var ev Event
	err := e.DB.Tx(ctx, func(tx *db.Tx) error {
		c, t, err := e.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !(isSystem(p) || (p.Role.IsStaff() && p.UserID != 0)) {
			return ErrForbidden
		}
		ev = Event{CaseID: c.ID, At: e.now(), Kind: kind, ActorID: p.UserID, ActorName: actorName(p), ActorRole: string(p.Role),
			FromState: c.State, ToState: c.State, Public: public, Text: text, Data: data}
		if err := insertEvent(ctx, tx, &ev); err != nil {
			return err
		}
		return e.audit(ctx, tx, t.Name+"."+kind, &c, c.Number+" "+kind)
	})
	return ev, err
}
