package property

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

// server runs the module's routes behind the platform's middleware.
func (e *env) server() *httptest.Server {
	e.t.Helper()
	web.CookieSecure = false
	routes := e.svc.Routes()
	srv := httptest.NewServer(web.Stack(e.auth, false, routes, web.Mux(routes)))
	e.t.Cleanup(srv.Close)
	return srv
}

// client is a logged-in (or anonymous) browser without redirects.
type client struct {
	t    *testing.T
	c    *http.Client
	base string
	csrf string
}

func anonymous(t *testing.T, srv *httptest.Server) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// login logs in the account with login (username or mobile).
func (e *env) login(srv *httptest.Server, login string) *client {
	e.t.Helper()
	id, p, err := e.auth.Login(sysCtx(), auth.LoginInput{Identifier: login, Password: testPassword, IP: "127.0.0.1", UserAgent: "test"})
	if err != nil {
		e.t.Fatalf("login %s: %v", login, err)
	}
	c := anonymous(e.t, srv)
	u, _ := url.Parse(srv.URL)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: id, Path: "/"}})
	c.csrf = p.CSRFToken
	return c
}

type resp struct {
	Status int
	Body   string
	Header http.Header
}

func (c *client) do(method, path, ctype string, body io.Reader) resp {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Body: string(b), Header: res.Header}
}

func (c *client) get(path string) resp { return c.do(http.MethodGet, path, "", nil) }

func (c *client) form(path string, v url.Values) resp {
	v.Set("csrf", c.csrf)
	return c.do(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

func (c *client) json(method, path string, v any) resp {
	b, _ := json.Marshal(v)
	return c.do(method, path, "application/json", bytes.NewReader(b))
}

// multipart posts fields and files ("field" → name → content).
func (c *client) multipart(path string, fields url.Values, field string, files map[string][]byte) resp {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	_ = mw.WriteField("csrf", c.csrf)
	for name, content := range files {
		w, _ := mw.CreateFormFile(field, name)
		_, _ = w.Write(content)
	}
	_ = mw.Close()
	return c.do(http.MethodPost, path, mw.FormDataContentType(), &buf)
}

func want(t *testing.T, r resp, status int, parts ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %.1500s", r.Status, status, r.Body)
	}
	for _, p := range parts {
		if !strings.Contains(r.Body, p) {
			t.Errorf("body lacks %q; body %.2500s", p, r.Body)
		}
	}
}
