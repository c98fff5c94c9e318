package account

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

func (h *Handler) userAdminRoutes() []web.Route {
	view := web.Allowed(auth.ActViewAccounts)
	return []web.Route{
		{Pattern: "GET /admin/users", Access: view, Handler: h.usersPage},
		{Pattern: "GET /admin/users.xlsx", Access: view, Handler: h.usersExport},
		{Pattern: "GET /admin/users/new", Access: web.Allowed(auth.ActCreateAccount), Handler: h.newUserPage},
		{Pattern: "POST /admin/users/new", Access: web.Allowed(auth.ActCreateAccount), Handler: h.createUser},
		{Pattern: "GET /admin/users/{id}", Resource: "user", Access: view, Handler: h.userPage},
		{Pattern: "POST /admin/users/{id}/disable", Resource: "user", Access: web.Allowed(auth.ActDisableAccount),
			Handler: h.userAction((*auth.Service).Disable, "admin.users.disabled")},
		{Pattern: "POST /admin/users/{id}/enable", Resource: "user", Access: web.Allowed(auth.ActDisableAccount),
			Handler: h.userAction((*auth.Service).Enable, "admin.users.enabled")},
		{Pattern: "POST /admin/users/{id}/unlock", Resource: "user", Access: web.Allowed(auth.ActUnlockAccount),
			Handler: h.userAction((*auth.Service).Unlock, "admin.users.unlocked")},
		{Pattern: "POST /admin/users/{id}/end-sessions", Resource: "user", Access: web.Allowed(auth.ActEndSessions),
			Handler: h.userAction((*auth.Service).EndSessions, "admin.users.sessions_ended")},
		{Pattern: "POST /admin/users/{id}/role", Resource: "user", Access: web.Allowed(auth.ActAssignRole), Handler: h.assignRole},
		{Pattern: "POST /admin/users/{id}/reset-password", Resource: "user", Access: web.Allowed(auth.ActResetPassword), Handler: h.resetPassword},
	}
}

// userQuery is the filter of the account list, as the query string has it.
type userQuery struct {
	Q      string
	Role   auth.Role
	Status string // "", "active", "disabled" or "locked"
}

func parseUserQuery(v url.Values) userQuery {
	q := userQuery{Q: strings.TrimSpace(v.Get("q")), Status: v.Get("status")}
	if r := auth.Role(v.Get("role")); r.Valid() {
		q.Role = r
	}
	switch q.Status {
	case "active", "disabled", "locked":
	default:
		q.Status = ""
	}
	return q
}

// findUsers returns one page of the accounts in p's scope that match q.
// auth filters by everything but "locked", which changes with the clock;
// for that one the matching accounts are gathered page by page and counted
// here (locked accounts are few, and the filter is an administrator's).
func (h *Handler) findUsers(ctx context.Context, p *auth.Principal, q userQuery, offset, limit int) ([]auth.User, int, error) {
	f := auth.UserFilter{Search: q.Q, Role: q.Role, Limit: limit, Offset: offset}
	switch q.Status {
	case "active":
		f.Disabled = new(bool)
	case "disabled":
		t := true
		f.Disabled = &t
	case "locked":
		all, err := h.allUsers(ctx, p, q, func(u auth.User) bool { return u.Locked(h.now()) })
		if err != nil {
			return nil, 0, err
		}
		if offset >= len(all) {
			return nil, len(all), nil
		}
		return all[offset:min(offset+limit, len(all))], len(all), nil
	}
	return h.Auth.ListUsers(ctx, p, f)
}

// maxExportRows bounds one export: a spreadsheet beyond that is no longer
// something a person reads.
const maxExportRows = 100_000

// allUsers gathers every account matching q (and keep, if not nil).
func (h *Handler) allUsers(ctx context.Context, p *auth.Principal, q userQuery, keep func(auth.User) bool) ([]auth.User, error) {
	const page = 500
	base := q
	if base.Status == "locked" {
		base.Status = ""
	}
	var out []auth.User
	for offset := 0; offset < maxExportRows; offset += page {
		us, total, err := h.findUsers(ctx, p, base, offset, page)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if keep == nil || keep(u) {
				out = append(out, u)
			}
		}
		if offset+page >= total || len(us) == 0 {
			break
		}
	}
	return out, nil
}

// userRow is an account as lists show it.
type userRow struct {
	User       auth.User
	Login      string
	Unit       string
	Department string
	Locked     bool
	Temporary  bool
}

func (h *Handler) userRows(ctx context.Context, p *auth.Principal, l web.Lang, us []auth.User) []userRow {
	ids := make([]int64, len(us))
	for i, u := range us {
		ids[i] = u.OrgUnitID
	}
	units := h.unitNames(ctx, p, ids)
	depts := h.departmentNames(ctx, l)
	now := h.now()
	rows := make([]userRow, len(us))
	for i, u := range us {
		rows[i] = userRow{User: u, Login: loginLabel(u), Unit: units[u.OrgUnitID], Department: depts[u.DepartmentID],
			Locked: u.Locked(now), Temporary: temporaryPassword(u)}
		if u.Role.IsPublic() {
			rows[i].Unit = ""
		}
	}
	return rows
}

type usersData struct {
	Query              userQuery
	Rows               []userRow
	Page, Pages, Total int
	Roles              []auth.Role
	Statuses           []string
	ExportURL          string
}

func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	q := parseUserQuery(r.URL.Query())
	pg := web.PagingOf(r)
	us, total, err := h.findUsers(ctx, p, q, pg.Offset(), pg.Size)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	exp := r.URL.Query()
	exp.Del("page")
	exp.Del("size")
	d := usersData{Query: q, Rows: h.userRows(ctx, p, web.LangOf(r), us), Page: pg.Page, Pages: pg.Pages(total),
		Total: total, Roles: auth.Roles, Statuses: []string{"active", "disabled", "locked"}, ExportURL: "/admin/users.xlsx"}
	if len(exp) > 0 {
		d.ExportURL += "?" + exp.Encode()
	}
	render(w, r, http.StatusOK, "users", "admin", "admin.users.title", d, nil)
}

// creatableRoles are the roles the web offers when creating an account:
// administrator accounts are made from the server's command line only.
func creatableRoles() []auth.Role {
	var out []auth.Role
	for _, r := range auth.Roles {
		if !r.IsAdmin() {
			out = append(out, r)
		}
	}
	return out
}

type newUserData struct {
	Form  url.Values
	Roles []auth.Role
	Units []unitOption
	Depts []deptOption
}

func (h *Handler) newUserPage(w http.ResponseWriter, r *http.Request) {
	h.showNewUser(w, r, http.StatusOK, url.Values{"role": {string(auth.CommunityStaff)}}, nil)
}

func (h *Handler) showNewUser(w http.ResponseWriter, r *http.Request, status int, form url.Values, errs map[string]string) {
	ctx := r.Context()
	units, err := h.unitOptions(ctx, auth.FromContext(ctx))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	depts, err := h.deptOptions(ctx, web.LangOf(r))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	d := newUserData{Form: form, Roles: creatableRoles(), Units: units, Depts: depts}
	render(w, r, status, "user_new", "admin", "admin.users.new_title", d, errs)
}

type userCreatedData struct {
	User     auth.User
	Login    string
	Password string
}

// createUser opens a business or public account with a generated temporary
// password. The password is shown on this one response and nowhere else —
// not in a cookie, a URL or the log — so the page is rendered directly
// instead of redirecting (its Cache-Control is no-store).
func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := web.LangOf(r)
	p := auth.FromContext(ctx)
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	form := r.PostForm
	nu, errs, err := h.newUserInput(ctx, p, l, form)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if len(errs) > 0 {
		h.showNewUser(w, r, http.StatusUnprocessableEntity, form, errs)
		return
	}
	pol, err := h.Auth.Policy(ctx)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	nu.Password = temporaryPasswordFor(pol)
	nu.TemporaryPassword = true
	u, err := h.Auth.CreateUser(ctx, nu)
	if err != nil {
		if fe, ok := fieldMessages(l, err); ok {
			h.showNewUser(w, r, http.StatusUnprocessableEntity, form, fe)
			return
		}
		pageFail(w, r, err)
		return
	}
	render(w, r, http.StatusCreated, "user_created", "admin", "admin.users.created_title",
		userCreatedData{User: u, Login: loginLabel(u), Password: nu.Password}, nil)
}

// newUserInput reads the new-account form. Public accounts belong to no
// unit, so a scope picked for one is ignored rather than refused.
func (h *Handler) newUserInput(ctx context.Context, p *auth.Principal, l web.Lang, form url.Values) (auth.NewUser, map[string]string, error) {
	errs := map[string]string{}
	nu := auth.NewUser{
		Role:        auth.Role(form.Get("role")),
		Username:    strings.TrimSpace(form.Get("username")),
		Mobile:      strings.TrimSpace(form.Get("mobile")),
		DisplayName: strings.TrimSpace(form.Get("display_name")),
	}
	if nu.Role.IsAdmin() {
		errs["role"] = web.T(l, "admin.users.admin_by_cli")
	}
	if nu.Role.IsPublic() {
		return nu, errs, nil
	}
	id, ok, err := h.resolveUnit(ctx, p, form.Get("org_code"), form.Get("org_unit_id"))
	if err != nil {
		return nu, nil, err
	}
	if !ok {
		errs["org_unit_id"] = web.T(l, "admin.scope.code_unknown")
	}
	nu.OrgUnitID = id
	nu.DepartmentID, _ = strconv.ParseInt(form.Get("department_id"), 10, 64)
	return nu, errs, nil
}

// userDetail is one account with the buttons the viewer may press: each
// shows only where auth.CanManage says the command would be accepted.
type userDetail struct {
	User       auth.User
	Login      string
	Scope      string
	Department string
	Locked     bool
	Temporary  bool

	CanDisable, CanEnable, CanAssign, CanUnlock, CanReset, CanEnd bool

	Roles []auth.Role
	Units []unitOption
	Depts []deptOption
	Form  url.Values // the role form, as sent when it had errors
}

func (h *Handler) userPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pageID(w, r)
	if !ok {
		return
	}
	h.showUser(w, r, id, http.StatusOK, nil, nil)
}

func (h *Handler) showUser(w http.ResponseWriter, r *http.Request, id int64, status int, form url.Values, errs map[string]string) {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	l := web.LangOf(r)
	u, err := h.Auth.GetUser(ctx, p, id)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	u.Mobile = auth.MaskMobile(u.Mobile)
	d := userDetail{User: u, Login: loginLabel(u), Locked: u.Locked(h.now()), Temporary: temporaryPassword(u)}
	if u.OrgUnitID != 0 && !u.Role.IsPublic() {
		d.Scope = h.scopeTrail(ctx, u.OrgUnitID)
	}
	d.Department = h.departmentNames(ctx, l)[u.DepartmentID]
	d.CanDisable = !u.Disabled && auth.CanManage(p, auth.ActDisableAccount, u)
	d.CanEnable = u.Disabled && auth.CanManage(p, auth.ActDisableAccount, u)
	d.CanAssign = auth.CanManage(p, auth.ActAssignRole, u)
	d.CanUnlock = d.Locked && auth.CanManage(p, auth.ActUnlockAccount, u)
	d.CanReset = auth.CanManage(p, auth.ActResetPassword, u)
	d.CanEnd = auth.CanManage(p, auth.ActEndSessions, u)
	if d.CanAssign {
		// An account stays staff or public; offer only roles of its kind.
		for _, role := range creatableRoles() {
			if role.IsPublic() == u.Role.IsPublic() {
				d.Roles = append(d.Roles, role)
			}
		}
		if d.Units, err = h.unitOptions(ctx, p); err != nil {
			pageFail(w, r, err)
			return
		}
		if d.Depts, err = h.deptOptions(ctx, l); err != nil {
			pageFail(w, r, err)
			return
		}
		if form == nil {
			form = url.Values{"role": {string(u.Role)}, "org_unit_id": {strconv.FormatInt(u.OrgUnitID, 10)},
				"department_id": {strconv.FormatInt(u.DepartmentID, 10)}}
		}
		d.Form = form
	}
	render(w, r, status, "user", "admin", "admin.users.detail_title", d, errs)
}

// userAction runs one of auth's account commands from a button and comes
// back to the account with a note of what was done.
func (h *Handler) userAction(cmd func(*auth.Service, context.Context, int64) error, doneKey string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pageID(w, r)
		if !ok {
			return
		}
		if err := cmd(h.Auth, r.Context(), id); err != nil {
			pageFail(w, r, err)
			return
		}
		web.SetFlash(w, web.T(web.LangOf(r), doneKey))
		redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
	}
}

// assignRole gives an account a role and a jurisdiction (the security
// administrator's command).
func (h *Handler) assignRole(w http.ResponseWriter, r *http.Request) {
	id, ok := pageID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	l := web.LangOf(r)
	p := auth.FromContext(ctx)
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	form := r.PostForm
	role := auth.Role(form.Get("role"))
	var unitID, deptID int64
	if !role.IsPublic() {
		uid, found, err := h.resolveUnit(ctx, p, form.Get("org_code"), form.Get("org_unit_id"))
		if err != nil {
			pageFail(w, r, err)
			return
		}
		if !found {
			h.showUser(w, r, id, http.StatusUnprocessableEntity, form,
				map[string]string{"org_unit_id": web.T(l, "admin.scope.code_unknown")})
			return
		}
		unitID = uid
		deptID, _ = strconv.ParseInt(form.Get("department_id"), 10, 64)
	}
	if err := h.Auth.SetRoleAndScope(ctx, id, role, unitID, deptID); err != nil {
		if fe, ok := fieldMessages(l, err); ok {
			h.showUser(w, r, id, http.StatusUnprocessableEntity, form, fe)
			return
		}
		pageFail(w, r, err)
		return
	}
	web.SetFlash(w, web.T(l, "admin.users.role_saved"))
	redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
}

// resetPassword gives the account a new temporary password and shows it
// once (see createUser for why the page is not a redirect). auth also lifts
// a lockout and ends the account's sessions.
func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request) {
	id, ok := pageID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	pol, err := h.Auth.Policy(ctx)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	pw := temporaryPasswordFor(pol)
	if err := h.Auth.SetPassword(ctx, id, pw); err != nil {
		pageFail(w, r, err)
		return
	}
	u, err := h.Auth.GetUser(ctx, auth.FromContext(ctx), id)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "user_reset", "admin", "admin.users.reset_title",
		userCreatedData{User: u, Login: loginLabel(u), Password: pw}, nil)
}
