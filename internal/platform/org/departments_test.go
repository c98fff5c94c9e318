package org

import (
	"errors"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

func TestDepartments(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		s, audit := newStore(d)
		ensure := func() int {
			var n int
			if err := d.Tx(ctx, func(tx *db.Tx) error {
				var err error
				n, err = s.EnsureDefaultDepartments(ctx, tx, admin)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := ensure(); n != len(DefaultDepartments) {
			t.Errorf("first ensure added %d", n)
		}
		if n := ensure(); n != 0 {
			t.Errorf("second ensure added %d", n)
		}
		deps, err := s.Departments(ctx)
		if err != nil || len(deps) != 8 {
			t.Fatalf("Departments = %v, %v", deps, err)
		}
		p, err := s.DepartmentByCode(ctx, "petition")
		if err != nil || p.Name != "信访办" || p.NameEn != "Petition Office" {
			t.Errorf("petition = %+v, %v", p, err)
		}
		if _, err := s.DepartmentByCode(ctx, "nope"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("missing department: %v", err)
		}
		if audit.count() != 8 {
			t.Errorf("audited %d", audit.count())
		}

		create := func(p *auth.Principal, dep Department) error {
			return d.Tx(ctx, func(tx *db.Tx) error { _, err := s.CreateDepartment(ctx, tx, p, dep); return err })
		}
		if err := create(admin, Department{Code: "parking", Name: "停车", NameEn: "Parking"}); !hasField(err, "code", "duplicate") {
			t.Errorf("duplicate: %v", err)
		}
		if err := create(admin, Department{Code: "law", Name: "法规处"}); !hasField(err, "name_en", "required") {
			t.Errorf("no English name: %v", err)
		}
		district := &auth.Principal{Role: auth.DistrictStaff, OrgPath: "/1/2/"}
		if err := create(district, Department{Code: "law", Name: "法规处", NameEn: "Legal Affairs Division"}); !errors.Is(err, ErrForbidden) {
			t.Errorf("district creates department: %v", err)
		}
		if err := create(admin, Department{Code: "law", Name: "法规处", NameEn: "Legal Affairs Division"}); err != nil {
			t.Error(err)
		}
	})
}
