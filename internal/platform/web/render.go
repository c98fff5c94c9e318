package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/auth"
)

//go:embed templates/*.html
var baseTemplates embed.FS

// Location is the city's time zone: times are stored in UTC and shown here.
var Location = mustLoadLocation("Asia/Shanghai")

func mustLoadLocation(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// funcs are the template functions that do not depend on the request.
var funcs = template.FuncMap{
	"add":  func(a, b int) int { return a + b },
	"sub":  func(a, b int) int { return a - b },
	"seq":  seq,
	"mask": MaskMobile,
	"pct": func(part, whole int) string {
		if whole == 0 {
			return "—"
		}
		return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64) + "%"
	},
	"withQuery": WithQuery,
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

// WithQuery is path with a query string, for an href. A template must not
// write "/path?{{.Query}}": after the "?" html/template escapes the value as
// one query component, so "a=1&b=2" becomes "a%3d1%26b%3d2" — a single
// key, and the link loses its filters. The whole URL as one value is only
// normalised. q is url.Values or an encoded query (re-encoded, so a stored
// string cannot smuggle anything else into the link).
func WithQuery(path string, q any) string {
	var v url.Values
	switch q := q.(type) {
	case url.Values:
		v = q
	case string:
		v, _ = url.ParseQuery(q)
	}
	if enc := v.Encode(); enc != "" {
		return path + "?" + enc
	}
	return path
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// MaskMobile shows a phone number as 138****1234, as lists and exports must.
func MaskMobile(s string) string {
	if len(s) != 11 {
		return s
	}
	return s[:3] + "****" + s[7:]
}

// Pages is one module's page templates, each parsed together with the shared
// layout (templates/layout.html and partials of this package).
type Pages struct {
	set map[string]*template.Template
}

// MustPages parses every file matching glob in fsys as a page. A page file
// defines "title" and "content" (and optionally "head" or "scripts").
func MustPages(fsys fs.FS, glob string) *Pages {
	base := template.Must(template.New("layout").Funcs(funcs).ParseFS(baseTemplates, "templates/*.html"))
	files, err := fs.Glob(fsys, glob)
	if err != nil || len(files) == 0 {
		panic(fmt.Sprintf("no templates match %s", glob))
	}
	// Files named "_…" are partials: parsed into every page of the set,
	// never pages themselves (a block two forms of a module share).
	var partials, pages []string
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			partials = append(partials, f)
		} else {
			pages = append(pages, f)
		}
	}
	if len(partials) > 0 {
		template.Must(base.ParseFS(fsys, partials...))
	}
	ps := &Pages{set: map[string]*template.Template{}}
	for _, f := range pages {
		t := template.Must(base.Clone())
		template.Must(t.ParseFS(fsys, f))
		ps.set[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return ps
}

// View is what every page template receives: the request's language and
// principal, helpers, and the page's own data in .Data.
type View struct {
	Lang      Lang
	P         *auth.Principal
	CSRF      string
	Path      string
	Query     url.Values
	Title     string
	Flash     string
	Section   string
	Data      any
	Errors    map[string]string // field → message, for forms
	StaticVer string
}

// T translates a key into the page's language.
func (v *View) T(key string, args ...any) string { return T(v.Lang, key, args...) }

// Time shows t in the city's time zone.
func (v *View) Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(Location).Format("2006-01-02 15:04")
}

// Date shows the date of t in the city's time zone.
func (v *View) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(Location).Format("2006-01-02")
}

// RoleName is the role's label in the page's language.
func (v *View) RoleName(r auth.Role) string { return T(v.Lang, "role."+string(r)) }

// Other is the language the switch offers.
func (v *View) Other() Lang {
	if v.Lang == EN {
		return ZH
	}
	return EN
}

// QueryWith returns the current query string with key set to value (for
// paging and sorting links that keep the filters).
func (v *View) QueryWith(key, value string) string {
	q := url.Values{}
	for k, vs := range v.Query {
		q[k] = append([]string(nil), vs...)
	}
	q.Set(key, value)
	return "?" + q.Encode()
}

// Can tells whether the viewer may do action (templates hide what they cannot do).
func (v *View) Can(a string) bool { return auth.Can(v.P, auth.Action(a)) }

// NewView prepares the view for r.
func NewView(r *http.Request, section string, data any) *View {
	v := &View{
		Lang: LangOf(r), P: auth.FromContext(r.Context()), CSRF: CSRFToken(r),
		Path: r.URL.Path, Query: r.URL.Query(), Section: section, Data: data, StaticVer: StaticVersion,
	}
	if c, err := r.Cookie("flash"); err == nil {
		if s, err := url.QueryUnescape(c.Value); err == nil {
			v.Flash = s
		}
	}
	return v
}

// Render writes page name with the view; rendering goes to a buffer first so
// a template error becomes a clean 500 instead of half a page.
func (ps *Pages) Render(w http.ResponseWriter, r *http.Request, status int, name string, v *View) {
	t, ok := ps.set[name]
	if !ok {
		panic("no page template " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		slog.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if v.Flash != "" {
		http.SetCookie(w, &http.Cookie{Name: "flash", Value: "", Path: "/", MaxAge: -1})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// RenderFragment writes one named template of page name's set without the
// layout: the piece of a page that an htmx request swaps in.
func (ps *Pages) RenderFragment(w http.ResponseWriter, status int, page, block string, v *View) {
	t, ok := ps.set[page]
	if !ok {
		panic("no page template " + page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, v); err != nil {
		slog.Error("render", "page", page, "block", block, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// SetFlash shows msg on the next page the browser loads (after a redirect).
func SetFlash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: "flash", Value: url.QueryEscape(msg), Path: "/", HttpOnly: true,
		Secure: CookieSecure, SameSite: http.SameSiteLaxMode})
}

//go:embed pages/*.html
var platformPageFiles embed.FS

var platformPages = MustPages(platformPageFiles, "pages/*.html")

// ErrorPage renders a plain error page in the user's language.
func ErrorPage(w http.ResponseWriter, r *http.Request, status int, title, detail string) {
	v := NewView(r, "", map[string]any{"Status": status, "Detail": detail})
	v.Title = title
	platformPages.Render(w, r, status, "error", v)
}
