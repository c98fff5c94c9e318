package property

import (
	"context"
	"fmt"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

const testPassword = "Test-pass-2026!"

// env is a small city for the module's tests:
//
//	city C ─┬─ district A ── street A1 ─┬─ community A1a ── compounds a1, a2, a3
//	        │                           └─ community A1b ── compound  a4
//	        └─ district B ── street B1 ─── community B1a ── compounds b1, b2
//
// each compound with two buildings; the clock stands at 2026-03-10 10:00 in
// the city.
type env struct {
	t    *testing.T
	d    *db.DB
	svc  *Service
	auth *auth.Service
	org  *org.Store
	now  time.Time

	city, a, b, streetA, streetB, commA1, commA2, commB org.Unit
	compounds                                           map[string]org.Unit
}

func sysCtx() context.Context { return auth.WithPrincipal(context.Background(), auth.System("test")) }

// migrationSources are the tables the module's tests need.
func migrationSources() []db.Source {
	return []db.Source{migrations.Platform, casework.Migrations, Migrations}
}

func each(t *testing.T, body func(t *testing.T, e *env)) {
	dbtest.Each(t, migrationSources(), func(t *testing.T, d *db.DB) {
		body(t, newEnv(t, d))
	})
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	e := &env{t: t, d: d, compounds: map[string]org.Unit{},
		now: time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)}
	hook := func(ctx context.Context, ex db.Execer, action, objectType, objectID, result, detail, orgPath string) error {
		return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: objectType, ObjectID: objectID,
			Result: result, Detail: detail, OrgPath: orgPath})
	}
	e.auth = &auth.Service{DB: d, Audit: hook}
	e.org = &org.Store{DB: d, Audit: func(ctx context.Context, ex db.Execer, action, objectType, objectID, detail, orgPath string) error {
		return hook(ctx, ex, action, objectType, objectID, audit.OK, detail, orgPath)
	}}
	e.svc = &Service{DB: d, Org: e.org, Calendar: workday.New(workday.Builtin()...), Now: func() time.Time { return e.now }}
	eng := casework.New(d, e.svc.Calendar, web.Location)
	eng.Now = func() time.Time { return e.now }
	if err := e.svc.UseCases(eng); err != nil {
		t.Fatal(err)
	}
	ctx := sysCtx()
	sys := auth.FromContext(ctx)
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		mk := func(parent org.Unit, kind org.Kind, code, name string) org.Unit {
			if err != nil {
				return org.Unit{}
			}
			var u org.Unit
			u, err = e.org.Create(ctx, tx, sys, org.Unit{ParentID: parent.ID, Kind: kind, Code: code, Name: name})
			return u
		}
		e.city = mk(org.Unit{}, org.City, "C", "测试市")
		e.a = mk(e.city, org.District, "CA", "甲区")
		e.b = mk(e.city, org.District, "CB", "乙区")
		e.streetA = mk(e.a, org.Street, "CA1", "甲街道")
		e.streetB = mk(e.b, org.Street, "CB1", "乙街道")
		e.commA1 = mk(e.streetA, org.Community, "CA1a", "甲一社区")
		e.commA2 = mk(e.streetA, org.Community, "CA1b", "甲二社区")
		e.commB = mk(e.streetB, org.Community, "CB1a", "乙一社区")
		for _, c := range []struct {
			key  string
			comm org.Unit
			name string
		}{{"a1", e.commA1, "阳光花园"}, {"a2", e.commA1, "翠湖苑"}, {"a3", e.commA1, "和平新村"},
			{"a4", e.commA2, "锦绣家园"}, {"b1", e.commB, "春江华庭"}, {"b2", e.commB, "碧水湾"}} {
			u := mk(c.comm, org.Compound, "CP-"+c.key, c.name)
			for i := 1; i <= 2; i++ {
				mk(u, org.Building, fmt.Sprintf("CP-%s-%d", c.key, i), fmt.Sprintf("%d幢", i))
			}
			e.compounds[c.key] = u
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// staff returns the context of a new staff account with role at unit.
func (e *env) staff(login string, role auth.Role, unit org.Unit) context.Context {
	e.t.Helper()
	u, err := e.auth.CreateUser(sysCtx(), auth.NewUser{Username: login, DisplayName: login, Role: role,
		OrgUnitID: unit.ID, Password: testPassword})
	if err != nil {
		e.t.Fatalf("create %s: %v", login, err)
	}
	return auth.WithPrincipal(context.Background(), &auth.Principal{UserID: u.ID, Name: login, Role: role,
		OrgUnitID: unit.ID, OrgPath: unit.Path, IP: "127.0.0.1"})
}

// companyUser returns the context of a new company account (no scope, as
// the platform gives public accounts) and its user id.
func (e *env) companyUser(mobile string) (context.Context, int64) {
	e.t.Helper()
	u, err := e.auth.CreateUser(sysCtx(), auth.NewUser{Mobile: mobile, DisplayName: "企业" + mobile, Role: auth.Company,
		Password: testPassword})
	if err != nil {
		e.t.Fatalf("create %s: %v", mobile, err)
	}
	return auth.WithPrincipal(context.Background(), &auth.Principal{UserID: u.ID, Name: u.DisplayName,
		Role: auth.Company, IP: "127.0.0.1"}), u.ID
}

// company files a company with unit (as the platform principal) and returns it.
func (e *env) company(name, code string, unit org.Unit, party bool) Company {
	e.t.Helper()
	c, err := e.svc.CreateCompany(sysCtx(), CompanyInput{Name: name, CreditCode: code, LegalRep: "张三",
		OrgUnitID: unit.ID, PartyOrg: party})
	if err != nil {
		e.t.Fatalf("company %s: %v", name, err)
	}
	return c
}

// save writes a compound's record as the platform principal.
func (e *env) save(key string, in CompoundInput) Compound {
	e.t.Helper()
	c, err := e.svc.SaveCompound(sysCtx(), e.compounds[key].ID, 0, in)
	if err != nil {
		e.t.Fatalf("save %s: %v", key, err)
	}
	return c
}

// Real codes, published by the companies named (and checked by the
// algorithm in TestCreditCode).
var realCodes = []struct{ code, name string }{
	{"91440300708461136T", "深圳市腾讯计算机系统有限公司"},
	{"91330100799655058B", "阿里巴巴（中国）有限公司"},
	{"914403001922038216", "华为技术有限公司"},
	{"91440300192181490G", "万科企业股份有限公司"},
	{"914403007261824992", "万科物业发展股份有限公司"},
	{"91440300192317458F", "比亚迪股份有限公司"},
	{"91100000100003962T", "中国工商银行股份有限公司"},
	{"911100007109250324", "中国移动通信集团有限公司"},
	{"9111000071093123XX", "国家电网有限公司"},
	{"91110108551385082Q", "北京小米科技有限责任公司"},
}

func day(s string) workday.Date {
	d, err := workday.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}
