package petition_test

import (
	"context"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/demo"
	"anju/internal/petition"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

// The demo's petitions, read through the statistics: complaints about
// real-estate development fall year over year every month of 2026 up to
// the last complete month (October), a run of ten that stops at December
// 2025 (the demo has no 2024 to compare with); the whole city's volume
// falls too. Seed 7 is TestDemoPetitions' seed, whose raw counts show the
// same (at scale 1 a month of another seed may buck the trend by chance).
func TestStatsDemoTrend(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		ctx, env := demoEnv(d)
		if _, err := demo.Generate(ctx, env, demo.Options{Seed: 7, Scale: 1}); err != nil {
			t.Fatal(err)
		}
		e := casework.New(d, workday.New(workday.Builtin()...), shanghai)
		e.Now = func() time.Time { return time.Date(2026, 11, 20, 18, 0, 0, 0, shanghai) }
		s, err := petition.New(e, env.Org)
		if err != nil {
			t.Fatal(err)
		}
		var city org.Unit
		if err := d.QueryRow(ctx, `SELECT id, path FROM org_units WHERE kind = 'city'`).Scan(&city.ID, &city.Path); err != nil {
			t.Fatal(err)
		}
		staff := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 1, Role: auth.CityStaff, OrgUnitID: city.ID, OrgPath: city.Path})

		re, err := s.Stats(staff, petition.StatsFilter{Year: 2026, Category: "real_estate"}, web.ZH)
		if err != nil {
			t.Fatal(err)
		}
		if re.AsOf != "2026-10" || re.DeclineMonths != 10 || re.DeclineFrom != "2026-01" {
			t.Errorf("real estate: %d months of decline from %s as of %s, want 10 from 2026-01 as of 2026-10",
				re.DeclineMonths, re.DeclineFrom, re.AsOf)
		}
		for _, m := range re.Months[:10] {
			if !m.Decline || m.Change == nil || *m.Change >= 0 {
				t.Errorf("real estate, month %d: %d against %d", m.Month, m.Received, m.LastYear)
			}
		}
		yoy := re.YoY[len(re.YoY)-1]
		if yoy.Total.Change == nil || *yoy.Total.Change > -20 {
			t.Errorf("real estate, January–October: %d against %d (%v%%): want a fall of more than 20%%",
				yoy.Total.Received, yoy.Total.LastYear, yoy.Total.Change)
		}

		t.Logf("real estate, January–October 2026: %d against %d (%s%%); run of %d months from %s",
			yoy.Total.Received, yoy.Total.LastYear, fmtRate(yoy.Total.Change), re.DeclineMonths, re.DeclineFrom)

		all, err := s.Stats(staff, petition.StatsFilter{Year: 2026}, web.ZH)
		if err != nil {
			t.Fatal(err)
		}
		cityYoY := all.YoY[len(all.YoY)-1].Total
		if cityYoY.Change == nil || *cityYoY.Change >= 0 || all.DeclineMonths < 3 {
			t.Errorf("the city: %d against %d, %d months of decline", cityYoY.Received, cityYoY.LastYear, all.DeclineMonths)
		}
		t.Logf("the city, January–October 2026: %d against %d (%s%%); run of %d months; %s",
			cityYoY.Received, cityYoY.LastYear, fmtRate(cityYoY.Change), all.DeclineMonths, figuresText(all.Total))
		// The real-estate share falls faster than the whole.
		if yoy.Total.Change != nil && cityYoY.Change != nil && *yoy.Total.Change >= *cityYoY.Change {
			t.Errorf("real estate %.1f%% does not fall faster than the city %.1f%%", *yoy.Total.Change, *cityYoY.Change)
		}
		// The KPIs are plausible: most accepted in time, most replies on time.
		tot := all.Total
		if tot.TimelyRate == nil || *tot.TimelyRate < 90 || tot.OnTimeRate == nil || *tot.OnTimeRate < 80 ||
			tot.Satisfaction == nil || *tot.Satisfaction < 80 || tot.Participation == nil || *tot.Participation < 50 || tot.Repeat == 0 {
			t.Errorf("2026 KPIs: %s", figuresText(tot))
		}
		if len(all.Districts) < 6 {
			t.Errorf("%d districts", len(all.Districts))
		}
	})
}
