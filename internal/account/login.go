package account

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

func (h *Handler) loginRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /login", Access: web.Public, Handler: h.loginPage},
		{Pattern: "POST /login", Access: web.Public, Handler: h.loginPassword},
		{Pattern: "POST /login/sms/code", Access: web.Public, Handler: h.loginSendCode},
		{Pattern: "POST /login/sms", Access: web.Public, Handler: h.loginSMS},
		// Public: a visitor whose session has already expired may still
		// press "log out" and should land on the front page, not an error.
		{Pattern: "POST /logout", Access: web.Public, Handler: h.logout},
	}
}

// loginData is what the login page shows.
type loginData struct {
	Tab   string // "password" or "sms"
	Next  string
	Login string // what was typed in the account field
	// Mobile is the number a code was sent to (the SMS tab's second step);
	// MobileMasked shows it.
	Mobile, MobileMasked string
	// MobileInput is what was typed in the first step's number field.
	MobileInput string
	Notice      string
}

// TabURL links a tab, keeping next.
func (d loginData) TabURL(tab string) string {
	q := url.Values{}
	if tab == "sms" {
		q.Set("tab", "sms")
	}
	if d.Next != "" {
		q.Set("next", d.Next)
	}
	if len(q) == 0 {
		return "/login"
	}
	return "/login?" + q.Encode()
}

// ChangeMobileURL goes back to the first step of the SMS tab.
func (d loginData) ChangeMobileURL() string {
	q := url.Values{"tab": {"sms"}, "step": {"mobile"}}
	if d.Next != "" {
		q.Set("next", d.Next)
	}
	return "/login?" + q.Encode()
}

// safeNext returns next when it is a path on this site, else "". Only
// "/x…" is accepted: "//host" and "/\host" are read by browsers as another
// site, and an absolute URL would make the login page an open redirect.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || len(next) > 2048 {
		return ""
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return ""
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return ""
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}

// smsMobileCookie remembers, for ten minutes, the number a code was just
// sent to, so that after the redirect the page asks only for the code. It
// is the visitor's own number in their own browser.
const smsMobileCookie = "anju_sms_mobile"

func setSMSMobile(w http.ResponseWriter, mobile string) {
	http.SetCookie(w, &http.Cookie{Name: smsMobileCookie, Value: mobile, Path: "/", MaxAge: 600,
		HttpOnly: true, Secure: web.CookieSecure, SameSite: http.SameSiteStrictMode})
}

func smsMobile(r *http.Request) string {
	c, err := r.Cookie(smsMobileCookie)
	if err != nil {
		return ""
	}
	if m := auth.NormalizeMobile(c.Value); auth.ValidMobile(m) {
		return m
	}
	return ""
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	next := safeNext(q.Get("next"))
	p := auth.FromContext(r.Context())
	if p.UserID != 0 {
		// Already logged in: a bookmark of the login page should not ask again.
		if next != "" {
			redirect(w, r, next)
		} else {
			redirect(w, r, landing(p))
		}
		return
	}
	d := loginData{Tab: "password", Next: next}
	if q.Get("tab") == "sms" {
		d.Tab = "sms"
		if q.Get("step") != "mobile" {
			d.Mobile = smsMobile(r)
			d.MobileMasked = auth.MaskMobile(d.Mobile)
		}
	}
	if next != "" {
		d.Notice = web.T(web.LangOf(r), "account.login.need_login")
	}
	render(w, r, http.StatusOK, "login", "", "account.login.title", d, nil)
}

// loginPassword logs in with an account name (username or mobile) and a password.
func (h *Handler) loginPassword(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	d := loginData{Tab: "password", Next: safeNext(r.PostFormValue("next")),
		Login: strings.TrimSpace(r.PostFormValue("login"))}
	password := r.PostFormValue("password")
	errs := map[string]string{}
	if d.Login == "" {
		errs["login"] = web.T(l, "account.login.login_required")
	}
	if password == "" {
		errs["password"] = web.T(l, "account.login.password_required")
	}
	if len(errs) > 0 {
		render(w, r, http.StatusUnprocessableEntity, "login", "", "account.login.title", d, errs)
		return
	}
	st, err := h.Auth.Authenticate(r.Context(), auth.LoginInput{Identifier: d.Login, Password: password,
		IP: auth.FromContext(r.Context()).IP, UserAgent: r.UserAgent()})
	if err != nil {
		h.loginFailed(w, r, d, err)
		return
	}
	h.loggedIn(w, r, st, d.Next)
}

// loginFailed shows why a login did not succeed, beside the field it is
// about. Unknown account and wrong password read the same, so the form does
// not tell which names exist.
func (h *Handler) loginFailed(w http.ResponseWriter, r *http.Request, d loginData, err error) {
	l := web.LangOf(r)
	errs := map[string]string{}
	field := "login"
	if d.Tab == "sms" {
		field = "mobile"
	}
	var locked *auth.LockedError
	status := http.StatusUnprocessableEntity
	switch {
	case errors.As(err, &locked):
		errs[field] = lockedMessage(l, locked.Until)
		status = http.StatusLocked
	case errors.Is(err, auth.ErrBadCredentials):
		errs["password"] = web.T(l, "account.login.bad_credentials")
	case errors.Is(err, auth.ErrDisabled):
		errs[field] = web.T(l, "account.login.disabled")
		status = http.StatusForbidden
	case errors.Is(err, auth.ErrCodeInvalid):
		errs["code"] = web.T(l, "account.sms.code_invalid")
	case errors.Is(err, auth.ErrNoAccount):
		errs["mobile"] = web.T(l, "account.sms.no_account")
	case errors.Is(err, auth.ErrNotPublic):
		errs["mobile"] = web.T(l, "account.sms.not_public")
	default:
		pageFail(w, r, err)
		return
	}
	render(w, r, status, "login", "", "account.login.title", d, errs)
}

// loggedIn stores the new session in the browser and sends the account on:
// to the change-password page if it must choose a password, else to next,
// else to its role's landing page.
func (h *Handler) loggedIn(w http.ResponseWriter, r *http.Request, st auth.SessionState, next string) {
	web.SetSessionCookie(w, st.ID)
	l := web.LangOf(r)
	if st.MustChangePassword {
		web.SetFlash(w, web.T(l, "account.password.must_change"))
		redirect(w, r, "/account/password")
		return
	}
	if next == "" {
		next = landing(st.Principal)
	}
	redirect(w, r, next)
}

// loginSendCode sends a login code by SMS (the first step of the SMS tab).
// It says the same whether or not the number has an account: only the code
// itself, in the owner's hand, may reveal that.
func (h *Handler) loginSendCode(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	d := loginData{Tab: "sms", Next: safeNext(r.PostFormValue("next"))}
	mobile := auth.NormalizeMobile(r.PostFormValue("mobile"))
	if errs, status, ok := sendCode(h, r, mobile, auth.PurposeLogin); !ok {
		d.MobileInput = mobile
		render(w, r, status, "login", "", "account.login.title", d, errs)
		return
	}
	setSMSMobile(w, mobile)
	web.SetFlash(w, web.T(l, "account.sms.sent", auth.MaskMobile(mobile)))
	redirect(w, r, d.TabURL("sms"))
}

// sendCode sends an SMS code and, when it could not, returns the form errors
// and the status to answer with.
func sendCode(h *Handler, r *http.Request, mobile, purpose string) (map[string]string, int, bool) {
	l := web.LangOf(r)
	err := h.Auth.SendCode(r.Context(), mobile, purpose)
	if err == nil {
		return nil, 0, true
	}
	var rl *auth.RateLimitError
	switch {
	case errors.As(err, &rl):
		secs := int(rl.RetryAfter.Seconds()) + 1
		return map[string]string{"mobile": web.T(l, "account.sms.too_soon", secs)}, http.StatusTooManyRequests, false
	default:
		if errs, ok := fieldMessages(l, err); ok {
			return errs, http.StatusUnprocessableEntity, false
		}
		// The gateway failed (auth has withdrawn the code) or none is wired.
		slog.Error("send SMS code", "mobile", auth.MaskMobile(mobile), "err", err)
		return map[string]string{"mobile": web.T(l, "account.sms.send_failed")}, http.StatusServiceUnavailable, false
	}
}

// loginSMS logs a citizen or company in with the code sent to their phone.
func (h *Handler) loginSMS(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	mobile := auth.NormalizeMobile(r.PostFormValue("mobile"))
	d := loginData{Tab: "sms", Next: safeNext(r.PostFormValue("next")), Mobile: mobile, MobileMasked: auth.MaskMobile(mobile)}
	code := strings.TrimSpace(r.PostFormValue("code"))
	switch {
	case !auth.ValidMobile(mobile):
		d.Mobile, d.MobileMasked, d.MobileInput = "", "", mobile
		render(w, r, http.StatusUnprocessableEntity, "login", "", "account.login.title", d,
			map[string]string{"mobile": web.T(l, "account.sms.mobile_invalid")})
		return
	case code == "":
		render(w, r, http.StatusUnprocessableEntity, "login", "", "account.login.title", d,
			map[string]string{"code": web.T(l, "account.sms.code_required")})
		return
	}
	st, err := h.Auth.AuthenticateCode(r.Context(), mobile, code, auth.FromContext(r.Context()).IP, r.UserAgent())
	if err != nil {
		h.loginFailed(w, r, d, err)
		return
	}
	clearSMSMobile(w)
	h.loggedIn(w, r, st, d.Next)
}

func clearSMSMobile(w http.ResponseWriter) { web.ClearCookie(w, smsMobileCookie) }

// logout ends the session on the server (the cookie alone is not enough: a
// copied cookie must stop working too), then clears it in the browser.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(web.SessionCookie); err == nil && c.Value != "" {
		if err := h.Auth.Logout(r.Context(), c.Value); err != nil {
			pageFail(w, r, err)
			return
		}
	}
	web.ClearCookie(w, web.SessionCookie)
	web.SetFlash(w, web.T(web.LangOf(r), "account.logout.done"))
	redirect(w, r, "/")
}
