package parking

import (
	"context"
	"fmt"
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
	"anju/internal/platform/workday"
)

func sources() []db.Source { return []db.Source{migrations.Platform, Source} }

// fixture is a city with one district, a staff member, a car-park system's
// token and some drivers, over a migrated database.
type fixture struct {
	s        *Service
	d        *db.DB
	now      time.Time
	district int64
	path     string
	staff    *auth.Principal
	machine  *auth.Principal
	drivers  []*auth.Principal
}

func sys() context.Context { return auth.WithPrincipal(context.Background(), auth.System("test")) }

func newFixture(t testing.TB, d *db.DB, drivers int) *fixture {
	t.Helper()
	ctx := sys()
	fx := &fixture{d: d, now: time.Date(2026, 10, 13, 10, 0, 0, 0, shanghai)}
	err := d.Tx(ctx, func(tx *db.Tx) error {
		now := time.Now().UTC()
		if _, err := tx.Exec(ctx, `INSERT INTO org_units (id, kind, code, name, path, depth, created_at) VALUES (1, 'city', 'C', '测试市', '/1/', 0, ?)`, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO org_units (id, parent_id, kind, code, name, path, depth, created_at) VALUES (2, 1, 'district', 'CA', '甲区', '/1/2/', 1, ?)`, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO org_units (id, parent_id, kind, code, name, path, depth, created_at) VALUES (3, 1, 'district', 'CB', '乙区', '/1/3/', 1, ?)`, now); err != nil {
			return err
		}
		for i := range drivers + 1 {
			role, kind, mobile := "citizen", "public", fmt.Sprintf("137%08d", i)
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO users (kind, mobile, display_name, role, org_path, password_hash,
				password_changed_at, created_at, updated_at) VALUES (?, ?, ?, ?, '', 'x', ?, ?, ?) RETURNING id`,
				kind, mobile, "司机", role, now, now, now).Scan(&id); err != nil {
				return err
			}
			if i == 0 {
				fx.staff = &auth.Principal{UserID: id, Role: auth.DistrictStaff, OrgUnitID: 2, OrgPath: "/1/2/", Name: "区工作人员"}
				continue
			}
			fx.drivers = append(fx.drivers, &auth.Principal{UserID: id, Role: auth.Citizen, Name: "司机"})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fx.district, fx.path = 2, "/1/2/"
	fx.machine = &auth.Principal{TokenID: 9, Role: auth.Machine, OrgUnitID: 2, OrgPath: "/1/2/", Permissions: []string{PushPermission}}
	fx.s = fx.service(d)
	return fx
}

// service is another "process" over d, with the fixture's clock.
func (fx *fixture) service(d *db.DB) *Service {
	s := NewService(d, workday.New(workday.Builtin()...), shanghai)
	s.Now = func() time.Time { return fx.now }
	return s
}

func (fx *fixture) ctx(p *auth.Principal) context.Context {
	return auth.WithPrincipal(context.Background(), p)
}

// facility creates a facility in the district.
func (fx *fixture) facility(t testing.TB, f Facility) Facility {
	t.Helper()
	if f.Name == "" {
		f.Name = "测试停车场"
	}
	if f.Code == "" {
		f.Code = fmt.Sprintf("T%d", time.Now().UnixNano())
	}
	f.OrgUnitID = fx.district
	if f.Kind == "" {
		f.Kind = PublicLot
	}
	if f.Ownership == "" {
		f.Ownership = Government
	}
	if f.Operator == "" {
		f.Operator = "城投停车"
	}
	if f.Lat == 0 {
		f.Lat, f.Lng = 30.25, 120.17
	}
	out, err := fx.s.Create(fx.ctx(fx.staff), fx.staff, f)
	if err != nil {
		t.Fatalf("create facility: %v", err)
	}
	if len(f.Rules) > 0 {
		if _, err := fx.s.SetRules(fx.ctx(fx.staff), fx.staff, out.ID, f.Rules); err != nil {
			t.Fatalf("set rules: %v", err)
		}
	}
	got, err := fx.s.Get(context.Background(), fx.staff, out.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func eachDB(t *testing.T, body func(t *testing.T, d *db.DB)) { dbtest.Each(t, sources(), body) }
