package account

import (
	"net/http"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

// passwordGateOpen are the paths an account that must change its password
// may still use: the change itself, logging out, its own identity (so an
// API client learns why it is refused) and what pages need to load.
var passwordGateOpen = []string{
	"/account/password", "/logout", "/api/v1/session", "/api/v1/me", "/api/v1/me/password",
	"/healthz", "/readyz", "/metrics",
}

func gateOpen(path string) bool {
	if strings.HasPrefix(path, "/static/") {
		return true
	}
	for _, p := range passwordGateOpen {
		if path == p {
			return true
		}
	}
	return false
}

// PasswordGate sends an account whose password must be changed (set by an
// administrator, or older than the policy allows) to /account/password
// until it is changed: pages are redirected there, API calls get a 403
// problem of type password-change-required. Login already sends the account
// there once; this keeps it from walking around the page afterwards.
//
// Wire it after web.Identify, which fills Principal.MustChangePassword from
// the session, e.g. between web.CSRF and the mux. It costs nothing per
// request: the flag came with the session lookup Identify already did.
func (h *Handler) PasswordGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.FromContext(r.Context())
		if p.UserID == 0 || !p.MustChangePassword || gateOpen(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		l := web.LangOf(r)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			web.WriteProblem(w, r, problem(r, http.StatusForbidden, ProblemMustChange,
				"account.problem.must_change", web.T(l, "account.password.must_change")))
			return
		}
		web.SetFlash(w, web.T(l, "account.password.must_change"))
		redirect(w, r, "/account/password")
	})
}
