package account

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

// The administrators' API: accounts and machine tokens. auth.Service
// decides again, per command, whether the caller may do it and to whom.
func (h *Handler) apiAdminRoutes() []web.Route {
	userQuery := []web.Param{
		{Name: "q", Description: "part of a username or name, or a whole mobile number"},
		{Name: "role", Description: "one role"},
		{Name: "status", Description: "active, disabled or locked"},
		{Name: "page", Type: "integer"}, {Name: "size", Type: "integer", Description: "1–200, default 20"},
	}
	return []web.Route{
		{Pattern: "GET /api/v1/users", Access: web.Allowed(auth.ActViewAccounts), Handler: h.apiUsers, Doc: &web.APIDoc{
			Summary: "Accounts in the caller's jurisdiction, mobiles masked", Tag: "account",
			Query: userQuery, Response: web.ListResponse[UserJSON]{}}},
		{Pattern: "GET /api/v1/users/{id}", Access: web.Allowed(auth.ActViewAccounts), Resource: "user",
			Handler: h.apiUser, Doc: &web.APIDoc{
				Summary: "One account; outside the caller's jurisdiction it does not exist (404)", Tag: "account",
				Response: UserJSON{}}},
		{Pattern: "POST /api/v1/users", Access: web.Allowed(auth.ActCreateAccount), Handler: h.apiCreateUser, Doc: &web.APIDoc{
			Summary: "Create a business or public account with a temporary password, returned once", Tag: "account",
			Request: CreateUserRequest{}, Response: CreatedUserResponse{}, Status: http.StatusCreated, Errors: []int{422}}},
		{Pattern: "POST /api/v1/users/{id}/disable", Access: web.Allowed(auth.ActDisableAccount), Resource: "user",
			Handler: h.apiDisableUser, Doc: &web.APIDoc{
				Summary: "Disable an account and end its sessions", Tag: "account", Response: UserJSON{}}},
		{Pattern: "GET /api/v1/tokens", Access: web.Allowed(auth.ActManageTokens), Handler: h.apiTokens, Doc: &web.APIDoc{
			Summary: "Machine API tokens in the caller's jurisdiction, newest first", Tag: "account",
			Query:    []web.Param{{Name: "page", Type: "integer"}, {Name: "size", Type: "integer"}},
			Response: web.ListResponse[TokenJSON]{}}},
		{Pattern: "POST /api/v1/tokens", Access: web.Allowed(auth.ActManageTokens), Handler: h.apiCreateToken, Doc: &web.APIDoc{
			Summary: "Create a machine API token; the secret is returned once and never stored", Tag: "account",
			Request: CreateTokenRequest{}, Response: CreatedTokenResponse{}, Status: http.StatusCreated, Errors: []int{422}}},
		{Pattern: "DELETE /api/v1/tokens/{id}", Access: web.Allowed(auth.ActManageTokens), Resource: "token",
			Handler: h.apiRevokeToken, Doc: &web.APIDoc{
				Summary: "Revoke a machine API token for good", Tag: "account", Status: http.StatusNoContent}},
	}
}

func (h *Handler) apiUsers(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	pg := web.PagingOf(r)
	us, total, err := h.findUsers(r.Context(), p, parseUserQuery(r.URL.Query()), pg.Offset(), pg.Size)
	if err != nil {
		apiFail(w, r, err)
		return
	}
	l, now := web.LangOf(r), h.now()
	resp := web.ListResponse[UserJSON]{Items: make([]UserJSON, len(us)), Total: total, Page: pg.Page, Size: pg.Size}
	for i, u := range us {
		resp.Items[i] = userJSON(l, u, now)
	}
	web.WriteJSON(w, http.StatusOK, resp)
}

func (h *Handler) apiUser(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	u, err := h.Auth.GetUser(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, userJSON(web.LangOf(r), u, h.now()))
}

// CreateUserRequest is the body of POST /api/v1/users. The unit is given by
// id or by code (the code wins); public accounts have none.
type CreateUserRequest struct {
	Role         string `json:"role"`
	Username     string `json:"username,omitempty" doc:"staff accounts"`
	Mobile       string `json:"mobile,omitempty" doc:"required for citizen and company accounts"`
	DisplayName  string `json:"display_name"`
	OrgUnitID    int64  `json:"org_unit_id,omitempty"`
	OrgUnitCode  string `json:"org_unit_code,omitempty"`
	DepartmentID int64  `json:"department_id,omitempty"`
}

// CreatedUserResponse carries the temporary password, the one time it is shown.
type CreatedUserResponse struct {
	User              UserJSON `json:"user"`
	TemporaryPassword string   `json:"temporary_password" doc:"shown once; the owner must change it at first login"`
}

func (h *Handler) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var in CreateUserRequest
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	ctx := r.Context()
	p := auth.FromContext(ctx)
	nu := auth.NewUser{Role: auth.Role(in.Role), Username: in.Username, Mobile: in.Mobile, DisplayName: in.DisplayName,
		OrgUnitID: in.OrgUnitID, DepartmentID: in.DepartmentID}
	if nu.Role.IsAdmin() {
		web.WriteProblem(w, r, web.ValidationProblem(r, web.FieldErrors{{Field: "role", Code: "admin_by_cli",
			Message: web.T(web.ZH, "admin.users.admin_by_cli"), MessageEn: web.T(web.EN, "admin.users.admin_by_cli")}}))
		return
	}
	if code := strings.TrimSpace(in.OrgUnitCode); code != "" {
		u, err := h.Org.ByCode(ctx, p, code)
		if web.IsNotFound(err) {
			web.WriteProblem(w, r, web.ValidationProblem(r, web.FieldErrors{{Field: "org_unit_code", Code: "not_found",
				Message: web.T(web.ZH, "admin.scope.code_unknown"), MessageEn: web.T(web.EN, "admin.scope.code_unknown")}}))
			return
		}
		if err != nil {
			apiFail(w, r, err)
			return
		}
		nu.OrgUnitID = u.ID
	}
	pol, err := h.Auth.Policy(ctx)
	if err != nil {
		apiFail(w, r, err)
		return
	}
	nu.Password, nu.TemporaryPassword = temporaryPasswordFor(pol), true
	u, err := h.Auth.CreateUser(ctx, nu)
	if err != nil {
		apiFail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, http.StatusCreated, CreatedUserResponse{User: userJSON(web.LangOf(r), u, h.now()), TemporaryPassword: nu.Password})
}

func (h *Handler) apiDisableUser(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	if err := h.Auth.Disable(ctx, id); err != nil {
		apiFail(w, r, err)
		return
	}
	u, err := h.Auth.GetUser(ctx, auth.FromContext(ctx), id)
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, userJSON(web.LangOf(r), u, h.now()))
}

// TokenJSON is a machine token as listed; its secret is never available again.
type TokenJSON struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix" doc:"the secret's first characters, to recognise it"`
	Permissions []string   `json:"permissions"`
	OrgUnitID   int64      `json:"org_unit_id"`
	OrgPath     string     `json:"org_path"`
	Status      string     `json:"status" doc:"active, revoked or expired"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty"`
}

func tokenJSON(t auth.Token, now time.Time) TokenJSON {
	opt := func(v time.Time) *time.Time {
		if v.IsZero() {
			return nil
		}
		return &v
	}
	perms := t.Permissions
	if perms == nil {
		perms = []string{}
	}
	return TokenJSON{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Permissions: perms, OrgUnitID: t.OrgUnitID,
		OrgPath: t.OrgPath, Status: tokenStatus(t, now), CreatedAt: t.CreatedAt,
		ExpiresAt: opt(t.ExpiresAt), RevokedAt: opt(t.RevokedAt), LastUsedAt: opt(t.LastUsedAt)}
}

func (h *Handler) apiTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := h.Auth.ListTokens(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	pg, now := web.PagingOf(r), h.now()
	resp := web.ListResponse[TokenJSON]{Items: []TokenJSON{}, Total: len(ts), Page: pg.Page, Size: pg.Size}
	for _, t := range ts[min(pg.Offset(), len(ts)):min(pg.Offset()+pg.Size, len(ts))] {
		resp.Items = append(resp.Items, tokenJSON(t, now))
	}
	web.WriteJSON(w, http.StatusOK, resp)
}

// CreateTokenRequest is the body of POST /api/v1/tokens.
type CreateTokenRequest struct {
	Name        string     `json:"name"`
	Permissions []string   `json:"permissions" doc:"from: parking:occupancy.push, parking:facility.sync, petition:intake, open311:requests, data.push"`
	OrgUnitID   int64      `json:"org_unit_id,omitempty"`
	OrgUnitCode string     `json:"org_unit_code,omitempty" doc:"instead of org_unit_id"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty" doc:"omit for a token that does not expire"`
}

// CreatedTokenResponse carries the secret, the one time it is shown.
type CreatedTokenResponse struct {
	Token  TokenJSON `json:"token"`
	Secret string    `json:"secret" doc:"send as Authorization: Bearer <secret>; shown once"`
}

func (h *Handler) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var in CreateTokenRequest
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	ctx := r.Context()
	p := auth.FromContext(ctx)
	var fe web.FieldErrors
	for _, pm := range in.Permissions {
		if !knownPermission(pm) {
			fe = append(fe, &web.FieldError{Field: "permissions", Code: "unknown",
				Message: web.T(web.ZH, "admin.tokens.perm_unknown") + "：" + pm, MessageEn: web.T(web.EN, "admin.tokens.perm_unknown") + ": " + pm})
		}
	}
	unitID := in.OrgUnitID
	if code := strings.TrimSpace(in.OrgUnitCode); code != "" {
		u, err := h.Org.ByCode(ctx, p, code)
		switch {
		case web.IsNotFound(err):
			fe = append(fe, &web.FieldError{Field: "org_unit_code", Code: "not_found",
				Message: web.T(web.ZH, "admin.scope.code_unknown"), MessageEn: web.T(web.EN, "admin.scope.code_unknown")})
		case err != nil:
			apiFail(w, r, err)
			return
		default:
			unitID = u.ID
		}
	}
	if len(fe) > 0 {
		web.WriteProblem(w, r, web.ValidationProblem(r, fe))
		return
	}
	secret, t, err := h.Auth.CreateToken(ctx, p, in.Name, in.Permissions, unitID, "", in.ExpiresAt)
	if err != nil {
		apiFail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, http.StatusCreated, CreatedTokenResponse{Token: tokenJSON(t, h.now()), Secret: secret})
}

func (h *Handler) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	if err := h.Auth.RevokeToken(r.Context(), auth.FromContext(r.Context()), id); err != nil {
		apiFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
