package app

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

// testCity is a small tree with two districts, the accounts the tests need
// and a running server over the whole route table.
type testCity struct {
	App      *App
	Server   *httptest.Server
	City     org.Unit
	A, B     org.Unit // two districts
	StreetA  org.Unit
	StreetB  org.Unit
	Password string
}

const testPassword = "Test-pass-2026!"

func sys() context.Context { return auth.WithPrincipal(context.Background(), auth.System("test")) }

// newTestCity builds the app over d, a tree and a server.
func newTestCity(t *testing.T, d *db.DB) *testCity {
	t.Helper()
	web.CookieSecure = false
	cfg := Defaults()
	a, err := New(context.Background(), cfg, d, "test")
	if err != nil {
		t.Fatal(err)
	}
	tc := &testCity{App: a, Password: testPassword}
	ctx := sys()
	err = d.Tx(ctx, func(tx *db.Tx) error {
		p := auth.FromContext(ctx)
		var err error
		if tc.City, err = a.Org.Create(ctx, tx, p, org.Unit{Kind: org.City, Code: "C", Name: "测试市"}); err != nil {
			return err
		}
		if tc.A, err = a.Org.Create(ctx, tx, p, org.Unit{ParentID: tc.City.ID, Kind: org.District, Code: "CA", Name: "甲区"}); err != nil {
			return err
		}
		if tc.B, err = a.Org.Create(ctx, tx, p, org.Unit{ParentID: tc.City.ID, Kind: org.District, Code: "CB", Name: "乙区"}); err != nil {
			return err
		}
		if tc.StreetA, err = a.Org.Create(ctx, tx, p, org.Unit{ParentID: tc.A.ID, Kind: org.Street, Code: "CA1", Name: "甲街道"}); err != nil {
			return err
		}
		if tc.StreetB, err = a.Org.Create(ctx, tx, p, org.Unit{ParentID: tc.B.ID, Kind: org.Street, Code: "CB1", Name: "乙街道"}); err != nil {
			return err
		}
		_, err = a.Org.EnsureDefaultDepartments(ctx, tx, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tc.Server = httptest.NewServer(a.Handler())
	t.Cleanup(tc.Server.Close)
	return tc
}

// user creates an account with role at unit and returns its login name.
func (tc *testCity) user(t *testing.T, login string, role auth.Role, unit org.Unit) auth.User {
	t.Helper()
	nu := auth.NewUser{DisplayName: login, Role: role, Password: tc.Password}
	if role.IsPublic() {
		nu.Mobile = login
	} else {
		nu.Username, nu.OrgUnitID, nu.OrgPath = login, unit.ID, unit.Path
	}
	u, err := tc.App.Auth.CreateUser(sys(), nu)
	if err != nil {
		t.Fatalf("create %s: %v", login, err)
	}
	return u
}

// client is a browser-like HTTP client logged in as login (through the
// login API), with the session's CSRF token for writes.
type client struct {
	*http.Client
	base string
	csrf string
}

func (tc *testCity) login(t *testing.T, login string) *client {
	t.Helper()
	id, p, err := tc.App.Auth.Login(sys(), auth.LoginInput{Identifier: login, Password: tc.Password, IP: "127.0.0.1", UserAgent: "test"})
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(tc.Server.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: id, Path: "/"}})
	return &client{Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}, base: tc.Server.URL, csrf: p.CSRFToken}
}

func (c *client) do(t *testing.T, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
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

func eachDB(t *testing.T, body func(t *testing.T, d *db.DB)) {
	dbtest.Each(t, Sources, body)
}
