// Package auth holds accounts, roles, jurisdiction scopes, sessions and
// machine tokens: who is acting, and what they may see and do.
package auth

import (
	"context"
	"strings"
)

// Role is what an account is for. Staff roles act within their scope; the
// three administrators each do one kind of administration only (等保
// separation of duties: system, security, audit).
type Role string

const (
	Citizen        Role = "citizen"
	Company        Role = "company"
	CommunityStaff Role = "community_staff"
	StreetStaff    Role = "street_staff"
	DistrictStaff  Role = "district_staff"
	CityStaff      Role = "city_staff"
	Leader         Role = "leader"
	SystemAdmin    Role = "system_admin"
	SecurityAdmin  Role = "security_admin"
	AuditAdmin     Role = "audit_admin"
	// Machine is the role of a request authenticated by an API token.
	Machine Role = "machine"
	// Anonymous is a visitor who has not logged in.
	Anonymous Role = ""
	// SystemRole is the role of work the platform does by itself (System()).
	SystemRole Role = "system"
)

// Roles lists every account role, in the order forms show them.
var Roles = []Role{Citizen, Company, CommunityStaff, StreetStaff, DistrictStaff, CityStaff, Leader,
	SystemAdmin, SecurityAdmin, AuditAdmin}

// Valid tells whether r is an account role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// IsStaff tells whether the role does the bureau's business work in a scope.
func (r Role) IsStaff() bool {
	switch r {
	case CommunityStaff, StreetStaff, DistrictStaff, CityStaff, Leader:
		return true
	}
	return false
}

// IsAdmin tells whether the role is one of the three administrators.
func (r Role) IsAdmin() bool {
	return r == SystemAdmin || r == SecurityAdmin || r == AuditAdmin
}

// IsPublic tells whether the role belongs to a citizen or a company, who log
// in by mobile number and see only their own matters.
func (r Role) IsPublic() bool { return r == Citizen || r == Company }

// AccountKind is "staff" (login by username) or "public" (login by mobile).
func (r Role) AccountKind() string {
	if r.IsPublic() {
		return "public"
	}
	return "staff"
}

// Principal is whoever makes a request: an account, a machine token or an
// anonymous visitor. Every request carries one in its context.
type Principal struct {
	UserID       int64
	TokenID      int64 // set for machine tokens
	Name         string
	Role         Role
	OrgUnitID    int64
	OrgPath      string // "/1/7/" — the node of the tree this principal acts within
	DepartmentID int64  // 0 = all departments of the scope
	Permissions  []string
	IP           string
	SessionHash  string
	CSRFToken    string
	// MustChangePassword: the password expired or was set by an
	// administrator; the web layer sends the user to change it first.
	MustChangePassword bool
}

// LoggedIn tells whether the principal is an account or a token.
func (p *Principal) LoggedIn() bool { return p != nil && (p.UserID != 0 || p.TokenID != 0) }

// Is tells whether the principal has one of roles.
func (p *Principal) Is(roles ...Role) bool {
	if p == nil {
		return false
	}
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
}

// InScope tells whether an object at path (an org_path) lies within the
// principal's jurisdiction: at its node or below it.
func (p *Principal) InScope(path string) bool {
	if p == nil || p.OrgPath == "" {
		return false
	}
	if isRoot(p.OrgPath) {
		return true
	}
	return strings.HasPrefix(path, p.OrgPath)
}

// isRoot tells whether path is the root of the tree ("/") or the city at its
// top ("/1/"). A deployment has one city, so a principal there sees
// everything — including rows filed under "/" (what anonymous visitors and
// the platform itself did).
func isRoot(path string) bool { return path == "/" || strings.Count(path, "/") == 2 }

// ScopeSQL returns the WHERE fragment and argument that keep a query within
// the principal's jurisdiction, for the org_path column col. This is the one
// mechanism every module uses; none filters scope by hand. A principal
// without a scope matches nothing.
func (p *Principal) ScopeSQL(col string) (string, []any) {
	if p == nil || p.OrgPath == "" {
		return "1 = 0", nil
	}
	if isRoot(p.OrgPath) {
		return "1 = 1", nil
	}
	// A prefix range instead of LIKE: it uses the index on both dialects
	// whatever the collation, and no character of a path needs escaping.
	return "(" + col + " >= ? AND " + col + " < ?)", []any{p.OrgPath, prefixEnd(p.OrgPath)}
}

// DeptSQL returns the fragment that keeps a query within the principal's
// department (column col), or "1 = 1" when the principal spans departments.
func (p *Principal) DeptSQL(col string) (string, []any) {
	if p == nil || p.DepartmentID == 0 {
		return "1 = 1", nil
	}
	return col + " = ?", []any{p.DepartmentID}
}

// HasPermission tells whether a machine token carries perm.
func (p *Principal) HasPermission(perm string) bool {
	for _, x := range p.Permissions {
		if x == perm {
			return true
		}
	}
	return false
}

// prefixEnd is the smallest string greater than every string with prefix p.
// Paths end in "/", so bumping that byte to "0" (the next ASCII character)
// bounds the range.
func prefixEnd(p string) string {
	return p[:len(p)-1] + string(p[len(p)-1]+1)
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the request's principal; an anonymous one if none.
func FromContext(ctx context.Context) *Principal {
	if p, ok := ctx.Value(ctxKey{}).(*Principal); ok && p != nil {
		return p
	}
	return &Principal{}
}

// System is the principal of work the platform does by itself (sweepers,
// the demo generator, command-line tools), with the whole city in scope.
func System(name string) *Principal {
	return &Principal{Name: name, Role: SystemRole, OrgPath: "/", IP: "local"}
}
