package webtest

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

// Password is the password of every account a City creates.
const Password = "Test-pass-2026!"

// Sys is the context of setup writes: the platform acting by itself.
func Sys() context.Context { return auth.WithPrincipal(context.Background(), auth.System("test")) }

// AuditHook is the audit hook of auth.Service, writing through audit.Record.
func AuditHook(ctx context.Context, ex db.Execer, action, objectType, objectID, result, detail, orgPath string) error {
	return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: objectType, ObjectID: objectID,
		Result: result, Detail: detail, OrgPath: orgPath})
}

// City is a running server over one package's routes with a small tree (a
// city, districts A and B, one street in each) and the services to create
// accounts and log in. Module HTTP tests build on it.
type City struct {
	DB               *db.DB
	Auth             *auth.Service
	Org              *org.Store
	Server           *httptest.Server
	City, A, B       org.Unit
	StreetA, StreetB org.Unit
}

// NewCity builds the tree in d and serves routes(c) behind the platform's
// middleware, as the app does.
func NewCity(t *testing.T, d *db.DB, routes func(c *City) []web.Route) *City {
	t.Helper()
	web.CookieSecure = false
	c := &City{DB: d}
	c.Auth = &auth.Service{DB: d, Audit: AuditHook, SMS: auth.LogSMS{}}
	c.Org = &org.Store{DB: d, Audit: func(ctx context.Context, ex db.Execer, action, objectType, objectID, detail, orgPath string) error {
		return AuditHook(ctx, ex, action, objectType, objectID, audit.OK, detail, orgPath)
	}}
	ctx := Sys()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		p := auth.FromContext(ctx)
		mk := func(dst *org.Unit, u org.Unit) error {
			var err error
			*dst, err = c.Org.Create(ctx, tx, p, u)
			return err
		}
		for _, step := range []struct {
			dst *org.Unit
			u   func() org.Unit
		}{
			{&c.City, func() org.Unit { return org.Unit{Kind: org.City, Code: "C", Name: "测试市"} }},
			{&c.A, func() org.Unit { return org.Unit{ParentID: c.City.ID, Kind: org.District, Code: "CA", Name: "甲区"} }},
			{&c.B, func() org.Unit { return org.Unit{ParentID: c.City.ID, Kind: org.District, Code: "CB", Name: "乙区"} }},
			{&c.StreetA, func() org.Unit { return org.Unit{ParentID: c.A.ID, Kind: org.Street, Code: "CA1", Name: "甲街道"} }},
			{&c.StreetB, func() org.Unit { return org.Unit{ParentID: c.B.ID, Kind: org.Street, Code: "CB1", Name: "乙街道"} }},
		} {
			if err := mk(step.dst, step.u()); err != nil {
				return err
			}
		}
		_, err := c.Org.EnsureDefaultDepartments(ctx, tx, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rs := routes(c)
	c.Server = httptest.NewServer(web.Stack(c.Auth, false, rs, web.Mux(rs)))
	t.Cleanup(c.Server.Close)
	return c
}

// User creates an account with role at unit (a mobile-number login for
// citizens and companies).
func (c *City) User(t *testing.T, login string, role auth.Role, unit org.Unit) auth.User {
	t.Helper()
	nu := auth.NewUser{DisplayName: login, Role: role, Password: Password}
	if role.IsPublic() {
		nu.Mobile = login
	} else {
		nu.Username, nu.OrgUnitID = login, unit.ID
	}
	u, err := c.Auth.CreateUser(Sys(), nu)
	if err != nil {
		t.Fatalf("create %s: %v", login, err)
	}
	return u
}

// Login creates the account and returns a client logged in as it.
func (c *City) Login(t *testing.T, login string, role auth.Role, unit org.Unit) *Client {
	t.Helper()
	c.User(t, login, role, unit)
	return c.As(t, login)
}

// As returns a client logged in as an existing account.
func (c *City) As(t *testing.T, login string) *Client {
	t.Helper()
	id, p, err := c.Auth.Login(Sys(), auth.LoginInput{Identifier: login, Password: Password, IP: "127.0.0.1", UserAgent: "test"})
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(c.Server.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: id, Path: "/"}})
	return &Client{Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}, Base: c.Server.URL, CSRF: p.CSRFToken}
}

// Visitor returns a client that has not logged in.
func (c *City) Visitor() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}, Base: c.Server.URL}
}

// Client is a browser-like client: it carries the session's CSRF token on
// writes, claims to be same-origin, and follows no redirects.
type Client struct {
	*http.Client
	Base, CSRF string
}

// Send makes a request and returns the response and its body.
func (c *Client) Send(t *testing.T, method, path, ctype string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, c.Base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Get fetches path.
func (c *Client) Get(t *testing.T, path string) (*http.Response, string) {
	return c.Send(t, http.MethodGet, path, "", nil)
}

// PostJSON posts a JSON body.
func (c *Client) PostJSON(t *testing.T, path, body string) (*http.Response, string) {
	return c.Send(t, http.MethodPost, path, "application/json", strings.NewReader(body))
}

// PostForm posts a form as a browser would.
func (c *Client) PostForm(t *testing.T, path string, form url.Values) (*http.Response, string) {
	return c.Send(t, http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// Upload posts one file as multipart/form-data field "file".
func (c *Client) Upload(t *testing.T, path, filename string, content []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.WriteField("csrf", c.CSRF)
	_ = mw.Close()
	return c.Send(t, http.MethodPost, path, mw.FormDataContentType(), &buf)
}

// WantStatus fails the test unless resp has status want.
func WantStatus(t *testing.T, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body %.600s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	}
}

// WantContains fails the test unless body holds every part.
func WantContains(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("body lacks %q; body %.1200s", p, body)
		}
	}
}
