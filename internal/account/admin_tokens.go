package account

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

func (h *Handler) tokenAdminRoutes() []web.Route {
	manage := web.Allowed(auth.ActManageTokens)
	return []web.Route{
		{Pattern: "GET /admin/tokens", Access: manage, Handler: h.tokensPage},
		{Pattern: "POST /admin/tokens", Access: manage, Handler: h.createTokenPage},
		{Pattern: "POST /admin/tokens/{id}/revoke", Resource: "token", Access: manage, Handler: h.revokeTokenPage},
	}
}

// TokenPermissions are the permissions a machine token may be given, in the
// order the form lists them. Each is checked by the module that serves the
// feed (web.MachinePermission); "data.push" is auth's generic business
// action for feeds that predate a permission of their own. Labels are the
// messages admin.tokens.perm.<permission>.
var TokenPermissions = []string{
	"parking:occupancy.push",
	"parking:facility.sync",
	"petition:intake",
	"open311:requests",
	string(auth.ActPushData),
}

// tokenRow is a token as the list shows it.
type tokenRow struct {
	Token  auth.Token
	Unit   string
	Status string // active, revoked, expired
}

type tokensData struct {
	Rows        []tokenRow
	Permissions []string
	Units       []unitOption
	Form        url.Values
	Checked     map[string]bool // permissions ticked when the form comes back with errors
}

func (h *Handler) tokensPage(w http.ResponseWriter, r *http.Request) {
	h.showTokens(w, r, http.StatusOK, url.Values{}, nil)
}

func (h *Handler) showTokens(w http.ResponseWriter, r *http.Request, status int, form url.Values, errs map[string]string) {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	rows, err := h.tokenRows(ctx, p)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	units, err := h.unitOptions(ctx, p)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	d := tokensData{Rows: rows, Permissions: TokenPermissions, Units: units, Form: form, Checked: map[string]bool{}}
	for _, pm := range form["permissions"] {
		d.Checked[pm] = true
	}
	render(w, r, status, "tokens", "admin", "admin.tokens.title", d, errs)
}

func (h *Handler) tokenRows(ctx context.Context, p *auth.Principal) ([]tokenRow, error) {
	ts, err := h.Auth.ListTokens(ctx, p)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.OrgUnitID
	}
	units := h.unitNames(ctx, p, ids)
	now := h.now()
	rows := make([]tokenRow, len(ts))
	for i, t := range ts {
		rows[i] = tokenRow{Token: t, Unit: units[t.OrgUnitID], Status: tokenStatus(t, now)}
	}
	return rows, nil
}

func tokenStatus(t auth.Token, now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return "revoked"
	case !t.Active(now):
		return "expired"
	}
	return "active"
}

// parseExpiry reads a date typed as YYYY-MM-DD: the token works through the
// end of that day in the city's time zone.
func parseExpiry(s string) (*time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	d, err := time.ParseInLocation("2006-01-02", s, web.Location)
	if err != nil {
		return nil, false
	}
	t := d.AddDate(0, 0, 1)
	return &t, true
}

type tokenCreatedData struct {
	Token  auth.Token
	Unit   string
	Secret string
}

// createTokenPage makes a token and shows its secret once, on this response
// (see createUser for why it is not a redirect).
func (h *Handler) createTokenPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := web.LangOf(r)
	p := auth.FromContext(ctx)
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	form := r.PostForm
	errs := map[string]string{}
	unitID, found, err := h.resolveUnit(ctx, p, form.Get("org_code"), form.Get("org_unit_id"))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if !found {
		errs["org_unit_id"] = web.T(l, "admin.scope.code_unknown")
	} else if unitID == 0 {
		errs["org_unit_id"] = web.T(l, "admin.scope.required")
	}
	expires, ok := parseExpiry(form.Get("expires"))
	if !ok {
		errs["expires_at"] = web.T(l, "admin.tokens.expiry_invalid")
	}
	perms := form["permissions"]
	for _, pm := range perms {
		if !knownPermission(pm) {
			errs["permissions"] = web.T(l, "admin.tokens.perm_unknown")
		}
	}
	if len(errs) > 0 {
		h.showTokens(w, r, http.StatusUnprocessableEntity, form, errs)
		return
	}
	secret, t, err := h.Auth.CreateToken(ctx, p, form.Get("name"), perms, unitID, "", expires)
	if err != nil {
		if fe, ok := fieldMessages(l, err); ok {
			h.showTokens(w, r, http.StatusUnprocessableEntity, form, fe)
			return
		}
		pageFail(w, r, err)
		return
	}
	unit := h.unitNames(ctx, p, []int64{t.OrgUnitID})[t.OrgUnitID]
	render(w, r, http.StatusCreated, "token_created", "admin", "admin.tokens.created_title",
		tokenCreatedData{Token: t, Unit: unit, Secret: secret}, nil)
}

// knownPermission: the web offers only the listed permissions, so a forged
// form cannot hand a token something no feed checks for.
func knownPermission(p string) bool {
	for _, x := range TokenPermissions {
		if x == p {
			return true
		}
	}
	return false
}

func (h *Handler) revokeTokenPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pageID(w, r)
	if !ok {
		return
	}
	if err := h.Auth.RevokeToken(r.Context(), auth.FromContext(r.Context()), id); err != nil {
		pageFail(w, r, err)
		return
	}
	web.SetFlash(w, web.T(web.LangOf(r), "admin.tokens.revoked"))
	redirect(w, r, "/admin/tokens")
}
