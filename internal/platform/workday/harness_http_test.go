package workday_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

const testPassword = "Test-pass-2026!"

func sys() context.Context { return auth.WithPrincipal(context.Background(), auth.System("test")) }

// env is a running server over one package's routes, a small tree (a city
// with districts A and B, one street each) and the auth service to log in
// with. The same harness serves the org, workday and audit HTTP tests.
type env struct {
	DB               *db.DB
	Auth             *auth.Service
	Store            *org.Store
	Server           *httptest.Server
	City, A, B       org.Unit
	StreetA, StreetB org.Unit
}

func newEnv(t *testing.T, d *db.DB, routes func(e *env) []web.Route) *env {
	t.Helper()
	web.CookieSecure = false
	e := &env{DB: d}
	e.Auth = &auth.Service{DB: d, Audit: func(ctx context.Context, ex db.Execer, action, objectType, objectID, result, detail, orgPath string) error {
		return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: objectType, ObjectID: objectID,
			Result: result, Detail: detail, OrgPath: orgPath})
	}}
	e.Store = &org.Store{DB: d, Audit: func(ctx context.Context, ex db.Execer, action, objectType, objectID, detail, orgPath string) error {
		return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: objectType, ObjectID: objectID,
			Detail: detail, OrgPath: orgPath})
	}}
	ctx := sys()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		p := auth.FromContext(ctx)
		mk := func(dst *org.Unit, u org.Unit) error {
			var err error
			*dst, err = e.Store.Create(ctx, tx, p, u)
			return err
		}
		if err := mk(&e.City, org.Unit{Kind: org.City, Code: "C", Name: "测试市"}); err != nil {
			return err
		}
		if err := mk(&e.A, org.Unit{ParentID: e.City.ID, Kind: org.District, Code: "CA", Name: "甲区"}); err != nil {
			return err
		}
		if err := mk(&e.B, org.Unit{ParentID: e.City.ID, Kind: org.District, Code: "CB", Name: "乙区"}); err != nil {
			return err
		}
		if err := mk(&e.StreetA, org.Unit{ParentID: e.A.ID, Kind: org.Street, Code: "CA1", Name: "甲街道"}); err != nil {
			return err
		}
		if err := mk(&e.StreetB, org.Unit{ParentID: e.B.ID, Kind: org.Street, Code: "CB1", Name: "乙街道"}); err != nil {
			return err
		}
		_, err := e.Store.EnsureDefaultDepartments(ctx, tx, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Server = httptest.NewServer(chain(e.Auth, routes(e)))
	t.Cleanup(e.Server.Close)
	return e
}

// chain builds the handler as the app does: the shared middleware stack
// over a mux of the routes, each behind its access gate.
func chain(a *auth.Service, routes []web.Route) http.Handler {
	return web.Stack(a, false, routes, web.Mux(routes))
}

// user creates a staff or administrator account at unit.
func (e *env) user(t *testing.T, login string, role auth.Role, unit org.Unit) auth.User {
	t.Helper()
	u, err := e.Auth.CreateUser(sys(), auth.NewUser{Username: login, DisplayName: login, Role: role,
		OrgUnitID: unit.ID, Password: testPassword})
	if err != nil {
		t.Fatalf("create %s: %v", login, err)
	}
	return u
}

// client is a browser-like client logged in as login, carrying the
// session's CSRF token on writes and following no redirects.
type client struct {
	*http.Client
	base, csrf string
}

func (e *env) login(t *testing.T, login string, role auth.Role, unit org.Unit) *client {
	t.Helper()
	e.user(t, login, role, unit)
	id, p, err := e.Auth.Login(sys(), auth.LoginInput{Identifier: login, Password: testPassword, IP: "127.0.0.1", UserAgent: "test"})
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(e.Server.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: id, Path: "/"}})
	return &client{Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}, base: e.Server.URL, csrf: p.CSRFToken}
}

func (c *client) send(t *testing.T, method, path, ctype string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("X-CSRF-Token", c.csrf)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *client) get(t *testing.T, path string) (*http.Response, string) {
	return c.send(t, http.MethodGet, path, "", nil)
}

// upload posts one file as multipart/form-data field "file".
func (c *client) upload(t *testing.T, path, filename string, content []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.WriteField("csrf", c.csrf)
	_ = mw.Close()
	return c.send(t, http.MethodPost, path, mw.FormDataContentType(), &buf)
}

func wantStatus(t *testing.T, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body %.600s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	}
}

func wantContains(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("body lacks %q; body %.1200s", p, body)
		}
	}
}
