package geo

import (
	"fmt"
	"math"
)

// RangeError says which coordinate of a Point is out of range (or not a
// number). It implements web.FieldInfo, so a handler that passes it to
// web.Fail answers 422 naming the field, as org's coordinates do.
type RangeError struct {
	Field string  // "lat" or "lng"
	Value float64 // the rejected value
	Limit float64 // 90 or 180
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("geo: %s %v is out of range [-%g, %g]", e.Field, e.Value, e.Limit, e.Limit)
}

// FieldInfo gives the field, a stable code and the message in both
// languages (web.FieldInfo), worded as org's coordinate checks are.
func (e *RangeError) FieldInfo() (field, code, zh, en string) {
	return e.Field, "out_of_range",
		fmt.Sprintf("应在 -%g 到 %g 之间", e.Limit, e.Limit),
		fmt.Sprintf("must be between -%g and %g", e.Limit, e.Limit)
}

// Valid reports the first coordinate out of range: lat outside [-90, 90] or
// lng outside [-180, 180], NaN and ±Inf included. Latitude is checked first
// because a swapped pair (lng in Lat) fails there for every place in China.
func (p Point) Valid() error {
	if !inRange(p.Lat, 90) {
		return &RangeError{Field: "lat", Value: p.Lat, Limit: 90}
	}
	if !inRange(p.Lng, 180) {
		return &RangeError{Field: "lng", Value: p.Lng, Limit: 180}
	}
	return nil
}

// inRange is false for NaN as well (every comparison with NaN is false).
func inRange(v, limit float64) bool { return v >= -limit && v <= limit && !math.IsNaN(v) }

// China's bounding box as the public GCJ-02 implementations draw it
// (coordtransform's out_of_china, eviltransform's outOfChina): longitude
// 72.004–137.8347, latitude 0.8293–55.8271.
const (
	chinaMinLng = 72.004
	chinaMaxLng = 137.8347
	chinaMinLat = 0.8293
	chinaMaxLat = 55.8271
)

// InChina reports whether p lies in the rectangle inside which the GCJ-02
// offset is applied (parking.md: "outside China's bounding box no shift is
// applied"). It is a rectangle, not the border: it also covers Mongolia,
// Korea and parts of Japan and South-East Asia. It is the right test for
// "does this point get shifted", and a coarse sanity check for input (it
// catches 0,0 and most swapped pairs), not a test of sovereignty.
func InChina(p Point) bool {
	return p.Lng >= chinaMinLng && p.Lng <= chinaMaxLng &&
		p.Lat >= chinaMinLat && p.Lat <= chinaMaxLat
}
