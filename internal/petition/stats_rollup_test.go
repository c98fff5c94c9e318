package petition_test

import (
	"context"
	"encoding/json"
	"testing"

	"anju/internal/casework"
	"anju/internal/petition"
	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

// rollupStamp reads the roll-up's setting ("" when none).
func rollupStamp(t *testing.T, w *world) string {
	t.Helper()
	var v string
	_ = w.DB.QueryRow(context.Background(), `SELECT value FROM settings WHERE key = 'petition.stats_rollup'`).Scan(&v)
	return v
}

// statsBothWays computes the statistics of year y for p from the roll-up
// (which must be current) and from the cases (the roll-up's stamp set
// aside meanwhile), fails the test if they differ anywhere, and returns
// them.
func statsBothWays(t *testing.T, w *world, p *auth.Principal, f petition.StatsFilter) petition.Stats {
	t.Helper()
	stamp := rollupStamp(t, w)
	if stamp == "" {
		t.Fatal("the roll-up was never built")
	}
	rolled, err := w.S.Stats(as(p), f, web.ZH)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB.Exec(context.Background(), `UPDATE settings SET value = 'stale' WHERE key = 'petition.stats_rollup'`); err != nil {
		t.Fatal(err)
	}
	direct, err := w.S.Stats(as(p), f, web.ZH)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB.Exec(context.Background(), `UPDATE settings SET value = ? WHERE key = 'petition.stats_rollup'`, stamp); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(rolled)
	b, _ := json.Marshal(direct)
	if string(a) != string(b) {
		t.Fatalf("%+v: the roll-up and the cases disagree\nroll-up %s\ncases   %s", f, a, b)
	}
	return rolled
}

// The roll-up rebuilt from hand-built rows gives the figures worked out by
// hand (TestStatsFigures), for the city, a district and a category, and
// last year's side of the comparisons.
func TestStatsRollupRebuild(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		statsData(t, w)
		if err := w.S.Rebuild(context.Background()); err != nil {
			t.Fatal(err)
		}
		st := statsBothWays(t, w, w.CityStaff, petition.StatsFilter{Year: 2026})
		wantFigures(t, "2026", st.Total, petition.Figures{Received: 24, Accepted: 5, AcceptedTimely: 3, Replied: 5,
			RepliedOnTime: 4, Rated: 4, Satisfied: 3, Repeat: 2,
			TimelyRate: rate(60), OnTimeRate: rate(80), Satisfaction: rate(75), Participation: rate(80)})
		statsBothWays(t, w, w.CityStaff, petition.StatsFilter{Year: 2025})
		statsBothWays(t, w, w.CityStaff, petition.StatsFilter{Year: 2026, DistrictID: w.A.ID})
		statsBothWays(t, w, w.CityStaff, petition.StatsFilter{Year: 2026, Category: "property_management"})
		statsBothWays(t, w, w.StaffB, petition.StatsFilter{Year: 2026})
		// A second rebuild with the same calendar does nothing.
		var cells int
		if err := w.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM petition_stat_cells`).Scan(&cells); err != nil || cells == 0 {
			t.Fatalf("%d cells, %v", cells, err)
		}
	})
}

// Every engine write keeps the roll-up exact: intake, acceptance late and
// in time, transfer, extension, reply, ratings that reopen, a repeat; the
// figures agree with the cases before and after the deltas are folded.
func TestStatsRollupFollowsTheEngine(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		if err := w.S.Rebuild(ctx); err != nil { // an empty roll-up, current
			t.Fatal(err)
		}
		check := func(what string) {
			t.Helper()
			for _, p := range []*auth.Principal{w.CityStaff, w.StaffA, w.StaffB} {
				statsBothWays(t, w, p, petition.StatsFilter{Year: 2026})
			}
			statsBothWays(t, w, w.CityStaff, petition.StatsFilter{Year: 2026, DistrictID: w.B.ID})
			statsBothWays(t, w, w.CityStaff, petition.StatsFilter{Year: 2026, Category: "parking"})
		}
		w.at(2026, 3, 2, 10)
		a := w.submit(t)
		b := w.submit(t, func(s *petition.Submission) {
			s.Phone = "13900000002"
			s.Category, s.Subcategory = "parking", "shortage"
		})
		c := w.submit(t, func(s *petition.Submission) { s.Phone = "13900000003" })
		again := w.submit(t) // the same petitioner and matter: a repeat
		if again.Flags&casework.FlagRepeat == 0 {
			t.Fatalf("not flagged a repeat: %v", again.FlagList)
		}
		check("filed")
		w.at(2026, 3, 4, 10)
		w.act(t, as(w.StaffA), a.ID, "accept", casework.Input{})
		w.act(t, as(w.StaffA), c.ID, "transfer", casework.Input{UnitID: w.B.ID, Reason: "属乙区"})
		w.act(t, as(w.StaffB), c.ID, "accept_transfer", casework.Input{})
		check("accepted and transferred")
		var pending int
		if err := w.DB.QueryRow(ctx, `SELECT COUNT(*) FROM petition_stat_deltas`).Scan(&pending); err != nil || pending == 0 {
			t.Fatalf("%d deltas pending, %v", pending, err)
		}
		if n, err := w.S.Fold(ctx); err != nil || n != pending {
			t.Fatalf("folded %d of %d: %v", n, pending, err)
		}
		check("folded")
		w.at(2026, 3, 25, 10) // b: accepted late
		w.act(t, as(w.StaffA), b.ID, "accept", casework.Input{})
		w.act(t, as(w.StaffB), c.ID, "accept", casework.Input{})
		w.act(t, as(w.StaffA), a.ID, "extend", casework.Input{Days: 30, Reason: "需委托鉴定", Approver: "局长"})
		w.at(2026, 3, 30, 10)
		w.act(t, as(w.StaffA), a.ID, "reply", casework.Input{Text: "已督促物业整改"})
		w.act(t, as(w.StaffA), b.ID, "reply", casework.Input{Text: "已协调车位"})
		w.act(t, as(w.StaffB), c.ID, "reply", casework.Input{Text: "已处理"})
		check("replied")
		w.at(2026, 4, 1, 10)
		w.act(t, as(w.StaffA), a.ID, "rate", casework.Input{Rating: petition.RatingSatisfied, Method: "phone"})
		w.act(t, as(w.StaffA), b.ID, "rate", casework.Input{Rating: petition.RatingUnsatisfied, Method: "phone", Text: "车位仍不够"})
		check("one reopened")
		w.at(2026, 5, 7, 10)
		w.act(t, as(w.StaffA), b.ID, "reply", casework.Input{Text: "已增设临时车位"})
		w.act(t, as(w.StaffA), b.ID, "rate", casework.Input{Rating: petition.RatingBasically, Method: "phone"})
		st := statsBothWays(t, w, w.CityStaff, petition.StatsFilter{Year: 2026})
		// Accepted in time: a only (b and c on 25 March, due 17 March).
		wantFigures(t, "at the end", st.Total, petition.Figures{Received: 4, Accepted: 3, AcceptedTimely: 1, Replied: 3,
			RepliedOnTime: 2, Rated: 2, Satisfied: 2, Repeat: 1,
			TimelyRate: rate(33.3), OnTimeRate: rate(66.7), Satisfaction: rate(100), Participation: rate(66.7)})
		if _, err := w.S.Fold(ctx); err != nil {
			t.Fatal(err)
		}
		check("folded at the end")
		// A calendar that changes makes the roll-up stale: the statistics are
		// then read from the cases until it is rebuilt.
		if _, err := w.DB.Exec(ctx, `UPDATE settings SET value = '0 []' WHERE key = 'petition.stats_rollup'`); err != nil {
			t.Fatal(err)
		}
		stale, err := w.S.Stats(as(w.CityStaff), petition.StatsFilter{Year: 2026}, web.ZH)
		if err != nil {
			t.Fatal(err)
		}
		wantFigures(t, "stale roll-up", stale.Total, st.Total)
		if err := w.S.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		check("rebuilt")
	})
}
