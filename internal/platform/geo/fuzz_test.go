package geo

import (
	"errors"
	"math"
	"net/url"
	"strings"
	"testing"
)

func FuzzParseSystem(f *testing.F) {
	for _, s := range []string{"wgs84", "WGS-84", "gcj02", "GCJ-02", "bd09", "BD-09", "bd09ll",
		"bd09mc", "", " gps ", "GaoDe", "utm", "wgs-8-4", "\x00", "gcj０２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sys, err := ParseSystem(s)
		if err != nil {
			if !errors.Is(err, ErrUnknownSystem) || sys != "" {
				t.Fatalf("ParseSystem(%q) = %q, %v", s, sys, err)
			}
			return
		}
		if sys != WGS84 && sys != GCJ02 && sys != BD09 {
			t.Fatalf("ParseSystem(%q) = %q, not one of the three", s, sys)
		}
		// The canonical names parse to themselves, and the result is usable.
		if again, err := ParseSystem(string(sys)); err != nil || again != sys {
			t.Fatalf("ParseSystem(%q) = %q, %v", sys, again, err)
		}
		// Case and the ignored separators do not change the answer.
		if up, err := ParseSystem(strings.ToUpper(s)); err != nil || up != sys {
			t.Fatalf("ParseSystem(%q) = %q, %v, but %q gave %q", strings.ToUpper(s), up, err, s, sys)
		}
		_ = Convert(Point{30, 120}, sys, WGS84)
	})
}

var systems = [3]System{WGS84, GCJ02, BD09}

// roundTripBound is the most a from→to→from round trip may move p. Where
// nothing is singular it is 0.5 m (GCJ-02 ~1 cm, BD-09's standard inverse
// ~0.22 m). Three places are rougher, and there the bound only says
// "finite and near": within ~1 km of the edge of China's box the shift can
// carry a point across the edge, where the inverse (rightly) applies no
// shift; near the poles and near lat=lng=0, BD-09's polar formula loses
// precision. Neither occurs for a car park in China.
func roundTripBound(p Point, a, b System) float64 {
	const edge = 0.02 // degrees, > the largest shift (~0.008°)
	nearEdge := math.Abs(p.Lat-chinaMinLat) < edge || math.Abs(p.Lat-chinaMaxLat) < edge ||
		math.Abs(p.Lng-chinaMinLng) < edge || math.Abs(p.Lng-chinaMaxLng) < edge
	bd := a == BD09 || b == BD09
	rough := nearEdge || bd && (math.Abs(p.Lat) > 85 || math.Hypot(p.Lat, p.Lng) < 1)
	if rough {
		return 2000
	}
	return 0.5
}

func FuzzConvertRoundTrip(f *testing.F) {
	f.Add(30.25, 120.17, uint8(0), uint8(1))
	f.Add(39.915, 116.404, uint8(0), uint8(2))
	f.Add(39.915, 116.404, uint8(2), uint8(0))
	f.Add(22.54, 113.91, uint8(1), uint8(2))
	f.Add(51.5, -0.12, uint8(0), uint8(2))
	f.Add(0.8293, 72.004, uint8(1), uint8(0))
	f.Add(0.0, 0.0, uint8(2), uint8(1))
	f.Add(-90.0, 180.0, uint8(0), uint8(2))
	f.Fuzz(func(t *testing.T, lat, lng float64, from, to uint8) {
		// Fold any finite input into range, so the fuzzer's mutations of the
		// float bits are not mostly thrown away.
		p := Point{Lat: math.Mod(lat, 90), Lng: math.Mod(lng, 180)}
		if p.Valid() != nil {
			return // NaN or ±Inf
		}
		a, b := systems[from%3], systems[to%3]
		q := Convert(p, a, b)
		r := Convert(q, b, a)
		for _, x := range []float64{q.Lat, q.Lng, r.Lat, r.Lng} {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("Convert(%+v, %s, %s) = %+v, back %+v", p, a, b, q, r)
			}
		}
		if a == b && (q != p || r != p) {
			t.Fatalf("Convert(%+v, %s, %s) = %+v, want unchanged", p, a, b, q)
		}
		if d, bound := Haversine(p, r), roundTripBound(p, a, b); !(d <= bound) {
			t.Fatalf("%+v %s→%s→%s comes back %.3f m away (bound %v m): %+v", p, a, b, a, d, bound, r)
		}
		// GCJ-02 shifts up to ~0.7 km, BD-09 adds up to ~1.03 km more;
		// together at most ~1.53 km (measured on a 0.1° grid, |lat| ≤ 85).
		if d := Haversine(p, q); !(d < 2000) {
			t.Fatalf("Convert(%+v, %s, %s) moved it %.1f m", p, a, b, d)
		}
	})
}

// Any name gives three well-formed URLs whose name decodes back.
func FuzzLinksName(f *testing.F) {
	for _, s := range []string{"西湖文化广场地下停车场", "a&b=c", "1,2|3", "%zz", "", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		l := Links(Point{30.27, 120.15}, name, &Point{30.24, 120.21})
		for _, link := range []string{l.Amap, l.Baidu, l.Tencent} {
			u, err := url.Parse(link)
			if err != nil {
				t.Fatalf("url.Parse(%q): %v", link, err)
			}
			if _, err := url.ParseQuery(u.RawQuery); err != nil {
				t.Fatalf("ParseQuery(%q): %v", u.RawQuery, err)
			}
		}
	})
}
