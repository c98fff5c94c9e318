package web

import (
	"net/http"
	"strings"

	"anju/internal/platform/auth"
)

// Route is one entry of the route table. Every module returns its routes as
// a slice of these; the app registers them all in one place, the OpenAPI
// document is generated from them, and the jurisdiction test walks them.
type Route struct {
	// Pattern is a net/http pattern with its method: "GET /api/v1/org/units/{id}".
	Pattern string
	Handler http.HandlerFunc
	// Access decides who may call the route at all (jurisdiction is checked
	// inside, by the module's store, through Principal.ScopeSQL).
	Access Access
	// Doc describes an API route for the OpenAPI document; required under /api/.
	Doc *APIDoc
	// Resource names the kind of object an {id} route addresses. The
	// jurisdiction test asks the module's fixture for such an object in
	// another district and expects 404.
	Resource string
	// MaxBody overrides MaxBodyBytes for uploads.
	MaxBody int64
}

// Method and Path split the pattern.
func (rt Route) Method() string {
	m, _, _ := strings.Cut(rt.Pattern, " ")
	return m
}

func (rt Route) Path() string {
	_, p, _ := strings.Cut(rt.Pattern, " ")
	return p
}

// IsAPI tells whether the route belongs to the JSON API.
func (rt Route) IsAPI() bool { return strings.HasPrefix(rt.Path(), "/api/") }

// Access is a route's gate: who may call it.
type Access struct {
	// Name describes the rule in the OpenAPI document and in tests.
	Name  string
	Allow func(p *auth.Principal) bool
}

// Public routes are open to everyone, logged in or not.
var Public = Access{Name: "public", Allow: func(*auth.Principal) bool { return true }}

// LoggedIn routes need an account (not a machine token).
var LoggedIn = Access{Name: "logged-in", Allow: func(p *auth.Principal) bool { return p.UserID != 0 }}

// Staff routes are for the business roles working within a scope.
var Staff = Access{Name: "staff", Allow: func(p *auth.Principal) bool { return p.UserID != 0 && p.Role.IsStaff() }}

// Roles allows the given roles only.
func Roles(roles ...auth.Role) Access {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return Access{Name: "roles: " + strings.Join(names, ", "), Allow: func(p *auth.Principal) bool { return p.Is(roles...) }}
}

// Allowed allows whoever auth.Can(action) permits — the separation of duties table.
func Allowed(a auth.Action) Access {
	return Access{Name: "permission: " + string(a), Allow: func(p *auth.Principal) bool { return auth.Can(p, a) }}
}

// MachinePermission allows machine tokens that carry perm.
func MachinePermission(perm string) Access {
	return Access{Name: "token permission: " + perm, Allow: func(p *auth.Principal) bool {
		return p.TokenID != 0 && p.HasPermission(perm)
	}}
}

// OnRefused is told of every request a route's gate refuses to a caller
// who is logged in (the app records it in the audit log: refused attempts
// are security events too).
var OnRefused func(r *http.Request, rt Route)

// Guard wraps a route's handler with its access rule: anonymous callers are
// sent to log in (pages) or get 401 (API); logged-in callers without the right
// get 403.
func Guard(rt Route) http.Handler {
	if rt.Access.Allow == nil {
		panic("route " + rt.Pattern + " has no access rule")
	}
	var h http.Handler = rt.Handler
	api := rt.IsAPI() || strings.HasPrefix(rt.Path(), "/open311/") || strings.HasPrefix(rt.Path(), "/feeds/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.FromContext(r.Context())
		if rt.Access.Allow(p) {
			h.ServeHTTP(w, r)
			return
		}
		l := LangOf(r)
		if !p.LoggedIn() {
			if api {
				w.Header().Set("WWW-Authenticate", `Bearer realm="anju"`)
				WriteProblem(w, r, NewProblem(l, http.StatusUnauthorized, ProblemUnauthorized, ""))
				return
			}
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
		}
		// Only accounts' refusals are audited: a visitor's would let anyone
		// flood the log without logging in.
		if OnRefused != nil && p.LoggedIn() {
			OnRefused(r, rt)
		}
		if api {
			WriteProblem(w, r, NewProblem(l, http.StatusForbidden, ProblemForbidden, ""))
			return
		}
		ErrorPage(w, r, http.StatusForbidden, T(l, "problem.forbidden"), T(l, "page.forbidden_detail"))
	})
}
