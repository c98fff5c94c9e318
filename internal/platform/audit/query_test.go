package audit

import (
	"context"
	"errors"
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

func TestListAndGetKeepToScope(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		city := auth.System("test")
		district := &auth.Principal{UserID: 5, Name: "district auditor", Role: auth.Leader, OrgPath: "/1/2/"}
		for _, e := range []Entry{
			{Action: "petition.create", ObjectType: "petition", ObjectID: "XF-1", OrgPath: "/1/2/", Detail: "受理 100% 完成"},
			{Action: "petition.close", ObjectType: "petition", ObjectID: "XF-2", OrgPath: "/1/2/5/", Result: Failed},
			{Action: "petition.create", ObjectType: "petition", ObjectID: "XF-3", OrgPath: "/1/3/"},
			{Action: "user.create", ObjectType: "user", ObjectID: "u-9", OrgPath: "/"},
			{Action: "petition.create", ObjectType: "petition", ObjectID: "XF-4", OrgPath: "/1/20/"},
		} {
			if err := RecordAlone(as(staff), d, e); err != nil {
				t.Fatal(err)
			}
		}
		id := ids(t, d)
		// Spread the records over five days, the first oldest.
		base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		for i, x := range id {
			exec(t, d, `UPDATE audit_log SET at = ? WHERE id = ?`, base.AddDate(0, 0, i), x)
		}

		list := func(p *auth.Principal, f Filter) ([]int64, int) {
			t.Helper()
			rows, total, err := List(ctx, d, p, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, r := range rows {
				out = append(out, r.ID)
			}
			return out, total
		}
		same := func(got []int64, want ...int64) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("got %v, want %v", got, want)
				}
			}
		}

		got, total := list(city, Filter{})
		same(got, id[4], id[3], id[2], id[1], id[0]) // newest first
		if total != 5 {
			t.Fatalf("total %d, want 5", total)
		}
		got, total = list(district, Filter{})
		same(got, id[1], id[0]) // not /1/3/, not /1/20/, not the city's own
		if total != 2 {
			t.Fatalf("total %d, want 2", total)
		}
		got, _ = list(&auth.Principal{Name: "no scope"}, Filter{})
		same(got)

		if _, err := Get(ctx, d, district, id[2]); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("Get out of scope: %v, want ErrNotFound", err)
		}
		if _, err := Get(ctx, d, district, id[4]+100); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("Get missing: %v, want ErrNotFound", err)
		}
		r, err := Get(ctx, d, district, id[0])
		if err != nil || r.ObjectID != "XF-1" || !r.At.Equal(base) {
			t.Fatalf("Get in scope = %+v, %v", r, err)
		}

		for _, c := range []struct {
			f    Filter
			want []int64
		}{
			{Filter{Action: "petition.create"}, []int64{id[4], id[2], id[0]}},
			{Filter{ObjectType: "user"}, []int64{id[3]}},
			{Filter{Result: Failed}, []int64{id[1]}},
			{Filter{Keyword: "xf-3"}, []int64{id[2]}},
			{Filter{Keyword: "100%"}, []int64{id[0]}},
			{Filter{Keyword: "0%"}, []int64{id[0]}},
			{Filter{Keyword: "_"}, nil},
			{Filter{Actor: "王"}, []int64{id[4], id[3], id[2], id[1], id[0]}},
			{Filter{Actor: "nobody"}, nil},
			{Filter{From: base.AddDate(0, 0, 1), To: base.AddDate(0, 0, 3)}, []int64{id[2], id[1]}},
			{Filter{From: base.AddDate(0, 0, 1).In(time.FixedZone("CST", 8*3600))}, []int64{id[4], id[3], id[2], id[1]}},
			{Filter{Limit: 2, Offset: 1}, []int64{id[3], id[2]}},
		} {
			got, total := list(city, c.f)
			same(got, c.want...)
			if c.f.Limit == 0 && total != len(c.want) {
				t.Fatalf("%+v: total %d, want %d", c.f, total, len(c.want))
			}
		}
		if _, total := list(city, Filter{Limit: 2, Offset: 1}); total != 5 {
			t.Fatalf("paged total %d, want 5", total)
		}
	})
}
