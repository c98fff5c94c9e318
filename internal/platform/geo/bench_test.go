package geo

import "testing"

var sinkPoint Point
var sinkFloat float64

func BenchmarkConvert(b *testing.B) {
	p := Point{Lat: 30.2741, Lng: 120.1551}
	for _, c := range []struct {
		name     string
		from, to System
	}{
		{"wgs84-gcj02", WGS84, GCJ02},
		{"gcj02-wgs84", GCJ02, WGS84}, // iterative
		{"wgs84-bd09", WGS84, BD09},
		{"bd09-wgs84", BD09, WGS84},
		{"gcj02-bd09", GCJ02, BD09},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				sinkPoint = Convert(p, c.from, c.to)
			}
		})
	}
}

func BenchmarkHaversine(b *testing.B) {
	x, y := Point{Lat: 30.2741, Lng: 120.1551}, Point{Lat: 30.2459, Lng: 120.2102}
	for b.Loop() {
		sinkFloat = Haversine(x, y)
	}
}

func BenchmarkApproxDistance(b *testing.B) {
	x, y := Point{Lat: 30.2741, Lng: 120.1551}, Point{Lat: 30.2459, Lng: 120.2102}
	for b.Loop() {
		sinkFloat = ApproxDistance(x, y)
	}
}

func BenchmarkLinks(b *testing.B) {
	dest, from := Point{Lat: 30.2741, Lng: 120.1551}, Point{Lat: 30.2459, Lng: 120.2102}
	for b.Loop() {
		_ = Links(dest, "西湖文化广场地下停车场", &from)
	}
}
