package org

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

func TestTreeAndScope(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		s, audit := newStore(d)
		tr := buildTree(t, s)

		// Paths and depths are computed from the parent.
		if tr.city.Path != fmt.Sprintf("/%d/", tr.city.ID) || tr.city.Depth != 0 || tr.city.ParentID != 0 {
			t.Errorf("city = %+v", tr.city)
		}
		want := fmt.Sprintf("%s%d/", tr.compound.Path, tr.building.ID)
		if tr.building.Path != want || tr.building.Depth != 5 {
			t.Errorf("building path %q depth %d, want %q depth 5", tr.building.Path, tr.building.Depth, want)
		}
		if audit.count() != 9 {
			t.Errorf("audited %d writes, want 9", audit.count())
		}

		// What Create returned is what Get reads back.
		got, err := s.Get(ctx, admin, tr.compound.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Path != tr.compound.Path || *got.Lat != 31.2381 || !got.CreatedAt.Equal(tr.compound.CreatedAt) {
			t.Errorf("Get = %+v, created %+v", got, tr.compound)
		}

		// A district's staff see their district and below, nothing else.
		hp := staff(auth.DistrictStaff, tr.huangpu)
		if _, err := s.Get(ctx, hp, tr.building.ID); err != nil {
			t.Errorf("huangpu staff Get own building: %v", err)
		}
		for _, u := range []Unit{tr.city, tr.xuhui, tr.tianlin, tr.ftz} {
			if _, err := s.Get(ctx, hp, u.ID); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("huangpu staff Get %s: err = %v, want ErrNotFound", u.Code, err)
			}
		}
		if _, err := s.ByCode(ctx, hp, "XH-TL"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("ByCode outside scope: %v", err)
		}
		if _, err := s.Get(ctx, admin, 987654); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("Get missing: %v", err)
		}
		// No scope sees nothing.
		if _, err := s.Get(ctx, &auth.Principal{Role: auth.Citizen}, tr.city.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("Get without scope: %v", err)
		}

		list, total, err := s.List(ctx, hp, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 5 || len(list) != 5 || list[0].Code != "HP" || list[4].Code != "HP-NJ-01-001-1" {
			t.Errorf("huangpu List = %d %v", total, codesOf(list))
		}
		counts, err := s.CountByKind(ctx, hp)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(counts) != fmt.Sprint(map[Kind]int{District: 1, Street: 1, Community: 1, Compound: 1, Building: 1}) {
			t.Errorf("CountByKind = %v", counts)
		}
		all, _ := s.CountByKind(ctx, admin)
		if all[District] != 2 || all[Zone] != 1 || all[City] != 1 {
			t.Errorf("CountByKind(city) = %v", all)
		}

		kids, err := s.Children(ctx, admin, tr.city.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(codesOf(kids), ","); got != "FTZ,HP,XH" {
			t.Errorf("Children(city) = %s", got)
		}
		if kids, _ := s.Children(ctx, hp, tr.city.ID); len(kids) != 1 || kids[0].Code != "HP" {
			t.Errorf("huangpu Children(city) = %v", codesOf(kids))
		}
		if roots, _ := s.Children(ctx, admin, 0); len(roots) != 1 || roots[0].Code != "SH" {
			t.Errorf("roots = %v", codesOf(roots))
		}

		anc, err := s.Ancestors(ctx, tr.building.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(namesOf(anc), " › "); got != "上海市 › 黄浦区 › 南京东路街道 › 贵州路社区 › 宝兴里" {
			t.Errorf("Ancestors = %s", got)
		}
		if anc, _ := s.Ancestors(ctx, tr.city.ID); len(anc) != 0 {
			t.Errorf("Ancestors(city) = %v", anc)
		}
	})
}

func TestListFilters(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		s, _ := newStore(d)
		tr := buildTree(t, s)
		for i := range 12 {
			mustCreate(t, s, admin, Unit{ParentID: tr.community.ID, Kind: Compound, Code: fmt.Sprintf("C%02d", i), Name: fmt.Sprintf("康乐小区%d期", i)})
		}
		cases := []struct {
			f         Filter
			total     int
			firstCode string
		}{
			{Filter{Kind: Compound}, 13, "C00"},
			{Filter{Kind: Compound, Limit: 5, Offset: 10}, 13, "C10"},
			{Filter{Keyword: "康乐"}, 12, "C00"},
			{Filter{Keyword: "hp-nj"}, 4, "HP-NJ"}, // code, either case
			{Filter{Keyword: "100%"}, 0, ""},       // % is matched literally
			{Filter{ParentID: tr.city.ID}, 3, "FTZ"},
			{Filter{ParentID: tr.city.ID, Kind: District}, 2, "HP"},
		}
		for _, c := range cases {
			list, total, err := s.List(ctx, admin, c.f)
			if err != nil {
				t.Fatal(err)
			}
			first := ""
			if len(list) > 0 {
				first = list[0].Code
			}
			if total != c.total || first != c.firstCode {
				t.Errorf("List(%+v) = total %d first %q, want %d %q", c.f, total, first, c.total, c.firstCode)
			}
		}
		if list, _, _ := s.List(ctx, admin, Filter{Kind: Compound, Limit: 5}); len(list) != 5 {
			t.Errorf("limit 5 gave %d", len(list))
		}
	})
}

func TestKindRules(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		s, _ := newStore(d)
		tr := buildTree(t, s)
		parents := map[Kind]Unit{City: tr.city, District: tr.huangpu, Zone: tr.ftz, Street: tr.nanjing,
			Community: tr.community, Compound: tr.compound, Building: tr.building}
		n := 0
		for _, pk := range Kinds {
			for _, k := range Kinds {
				if k == City {
					continue // roots are tested below
				}
				n++
				_, err := tryCreate(s, admin, Unit{ParentID: parents[pk].ID, Kind: k, Code: fmt.Sprintf("K%d", n), Name: "测试"})
				want := k.AllowedUnder(pk)
				var fe *FieldError
				switch {
				case want && err != nil:
					t.Errorf("%s under %s: %v", k, pk, err)
				case !want && (!errors.As(err, &fe) || fe.Field != "kind" || fe.Code != "parent_kind"):
					t.Errorf("%s under %s: err = %v, want a parent_kind error on kind", k, pk, err)
				}
			}
		}
		// The zone takes streets like a district does.
		if _, err := tryCreate(s, admin, Unit{ParentID: tr.ftz.ID, Kind: Street, Code: "FTZ-BS", Name: "保税区街道"}); err != nil {
			t.Error(err)
		}
		_, err := tryCreate(s, admin, Unit{ParentID: tr.huangpu.ID, Kind: Community, Code: "X1", Name: "越级社区"})
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Message != "类型不符，社区只能设在街道下，不能设在区下" ||
			fe.MessageEn != "kind does not fit: a Community must sit under a Street, not under a District" {
			t.Errorf("message: %v", err)
		}
		// A city has no parent; a non-city needs one.
		if _, err := tryCreate(s, admin, Unit{ParentID: tr.city.ID, Kind: City, Code: "X2", Name: "市"}); !hasField(err, "parent_id", "invalid") {
			t.Errorf("city under city: %v", err)
		}
		if _, err := tryCreate(s, admin, Unit{Kind: Street, Code: "X3", Name: "街道"}); !hasField(err, "parent_id", "required") {
			t.Errorf("street without parent: %v", err)
		}
	})
}

func TestCreateValidation(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		s, audit := newStore(d)
		tr := buildTree(t, s)
		before, audits := unitCount(t, d), audit.count()
		cases := []struct {
			name        string
			u           Unit
			field, code string
		}{
			{"duplicate code", Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "HP-NJ", Name: "重复"}, "code", "duplicate"},
			{"empty code", Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "  ", Name: "x"}, "code", "required"},
			{"bad code", Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "HP/NJ", Name: "x"}, "code", "invalid"},
			{"chinese code", Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "黄浦", Name: "x"}, "code", "invalid"},
			{"leading dash", Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "-1", Name: "x"}, "code", "invalid"},
			{"long code", Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: strings.Repeat("A", 33), Name: "x"}, "code", "too_long"},
			{"empty name", Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "N1"}, "name", "required"},
			{"long name", Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "N2", Name: strings.Repeat("街", 65)}, "name", "too_long"},
			{"formula name", Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "N3", Name: "=HYPERLINK(1)"}, "name", "invalid"},
			{"newline name", Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "N4", Name: "a\nb"}, "name", "invalid"},
			{"no kind", Unit{ParentID: tr.huangpu.ID, Code: "N5", Name: "x"}, "kind", "required"},
			{"bad kind", Unit{ParentID: tr.huangpu.ID, Kind: "village", Code: "N6", Name: "x"}, "kind", "invalid"},
			{"missing parent", Unit{ParentID: 987654, Kind: Street, Code: "N7", Name: "x"}, "parent_id", "not_found"},
			{"lat only", Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "N8", Name: "x", Lat: fp(31)}, "lng", "required"},
			{"lat range", Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "N9", Name: "x", Lat: fp(121), Lng: fp(31)}, "lat", "out_of_range"},
		}
		for _, c := range cases {
			_, err := tryCreate(s, admin, c.u)
			if !hasField(err, c.field, c.code) {
				t.Errorf("%s: err = %v, want %s/%s", c.name, err, c.field, c.code)
			}
		}
		// All fields are reported at once, for the form.
		_, err := tryCreate(s, admin, Unit{ParentID: tr.huangpu.ID, Kind: Street})
		var fes FieldErrors
		if !errors.As(err, &fes) || len(fes) != 2 || fes[0].Field != "code" || fes[1].Field != "name" {
			t.Errorf("two bad fields: %v", err)
		}
		if unitCount(t, d) != before || audit.count() != audits {
			t.Error("a rejected create wrote something")
		}
		// Code and name are trimmed, as people paste them.
		u := mustCreate(t, s, admin, Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: " HP-WT ", Name: " 外滩街道 "})
		if u.Code != "HP-WT" || u.Name != "外滩街道" {
			t.Errorf("not trimmed: %q %q", u.Code, u.Name)
		}
	})
}

func TestWriteAuthorisation(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		s, _ := newStore(d)
		tr := buildTree(t, s)
		hp := staff(auth.SystemAdmin, tr.huangpu)
		// Within scope: a district's system administrator adds a street.
		if _, err := tryCreate(s, hp, Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "HP-YY", Name: "豫园街道"}); err != nil {
			t.Errorf("in scope: %v", err)
		}
		// Outside scope the parent does not exist.
		if _, err := tryCreate(s, hp, Unit{ParentID: tr.xuhui.ID, Kind: Street, Code: "XH-X", Name: "x"}); !hasField(err, "parent_id", "not_found") {
			t.Errorf("out of scope: %v", err)
		}
		// Only a city-wide principal creates a city.
		if _, err := tryCreate(s, hp, Unit{Kind: City, Code: "BJ", Name: "北京市"}); !errors.Is(err, ErrForbidden) {
			t.Errorf("district creates city: %v", err)
		}
		// Staff read the tree; only the system administrator (and the platform) change it.
		for _, r := range []auth.Role{auth.Citizen, auth.Company, auth.Machine, auth.AuditAdmin, auth.SecurityAdmin, auth.Leader,
			auth.CityStaff, auth.DistrictStaff, auth.CommunityStaff, auth.Anonymous} {
			p := &auth.Principal{Role: r, OrgPath: "/"}
			if _, err := tryCreate(s, p, Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "R1", Name: "x"}); !errors.Is(err, ErrForbidden) {
				t.Errorf("%q creates: %v", r, err)
			}
		}
	})
}

func TestUpdate(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		s, audit := newStore(d)
		tr := buildTree(t, s)
		hp := staff(auth.SystemAdmin, tr.huangpu)
		var got Unit
		err := d.Tx(ctx, func(tx *db.Tx) error {
			var err error
			got, err = s.Rename(ctx, tx, hp, tr.nanjing.ID, "南京东路街道（新）")
			return err
		})
		if err != nil || got.Name != "南京东路街道（新）" || got.Code != "HP-NJ" {
			t.Fatalf("Rename = %+v, %v", got, err)
		}
		if audit.actions[len(audit.actions)-1] != "org.unit.update" {
			t.Errorf("rename not audited: %v", audit.actions)
		}
		update := func(p *auth.Principal, id int64, e Edit) (Unit, error) {
			var u Unit
			err := d.Tx(ctx, func(tx *db.Tx) error {
				var err error
				u, err = s.Update(ctx, tx, p, id, e)
				return err
			})
			return u, err
		}
		u, err := update(hp, tr.compound.ID, Edit{Code: "HP-BXL", Name: "宝兴里", Lat: fp(31.24), Lng: fp(121.48)})
		if err != nil || u.Code != "HP-BXL" || *u.Lat != 31.24 {
			t.Fatalf("Update = %+v, %v", u, err)
		}
		back, _ := s.Get(ctx, admin, tr.compound.ID)
		if back.Code != "HP-BXL" || *back.Lng != 121.48 || back.Path != tr.compound.Path {
			t.Errorf("read back %+v", back)
		}
		if _, err := update(hp, tr.compound.ID, Edit{Code: "HP", Name: "x"}); !hasField(err, "code", "duplicate") {
			t.Errorf("duplicate code: %v", err)
		}
		if _, err := update(hp, tr.tianlin.ID, Edit{Code: "XH-TL", Name: "x"}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("update outside scope: %v", err)
		}
		if _, err := update(hp, tr.compound.ID, Edit{Code: "HP-BXL", Name: ""}); !hasField(err, "name", "required") {
			t.Errorf("empty name: %v", err)
		}
	})
}

func TestAuditorRequired(t *testing.T) {
	d := dbtest.SQLite(t, sources...)
	s := &Store{DB: d}
	if _, err := tryCreate(s, admin, Unit{Kind: City, Code: "SH", Name: "上海市"}); err == nil {
		t.Fatal("a store without an auditor wrote")
	}
	if unitCount(t, d) != 0 {
		t.Error("the unaudited write was kept")
	}
}

func hasField(err error, field, code string) bool {
	var fes FieldErrors
	if !errors.As(err, &fes) {
		return false
	}
	for _, fe := range fes {
		if fe.Field == field && fe.Code == code {
			return true
		}
	}
	return false
}

func codesOf(us []Unit) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Code)
	}
	return out
}

func namesOf(us []Unit) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Name)
	}
	return out
}
