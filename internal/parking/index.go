package parking

import (
	"context"
	"database/sql"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Index is the in-memory spatial index that search is served from: every
// facility with its compiled rules, live occupancy and forecast profile,
// bucketed in a grid of cellDeg × cellDeg cells. It is a cache of the
// database: Load builds it, Refresh (every second, in every process) picks
// up what any process changed — facilities, rules, suspensions and members
// move the facility's updated_at, occupancy its received_at, profiles their
// updated_at. Each refresh reads rows stamped after the start of the
// previous refresh less refreshOverlap, so a row stamped just before a
// refresh but committed after it (or stamped by a process whose clock is a
// little behind) is still read; re-applying a row is idempotent.
type Index struct {
	s *Service

	mu   sync.RWMutex
	byID map[int64]*entry
	grid map[int64]*cell
	// since is where the next refresh starts reading: the start of the
	// previous one less refreshOverlap (wall clock of this process).
	since   time.Time
	loaded  bool
	version int64 // bumps on every applied change (for the feeds' caches)

	refreshMu   sync.Mutex
	lastRefresh atomic.Int64 // unix nanoseconds of the last successful refresh
	dirty       atomic.Bool  // this process wrote something the index has not read yet
}

// Touch tells the index that this process changed the database, so the
// next request refreshes it at once (other processes' changes arrive
// within a refresh period).
func (ix *Index) Touch() { ix.dirty.Store(true) }

// entry is one facility as the index holds it.
type entry struct {
	lat, lng float64 // copied from f: the distance test reads no further
	f        *Facility
	plan     Plan
	members  map[int64]struct{}
	cell     int64
	slot     int // of its item in grid[cell].items
	// live occupancy
	occFree, occCap int32
	occObserved     int64 // unix minutes; 0: never
	profile         *Profile
}

const cellDeg = 0.01 // ≈ 1.1 km north–south

// cell is the facilities of one grid cell. Each item holds its position
// beside the pointer, so the distance test of a search walks contiguous
// memory, and copies of what ranks it before the rules are applied
// (whether it is open, its live count and size; its forecast profile in
// hours, hour-major, so the forecasts a search reads — one hour of the week
// — are contiguous), so a search follows the pointer only for the few
// facilities it judges. The copies are rewritten (setItem) under the
// index's write lock whenever the entry changes.
type cell struct {
	items []cellItem
	// hours[h*stride+i] is item i's forecast for hour h of the week
	// (profileUnknown without one); stride ≥ len(items).
	hours  []uint8
	stride int
}

// hourRow is the forecasts of the cell's items for hour h.
func (c *cell) hourRow(h int) []uint8 {
	return c.hours[h*c.stride : h*c.stride+len(c.items)]
}

func (c *cell) setProfile(i int, p *Profile) {
	for h := range p {
		c.hours[h*c.stride+i] = p[h]
	}
}

// add appends an item, widening hours as a slice grows (amortised).
func (c *cell) add(it cellItem, p *Profile) int {
	n := len(c.items)
	if n >= c.stride {
		stride := max(4, 2*c.stride)
		hours := make([]uint8, len(p)*stride)
		for h := range p {
			copy(hours[h*stride:h*stride+n], c.hours[h*c.stride:h*c.stride+n])
		}
		c.hours, c.stride = hours, stride
	}
	c.items = append(c.items, it)
	c.setProfile(n, p)
	return n
}

type cellItem struct {
	lat, lng    float64
	e           *entry
	occObserved int64
	occFree     int32
	occCap      int32
	total       int32
	open        bool
}

var unknownProfile = func() (p Profile) {
	for i := range p {
		p[i] = profileUnknown
	}
	return p
}()

func itemOf(e *entry) (cellItem, *Profile) {
	p := &unknownProfile
	if e.profile != nil {
		p = e.profile
	}
	return cellItem{lat: e.lat, lng: e.lng, e: e, occObserved: e.occObserved, occFree: e.occFree,
		occCap: e.occCap, total: int32(e.f.TotalSpaces), open: e.plan.Status == Open}, p
}

// addToCell appends e's item to its cell (under the write lock).
func addToCell(grid map[int64]*cell, e *entry) {
	c := grid[e.cell]
	if c == nil {
		c = &cell{}
		grid[e.cell] = c
	}
	e.slot = c.add(itemOf(e))
}

// setItem rewrites e's item after its counts or profile changed (under the
// write lock).
func (ix *Index) setItem(e *entry) {
	if c := ix.grid[e.cell]; c != nil && e.slot < len(c.items) && c.items[e.slot].e == e {
		it, p := itemOf(e)
		c.items[e.slot] = it
		c.setProfile(e.slot, p)
	}
}

// refreshOverlap is how far back each refresh re-reads, to catch
// transactions that committed after a later one was already seen.
const refreshOverlap = 5 * time.Second

// NewIndex returns an empty index over s.
func NewIndex(s *Service) *Index {
	return &Index{s: s, byID: map[int64]*entry{}, grid: map[int64]*cell{}}
}

func cellOf(lat, lng float64) int64 {
	return int64(math.Floor(lat/cellDeg))<<32 | int64(uint32(int32(math.Floor(lng/cellDeg))))
}

// Len is the number of facilities indexed.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.byID)
}

// Version changes whenever the index applies a change.
func (ix *Index) Version() int64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.version
}

// Load reads everything from the database, replacing what the index holds.
func (ix *Index) Load(ctx context.Context) error {
	ix.refreshMu.Lock()
	defer ix.refreshMu.Unlock()
	if err := ix.load(ctx); err != nil {
		return err
	}
	ix.lastRefresh.Store(time.Now().UnixNano())
	return nil
}

func (ix *Index) load(ctx context.Context) error {
	q := ix.s.DB
	start := ix.s.now() // the clock that stamps the rows
	rows, err := q.Query(ctx, `SELECT `+facilityCols+` FROM parking_facilities ORDER BY id`)
	if err != nil {
		return err
	}
	byID := map[int64]*entry{}
	for rows.Next() {
		f, err := scanFacility(rows)
		if err != nil {
			rows.Close()
			return err
		}
		fc := f
		byID[f.ID] = &entry{f: &fc}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := loadAllDetails(ctx, ix.s, byID); err != nil {
		return err
	}
	// Occupancy and profiles of every facility.
	if _, err := ix.readOccupancy(ctx, byID, time.Time{}, nil); err != nil {
		return err
	}
	if _, err := ix.readProfiles(ctx, byID, time.Time{}, nil); err != nil {
		return err
	}
	grid := map[int64]*cell{}
	for _, e := range byID {
		e.plan = PlanOf(e.f)
		e.lat, e.lng = e.f.Lat, e.f.Lng
		e.cell = cellOf(e.f.Lat, e.f.Lng)
		addToCell(grid, e)
	}
	ix.mu.Lock()
	ix.byID, ix.grid = byID, grid
	ix.since = start.Add(-refreshOverlap)
	ix.loaded = true
	ix.version++
	ix.mu.Unlock()
	slog.Debug("parking index loaded", "facilities", len(byID))
	return nil
}

// loadAllDetails reads every rule, live suspension and member in three queries.
func loadAllDetails(ctx context.Context, s *Service, byID map[int64]*entry) error {
	rows, err := s.DB.Query(ctx, `SELECT id, facility_id, name, days, entry_from, entry_until, leave_by, blackout_from,
		blackout_until, spaces, vehicle_class, eligibility FROM parking_share_rules ORDER BY id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var r Rule
		if err := rows.Scan(&r.ID, &r.FacilityID, &r.Name, &r.Days, &r.EntryFrom, &r.EntryUntil, &r.LeaveBy,
			&r.BlackoutFrom, &r.BlackoutUntil, &r.Spaces, &r.VehicleClass, &r.Eligibility); err != nil {
			rows.Close()
			return err
		}
		if e := byID[r.FacilityID]; e != nil {
			e.f.Rules = append(e.f.Rules, r)
		}
	}
	rows.Close()
	rows, err = s.DB.Query(ctx, `SELECT id, facility_id, starts_at, ends_at, reason, noticed_at FROM parking_suspensions
		WHERE cancelled = 0 AND (ends_at IS NULL OR ends_at > ?) ORDER BY starts_at`, s.now())
	if err != nil {
		return err
	}
	for rows.Next() {
		var su Suspension
		var fid int64
		var ends sql.NullTime
		if err := rows.Scan(&su.ID, &fid, &su.Starts, &ends, &su.Reason, &su.NoticedAt); err != nil {
			rows.Close()
			return err
		}
		su.Starts, su.NoticedAt = su.Starts.UTC(), su.NoticedAt.UTC()
		if ends.Valid {
			su.Ends = ends.Time.UTC()
		}
		if e := byID[fid]; e != nil {
			e.f.Suspensions = append(e.f.Suspensions, su)
		}
	}
	rows.Close()
	return loadMembers(ctx, s, byID, nil)
}

func loadMembers(ctx context.Context, s *Service, byID map[int64]*entry, ids []any) error {
	q := `SELECT facility_id, user_id FROM parking_members`
	if ids != nil {
		q += ` WHERE facility_id IN (` + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + `)`
	}
	rows, err := s.DB.Query(ctx, q, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var fid, uid int64
		if err := rows.Scan(&fid, &uid); err != nil {
			return err
		}
		if e := byID[fid]; e != nil {
			if e.members == nil {
				e.members = map[int64]struct{}{}
			}
			e.members[uid] = struct{}{}
		}
	}
	return rows.Err()
}

type occRow struct {
	id         int64
	free, cap  int32
	observed   int64
	receivedAt time.Time
}

// readOccupancy reads occupancy received after since, applying it to byID
// directly (at load) or collecting it (refresh, applied under the lock).
func (ix *Index) readOccupancy(ctx context.Context, byID map[int64]*entry, since time.Time, collect *[]occRow) (time.Time, error) {
	rows, err := ix.s.DB.Query(ctx, `SELECT facility_id, free, capacity, observed_at, received_at FROM parking_occupancy
		WHERE received_at > ?`, since)
	if err != nil {
		return since, err
	}
	defer rows.Close()
	hw := since
	for rows.Next() {
		var o occRow
		var obs time.Time
		if err := rows.Scan(&o.id, &o.free, &o.cap, &obs, &o.receivedAt); err != nil {
			return hw, err
		}
		o.observed = Minutes(obs)
		if o.receivedAt.After(hw) {
			hw = o.receivedAt
		}
		if collect != nil {
			*collect = append(*collect, o)
		} else if e := byID[o.id]; e != nil {
			e.occFree, e.occCap, e.occObserved = o.free, o.cap, o.observed
		}
	}
	return hw, rows.Err()
}

type profRow struct {
	id int64
	p  *Profile
}

func (ix *Index) readProfiles(ctx context.Context, byID map[int64]*entry, since time.Time, collect *[]profRow) (time.Time, error) {
	rows, err := ix.s.DB.Query(ctx, `SELECT facility_id, data, updated_at FROM parking_profiles WHERE updated_at > ?`, since)
	if err != nil {
		return since, err
	}
	defer rows.Close()
	hw := since
	for rows.Next() {
		var id int64
		var data string
		var at time.Time
		if err := rows.Scan(&id, &data, &at); err != nil {
			return hw, err
		}
		if at.After(hw) {
			hw = at
		}
		p, err := decodeProfile(data)
		if err != nil {
			continue
		}
		if collect != nil {
			*collect = append(*collect, profRow{id, p})
		} else if e := byID[id]; e != nil {
			e.profile = p
		}
	}
	return hw, rows.Err()
}

// Fresh refreshes the index if no refresh happened within maxAge and no
// other request is refreshing it already: requests see changes even where
// no background refresher runs (tests, a process just started).
func (ix *Index) Fresh(ctx context.Context, maxAge time.Duration) {
	// This process's own writes are read back at once — but at most ten
	// times a second, so a stream of pushes cannot turn every search into
	// a refresh.
	due := func() bool {
		age := time.Since(time.Unix(0, ix.lastRefresh.Load()))
		return age >= maxAge || (ix.dirty.Load() && age >= 100*time.Millisecond)
	}
	if !due() || !ix.refreshMu.TryLock() {
		return
	}
	defer ix.refreshMu.Unlock()
	if !due() {
		return
	}
	if err := ix.refresh(ctx); err != nil {
		slog.Error("parking index refresh", "err", err)
	}
}

// Refresh applies what changed in the database since the last look.
func (ix *Index) Refresh(ctx context.Context) error {
	ix.refreshMu.Lock()
	defer ix.refreshMu.Unlock()
	return ix.refresh(ctx)
}

func (ix *Index) refresh(ctx context.Context) error {
	ix.dirty.Store(false)
	err := ix.refreshOnce(ctx)
	if err == nil {
		ix.lastRefresh.Store(time.Now().UnixNano())
	}
	return err
}

func (ix *Index) refreshOnce(ctx context.Context) error {
	ix.mu.RLock()
	loaded, since := ix.loaded, ix.since
	ix.mu.RUnlock()
	if !loaded {
		return ix.load(ctx)
	}
	start := ix.s.now() // the clock that stamps the rows
	// Facilities that changed (their rules, suspensions, members with them).
	rows, err := ix.s.DB.Query(ctx, `SELECT `+facilityCols+` FROM parking_facilities WHERE updated_at > ?`, since)
	if err != nil {
		return err
	}
	changed := map[int64]*entry{}
	var ids []any
	for rows.Next() {
		f, err := scanFacility(rows)
		if err != nil {
			rows.Close()
			return err
		}
		fc := f
		changed[f.ID] = &entry{f: &fc}
		ids = append(ids, f.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(changed) > 0 {
		ptrs := make([]*Facility, 0, len(changed))
		for _, e := range changed {
			ptrs = append(ptrs, e.f)
		}
		if err := loadDetails(ctx, ix.s.DB, ptrs); err != nil {
			return err
		}
		for start := 0; start < len(ids); start += 500 {
			if err := loadMembers(ctx, ix.s, changed, ids[start:min(start+500, len(ids))]); err != nil {
				return err
			}
		}
		for _, e := range changed {
			e.plan = PlanOf(e.f)
			e.lat, e.lng = e.f.Lat, e.f.Lng
			e.cell = cellOf(e.f.Lat, e.f.Lng)
		}
	}
	var occ []occRow
	if _, err := ix.readOccupancy(ctx, nil, since, &occ); err != nil {
		return err
	}
	var prof []profRow
	if _, err := ix.readProfiles(ctx, nil, since, &prof); err != nil {
		return err
	}
	if len(changed) == 0 && len(occ) == 0 && len(prof) == 0 {
		ix.mu.Lock()
		ix.since = start.Add(-refreshOverlap)
		ix.mu.Unlock()
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for id, e := range changed {
		if old := ix.byID[id]; old != nil {
			e.occFree, e.occCap, e.occObserved, e.profile = old.occFree, old.occCap, old.occObserved, old.profile
			ix.removeFromCell(old)
		}
		ix.byID[id] = e
		addToCell(ix.grid, e)
	}
	for _, o := range occ {
		if e := ix.byID[o.id]; e != nil {
			e.occFree, e.occCap, e.occObserved = o.free, o.cap, o.observed
			ix.setItem(e)
		}
	}
	for _, p := range prof {
		if e := ix.byID[p.id]; e != nil {
			e.profile = p.p
			ix.setItem(e)
		}
	}
	ix.since = start.Add(-refreshOverlap)
	ix.version++
	return nil
}

func (ix *Index) removeFromCell(e *entry) {
	c := ix.grid[e.cell]
	if c == nil {
		return
	}
	for i, x := range c.items {
		if x.e == e {
			last := len(c.items) - 1
			c.items[i] = c.items[last]
			for h := 0; h < len(Profile{}); h++ {
				c.hours[h*c.stride+i] = c.hours[h*c.stride+last]
			}
			c.items[i].e.slot = i
			c.items[last] = cellItem{}
			c.items = c.items[:last]
			return
		}
	}
}

// Run keeps the index fresh until ctx ends.
func (ix *Index) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := ix.Refresh(ctx); err != nil && ctx.Err() == nil {
			slog.Error("parking index refresh", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Put adds or replaces one facility in the index directly, with its live
// count (observed at unix minute observed, 0 for none) and profile — for
// tests and benchmarks that build an index without a database.
func (ix *Index) Put(f Facility, members []int64, free, capacity int, observed int64, profile *Profile) {
	fc := f
	e := &entry{f: &fc, lat: f.Lat, lng: f.Lng, plan: PlanOf(&fc), cell: cellOf(f.Lat, f.Lng), occFree: int32(free), occCap: int32(capacity),
		occObserved: observed, profile: profile}
	for _, m := range members {
		if e.members == nil {
			e.members = map[int64]struct{}{}
		}
		e.members[m] = struct{}{}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if old := ix.byID[f.ID]; old != nil {
		ix.removeFromCell(old)
	}
	ix.byID[f.ID] = e
	addToCell(ix.grid, e)
	ix.loaded = true
	ix.version++
}

// Live is one facility's state now, for the feeds and maps.
type Live struct {
	F           *Facility
	CapacityNow int       // spaces open to the public at this moment
	Free        int       // of them free now; -1 unknown (no count, or stale)
	Observed    time.Time // of the last count; zero if none
}

// Snapshot is every facility's state at now, in id order, optionally only
// those inside box (nil: all).
func (ix *Index) Snapshot(now time.Time, box *[4]float64) []Live {
	d := ix.s.Days()
	m := Minutes(now)
	stale := int64(ix.s.StaleAfter / time.Minute)
	ix.mu.RLock()
	out := make([]Live, 0, len(ix.byID))
	for _, e := range ix.byID {
		if box != nil && (e.f.Lng < box[0] || e.f.Lat < box[1] || e.f.Lng > box[2] || e.f.Lat > box[3]) {
			continue
		}
		l := Live{F: e.f, CapacityNow: e.plan.CapacityAt(m, d), Free: -1}
		if e.occObserved != 0 {
			l.Observed = TimeOf(e.occObserved)
			if m-e.occObserved <= stale {
				l.Free = min(int(e.occFree), l.CapacityNow)
			}
		}
		out = append(out, l)
	}
	ix.mu.RUnlock()
	slices.SortFunc(out, func(a, b Live) int { return cmpInt(a.F.ID, b.F.ID) })
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
