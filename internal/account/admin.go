package account

import (
	"net/http"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

func (h *Handler) adminRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /admin", Access: web.Roles(auth.SystemAdmin, auth.SecurityAdmin, auth.AuditAdmin), Handler: h.adminHome},
		{Pattern: "GET /admin/backup", Access: web.Allowed(auth.ActRunBackup), Handler: h.backupPage},
	}
}

// adminTile is one entry of the administrators' landing page. It shows only
// to a role that may do Action, so each administrator sees the tiles of
// their own duty and no other (等保 separation of duties).
type adminTile struct {
	Key    string // message keys admin.tile.<key> and admin.tile.<key>.desc
	URL    string
	Action auth.Action
}

// adminTiles in the order the landing shows them. /admin/org,
// /admin/departments, /admin/calendar and /admin/audit belong to other
// modules; this page only links them.
var adminTiles = []adminTile{
	{"org", "/admin/org", auth.ActManageOrg},
	{"departments", "/admin/departments", auth.ActManageDepartments},
	{"users", "/admin/users", auth.ActCreateAccount},
	{"tokens", "/admin/tokens", auth.ActManageTokens},
	{"calendar", "/admin/calendar", auth.ActManageCalendar},
	{"backup", "/admin/backup", auth.ActRunBackup},
	{"security_users", "/admin/users", auth.ActAssignRole},
	{"policy", "/admin/policy", auth.ActEditPasswordPolicy},
	{"audit", "/admin/audit", auth.ActViewAudit},
}

type adminData struct {
	Duty  string
	Tiles []adminTile
}

func (h *Handler) adminHome(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	d := adminData{Duty: string(auth.AdminDuty(p.Role))}
	for _, t := range adminTiles {
		if auth.Can(p, t.Action) {
			d.Tiles = append(d.Tiles, t)
		}
	}
	render(w, r, http.StatusOK, "admin", "admin", "admin.title", d, nil)
}

// backupPage says how backups are made: from the server's command line,
// where the database files are, not from a browser.
func (h *Handler) backupPage(w http.ResponseWriter, r *http.Request) {
	render(w, r, http.StatusOK, "backup", "admin", "admin.backup.title", nil, nil)
}
