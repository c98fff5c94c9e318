package geo

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// param is one key=value of a link, in order, the value decoded.
type param struct{ key, value string }

// parseLink checks that link is a well-formed URL at base and returns its
// parameters in the order written.
func parseLink(t *testing.T, link, base string) []param {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", link, err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != base {
		t.Fatalf("link %q goes to %q, want %q", link, got, base)
	}
	if _, err := url.ParseQuery(u.RawQuery); err != nil {
		t.Fatalf("query of %q: %v", link, err)
	}
	var out []param
	for kv := range strings.SplitSeq(u.RawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		dv, err := url.QueryUnescape(v)
		if err != nil {
			t.Fatalf("value %q of %s: %v", v, k, err)
		}
		out = append(out, param{k, dv})
	}
	return out
}

func keys(ps []param) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.key
	}
	return out
}

func value(ps []param, key string) string {
	for _, p := range ps {
		if p.key == key {
			return p.value
		}
	}
	return ""
}

// pair reads "A,B" as two numbers.
func pair(t *testing.T, s string) (float64, float64) {
	t.Helper()
	a, b, ok := strings.Cut(s, ",")
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("%q is not a coordinate pair", s)
	}
	return x, y
}

// sameCoord: the links carry 6 decimals, so equal within half a unit of
// the 6th decimal.
func sameCoord(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 5e-7+1e-12 {
		t.Errorf("%s = %.7f, want %.7f", what, got, want)
	}
}

// A lot in the demo city (WGS-84), and a driver a few km away.
var (
	lotWGS    = Point{Lat: 30.2741, Lng: 120.1551}
	driverWGS = Point{Lat: 30.2459, Lng: 120.2102}
	lotName   = "西湖文化广场地下停车场"
)

func TestAmapLink(t *testing.T) {
	gcj := Convert(lotWGS, WGS84, GCJ02)
	from := Convert(driverWGS, WGS84, GCJ02)
	for _, origin := range []*Point{nil, &driverWGS} {
		l := Links(lotWGS, lotName, origin)
		ps := parseLink(t, l.Amap, "https://uri.amap.com/navigation")
		want := []string{"to", "mode", "coordinate", "callnative", "src"}
		if origin != nil {
			want = append([]string{"from"}, want...)
		}
		if !slices.Equal(keys(ps), want) {
			t.Fatalf("Amap parameters %v, want %v", keys(ps), want)
		}
		// to=LNG,LAT,NAME — longitude first, GCJ-02 (coordinate=gaode).
		parts := strings.SplitN(value(ps, "to"), ",", 3)
		if len(parts) != 3 || parts[2] != lotName {
			t.Fatalf("Amap to = %q", value(ps, "to"))
		}
		lng, lat := pair(t, parts[0]+","+parts[1])
		sameCoord(t, "Amap to lng", lng, gcj.Lng)
		sameCoord(t, "Amap to lat", lat, gcj.Lat)
		if origin != nil {
			f := strings.SplitN(value(ps, "from"), ",", 3)
			lng, lat := pair(t, f[0]+","+f[1])
			sameCoord(t, "Amap from lng", lng, from.Lng)
			sameCoord(t, "Amap from lat", lat, from.Lat)
		}
		for k, v := range map[string]string{"mode": "car", "coordinate": "gaode", "callnative": "1", "src": "anju"} {
			if value(ps, k) != v {
				t.Errorf("Amap %s = %q, want %q", k, value(ps, k), v)
			}
		}
	}
}

func TestBaiduLink(t *testing.T) {
	bd := Convert(lotWGS, WGS84, BD09)
	from := Convert(driverWGS, WGS84, BD09)
	for _, origin := range []*Point{nil, &driverWGS} {
		l := LinkOptions{Src: "webapp.zjj.anju", Region: "安澜市"}.Links(lotWGS, lotName, origin)
		ps := parseLink(t, l.Baidu, "https://api.map.baidu.com/direction")
		want := []string{"origin", "destination", "mode", "region", "output", "coord_type", "src"}
		if !slices.Equal(keys(ps), want) {
			t.Fatalf("Baidu parameters %v, want %v", keys(ps), want)
		}
		// destination=latlng:LAT,LNG|name:NAME — latitude first, BD-09
		// (coord_type=bd09ll).
		dest := value(ps, "destination")
		ll, nm, ok := strings.Cut(dest, "|")
		if !ok || !strings.HasPrefix(ll, "latlng:") || nm != "name:"+lotName {
			t.Fatalf("Baidu destination = %q", dest)
		}
		lat, lng := pair(t, strings.TrimPrefix(ll, "latlng:"))
		sameCoord(t, "Baidu destination lat", lat, bd.Lat)
		sameCoord(t, "Baidu destination lng", lng, bd.Lng)
		if origin == nil {
			if value(ps, "origin") != "我的位置" {
				t.Errorf("Baidu origin = %q, want 我的位置", value(ps, "origin"))
			}
		} else {
			ll, _, _ := strings.Cut(value(ps, "origin"), "|")
			lat, lng := pair(t, strings.TrimPrefix(ll, "latlng:"))
			sameCoord(t, "Baidu origin lat", lat, from.Lat)
			sameCoord(t, "Baidu origin lng", lng, from.Lng)
		}
		for k, v := range map[string]string{"mode": "driving", "region": "安澜市", "output": "html",
			"coord_type": "bd09ll", "src": "webapp.zjj.anju"} {
			if value(ps, k) != v {
				t.Errorf("Baidu %s = %q, want %q", k, value(ps, k), v)
			}
		}
	}
	// Without a region the page falls back to the home screen (parking.md),
	// so the default still sends one.
	if ps := parseLink(t, Links(lotWGS, lotName, nil).Baidu, "https://api.map.baidu.com/direction"); value(ps, "region") != DefaultRegion {
		t.Errorf("default region = %q", value(ps, "region"))
	}
}

func TestTencentLink(t *testing.T) {
	gcj := Convert(lotWGS, WGS84, GCJ02)
	from := Convert(driverWGS, WGS84, GCJ02)
	for _, origin := range []*Point{nil, &driverWGS} {
		l := Links(lotWGS, lotName, origin)
		ps := parseLink(t, l.Tencent, "https://apis.map.qq.com/uri/v1/routeplan")
		want := []string{"type", "to", "tocoord", "coord_type", "referer"}
		if origin != nil {
			want = []string{"type", "from", "fromcoord", "to", "tocoord", "coord_type", "referer"}
		}
		if !slices.Equal(keys(ps), want) {
			t.Fatalf("Tencent parameters %v, want %v", keys(ps), want)
		}
		if value(ps, "to") != lotName {
			t.Errorf("Tencent to = %q", value(ps, "to"))
		}
		// tocoord=LAT,LNG — latitude first, GCJ-02 (coord_type=2).
		lat, lng := pair(t, value(ps, "tocoord"))
		sameCoord(t, "Tencent tocoord lat", lat, gcj.Lat)
		sameCoord(t, "Tencent tocoord lng", lng, gcj.Lng)
		if origin != nil {
			lat, lng := pair(t, value(ps, "fromcoord"))
			sameCoord(t, "Tencent fromcoord lat", lat, from.Lat)
			sameCoord(t, "Tencent fromcoord lng", lng, from.Lng)
		}
		for k, v := range map[string]string{"type": "drive", "coord_type": "2", "referer": "anju"} {
			if value(ps, k) != v {
				t.Errorf("Tencent %s = %q, want %q", k, value(ps, k), v)
			}
		}
	}
}

// The systems really differ: a link that sent WGS-84, or Baidu GCJ-02,
// would land hundreds of metres off, and the tests above would see it.
func TestLinkSystemsDiffer(t *testing.T) {
	if d := Haversine(lotWGS, Convert(lotWGS, WGS84, GCJ02)); d < 100 {
		t.Fatalf("GCJ-02 only %.1f m from WGS-84 here; the link tests could not tell them apart", d)
	}
	if d := Haversine(Convert(lotWGS, WGS84, GCJ02), Convert(lotWGS, WGS84, BD09)); d < 100 {
		t.Fatalf("BD-09 only %.1f m from GCJ-02 here", d)
	}
}

func TestLinkNames(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"人民路 公共停车场", "人民路 公共停车场"},
		{"A&B=C?D#E+F%G", "A&B=C?D#E+F%G"},
		{"一号,二号|三号", "一号，二号｜三号"},
		{"  \t停车场\n ", "停车场"},
		{"", "目的地"},
		{"\x00\x01", "目的地"},
	} {
		l := Links(lotWGS, c.in, nil)
		amap := parseLink(t, l.Amap, "https://uri.amap.com/navigation")
		if parts := strings.SplitN(value(amap, "to"), ",", 3); len(parts) != 3 || parts[2] != c.want {
			t.Errorf("Amap to for %q = %q, want name %q", c.in, value(amap, "to"), c.want)
		}
		baidu := parseLink(t, l.Baidu, "https://api.map.baidu.com/direction")
		if _, nm, _ := strings.Cut(value(baidu, "destination"), "|"); nm != "name:"+c.want {
			t.Errorf("Baidu destination for %q = %q", c.in, value(baidu, "destination"))
		}
		qq := parseLink(t, l.Tencent, "https://apis.map.qq.com/uri/v1/routeplan")
		if value(qq, "to") != c.want {
			t.Errorf("Tencent to for %q = %q", c.in, value(qq, "to"))
		}
		// Names are percent-encoded: no raw Chinese, spaces or '+' in the URL.
		for _, link := range []string{l.Amap, l.Baidu, l.Tencent} {
			for _, r := range link {
				if r > 0x7e || r <= ' ' || r == '|' {
					t.Errorf("link %q has a raw %q", link, r)
					break
				}
			}
		}
	}
}

func TestLinksOutsideChina(t *testing.T) {
	// No GCJ-02 shift outside China: Amap and Tencent get the WGS-84 figures.
	london := Point{Lat: 51.5007, Lng: -0.1246}
	ps := parseLink(t, Links(london, "Westminster", nil).Tencent, "https://apis.map.qq.com/uri/v1/routeplan")
	if value(ps, "tocoord") != "51.500700,-0.124600" {
		t.Errorf("tocoord = %q", value(ps, "tocoord"))
	}
}
