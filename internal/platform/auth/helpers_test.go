package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
)

// testPassword satisfies the default policy (10+ characters, 3 classes).
const testPassword = "Anju-Test-2026"

// clock is an injectable, advanceable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// entry is one audit record as the recorder saw it.
type entry struct {
	Action, ObjectType, ObjectID, Result, Detail, OrgPath string
	Actor                                                 string
	ActorID                                               int64
	IP                                                    string
}

// recorder stands in for audit.Record.
type recorder struct {
	mu      sync.Mutex
	entries []entry
}

func (r *recorder) Audit(ctx context.Context, ex db.Execer, action, objectType, objectID, result, detail, orgPath string) error {
	if ex == nil {
		return errors.New("audit without a transaction")
	}
	p := auth.FromContext(ctx)
	r.mu.Lock()
	r.entries = append(r.entries, entry{action, objectType, objectID, result, detail, orgPath, p.Name, p.UserID, p.IP})
	r.mu.Unlock()
	return nil
}

// last returns the newest record of action.
func (r *recorder) last(action string) (entry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.entries) - 1; i >= 0; i-- {
		if r.entries[i].Action == action {
			return r.entries[i], true
		}
	}
	return entry{}, false
}

func (r *recorder) count(action, result string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.entries {
		if e.Action == action && e.Result == result {
			n++
		}
	}
	return n
}

// smsBox captures the messages the service sends.
type smsBox struct {
	mu   sync.Mutex
	sent []string // "mobile text"
	fail error
}

func (b *smsBox) Send(ctx context.Context, mobile, text string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	b.sent = append(b.sent, mobile+" "+text)
	return nil
}

// lastCode returns the 6-digit code of the newest message.
func (b *smsBox) lastCode(t *testing.T) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.sent) == 0 {
		t.Fatal("no SMS sent")
	}
	msg := b.sent[len(b.sent)-1]
	_, after, ok := strings.Cut(msg, "验证码为 ")
	if !ok || len(after) < 6 || !isDigits(after[:6]) {
		t.Fatalf("no code in %q", msg)
	}
	return after[:6]
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// env is one test's service over a fresh database, with an org tree:
//
//	1 city /1/ ─┬─ 2 district /1/2/ ── 4 street /1/2/4/
//	            └─ 3 district /1/3/
type env struct {
	d     *db.DB
	svc   *auth.Service
	clock *clock
	audit *recorder
	sms   *smsBox
	// Accounts created at start, all at the city (/1/).
	sysAdmin, secAdmin, auditAdmin auth.User
}

var t0 = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

func each(t *testing.T, body func(t *testing.T, e *env)) {
	dbtest.Each(t, []db.Source{migrations.Platform}, func(t *testing.T, d *db.DB) {
		body(t, newEnv(t, d))
	})
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	ctx := context.Background()
	for _, u := range []struct {
		id, parent int64
		path       string
		depth      int
	}{{1, 0, "/1/", 1}, {2, 1, "/1/2/", 2}, {3, 1, "/1/3/", 2}, {4, 2, "/1/2/4/", 3}} {
		var parent any
		if u.parent != 0 {
			parent = u.parent
		}
		if _, err := d.Exec(ctx, `INSERT INTO org_units (id, parent_id, kind, code, name, path, depth, created_at)
			VALUES (?, ?, 'unit', ?, ?, ?, ?, ?)`, u.id, parent, u.path, "unit "+u.path, u.path, u.depth, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Exec(ctx, `INSERT INTO departments (id, code, name, name_en) VALUES (1, 'parking', '停车', 'Parking')`); err != nil {
		t.Fatal(err)
	}
	e := &env{d: d, clock: &clock{t: t0}, audit: &recorder{}, sms: &smsBox{}}
	e.svc = &auth.Service{DB: d, Audit: e.audit.Audit, Now: e.clock.Now, SMS: e.sms}
	e.sysAdmin = e.create(t, e.platform(), auth.NewUser{Username: "sysadmin", DisplayName: "系统管理员",
		Role: auth.SystemAdmin, OrgUnitID: 1})
	e.secAdmin = e.create(t, e.platform(), auth.NewUser{Username: "secadmin", DisplayName: "安全管理员",
		Role: auth.SecurityAdmin, OrgUnitID: 1})
	e.auditAdmin = e.create(t, e.platform(), auth.NewUser{Username: "auditadmin", DisplayName: "审计管理员",
		Role: auth.AuditAdmin, OrgUnitID: 1})
	return e
}

// platform is the context of the command line (the platform principal).
func (e *env) platform() context.Context {
	return auth.WithPrincipal(context.Background(), auth.System("test"))
}

// as is a context acting as the account u (a principal like a session's).
func (e *env) as(u auth.User) context.Context {
	return auth.WithPrincipal(context.Background(), e.principal(u))
}

func (e *env) principal(u auth.User) *auth.Principal {
	return &auth.Principal{UserID: u.ID, Name: u.DisplayName, Role: u.Role, OrgUnitID: u.OrgUnitID,
		OrgPath: u.OrgPath, DepartmentID: u.DepartmentID, IP: "10.0.0.1"}
}

// create makes an account with testPassword unless nu names another.
func (e *env) create(t *testing.T, ctx context.Context, nu auth.NewUser) auth.User {
	t.Helper()
	if nu.Password == "" {
		nu.Password = testPassword
	}
	u, err := e.svc.CreateUser(ctx, nu)
	if err != nil {
		t.Fatalf("create %s: %v", nu.Username+nu.Mobile, err)
	}
	return u
}

func (e *env) login(t *testing.T, ident, pw string) (string, *auth.Principal) {
	t.Helper()
	id, p, err := e.svc.Login(context.Background(), auth.LoginInput{Identifier: ident, Password: pw, IP: "10.0.0.9", UserAgent: "test"})
	if err != nil {
		t.Fatalf("login %s: %v", ident, err)
	}
	return id, p
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

// wantField asserts err is FieldErrors with code on field.
func wantField(t *testing.T, err error, field, code string) {
	t.Helper()
	var fe auth.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v, want field errors", err)
	}
	f, ok := fe.Field(field)
	if !ok || f.Code != code {
		t.Fatalf("errors %v: want %s/%s", fe, field, code)
	}
	if f.Message == "" || f.MessageEn == "" {
		t.Fatalf("field error %+v lacks a message in both languages", f)
	}
}
