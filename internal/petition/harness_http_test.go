package petition_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"anju/internal/account"
	"anju/internal/home"
	"anju/internal/petition"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
)

const testPassword = "Anju-Test-2026"

// server is the petition module behind the platform's middleware, with the
// login pages, over the world's database.
type server struct {
	*httptest.Server
	Auth *auth.Service
	w    *world
}

func newServer(t *testing.T, w *world) *server {
	t.Helper()
	web.CookieSecure = false
	as := &auth.Service{DB: w.DB, SMS: auth.LogSMS{}, Audit: func(ctx context.Context, ex db.Execer, action, objectType, objectID, result, detail, orgPath string) error {
		return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: objectType, ObjectID: objectID, Result: result, Detail: detail, OrgPath: orgPath})
	}}
	acc := &account.Handler{Auth: as, Org: w.S.Org}
	hm := &home.Home{Sections: []home.Section{{Key: "petition", Built: true}},
		Sources: []home.WorkSource{}}
	var routes []web.Route
	routes = append(routes, (&petition.Handler{S: w.S}).Routes()...)
	routes = append(routes, w.E.Routes()...)
	routes = append(routes, acc.Routes()...)
	routes = append(routes, hm.Routes()...)
	routes = append(routes, web.Route{Pattern: "GET /static/", Access: web.Public, Handler: web.StaticHandler().ServeHTTP})
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.Pattern, web.Guard(rt))
	}
	s := &server{Server: httptest.NewServer(web.Stack(as, false, routes, acc.PasswordGate(mux))), Auth: as, w: w}
	t.Cleanup(s.Close)
	return s
}

// client is a logged-in (or anonymous) browser-like client.
type client struct {
	*http.Client
	base string
	csrf string
}

// login gives p a password and logs in; nil gives an anonymous visitor
// (with the double-submit CSRF cookie from a first page view).
func (s *server) login(t *testing.T, p *auth.Principal) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		base: s.URL}
	u, _ := url.Parse(s.URL)
	if p == nil {
		resp, err := c.Get(s.URL + "/petition/new")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, ck := range jar.Cookies(u) {
			if ck.Name == "anju_csrf" {
				c.csrf = ck.Value
			}
		}
		return c
	}
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.DB.Exec(context.Background(), `UPDATE users SET password_hash = ? WHERE id = ?`, hash, p.UserID); err != nil {
		t.Fatal(err)
	}
	var login string
	if err := s.w.DB.QueryRow(context.Background(), `SELECT COALESCE(username, mobile) FROM users WHERE id = ?`, p.UserID).Scan(&login); err != nil {
		t.Fatal(err)
	}
	id, pr, err := s.Auth.Login(as(auth.System("test")), auth.LoginInput{Identifier: login, Password: testPassword, IP: "127.0.0.1", UserAgent: "test"})
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: id, Path: "/"}})
	c.csrf = pr.CSRFToken
	return c
}

// do sends a JSON (or form, when ct says so) request.
func (c *client) do(t *testing.T, method, path, ct, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
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

func (c *client) json(t *testing.T, method, path, body string, want int, out any) {
	t.Helper()
	resp, text := c.do(t, method, path, "", body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %.400s", method, path, resp.StatusCode, want, text)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(text), out); err != nil {
			t.Fatalf("%s %s: %v: %.200s", method, path, err, text)
		}
	}
}

func (c *client) form(t *testing.T, path string, v url.Values) (*http.Response, string) {
	t.Helper()
	v.Set("csrf", c.csrf)
	return c.do(t, http.MethodPost, path, "application/x-www-form-urlencoded", v.Encode())
}

func (c *client) page(t *testing.T, path string, want int) string {
	t.Helper()
	resp, text := c.do(t, http.MethodGet, path, "", "")
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %.600s", path, resp.StatusCode, want, text)
	}
	return text
}
