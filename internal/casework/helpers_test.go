package casework_test

import (
	"context"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
	"anju/internal/platform/org"
	"anju/internal/platform/workday"
)

var sources = []db.Source{migrations.Platform, casework.Migrations}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// world is a small city: two districts with a street each, staff at every
// level, a citizen, and an engine with the test type "task" on a fixed clock.
type world struct {
	DB      *db.DB
	E       *casework.Engine
	Now     time.Time
	City    org.Unit
	A, B    org.Unit
	StreetA org.Unit
	StreetB org.Unit
	Dept    org.Department // "parking"
	// principals
	CityStaff, Leader, StaffA, StaffB, StreetStaffA, Citizen, Citizen2, DeptStaffA *auth.Principal
}

func sysCtx() context.Context { return auth.WithPrincipal(context.Background(), auth.System("test")) }

func as(p *auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }

// taskType is a small type exercising every generic effect.
func taskType() *casework.Type {
	staff := []auth.Role{auth.CommunityStaff, auth.StreetStaff, auth.DistrictStaff, auth.CityStaff}
	both := append(append([]auth.Role{}, staff...), auth.Leader)
	stage := casework.Days(15)
	return &casework.Type{
		Name: "task", Prefix: "TK", Initial: "new",
		States: []casework.State{{Name: "new", Stage: &stage}, {Name: "working"}, {Name: "done", Terminal: true}},
		Transitions: []casework.Transition{
			{Name: "start", From: []string{"new"}, To: "working", Roles: staff, Scopes: []casework.Scope{casework.ScopeHandler},
				Contact: true, Final: &casework.Period{N: 60, Unit: casework.CalendarDays}, Public: true},
			{Name: "finish", From: []string{"working"}, To: "done", Roles: staff, Scopes: []casework.Scope{casework.ScopeHandler},
				Required: []casework.Field{casework.FieldText}, Public: true},
			{Name: "assign", Roles: staff, Scopes: []casework.Scope{casework.ScopeHandler},
				Required: []casework.Field{casework.FieldAssignTarget}, Effect: casework.EffectAssign},
			{Name: "transfer", From: []string{"new"}, Roles: staff, Scopes: []casework.Scope{casework.ScopeHandler},
				Required: []casework.Field{casework.FieldUnit, casework.FieldReason}, Effect: casework.EffectTransfer},
			{Name: "accept_transfer", Roles: append(append([]auth.Role{}, staff...), auth.SystemRole),
				Scopes: []casework.Scope{casework.ScopeReceiver, casework.ScopeSystem}, Effect: casework.EffectAcceptTransfer},
			{Name: "object_transfer", Roles: staff, Scopes: []casework.Scope{casework.ScopeReceiver},
				Required: []casework.Field{casework.FieldReason}, Effect: casework.EffectObjectTransfer},
			{Name: "supervise", Roles: both, Scopes: []casework.Scope{casework.ScopeHigher},
				Required: []casework.Field{casework.FieldText}, Effect: casework.EffectSupervise},
			{Name: "extend", From: []string{"working"}, Roles: staff, Scopes: []casework.Scope{casework.ScopeHandler},
				Required: []casework.Field{casework.FieldDays, casework.FieldReason, casework.FieldApprover}, Effect: casework.EffectExtend, Public: true},
		},
		Extension: casework.Extension{Max: casework.Days(30), Times: 1},
	}
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	ctx := sysCtx()
	w := &world{DB: d, Now: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)} // Mon 2 Mar 2026, 10:00 in the city
	orgs := &org.Store{DB: d, Audit: func(ctx context.Context, ex db.Execer, action, objectType, objectID, detail, orgPath string) error {
		return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: objectType, ObjectID: objectID, Detail: detail, OrgPath: orgPath})
	}}
	err := d.Tx(ctx, func(tx *db.Tx) error {
		p := auth.FromContext(ctx)
		var err error
		if w.City, err = orgs.Create(ctx, tx, p, org.Unit{Kind: org.City, Code: "C", Name: "测试市"}); err != nil {
			return err
		}
		if w.A, err = orgs.Create(ctx, tx, p, org.Unit{ParentID: w.City.ID, Kind: org.District, Code: "CA", Name: "甲区"}); err != nil {
			return err
		}
		if w.B, err = orgs.Create(ctx, tx, p, org.Unit{ParentID: w.City.ID, Kind: org.District, Code: "CB", Name: "乙区"}); err != nil {
			return err
		}
		if w.StreetA, err = orgs.Create(ctx, tx, p, org.Unit{ParentID: w.A.ID, Kind: org.Street, Code: "CA1", Name: "甲街道"}); err != nil {
			return err
		}
		if w.StreetB, err = orgs.Create(ctx, tx, p, org.Unit{ParentID: w.B.ID, Kind: org.Street, Code: "CB1", Name: "乙街道"}); err != nil {
			return err
		}
		_, err = orgs.EnsureDefaultDepartments(ctx, tx, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if w.Dept, err = orgs.DepartmentByCode(ctx, "parking"); err != nil {
		t.Fatal(err)
	}
	w.CityStaff = w.user(t, "city", auth.CityStaff, w.City, 0)
	w.Leader = w.user(t, "leader", auth.Leader, w.City, 0)
	w.StaffA = w.user(t, "staff_a", auth.DistrictStaff, w.A, 0)
	w.StaffB = w.user(t, "staff_b", auth.DistrictStaff, w.B, 0)
	w.StreetStaffA = w.user(t, "street_a", auth.StreetStaff, w.StreetA, 0)
	w.DeptStaffA = w.user(t, "dept_a", auth.DistrictStaff, w.A, w.Dept.ID)
	w.Citizen = w.user(t, "13800000001", auth.Citizen, w.City, 0)
	w.Citizen2 = w.user(t, "13800000002", auth.Citizen, w.City, 0)

	w.E = casework.New(d, workday.New(workday.Builtin()...), shanghai)
	w.E.Now = func() time.Time { return w.Now }
	if err := w.E.Register(taskType()); err != nil {
		t.Fatal(err)
	}
	return w
}

// user inserts an account directly (no password hashing: these tests never log in).
func (w *world) user(t *testing.T, login string, role auth.Role, unit org.Unit, dept int64) *auth.Principal {
	t.Helper()
	kind, username, mobile := "staff", any(login), any(nil)
	if role.IsPublic() {
		kind, username, mobile = "public", nil, login
	}
	var deptArg any
	if dept != 0 {
		deptArg = dept
	}
	now := time.Now().UTC()
	var id int64
	err := w.DB.Tx(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO users (kind, username, mobile, display_name, role, org_unit_id, org_path,
			department_id, password_hash, password_changed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'x', ?, ?, ?) RETURNING id`,
			kind, username, mobile, login, string(role), unit.ID, unit.Path, deptArg, now, now, now).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	p := &auth.Principal{UserID: id, Name: login, Role: role, IP: "127.0.0.1"}
	if !role.IsPublic() {
		p.OrgUnitID, p.OrgPath, p.DepartmentID = unit.ID, unit.Path, dept
	}
	return p
}

// newTask files a task at unit as p.
func (w *world) newTask(t *testing.T, p *auth.Principal, unit org.Unit, title string) casework.Case {
	t.Helper()
	c, err := w.E.Create(as(p), casework.NewCase{Type: "task", OrgUnitID: unit.ID, Category: "other", Kind: "k",
		Channel: "web", Title: title, PartyUserID: w.Citizen.UserID, PartyName: "张三", PartyPhone: "13912345678"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return c
}

func eachDB(t *testing.T, body func(t *testing.T, w *world)) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) { body(t, newWorld(t, d)) })
}

func day(t time.Time) string { return t.In(shanghai).Format("2006-01-02") }
