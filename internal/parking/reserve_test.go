package parking

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

// twoProcesses opens the same database twice — two connection pools, as
// two `anju serve` processes would have — on SQLite and on PostgreSQL.
func twoProcesses(t *testing.T, body func(t *testing.T, d1, d2 *db.DB)) {
	open := func(t *testing.T, target string) *db.DB {
		d, err := db.Open(context.Background(), target)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "two.db")
		d1 := open(t, path)
		if _, err := db.Migrate(context.Background(), d1, sources()...); err != nil {
			t.Fatal(err)
		}
		body(t, d1, open(t, path))
	})
	t.Run("postgres", func(t *testing.T) {
		_, target := dbtest.NewSchema(t, dbtest.PostgresURL(t))
		d1 := open(t, target)
		if _, err := db.Migrate(context.Background(), d1, sources()...); err != nil {
			t.Fatal(err)
		}
		body(t, d1, open(t, target))
	})
}

// TestReservationInvariantUnderConcurrency: 64 clients, spread over two
// processes, fight for the last five reservable spaces with overlapping
// windows, and some cancel what they got. Afterwards the recorded history
// is replayed slot by slot in event order: at no point may the count exceed
// the slot's capacity or go below zero, and the end state must equal the
// ledger and the bookings.
func TestReservationInvariantUnderConcurrency(t *testing.T) {
	twoProcesses(t, func(t *testing.T, d1, d2 *db.DB) {
		fx := newFixture(t, d1, 64)
		f := fx.facility(t, Facility{TotalSpaces: 30, PublicSpaces: 30, ReservableSpaces: 5, Hours: Hours{Always: true},
			Tariff: Tariff{HourCents: 500}})
		procs := []*Service{fx.s, fx.service(d2)}
		base := fx.now.Add(24 * time.Hour).Truncate(time.Hour)
		var ok, full atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, 64)
		for i, drv := range fx.drivers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(i), 99))
				s := procs[i%2]
				<-start
				for range 6 {
					from := base.Add(time.Duration(r.IntN(12)) * 15 * time.Minute)
					to := from.Add(time.Duration(1+r.IntN(8)) * 15 * time.Minute)
					res, err := s.Reserve(fx.ctx(drv), drv, ReserveRequest{FacilityID: f.ID, Starts: from, Ends: to, Plate: "浙A12345"})
					switch {
					case errors.Is(err, ErrFull):
						full.Add(1)
						continue
					case err != nil:
						errs <- err
						return
					}
					ok.Add(1)
					if r.IntN(3) == 0 {
						if _, err := s.Cancel(fx.ctx(drv), drv, res.ID); err != nil {
							errs <- err
							return
						}
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if ok.Load() == 0 || full.Load() == 0 {
			t.Fatalf("no contention: %d reserved, %d refused as full", ok.Load(), full.Load())
		}
		reached := replayHistory(t, d1, f.ID, true)
		if reached == 0 {
			t.Fatal("no slot ever reached its capacity: the clients did not fight for the last spaces")
		}
		t.Logf("%d reserved, %d refused as full; %d slots were full at some point", ok.Load(), full.Load(), reached)
	})
}

// replayHistory checks the event history of a facility against its ledger
// and returns how many slots were at capacity at some point.
func replayHistory(t *testing.T, d *db.DB, facility int64, checkCap bool) int {
	t.Helper()
	ctx := context.Background()
	capacity := map[int64]int{}
	reserved := map[int64]int{}
	rows, err := d.Query(ctx, `SELECT slot, capacity, reserved FROM parking_slots WHERE facility_id = ?`, facility)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s int64
		var c, r int
		if err := rows.Scan(&s, &c, &r); err != nil {
			t.Fatal(err)
		}
		capacity[s], reserved[s] = c, r
	}
	rows.Close()
	rows, err = d.Query(ctx, `SELECT id, slot_from, slot_to, delta FROM parking_reservation_events WHERE facility_id = ? ORDER BY id`, facility)
	if err != nil {
		t.Fatal(err)
	}
	count := map[int64]int{}
	atCap := map[int64]bool{}
	n := 0
	for rows.Next() {
		var id, from, to int64
		var delta int
		if err := rows.Scan(&id, &from, &to, &delta); err != nil {
			t.Fatal(err)
		}
		n++
		for s := from; s < to; s++ {
			count[s] += delta
			c, ok := capacity[s]
			if !ok {
				t.Fatalf("event %d touches slot %d that has no ledger row", id, s)
			}
			if (checkCap && count[s] > c) || count[s] < 0 {
				t.Fatalf("after event %d slot %d holds %d reservations, capacity %d", id, s, count[s], c)
			}
			if count[s] == c {
				atCap[s] = true
			}
		}
	}
	rows.Close()
	if n == 0 {
		t.Fatal("no events recorded")
	}
	for s, r := range reserved {
		if count[s] != r {
			t.Fatalf("slot %d: history says %d, ledger says %d", s, count[s], r)
		}
	}
	// The bookings agree with the ledger.
	// Every reservation holds [slot_from, released_from or slot_to).
	rows, err = d.Query(ctx, `SELECT slot_from, COALESCE(released_from, slot_to) FROM parking_reservations WHERE facility_id = ?`, facility)
	if err != nil {
		t.Fatal(err)
	}
	held := map[int64]int{}
	for rows.Next() {
		var from, to int64
		if err := rows.Scan(&from, &to); err != nil {
			t.Fatal(err)
		}
		for s := from; s < to; s++ {
			held[s]++
		}
	}
	rows.Close()
	for s, r := range reserved {
		if held[s] != r {
			t.Fatalf("slot %d: %d bookings, ledger says %d", s, held[s], r)
		}
	}
	return len(atCap)
}

func TestReservationRules(t *testing.T) {
	eachDB(t, func(t *testing.T, d *db.DB) {
		fx := newFixture(t, d, 3)
		f := fx.facility(t, Facility{TotalSpaces: 10, PublicSpaces: 10, ReservableSpaces: 1,
			Hours: Hours{Opens: hm(8, 0), Closes: hm(20, 0)}, Tariff: Tariff{HourCents: 300}})
		drv := fx.drivers[0]
		ctx := fx.ctx(drv)
		day := time.Date(2026, 10, 14, 0, 0, 0, 0, shanghai)
		// Outside opening hours: refused, naming the field.
		if _, err := fx.s.Reserve(ctx, drv, ReserveRequest{FacilityID: f.ID, Starts: day.Add(19 * time.Hour), Ends: day.Add(21 * time.Hour), Plate: "浙A12345"}); err == nil {
			t.Fatal("reservation past closing accepted")
		}
		if _, err := fx.s.Reserve(ctx, drv, ReserveRequest{FacilityID: f.ID, Starts: day.Add(9 * time.Hour), Ends: day.Add(10 * time.Hour), Plate: "bad"}); err == nil {
			t.Fatal("bad plate accepted")
		}
		res, err := fx.s.Reserve(ctx, drv, ReserveRequest{FacilityID: f.ID, Starts: day.Add(9*time.Hour + 10*time.Minute), Ends: day.Add(11 * time.Hour), Plate: "浙a12345"})
		if err != nil {
			t.Fatal(err)
		}
		if res.PriceCents != 600 || !res.Starts.Equal(day.Add(9*time.Hour)) || res.Plate != "浙A12345" {
			t.Fatalf("reservation %+v", res)
		}
		// The one reservable space is taken for an overlapping window …
		other := fx.drivers[1]
		if _, err := fx.s.Reserve(fx.ctx(other), other, ReserveRequest{FacilityID: f.ID, Starts: day.Add(10 * time.Hour), Ends: day.Add(12 * time.Hour), Plate: "浙B12345"}); !errors.Is(err, ErrFull) {
			t.Fatalf("overlapping reservation: %v, want ErrFull", err)
		}
		// … but free right after.
		if _, err := fx.s.Reserve(fx.ctx(other), other, ReserveRequest{FacilityID: f.ID, Starts: day.Add(11 * time.Hour), Ends: day.Add(12 * time.Hour), Plate: "浙B12345"}); err != nil {
			t.Fatalf("adjacent reservation: %v", err)
		}
		// Another driver cannot cancel it; its owner can, before the start.
		if _, err := fx.s.Cancel(fx.ctx(other), other, res.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("cancel by another: %v", err)
		}
		if _, err := fx.s.Cancel(ctx, drv, res.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.s.Reserve(fx.ctx(other), other, ReserveRequest{FacilityID: f.ID, Starts: day.Add(10 * time.Hour), Ends: day.Add(11 * time.Hour), Plate: "浙B12345"}); err != nil {
			t.Fatalf("after cancellation: %v", err)
		}
		// Check-in and check-out by the car-park system; no-shows released.
		third := fx.drivers[2]
		late, err := fx.s.Reserve(fx.ctx(third), third, ReserveRequest{FacilityID: f.ID, Starts: day.Add(14 * time.Hour), Ends: day.Add(16 * time.Hour), Plate: "浙C12345"})
		if err != nil {
			t.Fatal(err)
		}
		fx.now = day.Add(10*time.Hour + 5*time.Minute)
		in, err := fx.s.GateEvent(fx.ctx(fx.machine), fx.machine, CarEvent{FacilityID: f.ID, Plate: "浙B12345", Kind: "entry", At: fx.now})
		if err != nil || in.Status != CheckedIn {
			t.Fatalf("entry: %+v %v", in, err)
		}
		fx.now = day.Add(10*time.Hour + 40*time.Minute)
		out, err := fx.s.GateEvent(fx.ctx(fx.machine), fx.machine, CarEvent{FacilityID: f.ID, Plate: "浙B12345", Kind: "exit", At: fx.now})
		if err != nil || out.Status != Completed {
			t.Fatalf("exit: %+v %v", out, err)
		}
		fx.now = day.Add(14*time.Hour + 31*time.Minute)
		// The 14:00 booking and drivers[1]'s 11:00 booking were never used.
		n, err := fx.s.ReleaseNoShows(context.Background())
		if err != nil || n != 2 {
			t.Fatalf("no-shows released: %d %v", n, err)
		}
		mine, _ := fx.s.MyReservations(context.Background(), third, 10)
		if len(mine) != 1 || mine[0].ID != late.ID || mine[0].Status != NoShow {
			t.Fatalf("no-show: %+v", mine)
		}
		replayHistory(t, d, f.ID, true)
	})
}

// TestSuspensionCancelsReservations: a compound shares spaces on working-day
// nights; the host suspends sharing for one night with notice; the
// reservations of that night are cancelled and their drivers told, the
// others stay, and search no longer offers that night.
func TestSuspensionCancelsReservations(t *testing.T) {
	eachDB(t, func(t *testing.T, d *db.DB) {
		fx := newFixture(t, d, 4)
		rule := officeNights
		f := fx.facility(t, Facility{Kind: PublicBuilding, TotalSpaces: 100, PublicSpaces: 0, ReservableSpaces: 10,
			Hours: Hours{Always: true}, Rules: []Rule{rule}})
		tonight := time.Date(2026, 10, 13, 18, 0, 0, 0, shanghai)
		tomorrow := tonight.Add(24 * time.Hour)
		for i, drv := range fx.drivers {
			start := tonight
			if i == 3 {
				start = tomorrow
			}
			if _, err := fx.s.Reserve(fx.ctx(drv), drv, ReserveRequest{FacilityID: f.ID, Starts: start, Ends: start.Add(13 * time.Hour), Plate: "浙A1234" + string(rune('0'+i))}); err != nil {
				t.Fatalf("reserve %d: %v", i, err)
			}
		}
		// A Saturday night is not a working-day night: refused.
		sat := time.Date(2026, 10, 17, 18, 0, 0, 0, shanghai)
		if _, err := fx.s.Reserve(fx.ctx(fx.drivers[0]), fx.drivers[0], ReserveRequest{FacilityID: f.ID, Starts: sat, Ends: sat.Add(10 * time.Hour), Plate: "浙A12340"}); err == nil {
			t.Fatal("Saturday-night reservation accepted under a working-day rule")
		}
		if err := fx.s.Index.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		q := Query{Dest: pt(f), Arrive: tonight, Stay: 12 * time.Hour, Radius: 500, Now: fx.now}
		if hits, _ := fx.s.Index.Search(q); len(hits) != 1 {
			t.Fatalf("before suspension: %d hits", len(hits))
		}
		_, cancelled, err := fx.s.Suspend(fx.ctx(fx.staff), fx.staff, f.ID, tonight.Add(-time.Hour), tonight.Add(16*time.Hour), "单位夜间应急值守")
		if err != nil {
			t.Fatal(err)
		}
		if len(cancelled) != 3 {
			t.Fatalf("cancelled %v, want the three reservations of tonight", cancelled)
		}
		for i, drv := range fx.drivers {
			mine, err := fx.s.MyReservations(context.Background(), drv, 5)
			if err != nil || len(mine) != 1 {
				t.Fatalf("driver %d: %v %v", i, mine, err)
			}
			want := CancelledByHost
			if i == 3 {
				want = Booked
			}
			if mine[0].Status != want {
				t.Errorf("driver %d: status %s, want %s", i, mine[0].Status, want)
			}
			notices, _ := fx.s.MyNotices(context.Background(), drv, 5)
			if (i < 3) != (len(notices) == 1) {
				t.Errorf("driver %d: notices %v", i, notices)
			}
		}
		if err := fx.s.Index.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if hits, _ := fx.s.Index.Search(q); len(hits) != 0 {
			t.Fatalf("suspended night still offered: %+v", hits)
		}
		q.Arrive = tomorrow
		if hits, _ := fx.s.Index.Search(q); len(hits) != 1 {
			t.Fatalf("tomorrow night not offered")
		}
		// Capacities fell to zero during the suspension (after the
		// cancellations), so only the counts and the end state are replayed.
		replayHistory(t, d, f.ID, false)
	})
}
