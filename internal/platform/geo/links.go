package geo

import (
	"net/url"
	"strconv"
	"strings"
)

// NavLinks are one-tap navigation links into the three map apps people in
// China use (the "division" operation of the parking campaign: 智慧停车与
// 导航无缝对接). Each is an https URL of the app's own web URI service, as
// parking.md gives them ("Launching navigation from a page"): on a phone
// with the app it opens the app (Amap through callnative=1), elsewhere the
// same URL is the app's web page, so no separate fallback URL is needed —
// the reference names none.
type NavLinks struct {
	Amap    string `json:"amap"`
	Baidu   string `json:"baidu"`
	Tencent string `json:"tencent"`
}

// LinkOptions are what Links needs beyond the trip itself.
type LinkOptions struct {
	// Src identifies Anju to the apps: Amap's and Baidu's src, Tencent's
	// referer (parking.md writes APP for all three). Baidu's convention is
	// "webapp.company.app"; Tencent expects the application name its key
	// is registered under. Empty means DefaultSrc.
	Src string
	// Region is the city's name for Baidu's region parameter; parking.md:
	// "without region the page falls back to the home screen". Empty means
	// DefaultRegion. Callers that know the city (the org tree's root) should
	// set it.
	Region string
}

const (
	// DefaultSrc is the app name sent when LinkOptions.Src is empty.
	DefaultSrc = "anju"
	// DefaultRegion is sent as Baidu's region when LinkOptions.Region is
	// empty: "全国" (nationwide), the value Baidu's own search APIs accept
	// for "no particular city". The coordinates, not the region, place the
	// destination; the city's name is still the better value.
	DefaultRegion = "全国"
)

// Names shown in the apps when the caller gives none.
const (
	defaultDestName   = "目的地"
	defaultOriginName = "起点"
	// baiduHere is Baidu's origin for "start from where the user is";
	// parking.md's Baidu template uses it.
	baiduHere = "我的位置"
)

// Links builds the three navigation links to dest with DefaultSrc and
// DefaultRegion; see LinkOptions.Links.
func Links(dest Point, name string, origin *Point) NavLinks {
	return LinkOptions{}.Links(dest, name, origin)
}

// Links builds the three navigation links to dest, a WGS-84 point (what
// Anju stores), labelled name. origin, also WGS-84, is where the trip
// starts; nil starts it from the user's current position (Amap and Tencent
// without a from, Baidu with origin=我的位置).
//
// Each link follows parking.md exactly: its parameter names and order, its
// coordinate order (Amap longitude first, Baidu and Tencent latitude first)
// and its coordinate system (Amap GCJ-02 with coordinate=gaode, Baidu BD-09
// with coord_type=bd09ll, Tencent GCJ-02 with coord_type=2). The origin's
// parameters come first, in the place each app's documentation lists them.
// Coordinates are written with 6 decimals (~0.1 m).
func (o LinkOptions) Links(dest Point, name string, origin *Point) NavLinks {
	src := orDefault(o.Src, DefaultSrc)
	region := orDefault(o.Region, DefaultRegion)
	name = orDefault(cleanName(name), defaultDestName)

	gDest := WGS84ToGCJ02(dest)
	bDest := GCJ02ToBD09(gDest)
	var gFrom, bFrom Point
	if origin != nil {
		gFrom = WGS84ToGCJ02(*origin)
		bFrom = GCJ02ToBD09(gFrom)
	}

	// Amap: to=LNG,LAT,NAME&mode=car&coordinate=gaode&callnative=1&src=APP
	var amap query
	if origin != nil {
		amap.add("from", lngLat(gFrom)+","+esc(defaultOriginName))
	}
	amap.add("to", lngLat(gDest)+","+esc(name))
	amap.add("mode", "car")
	amap.add("coordinate", "gaode")
	amap.add("callnative", "1")
	amap.add("src", esc(src))

	// Baidu: origin=我的位置&destination=latlng:LAT,LNG|name:NAME&mode=driving
	// &region=CITY&output=html&coord_type=bd09ll&src=APP. The '|' is written
	// %7C: it is not allowed bare in a URI, and Baidu decodes it.
	var baidu query
	if origin != nil {
		baidu.add("origin", "latlng:"+latLng(bFrom)+"%7Cname:"+esc(defaultOriginName))
	} else {
		baidu.add("origin", esc(baiduHere))
	}
	baidu.add("destination", "latlng:"+latLng(bDest)+"%7Cname:"+esc(name))
	baidu.add("mode", "driving")
	baidu.add("region", esc(region))
	baidu.add("output", "html")
	baidu.add("coord_type", "bd09ll")
	baidu.add("src", esc(src))

	// Tencent: type=drive&to=NAME&tocoord=LAT,LNG&coord_type=2&referer=APP
	var qq query
	qq.add("type", "drive")
	if origin != nil {
		qq.add("from", esc(defaultOriginName))
		qq.add("fromcoord", latLng(gFrom))
	}
	qq.add("to", esc(name))
	qq.add("tocoord", latLng(gDest))
	qq.add("coord_type", "2")
	qq.add("referer", esc(src))

	return NavLinks{
		Amap:    "https://uri.amap.com/navigation?" + amap.String(),
		Baidu:   "https://api.map.baidu.com/direction?" + baidu.String(),
		Tencent: "https://apis.map.qq.com/uri/v1/routeplan?" + qq.String(),
	}
}

// query keeps parameters in the order added; url.Values would sort them,
// and parking.md gives each app's order.
type query struct{ b strings.Builder }

// add appends key=value; value must already be escaped.
func (q *query) add(key, value string) {
	if q.b.Len() > 0 {
		q.b.WriteByte('&')
	}
	q.b.WriteString(key)
	q.b.WriteByte('=')
	q.b.WriteString(value)
}

func (q *query) String() string { return q.b.String() }

// esc percent-encodes s for a query value: everything but RFC 3986's
// unreserved characters, UTF-8 Chinese included, and space as %20 rather
// than '+', which not every app's page decodes as a space.
func esc(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// cleanName makes a place name safe inside the apps' compound values:
// Amap splits to= on ',' and Baidu splits destination= on '|', so those
// become their full-width forms (natural in Chinese text); control
// characters go, and surrounding space is trimmed.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == ',':
			return '，'
		case r == '|':
			return '｜'
		case r < ' ' || r == 0x7f:
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func coord(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }

func lngLat(p Point) string { return coord(p.Lng) + "," + coord(p.Lat) }

func latLng(p Point) string { return coord(p.Lat) + "," + coord(p.Lng) }
