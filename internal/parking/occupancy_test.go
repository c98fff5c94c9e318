package parking

import (
	"context"
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

func intp(n int) *int { return &n }

// TestOccupancyPushAndStaleness: counts are checked (free ≤ capacity over
// the registered total, occupied + free = capacity), older counts are
// refused as stale, and a count not renewed within StaleAfter shows as
// unknown — never as free — in search, in a second process as well.
func TestOccupancyPushAndStaleness(t *testing.T) {
	twoProcesses(t, func(t *testing.T, d1, d2 *db.DB) {
		fx := newFixture(t, d1, 1)
		f := fx.facility(t, Facility{TotalSpaces: 50, PublicSpaces: 50, ReservableSpaces: 5, Hours: Hours{Always: true}})
		other := fx.service(d2) // another process: its index follows the database
		if err := other.Index.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx := fx.ctx(fx.machine)
		obs := fx.now.Add(-time.Minute)
		res, err := fx.s.Push(ctx, fx.machine, []Count{
			{FacilityID: f.ID, Free: 12, Capacity: intp(50), ObservedAt: obs},
			{FacilityID: f.ID, Free: 60, ObservedAt: obs.Add(time.Second)},                      // free > capacity
			{FacilityID: f.ID, Free: 10, Capacity: intp(40), ObservedAt: obs.Add(time.Second)},  // another set of spaces
			{FacilityID: f.ID, Free: 10, Occupied: intp(30), ObservedAt: obs.Add(time.Second)},  // 30 + 10 ≠ 50
			{FacilityID: f.ID, Free: 9, ObservedAt: obs.Add(-time.Minute)},                      // older than stored
			{Code: f.Code, Free: 11, Occupied: intp(39), ObservedAt: obs.Add(30 * time.Second)}, // by code
			{FacilityID: f.ID + 1000, Free: 1, ObservedAt: obs},                                 // no such facility
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"stored", "invalid", "invalid", "invalid", "stale", "stored", "invalid"}
		fields := []string{"", "free", "capacity", "occupied", "observed_at", "", "facility_id"}
		for i, r := range res {
			if r.Status != want[i] || r.Field != fields[i] {
				t.Errorf("count %d: %+v, want %s on %q", i, r, want[i], fields[i])
			}
		}
		// A token of another district does not see the facility.
		stranger := &auth.Principal{TokenID: 10, Role: auth.Machine, OrgPath: "/1/3/", Permissions: []string{PushPermission}}
		res, _ = fx.s.Push(fx.ctx(stranger), stranger, []Count{{FacilityID: f.ID, Free: 1}})
		if res[0].Status != "invalid" || res[0].Field != "facility_id" {
			t.Errorf("other district's token: %+v", res[0])
		}

		if err := other.Index.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		q := Query{Dest: pt(f), Arrive: fx.now, Stay: time.Hour, Radius: 300, Now: fx.now}
		hits, _ := other.Index.Search(q)
		if len(hits) != 1 || hits[0].Free != 11 || hits[0].Source != SourceLive {
			t.Fatalf("fresh count in the other process: %+v", hits)
		}
		// Ten minutes without news: still live. Eleven: unknown.
		q.Now, q.Arrive = fx.now.Add(9*time.Minute), fx.now.Add(9*time.Minute)
		if hits, _ := other.Index.Search(q); hits[0].Source != SourceLive {
			t.Fatalf("after 9 minutes: %+v", hits[0])
		}
		q.Now, q.Arrive = fx.now.Add(11*time.Minute), fx.now.Add(11*time.Minute)
		hits, _ = other.Index.Search(q)
		if hits[0].Free != -1 || hits[0].Source != SourceUnknown {
			t.Fatalf("stale count shown as %d (%s)", hits[0].Free, hits[0].Source)
		}
		fx.now = fx.now.Add(11 * time.Minute)
		if o, _ := fx.s.LiveOccupancy(context.Background(), f.ID); o.Known {
			t.Fatalf("stale occupancy known: %+v", o)
		}

		// History is kept by the hour and becomes the forecast profile.
		n, err := fx.s.RefreshProfiles(context.Background(), 4)
		if err != nil || n != 1 {
			t.Fatalf("profiles: %d %v", n, err)
		}
		if err := other.Index.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		q.Now = fx.now
		q.Arrive = obs.Add(7 * 24 * time.Hour) // same weekday and hour next week
		hits, _ = other.Index.Search(q)
		if hits[0].Source != SourceForecast || hits[0].Free != 12 {
			t.Fatalf("forecast: %+v", hits[0])
		}
		// A facility registered by the first process appears in the second.
		g := fx.facility(t, Facility{Code: "T-NEW", TotalSpaces: 20, PublicSpaces: 20, Hours: Hours{Always: true}, Lat: 30.2501, Lng: 120.1701})
		if err := other.Index.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		q.Arrive = fx.now
		found := false
		hits, _ = other.Index.Search(q)
		for _, h := range hits {
			found = found || h.ID == g.ID
		}
		if !found {
			t.Fatalf("the other process does not see the new facility: %+v", hits)
		}
		hist, err := fx.s.History(context.Background(), fx.staff, f.ID, 7)
		if err != nil || len(hist) != 1 || hist[0].FreeAvg != 11.5 || hist[0].FreeMin != 11 {
			t.Fatalf("history %+v %v", hist, err)
		}
	})
}
