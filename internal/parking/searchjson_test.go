package parking

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"anju/internal/platform/geo"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

// The search API's hand-written encoding must give exactly encoding/json's
// bytes for SearchResponse, whatever the names hold.
func TestSearchJSONMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	s := NewService(nil, workday.New(workday.Builtin()...), shanghai)
	now := time.Date(2026, 9, 28, 10, 0, 0, 0, shanghai)
	s.Now = func() time.Time { return now }
	center := geo.Point{Lat: 30.25, Lng: 120.17}
	odd := []string{`A "quoted" <b>&amp;</b> \ back`, "tab\tnew\nline\x01\x7f", "bad \xff utf8", "sep \u2028 \u2029 é 停车", ", | 逗号"}
	for i := range 1500 {
		f := RandomFacility(r, int64(i+1), center.Lat, center.Lng, 0.03)
		if i%7 == 0 {
			f.Name = odd[r.IntN(len(odd))]
			f.Address = odd[r.IntN(len(odd))]
			f.Operator = odd[r.IntN(len(odd))]
			for k := range f.Rules {
				f.Rules[k].Name = odd[r.IntN(len(odd))]
			}
		}
		s.Index.Put(f, nil, r.IntN(f.TotalSpaces+1)-r.IntN(3), f.TotalSpaces, Minutes(now)-int64(r.IntN(20)), RandomProfile(r))
	}
	for _, region := range []string{"测试市", "<&>\"x"} {
		h := &Web{S: s, Region: region}
		for qi := range 200 {
			q := Query{Dest: geo.Point{Lat: center.Lat + (r.Float64()*2-1)*0.03, Lng: center.Lng + (r.Float64()*2-1)*0.03},
				Arrive: now.Add(time.Duration(r.IntN(10*24*60)) * time.Minute), Stay: time.Duration(1+r.IntN(600)) * time.Minute,
				Radius: float64(50 + r.IntN(3000)), Limit: 1 + r.IntN(30), Now: now}
			if qi%4 == 0 {
				q.Arrive = now
			}
			if qi%9 == 0 {
				q.Radius = 1 // no results
			}
			q.Normalize()
			hits, gap := s.Index.Search(q)
			for _, l := range []web.Lang{web.ZH, web.EN} {
				resp := SearchResponse{Destination: q.Dest, Arrive: q.Arrive.UTC(), Leave: q.Arrive.Add(q.Stay).UTC(),
					Radius: int(q.Radius), Results: h.results(context.Background(), l, q, hits)}
				if gap || qi%11 == 0 {
					gap = true
					resp.CalendarNotes = web.T(l, "parking.calendar_gap")
				}
				var want bytes.Buffer
				if err := json.NewEncoder(&want).Encode(resp); err != nil {
					t.Fatal(err)
				}
				got := appendSearchJSON(nil, l, region, q, hits, gap)
				if !bytes.Equal(got, want.Bytes()) {
					t.Fatalf("query %d (%s):\n got  %s\n want %s", qi, l, got, want.Bytes())
				}
			}
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `"\`, "<>&", "\x00\x1f\b\f\n\r\t", "\xff\xfe", "\u2028\u2029", "中文 ok", "a\xc3"} {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s want %s", s, got, want)
		}
	}
	for _, f := range []float64{0, 1, -1, 120.123456789, 1e-7, -3e-9, 1e21, 123456789012, 0.1} {
		want, _ := json.Marshal(f)
		if got := appendJSONFloat(nil, f); !bytes.Equal(got, want) {
			t.Errorf("%v: got %s want %s", f, got, want)
		}
	}
}

// The grid's copies (counts, forecasts by hour) follow facilities that are
// replaced, moved and given new profiles: search keeps equal to a scan.
func TestSearchAfterReplacementsEqualsBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	s := NewService(nil, workday.New(workday.Builtin()...), shanghai)
	now := time.Date(2026, 9, 28, 10, 0, 0, 0, shanghai)
	s.Now = func() time.Time { return now }
	center := geo.Point{Lat: 30.25, Lng: 120.17}
	var fs []Facility
	put := func(f Facility) {
		var prof *Profile
		if r.IntN(4) > 0 {
			prof = RandomProfile(r)
		}
		s.Index.Put(f, nil, r.IntN(f.TotalSpaces+1), f.TotalSpaces, Minutes(now)-int64(r.IntN(15)), prof)
	}
	for i := range 3000 {
		f := RandomFacility(r, int64(i+1), center.Lat, center.Lng, 0.03)
		fs = append(fs, f)
		put(f)
	}
	for range 4 {
		for range 700 {
			f := fs[r.IntN(len(fs))]
			if r.IntN(3) == 0 { // moved, possibly to another cell
				f.Lat += (r.Float64()*2 - 1) * 0.01
				f.Lng += (r.Float64()*2 - 1) * 0.01
				fs[f.ID-1] = f
			}
			put(f)
		}
		for qi := range 150 {
			q := Query{Dest: geo.Point{Lat: center.Lat + (r.Float64()*2-1)*0.03, Lng: center.Lng + (r.Float64()*2-1)*0.03},
				Arrive: now.Add(time.Duration(r.IntN(7*24*60)) * time.Minute), Stay: time.Duration(1+r.IntN(300)) * time.Minute,
				Radius: float64(100 + r.IntN(2500)), Limit: 1 + r.IntN(40), Now: now}
			if qi%3 == 0 {
				q.Arrive = now
			}
			got, _ := s.Index.Search(q)
			want := s.Index.BruteForce(q)
			if len(got) != len(want) {
				t.Fatalf("query %d: %d hits, scan %d", qi, len(got), len(want))
			}
			for i := range got {
				if got[i].ID != want[i].ID || got[i].Free != want[i].Free || got[i].PriceCents != want[i].PriceCents {
					t.Fatalf("query %d hit %d: %+v, scan %+v", qi, i, got[i], want[i])
				}
			}
		}
	}
}
