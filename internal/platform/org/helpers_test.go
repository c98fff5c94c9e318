package org

import (
	"context"
	"sync"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
)

var (
	ctx     = context.Background()
	sources = []db.Source{migrations.Platform}
	admin   = auth.System("test")
)

// auditLog stands in for the audit package: it records the actions it is
// given, so tests can see that every write was audited.
type auditLog struct {
	mu      sync.Mutex
	actions []string
	paths   []string
}

func (a *auditLog) record(_ context.Context, _ db.Execer, action, _, _, _, orgPath string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.actions = append(a.actions, action)
	a.paths = append(a.paths, orgPath)
	return nil
}

func (a *auditLog) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.actions)
}

func newStore(d *db.DB) (*Store, *auditLog) {
	a := &auditLog{}
	return &Store{DB: d, Audit: a.record}, a
}

// freshDB opens another empty database of the same dialect as d.
func freshDB(t *testing.T, d *db.DB) *db.DB {
	if d.Dialect == db.Postgres {
		return dbtest.Postgres(t, sources...)
	}
	return dbtest.SQLite(t, sources...)
}

func mustCreate(t *testing.T, s *Store, p *auth.Principal, u Unit) Unit {
	t.Helper()
	var out Unit
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.Create(ctx, tx, p, u)
		return err
	})
	if err != nil {
		t.Fatalf("create %s %s: %v", u.Kind, u.Code, err)
	}
	return out
}

func tryCreate(s *Store, p *auth.Principal, u Unit) (Unit, error) {
	var out Unit
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.Create(ctx, tx, p, u)
		return err
	})
	return out, err
}

func unitCount(t testing.TB, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM org_units`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func staff(role auth.Role, u Unit) *auth.Principal {
	return &auth.Principal{UserID: 99, Role: role, OrgUnitID: u.ID, OrgPath: u.Path}
}

func fp(v float64) *float64 { return &v }

// tree is a small city: 上海 with 黄浦区 and 徐汇区, the free-trade zone, and
// one branch down to a building.
type tree struct {
	city, huangpu, xuhui, ftz, nanjing, tianlin, community, compound, building Unit
}

func buildTree(t *testing.T, s *Store) tree {
	t.Helper()
	var tr tree
	tr.city = mustCreate(t, s, admin, Unit{Kind: City, Code: "SH", Name: "上海市", Lat: fp(31.2304), Lng: fp(121.4737)})
	tr.huangpu = mustCreate(t, s, admin, Unit{ParentID: tr.city.ID, Kind: District, Code: "HP", Name: "黄浦区"})
	tr.xuhui = mustCreate(t, s, admin, Unit{ParentID: tr.city.ID, Kind: District, Code: "XH", Name: "徐汇区"})
	tr.ftz = mustCreate(t, s, admin, Unit{ParentID: tr.city.ID, Kind: Zone, Code: "FTZ", Name: "自贸区"})
	tr.nanjing = mustCreate(t, s, admin, Unit{ParentID: tr.huangpu.ID, Kind: Street, Code: "HP-NJ", Name: "南京东路街道"})
	tr.tianlin = mustCreate(t, s, admin, Unit{ParentID: tr.xuhui.ID, Kind: Street, Code: "XH-TL", Name: "田林街道"})
	tr.community = mustCreate(t, s, admin, Unit{ParentID: tr.nanjing.ID, Kind: Community, Code: "HP-NJ-01", Name: "贵州路社区"})
	tr.compound = mustCreate(t, s, admin, Unit{ParentID: tr.community.ID, Kind: Compound, Code: "HP-NJ-01-001", Name: "宝兴里",
		Lat: fp(31.2381), Lng: fp(121.4812)})
	tr.building = mustCreate(t, s, admin, Unit{ParentID: tr.compound.ID, Kind: Building, Code: "HP-NJ-01-001-1", Name: "1号楼"})
	return tr
}
