package petition_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/petition"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
	"anju/internal/platform/org"
	"anju/internal/platform/workday"
)

var sources = []db.Source{migrations.Platform, casework.Migrations, petition.Migrations}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// world: a city with two districts (a street and a compound in each), staff
// at each level, citizens, and the petition service on a settable clock.
type world struct {
	DB                                                                 *db.DB
	S                                                                  *petition.Service
	E                                                                  *casework.Engine
	Now                                                                time.Time
	City, A, B                                                         org.Unit
	StreetA, StreetB                                                   org.Unit
	CompoundA, Compound2A, CompoundB                                   org.Unit
	CityStaff, Leader, StaffA, StaffB, StreetStaffA, Citizen, Citizen2 *auth.Principal
}

func sysCtx() context.Context { return auth.WithPrincipal(context.Background(), auth.System("test")) }

func as(p *auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }

// at sets the clock to a Beijing time.
func (w *world) at(y int, m time.Month, d, hour int) {
	w.Now = time.Date(y, m, d, hour, 0, 0, 0, shanghai).UTC()
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	ctx := sysCtx()
	w := &world{DB: d}
	w.at(2026, 3, 2, 10)
	orgs := &org.Store{DB: d, Audit: func(ctx context.Context, ex db.Execer, action, objectType, objectID, detail, orgPath string) error {
		return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: objectType, ObjectID: objectID, Detail: detail, OrgPath: orgPath})
	}}
	err := d.Tx(ctx, func(tx *db.Tx) error {
		p := auth.FromContext(ctx)
		mk := func(parent int64, kind org.Kind, code, name string, lat, lng float64) (org.Unit, error) {
			u := org.Unit{ParentID: parent, Kind: kind, Code: code, Name: name}
			if lat != 0 {
				u.Lat, u.Lng = &lat, &lng
			}
			return orgs.Create(ctx, tx, p, u)
		}
		var err error
		if w.City, err = mk(0, org.City, "C", "测试市", 0, 0); err != nil {
			return err
		}
		if w.A, err = mk(w.City.ID, org.District, "CA", "甲区", 0, 0); err != nil {
			return err
		}
		if w.B, err = mk(w.City.ID, org.District, "CB", "乙区", 0, 0); err != nil {
			return err
		}
		if w.StreetA, err = mk(w.A.ID, org.Street, "CA1", "甲街道", 0, 0); err != nil {
			return err
		}
		if w.StreetB, err = mk(w.B.ID, org.Street, "CB1", "乙街道", 0, 0); err != nil {
			return err
		}
		commA, err := mk(w.StreetA.ID, org.Community, "CA11", "甲社区", 0, 0)
		if err != nil {
			return err
		}
		commB, err := mk(w.StreetB.ID, org.Community, "CB11", "乙社区", 0, 0)
		if err != nil {
			return err
		}
		if w.CompoundA, err = mk(commA.ID, org.Compound, "CA111", "甲花园", 30.25, 120.17); err != nil {
			return err
		}
		if w.Compound2A, err = mk(commA.ID, org.Compound, "CA112", "甲新村", 30.26, 120.18); err != nil {
			return err
		}
		if w.CompoundB, err = mk(commB.ID, org.Compound, "CB111", "乙家园", 30.30, 120.30); err != nil {
			return err
		}
		_, err = orgs.EnsureDefaultDepartments(ctx, tx, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	w.CityStaff = w.user(t, "city", auth.CityStaff, w.City)
	w.Leader = w.user(t, "leader", auth.Leader, w.City)
	w.StaffA = w.user(t, "staff_a", auth.DistrictStaff, w.A)
	w.StaffB = w.user(t, "staff_b", auth.DistrictStaff, w.B)
	w.StreetStaffA = w.user(t, "street_a", auth.StreetStaff, w.StreetA)
	w.Citizen = w.user(t, "13800000001", auth.Citizen, w.City)
	w.Citizen2 = w.user(t, "13800000002", auth.Citizen, w.City)

	w.E = casework.New(d, workday.New(workday.Builtin()...), shanghai)
	w.E.Now = func() time.Time { return w.Now }
	if w.S, err = petition.New(w.E, orgs); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) user(t *testing.T, login string, role auth.Role, unit org.Unit) *auth.Principal {
	t.Helper()
	kind, username, mobile := "staff", any(login), any(nil)
	if role.IsPublic() {
		kind, username, mobile = "public", nil, login
	}
	now := time.Now().UTC()
	var id int64
	err := w.DB.Tx(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO users (kind, username, mobile, display_name, role, org_unit_id, org_path,
			password_hash, password_changed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'x', ?, ?, ?) RETURNING id`,
			kind, username, mobile, "用户"+login, string(role), unit.ID, unit.Path, now, now, now).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	p := &auth.Principal{UserID: id, Name: login, Role: role, IP: "127.0.0.1"}
	if !role.IsPublic() {
		p.OrgUnitID, p.OrgPath = unit.ID, unit.Path
	}
	return p
}

// submit files a named complaint in district A by phone, as a visitor.
func (w *world) submit(t *testing.T, mut ...func(*petition.Submission)) casework.Case {
	t.Helper()
	c, err := w.S.Submit(as(&auth.Principal{IP: "1.2.3.4"}), w.submission(mut...))
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return c
}

// submission is a citizen's petition about property management in
// district A, changed by mut.
func (w *world) submission(mut ...func(*petition.Submission)) petition.Submission {
	sub := petition.Submission{Kind: petition.KindComplaint, Category: "property_management", Subcategory: "service",
		Title: "物业不作为", Body: "小区垃圾无人清运已一周", Name: "王五", Phone: "13912345678", UnitID: w.A.ID}
	for _, m := range mut {
		m(&sub)
	}
	return sub
}

// act takes action as p on the current version, failing the test on error.
func (w *world) act(t *testing.T, ctx context.Context, id int64, action string, in casework.Input) casework.Case {
	t.Helper()
	c, err := w.E.Get(sysCtx(), id)
	if err != nil {
		t.Fatal(err)
	}
	c, err = w.E.Act(ctx, id, c.Version, action, in)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	return c
}

func (w *world) try(ctx context.Context, id int64, action string, in casework.Input) error {
	c, err := w.E.Get(sysCtx(), id)
	if err != nil {
		return err
	}
	_, err = w.E.Act(ctx, id, c.Version, action, in)
	return err
}

func eachDB(t *testing.T, body func(t *testing.T, w *world)) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) { body(t, newWorld(t, d)) })
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(shanghai).Format("2006-01-02")
}

var _ = fmt.Sprint

// smsBox captures texts instead of a gateway.
type smsBox struct {
	mu   sync.Mutex
	sent []string
}

func (b *smsBox) Send(_ context.Context, mobile, text string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, mobile+" "+text)
	return nil
}
