package account

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

// The JSON API of sessions and one's own account. A browser-less client
// logs in with POST /api/v1/session, keeps the session cookie, and sends the
// returned csrf_token as X-CSRF-Token on every unsafe request; machines use
// API tokens (Authorization: Bearer) instead.
func (h *Handler) apiRoutes() []web.Route {
	rs := []web.Route{
		{Pattern: "POST /api/v1/session", Access: web.Public, Handler: h.apiLogin, Doc: &web.APIDoc{
			Summary: "Log in with an account name (username or mobile) and password; sets the session cookie",
			Description: "Anonymous callers must echo the anju_csrf cookie (set by any page, e.g. GET /login) " +
				"in X-CSRF-Token, like any form. A password that must be changed still logs in, with " +
				"must_change_password true; other calls then answer 403 password-change-required until " +
				"POST /api/v1/me/password.",
			Tag: "account", Request: LoginRequest{}, Response: SessionResponse{}, Errors: []int{401, 403, 422, 423}}},
		{Pattern: "DELETE /api/v1/session", Access: web.Public, Handler: h.apiLogout, Doc: &web.APIDoc{
			Summary: "Log out: end the session and clear its cookie", Tag: "account", Status: http.StatusNoContent}},
		{Pattern: "GET /api/v1/me", Access: web.LoggedIn, Handler: h.apiMe, Doc: &web.APIDoc{
			Summary: "The logged-in account, its scope and the session's CSRF token", Tag: "account",
			Response: SessionResponse{}}},
		{Pattern: "POST /api/v1/me/password", Access: web.LoggedIn, Handler: h.apiChangePassword, Doc: &web.APIDoc{
			Summary: "Change one's own password; the account's other sessions end", Tag: "account",
			Request: PasswordRequest{}, Status: http.StatusNoContent, Errors: []int{422}}},
	}
	return append(rs, h.apiAdminRoutes()...)
}

// LoginRequest is the body of POST /api/v1/session.
type LoginRequest struct {
	Login    string `json:"login" doc:"username, or mobile number"`
	Password string `json:"password"`
}

// UserJSON is an account in the API, its mobile number masked.
type UserJSON struct {
	ID                int64      `json:"id"`
	Kind              string     `json:"kind" doc:"staff (logs in by username) or public (by mobile)"`
	Username          string     `json:"username,omitempty"`
	Mobile            string     `json:"mobile,omitempty" doc:"masked, e.g. 138****1234"`
	DisplayName       string     `json:"display_name"`
	Role              string     `json:"role"`
	RoleLabel         string     `json:"role_label" doc:"the role's name in the request's language"`
	OrgUnitID         int64      `json:"org_unit_id,omitempty"`
	OrgPath           string     `json:"org_path,omitempty"`
	DepartmentID      int64      `json:"department_id,omitempty"`
	Disabled          bool       `json:"disabled"`
	LockedUntil       *time.Time `json:"locked_until,omitempty"`
	TemporaryPassword bool       `json:"temporary_password" doc:"set by an administrator; must be changed at next login"`
	PasswordChangedAt *time.Time `json:"password_changed_at,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
}

func userJSON(l web.Lang, u auth.User, now time.Time) UserJSON {
	j := UserJSON{ID: u.ID, Kind: u.Kind, Username: u.Username, DisplayName: u.DisplayName,
		Role: string(u.Role), RoleLabel: web.T(l, "role."+string(u.Role)), OrgUnitID: u.OrgUnitID,
		OrgPath: u.OrgPath, DepartmentID: u.DepartmentID, Disabled: u.Disabled,
		TemporaryPassword: temporaryPassword(u), CreatedAt: u.CreatedAt}
	if u.Mobile != "" {
		j.Mobile = u.Mobile
		if !strings.Contains(u.Mobile, "*") {
			j.Mobile = auth.MaskMobile(u.Mobile)
		}
	}
	if u.Locked(now) {
		t := u.LockedUntil
		j.LockedUntil = &t
	}
	if !j.TemporaryPassword {
		t := u.PasswordChangedAt
		j.PasswordChangedAt = &t
	}
	if u.Role.IsPublic() {
		// Public accounts are filed at the root for the administrators'
		// sake; they have no scope, and the API should not suggest one.
		j.OrgUnitID, j.OrgPath, j.DepartmentID = 0, "", 0
	}
	return j
}

// SessionResponse describes a session: after login, and at GET /api/v1/me.
type SessionResponse struct {
	User               UserJSON  `json:"user"`
	Role               string    `json:"role"`
	Scope              string    `json:"scope,omitempty" doc:"the account's unit and those above it, e.g. 市 › 区 › 街道"`
	CSRFToken          string    `json:"csrf_token" doc:"send as X-CSRF-Token on unsafe requests of this session"`
	MustChangePassword bool      `json:"must_change_password"`
	ExpiresAt          time.Time `json:"expires_at" doc:"when the session ends however active (idle sessions end sooner)"`
}

func (h *Handler) sessionResponse(r *http.Request, st auth.SessionState) (SessionResponse, error) {
	ctx := r.Context()
	p := st.Principal
	u, err := h.Auth.GetUser(ctx, p, p.UserID)
	if err != nil {
		return SessionResponse{}, err
	}
	resp := SessionResponse{User: userJSON(web.LangOf(r), u, h.now()), Role: string(u.Role), CSRFToken: p.CSRFToken,
		MustChangePassword: st.MustChangePassword, ExpiresAt: st.ExpiresAt}
	if u.OrgUnitID != 0 && !u.Role.IsPublic() {
		resp.Scope = h.scopeTrail(ctx, u.OrgUnitID)
	}
	return resp, nil
}

func (h *Handler) apiLogin(w http.ResponseWriter, r *http.Request) {
	var in LoginRequest
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	l := web.LangOf(r)
	in.Login = strings.TrimSpace(in.Login)
	var fe web.FieldErrors
	if in.Login == "" {
		fe = append(fe, &web.FieldError{Field: "login", Code: "required",
			Message: web.T(web.ZH, "account.login.login_required"), MessageEn: web.T(web.EN, "account.login.login_required")})
	}
	if in.Password == "" {
		fe = append(fe, &web.FieldError{Field: "password", Code: "required",
			Message: web.T(web.ZH, "account.login.password_required"), MessageEn: web.T(web.EN, "account.login.password_required")})
	}
	if len(fe) > 0 {
		web.WriteProblem(w, r, web.ValidationProblem(r, fe))
		return
	}
	st, err := h.Auth.Authenticate(r.Context(), auth.LoginInput{Identifier: in.Login, Password: in.Password,
		IP: auth.FromContext(r.Context()).IP, UserAgent: r.UserAgent()})
	var locked *auth.LockedError
	switch {
	case err == nil:
	case errors.As(err, &locked):
		pr := problem(r, http.StatusLocked, ProblemLocked, "account.problem.locked", lockedMessage(l, locked.Until))
		pr.Extra = map[string]any{"locked_until": locked.Until}
		web.WriteProblem(w, r, pr)
		return
	case errors.Is(err, auth.ErrBadCredentials):
		web.WriteProblem(w, r, problem(r, http.StatusUnauthorized, ProblemBadCredentials,
			"account.problem.bad_credentials", web.T(l, "account.login.bad_credentials")))
		return
	case errors.Is(err, auth.ErrDisabled):
		web.WriteProblem(w, r, problem(r, http.StatusForbidden, ProblemDisabled,
			"account.problem.disabled", web.T(l, "account.login.disabled")))
		return
	default:
		apiFail(w, r, err)
		return
	}
	web.SetSessionCookie(w, st.ID)
	resp, err := h.sessionResponse(r, st)
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, resp)
}

func (h *Handler) apiLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(web.SessionCookie); err == nil && c.Value != "" {
		if err := h.Auth.Logout(r.Context(), c.Value); err != nil {
			apiFail(w, r, err)
			return
		}
	}
	web.ClearCookie(w, web.SessionCookie)
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) apiMe(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(web.SessionCookie)
	if err != nil {
		web.WriteProblem(w, r, web.NewProblem(web.LangOf(r), http.StatusUnauthorized, web.ProblemUnauthorized, ""))
		return
	}
	st, err := h.Auth.Resume(r.Context(), c.Value, auth.FromContext(r.Context()).IP)
	if err != nil {
		web.WriteProblem(w, r, web.NewProblem(web.LangOf(r), http.StatusUnauthorized, web.ProblemUnauthorized, ""))
		return
	}
	resp, err := h.sessionResponse(r, st)
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, resp)
}

// PasswordRequest is the body of POST /api/v1/me/password.
type PasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	Password        string `json:"password" doc:"the new password, by the password policy"`
}

func (h *Handler) apiChangePassword(w http.ResponseWriter, r *http.Request) {
	var in PasswordRequest
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	err := h.Auth.ChangeOwnPassword(r.Context(), in.CurrentPassword, in.Password)
	var locked *auth.LockedError
	if errors.As(err, &locked) {
		l := web.LangOf(r)
		p := web.NewProblem(l, http.StatusLocked, web.ProblemForbidden, lockedMessage(l, locked.Until))
		p.Errors = []web.FieldDetail{{Field: "current_password", Code: "locked", Message: lockedMessage(l, locked.Until)}}
		web.WriteProblem(w, r, p)
		return
	}
	if errors.Is(err, auth.ErrBadCredentials) {
		web.WriteProblem(w, r, web.ValidationProblem(r, web.FieldErrors{{Field: "current_password", Code: "wrong",
			Message: web.T(web.ZH, "account.password.current_wrong"), MessageEn: web.T(web.EN, "account.password.current_wrong")}}))
		return
	}
	if err != nil {
		apiFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
