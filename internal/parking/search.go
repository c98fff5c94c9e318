package parking

import (
	"errors"
	"math"
	"slices"
	"sync"
	"time"

	"anju/internal/platform/geo"
)

// Query is a driver's search: where they are going (WGS-84), when they
// arrive, how long they stay, how far they will walk, and what they need.
type Query struct {
	Dest   geo.Point
	Arrive time.Time
	Stay   time.Duration
	Radius float64 // metres, straight line from the destination
	Need   Need
	UserID int64 // for hosts' "registered users only" rules
	Limit  int
	Now    time.Time
}

// Free-space sources.
const (
	SourceLive     = "live"
	SourceForecast = "forecast"
	SourceUnknown  = "unknown"
)

// Hit is one facility that takes the whole stay.
type Hit struct {
	ID         int64
	Distance   float64 // metres, straight line
	Walk       float64 // metres, estimated walk
	Capacity   int     // spaces open to this stay
	Free       int     // -1: unknown
	Source     string
	PriceCents int64
	Via        uint8
	Rule       string // the sharing rule that admits the stay, if any
	Reservable bool
	tier       uint8
	f          *Facility
}

// Facility is the registry entry of the hit (shared with the index: read only).
func (h *Hit) Facility() *Facility { return h.f }

// Limits of a search.
const (
	MaxRadius    = 5000.0
	MaxResults   = 100
	LiveHorizon  = 15 * time.Minute // arrivals sooner than this are shown live counts
	defaultLimit = 20
)

// ErrNoCalendar: the stay falls on days of a year the calendar has no data
// for, so sharing rules cannot be judged (shown to the user, never guessed).
var ErrNoCalendar = errors.New("parking: the calendar has no data for the days of this stay")

// Normalize fills defaults and bounds a query.
func (q *Query) Normalize() {
	if q.Radius <= 0 {
		q.Radius = 1000
	}
	q.Radius = min(q.Radius, MaxRadius)
	if q.Limit <= 0 {
		q.Limit = defaultLimit
	}
	q.Limit = min(q.Limit, MaxResults)
	if q.Stay <= 0 {
		q.Stay = time.Hour
	}
	q.Stay = min(q.Stay, MaxStay)
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	if q.Arrive.IsZero() {
		q.Arrive = q.Now
	}
}

// Search answers a query from the index: the facilities within the radius
// that take the whole stay, ranked — those with free spaces first, then
// unknown, then full; within each, the shortest walk, then the lowest price.
// calendarGap reports whether some day of the stay had no calendar data.
//
// The tier (free, unknown, full) of a facility that takes the stay does not
// depend on how many spaces it opens to it (a count is capped at the
// capacity, which is positive), so tier and walk — the two leading keys of
// the ranking — are known from the position and the counts alone. The
// facilities within the radius are put in a heap on those keys and the
// rules (the costliest part of judging) are applied only to those popped
// in order, until limit of them take the stay and the next one ranks
// strictly after the last taken; only those are priced and fully ranked.
func (ix *Index) Search(q Query) (hits []Hit, calendarGap bool) {
	q.Normalize()
	d := ix.s.Days()
	ctx := newSearchCtx(ix, q, d)
	calendarGap = d.Class(d.Day(ctx.a)-1) == 0 || d.Class(d.Day(ctx.b)) == 0
	box := geo.BBox(q.Dest, q.Radius)
	c0 := cellOf(box.MinLat, box.MinLng)
	c1 := cellOf(box.MaxLat, box.MaxLng)
	lat0, lat1 := c0>>32, c1>>32
	lng0, lng1 := int64(int32(uint32(c0))), int64(int32(uint32(c1)))
	sc := scratchPool.Get().(*searchScratch)
	pre := sc.pre[:0]
	cands := sc.cands[:0]
	live := ctx.a <= ctx.now+int64(LiveHorizon/time.Minute)
	dowHour := d.DowHour(ctx.a)
	ix.mu.RLock()
	for la := lat0; la <= lat1; la++ {
		for ln := lng0; ln <= lng1; ln++ {
			c := ix.grid[la<<32|int64(uint32(int32(ln)))]
			if c == nil {
				continue
			}
			var forecast []uint8
			if !live {
				forecast = c.hourRow(dowHour)
			}
			for i := range c.items {
				it := &c.items[i]
				dy, dx := (it.lat-q.Dest.Lat)*ctx.kLat, (it.lng-q.Dest.Lng)*ctx.kLng
				if dx*dx+dy*dy > ctx.r2 {
					continue
				}
				dist := geo.Haversine(q.Dest, geo.Point{Lat: it.lat, Lng: it.lng})
				if dist > q.Radius {
					continue
				}
				if !it.open {
					continue
				}
				tier := uint64(1)
				v := uint8(profileUnknown)
				if !live {
					v = forecast[i]
				}
				if x, ok := ctx.rawFree(it.occObserved, it.occFree, it.occCap, v, it.total, live); ok {
					switch {
					case x > 0:
						tier = 0
					case x == 0:
						tier = 2
					}
				}
				walkR := math.Round(dist * geo.WalkDetourFactor)
				pre = append(pre, preCand{key: tier<<48 | uint64(walkR), dist: dist, e: it.e})
			}
		}
	}
	// Pop in (tier, walk) order, judging each, until limit are taken and
	// the next ranks strictly after the last taken.
	heapify(pre)
	for len(pre) > 0 {
		top := pre[0]
		if len(cands) >= q.Limit && top.key != cands[len(cands)-1].key {
			break
		}
		n := len(pre) - 1
		pre[0] = pre[n]
		pre = pre[:n]
		if n > 0 {
			siftDown(pre, 0)
		}
		if cd, ok := ctx.admitCand(top.e, top.dist, live, dowHour); ok {
			cd.key = top.key
			cands = append(cands, cd)
		}
	}
	hits = ctx.top(cands, q.Limit)
	ix.mu.RUnlock() // top reads the facilities' tariffs
	sc.pre, sc.cands = pre[:0], cands[:0]
	scratchPool.Put(sc)
	return hits, calendarGap
}

// preCand is a facility within the radius before the rules are applied:
// key is tier<<48 | walk rounded to the metre, the ranking's leading keys.
type preCand struct {
	key  uint64
	dist float64
	e    *entry
}

type searchScratch struct {
	pre   []preCand
	cands []cand
}

var scratchPool = sync.Pool{New: func() any {
	return &searchScratch{pre: make([]preCand, 0, 1024), cands: make([]cand, 0, 128)}
}}

// heapify makes h a min-heap on key.
func heapify(h []preCand) {
	for i := len(h)/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
}

func siftDown(h []preCand, i int) {
	n := len(h)
	x := h[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].key < h[c].key {
			c = r
		}
		if h[c].key >= x.key {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = x
}

// cand is a facility that takes the stay, as compact as the ranking needs
// (a search judges hundreds; only the first few become Hits).
type cand struct {
	e     *entry
	dist  float64
	walkR float64 // the walk rounded to the metre, as ranked
	price int64
	key   uint64 // tier<<48 | walkR (Search only)
	cap   int32
	free  int32
	rule  int16
	via   uint8
	tier  uint8
}

// top prices the candidates (the first limit by tier and walk, and any
// tied with the last of them), ranks them fully and returns the first
// limit as hits.
func (c *searchCtx) top(cands []cand, limit int) []Hit {
	for i := range cands {
		cands[i].price = cands[i].e.f.Tariff.Price(c.a, c.b, c.d)
	}
	slices.SortFunc(cands, func(x, y cand) int {
		switch {
		case x.tier != y.tier:
			return int(x.tier) - int(y.tier)
		case x.walkR != y.walkR:
			return cmpFloat(x.walkR, y.walkR)
		case x.price != y.price:
			return cmpInt(x.price, y.price)
		}
		return cmpInt(x.e.f.ID, y.e.f.ID)
	})
	hits := make([]Hit, min(limit, len(cands)))
	for i := range hits {
		hits[i] = c.hitOf(cands[i])
	}
	return hits
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// BruteForce answers the same query by looking at every facility (the
// oracle of the index's tests, and the baseline of its benchmark).
func (ix *Index) BruteForce(q Query) []Hit {
	q.Normalize()
	ctx := newSearchCtx(ix, q, ix.s.Days())
	var hits []Hit
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for _, e := range ix.byID {
		if h, ok := ctx.judge(e); ok {
			h.PriceCents = h.f.Tariff.Price(ctx.a, ctx.b, ctx.d)
			hits = append(hits, h)
		}
	}
	Rank(hits)
	if len(hits) > q.Limit {
		hits = hits[:q.Limit]
	}
	return hits
}

type searchCtx struct {
	q          Query
	d          *Days
	a, b       int64
	now, stale int64
	// A cheap pre-test in degrees: a point outside the ellipse
	// (Δlat·kLat)² + (Δlng·kLng)² > r²·1.01 is certainly beyond the radius.
	kLat, kLng, r2 float64
}

func newSearchCtx(ix *Index, q Query, d *Days) searchCtx {
	a := Minutes(q.Arrive)
	c := searchCtx{q: q, d: d, a: a, b: a + int64(math.Ceil(q.Stay.Minutes())), now: Minutes(q.Now),
		stale: int64(ix.s.StaleAfter / time.Minute)}
	const mPerDeg = geo.EarthRadius * math.Pi / 180
	c.kLat = mPerDeg
	c.kLng = mPerDeg * math.Cos(q.Dest.Lat*math.Pi/180)
	c.r2 = q.Radius * q.Radius * 1.01
	return c
}

func (c *searchCtx) judge(e *entry) (Hit, bool) {
	cd, ok := c.judgeCand(e)
	if !ok {
		return Hit{}, false
	}
	h := c.hitOf(cd)
	h.PriceCents = -1 // set by the caller
	return h, true
}

func (c *searchCtx) hitOf(cd cand) Hit {
	e := cd.e
	h := Hit{ID: e.f.ID, Distance: cd.dist, Walk: cd.dist * geo.WalkDetourFactor, Capacity: int(cd.cap),
		Free: int(cd.free), Source: SourceUnknown, Via: cd.via, Reservable: e.plan.Reservable > 0, f: e.f,
		PriceCents: cd.price, tier: cd.tier}
	if cd.rule >= 0 {
		h.Rule = e.plan.Rules[cd.rule].Name
	}
	if cd.free >= 0 {
		h.Source = SourceForecast
		if c.a <= c.now+int64(LiveHorizon/time.Minute) {
			h.Source = SourceLive
		}
	}
	return h
}

// rawFree is the facility's free count at arrival before it is capped at
// the stay's capacity (the live count when arriving now and it is fresh,
// else the forecast), and false when unknown. Capped at a positive
// capacity it keeps its sign, so it alone gives the tier.
// forecast is the profile's value for the hour of arrival (profileUnknown
// without a profile).
func (c *searchCtx) rawFree(observed int64, free, capacity int32, forecast uint8, total int32, live bool) (int, bool) {
	if live {
		// Arriving now: the live count, if fresh; stale data is unknown, never free.
		if observed != 0 && c.now-observed <= c.stale && capacity > 0 {
			return int(free), true
		}
	} else if forecast != profileUnknown {
		return int(math.Round(float64(forecast) / 250 * float64(total))), true
	}
	return 0, false
}

func (c *searchCtx) judgeCand(e *entry) (cand, bool) {
	dy, dx := (e.lat-c.q.Dest.Lat)*c.kLat, (e.lng-c.q.Dest.Lng)*c.kLng
	if dx*dx+dy*dy > c.r2 {
		return cand{}, false
	}
	dist := geo.Haversine(c.q.Dest, geo.Point{Lat: e.lat, Lng: e.lng})
	if dist > c.q.Radius {
		return cand{}, false
	}
	return c.admitCand(e, dist, c.a <= c.now+int64(LiveHorizon/time.Minute), c.d.DowHour(c.a))
}

// admitCand applies the rules to a facility within the radius.
func (c *searchCtx) admitCand(e *entry, dist float64, live bool, dowHour int) (cand, bool) {
	need := c.q.Need
	if e.members != nil && c.q.UserID != 0 {
		_, need.Member = e.members[c.q.UserID]
	}
	capacity, via, ri := e.plan.Admit(c.a, c.b, c.d, need)
	if capacity == 0 {
		return cand{}, false
	}
	cd := cand{e: e, dist: dist, walkR: math.Round(dist * geo.WalkDetourFactor), cap: int32(capacity), free: -1,
		rule: int16(ri), via: via}
	v := uint8(profileUnknown)
	if !live && e.profile != nil {
		v = e.profile[dowHour]
	}
	if x, ok := c.rawFree(e.occObserved, e.occFree, e.occCap, v, int32(e.f.TotalSpaces), live); ok {
		cd.free = int32(min(x, capacity))
	}
	switch {
	case cd.free > 0:
		cd.tier = 0
	case cd.free < 0:
		cd.tier = 1
	default:
		cd.tier = 2
	}
	return cd, true
}

// Rank orders hits: free first, then unknown, then full; shorter walk
// (to the metre), lower price, lower id.
func Rank(hits []Hit) {
	slices.SortFunc(hits, func(x, y Hit) int {
		if x.tier != y.tier {
			return int(x.tier) - int(y.tier)
		}
		wx, wy := math.Round(x.Walk), math.Round(y.Walk)
		if wx != wy {
			if wx < wy {
				return -1
			}
			return 1
		}
		if x.PriceCents != y.PriceCents {
			if x.PriceCents < y.PriceCents {
				return -1
			}
			return 1
		}
		switch {
		case x.ID < y.ID:
			return -1
		case x.ID > y.ID:
			return 1
		}
		return 0
	})
}

// pt is a facility's position.
func pt(f Facility) geo.Point { return geo.Point{Lat: f.Lat, Lng: f.Lng} }

// Judge answers q over the given candidates only, with the same rules and
// ranking as Search: the second half of a search whose spatial part was
// done elsewhere (the PostGIS baseline of the benchmarks).
func (ix *Index) Judge(q Query, ids []int64) []Hit {
	q.Normalize()
	ctx := newSearchCtx(ix, q, ix.s.Days())
	var hits []Hit
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for _, id := range ids {
		if e := ix.byID[id]; e != nil {
			if h, ok := ctx.judge(e); ok {
				h.PriceCents = h.f.Tariff.Price(ctx.a, ctx.b, ctx.d)
				hits = append(hits, h)
			}
		}
	}
	Rank(hits)
	if len(hits) > q.Limit {
		hits = hits[:q.Limit]
	}
	return hits
}
