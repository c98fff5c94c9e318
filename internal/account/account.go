// Package account holds the pages and API through which people get into the
// platform and administrators look after accounts: login (password or SMS
// code), logout, registration of citizens and companies, one's own account
// and password, and the administrators' landing, account list, API tokens
// and password policy.
//
// Every write goes through auth.Service, which authorises it again and
// audits it; the routes' access rules only keep people from pages they have
// no use for.
package account

import (
	"embed"
	"net/http"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed i18n/*.json
var messages embed.FS

var pages = web.MustPages(templates, "templates/*.html")

func init() { web.MustMessages(messages) }

// Handler serves the account pages and API.
type Handler struct {
	Auth *auth.Service
	Org  *org.Store
}

// Routes of logins, accounts and account administration.
func (h *Handler) Routes() []web.Route {
	var rs []web.Route
	rs = append(rs, h.loginRoutes()...)
	rs = append(rs, h.selfRoutes()...)
	rs = append(rs, h.registerRoutes()...)
	rs = append(rs, h.adminRoutes()...)
	rs = append(rs, h.userAdminRoutes()...)
	rs = append(rs, h.tokenAdminRoutes()...)
	rs = append(rs, h.policyRoutes()...)
	rs = append(rs, h.apiRoutes()...)
	return rs
}

// render shows page with its title and the errors of a form.
func render(w http.ResponseWriter, r *http.Request, status int, page, section, titleKey string, data any, errs map[string]string) {
	v := web.NewView(r, section, data)
	v.Title = v.T(titleKey)
	if errs == nil {
		errs = map[string]string{}
	}
	v.Errors = errs
	pages.Render(w, r, status, page, v)
}

// redirect answers a form post: 303 makes the browser GET the target, so a
// reload does not post the form again.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// now is auth's clock, so that "locked" and "expired" on these pages agree
// with what auth decides.
func (h *Handler) now() time.Time {
	if h.Auth != nil && h.Auth.Now != nil {
		return h.Auth.Now()
	}
	return time.Now()
}

// landing is where an account goes after logging in: administrators to
// their console, staff to their work, citizens and companies to the public
// front page.
func landing(p *auth.Principal) string {
	switch {
	case p == nil:
		return "/"
	case p.Role.IsAdmin():
		return "/admin"
	case p.Role.IsStaff():
		return "/home"
	}
	return "/"
}
