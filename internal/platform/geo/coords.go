// Package geo holds the coordinate arithmetic that parking and petitions
// share: the three coordinate systems used in China and the conversions
// between them, distances, validation, and deep links into the map apps.
//
// Anju stores WGS-84 only and converts at the edges (docs: /work/shared/
// reference/parking.md, "Coordinates used in China"): input may arrive in
// any of the three systems, labelled, and each map app is handed the system
// it expects. Mixing them up moves a car park by 18–700 m — into the wrong
// street — so every coordinate that crosses an edge goes through Convert.
//
// Everything here is a pure function of its arguments.
package geo

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// System names a coordinate system.
type System string

// The three systems in use in China (parking.md): WGS-84 from GPS and
// international data, GCJ-02 required for maps published in China (Amap,
// Tencent), BD-09 Baidu's further offset of GCJ-02.
const (
	WGS84 System = "wgs84"
	GCJ02 System = "gcj02"
	BD09  System = "bd09"
)

// Point is a latitude/longitude pair in degrees. Which system it is in is
// the caller's to know; in the database it is always WGS-84.
type Point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// ErrUnknownSystem is wrapped by ParseSystem's errors.
var ErrUnknownSystem = errors.New("geo: unknown coordinate system")

// ParseSystem reads a coordinate-system label as users, feeds and the map
// apps write it: case, spaces, '-' and '_' are ignored, so "WGS-84",
// "GCJ_02" and "bd09ll" (Baidu's own coord_type value) all parse. Amap's
// coordinate=gaode and the "gps" label of Baidu's docs are accepted too.
// Baidu's bd09mc (Mercator metres, not degrees) is refused by name rather
// than read as BD-09 degrees.
func ParseSystem(s string) (System, error) {
	key := strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ', '\t':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
	switch key {
	case "wgs84", "wgs", "gps", "epsg:4326", "epsg4326":
		return WGS84, nil
	case "gcj02", "gcj", "gaode", "amap", "mars":
		return GCJ02, nil
	case "bd09", "bd09ll", "baidu":
		return BD09, nil
	case "bd09mc":
		return "", fmt.Errorf("%w: %q is Baidu Mercator (metres), give bd09ll degrees", ErrUnknownSystem, s)
	}
	return "", fmt.Errorf("%w: %q (want wgs84, gcj02 or bd09)", ErrUnknownSystem, s)
}

// Convert returns p, given in from, expressed in to. Conversions go through
// GCJ-02, the system both offsets are defined against. from or to outside
// the three constants is a programming error (labels from users go through
// ParseSystem first) and panics.
func Convert(p Point, from, to System) Point {
	if from == to {
		if !from.known() {
			panic(fmt.Sprintf("geo.Convert: unknown system %q", from))
		}
		return p
	}
	var g Point
	switch from {
	case WGS84:
		g = WGS84ToGCJ02(p)
	case GCJ02:
		g = p
	case BD09:
		g = BD09ToGCJ02(p)
	default:
		panic(fmt.Sprintf("geo.Convert: unknown system %q", from))
	}
	switch to {
	case WGS84:
		return GCJ02ToWGS84(g)
	case GCJ02:
		return g
	case BD09:
		return GCJ02ToBD09(g)
	}
	panic(fmt.Sprintf("geo.Convert: unknown system %q", to))
}

func (s System) known() bool { return s == WGS84 || s == GCJ02 || s == BD09 }

// Krasovsky 1940 ellipsoid, as the public GCJ-02 algorithm uses it
// (parking.md: a = 6378245.0, ee = 0.00669342162296594323).
const (
	krasovskyA  = 6378245.0
	krasovskyEE = 0.00669342162296594323
)

// WGS84ToGCJ02 applies the GCJ-02 offset (the widely used public algorithm,
// parking.md). Outside China's bounding box (InChina) no offset is applied,
// as every map app does, so there GCJ-02 equals WGS-84.
func WGS84ToGCJ02(p Point) Point {
	if !InChina(p) {
		return p
	}
	d := gcjOffset(p)
	return Point{Lat: p.Lat + d.Lat, Lng: p.Lng + d.Lng}
}

// gcjOffset is the GCJ-02 shift at WGS-84 point p, in degrees.
func gcjOffset(p Point) Point {
	x, y := p.Lng-105.0, p.Lat-35.0
	dLat := transformLat(x, y)
	dLng := transformLng(x, y)
	radLat := p.Lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = dLat * 180.0 / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLng = dLng * 180.0 / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return Point{Lat: dLat, Lng: dLng}
}

// transformLat and transformLng are the standard polynomial-plus-sine terms
// of the public GCJ-02 algorithm, with x = lng−105 and y = lat−35.
func transformLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func transformLng(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// GCJ02ToWGS84 inverts WGS84ToGCJ02. The common one-step inverse
// (subtracting the offset computed at the GCJ-02 point) errs by up to ~5 m
// (parking.md), enough to put a lot entrance on the other side of a road, so
// this iterates the fixed point w ← w − (WGS84ToGCJ02(w) − g). The offset
// varies slowly (its derivative is ~10⁻³), so each step gains about three
// digits: 3–5 steps (4 typically, ~0.6 µs) reach 1e-10° (~1 cm, far under
// the 0.5 m parking.md asks for).
// Points whose preimage is outside the box come back unchanged, matching
// the forward direction.
func GCJ02ToWGS84(g Point) Point {
	const tol = 1e-10 // degrees, ~1 cm
	w := g
	for range 30 {
		f := WGS84ToGCJ02(w)
		dLat, dLng := f.Lat-g.Lat, f.Lng-g.Lng
		w.Lat -= dLat
		w.Lng -= dLng
		if math.Abs(dLat) < tol && math.Abs(dLng) < tol {
			break
		}
	}
	return w
}

// xPi is π·3000/180, the constant of Baidu's BD-09 offset (parking.md).
const xPi = math.Pi * 3000.0 / 180.0

// GCJ02ToBD09 applies Baidu's offset (the standard x_pi formula of
// parking.md). It is applied everywhere, as the public implementations do;
// only WGS→GCJ stops at China's box.
func GCJ02ToBD09(g Point) Point {
	x, y := g.Lng, g.Lat
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*xPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*xPi)
	return Point{Lat: z*math.Sin(theta) + 0.006, Lng: z*math.Cos(theta) + 0.0065}
}

// BD09ToGCJ02 is the standard inverse of GCJ02ToBD09 (parking.md): subtract
// 0.0065/0.006 first, then the same terms with the opposite sign. It is not
// exact — the small sine terms are evaluated at the shifted point — but
// errs by at most ~0.22 m across China (measured over 200,000 random
// points; the tests hold it under 0.3 m), well under what a parking search
// or a navigation link can resolve.
func BD09ToGCJ02(b Point) Point {
	x, y := b.Lng-0.0065, b.Lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*xPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*xPi)
	return Point{Lat: z * math.Sin(theta), Lng: z * math.Cos(theta)}
}

// WGS84ToBD09 is WGS84ToGCJ02 followed by GCJ02ToBD09.
func WGS84ToBD09(p Point) Point { return GCJ02ToBD09(WGS84ToGCJ02(p)) }

// BD09ToWGS84 is BD09ToGCJ02 followed by GCJ02ToWGS84.
func BD09ToWGS84(b Point) Point { return GCJ02ToWGS84(BD09ToGCJ02(b)) }
