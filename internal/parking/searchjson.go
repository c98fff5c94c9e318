package parking

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"anju/internal/platform/auth"
	"anju/internal/platform/geo"
	"anju/internal/platform/web"
)

// The search API's answer is written by appending bytes rather than by
// encoding/json's reflection: the parts of a result that depend only on the
// facility (its names, positions, navigation links: nine tenths of the
// bytes) are encoded once and kept in a small cache, and the per-stay parts
// are appended around them. The bytes are exactly encoding/json's for
// SearchResponse (TestSearchJSONMatchesEncodingJSON).

// encFacility is the pre-encoded static JSON of one facility for one
// language and navigation region.
type encFacility struct {
	f      *Facility // the registry entry it was built from (entries are replaced, never changed)
	lang   web.Lang
	region string
	head   []byte // {"id":…,…,"location_gcj02":{…},"distance_m":
	mid    []byte // ,"ev_spaces":…,"accessible_spaces":…,"reservable":
	nav    []byte // ,"navigation":{…}}
}

// encCacheSize bounds the cache: a table of that many places, so it holds
// at most this many facilities (about 1.2 KB each, so at most
// ~40 MB) however many are searched; a collision just rebuilds the entry.
const encCacheSize = 1 << 15

var encCache [encCacheSize]atomic.Pointer[encFacility]

func encodedFacility(f *Facility, l web.Lang, region string) *encFacility {
	// Two places a facility may be kept (by its id, and by a hash of it),
	// so that two facilities searched together rarely evict each other.
	s1 := &encCache[uint64(f.ID)&(encCacheSize-1)]
	s2 := &encCache[(uint64(f.ID)*0x9E3779B97F4A7C15>>32)&(encCacheSize-1)]
	c1, c2 := s1.Load(), s2.Load()
	if c1 != nil && c1.f == f && c1.lang == l && c1.region == region {
		return c1
	}
	if c2 != nil && c2.f == f && c2.lang == l && c2.region == region {
		return c2
	}
	c := buildEncFacility(f, l, region)
	switch {
	case c1 == nil || c1.f.ID == f.ID:
		s1.Store(c)
	case c2 == nil || c2.f.ID == f.ID:
		s2.Store(c)
	case f.ID&1 == 0:
		s1.Store(c)
	default:
		s2.Store(c)
	}
	return c
}

func buildEncFacility(f *Facility, l web.Lang, region string) *encFacility {
	p := geo.Point{Lat: f.Lat, Lng: f.Lng}
	c := &encFacility{f: f, lang: l, region: region}
	b := make([]byte, 0, 512)
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, f.ID, 10)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, f.Name)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, string(f.Kind))
	b = append(b, `,"kind_label":`...)
	b = appendJSONString(b, web.T(l, "parking.kind."+string(f.Kind)))
	b = append(b, `,"address":`...)
	b = appendJSONString(b, f.Address)
	b = append(b, `,"operator":`...)
	b = appendJSONString(b, f.Operator)
	b = append(b, `,"ownership":`...)
	b = appendJSONString(b, string(f.Ownership))
	b = append(b, `,"location":`...)
	b = appendPoint(b, p)
	b = append(b, `,"location_gcj02":`...)
	b = appendPoint(b, geo.Convert(p, geo.WGS84, geo.GCJ02))
	b = append(b, `,"distance_m":`...)
	c.head = b
	m := make([]byte, 0, 64)
	m = append(m, `,"ev_spaces":`...)
	m = strconv.AppendInt(m, int64(f.EVSpaces), 10)
	m = append(m, `,"accessible_spaces":`...)
	m = strconv.AppendInt(m, int64(f.AccessibleSpaces), 10)
	m = append(m, `,"reservable":`...)
	c.mid = m
	links := geo.LinkOptions{Src: geo.DefaultSrc, Region: region}.Links(p, f.Name, nil)
	n := make([]byte, 0, 1024)
	n = append(n, `,"navigation":{"amap":`...)
	n = appendJSONString(n, links.Amap)
	n = append(n, `,"baidu":`...)
	n = appendJSONString(n, links.Baidu)
	n = append(n, `,"tencent":`...)
	n = appendJSONString(n, links.Tencent)
	n = append(n, "}}"...)
	c.nav = n
	return c
}

var searchBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// searchAPI answers GET /api/v1/parking/search.
func (h *Web) searchAPI(w http.ResponseWriter, r *http.Request) {
	q, err := parseSearch(r.URL.Query(), h.S.now(), h.S.Loc)
	if err != nil {
		fail(w, r, err)
		return
	}
	q.UserID = auth.FromContext(r.Context()).UserID
	h.S.Index.Fresh(r.Context(), time.Second)
	hits, gap := h.S.Index.Search(q)
	l := web.LangOf(r)
	bp := searchBufPool.Get().(*[]byte)
	b := appendSearchJSON((*bp)[:0], l, h.region(r.Context()), q, hits, gap)
	hd := w.Header()
	hd["Cache-Control"] = []string{"no-store"}
	hd["Content-Type"] = []string{"application/json; charset=utf-8"}
	hd["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	if cap(b) <= 256<<10 {
		*bp = b[:0]
		searchBufPool.Put(bp)
	}
}

// appendSearchJSON appends the answer to a search as encoding/json would
// encode its SearchResponse, with a trailing newline.
func appendSearchJSON(b []byte, l web.Lang, region string, q Query, hits []Hit, gap bool) []byte {
	b = append(b, `{"destination":`...)
	b = appendPoint(b, q.Dest)
	b = append(b, `,"arrive":`...)
	b = appendTime(b, q.Arrive.UTC())
	b = append(b, `,"leave":`...)
	b = appendTime(b, q.Arrive.Add(q.Stay).UTC())
	b = append(b, `,"radius_m":`...)
	b = strconv.AppendInt(b, int64(int(q.Radius)), 10)
	b = append(b, `,"results":[`...)
	for i := range hits {
		hit := &hits[i]
		if i > 0 {
			b = append(b, ',')
		}
		c := encodedFacility(hit.f, l, region)
		b = append(b, c.head...)
		b = strconv.AppendInt(b, int64(int(math.Round(hit.Distance))), 10)
		b = append(b, `,"walk_m":`...)
		b = strconv.AppendInt(b, int64(int(math.Round(hit.Walk))), 10)
		b = append(b, `,"capacity":`...)
		b = strconv.AppendInt(b, int64(hit.Capacity), 10)
		b = append(b, `,"free":`...)
		if hit.Free >= 0 {
			b = strconv.AppendInt(b, int64(hit.Free), 10)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"free_source":`...)
		b = appendJSONString(b, hit.Source)
		b = append(b, `,"price_cents":`...)
		b = strconv.AppendInt(b, hit.PriceCents, 10)
		b = append(b, `,"price":"`...)
		b = strconv.AppendFloat(b, float64(hit.PriceCents)/100, 'f', 2, 64)
		b = append(b, `","via":`...)
		switch hit.Via {
		case ViaPublic:
			b = append(b, `"public"`...)
		case ViaShare:
			b = append(b, `"shared"`...)
		default:
			b = append(b, `"both"`...)
		}
		if hit.Rule != "" {
			b = append(b, `,"rule":`...)
			b = appendJSONString(b, hit.Rule)
		}
		b = append(b, c.mid...)
		b = strconv.AppendBool(b, hit.Reservable)
		b = append(b, c.nav...)
	}
	b = append(b, ']')
	if gap {
		if note := web.T(l, "parking.calendar_gap"); note != "" {
			b = append(b, `,"calendar_note":`...)
			b = appendJSONString(b, note)
		}
	}
	return append(b, "}\n"...)
}

func appendPoint(b []byte, p geo.Point) []byte {
	b = append(b, `{"lat":`...)
	b = appendJSONFloat(b, p.Lat)
	b = append(b, `,"lng":`...)
	b = appendJSONFloat(b, p.Lng)
	return append(b, '}')
}

// appendJSONFloat formats f as encoding/json does.
func appendJSONFloat(b []byte, f float64) []byte {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(f) || math.IsInf(f, 0) {
		m, err := json.Marshal(f)
		if err != nil {
			return append(b, "null"...)
		}
		return append(b, m...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendTime formats t as time.Time's MarshalJSON does.
func appendTime(b []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		m, err := t.MarshalJSON()
		if err != nil {
			return append(b, "null"...)
		}
		return append(b, m...)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does by default: HTML's <, >
// and & escaped, invalid UTF-8 replaced, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
