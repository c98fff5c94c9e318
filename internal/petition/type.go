package petition

import (
	"context"
	"fmt"
	"strings"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/auth"
)

// TypeName is the case type of petitions.
const TypeName = "petition"

// States of a petition.
const (
	StateRegistered  = "registered"  // 已登记：待决定是否受理 (15 days)
	StateHandling    = "handling"    // 办理中 (60 days from acceptance, +30 once)
	StateReplied     = "replied"     // 已答复：待评价
	StateReviewing   = "reviewing"   // 复查中 (30 days)
	StateRereviewing = "rereviewing" // 复核中 (30 days)
	StateClosed      = "closed"      // 已办结
	StateDeclined    = "declined"    // 不予受理
)

// Why a closed petition counts as closed.
const (
	ClosedSatisfied = "satisfied"           // rated satisfied
	ClosedBasically = "basically_satisfied" // rated basically satisfied
	ClosedNoRating  = "no_rating"           // finished, not rated within the rating period
	ClosedReview    = "review"              // review (复查) decided
	ClosedRereview  = "rereview"            // re-review (复核) decided: final
	ClosedDeclined  = "declined"
)

// The periods of 信访工作条例 (2022), in days (日).
var (
	acceptPeriod   = casework.Days(15) // decide on acceptance and notify
	finishPeriod   = casework.Days(60) // finish after acceptance
	extendMax      = casework.Days(30) // one extension
	reviewWindow   = casework.Days(30) // ask for review after the reply / re-review after the review
	reviewPeriod   = casework.Days(30) // decide a review or re-review
	objectWorkdays = casework.WorkingDays(5)
)

var (
	staff     = []auth.Role{auth.CommunityStaff, auth.StreetStaff, auth.DistrictStaff, auth.CityStaff}
	staffLead = append(append([]auth.Role{}, staff...), auth.Leader)
	party     = []auth.Role{auth.Citizen, auth.Company, auth.Anonymous}
	anyone    = append(append(append([]auth.Role{}, party...), staff...), auth.Leader)

	handler  = []casework.Scope{casework.ScopeHandler}
	higher   = []casework.Scope{casework.ScopeHigher}
	receiver = []casework.Scope{casework.ScopeReceiver}
)

// Type declares the petition: the states, who may do what from where, the
// required fields, the deadlines and the closure conditions. It reads the
// bureau's settings through s.
func (s *Service) Type() *casework.Type {
	accept := acceptPeriod
	review := reviewPeriod
	return &casework.Type{
		Name: TypeName, Prefix: "XF", Initial: StateRegistered, OfficeDepartment: "petition",
		OnWrite:      s.tally,       // the statistics roll-up (stats_rollup.go)
		BeforeInsert: s.linkRepeats, // repeat detection (service.go)
		States: []casework.State{
			{Name: StateRegistered, Stage: &accept},
			{Name: StateHandling},
			{Name: StateReplied},
			{Name: StateReviewing, Stage: &review},
			{Name: StateRereviewing, Stage: &review},
			{Name: StateClosed, Terminal: true},
			{Name: StateDeclined, Terminal: true},
		},
		Response: func(ctx context.Context) (*casework.Period, error) {
			st, err := s.Settings(ctx)
			if err != nil {
				return nil, err
			}
			p := casework.WorkingDays(st.ResponseWorkdays)
			return &p, nil
		},
		ObjectionPeriod: objectWorkdays,
		Extension:       casework.Extension{Max: extendMax, Times: 1},
		Validate:        s.validate,
		Timers: []casework.Timer{{
			Name: "close_unrated", State: StateReplied, Since: "replied_at", Where: "rating = ''",
			To: StateClosed, Close: ClosedNoRating, Public: true, Text: "答复后在评价期内未评价，按办结处理",
			After: func(ctx context.Context) (int, error) {
				st, err := s.Settings(ctx)
				return st.RatingDays, err
			},
		}},
		Transitions: []casework.Transition{
			{Name: "contact", From: []string{StateRegistered, StateHandling}, Roles: staff, Scopes: handler,
				Required: []casework.Field{casework.FieldText}, Contact: true},
			{Name: "accept", From: []string{StateRegistered}, To: StateHandling, Roles: staff, Scopes: handler,
				Contact: true, Final: &finishPeriod, Public: true, Check: checkNotFinal, Apply: s.onAccept,
				Ready: func(c *casework.Case, _ time.Time) bool { return !c.Flags.Has(casework.FlagFinalMatter) }},
			{Name: "decline", From: []string{StateRegistered}, To: StateDeclined, Roles: staff, Scopes: handler,
				Required: []casework.Field{casework.FieldReason}, Contact: true, Public: true, Apply: s.onDecline},
			{Name: "assign", From: []string{StateRegistered, StateHandling}, Roles: staff, Scopes: handler,
				Required: []casework.Field{casework.FieldAssignTarget}, Effect: casework.EffectAssign},
			{Name: "transfer", From: []string{StateRegistered}, Roles: staff, Scopes: handler,
				Required: []casework.Field{casework.FieldUnit, casework.FieldReason}, Effect: casework.EffectTransfer},
			{Name: "accept_transfer", From: []string{StateRegistered}, Roles: append(append([]auth.Role{}, staff...), auth.SystemRole),
				Scopes: []casework.Scope{casework.ScopeReceiver, casework.ScopeSystem}, Effect: casework.EffectAcceptTransfer,
				Apply: s.onTransferAccepted},
			{Name: "object_transfer", From: []string{StateRegistered}, Roles: staff, Scopes: receiver,
				Required: []casework.Field{casework.FieldReason}, Effect: casework.EffectObjectTransfer},
			{Name: "supervise", From: []string{StateRegistered, StateHandling, StateReviewing, StateRereviewing}, Roles: staffLead,
				Scopes: higher, Required: []casework.Field{casework.FieldText}, Effect: casework.EffectSupervise},
			{Name: "extend", From: []string{StateHandling}, Roles: staff, Scopes: handler,
				Required: []casework.Field{casework.FieldDays, casework.FieldReason, casework.FieldApprover},
				Effect:   casework.EffectExtend, Public: true, Apply: s.onExtend},
			{Name: "reply", From: []string{StateHandling}, To: StateReplied, Roles: staff, Scopes: handler,
				Required: []casework.Field{casework.FieldText}, Contact: true, Public: true, Apply: s.onReply},
			{Name: "rate", From: []string{StateReplied}, Roles: anyone, Scopes: []casework.Scope{casework.ScopeParty, casework.ScopeHandler},
				Required: []casework.Field{casework.FieldRating}, Public: true, Check: checkRating, Apply: s.onRate,
				Ready: func(c *casework.Case, _ time.Time) bool { return c.Rating != RatingUnsatisfied }},
			{Name: "request_review", From: []string{StateReplied, StateClosed}, Roles: anyone,
				Scopes:   []casework.Scope{casework.ScopeParty, casework.ScopeHandler, casework.ScopeHigher},
				Required: []casework.Field{casework.FieldReason}, To: StateReviewing, Public: true, Check: s.checkReviewWindow, Apply: s.onReviewRequested,
				Ready: func(c *casework.Case, now time.Time) bool { return reviewable(c) && windowOpen(c, "review_until", now) }},
			{Name: "decide_review", From: []string{StateReviewing}, To: StateClosed, Roles: staffLead, Scopes: higher,
				Required: []casework.Field{casework.FieldText}, Public: true, Apply: s.onReviewDecided},
			{Name: "request_rereview", From: []string{StateClosed}, Roles: anyone,
				Scopes:   []casework.Scope{casework.ScopeParty, casework.ScopeHandler, casework.ScopeHigher},
				Required: []casework.Field{casework.FieldReason}, To: StateRereviewing, Public: true, Check: s.checkRereviewWindow, Apply: s.onRereviewRequested,
				Ready: func(c *casework.Case, now time.Time) bool {
					return c.ClosedReason == ClosedReview && windowOpen(c, "rereview_until", now)
				}},
			{Name: "decide_rereview", From: []string{StateRereviewing}, To: StateClosed, Roles: staffLead, Scopes: higher,
				Required: []casework.Field{casework.FieldText}, Public: true, Apply: s.onRereviewDecided},
		},
	}
}

// day shows t as a date in the city, as texts to petitioners do.
func (s *Service) day(t time.Time) string { return t.In(s.Loc).Format("2006年1月2日") }

// checkNotFinal refuses to accept a matter already decided by re-review
// (信访工作条例: the same facts and reasons are not accepted again).
func checkNotFinal(s *casework.Step) error {
	if s.Case.Flags.Has(casework.FlagFinalMatter) {
		return s.Refuse("final_matter", "同一事项已经复核终结，不再受理，请作不予受理处理",
			"the same matter was finally decided on re-review; it is not accepted again — decline it")
	}
	return nil
}

func (s *Service) onAccept(st *casework.Step) error {
	st.Case.AcceptedAt = st.Now
	st.Event.Text = fmt.Sprintf("已受理，将于%s前办结", s.day(st.Case.FinalDueAt))
	if st.Input.Text != "" {
		st.Event.Data["note"] = st.Input.Text
	}
	st.NotifyParty("accepted", fmt.Sprintf("您的信访事项 %s 已受理，将于%s前办结。", st.Case.Number, s.day(st.Case.FinalDueAt)))
	return nil
}

func (s *Service) onDecline(st *casework.Step) error {
	st.Close(ClosedDeclined)
	st.Event.Text = "不予受理：" + st.Input.Reason
	st.NotifyParty("declined", fmt.Sprintf("您的信访事项 %s 不予受理，理由：%s", st.Case.Number, st.Input.Reason))
	return nil
}

// onTransferAccepted restarts the acceptance clock: the receiving body has
// 15 days from receiving the transfer.
func (s *Service) onTransferAccepted(st *casework.Step) error {
	if st.Case.State == StateRegistered {
		return st.SetStage(acceptPeriod)
	}
	return nil
}

// onExtend tells the petitioner the reason, as the regulation requires.
func (s *Service) onExtend(st *casework.Step) error {
	st.Event.Text = fmt.Sprintf("办理期限延长%d日至%s，理由：%s（经%s批准）", st.Input.Days, s.day(st.Case.FinalDueAt),
		st.Input.Reason, st.Input.Approver)
	st.NotifyParty("extended", fmt.Sprintf("您的信访事项 %s 办理期限延长至%s，理由：%s", st.Case.Number, s.day(st.Case.FinalDueAt), st.Input.Reason))
	return nil
}

func (s *Service) onReply(st *casework.Step) error {
	st.Case.RepliedAt = st.Now
	st.Case.Rating, st.Case.RatedAt = "", time.Time{}
	until, err := st.Deadline(reviewWindow)
	if err != nil {
		return err
	}
	st.Case.SetData("review_until", until.Format(time.RFC3339))
	st.NotifyParty("replied", fmt.Sprintf("您的信访事项 %s 已答复，请查阅并评价。如不服，可于%s前申请复查。", st.Case.Number, s.day(until)))
	return nil
}

// checkRating: a known rating; staff record one only from a phone
// follow-up; an unsatisfied rating says why.
func checkRating(st *casework.Step) error {
	in := st.Input
	var errs casework.FieldErrors
	if !contains(Ratings, in.Rating) {
		errs = append(errs, casework.Invalid("rating", "invalid", "请选择满意、基本满意或不满意", "choose satisfied, basically satisfied or unsatisfied"))
	}
	if st.Actor.Role.IsStaff() && in.Method != "phone" {
		errs = append(errs, casework.Invalid("method", "required", "工作人员代录评价须为电话回访（method=phone）",
			"staff record a rating only from a phone follow-up (method=phone)"))
	}
	if in.Rating == RatingUnsatisfied && in.Text == "" {
		errs = append(errs, casework.Invalid("text", "required", "请说明不满意的原因", "say why you are not satisfied"))
	}
	if st.Case.Rating == RatingUnsatisfied {
		return st.Refuse("already", "已评价不满意，可申请复查", "already rated unsatisfied; a review may be requested")
	}
	return errs.OrNil()
}

// onRate applies the closure conditions: satisfied or basically satisfied
// closes the case; the first "unsatisfied" reopens it for another round;
// a second leaves it replied and unsatisfied — open, and the petitioner may
// ask for a review.
func (s *Service) onRate(st *casework.Step) error {
	c, in := st.Case, st.Input
	method := in.Method
	if method == "" {
		method = "online"
	}
	c.Rating, c.RatedAt = in.Rating, st.Now
	c.SetData("rating_method", method)
	if in.Text != "" {
		c.SetData("rating_comment", in.Text)
	}
	st.Event.Data["rating"], st.Event.Data["method"] = in.Rating, method
	label := map[string]string{RatingSatisfied: "满意", RatingBasically: "基本满意", RatingUnsatisfied: "不满意"}[in.Rating]
	st.Event.Text = "评价：" + label
	if in.Text != "" {
		st.Event.Text += "。" + in.Text
	}
	switch in.Rating {
	case RatingSatisfied, RatingBasically:
		st.Close(in.Rating)
		return st.GoTo(StateClosed)
	}
	if c.Flags.Has(casework.FlagReopened) {
		st.Event.Text += "。可在复查期限内申请复查"
		return nil
	}
	set, err := s.Settings(st.Ctx)
	if err != nil {
		return err
	}
	c.Flags |= casework.FlagReopened
	c.RepliedAt = time.Time{}
	if err := st.GoTo(StateHandling); err != nil {
		return err
	}
	if err := st.StartFinal(casework.Days(set.ReopenDays)); err != nil {
		return err
	}
	st.Event.Text += fmt.Sprintf("。已重新交办，将于%s前再次答复", s.day(c.FinalDueAt))
	st.Notify(casework.Notice{Kind: "reopened", Audience: casework.AudienceStaff, UserID: c.AssigneeID, UnitID: c.OrgUnitID,
		DepartmentID: c.DepartmentID, Text: fmt.Sprintf("信访事项 %s 信访人不满意，请于%s前重新办理答复", c.Number, s.day(c.FinalDueAt))})
	return nil
}

// window checks that today is within a 30-day s.window that started at the
// RFC 3339 instant stored under key.
func (s *Service) window(st *casework.Step, key string) error {
	until, err := time.Parse(time.RFC3339, st.Case.DataString(key))
	if err != nil {
		return st.Refuse("no_window", "该事项尚无可申请的期限", "there is no decision to ask about")
	}
	if st.Now.After(until) {
		return st.Refuse("window_closed", fmt.Sprintf("申请期限已于%s届满", s.day(until)),
			"the 30 days to ask have passed ("+until.In(s.Loc).Format("2006-01-02")+")")
	}
	return nil
}

// reviewable: replied to, and not declined or already reviewed.
func reviewable(c *casework.Case) bool {
	switch c.ClosedReason {
	case "", ClosedSatisfied, ClosedBasically, ClosedNoRating:
		return c.DataString("review_until") != ""
	}
	return false
}

// windowOpen: the 30-day window stored under key has not run out at now.
func windowOpen(c *casework.Case, key string, now time.Time) bool {
	until, err := time.Parse(time.RFC3339, c.DataString(key))
	return err == nil && !now.After(until)
}

// checkReviewWindow: a review (复查) is asked within 30 days of the written
// reply, of a petition that was replied to (not declined, not reviewed).
func (s *Service) checkReviewWindow(st *casework.Step) error {
	if !reviewable(st.Case) {
		return st.Refuse("state", "该事项不能申请复查", "this petition cannot be reviewed")
	}
	return s.window(st, "review_until")
}

func (s *Service) onReviewRequested(st *casework.Step) error {
	st.Case.SetData("review_requested_at", st.Now.Format(time.RFC3339))
	st.Event.Text = "申请复查：" + st.Input.Reason
	due := s.day(st.Case.StageDueAt)
	return s.tellDeciders(st, "decide_review", "review_requested",
		fmt.Sprintf("信访事项 %s 申请复查，请于%s前作出复查意见", st.Case.Number, due),
		fmt.Sprintf("信访事项 %s 已申请复查，由上级机关于%s前作出复查意见（供知悉）", st.Case.Number, due))
}

// tellDeciders queues the notice that the case waits for transition
// decide: to the staff who may take it, found by the transition's own scope
// rule — so a change of who decides changes who is told — and, for
// information, to the handling unit if it is not among them.
//
// ScopeHigher is met by staff of any unit above the handling one; the
// nearest is told (the 上一级 that 信访工作条例 has review and re-review
// decided by), in the type's office department: the petition office sees
// every petition whatever its department, and staff limited to no
// department see every notice of their unit. ScopeHandler and
// ScopeReceiver name the handling unit and the unit a transfer waits at.
// A case handled at the top of the tree has no unit above it: its own
// leaders decide, so the handling unit is told to act.
func (s *Service) tellDeciders(st *casework.Step, decide, kind, text, info string) error {
	tr, ok := st.Type.Transition(decide)
	if !ok {
		return fmt.Errorf("petition: no transition %q", decide)
	}
	c := st.Case
	told := map[int64]bool{}
	tell := func(unit int64, path string, dept int64, text string) {
		if unit == 0 || told[unit] {
			return
		}
		told[unit] = true
		st.Notify(casework.Notice{Kind: kind, Audience: casework.AudienceStaff, UnitID: unit, OrgPath: path, DepartmentID: dept, Text: text})
	}
	for _, sc := range tr.Scopes {
		switch sc {
		case casework.ScopeHigher:
			unit, path := parentUnit(c.OrgPath)
			if unit == 0 {
				// The top of the tree: its own leaders act for the level
				// above (casework's ScopeHigher), so the handling unit gets
				// the notice to act on, not the one for information.
				tell(c.OrgUnitID, c.OrgPath, c.DepartmentID, text)
				continue
			}
			office, err := s.officeDepartment(st)
			if err != nil {
				return err
			}
			tell(unit, path, office, text)
		case casework.ScopeHandler:
			tell(c.OrgUnitID, c.OrgPath, c.DepartmentID, text)
		case casework.ScopeReceiver:
			tell(c.PendingUnitID, c.PendingPath, c.PendingDepartmentID, text)
		}
	}
	tell(c.OrgUnitID, c.OrgPath, c.DepartmentID, info)
	return nil
}

// parentUnit is the unit directly above the unit at path ("/1/7/42/" → 7,
// "/1/7/"), or 0 for the top of the tree.
func parentUnit(path string) (int64, string) {
	ids := strings.Split(strings.Trim(path, "/"), "/")
	if len(ids) < 2 {
		return 0, ""
	}
	return atoi(ids[len(ids)-2]), "/" + strings.Join(ids[:len(ids)-1], "/") + "/"
}

// officeDepartment is the id of the type's office department (the petition
// office), or 0 if it was not created: then the notice is for the whole
// unit. Read in the step's transaction.
func (s *Service) officeDepartment(st *casework.Step) (int64, error) {
	if st.Type.OfficeDepartment == "" {
		return 0, nil
	}
	var id int64
	err := st.Tx.QueryRow(st.Ctx, `SELECT id FROM departments WHERE code = ?`, st.Type.OfficeDepartment).Scan(&id)
	if isNoRows(err) {
		return 0, nil
	}
	return id, err
}

func (s *Service) onReviewDecided(st *casework.Step) error {
	st.Close(ClosedReview)
	until, err := st.Deadline(reviewWindow)
	if err != nil {
		return err
	}
	st.Case.SetData("rereview_until", until.Format(time.RFC3339))
	st.Event.Text = "复查意见：" + st.Input.Text
	st.NotifyParty("review_decided", fmt.Sprintf("您的信访事项 %s 复查意见已出具。如不服，可于%s前申请复核。", st.Case.Number, s.day(until)))
	return nil
}

// checkRereviewWindow: re-review (复核) is asked within 30 days of the review decision.
func (s *Service) checkRereviewWindow(st *casework.Step) error {
	if st.Case.ClosedReason != ClosedReview {
		return st.Refuse("state", "只有复查后的事项可以申请复核", "only a reviewed petition can be re-reviewed")
	}
	return s.window(st, "rereview_until")
}

func (s *Service) onRereviewRequested(st *casework.Step) error {
	st.Event.Text = "申请复核：" + st.Input.Reason
	due := s.day(st.Case.StageDueAt)
	return s.tellDeciders(st, "decide_rereview", "review_requested",
		fmt.Sprintf("信访事项 %s 申请复核，请于%s前作出复核意见", st.Case.Number, due),
		fmt.Sprintf("信访事项 %s 已申请复核，由上级机关于%s前作出复核意见（供知悉）", st.Case.Number, due))
}

func (s *Service) onRereviewDecided(st *casework.Step) error {
	st.Close(ClosedRereview)
	st.Case.Flags |= casework.FlagFinal
	st.Event.Text = "复核意见（终结）：" + st.Input.Text
	st.NotifyParty("rereview_decided", fmt.Sprintf("您的信访事项 %s 复核意见已出具，该事项办理终结。", st.Case.Number))
	return nil
}
