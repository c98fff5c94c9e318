package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"anju/internal/platform/db"
	"anju/internal/platform/org"
)

// City is the generated administrative tree as the module steps need it:
// every unit down to compounds, and the ids of each compound's buildings.
// Slices are in code order, which is also id order.
type City struct {
	Root        Node
	Districts   []Node // the six districts, then the two zones (Kind org.Zone)
	Streets     []Node
	Communities []Node
	Compounds   []Node
	Buildings   int // how many buildings in all
}

// Node is one unit of the generated tree.
type Node struct {
	ID, ParentID int64
	Kind         org.Kind
	Code, Name   string
	Path         string // "/1/3/12/" as org keeps it
	Depth        int
	Lat, Lng     float64 // WGS-84

	// Compounds only.
	Built     int     // year of construction; before 2000 is an "old compound" (老旧小区)
	Buildings []int64 // ids of its buildings, 1幢 first
}

// The city: code, name and centre. The centre is a plausible inland-delta
// position; the map shows invented districts around it.
const (
	cityCode = "AL"
	cityName = "安澜市"
	cityLat  = 30.25
	cityLng  = 120.17
)

// epoch is the created_at of every generated unit: a fixed instant, so that
// two runs with one seed write identical rows.
var epoch = time.Date(2025, 1, 2, 1, 0, 0, 0, time.UTC) // 09:00 in Asia/Shanghai

// area is one district or zone as designed: where it lies, how big and how
// old it is. The old town by the river has the oldest housing — where the
// report's 老城区停车难 (no parking in the old town) comes from.
type area struct {
	name       string
	kind       org.Kind
	dLat, dLng float64 // offset of its centre from the city centre, degrees
	radius     float64 // degrees (0.01° ≈ 1.1 km)
	streets    [2]int  // streets at scale 1: from, to (inclusive)
	builtFrom  int     // oldest compounds
	builtTo    int     // newest compounds
}

var areas = []area{
	{"澜江区", org.District, 0.000, 0.000, 0.025, [2]int{3, 5}, 1978, 2012},   // the old town on the river
	{"东城区", org.District, 0.005, 0.085, 0.030, [2]int{3, 5}, 1988, 2020},   // east bank, 1990s expansion
	{"西岭区", org.District, 0.010, -0.080, 0.030, [2]int{3, 5}, 1985, 2018},  // west, towards the hills
	{"南浦区", org.District, -0.075, 0.015, 0.032, [2]int{3, 5}, 1995, 2023},  // south, new town
	{"北塘区", org.District, 0.075, 0.000, 0.030, [2]int{3, 5}, 1982, 2019},   // north, old industrial belt
	{"云溪区", org.District, -0.050, -0.110, 0.035, [2]int{3, 5}, 2000, 2024}, // south-west, suburban
	{"安澜自贸区", org.Zone, -0.040, 0.170, 0.025, [2]int{1, 2}, 2008, 2024},    // the free-trade zone by the port
	{"临港联动创新区", org.Zone, 0.070, 0.150, 0.022, [2]int{1, 2}, 2010, 2024},   // linked innovation zone
}

// Shape of the tree below a street, at any scale.
const (
	communitiesMin, communitiesMax = 2, 4  // per street
	compoundsPerScale              = 300   // compounds at scale 1
	buildingsMin, buildingsMax     = 4, 20 // per compound
)

// generateCity is the "city" step: it designs the whole tree in memory down
// to compounds, then writes it (buildings streamed, compound by compound) in
// one transaction, so a failure leaves no half city behind.
func generateCity(ctx context.Context, env *Env, r *rand.Rand) error {
	c, plan, nextID := designCity(r, env.Scale)
	bar := env.Bar("行政区划 city tree", len(plan))
	err := env.DB.Tx(ctx, func(tx *db.Tx) error {
		w := newUnitWriter(tx)
		for _, n := range c.upper() {
			if err := w.add(ctx, n); err != nil {
				return err
			}
		}
		// Buildings follow their compound, so each compound's ids are
		// contiguous: compound n, then its buildings n+1 … n+k.
		for i := range c.Compounds {
			cp := &c.Compounds[i]
			cp.ID = nextID
			cp.Path = c.Communities[plan[i].community].Path + strconv.FormatInt(cp.ID, 10) + "/"
			nextID++
			if err := w.add(ctx, *cp); err != nil {
				return err
			}
			cp.Buildings = make([]int64, plan[i].buildings)
			for b := range plan[i].buildings {
				bl := Node{ID: nextID, ParentID: cp.ID, Kind: org.Building, Depth: cp.Depth + 1,
					Code: fmt.Sprintf("%s-%02d", cp.Code, b+1), Name: strconv.Itoa(b+1) + "幢"}
				bl.Path = cp.Path + strconv.FormatInt(bl.ID, 10) + "/"
				bl.Lat, bl.Lng = scatter(r, cp.Lat, cp.Lng, 0.0008)
				cp.Buildings[b] = nextID
				nextID++
				if err := w.add(ctx, bl); err != nil {
					return err
				}
			}
			c.Buildings += plan[i].buildings
			bar.Add(1)
		}
		if err := w.flush(ctx); err != nil {
			return err
		}
		if err := syncIDSequence(ctx, tx, nextID-1); err != nil {
			return err
		}
		// One audit record for the whole tree, as the spreadsheet import
		// writes one per file: a row per building would bury the log.
		if env.Org.Audit == nil {
			return fmt.Errorf("org: Store.Audit is not set")
		}
		detail, _ := json.Marshal(map[string]any{"format": "demo", "seed": env.Seed, "scale": env.Scale,
			"created": w.written})
		return env.Org.Audit(ctx, tx, "org.unit.import", "org_unit", strconv.FormatInt(c.Root.ID, 10),
			string(detail), c.Root.Path)
	})
	if err != nil {
		return err
	}
	bar.Finish()
	env.City = c
	return nil
}

// compoundPlan is where a compound goes and how many buildings it has,
// decided before anything is written.
type compoundPlan struct {
	community int // index into City.Communities
	buildings int
}

// designCity lays out the city down to the compounds, with codes, names and
// coordinates, and the ids of the units above compounds. Compounds get their
// ids as they are written (from nextID on), each followed by its buildings,
// which are only counted here.
func designCity(r *rand.Rand, scale int) (c *City, plan []compoundPlan, nextID int64) {
	var id int64
	next := func() int64 { id++; return id }
	c = &City{}
	c.Root = Node{ID: next(), Kind: org.City, Code: cityCode, Name: cityName, Lat: cityLat, Lng: cityLng}
	c.Root.Path = "/" + strconv.FormatInt(c.Root.ID, 10) + "/"

	streetNames, communityNames, compoundNames := newNamer(), newNamer(), newNamer()
	child := func(parent Node, kind org.Kind, code, name string, lat, lng float64) Node {
		n := Node{ID: next(), ParentID: parent.ID, Kind: kind, Code: code, Name: name, Depth: parent.Depth + 1}
		n.Path = parent.Path + strconv.FormatInt(n.ID, 10) + "/"
		n.Lat, n.Lng = round6(lat), round6(lng)
		return n
	}

	// Districts and zones, then all streets, then all communities: ids go
	// level by level, in code order.
	var streetArea []int // area index of each street
	for i, a := range areas {
		c.Districts = append(c.Districts, child(c.Root, a.kind, fmt.Sprintf("%s%02d", cityCode, i+1), a.name,
			cityLat+a.dLat, cityLng+a.dLng))
	}
	streetWidth := max(2, digits(areas[0].streets[1]*scale))
	for i, d := range c.Districts {
		a := areas[i]
		n := (a.streets[0] + r.IntN(a.streets[1]-a.streets[0]+1)) * scale
		for s := range n {
			lat, lng := scatter(r, d.Lat, d.Lng, a.radius)
			c.Streets = append(c.Streets, child(d, org.Street, fmt.Sprintf("%s-%0*d", d.Code, streetWidth, s+1),
				streetNames.streetName(r), lat, lng))
			streetArea = append(streetArea, i)
		}
	}
	var communityArea []int
	for si, st := range c.Streets {
		n := communitiesMin + r.IntN(communitiesMax-communitiesMin+1)
		for k := range n {
			lat, lng := scatter(r, st.Lat, st.Lng, 0.008)
			c.Communities = append(c.Communities, child(st, org.Community, fmt.Sprintf("%s-%02d", st.Code, k+1),
				communityNames.communityName(r), lat, lng))
			communityArea = append(communityArea, streetArea[si])
		}
	}

	// Compounds: an exact total (300 per scale unit), spread unevenly over
	// the communities, as real ones are.
	counts := spread(r, len(c.Communities), compoundsPerScale*scale)
	for ci, cm := range c.Communities {
		a := areas[communityArea[ci]]
		for k := range counts[ci] {
			built := a.builtFrom + r.IntN(a.builtTo-a.builtFrom+1)
			lat, lng := scatter(r, cm.Lat, cm.Lng, 0.003)
			c.Compounds = append(c.Compounds, Node{ParentID: cm.ID, Kind: org.Compound, Depth: cm.Depth + 1,
				Code: fmt.Sprintf("%s-%03d", cm.Code, k+1), Name: compoundNames.compoundName(r, built),
				Lat: lat, Lng: lng, Built: built})
			// Old estates are many low blocks; new ones fewer towers.
			lo, hi := buildingsMin, buildingsMax
			if built < 2000 {
				lo = 8
			} else if built >= 2010 {
				hi = 14
			}
			plan = append(plan, compoundPlan{community: ci, buildings: lo + r.IntN(hi-lo+1)})
		}
	}
	return c, plan, id + 1
}

// upper lists the units above compounds, parents first.
func (c *City) upper() []Node {
	out := make([]Node, 0, 1+len(c.Districts)+len(c.Streets)+len(c.Communities))
	out = append(out, c.Root)
	out = append(out, c.Districts...)
	out = append(out, c.Streets...)
	return append(out, c.Communities...)
}

// spread divides total among n buckets: each gets 2–5 at first, then single
// units are added or taken at random buckets until the sum is exact (no
// bucket below 1).
func spread(r *rand.Rand, n, total int) []int {
	out := make([]int, n)
	sum := 0
	for i := range out {
		out[i] = 2 + r.IntN(4)
		sum += out[i]
	}
	for sum < total {
		out[r.IntN(n)]++
		sum++
	}
	for sum > total {
		if i := r.IntN(n); out[i] > 1 {
			out[i]--
			sum--
		}
	}
	return out
}

// scatter places a point uniformly in a disc of radius (degrees of latitude)
// around lat, lng, widening longitude so the disc is round on the ground.
func scatter(r *rand.Rand, lat, lng, radius float64) (float64, float64) {
	d := radius * math.Sqrt(r.Float64())
	a := 2 * math.Pi * r.Float64()
	return round6(lat + d*math.Cos(a)), round6(lng + d*math.Sin(a)/math.Cos(lat*math.Pi/180))
}

// round6 keeps six decimals (about 0.1 m): what a survey gives, and short in
// exports.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func digits(n int) int { return len(strconv.Itoa(n)) }
