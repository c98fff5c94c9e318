package geo

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestHaversineKnownDistances(t *testing.T) {
	for _, c := range []struct {
		name     string
		a, b     Point
		want, ok float64 // metres, tolerance
	}{
		// One degree of latitude on the mean sphere: R·π/180 = 111,195 m
		// (the "111.2 km" everyone quotes).
		{"1° latitude", Point{0, 0}, Point{1, 0}, EarthRadius * math.Pi / 180, 0.001},
		{"1° latitude at 30°N", Point{30, 120}, Point{31, 120}, 111195, 1},
		// One degree of longitude shrinks with cos(latitude).
		{"1° longitude at 60°N", Point{60, 10}, Point{60, 11}, 55597, 60},
		// Beijing (Tiananmen) to Shanghai (People's Square): ~1,067 km in
		// straight line, the figure atlases and distance tables give.
		{"Beijing–Shanghai", Point{39.9042, 116.4074}, Point{31.2304, 121.4737}, 1067e3, 3e3},
		{"same point", Point{30.25, 120.17}, Point{30.25, 120.17}, 0, 0},
		{"antipodes", Point{0, 0}, Point{0, 180}, math.Pi * EarthRadius, 0.001},
		{"across the antimeridian", Point{0, 179.5}, Point{0, -179.5}, EarthRadius * math.Pi / 180, 0.001},
	} {
		got := Haversine(c.a, c.b)
		if math.Abs(got-c.want) > c.ok {
			t.Errorf("%s: Haversine = %.3f m, want %.3f ± %.3f", c.name, got, c.want, c.ok)
		}
		if back := Haversine(c.b, c.a); math.Abs(back-got) > 1e-6 {
			t.Errorf("%s: not symmetric: %.6f vs %.6f", c.name, got, back)
		}
	}
}

// nearbyPairs are pairs of points up to maxM metres apart across China's
// latitudes, in every direction.
func nearbyPairs(n int, maxM float64) [][2]Point {
	r := rand.New(rand.NewPCG(7, 7))
	out := make([][2]Point, n)
	for i := range out {
		a := Point{Lat: 18 + r.Float64()*36, Lng: 74 + r.Float64()*60}
		d := r.Float64() * maxM / EarthRadius / rad // degrees
		bearing := r.Float64() * 2 * math.Pi
		b := Point{
			Lat: a.Lat + d*math.Cos(bearing),
			Lng: a.Lng + d*math.Sin(bearing)/math.Cos(a.Lat*rad),
		}
		out[i] = [2]Point{a, b}
	}
	return out
}

func TestApproxDistanceRanksLikeHaversine(t *testing.T) {
	worst := 0.0
	for _, p := range nearbyPairs(20000, 10000) {
		h, e := Haversine(p[0], p[1]), ApproxDistance(p[0], p[1])
		if h < 1 {
			continue
		}
		worst = max(worst, math.Abs(e-h)/h)
	}
	if worst > 1e-5 {
		t.Errorf("ApproxDistance errs by up to %.5f%% within 10 km; documented < 0.001%%", worst*100)
	}
	t.Logf("ApproxDistance worst relative error within 10 km: %.2e", worst)
	if d := ApproxDistance(Point{0, 179.9}, Point{0, -179.9}); math.Abs(d-Haversine(Point{0, 179.9}, Point{0, -179.9})) > 1 {
		t.Errorf("ApproxDistance across the antimeridian = %.1f m", d)
	}
}

func TestWalkMeters(t *testing.T) {
	a, b := Point{30.25, 120.17}, Point{30.26, 120.18}
	if got, want := WalkMeters(a, b), 1.3*Haversine(a, b); math.Abs(got-want) > 1e-9 {
		t.Errorf("WalkMeters = %v, want %v", got, want)
	}
}

func TestBBoxHoldsTheCircle(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, radius := range []float64{50, 500, 3000, 20000} {
		for range 200 {
			c := Point{Lat: 18 + r.Float64()*36, Lng: 74 + r.Float64()*60}
			box := BBox(c, radius)
			if !box.Contains(c) {
				t.Fatalf("BBox(%+v, %v) = %+v misses its centre", c, radius, box)
			}
			// Points exactly on the circle, all the way round: each must be
			// inside, and the box must be tight (no side more than 0.1 %
			// beyond the circle's extreme).
			var ext Box = Box{90, 180, -90, -180}
			for k := range 720 {
				p := destination(c, radius*(1-1e-9), float64(k)/2)
				if !box.Contains(p) {
					t.Fatalf("BBox(%+v, %v) = %+v misses %+v at %.1f m", c, radius, box, p, Haversine(c, p))
				}
				ext = Box{min(ext.MinLat, p.Lat), min(ext.MinLng, p.Lng), max(ext.MaxLat, p.Lat), max(ext.MaxLng, p.Lng)}
			}
			if slack := (box.MaxLng - box.MinLng) / (ext.MaxLng - ext.MinLng); slack > 1.001 {
				t.Errorf("BBox(%+v, %v) is %.4f× as wide as the circle", c, radius, slack)
			}
		}
	}
}

// destination is the point d metres from p on the given bearing (degrees),
// on the sphere (the standard direct formula).
func destination(p Point, d, bearing float64) Point {
	δ, θ := d/EarthRadius, bearing*rad
	φ1, λ1 := p.Lat*rad, p.Lng*rad
	φ2 := math.Asin(math.Sin(φ1)*math.Cos(δ) + math.Cos(φ1)*math.Sin(δ)*math.Cos(θ))
	λ2 := λ1 + math.Atan2(math.Sin(θ)*math.Sin(δ)*math.Cos(φ1), math.Cos(δ)-math.Sin(φ1)*math.Sin(φ2))
	return Point{Lat: φ2 / rad, Lng: λ2 / rad}
}

func TestBBoxEdgeCases(t *testing.T) {
	if b := BBox(Point{30, 120}, 0); b != (Box{30, 120, 30, 120}) {
		t.Errorf("zero radius: %+v", b)
	}
	if b := BBox(Point{30, 120}, -5); b != (Box{30, 120, 30, 120}) {
		t.Errorf("negative radius: %+v", b)
	}
	if b := BBox(Point{89.99, 0}, 5000); b.MaxLat != 90 || b.MinLng != -180 || b.MaxLng != 180 {
		t.Errorf("circle over the pole: %+v", b)
	}
	if b := BBox(Point{0, 179.99}, 5000); b.MinLng != -180 || b.MaxLng != 180 {
		t.Errorf("circle across the antimeridian: %+v", b)
	}
	// At the equator the half-width is the same in both directions.
	b := BBox(Point{0, 0}, 111195.08)
	if math.Abs(b.MaxLat-1) > 1e-6 || math.Abs(b.MaxLng-1) > 1e-4 {
		t.Errorf("1° radius at the equator: %+v", b)
	}
}
