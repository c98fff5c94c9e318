package account

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

func (h *Handler) policyRoutes() []web.Route {
	edit := web.Allowed(auth.ActEditPasswordPolicy)
	return []web.Route{
		{Pattern: "GET /admin/policy", Access: edit, Handler: h.policyPage},
		{Pattern: "POST /admin/policy", Access: edit, Handler: h.savePolicy},
	}
}

type policyData struct {
	Form    url.Values
	Current auth.PasswordPolicy
	Rules   []string
	Default auth.PasswordPolicy
}

func (h *Handler) policyPage(w http.ResponseWriter, r *http.Request) {
	h.showPolicy(w, r, http.StatusOK, nil, nil)
}

func (h *Handler) showPolicy(w http.ResponseWriter, r *http.Request, status int, form url.Values, errs map[string]string) {
	pol, err := h.Auth.Policy(r.Context())
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if form == nil {
		form = url.Values{
			"min_length":   {strconv.Itoa(pol.MinLength)},
			"min_classes":  {strconv.Itoa(pol.MinClasses)},
			"max_age_days": {strconv.Itoa(pol.MaxAgeDays)},
		}
	}
	d := policyData{Form: form, Current: pol, Rules: policyRules(web.LangOf(r), pol), Default: auth.DefaultPolicy()}
	render(w, r, status, "policy", "admin", "admin.policy.title", d, errs)
}

// savePolicy reads the three numbers; auth checks their ranges (and refuses
// a policy weaker than any 等保 assessment would pass).
func (h *Handler) savePolicy(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	form := r.PostForm
	errs := map[string]string{}
	num := func(field string) int {
		n, err := strconv.Atoi(strings.TrimSpace(form.Get(field)))
		if err != nil {
			errs[field] = web.T(l, "admin.policy.not_integer")
		}
		return n
	}
	pol := auth.PasswordPolicy{MinLength: num("min_length"), MinClasses: num("min_classes"), MaxAgeDays: num("max_age_days")}
	if len(errs) > 0 {
		h.showPolicy(w, r, http.StatusUnprocessableEntity, form, errs)
		return
	}
	if err := h.Auth.SetPolicy(r.Context(), pol); err != nil {
		if fe, ok := fieldMessages(l, err); ok {
			h.showPolicy(w, r, http.StatusUnprocessableEntity, form, fe)
			return
		}
		pageFail(w, r, err)
		return
	}
	web.SetFlash(w, web.T(l, "admin.policy.saved"))
	redirect(w, r, "/admin/policy")
}
