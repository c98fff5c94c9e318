package account

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

func (h *Handler) selfRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /account", Access: web.LoggedIn, Handler: h.accountPage},
		{Pattern: "GET /account/password", Access: web.LoggedIn, Handler: h.passwordPage},
		{Pattern: "POST /account/password", Access: web.LoggedIn, Handler: h.changePassword},
	}
}

// policyRules lists the rules of pol as sentences, for the pages where a
// password is chosen: people should not learn them one error at a time.
func policyRules(l web.Lang, pol auth.PasswordPolicy) []string {
	rules := []string{
		web.T(l, "account.policy.rule_length", pol.MinLength, auth.MaxPasswordLength),
		web.T(l, "account.policy.rule_classes", pol.MinClasses),
		web.T(l, "account.policy.rule_identity"),
	}
	if pol.MaxAgeDays > 0 {
		rules = append(rules, web.T(l, "account.policy.rule_age", pol.MaxAgeDays))
	}
	return rules
}

type passwordData struct {
	Rules      []string
	MustChange bool
}

func (h *Handler) passwordPage(w http.ResponseWriter, r *http.Request) {
	h.showPasswordForm(w, r, http.StatusOK, nil)
}

func (h *Handler) showPasswordForm(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) {
	pol, err := h.Auth.Policy(r.Context())
	if err != nil {
		pageFail(w, r, err)
		return
	}
	d := passwordData{Rules: policyRules(web.LangOf(r), pol), MustChange: auth.FromContext(r.Context()).MustChangePassword}
	render(w, r, status, "password", "", "account.password.title", d, errs)
}

// changePassword replaces the account's own password. auth ends the
// account's other sessions; this one stays, so the user carries on.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	current := r.PostFormValue("current_password")
	pw := r.PostFormValue("password")
	errs := map[string]string{}
	if current == "" {
		errs["current_password"] = web.T(l, "account.password.current_required")
	}
	if pw != r.PostFormValue("password_confirm") {
		errs["password_confirm"] = web.T(l, "account.password.mismatch")
	}
	if len(errs) > 0 {
		h.showPasswordForm(w, r, http.StatusUnprocessableEntity, errs)
		return
	}
	err := h.Auth.ChangeOwnPassword(r.Context(), current, pw)
	if err != nil {
		if errors.Is(err, auth.ErrBadCredentials) {
			h.showPasswordForm(w, r, http.StatusUnprocessableEntity,
				map[string]string{"current_password": web.T(l, "account.password.current_wrong")})
			return
		}
		// Wrong current passwords count as failed logins: five lock the account.
		var locked *auth.LockedError
		if errors.As(err, &locked) {
			h.showPasswordForm(w, r, http.StatusLocked,
				map[string]string{"current_password": lockedMessage(l, locked.Until)})
			return
		}
		if fe, ok := fieldMessages(l, err); ok {
			h.showPasswordForm(w, r, http.StatusUnprocessableEntity, fe)
			return
		}
		pageFail(w, r, err)
		return
	}
	web.SetFlash(w, web.T(l, "account.password.changed"))
	redirect(w, r, landing(auth.FromContext(r.Context())))
}

// accountData is "my account".
type accountData struct {
	User         auth.User
	Login        string
	Scope        string // 市 › 区 › 街道, or "" for public accounts
	Department   string
	Temporary    bool      // the password was set by an administrator
	ExpiresAt    time.Time // when the password must be changed; zero if never
	IsPublicRole bool
}

func (h *Handler) accountPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	u, err := h.Auth.GetUser(ctx, p, p.UserID)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	pol, err := h.Auth.Policy(ctx)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	l := web.LangOf(r)
	d := accountData{User: u, Login: loginLabel(u), IsPublicRole: u.Role.IsPublic(),
		Temporary: temporaryPassword(u)}
	if !d.Temporary && !u.Role.IsPublic() && pol.MaxAgeDays > 0 {
		d.ExpiresAt = u.PasswordChangedAt.AddDate(0, 0, pol.MaxAgeDays)
	}
	if u.OrgUnitID != 0 && !u.Role.IsPublic() {
		d.Scope = h.scopeTrail(ctx, u.OrgUnitID)
	}
	if u.DepartmentID != 0 {
		d.Department = h.departmentNames(ctx, l)[u.DepartmentID]
	}
	render(w, r, http.StatusOK, "account", "", "account.me.title", d, nil)
}

// loginLabel is what an account logs in with, its mobile masked: pages
// show it, and a full number on screen is a number shoulder-surfed.
func loginLabel(u auth.User) string {
	if u.Username != "" {
		return u.Username
	}
	if strings.Contains(u.Mobile, "*") {
		return u.Mobile // already masked by ListUsers
	}
	return auth.MaskMobile(u.Mobile)
}

// temporaryPassword tells whether an administrator set the account's
// password (auth stores the Unix epoch as its change date then).
func temporaryPassword(u auth.User) bool {
	return !u.PasswordChangedAt.After(time.Unix(0, 0).UTC())
}

// scopeTrail is the unit's place in the tree, "市 › 区 › 街道", for people
// who know their district by name, not by id.
func (h *Handler) scopeTrail(ctx context.Context, unitID int64) string {
	anc, err := h.Org.Ancestors(ctx, unitID)
	if err != nil {
		return ""
	}
	u, err := h.Org.Get(ctx, auth.System("account"), unitID)
	if err != nil {
		return ""
	}
	names := make([]string, 0, len(anc)+1)
	for _, a := range anc {
		names = append(names, a.Name)
	}
	return strings.Join(append(names, u.Name), " › ")
}

// departmentNames maps department ids to their names in l.
func (h *Handler) departmentNames(ctx context.Context, l web.Lang) map[int64]string {
	out := map[int64]string{}
	ds, err := h.Org.Departments(ctx)
	if err != nil {
		return out
	}
	for _, d := range ds {
		out[d.ID] = d.Name
		if l == web.EN && d.NameEn != "" {
			out[d.ID] = d.NameEn
		}
	}
	return out
}
