package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"anju/internal/app"
	"anju/internal/parking"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/geo"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

// The parking benchmarks, each against the baseline a city would otherwise
// use, in the same run:
//   - search over 100,000 facilities: the grid index against a scan of
//     every facility, and against PostgreSQL/PostGIS finding the candidates
//     (ST_DWithin on a GiST index) with the same rules applied to them;
//   - search over HTTP through the whole middleware stack, against a bare
//     handler writing a response of the same size;
//   - reservations against a plain one-INSERT-per-transaction loop;
//   - the memory of a process holding 100,000 facilities with a week of
//     history, against the 300 MB budget.

const benchFacilities = 100_000

var city = geo.Point{Lat: 30.25, Lng: 120.17}

// benchWorld is 100,000 random facilities in a 44 km square around the
// city centre, with live counts and profiles; the same for every benchmark.
type benchWorld struct {
	fs       []parking.Facility
	free     []int
	profiles []*parking.Profile
}

var (
	worldOnce sync.Once
	world     benchWorld
)

func getWorld() benchWorld {
	worldOnce.Do(func() {
		r := rand.New(rand.NewPCG(2026, 11))
		for i := range benchFacilities {
			f := parking.RandomFacility(r, int64(i+1), city.Lat, city.Lng, 0.2)
			f.Suspensions = nil
			world.fs = append(world.fs, f)
			world.free = append(world.free, r.IntN(f.TotalSpaces+1))
			world.profiles = append(world.profiles, parking.RandomProfile(r))
		}
	})
	return world
}

// benchQueries are drivers' searches: a destination in the city, an
// arrival now or in the coming week, a stay of 30 minutes to 8 hours,
// 500–1500 m.
func benchQueries(n int, now time.Time) []parking.Query {
	r := rand.New(rand.NewPCG(7, 7))
	qs := make([]parking.Query, n)
	for i := range qs {
		q := parking.Query{
			Dest:   geo.Point{Lat: city.Lat + (r.Float64()*2-1)*0.15, Lng: city.Lng + (r.Float64()*2-1)*0.15},
			Arrive: now.Add(time.Duration(r.IntN(7*24*4)) * 15 * time.Minute),
			Stay:   time.Duration(30+30*r.IntN(16)) * time.Minute,
			Radius: float64(500 + 100*r.IntN(11)),
			Limit:  20,
			Now:    now,
		}
		if i%4 == 0 {
			q.Arrive = now
		}
		qs[i] = q
	}
	return qs
}

func inMemoryIndex(now time.Time) *parking.Index {
	w := getWorld()
	s := parking.NewService(nil, workday.New(workday.Builtin()...), web.Location)
	s.Now = func() time.Time { return now }
	obs := parking.Minutes(now) - 1
	for i, f := range w.fs {
		s.Index.Put(f, nil, w.free[i], f.TotalSpaces, obs, w.profiles[i])
	}
	return s.Index
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func benchNow() time.Time {
	// A fixed working Wednesday inside the built-in calendar's years.
	return time.Date(2026, 12, 2, 9, 0, 0, 0, web.Location)
}

// BenchmarkParkingSearchInProcess: the grid index against a scan of every
// facility, same queries, same answers. Target: p99 under 1 ms.
func BenchmarkParkingSearchInProcess(b *testing.B) {
	now := benchNow()
	ix := inMemoryIndex(now)
	qs := benchQueries(4000, now)
	var fast, slow []time.Duration
	hits := 0
	for b.Loop() {
		// The index alone first, then a sample of the same queries by
		// scanning every facility (its garbage would disturb the index's
		// timings if the two were interleaved).
		fast, slow = fast[:0], slow[:0]
		results := make([][]int64, len(qs))
		for i, q := range qs {
			t0 := time.Now()
			got, _ := ix.Search(q)
			fast = append(fast, time.Since(t0))
			hits += len(got)
			results[i] = ids(got)
		}
		for i := 0; i < len(qs); i += 20 {
			t1 := time.Now()
			want := ix.BruteForce(qs[i])
			slow = append(slow, time.Since(t1))
			if fmt.Sprint(results[i]) != fmt.Sprint(ids(want)) {
				b.Fatalf("query %d: index %v, scan %v", i, results[i], ids(want))
			}
		}
	}
	b.ReportMetric(float64(percentile(fast, 0.5).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(fast, 0.99).Microseconds()), "p99-µs")
	b.ReportMetric(float64(percentile(slow, 0.5).Microseconds()), "scan-p50-µs")
	b.ReportMetric(float64(hits)/float64(b.N*len(qs)), "results/query")
	b.ReportMetric(float64(percentile(slow, 0.5))/float64(percentile(fast, 0.5)), "ratio")
}

func ids(hs []parking.Hit) []int64 {
	out := make([]int64, len(hs))
	for i, h := range hs {
		out[i] = h.ID
	}
	return out
}

// BenchmarkParkingSearchPostGIS: the same searches with PostgreSQL/PostGIS
// finding the candidates within the radius (geography ST_DWithin on a GiST
// index, as a city GIS team would) and the same rules applied to them;
// the answers must equal the index's. Target: Anju ≥ 10× faster.
func BenchmarkParkingSearchPostGIS(b *testing.B) {
	pgURL := os.Getenv("ANJU_TEST_POSTGRES")
	if pgURL == "" {
		pgURL = "postgres://root@127.0.0.1:5432/test?sslmode=disable"
	}
	schema, target := dbtest.NewSchema(b, pgURL)
	// PostGIS lives in the public schema; the benchmark's tables in its own.
	u, _ := url.Parse(target)
	qv := u.Query()
	qv.Set("search_path", schema+",public")
	u.RawQuery = qv.Encode()
	target = u.String()
	ctx := context.Background()
	pg, err := db.Open(ctx, target)
	if err != nil {
		b.Skipf("PostgreSQL not reachable: %v", err)
	}
	defer pg.Close()
	if err := ensurePostGIS(ctx, pg); err != nil {
		b.Skipf("PostGIS unavailable: %v", err)
	}
	// The registry in PostgreSQL, with a PostGIS geography column and its
	// GiST index; the index of the same service loads from it.
	if _, err := db.Migrate(ctx, pg, app.Sources...); err != nil {
		b.Fatal(err)
	}
	if _, err := pg.Exec(ctx, `INSERT INTO org_units (id, kind, code, name, path, depth, created_at) VALUES (1, 'city', 'B', '压测市', '/1/', 0, ?)`, time.Now().UTC()); err != nil {
		b.Fatal(err)
	}
	now := benchNow()
	w := getWorld()
	if err := parking.BulkLoad(ctx, pg, w.fs, w.free, w.profiles, now.Add(-time.Minute)); err != nil {
		b.Fatal(err)
	}
	for _, stmt := range []string{
		`ALTER TABLE parking_facilities ADD COLUMN geog public.geography(Point, 4326)`,
		`UPDATE parking_facilities SET geog = public.ST_SetSRID(public.ST_MakePoint(lng, lat), 4326)::public.geography`,
		`CREATE INDEX parking_facilities_geog ON parking_facilities USING GIST (geog)`,
		`ANALYZE`,
	} {
		if _, err := pg.Exec(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
	s := parking.NewService(pg, workday.New(workday.Builtin()...), web.Location)
	s.Now = func() time.Time { return now }
	if err := s.Index.Load(ctx); err != nil {
		b.Fatal(err)
	}
	ix := s.Index
	qs := benchQueries(1000, now)
	// The sphere of geo.Haversine (use_spheroid = false), with a hair of
	// margin: the rules then apply the exact same distance test.
	const where = `public.ST_DWithin(geog, public.ST_SetSRID(public.ST_MakePoint(?, ?), 4326)::public.geography, ?, false)`
	var anju, gis []time.Duration
	for b.Loop() {
		anju, gis = anju[:0], gis[:0]
		for i, qu := range qs {
			t0 := time.Now()
			got, _ := ix.Search(qu)
			anju = append(anju, time.Since(t0))
			t1 := time.Now()
			want, err := s.SearchFromDB(ctx, qu, where, qu.Dest.Lng, qu.Dest.Lat, qu.Radius*1.001)
			if err != nil {
				b.Fatal(err)
			}
			gis = append(gis, time.Since(t1))
			if fmt.Sprint(ids(got)) != fmt.Sprint(ids(want)) {
				b.Fatalf("query %d: index %v, PostGIS %v", i, ids(got), ids(want))
			}
		}
	}
	b.ReportMetric(float64(percentile(anju, 0.5).Microseconds()), "anju-p50-µs")
	b.ReportMetric(float64(percentile(anju, 0.99).Microseconds()), "anju-p99-µs")
	b.ReportMetric(float64(percentile(gis, 0.5).Microseconds()), "postgis-p50-µs")
	b.ReportMetric(float64(percentile(gis, 0.99).Microseconds()), "postgis-p99-µs")
	b.ReportMetric(float64(percentile(gis, 0.5))/float64(percentile(anju, 0.5)), "ratio")
}

// ensurePostGIS creates the extension, installing Debian's package for
// the server's major version first if it is missing (the benchmark runs as
// root on the project's machines).
func ensurePostGIS(ctx context.Context, pg *db.DB) error {
	create := func() error {
		_, err := pg.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public`)
		return err
	}
	if create() == nil {
		return nil
	}
	var ver string
	if err := pg.QueryRow(ctx, `SELECT current_setting('server_version_num')`).Scan(&ver); err != nil {
		return err
	}
	major := ver[:len(ver)-4]
	pkg := "postgresql-" + major + "-postgis-3"
	cmd := exec.Command("apt-get", "install", "-y", "-qq", pkg)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		upd := exec.Command("apt-get", "update", "-qq")
		_ = upd.Run()
		if out2, err2 := exec.Command("apt-get", "install", "-y", "-qq", pkg).CombinedOutput(); err2 != nil {
			return fmt.Errorf("apt-get install %s: %v\n%s%s", pkg, err2, out, out2)
		}
	}
	return create()
}

// benchApp builds an app over a SQLite file holding the 100,000
// facilities; its index loads them at start.
func benchApp(b *testing.B) (*app.App, string) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "parking.db")
	d, err := db.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Migrate(ctx, d, app.Sources...); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO org_units (id, kind, code, name, path, depth, created_at) VALUES (1, 'city', 'B', '压测市', '/1/', 0, ?)`, time.Now().UTC()); err != nil {
		b.Fatal(err)
	}
	w := getWorld()
	if err := parking.BulkLoad(ctx, d, w.fs, w.free, w.profiles, time.Now().UTC().Add(-time.Minute)); err != nil {
		b.Fatal(err)
	}
	d.Close()
	cfg := app.Defaults()
	cfg.DB = path
	a, err := app.Open(ctx, cfg, "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a, path
}

// loadLatency sends GET urls from conc keep-alive clients for d and
// returns requests/s and the latencies.
func loadLatency(urls []string, conc int, d time.Duration) (float64, []time.Duration, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	var n atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for k := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			for i := k; time.Now().Before(deadline); i += conc {
				t0 := time.Now()
				resp, err := c.Get(urls[i%len(urls)])
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					firstErr.CompareAndSwap(nil, fmt.Errorf("status %d", resp.StatusCode))
					return
				}
				lat = append(lat, time.Since(t0))
				n.Add(1)
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		return 0, nil, e.(error)
	}
	return float64(n.Load()) / d.Seconds(), all, nil
}

// BenchmarkParkingSearchHTTP: GET /api/v1/parking/search through the whole
// stack (middleware, index, navigation links, JSON) from 16 keep-alive
// clients on loopback, against a bare handler writing a response of the
// same size. Target: ≥ 5,000 requests/s, p99 under 10 ms.
func BenchmarkParkingSearchHTTP(b *testing.B) {
	a, _ := benchApp(b)
	base := serve(b, a.Handler())
	now := time.Now()
	var urls []string
	for _, q := range benchQueries(2000, now) {
		v := url.Values{"lat": {strconv.FormatFloat(q.Dest.Lat, 'f', 6, 64)}, "lng": {strconv.FormatFloat(q.Dest.Lng, 'f', 6, 64)},
			"arrive": {q.Arrive.Format(time.RFC3339)}, "stay": {strconv.Itoa(int(q.Stay.Minutes()))},
			"radius": {strconv.Itoa(int(q.Radius))}, "limit": {"10"}}
		urls = append(urls, base+"/api/v1/parking/search?"+v.Encode())
	}
	resp, err := http.Get(urls[0])
	if err != nil {
		b.Fatal(err)
	}
	sample, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var sr parking.SearchResponse
	if err := json.Unmarshal(sample, &sr); err != nil {
		b.Fatalf("search answer: %v %s", err, sample)
	}
	bare := serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(sample)
	})) + "/x"
	var rpsA, rpsB float64
	var lat []time.Duration
	rounds := 0
	for b.Loop() {
		r1, _, err := loadLatency([]string{bare}, 8, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		r2, l2, err := loadLatency(urls, 8, 2*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		rpsB += r1
		rpsA += r2
		lat = append(lat, l2...)
		rounds++
	}
	b.ReportMetric(rpsA/float64(rounds), "anju-req/s")
	b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(rpsB/float64(rounds), "bare-req/s")
	b.ReportMetric(float64(len(sample)), "bytes/answer")
	b.ReportMetric(rpsA/rpsB, "ratio")
}

// reserveWorld is a database with 500 car parks of 5 reservable spaces
// each and 200 drivers.
func reserveWorld(b *testing.B, d *db.DB) (*parking.Service, []parking.Facility, []*auth.Principal) {
	ctx := context.Background()
	now := time.Now().UTC()
	if _, err := d.Exec(ctx, `INSERT INTO org_units (id, kind, code, name, path, depth, created_at) VALUES (1, 'city', 'B', '压测市', '/1/', 0, ?)`, now); err != nil {
		b.Fatal(err)
	}
	var fs []parking.Facility
	for i := range 500 {
		fs = append(fs, parking.Facility{ID: int64(i + 1), OrgUnitID: 1, OrgPath: "/1/", Code: fmt.Sprintf("R%04d", i), Name: "预约压测",
			Kind: parking.PublicLot, Operator: "x", Ownership: parking.Government, Address: "x", Lat: city.Lat, Lng: city.Lng,
			TotalSpaces: 50, PublicSpaces: 50, ReservableSpaces: 5, VehicleClass: parking.AnyVehicles, Status: parking.Open,
			Hours: parking.Hours{Always: true}, Tariff: parking.Tariff{HourCents: 300}})
	}
	if err := parking.BulkLoad(ctx, d, fs, nil, nil, now); err != nil {
		b.Fatal(err)
	}
	var drivers []*auth.Principal
	err := d.Tx(ctx, func(tx *db.Tx) error {
		for i := range 200 {
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO users (kind, mobile, display_name, role, org_path, password_hash,
				password_changed_at, created_at, updated_at) VALUES ('public', ?, '压测', 'citizen', '', 'x', ?, ?, ?) RETURNING id`,
				fmt.Sprintf("136%08d", i), now, now, now).Scan(&id); err != nil {
				return err
			}
			drivers = append(drivers, &auth.Principal{UserID: id, Role: auth.Citizen, Name: "压测"})
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return parking.NewService(d, workday.New(workday.Builtin()...), web.Location), fs, drivers
}

// runReservations makes n reservation attempts from conc clients over the
// next two days (so capacity runs out and refusals happen) and returns
// successes and elapsed time.
func runReservations(b *testing.B, s *parking.Service, fs []parking.Facility, drivers []*auth.Principal, n, conc int) (int64, int64, time.Duration) {
	var ok, full atomic.Int64
	var next atomic.Int64
	base := time.Now().Add(time.Hour).Truncate(time.Hour)
	t0 := time.Now()
	var wg sync.WaitGroup
	for k := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(k), 3))
			for next.Add(1) <= int64(n) {
				drv := drivers[r.IntN(len(drivers))]
				f := fs[r.IntN(len(fs))]
				start := base.Add(time.Duration(r.IntN(48*4)) * 15 * time.Minute)
				_, err := s.Reserve(auth.WithPrincipal(context.Background(), drv), drv, parking.ReserveRequest{FacilityID: f.ID,
					Starts: start, Ends: start.Add(time.Duration(1+r.IntN(8)) * 15 * time.Minute), Plate: "浙A12345"})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, parking.ErrFull):
					full.Add(1)
				default:
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return ok.Load(), full.Load(), time.Since(t0)
}

// overbooked counts ledger slots holding more than their capacity, and
// slots whose bookings (from the reservations themselves) exceed it.
func overbooked(b *testing.B, d *db.DB) int {
	ctx := context.Background()
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM parking_slots WHERE reserved > capacity`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	rows, err := d.Query(ctx, `SELECT facility_id, slot_from, COALESCE(released_from, slot_to) FROM parking_reservations`)
	if err != nil {
		b.Fatal(err)
	}
	held := map[[2]int64]int{}
	for rows.Next() {
		var f, a, z int64
		if err := rows.Scan(&f, &a, &z); err != nil {
			b.Fatal(err)
		}
		for s := a; s < z; s++ {
			held[[2]int64{f, s}]++
		}
	}
	rows.Close()
	for _, c := range held {
		if c > 5 {
			n++
		}
	}
	return n
}

// plainInserts is the baseline: one INSERT per transaction, the least a
// reservation could cost.
func plainInserts(b *testing.B, d *db.DB, n, conc int) time.Duration {
	ctx := context.Background()
	if _, err := d.Exec(ctx, `CREATE TABLE bench_plain (id BIGINT PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	t0 := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				if err := d.Tx(ctx, func(tx *db.Tx) error {
					_, err := tx.Exec(ctx, `INSERT INTO bench_plain (id, v) VALUES (?, 'x')`, i)
					return err
				}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(t0)
}

// BenchmarkParkingReserve: reservations from 32 clients (contention: 500
// car parks of 5 reservable spaces over two days), on SQLite and on
// PostgreSQL, then the ledger and the bookings are checked for
// overbooking. Target: ≥ 2,000/s with zero overbooking.
func BenchmarkParkingReserve(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			const n = 20000
			var rate, base float64
			var over, refused int
			rounds := 0
			for b.Loop() {
				var d *db.DB
				if dialect == "sqlite" {
					d = dbtest.SQLite(b, app.Sources...)
				} else {
					d = dbtest.Postgres(b, app.Sources...)
				}
				s, fs, drivers := reserveWorld(b, d)
				ok, full, took := runReservations(b, s, fs, drivers, n, 32)
				rate += float64(ok+full) / took.Seconds()
				refused += int(full)
				over += overbooked(b, d)
				base += float64(n) / plainInserts(b, d, n, 32).Seconds()
				rounds++
			}
			b.ReportMetric(rate/float64(rounds), "reservations/s")
			b.ReportMetric(float64(refused)/float64(rounds), "refused-full")
			b.ReportMetric(float64(over), "overbooked")
			b.ReportMetric(base/float64(rounds), "plain-inserts/s")
			b.ReportMetric(rate/base, "ratio")
		})
	}
}

// BenchmarkParkingMemory: a fresh process opens a SQLite database with
// 100,000 facilities and a week of hourly history (16.8 million rows, from
// which the forecast profiles are computed) and loads its index; its
// resident memory is read from /proc. Target: under 300 MB.
func BenchmarkParkingMemory(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc")
	}
	a, path := benchApp(b)
	ctx := context.Background()
	// A week of history for every facility, generated in the database.
	hour := parking.Minutes(time.Now()) / 60
	if _, err := a.DB.Exec(ctx, `DELETE FROM parking_profiles`); err != nil {
		b.Fatal(err)
	}
	if _, err := a.DB.Exec(ctx, `WITH RECURSIVE h(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM h WHERE x < 167)
		INSERT INTO parking_occupancy_history (facility_id, hour, dow_hour, free_sum, samples, free_min, capacity)
		SELECT f.id, ? - 168 + h.x, (h.x + 24 * 3) % 168, (f.total_spaces * ((f.id + h.x) % 10)) / 10 * 4, 4,
			(f.total_spaces * ((f.id + h.x) % 10)) / 10, f.total_spaces
		FROM parking_facilities f, h`, hour); err != nil {
		b.Fatal(err)
	}
	s := parking.NewService(a.DB, a.Calendar, web.Location)
	if n, err := s.RefreshProfiles(ctx, 4); err != nil || n != benchFacilities {
		b.Fatalf("profiles: %d %v", n, err)
	}
	a.Close()
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestParkingMemoryChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "ANJU_BENCH_PARKING_DB="+path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("child: %v\n%s", err, out)
		}
		var rss, heap, n int64
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			fmt.Sscanf(sc.Text(), "PARKING_MEMORY rss_kb=%d heap_kb=%d facilities=%d", &rss, &heap, &n)
		}
		if n != benchFacilities {
			b.Fatalf("child indexed %d facilities:\n%s", n, out)
		}
		b.ReportMetric(float64(rss)/1024, "rss-MB")
		b.ReportMetric(float64(heap)/1024, "heap-MB")
		b.ReportMetric(float64(rss)/1024/300, "ratio")
	}
}

// TestParkingMemoryChild is the process BenchmarkParkingMemory measures.
func TestParkingMemoryChild(t *testing.T) {
	path := os.Getenv("ANJU_BENCH_PARKING_DB")
	if path == "" {
		t.Skip("run by BenchmarkParkingMemory")
	}
	cfg := app.Defaults()
	cfg.DB = path
	a, err := app.Open(context.Background(), cfg, "bench")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var n int
	if err := a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM parking_profiles`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("PARKING_MEMORY rss_kb=%d heap_kb=%d facilities=%d\n", rssKB(), ms.HeapAlloc/1024, n)
}

func rssKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			v, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return v
		}
	}
	return 0
}
