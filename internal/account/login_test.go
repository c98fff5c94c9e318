package account_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"anju/internal/platform/web"
)

func TestLoginLandsByRole(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, c := range []struct {
			name, login, next, want string
		}{
			{"street staff", "hp.staff", "", "/home"},
			{"staff by mobile", "139 0000 1111", "", "/home"},
			{"system admin", "sysadmin", "", "/admin"},
			{"audit admin", "auditadmin", "", "/admin"},
			{"citizen", "13812341234", "", "/"},
			{"local next", "hp.staff", "/account?tab=1", "/account?tab=1"},
			{"other site", "hp.staff", "//evil.example/x", "/home"},
			{"backslash trick", "hp.staff", "/\\evil.example", "/home"},
			{"absolute", "hp.staff", "https://evil.example/", "/home"},
		} {
			t.Run(c.name, func(t *testing.T) {
				b := e.browser()
				b.get("/login?next=" + url.QueryEscape(c.next))
				r := b.post("/login", url.Values{"login": {c.login}, "password": {testPassword}, "next": {c.next}})
				wantStatus(t, r, http.StatusSeeOther)
				if r.Location != c.want {
					t.Fatalf("landed on %q, want %q", r.Location, c.want)
				}
				if b.cookie(web.SessionCookie) == "" {
					t.Fatal("no session cookie")
				}
				// The session works: the landing page opens.
				if c.want == "/home" || c.want == "/admin" {
					wantStatus(t, b.get(c.want), http.StatusOK)
				}
			})
		}
	})
}

func TestLoginPageRedirectsFromGuardedPage(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		b := e.browser()
		r := b.get("/admin/users")
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != "/login?next=%2Fadmin%2Fusers" {
			t.Fatalf("location %q", r.Location)
		}
		r = b.get(r.Location)
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, `name="next" value="/admin/users"`, T(web.ZH, "account.login.need_login"))
		r = b.post("/login", url.Values{"login": {"sysadmin"}, "password": {testPassword}, "next": {"/admin/users"}})
		if r.Location != "/admin/users" {
			t.Fatalf("location %q", r.Location)
		}
	})
}

func TestWrongPasswordSameMessageAsUnknownAccount(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.get("/login")
		wrong := b.post("/login", url.Values{"login": {"hp.staff"}, "password": {"Wrong-Pass-1"}})
		unknown := b.post("/login", url.Values{"login": {"nobody.here"}, "password": {"Wrong-Pass-1"}})
		for _, r := range []resp{wrong, unknown} {
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantBody(t, r, T(web.ZH, "account.login.bad_credentials"), `value="`)
		}
		if b.cookie(web.SessionCookie) != "" {
			t.Fatal("a failed login set a session cookie")
		}
		// Empty fields are named beside each field.
		r := b.post("/login", url.Values{"login": {""}, "password": {""}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, T(web.ZH, "account.login.login_required"), T(web.ZH, "account.login.password_required"))
		// In English when the visitor chose English.
		b.get("/login?lang=en")
		r = b.post("/login", url.Values{"login": {"hp.staff"}, "password": {"Wrong-Pass-1"}})
		wantBody(t, r, T(web.EN, "account.login.bad_credentials"))
	})
}

var lockedRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}`)

func TestLockoutMessageSaysUntilWhen(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.get("/login")
		var r resp
		start := e.clock.Now()
		for i := 0; i < 5; i++ {
			r = b.post("/login", url.Values{"login": {"hp.staff"}, "password": {"Wrong-Pass-1"}})
		}
		wantStatus(t, r, http.StatusLocked)
		until := lockedRE.FindString(r.Body)
		if until == "" {
			t.Fatalf("no time in the lockout message:\n%s", r.Body)
		}
		// 15 minutes from now, in the city's time (UTC+8).
		if want := start.Add(15 * time.Minute).In(web.Location).Format("2006-01-02 15:04"); until != want {
			t.Fatalf("locked until %s, want %s", until, want)
		}
		wantBody(t, r, T(web.ZH, "account.login.locked", until))
		// The right password does not help while locked.
		r = b.post("/login", url.Values{"login": {"hp.staff"}, "password": {testPassword}})
		wantStatus(t, r, http.StatusLocked)
		if b.cookie(web.SessionCookie) != "" {
			t.Fatal("a locked account got a session")
		}

		// The security administrator sees the lock and lifts it.
		sec := e.browser()
		sec.login("secadmin", testPassword)
		page := sec.get("/admin/users/" + itoa(e.hpStaff.ID))
		wantBody(t, page, T(web.ZH, "admin.users.status.locked"), `data-testid="unlock"`)
		wantStatus(t, sec.post("/admin/users/"+itoa(e.hpStaff.ID)+"/unlock", nil), http.StatusSeeOther)
		wantStatus(t, b.post("/login", url.Values{"login": {"hp.staff"}, "password": {testPassword}}), http.StatusSeeOther)
	})
}

func TestLogoutEndsTheSessionOnTheServer(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.login("hp.staff", testPassword)
		sid := b.cookie(web.SessionCookie)
		wantStatus(t, b.get("/account"), http.StatusOK)
		r := b.post("/logout", nil)
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != "/" {
			t.Fatalf("logout went to %q", r.Location)
		}
		if b.cookie(web.SessionCookie) != "" {
			t.Fatal("the session cookie was not cleared")
		}
		if b.cookie("flash") == "" {
			t.Fatal("no flash after logout")
		}
		// A copy of the old cookie is worth nothing now.
		thief := e.browser()
		u, _ := url.Parse(e.srv.URL)
		thief.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: sid, Path: "/"}})
		r = thief.get("/account")
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != "/login?next=%2Faccount" {
			t.Fatalf("old session went to %q", r.Location)
		}
	})
}

func TestCSRFRefusesFormsWithoutToken(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		// A visitor's login form without the double-submit token.
		b := e.browser()
		b.get("/login")
		r := b.post("/login", url.Values{"csrf": {""}, "login": {"hp.staff"}, "password": {testPassword}})
		wantStatus(t, r, http.StatusForbidden)
		if b.cookie(web.SessionCookie) != "" {
			t.Fatal("a login without a CSRF token succeeded")
		}
		// A logged-in form post with another token.
		b.login("hp.staff", testPassword)
		r = b.post("/account/password", url.Values{"csrf": {"forged"}, "current_password": {testPassword},
			"password": {"Another-Pass-99"}, "password_confirm": {"Another-Pass-99"}})
		wantStatus(t, r, http.StatusForbidden)
		// JSON without the header.
		b.csrf = ""
		wantStatus(t, b.json(http.MethodDelete, "/api/v1/session", nil), http.StatusForbidden)
		// The session still stands.
		wantStatus(t, b.get("/account"), http.StatusOK)
	})
}

func TestSMSLoginAndRegistration(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.get("/register")
		r := b.post("/register/code", url.Values{"mobile": {"137 0000 2222"}})
		wantStatus(t, r, http.StatusSeeOther)
		r = b.get(r.Location)
		wantBody(t, r, "137****2222", `data-testid="register-form"`)
		code := e.sms.lastCode(t)

		// Errors beside their fields, the number kept.
		r = b.post("/register", url.Values{"mobile": {"13700002222"}, "code": {code}, "role": {"citizen"},
			"display_name": {"赵六"}, "password": {"short"}, "password_confirm": {"short"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "密码长度至少 10 位", "137****2222")

		r = b.post("/register", url.Values{"mobile": {"13700002222"}, "code": {code}, "role": {"company"},
			"display_name": {"安居物业有限公司"}, "password": {testPassword}, "password_confirm": {testPassword}})
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != "/" || b.cookie(web.SessionCookie) == "" {
			t.Fatalf("after registering: %q, cookie %q", r.Location, b.cookie(web.SessionCookie))
		}
		me := b.get("/account")
		wantBody(t, me, "安居物业有限公司", T(web.ZH, "role.company"))
		b.post("/logout", nil)

		// Log in again with an SMS code (a minute later: one code a minute per number).
		e.clock.Advance(61 * time.Second)
		b.get("/login?tab=sms")
		r = b.post("/login/sms/code", url.Values{"mobile": {"13700002222"}})
		wantStatus(t, r, http.StatusSeeOther)
		r = b.get(r.Location)
		wantBody(t, r, "137****2222", `data-testid="sms-login-form"`)
		r = b.post("/login/sms", url.Values{"mobile": {"13700002222"}, "code": {"000000"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, T(web.ZH, "account.sms.code_invalid"))
		r = b.post("/login/sms", url.Values{"mobile": {"13700002222"}, "code": {e.sms.lastCode(t)}})
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != "/" {
			t.Fatalf("SMS login landed on %q", r.Location)
		}
		// A second code within a minute is refused with the wait.
		e.clock.Advance(61 * time.Second)
		b2 := e.browser()
		b2.get("/login?tab=sms")
		r = b2.post("/login/sms/code", url.Values{"mobile": {"13700002222"}})
		wantStatus(t, r, http.StatusSeeOther)
		r = b2.post("/login/sms/code", url.Values{"mobile": {"13700002222"}})
		wantStatus(t, r, http.StatusTooManyRequests)
		wantBody(t, r, "发送过于频繁")
	})
}

func TestTemporaryPasswordMustBeChangedFirst(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.browser()
		admin.login("sysadmin", testPassword)
		wantBody(t, admin.get("/admin/users/new"), "南京东路街道")
		r := admin.post("/admin/users/new", url.Values{"role": {"community_staff"}, "username": {"new.staff"},
			"display_name": {"钱七"}, "org_code": {"HP-NJ"}, "department_id": {"0"}})
		wantStatus(t, r, http.StatusCreated)
		pw := regexp.MustCompile(`data-testid="temp-password">([^<]+)<`).FindStringSubmatch(r.Body)
		if pw == nil {
			t.Fatalf("no temporary password shown:\n%s", r.Body)
		}
		temp := html.UnescapeString(pw[1])

		b := e.browser()
		b.get("/login")
		r = b.post("/login", url.Values{"login": {"new.staff"}, "password": {temp}})
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != "/account/password" {
			t.Fatalf("temporary password landed on %q", r.Location)
		}
		r = b.get(r.Location)
		wantBody(t, r, `data-testid="must-change"`, `data-testid="policy-rules"`)
		// Every other page sends the account back here until it is done.
		r = b.get("/home")
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != "/account/password" {
			t.Fatalf("gate sent /home to %q", r.Location)
		}
		wantStatus(t, b.json(http.MethodGet, "/api/v1/users", nil), http.StatusForbidden)

		r = b.post("/account/password", url.Values{"current_password": {temp}, "password": {"New-Pass-2026"},
			"password_confirm": {"New-Pass-2027"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, T(web.ZH, "account.password.mismatch"))
		r = b.post("/account/password", url.Values{"current_password": {"wrong"}, "password": {"New-Pass-2026"},
			"password_confirm": {"New-Pass-2026"}})
		wantBody(t, r, T(web.ZH, "account.password.current_wrong"))
		r = b.post("/account/password", url.Values{"current_password": {temp}, "password": {"New-Pass-2026"},
			"password_confirm": {"New-Pass-2026"}})
		wantStatus(t, r, http.StatusSeeOther)
		if r.Location != "/home" {
			t.Fatalf("after the change: %q", r.Location)
		}
		wantStatus(t, b.get("/home"), http.StatusOK)
		me := b.get("/account")
		wantBody(t, me, "钱七", "黄浦区", "南京东路街道", T(web.ZH, "role.community_staff"))
	})
}
