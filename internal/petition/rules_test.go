package petition_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/petition"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Deadlines around the 2026 Spring Festival (rest 15–23 Feb; Sat 14 Feb
// and Sat 28 Feb are working days), counted as 信访工作条例 and the Civil
// Code say.
func TestDeadlinesAroundSpringFestival(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		cases := []struct {
			name             string
			y                int
			m                time.Month
			d                int
			response, accept string
		}{
			// The day before the festival, a make-up working Saturday: the
			// next working day is Tue 24 Feb; 15 days end on Sun 1 Mar, a rest
			// day, so on Mon 2 Mar.
			{"day before Spring Festival", 2026, 2, 14, "2026-02-24", "2026-03-02"},
			// Fri 13 Feb: next working day Sat 14 Feb (make-up); 15 days end
			// on Sat 28 Feb, a make-up working day, so they end that day.
			{"Friday before", 2026, 2, 13, "2026-02-14", "2026-02-28"},
			// Received during the holiday: next working day Tue 24 Feb;
			// 15 days from 18 Feb end on Thu 5 Mar.
			{"during the holiday", 2026, 2, 18, "2026-02-24", "2026-03-05"},
			// National Day: received Wed 30 Sep 2026; 15 days → Thu 15 Oct;
			// first contact on Thu 8 Oct (1–7 Oct rest).
			{"before National Day", 2026, 9, 30, "2026-10-08", "2026-10-15"},
		}
		for _, c := range cases {
			w.at(c.y, c.m, c.d, 16)
			pc := w.submit(t)
			if day(pc.ResponseDueAt) != c.response || day(pc.StageDueAt) != c.accept || !pc.DueAt.Equal(pc.ResponseDueAt) {
				t.Errorf("%s: response %s accept %s due %s; want %s %s", c.name, day(pc.ResponseDueAt), day(pc.StageDueAt),
					day(pc.DueAt), c.response, c.accept)
			}
		}
		// Accepted on Mon 2 Mar: 60 days end on Fri 1 May, Labour Day (1–5
		// May rest), so on Wed 6 May; extended by 30 days: 90 days from 2 Mar
		// end on Sun 31 May, so on Mon 1 Jun.
		w.at(2026, 2, 14, 16)
		pc := w.submit(t)
		w.at(2026, 3, 2, 9)
		pc = w.act(t, as(w.StaffA), pc.ID, "accept", casework.Input{})
		if day(pc.FinalDueAt) != "2026-05-06" || !pc.StageDueAt.IsZero() || pc.RespondedAt.IsZero() {
			t.Errorf("accepted: final %s stage %s responded %v", day(pc.FinalDueAt), day(pc.StageDueAt), pc.RespondedAt)
		}
		pc = w.act(t, as(w.StaffA), pc.ID, "extend", casework.Input{Days: 30, Reason: "需委托鉴定", Approver: "局长"})
		if day(pc.FinalDueAt) != "2026-06-01" || !pc.Flags.Has(casework.FlagExtended) {
			t.Errorf("extended: %s", day(pc.FinalDueAt))
		}
		// The reason of the extension is on the petitioner's timeline and in their notices.
		evs, _ := w.E.Timeline(casework.WithPartyProof(as(&auth.Principal{}), pc.ID), pc.ID)
		last := evs[len(evs)-1]
		if last.Kind != "extend" || !contains(last.Text, "需委托鉴定") {
			t.Errorf("public timeline: %+v", last)
		}
		var n int
		_ = w.DB.QueryRow(sysCtx(), `SELECT COUNT(*) FROM case_notifications WHERE case_id = ? AND audience = 'party' AND kind = 'extended'`, pc.ID).Scan(&n)
		if n != 1 {
			t.Errorf("party notices of the extension: %d", n)
		}
		// A year without holiday data is an error, not a guess.
		w.at(2027, 3, 1, 10)
		_, err := w.S.Submit(as(&auth.Principal{}), petition.Submission{Kind: petition.KindSuggestion, Category: "other",
			Title: "t", Body: "b", Name: "n", Phone: "13900000000", UnitID: w.A.ID})
		if err == nil || !contains(err.Error(), "2027") {
			t.Errorf("2027 without data: %v", err)
		}
	})
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// Who may take each petition transition, and what it needs.
func TestPetitionTransitionPermissionsAndFields(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		fieldErr, stateErr := "fields", "state"
		type row struct {
			action string
			as     *auth.Principal
			in     casework.Input
			want   any // nil ok; error value; "fields"; "state"
		}
		run := func(t *testing.T, id int64, rows []row) {
			t.Helper()
			for _, r := range rows {
				ctx := as(r.as)
				if r.as == nil {
					ctx = casework.WithPartyProof(as(&auth.Principal{}), id)
				}
				err := w.try(ctx, id, r.action, r.in)
				switch want := r.want.(type) {
				case nil:
					if err != nil {
						t.Fatalf("%s as %v: %v", r.action, who(r.as), err)
					}
				case string:
					var fe casework.FieldErrors
					var se *casework.StateError
					if (want == fieldErr && !errors.As(err, &fe)) || (want == stateErr && !errors.As(err, &se)) {
						t.Fatalf("%s as %v: got %v, want %s error", r.action, who(r.as), err, want)
					}
				case error:
					if !errors.Is(err, want) {
						t.Fatalf("%s as %v: got %v, want %v", r.action, who(r.as), err, want)
					}
				}
			}
		}
		pc := w.submit(t)
		var party *auth.Principal // nil: the visitor with the check code
		run(t, pc.ID, []row{
			{"accept", w.StaffB, casework.Input{}, db.ErrNotFound},
			{"accept", w.Citizen2, casework.Input{}, db.ErrNotFound},
			{"accept", party, casework.Input{}, casework.ErrForbidden},
			{"accept", w.Leader, casework.Input{}, casework.ErrForbidden},
			{"rate", w.StaffA, casework.Input{Rating: "satisfied", Method: "phone"}, stateErr},
			{"contact", w.StaffA, casework.Input{}, fieldErr},
			{"contact", w.StaffA, casework.Input{Text: "已电话联系信访人"}, nil},
			{"decline", w.StaffA, casework.Input{}, fieldErr},
			{"transfer", w.StaffA, casework.Input{UnitID: w.B.ID}, fieldErr},
			{"transfer", w.StaffA, casework.Input{Reason: "x"}, fieldErr},
			{"supervise", w.StaffA, casework.Input{Text: "x"}, casework.ErrForbidden}, // not higher than district A
			{"supervise", w.Leader, casework.Input{}, fieldErr},
			{"supervise", w.Leader, casework.Input{Text: "请加快办理"}, nil},
			{"assign", w.StaffA, casework.Input{}, fieldErr},
			{"assign", w.StaffA, casework.Input{UnitID: w.StreetA.ID}, nil},
			{"accept", w.StreetStaffA, casework.Input{}, nil},
			{"accept", w.StaffA, casework.Input{}, stateErr},
			{"reply", w.StreetStaffA, casework.Input{}, fieldErr},
			{"extend", w.StreetStaffA, casework.Input{Days: 10, Reason: "r"}, fieldErr},
			{"extend", w.StreetStaffA, casework.Input{Days: 40, Reason: "r", Approver: "a"}, fieldErr},
			{"reply", w.StreetStaffA, casework.Input{Text: "已督促物业清运，并建立每日清运台账"}, nil},
			{"rate", w.Citizen2, casework.Input{Rating: "satisfied"}, db.ErrNotFound},
			{"rate", party, casework.Input{}, fieldErr},
			{"rate", party, casework.Input{Rating: "great"}, fieldErr},
			{"rate", party, casework.Input{Rating: "unsatisfied"}, fieldErr},  // says why
			{"rate", w.StaffA, casework.Input{Rating: "satisfied"}, fieldErr}, // staff: phone follow-up only
			{"rate", w.StaffB, casework.Input{Rating: "satisfied", Method: "phone"}, db.ErrNotFound},
			{"decide_review", w.CityStaff, casework.Input{Text: "x"}, stateErr},
			{"rate", w.StaffA, casework.Input{Rating: "basically_satisfied", Method: "phone"}, nil},
			{"supervise", w.Leader, casework.Input{Text: "x"}, stateErr},
		})
		got, _ := w.E.Get(sysCtx(), pc.ID)
		if got.State != petition.StateClosed || got.ClosedReason != petition.ClosedBasically || got.Rating != "basically_satisfied" {
			t.Errorf("after phone follow-up: %s %s %s", got.State, got.ClosedReason, got.Rating)
		}

		// Transfers: the receiver accepts or objects; the sender cannot.
		pc2 := w.submit(t)
		run(t, pc2.ID, []row{
			{"transfer", w.StaffA, casework.Input{UnitID: w.B.ID, Reason: "属乙区"}, nil},
			{"accept_transfer", w.StaffA, casework.Input{}, casework.ErrForbidden},
			{"object_transfer", w.StaffB, casework.Input{}, fieldErr},
			{"accept_transfer", w.StaffB, casework.Input{}, nil},
			{"accept", w.StaffA, casework.Input{}, db.ErrNotFound},
			{"accept", w.StaffB, casework.Input{}, nil},
		})
		// Decline closes, with the reason told.
		pc3 := w.submit(t)
		run(t, pc3.ID, []row{{"decline", w.StaffA, casework.Input{Reason: "不属于信访受理范围，已告知通过诉讼途径解决"}, nil}})
		got, _ = w.E.Get(sysCtx(), pc3.ID)
		if got.State != petition.StateDeclined || got.ClosedAt.IsZero() {
			t.Errorf("declined: %+v", got.State)
		}
	})
}

func who(p *auth.Principal) string {
	if p == nil {
		return "party (check code)"
	}
	return p.Name
}

// A petition counts as closed only when finished and rated satisfied or
// basically satisfied, finished and not rated within the rating period, or
// after a completed review.
func TestClosureGating(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		staff := as(w.StaffA)
		handle := func() casework.Case {
			pc := w.submit(t)
			w.act(t, staff, pc.ID, "accept", casework.Input{})
			return w.act(t, staff, pc.ID, "reply", casework.Input{Text: "答复意见"})
		}
		party := func(c casework.Case) context.Context { return casework.WithPartyProof(as(&auth.Principal{}), c.ID) }

		// Replied is not closed.
		pc := handle()
		if pc.State != petition.StateReplied || !pc.ClosedAt.IsZero() || pc.RepliedAt.IsZero() {
			t.Fatalf("after reply: %s closed %v", pc.State, pc.ClosedAt)
		}
		// Satisfied closes.
		pc = w.act(t, party(pc), pc.ID, "rate", casework.Input{Rating: "satisfied"})
		if pc.State != petition.StateClosed || pc.ClosedReason != petition.ClosedSatisfied {
			t.Errorf("satisfied: %s %s", pc.State, pc.ClosedReason)
		}

		// Unsatisfied reopens once, with a new period; a second unsatisfied
		// leaves it open (replied, unsatisfied) and offers review.
		pc = handle()
		pc = w.act(t, party(pc), pc.ID, "rate", casework.Input{Rating: "unsatisfied", Text: "垃圾仍未清运"})
		if pc.State != petition.StateHandling || !pc.Flags.Has(casework.FlagReopened) || pc.Rating != "unsatisfied" {
			t.Fatalf("first unsatisfied: %s %v", pc.State, pc.FlagList)
		}
		if day(pc.FinalDueAt) != "2026-04-01" { // 30 days (default) from Mon 2 Mar
			t.Errorf("reopened period ends %s", day(pc.FinalDueAt))
		}
		pc = w.act(t, staff, pc.ID, "reply", casework.Input{Text: "已再次督促并复查"})
		if pc.Rating != "" {
			t.Errorf("rating not cleared by the new reply")
		}
		pc = w.act(t, party(pc), pc.ID, "rate", casework.Input{Rating: "unsatisfied", Text: "仍不满意"})
		if pc.State != petition.StateReplied || !pc.ClosedAt.IsZero() {
			t.Fatalf("second unsatisfied closed it: %s", pc.State)
		}
		if err := w.try(party(pc), pc.ID, "rate", casework.Input{Rating: "satisfied"}); err == nil {
			t.Error("rated again after unsatisfied")
		}
		unsatisfied := pc

		// Not rated: closes as "no rating" after the rating period (30 days),
		// by the sweeper; an unsatisfied one does not.
		unrated := handle()
		w.Now = w.Now.Add(29 * 24 * time.Hour)
		if res, err := w.E.Sweep(sysCtx()); err != nil || res.Timed != 0 {
			t.Fatalf("early sweep: %+v %v", res, err)
		}
		w.Now = w.Now.Add(2 * 24 * time.Hour)
		if res, err := w.E.Sweep(sysCtx()); err != nil || res.Timed != 1 {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		unrated, _ = w.E.Get(sysCtx(), unrated.ID)
		if unrated.State != petition.StateClosed || unrated.ClosedReason != petition.ClosedNoRating {
			t.Errorf("unrated: %s %s", unrated.State, unrated.ClosedReason)
		}
		pc, _ = w.E.Get(sysCtx(), unsatisfied.ID)
		if pc.State != petition.StateReplied {
			t.Errorf("unsatisfied closed by the timer: %s", pc.State)
		}
	})
}

// Review (复查) within 30 days of the reply, decided within 30; re-review
// (复核) within 30 days of the review; after it the same matter is not
// accepted again.
func TestReviewAndRereviewWindows(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		staff := as(w.StaffA)
		party := func(c casework.Case) context.Context { return casework.WithPartyProof(as(&auth.Principal{}), c.ID) }
		pc := w.submit(t)
		w.act(t, staff, pc.ID, "accept", casework.Input{})
		w.at(2026, 3, 10, 10)
		w.act(t, staff, pc.ID, "reply", casework.Input{Text: "答复"})
		// The window: 30 days from Tue 10 Mar end on Thu 9 Apr.
		w.at(2026, 4, 10, 9)
		err := w.try(party(pc), pc.ID, "request_review", casework.Input{Reason: "不服"})
		var se *casework.StateError
		if !errors.As(err, &se) || se.Code != "window_closed" {
			t.Fatalf("late review request: %v", err)
		}
		w.at(2026, 4, 9, 20)
		pc = w.act(t, party(pc), pc.ID, "request_review", casework.Input{Reason: "答复未解决实际问题"})
		// Decided within 30 days: Thu 9 Apr + 30 = Sat 9 May, a make-up working day.
		if pc.State != petition.StateReviewing || day(pc.StageDueAt) != "2026-05-09" {
			t.Fatalf("reviewing: %s due %s", pc.State, day(pc.StageDueAt))
		}
		if err := w.try(staff, pc.ID, "decide_review", casework.Input{Text: "x"}); !errors.Is(err, casework.ErrForbidden) {
			t.Errorf("the handling district decided its own review: %v", err)
		}
		w.at(2026, 5, 6, 10)
		pc = w.act(t, as(w.CityStaff), pc.ID, "decide_review", casework.Input{Text: "维持原答复意见"})
		if pc.State != petition.StateClosed || pc.ClosedReason != petition.ClosedReview {
			t.Fatalf("review decided: %s %s", pc.State, pc.ClosedReason)
		}
		if err := w.try(party(pc), pc.ID, "request_review", casework.Input{Reason: "again"}); err == nil {
			t.Error("a second review was accepted")
		}
		// Re-review window: 30 days from Wed 6 May end on Fri 5 Jun.
		w.at(2026, 6, 6, 10)
		if err := w.try(party(pc), pc.ID, "request_rereview", casework.Input{Reason: "不服复查"}); !errors.As(err, &se) {
			t.Fatalf("late re-review: %v", err)
		}
		w.at(2026, 6, 5, 10)
		pc = w.act(t, party(pc), pc.ID, "request_rereview", casework.Input{Reason: "不服复查意见"})
		if pc.State != petition.StateRereviewing || !pc.ClosedAt.IsZero() {
			t.Fatalf("re-review: %s", pc.State)
		}
		pc = w.act(t, as(w.Leader), pc.ID, "decide_rereview", casework.Input{Text: "维持复查意见，本事项办理终结"})
		if pc.State != petition.StateClosed || pc.ClosedReason != petition.ClosedRereview || !pc.Flags.Has(casework.FlagFinal) {
			t.Fatalf("re-review decided: %s %s %v", pc.State, pc.ClosedReason, pc.FlagList)
		}
		if err := w.try(party(pc), pc.ID, "request_rereview", casework.Input{Reason: "again"}); err == nil {
			t.Error("re-review after re-review")
		}
		// The same matter again, a year later: flagged and not accepted.
		w.at(2026, 11, 20, 10)
		again := w.submit(t)
		if !again.Flags.Has(casework.FlagFinalMatter) {
			t.Fatalf("new petition on the finally decided matter: %v", again.FlagList)
		}
		err = w.try(staff, again.ID, "accept", casework.Input{})
		if !errors.As(err, &se) || se.Code != "final_matter" {
			t.Fatalf("accepted a finally decided matter: %v", err)
		}
		w.act(t, staff, again.ID, "decline", casework.Input{Reason: "该事项已复核终结"})
	})
}

func TestRepeatDetection(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		lat, lng := 30.2500, 120.1700
		first := w.submit(t, func(s *petition.Submission) { s.Lat, s.Lng = &lat, &lng })
		if first.Flags.Has(casework.FlagRepeat) {
			t.Fatal("the first is a repeat")
		}
		near, far := 30.2520, 120.1700 // ~220 m north; then ~11 km
		farLat := 30.35
		w.Now = w.Now.Add(10 * 24 * time.Hour)
		cases := []struct {
			name   string
			mut    func(*petition.Submission)
			repeat bool
		}{
			{"same phone, category, nearby", func(s *petition.Submission) { s.Lat, s.Lng = &near, &lng }, true},
			{"another category", func(s *petition.Submission) { s.Category, s.Subcategory = "parking", "" }, false},
			{"far away", func(s *petition.Submission) { s.Lat, s.Lng = &farLat, &lng }, false},
			{"another phone", func(s *petition.Submission) { s.Phone = "13700000000" }, false},
			{"same phone, no location", func(s *petition.Submission) {}, true},
			{"same compound", func(s *petition.Submission) { s.CompoundID = w.CompoundA.ID; s.UnitID = 0 }, true},
		}
		_ = far
		for _, c := range cases {
			pc := w.submit(t, c.mut)
			if pc.Flags.Has(casework.FlagRepeat) != c.repeat {
				t.Errorf("%s: repeat %v", c.name, pc.Flags.Has(casework.FlagRepeat))
			}
			if c.repeat && pc.RelatedID == 0 {
				t.Errorf("%s: not linked", c.name)
			}
		}
		// A logged-in citizen is matched by account too, and outside the
		// period nothing is a repeat.
		sub := petition.Submission{Kind: petition.KindComplaint, Category: "parking", Title: "t", Body: "b", UnitID: w.A.ID}
		a, err := w.S.Submit(as(w.Citizen), sub)
		if err != nil || a.PartyPhone != "13800000001" || a.PartyUserID != w.Citizen.UserID {
			t.Fatalf("citizen: %v %+v", err, a)
		}
		b, _ := w.S.Submit(as(w.Citizen), sub)
		if !b.Flags.Has(casework.FlagRepeat) || b.RelatedID != a.ID {
			t.Errorf("citizen's second: %v", b.FlagList)
		}
		w.Now = w.Now.Add(91 * 24 * time.Hour)
		c, _ := w.S.Submit(as(w.Citizen), sub)
		if c.Flags.Has(casework.FlagRepeat) {
			t.Error("a repeat after the period")
		}
	})
}

func TestIntakeRules(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		base := petition.Submission{Kind: petition.KindAppeal, Category: "real_estate", Subcategory: "delivery_delay",
			Title: "逾期交房", Body: "开发商逾期一年未交房", Name: "李四", Phone: "13911112222", UnitID: w.A.ID}
		visitor := as(&auth.Principal{})
		bad := func(name string, ctx context.Context, mut func(*petition.Submission), field string) {
			t.Helper()
			s := base
			mut(&s)
			_, err := w.S.Submit(ctx, s)
			var fe casework.FieldErrors
			if !errors.As(err, &fe) {
				t.Errorf("%s: %v", name, err)
				return
			}
			for _, f := range fe {
				if f.Field == field {
					return
				}
			}
			t.Errorf("%s: errors %v, want one on %s", name, fe, field)
		}
		bad("anonymous appeal", visitor, func(s *petition.Submission) { s.Anonymous = true }, "anonymous")
		bad("named without name", visitor, func(s *petition.Submission) { s.Name = "" }, "name")
		bad("named without phone", visitor, func(s *petition.Submission) { s.Phone = "" }, "phone")
		bad("bad phone", visitor, func(s *petition.Submission) { s.Phone = "12" }, "phone")
		bad("bad category", visitor, func(s *petition.Submission) { s.Category = "x" }, "category")
		bad("sub of another category", visitor, func(s *petition.Submission) { s.Subcategory = "leak" }, "subcategory")
		bad("no district", visitor, func(s *petition.Submission) { s.UnitID = 0 }, "unit_id")
		bad("a street is not a district", visitor, func(s *petition.Submission) { s.UnitID = w.StreetA.ID }, "unit_id")
		bad("compound outside the district", visitor, func(s *petition.Submission) { s.CompoundID = w.CompoundB.ID }, "compound_id")
		bad("only lat", visitor, func(s *petition.Submission) { x := 30.0; s.Lat = &x }, "lat")
		bad("staff outside jurisdiction", as(w.StaffA), func(s *petition.Submission) { s.Channel = "letter"; s.UnitID = w.B.ID }, "unit_id")
		bad("a visitor dates a letter", visitor, func(s *petition.Submission) { tm := w.Now.Add(-48 * time.Hour); s.ReceivedAt = &tm }, "received_at")

		// Anonymous complaints are fine; without a phone they get a random code.
		s := base
		s.Kind, s.Anonymous, s.Name, s.Phone = petition.KindComplaint, true, "王五", ""
		pc, err := w.S.Submit(visitor, s)
		if err != nil || pc.PartyName != "" || !pc.Flags.Has(casework.FlagAnonymous) || len(pc.CheckCode) != 6 {
			t.Fatalf("anonymous: %v %q %v %q", err, pc.PartyName, pc.FlagList, pc.CheckCode)
		}
		// The compound alone places it in its district.
		s = base
		s.UnitID, s.CompoundID = 0, w.CompoundB.ID
		pc, err = w.S.Submit(visitor, s)
		if err != nil || pc.OrgUnitID != w.B.ID {
			t.Fatalf("placed by compound: %v %d", err, pc.OrgUnitID)
		}
		// Channels: the public uses the web form; staff enter calls and letters.
		s = base
		s.Channel = "letter"
		if _, err := w.S.Submit(visitor, s); !errors.Is(err, petition.ErrNotAllowed) {
			t.Errorf("visitor entered a letter: %v", err)
		}
		s.Channel = "web"
		if _, err := w.S.Submit(as(w.StaffA), s); !errors.Is(err, petition.ErrNotAllowed) {
			t.Errorf("staff used the public form: %v", err)
		}
		s.Channel = "letter"
		rec := time.Date(2026, 2, 27, 9, 0, 0, 0, shanghai)
		s.ReceivedAt = &rec
		s.UnitID = w.StreetA.ID
		pc, err = w.S.Submit(as(w.StaffA), s)
		if err != nil || pc.Channel != "letter" || day(pc.StageDueAt) != "2026-03-16" || pc.OrgUnitID != w.StreetA.ID {
			t.Fatalf("letter: %v %s %s", err, pc.Channel, day(pc.StageDueAt))
		}
		// The hotline is idempotent on its ticket number.
		hot := auth.WithPrincipal(context.Background(), &auth.Principal{TokenID: 7, Role: auth.Machine,
			Permissions: []string{string(auth.ActPushData)}, OrgPath: w.City.Path})
		s = base
		s.Channel, s.ExternalRef = "hotline", "12345-2026-000001"
		first, err := w.S.Submit(hot, s)
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.S.Submit(hot, s)
		var dup *casework.DuplicateError
		if !errors.As(err, &dup) || dup.Existing.ID != first.ID {
			t.Errorf("repeated push: %v", err)
		}
	})
}

func TestTrackingNeedsTheCheckCode(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		pc := w.submit(t)
		visitor := as(&auth.Principal{IP: "9.9.9.9"})
		if _, _, err := w.S.Track(visitor, pc.Number, "0000"); !errors.Is(err, petition.ErrTrack) {
			t.Fatalf("wrong code: %v", err)
		}
		got, ctx, err := w.S.Track(visitor, " "+pc.Number[:6]+"-"+pc.Number[6:]+" ", "5678")
		if err != nil || got.ID != pc.ID {
			t.Fatalf("right code: %v", err)
		}
		pub, err := w.S.Public(ctx, got, func(s string) string { return s })
		if err != nil || len(pub.Timeline) != 1 || pub.Handler != "甲区" || day(pub.Deadline) != "2026-03-17" {
			t.Fatalf("public view %+v %v", pub, err)
		}
		if _, _, err := w.S.Track(visitor, "XF000", "5678"); !errors.Is(err, petition.ErrTrack) {
			t.Errorf("unknown number: %v", err)
		}
		// Five wrong codes pause tracking for that number, even with the right one.
		for range 5 {
			_, _, _ = w.S.Track(visitor, pc.Number, "1111")
		}
		var locked *petition.TrackLockedError
		if _, _, err := w.S.Track(visitor, pc.Number, "5678"); !errors.As(err, &locked) {
			t.Fatalf("after five wrong codes: %v", err)
		}
		w.Now = w.Now.Add(16 * time.Minute)
		if _, _, err := w.S.Track(visitor, pc.Number, "5678"); err != nil {
			t.Fatalf("after the pause: %v", err)
		}
		// The citizen who filed it needs no code; another citizen gets nothing.
		mine, err := w.S.Submit(as(w.Citizen), petition.Submission{Kind: petition.KindSuggestion, Category: "other",
			Title: "建议", Body: "增加公示栏", UnitID: w.A.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.S.Track(as(w.Citizen), mine.Number, ""); err != nil {
			t.Errorf("own case: %v", err)
		}
		if _, _, err := w.S.Track(as(w.Citizen2), mine.Number, ""); !errors.Is(err, petition.ErrTrack) {
			t.Errorf("another's case: %v", err)
		}
	})
}
