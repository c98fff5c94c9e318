package petition_test

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/petition"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

func local(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, shanghai) }

// statsData writes the hand-built petitions of the statistics tests into
// w's city, with the clock at 15 July 2026 (the last complete month is
// June). Their figures are worked out by hand in the comments.
//
// KPI petitions (2026):
//
//	J1 PM  A        recv 01-05  acc 01-08 (due 01-20: in time)  final 01-08+60 → 03-09, replied 02-20 (on time)  satisfied
//	J2 PM  street A recv 01-06  acc 01-22 (due 01-21: LATE)     final 01-22+60 → 03-23, replied 03-24 (LATE)     basically satisfied
//	J3 RE  A        recv 01-07  not accepted                                                                       repeat
//	J4 RE  B        recv 01-08  acc 01-09 (in time)             final 01-09+60 → 03-10, replied 01-30 (on time)  unsatisfied
//	F1 PM  A        recv 02-05  acc 02-24 15:00: in time — 02-20 is the Spring Festival, the deadline moves to 02-24
//	                            final 02-24+90 (extended) → 05-25, replied 05-25 20:00 (on time, the same day)  not rated
//	F2 PM  A        recv 02-05  acc 02-25 (LATE)                final 02-25+60, replied 03-10 (on time)          satisfied, repeat
//	F3 RE  A        recv 02-10  not accepted
//
// Counted only (received): parking, 1 a month Jan–Jun 2026 in A; 2 a month
// Jan–Jun 2025 and 1 a month Jul–Dec 2025; 2 a month Jul–Dec 2024 (none in
// Jan–Jun 2024). Other: Mar 2026 3 in B, 1 in street B, 1 at the city;
// Apr 2026 2 in B; May 2026 2 in A; Jun 2026 1 in A; Jul 2026 1 in A;
// Jan 2025 1 in A; Mar 2025 2 in B; Apr 2025 3 in B; May 2025 2 in A; Jun 2025 1 in A.
func statsData(t *testing.T, w *world) {
	t.Helper()
	w.at(2026, 7, 15, 10)
	day := func(y int, m time.Month, d int) string { return local(y, m, d, 0).Format("2006-01-02") }
	rows := []statRow{
		{unit: w.A, category: "property_management", received: local(2026, 1, 5, 10), accepted: local(2026, 1, 8, 10),
			finalFrom: day(2026, 1, 8), finalDays: 60, replied: local(2026, 2, 20, 10), rating: petition.RatingSatisfied},
		{unit: w.StreetA, category: "property_management", received: local(2026, 1, 6, 10), accepted: local(2026, 1, 22, 10),
			finalFrom: day(2026, 1, 22), finalDays: 60, replied: local(2026, 3, 24, 10), rating: petition.RatingBasically},
		{unit: w.A, category: "real_estate", received: local(2026, 1, 7, 10), repeat: true},
		{unit: w.B, category: "real_estate", received: local(2026, 1, 8, 10), accepted: local(2026, 1, 9, 10),
			finalFrom: day(2026, 1, 9), finalDays: 60, replied: local(2026, 1, 30, 10), rating: petition.RatingUnsatisfied},
		{unit: w.A, category: "property_management", received: local(2026, 2, 5, 9), accepted: local(2026, 2, 24, 15),
			finalFrom: day(2026, 2, 24), finalDays: 90, replied: local(2026, 5, 25, 20)},
		{unit: w.A, category: "property_management", received: local(2026, 2, 5, 9), accepted: local(2026, 2, 25, 9),
			finalFrom: day(2026, 2, 25), finalDays: 60, replied: local(2026, 3, 10, 10), rating: petition.RatingSatisfied, repeat: true},
		{unit: w.A, category: "real_estate", received: local(2026, 2, 10, 10)},
	}
	count := func(u org.Unit, cat string, y int, m time.Month, n int) {
		for i := range n {
			rows = append(rows, statRow{unit: u, category: cat, received: local(y, m, 3+i, 11)})
		}
	}
	for m := time.January; m <= time.June; m++ {
		count(w.StreetA, "parking", 2026, m, 1)
		count(w.A, "parking", 2025, m, 2)
		count(w.A, "parking", 2025, m+6, 1)
		count(w.A, "parking", 2024, m+6, 2)
	}
	count(w.B, "other", 2026, 3, 3)
	count(w.StreetB, "other", 2026, 3, 1)
	count(w.City, "other", 2026, 3, 1)
	count(w.B, "other", 2026, 4, 2)
	count(w.A, "other", 2026, 5, 2)
	count(w.A, "other", 2026, 6, 1)
	count(w.A, "other", 2026, 7, 1)
	count(w.A, "other", 2025, 1, 1)
	count(w.B, "other", 2025, 3, 2)
	count(w.B, "other", 2025, 4, 3)
	count(w.A, "other", 2025, 5, 2)
	count(w.A, "other", 2025, 6, 1)
	insertStatRows(t, w.DB, rows)
}

func rate(v float64) *float64 { return &v }

func wantFigures(t *testing.T, what string, got petition.Figures, want petition.Figures) {
	t.Helper()
	if got.Received != want.Received || got.Accepted != want.Accepted || got.AcceptedTimely != want.AcceptedTimely ||
		got.Replied != want.Replied || got.RepliedOnTime != want.RepliedOnTime || got.Rated != want.Rated ||
		got.Satisfied != want.Satisfied || got.Repeat != want.Repeat ||
		fmtRate(got.TimelyRate) != fmtRate(want.TimelyRate) || fmtRate(got.OnTimeRate) != fmtRate(want.OnTimeRate) ||
		fmtRate(got.Satisfaction) != fmtRate(want.Satisfaction) || fmtRate(got.Participation) != fmtRate(want.Participation) {
		t.Errorf("%s:\n got %s\nwant %s", what, figuresText(got), figuresText(want))
	}
}

func fmtRate(p *float64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatFloat(*p, 'f', 1, 64)
}

func figuresText(f petition.Figures) string {
	return fmt.Sprintf("received %d, accepted %d (in time %d: %s), replied %d (on time %d: %s), rated %d (%s), satisfied %d (%s), repeat %d",
		f.Received, f.Accepted, f.AcceptedTimely, fmtRate(f.TimelyRate), f.Replied, f.RepliedOnTime, fmtRate(f.OnTimeRate),
		f.Rated, fmtRate(f.Participation), f.Satisfied, fmtRate(f.Satisfaction), f.Repeat)
}

func TestStatsFigures(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		statsData(t, w)
		st, err := w.S.Stats(as(w.CityStaff), petition.StatsFilter{Year: 2026}, web.ZH)
		if err != nil {
			t.Fatal(err)
		}
		if st.AsOf != "2026-06" || st.CompleteMonths != 6 {
			t.Errorf("as of %s, %d complete months", st.AsOf, st.CompleteMonths)
		}
		wantFigures(t, "2026", st.Total, petition.Figures{Received: 24, Accepted: 5, AcceptedTimely: 3, Replied: 5,
			RepliedOnTime: 4, Rated: 4, Satisfied: 3, Repeat: 2,
			TimelyRate: rate(60), OnTimeRate: rate(80), Satisfaction: rate(75), Participation: rate(80)})
		wantFigures(t, "January", st.Months[0].Figures, petition.Figures{Received: 5, Accepted: 3, AcceptedTimely: 2, Replied: 3,
			RepliedOnTime: 2, Rated: 3, Satisfied: 2, Repeat: 1,
			TimelyRate: rate(66.7), OnTimeRate: rate(66.7), Satisfaction: rate(66.7), Participation: rate(100)})
		wantFigures(t, "February", st.Months[1].Figures, petition.Figures{Received: 4, Accepted: 2, AcceptedTimely: 1, Replied: 2,
			RepliedOnTime: 2, Rated: 1, Satisfied: 1, Repeat: 1,
			TimelyRate: rate(50), OnTimeRate: rate(100), Satisfaction: rate(100), Participation: rate(50)})
		wantFigures(t, "March", st.Months[2].Figures, petition.Figures{Received: 6})
		wantFigures(t, "December", st.Months[11].Figures, petition.Figures{})

		// Categories, in the catalogue's order, all of them.
		if len(st.Categories) != len(petition.Categories) || st.Categories[0].Code != "real_estate" || st.Categories[0].Name != "房地产开发管理" {
			t.Fatalf("categories: %+v", st.Categories)
		}
		byCat := map[string]petition.Figures{}
		for _, c := range st.Categories {
			byCat[c.Code] = c.Figures
		}
		wantFigures(t, "property management", byCat["property_management"], petition.Figures{Received: 4, Accepted: 4,
			AcceptedTimely: 2, Replied: 4, RepliedOnTime: 3, Rated: 3, Satisfied: 3, Repeat: 1,
			TimelyRate: rate(50), OnTimeRate: rate(75), Satisfaction: rate(100), Participation: rate(75)})
		wantFigures(t, "real estate", byCat["real_estate"], petition.Figures{Received: 3, Accepted: 1, AcceptedTimely: 1,
			Replied: 1, RepliedOnTime: 1, Rated: 1, Repeat: 1,
			TimelyRate: rate(100), OnTimeRate: rate(100), Satisfaction: rate(0), Participation: rate(100)})
		wantFigures(t, "parking", byCat["parking"], petition.Figures{Received: 6})

		// Districts: the city's own level first, then A and B.
		if len(st.Districts) != 3 {
			t.Fatalf("districts: %+v", st.Districts)
		}
		if d := st.Districts[0]; d.UnitID != 0 || d.Name != "市本级" || d.Received != 1 {
			t.Errorf("city level: %+v", d)
		}
		if d := st.Districts[1]; d.UnitID != w.A.ID || d.Name != "甲区" || d.Received != 16 || d.Accepted != 4 {
			t.Errorf("A: %+v", d)
		}
		if d := st.Districts[2]; d.UnitID != w.B.ID || d.Name != "乙区" || d.Received != 7 || d.Rated != 1 || d.Satisfied != 0 {
			t.Errorf("B: %+v", d)
		}

		// Year over year by month: April 3 against 5.
		if m := st.Months[3]; m.LastYear != 5 || m.Received != 3 || m.Change == nil || *m.Change != -40 || !m.Decline || !m.Complete {
			t.Errorf("April: %+v", m)
		}
		if m := st.Months[6]; m.Complete || m.Decline || m.Received != 1 || m.LastYear != 1 {
			t.Errorf("July (not over): %+v", m)
		}
		// … and by category: parking halved in the six complete months.
		var parking, total petition.YoYRow
		for _, r := range st.YoY {
			switch r.Code {
			case "parking":
				parking = r
			case "":
				total = r
			}
		}
		if parking.Months[0].Received != 1 || parking.Months[0].LastYear != 2 || *parking.Months[0].Change != -50 ||
			parking.Total.Received != 6 || parking.Total.LastYear != 12 || *parking.Total.Change != -50 {
			t.Errorf("parking YoY: %+v", parking)
		}
		if total.Name != "合计" || total.Total.Received != 23 || total.Total.LastYear != 21 || total.Months[6].Received != 1 {
			t.Errorf("total YoY: %+v", total)
		}

		// The run of decline: April, May, June (March had more than a year before).
		if st.DeclineMonths != 3 || st.DeclineFrom != "2026-04" {
			t.Errorf("decline: %d months from %s, want 3 from 2026-04", st.DeclineMonths, st.DeclineFrom)
		}
	})
}

// The run of decline crosses into earlier years and stops at a month that
// had none a year before; a past year counts back from its December.
func TestStatsDeclineRun(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		statsData(t, w)
		for _, c := range []struct {
			f    petition.StatsFilter
			n    int
			from string
		}{
			// Jun 2026 … Jul 2025: 12 months; Jun 2025 (2) against Jun 2024 (none) ends it.
			{petition.StatsFilter{Year: 2026, Category: "parking"}, 12, "2025-07"},
			// Dec … Jul 2025 (parking 1 against 2); June 2025 (3) against none.
			{petition.StatsFilter{Year: 2025}, 6, "2025-07"},
			// Real estate: June 2026 had none, and none the year before: no run.
			{petition.StatsFilter{Year: 2026, Category: "real_estate"}, 0, ""},
			// District B: Jun 2026 none, Jun 2025 none.
			{petition.StatsFilter{Year: 2026, DistrictID: w.B.ID}, 0, ""},
		} {
			st, err := w.S.Stats(as(w.CityStaff), c.f, web.EN)
			if err != nil {
				t.Fatal(err)
			}
			if st.DeclineMonths != c.n || st.DeclineFrom != c.from {
				t.Errorf("%+v: %d months from %q, want %d from %q", c.f, st.DeclineMonths, st.DeclineFrom, c.n, c.from)
			}
		}
		st, _ := w.S.Stats(as(w.CityStaff), petition.StatsFilter{Year: 2025}, web.EN)
		if st.AsOf != "2025-12" || st.CompleteMonths != 12 || st.Total.Received != 27 {
			t.Errorf("2025: as of %s, %d months, %d received", st.AsOf, st.CompleteMonths, st.Total.Received)
		}
	})
}

// A district sees its own petitions only; the city may pick a district;
// a district outside the jurisdiction is not found; bad filters are
// field errors.
func TestStatsScope(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		statsData(t, w)
		own := petition.Figures{Received: 16, Accepted: 4, AcceptedTimely: 2, Replied: 4, RepliedOnTime: 3, Rated: 3,
			Satisfied: 3, Repeat: 2, TimelyRate: rate(50), OnTimeRate: rate(75), Satisfaction: rate(100), Participation: rate(75)}
		st, err := w.S.Stats(as(w.StaffA), petition.StatsFilter{Year: 2026}, web.ZH)
		if err != nil {
			t.Fatal(err)
		}
		wantFigures(t, "district A's own view", st.Total, own)
		if len(st.Districts) != 1 || st.Districts[0].Name != "甲区" {
			t.Errorf("district A sees districts %+v", st.Districts)
		}
		// Last year's side is scoped too: April 2025 had 2 in A (parking) and 3 in B.
		if st.Months[3].LastYear != 2 {
			t.Errorf("district A sees %d of April 2025", st.Months[3].LastYear)
		}
		// The city picking district A sees the same.
		st, err = w.S.Stats(as(w.CityStaff), petition.StatsFilter{Year: 2026, DistrictID: w.A.ID}, web.ZH)
		if err != nil {
			t.Fatal(err)
		}
		wantFigures(t, "the city's view of A", st.Total, own)
		if st.District != "甲区" || st.DistrictID != w.A.ID {
			t.Errorf("district named %q %d", st.District, st.DistrictID)
		}
		// A street sees its street.
		st, err = w.S.Stats(as(w.StreetStaffA), petition.StatsFilter{Year: 2026}, web.ZH)
		if err != nil {
			t.Fatal(err)
		}
		if st.Total.Received != 7 || st.Total.Accepted != 1 || len(st.Districts) != 1 || st.Districts[0].Name != "甲区" {
			t.Errorf("street A: %+v %+v", st.Total, st.Districts)
		}
		// District A asking for B, or a street: not found / not a district.
		if _, err := w.S.Stats(as(w.StaffA), petition.StatsFilter{Year: 2026, DistrictID: w.B.ID}, web.ZH); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("A asking for B: %v", err)
		}
		var fe *casework.FieldError
		for _, f := range []petition.StatsFilter{{Year: 2026, DistrictID: w.StreetA.ID}, {Year: 1999}, {Year: 2027},
			{Year: 2026, Category: "nope"}} {
			if _, err := w.S.Stats(as(w.CityStaff), f, web.ZH); !errors.As(err, &fe) {
				t.Errorf("%+v: %v, want a field error", f, err)
			}
		}
	})
}

// Through the engine's own commands: the columns the figures read are
// the ones the engine writes — acceptance, reply, rating, and a reopening
// after an unsatisfied rating (the reply that stands counts, against the
// reopened period).
func TestStatsFollowTheEngine(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		stats := func() petition.Figures {
			t.Helper()
			st, err := w.S.Stats(as(w.CityStaff), petition.StatsFilter{Year: 2026}, web.ZH)
			if err != nil {
				t.Fatal(err)
			}
			return st.Total
		}
		w.at(2026, 3, 2, 10)
		a := w.submit(t)
		b := w.submit(t, func(s *petition.Submission) {
			s.Phone = "13900000002"
			s.Category = "parking"
			s.Subcategory = "shortage"
		})
		w.at(2026, 3, 4, 10)
		w.act(t, as(w.StaffA), a.ID, "accept", casework.Input{})
		w.at(2026, 3, 25, 10) // b: due 17 March
		w.act(t, as(w.StaffA), b.ID, "accept", casework.Input{})
		w.at(2026, 3, 30, 10)
		w.act(t, as(w.StaffA), a.ID, "reply", casework.Input{Text: "已督促物业整改"})
		w.act(t, as(w.StaffA), b.ID, "reply", casework.Input{Text: "已协调车位"})
		wantFigures(t, "replied", stats(), petition.Figures{Received: 2, Accepted: 2, AcceptedTimely: 1, Replied: 2, RepliedOnTime: 2,
			TimelyRate: rate(50), OnTimeRate: rate(100), Participation: rate(0)})
		w.at(2026, 4, 1, 10)
		w.act(t, as(w.StaffA), a.ID, "rate", casework.Input{Rating: petition.RatingSatisfied, Method: "phone"})
		w.act(t, as(w.StaffA), b.ID, "rate", casework.Input{Rating: petition.RatingUnsatisfied, Method: "phone", Text: "车位仍不够"})
		// b is reopened: its reply no longer stands.
		wantFigures(t, "one reopened", stats(), petition.Figures{Received: 2, Accepted: 2, AcceptedTimely: 1, Replied: 1, RepliedOnTime: 1,
			Rated: 1, Satisfied: 1, TimelyRate: rate(50), OnTimeRate: rate(100), Satisfaction: rate(100), Participation: rate(100)})
		// The second reply comes after the 30 days of the reopened period (due 1 May → 6 May after the May Day holiday).
		w.at(2026, 5, 7, 10)
		w.act(t, as(w.StaffA), b.ID, "reply", casework.Input{Text: "已增设临时车位"})
		w.act(t, as(w.StaffA), b.ID, "rate", casework.Input{Rating: petition.RatingBasically, Method: "phone"})
		wantFigures(t, "replied again", stats(), petition.Figures{Received: 2, Accepted: 2, AcceptedTimely: 1, Replied: 2, RepliedOnTime: 1,
			Rated: 2, Satisfied: 2, TimelyRate: rate(50), OnTimeRate: rate(50), Satisfaction: rate(100), Participation: rate(100)})
	})
}
