package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

func TestProblemDocument(t *testing.T) {
	r := httptest.NewRequest("POST", "/api/v1/things?lang=en", nil)
	w := httptest.NewRecorder()
	p := NewProblem(EN, http.StatusConflict, ProblemConflict, "changed")
	p.Extra = map[string]any{"current": map[string]any{"version": 3}, "title": "must not override"}
	WriteProblem(w, r, p)
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["type"] != ProblemConflict || doc["title"] != "Changed by someone else" || doc["status"] != float64(409) ||
		doc["instance"] != "/api/v1/things" || doc["current"] == nil {
		t.Fatalf("problem document: %v", doc)
	}
}

type otherFieldErr struct{ f string }

func (e otherFieldErr) Error() string { return e.f }
func (e otherFieldErr) FieldInfo() (string, string, string, string) {
	return e.f, "invalid", "无效", "invalid"
}

type otherErrs []otherFieldErr

func (es otherErrs) Error() string { return "several" }
func (es otherErrs) Unwrap() []error {
	out := make([]error, len(es))
	for i := range es {
		out[i] = es[i]
	}
	return out
}

// Validation errors of any package become one 422 naming every field.
func TestFailNamesEveryField(t *testing.T) {
	err := fmt.Errorf("create: %w", otherErrs{{"name"}, {"code"}})
	r := httptest.NewRequest("POST", "/api/v1/x", nil)
	r.Header.Set("Accept-Language", "en")
	w := httptest.NewRecorder()
	Fail(w, r, err)
	var p Problem
	_ = json.Unmarshal(w.Body.Bytes(), &p)
	if w.Code != 422 || len(p.Errors) != 2 || p.Errors[0].Field != "name" || p.Errors[1].Field != "code" || p.Errors[0].Message != "invalid" {
		t.Fatalf("status %d, problem %+v", w.Code, p)
	}
	w = httptest.NewRecorder()
	Fail(w, httptest.NewRequest("GET", "/api/v1/x/1", nil), fmt.Errorf("load: %w", db.ErrNotFound))
	if w.Code != 404 {
		t.Fatalf("not found → %d", w.Code)
	}
	w = httptest.NewRecorder()
	Fail(w, httptest.NewRequest("GET", "/api/v1/x/1", nil), errors.New("disk on fire"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "disk") {
		t.Fatalf("internal errors must not leak: %d %s", w.Code, w.Body.String())
	}
}

func TestLanguage(t *testing.T) {
	cases := []struct {
		url, cookie, accept string
		want                Lang
	}{
		{"/", "", "", ZH},
		{"/", "", "en-US,en", ZH}, // pages are Chinese unless switched
		{"/?lang=en", "", "", EN},
		{"/", "en", "", EN},
		{"/?lang=zh-CN", "en", "", ZH},
		{"/api/v1/me", "", "en-US", EN}, // API problem titles follow Accept-Language
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", c.url, nil)
		if c.cookie != "" {
			r.AddCookie(&http.Cookie{Name: "lang", Value: c.cookie})
		}
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		if got := LangOf(r); got != c.want {
			t.Errorf("%s cookie=%q accept=%q: %s, want %s", c.url, c.cookie, c.accept, got, c.want)
		}
	}
}

// The CSRF gate: a logged-in form post needs the session's token; a
// visitor's form post needs the double-submit cookie; a bearer token and a
// visitor's JSON request pass; cross-site requests are refused.
func TestCSRF(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	h := func(p *auth.Principal) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			CSRF(ok).ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
		})
	}
	form := func(token string) *http.Request {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(url.Values{"csrf": {token}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	user := &auth.Principal{UserID: 1, CSRFToken: "tok"}
	cases := []struct {
		name string
		p    *auth.Principal
		req  *http.Request
		want int
	}{
		{"user with token", user, form("tok"), 204},
		{"user without token", user, form(""), 403},
		{"user with wrong token", user, form("nope"), 403},
		{"visitor with cookie", &auth.Principal{}, func() *http.Request {
			r := form("c1")
			r.AddCookie(&http.Cookie{Name: csrfCookie, Value: "c1"})
			return r
		}(), 204},
		{"visitor without cookie", &auth.Principal{}, form("c1"), 403},
		{"machine token", &auth.Principal{TokenID: 9}, httptest.NewRequest("POST", "/api/v1/x", nil), 204},
		{"visitor JSON", &auth.Principal{}, func() *http.Request {
			r := httptest.NewRequest("POST", "/api/v1/session", strings.NewReader("{}"))
			r.Header.Set("Content-Type", "application/json")
			return r
		}(), 204},
		{"cross-site", user, func() *http.Request {
			r := form("tok")
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			return r
		}(), 403},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		h(c.p).ServeHTTP(w, c.req)
		if w.Code != c.want {
			t.Errorf("%s: %d, want %d", c.name, w.Code, c.want)
		}
	}
}

func TestSchemaOf(t *testing.T) {
	type inner struct {
		N int `json:"n"`
	}
	type thing struct {
		Name  string  `json:"name" doc:"the name"`
		Opt   string  `json:"opt,omitempty"`
		Items []inner `json:"items"`
		Skip  string  `json:"-"`
		Ptr   *inner  `json:"ptr"`
	}
	s := SchemaOf(reflect.TypeOf(thing{}))
	props := s["properties"].(map[string]any)
	if _, ok := props["Skip"]; ok || len(props) != 4 {
		t.Fatalf("properties %v", props)
	}
	if fmt.Sprint(s["required"]) != "[items name]" {
		t.Fatalf("required %v", s["required"])
	}
	if props["name"].(map[string]any)["description"] != "the name" {
		t.Fatalf("doc tag lost: %v", props["name"])
	}
}

func TestStaticIsServedWithVersion(t *testing.T) {
	w := httptest.NewRecorder()
	StaticHandler().ServeHTTP(w, httptest.NewRequest("GET", "/static/anju.css?v="+StaticVersion, nil))
	if w.Code != 200 || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") || !strings.Contains(w.Body.String(), "--blue") {
		t.Fatalf("static: %d %q", w.Code, w.Header().Get("Cache-Control"))
	}
	w = httptest.NewRecorder()
	StaticHandler().ServeHTTP(w, httptest.NewRequest("GET", "/static/", nil))
	if w.Code != 404 {
		t.Fatalf("directory listing: %d", w.Code)
	}
}

// withQuery keeps a link's filters: "/p?{{.Query}}" in a template would
// escape the whole query into one key ("a%3d1%26b%3d2").
func TestWithQueryInHref(t *testing.T) {
	tpl := template.Must(template.New("x").Funcs(funcs).Parse(`<a href="{{withQuery "/p" .}}">x</a>`))
	for _, q := range []any{url.Values{"b": {"中"}, "a": {"1"}}, "b=%E4%B8%AD&a=1"} {
		var b strings.Builder
		if err := tpl.Execute(&b, q); err != nil {
			t.Fatal(err)
		}
		if want := `<a href="/p?a=1&amp;b=%E4%B8%AD">x</a>`; b.String() != want {
			t.Errorf("%T: %s, want %s", q, b.String(), want)
		}
	}
	if got := WithQuery("/p", url.Values{}); got != "/p" {
		t.Errorf("empty query: %q", got)
	}
}
