package account_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"html/template"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/internal/account"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

// testPassword satisfies the default policy (10+ characters, 3 classes).
const testPassword = "Anju-Test-2026"

func TestMain(m *testing.M) {
	// The test server speaks plain HTTP; Secure cookies would not come back.
	web.CookieSecure = false
	os.Exit(m.Run())
}

// smsBox captures the texts auth sends instead of a gateway.
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

var codeRE = regexp.MustCompile(`验证码为 (\d{6})`)

func (b *smsBox) lastCode(t *testing.T) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.sent) == 0 {
		t.Fatal("no SMS sent")
	}
	m := codeRE.FindStringSubmatch(b.sent[len(b.sent)-1])
	if m == nil {
		t.Fatalf("no code in %q", b.sent[len(b.sent)-1])
	}
	return m[1]
}

// clock is auth's time source, advanced by tests (SMS rate limits).
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

// env is one test's server over a fresh database, with a city of two
// districts and accounts at several places:
//
//	city SH ─┬─ district HP ── street HP-NJ
//	         └─ district XH
type env struct {
	t     *testing.T
	d     *db.DB
	auth  *auth.Service
	org   *org.Store
	sms   *smsBox
	clock *clock
	srv   *httptest.Server

	city, hp, xh, nj org.Unit
	// Administrators at the city; a system and a security administrator of
	// district HP; staff in HP (street) and in XH; a citizen.
	sysAdmin, secAdmin, auditAdmin, hpSys, hpSec, hpStaff, xhStaff, citizen auth.User
}

func each(t *testing.T, body func(t *testing.T, e *env)) {
	dbtest.Each(t, []db.Source{migrations.Platform}, func(t *testing.T, d *db.DB) {
		body(t, newEnv(t, d))
	})
}

func auditHook(ctx context.Context, ex db.Execer, action, objectType, objectID, result, detail, orgPath string) error {
	return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: objectType, ObjectID: objectID,
		Result: result, Detail: detail, OrgPath: orgPath})
}

func platform() context.Context { return auth.WithPrincipal(context.Background(), auth.System("test")) }

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	e := &env{t: t, d: d, sms: &smsBox{}, clock: &clock{t: time.Now().UTC()}}
	e.auth = &auth.Service{DB: d, Audit: auditHook, SMS: e.sms, Now: e.clock.Now}
	e.org = &org.Store{DB: d, Audit: func(ctx context.Context, ex db.Execer, action, objectType, objectID, detail, orgPath string) error {
		return auditHook(ctx, ex, action, objectType, objectID, audit.OK, detail, orgPath)
	}}
	ctx := platform()
	sys := auth.System("test")
	err := d.Tx(ctx, func(tx *db.Tx) error {
		var err error
		mk := func(u org.Unit) org.Unit {
			if err != nil {
				return org.Unit{}
			}
			var out org.Unit
			out, err = e.org.Create(ctx, tx, sys, u)
			return out
		}
		e.city = mk(org.Unit{Kind: org.City, Code: "SH", Name: "上海市"})
		e.hp = mk(org.Unit{ParentID: e.city.ID, Kind: org.District, Code: "HP", Name: "黄浦区"})
		e.xh = mk(org.Unit{ParentID: e.city.ID, Kind: org.District, Code: "XH", Name: "徐汇区"})
		e.nj = mk(org.Unit{ParentID: e.hp.ID, Kind: org.Street, Code: "HP-NJ", Name: "南京东路街道"})
		if err != nil {
			return err
		}
		_, err = e.org.EnsureDefaultDepartments(ctx, tx, sys)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.sysAdmin = e.create(auth.NewUser{Username: "sysadmin", DisplayName: "系统管理员", Role: auth.SystemAdmin, OrgUnitID: e.city.ID})
	e.secAdmin = e.create(auth.NewUser{Username: "secadmin", DisplayName: "安全管理员", Role: auth.SecurityAdmin, OrgUnitID: e.city.ID})
	e.auditAdmin = e.create(auth.NewUser{Username: "auditadmin", DisplayName: "审计管理员", Role: auth.AuditAdmin, OrgUnitID: e.city.ID})
	e.hpSys = e.create(auth.NewUser{Username: "hp.sys", DisplayName: "黄浦系统管理员", Role: auth.SystemAdmin, OrgUnitID: e.hp.ID})
	e.hpSec = e.create(auth.NewUser{Username: "hp.sec", DisplayName: "黄浦安全管理员", Role: auth.SecurityAdmin, OrgUnitID: e.hp.ID})
	e.hpStaff = e.create(auth.NewUser{Username: "hp.staff", DisplayName: "张三", Role: auth.StreetStaff, OrgUnitID: e.nj.ID,
		Mobile: "13900001111"})
	e.xhStaff = e.create(auth.NewUser{Username: "xh.staff", DisplayName: "李四", Role: auth.DistrictStaff, OrgUnitID: e.xh.ID})
	e.citizen = e.create(auth.NewUser{Mobile: "13812341234", DisplayName: "王五", Role: auth.Citizen})

	h := &account.Handler{Auth: e.auth, Org: e.org}
	e.srv = httptest.NewServer(buildHandler(e.auth, h))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) create(nu auth.NewUser) auth.User {
	e.t.Helper()
	if nu.Password == "" {
		nu.Password = testPassword
	}
	u, err := e.auth.CreateUser(platform(), nu)
	if err != nil {
		e.t.Fatalf("create %s: %v", nu.DisplayName, err)
	}
	return u
}

// buildHandler assembles the server as the app does: the shared middleware
// around a mux of guarded routes, plus stand-ins for the landing pages of
// other modules so redirects can be followed.
func buildHandler(svc *auth.Service, h *account.Handler) http.Handler {
	stub := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "stub:"+name) }
	}
	routes := append(h.Routes(),
		web.Route{Pattern: "GET /{$}", Access: web.Public, Handler: stub("public")},
		web.Route{Pattern: "GET /home", Access: web.Staff, Handler: stub("home")},
	)
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.Pattern, web.Guard(rt))
	}
	var hh http.Handler = mux
	hh = h.PasswordGate(hh)
	hh = web.CSRF(hh)
	hh = web.Identify(svc, false)(hh)
	hh = web.RememberLang(hh)
	hh = web.LimitBody(web.BodyLimits(routes), hh)
	hh = web.Secure(hh)
	hh = web.Recover(hh)
	return hh
}

// browser is a client with a cookie jar that does not follow redirects, so
// tests see where each answer sends it. It remembers the CSRF token of the
// last page it loaded, as a form would carry it.
type browser struct {
	t    *testing.T
	e    *env
	c    *http.Client
	csrf string
}

type resp struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) resp {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	r := resp{Status: res.StatusCode, Body: string(body), Location: res.Header.Get("Location"), Header: res.Header}
	if m := csrfRE.FindStringSubmatch(r.Body); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return r
}

func (b *browser) get(path string) resp {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form with the remembered CSRF token (unless vals has one).
func (b *browser) post(path string, vals url.Values) resp {
	b.t.Helper()
	if vals == nil {
		vals = url.Values{}
	}
	if _, ok := vals["csrf"]; !ok {
		vals.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// json sends a JSON request with the remembered CSRF token in the header.
func (b *browser) json(method, path string, body any) resp {
	b.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		buf, _ := json.Marshal(v)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, b.e.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	return b.do(req)
}

// cookie returns the value of the browser's cookie name ("" if none).
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.e.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// login logs in through the form and loads the page it lands on (which
// also picks up the session's CSRF token).
func (b *browser) login(name, password string) resp {
	b.t.Helper()
	b.get("/login")
	r := b.post("/login", url.Values{"login": {name}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		b.t.Fatalf("login %s: status %d, body %s", name, r.Status, r.Body)
	}
	b.get("/account")
	return r
}

func wantStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; location %q; body:\n%s", r.Status, status, r.Location, r.Body)
	}
}

func wantBody(t *testing.T, r resp, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.Body, p) {
			t.Fatalf("body lacks %q:\n%s", p, r.Body)
		}
	}
}

func wantNoBody(t *testing.T, r resp, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(r.Body, p) {
			t.Fatalf("body shows %q:\n%s", p, r.Body)
		}
	}
}

var textTmpl = template.Must(template.New("").Parse("{{.}}"))

// T is the catalogue's message, escaped as a page shows it.
func T(l web.Lang, key string, args ...any) string {
	var b strings.Builder
	_ = textTmpl.Execute(&b, web.T(l, key, args...))
	return b.String()
}
