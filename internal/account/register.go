package account

import (
	"errors"
	"net/http"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

func (h *Handler) registerRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /register", Access: web.Public, Handler: h.registerPage},
		{Pattern: "POST /register/code", Access: web.Public, Handler: h.registerSendCode},
		{Pattern: "POST /register", Access: web.Public, Handler: h.register},
	}
}

// registerData is the registration form. It has two steps so that it works
// without JavaScript: first the number a code goes to, then the rest.
type registerData struct {
	Mobile, MobileMasked string // set in the second step
	MobileInput          string // typed in the first step
	Role                 string
	DisplayName          string
	Rules                []string
}

func (h *Handler) registerPage(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	if p.UserID != 0 {
		redirect(w, r, landing(p))
		return
	}
	d := registerData{Role: string(auth.Citizen)}
	if r.URL.Query().Get("step") != "mobile" {
		d.Mobile = smsMobile(r)
		d.MobileMasked = auth.MaskMobile(d.Mobile)
	}
	h.showRegister(w, r, http.StatusOK, d, nil)
}

func (h *Handler) showRegister(w http.ResponseWriter, r *http.Request, status int, d registerData, errs map[string]string) {
	pol, err := h.Auth.Policy(r.Context())
	if err != nil {
		pageFail(w, r, err)
		return
	}
	d.Rules = policyRules(web.LangOf(r), pol)
	render(w, r, status, "register", "public", "account.register.title", d, errs)
}

func (h *Handler) registerSendCode(w http.ResponseWriter, r *http.Request) {
	mobile := auth.NormalizeMobile(r.PostFormValue("mobile"))
	if errs, status, ok := sendCode(h, r, mobile, auth.PurposeRegister); !ok {
		h.showRegister(w, r, status, registerData{MobileInput: mobile, Role: string(auth.Citizen)}, errs)
		return
	}
	setSMSMobile(w, mobile)
	web.SetFlash(w, web.T(web.LangOf(r), "account.sms.sent", auth.MaskMobile(mobile)))
	redirect(w, r, "/register")
}

// register opens a citizen's or company's account and logs it in, so a
// person who has just registered is not asked for the same password again.
func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	mobile := auth.NormalizeMobile(r.PostFormValue("mobile"))
	d := registerData{Mobile: mobile, MobileMasked: auth.MaskMobile(mobile),
		Role: r.PostFormValue("role"), DisplayName: strings.TrimSpace(r.PostFormValue("display_name"))}
	pw := r.PostFormValue("password")
	code := strings.TrimSpace(r.PostFormValue("code"))
	errs := map[string]string{}
	if !auth.ValidMobile(mobile) {
		// The number is the first step; without it go back there.
		d.Mobile, d.MobileMasked, d.MobileInput = "", "", mobile
		errs["mobile"] = web.T(l, "account.sms.mobile_invalid")
		h.showRegister(w, r, http.StatusUnprocessableEntity, d, errs)
		return
	}
	if code == "" {
		errs["code"] = web.T(l, "account.sms.code_required")
	}
	if pw != r.PostFormValue("password_confirm") {
		errs["password_confirm"] = web.T(l, "account.password.mismatch")
	}
	role := auth.Role(d.Role)
	if !role.IsPublic() {
		errs["role"] = web.T(l, "account.register.role_invalid")
	}
	if len(errs) > 0 {
		h.showRegister(w, r, http.StatusUnprocessableEntity, d, errs)
		return
	}
	_, err := h.Auth.RegisterPublic(r.Context(), mobile, code, d.DisplayName, pw, role)
	if err != nil {
		if errors.Is(err, auth.ErrCodeInvalid) {
			errs["code"] = web.T(l, "account.sms.code_invalid")
		} else if fe, ok := fieldMessages(l, err); ok {
			errs = fe
		} else {
			pageFail(w, r, err)
			return
		}
		if _, taken := errs["mobile"]; taken {
			// "already registered" belongs beside the number, which the
			// second step shows only as text: go back to the first step.
			d.Mobile, d.MobileMasked, d.MobileInput = "", "", mobile
		}
		h.showRegister(w, r, http.StatusUnprocessableEntity, d, errs)
		return
	}
	clearSMSMobile(w)
	st, err := h.Auth.Authenticate(r.Context(), auth.LoginInput{Identifier: mobile, Password: pw,
		IP: auth.FromContext(r.Context()).IP, UserAgent: r.UserAgent()})
	if err != nil {
		// The account exists; logging in can be done by hand.
		web.SetFlash(w, web.T(l, "account.register.done_login"))
		redirect(w, r, "/login")
		return
	}
	web.SetSessionCookie(w, st.ID)
	web.SetFlash(w, web.T(l, "account.register.done"))
	redirect(w, r, "/")
}
