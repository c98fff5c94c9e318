package account_test

import (
	"bytes"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"anju/internal/platform/web"

	"github.com/xuri/excelize/v2"
)

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func TestAdministratorsSeeOnlyTheirDuty(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		sys, sec, aud, staff := e.browser(), e.browser(), e.browser(), e.browser()
		sys.login("sysadmin", testPassword)
		sec.login("secadmin", testPassword)
		aud.login("auditadmin", testPassword)
		staff.login("hp.staff", testPassword)

		tiles := regexp.MustCompile(`data-testid="tile-([a-z_]+)"`)
		got := func(b *browser) string {
			r := b.get("/admin")
			wantStatus(t, r, http.StatusOK)
			var keys []string
			for _, m := range tiles.FindAllStringSubmatch(r.Body, -1) {
				keys = append(keys, m[1])
			}
			return strings.Join(keys, ",")
		}
		if g := got(sys); g != "org,departments,users,tokens,calendar,backup" {
			t.Errorf("system administrator's tiles: %s", g)
		}
		if g := got(sec); g != "security_users,policy" {
			t.Errorf("security administrator's tiles: %s", g)
		}
		if g := got(aud); g != "audit" {
			t.Errorf("audit administrator's tiles: %s", g)
		}

		for _, c := range []struct {
			who    string
			b      *browser
			path   string
			status int
		}{
			{"security admin, tokens", sec, "/admin/tokens", http.StatusForbidden},
			{"system admin, policy", sys, "/admin/policy", http.StatusForbidden},
			{"audit admin, users", aud, "/admin/users", http.StatusForbidden},
			{"audit admin, one user", aud, "/admin/users/" + itoa(e.hpStaff.ID), http.StatusForbidden},
			{"audit admin, export", aud, "/admin/users.xlsx", http.StatusForbidden},
			{"security admin, new user", sec, "/admin/users/new", http.StatusForbidden},
			{"staff, admin", staff, "/admin", http.StatusForbidden},
			{"staff, users", staff, "/admin/users", http.StatusForbidden},
			{"system admin, tokens", sys, "/admin/tokens", http.StatusOK},
			{"security admin, policy", sec, "/admin/policy", http.StatusOK},
			{"security admin, users", sec, "/admin/users", http.StatusOK},
			{"system admin, backup", sys, "/admin/backup", http.StatusOK},
		} {
			if r := c.b.get(c.path); r.Status != c.status {
				t.Errorf("%s: GET %s = %d, want %d", c.who, c.path, r.Status, c.status)
			}
		}
		// Posts are refused the same way, whatever the form says.
		wantStatus(t, sec.post("/admin/tokens", url.Values{"name": {"x"}}), http.StatusForbidden)
		wantStatus(t, sys.post("/admin/policy", url.Values{"min_length": {"8"}}), http.StatusForbidden)
		wantStatus(t, sys.post("/admin/users/"+itoa(e.hpStaff.ID)+"/unlock", nil), http.StatusForbidden)
		wantStatus(t, sec.post("/admin/users/"+itoa(e.hpStaff.ID)+"/disable", nil), http.StatusForbidden)
	})
}

func TestUserDetailShowsTheViewersButtons(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		sys, sec := e.browser(), e.browser()
		sys.login("sysadmin", testPassword)
		sec.login("secadmin", testPassword)
		path := "/admin/users/" + itoa(e.hpStaff.ID)

		r := sys.get(path)
		wantBody(t, r, `data-testid="disable"`, "139****1111")
		wantNoBody(t, r, `data-testid="reset"`, `data-testid="end-sessions"`, `data-testid="role-form"`, "13900001111")
		r = sec.get(path)
		wantBody(t, r, `data-testid="reset"`, `data-testid="end-sessions"`, `data-testid="role-form"`)
		wantNoBody(t, r, `data-testid="disable"`, `data-testid="unlock"`)

		// Nobody manages an administrator account from the web, nor their own.
		r = sec.get("/admin/users/" + itoa(e.sysAdmin.ID))
		wantNoBody(t, r, `data-testid="reset"`, `data-testid="role-form"`)
		r = sys.get("/admin/users/" + itoa(e.sysAdmin.ID))
		wantNoBody(t, r, `data-testid="disable"`)

		// The system administrator disables; the account's session ends.
		staff := e.browser()
		staff.login("hp.staff", testPassword)
		r = sys.post(path+"/disable", nil)
		wantStatus(t, r, http.StatusSeeOther)
		r = sys.get(r.Location)
		wantBody(t, r, T(web.ZH, "admin.users.disabled"), `data-testid="enable"`)
		wantStatus(t, staff.get("/account"), http.StatusSeeOther)
		wantStatus(t, sys.post(path+"/enable", nil), http.StatusSeeOther)

		// The security administrator moves the account to 徐汇区 by code.
		r = sec.post(path+"/role", url.Values{"role": {"district_staff"}, "org_code": {"NOPE"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, T(web.ZH, "admin.scope.code_unknown"))
		r = sec.post(path+"/role", url.Values{"role": {"district_staff"}, "org_code": {"XH"}, "department_id": {"0"}})
		wantStatus(t, r, http.StatusSeeOther)
		r = sec.get(path)
		wantBody(t, r, "徐汇区", T(web.ZH, "role.district_staff"))

		// A reset shows a new temporary password once.
		r = sec.post(path+"/reset-password", nil)
		wantStatus(t, r, http.StatusOK)
		temp := regexp.MustCompile(`data-testid="temp-password">([^<]+)<`).FindStringSubmatch(r.Body)
		if temp == nil {
			t.Fatalf("no temporary password:\n%s", r.Body)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("Cache-Control %q on a page with a password", cc)
		}
		b := e.browser()
		b.get("/login")
		r = b.post("/login", url.Values{"login": {"hp.staff"}, "password": {html.UnescapeString(temp[1])}})
		if r.Location != "/account/password" {
			t.Fatalf("reset password landed on %q", r.Location)
		}
	})
}

func TestDistrictAdministratorSeesOnlyTheDistrict(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.login("hp.sys", testPassword)
		r := b.get("/admin/users")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "张三")
		wantNoBody(t, r, "李四")
		notFound := b.get("/admin/users/" + itoa(e.xhStaff.ID))
		wantStatus(t, notFound, http.StatusNotFound)
		wantStatus(t, b.post("/admin/users/"+itoa(e.xhStaff.ID)+"/disable", nil), http.StatusNotFound)
		// Creating an account in another district: the code is unknown here.
		r = b.post("/admin/users/new", url.Values{"role": {"district_staff"}, "username": {"x.staff"},
			"display_name": {"某人"}, "org_code": {"XH"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, T(web.ZH, "admin.scope.code_unknown"))
	})
}

func TestUserListFiltersPagesAndExports(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for i := 0; i < 25; i++ {
			e.create(newCitizen(i))
		}
		b := e.browser()
		b.login("sysadmin", testPassword)
		r := b.get("/admin/users?role=citizen")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "138****1234", T(web.ZH, "list.total", 26), T(web.ZH, "list.page_of", 1, 2), `rel="next"`)
		wantNoBody(t, r, "13812341234", "张三")
		r = b.get("/admin/users?role=citizen&page=2")
		wantBody(t, r, T(web.ZH, "list.page_of", 2, 2))
		// A whole number finds the account; the page still shows it masked.
		r = b.get("/admin/users?q=13812341234")
		wantBody(t, r, "王五", "138****1234")
		table := resp{Body: r.Body[strings.Index(r.Body, "<table"):]}
		wantNoBody(t, table, "13812341234")
		r = b.get("/admin/users?status=disabled")
		wantBody(t, r, T(web.ZH, "list.empty"))

		x := b.get("/admin/users.xlsx?role=citizen")
		wantStatus(t, x, http.StatusOK)
		if ct := x.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
			t.Fatalf("content type %q", ct)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 27 || rows[0][1] != web.T(web.ZH, "admin.users.col.login") {
			t.Fatalf("%d rows, header %v", len(rows), rows[0])
		}
		for _, row := range rows[1:] {
			if !strings.Contains(row[1], "****") {
				t.Fatalf("unmasked mobile in the export: %v", row)
			}
		}
		var n int
		if err := e.d.QueryRow(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE action = 'user.export'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("export audited %d times (%v)", n, err)
		}
	})
}

func TestTokensPage(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.login("sysadmin", testPassword)
		r := b.get("/admin/tokens")
		wantBody(t, r, "parking:occupancy.push", T(web.ZH, "admin.tokens.perm.petition:intake"))

		r = b.post("/admin/tokens", url.Values{"name": {""}, "org_code": {"HP"}, "expires": {"2020-13-45"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, T(web.ZH, "admin.tokens.expiry_invalid"))
		r = b.post("/admin/tokens", url.Values{"name": {""}, "org_code": {"HP"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "请输入 1–64 字的名称")
		r = b.post("/admin/tokens", url.Values{"name": {"x"}, "org_code": {"HP"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "请至少选择一项权限", `value="x"`)
		r = b.post("/admin/tokens", url.Values{"name": {"x"}, "org_code": {"HP"}, "permissions": {"account.create"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)

		r = b.post("/admin/tokens", url.Values{"name": {"万达广场停车场"}, "org_code": {"HP"},
			"permissions": {"parking:occupancy.push", "parking:facility.sync"}, "expires": {"2099-12-31"}})
		wantStatus(t, r, http.StatusCreated)
		m := regexp.MustCompile(`data-testid="token-secret"[^>]*>(anju_[^<]+)<`).FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no secret shown:\n%s", r.Body)
		}
		wantBody(t, r, "黄浦区")
		p, err := e.auth.TokenPrincipal(t.Context(), m[1], "10.0.0.1")
		if err != nil || !p.HasPermission("parking:occupancy.push") || p.OrgPath != e.hp.Path {
			t.Fatalf("token principal %+v, %v", p, err)
		}

		r = b.get("/admin/tokens")
		wantBody(t, r, "万达广场停车场", T(web.ZH, "admin.tokens.status.active"))
		wantNoBody(t, r, m[1])
		id := regexp.MustCompile(`/admin/tokens/(\d+)/revoke`).FindStringSubmatch(r.Body)
		wantStatus(t, b.post("/admin/tokens/"+id[1]+"/revoke", nil), http.StatusSeeOther)
		wantBody(t, b.get("/admin/tokens"), T(web.ZH, "admin.tokens.status.revoked"))
		if _, err := e.auth.TokenPrincipal(t.Context(), m[1], "10.0.0.1"); err == nil {
			t.Fatal("a revoked token still works")
		}
	})
}

func TestPolicyPage(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.login("secadmin", testPassword)
		r := b.get("/admin/policy")
		wantBody(t, r, `value="10"`, `value="3"`, `value="90"`)
		r = b.post("/admin/policy", url.Values{"min_length": {"abc"}, "min_classes": {"3"}, "max_age_days": {"90"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, T(web.ZH, "admin.policy.not_integer"), `value="abc"`)
		r = b.post("/admin/policy", url.Values{"min_length": {"4"}, "min_classes": {"5"}, "max_age_days": {"90"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "最小长度须在 8 到 64 之间", "字符类别数须在 2 到 4 之间")
		b.get("/admin/policy?lang=en")
		r = b.post("/admin/policy", url.Values{"min_length": {"4"}, "min_classes": {"3"}, "max_age_days": {"90"}})
		wantBody(t, r, "Minimum length must be between 8 and 64")
		r = b.post("/admin/policy", url.Values{"min_length": {"12"}, "min_classes": {"4"}, "max_age_days": {"60"}})
		wantStatus(t, r, http.StatusSeeOther)
		r = b.get("/admin/policy")
		wantBody(t, r, T(web.EN, "admin.policy.saved"), T(web.EN, "account.policy.rule_length", 12, 128))
		// The password page lists the rules now in force.
		staff := e.browser()
		staff.login("hp.staff", testPassword)
		wantBody(t, staff.get("/account/password"), T(web.ZH, "account.policy.rule_classes", 4),
			T(web.ZH, "account.policy.rule_age", 60))
	})
}

// rawKey matches a message key shown instead of its text.
var rawKey = regexp.MustCompile(`\b(account|admin|role|list|common)\.[a-z_]+[.a-z_:]*\b`)

func TestEveryPageTranslated(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, lang := range []string{"zh-CN", "en"} {
			anon := e.browser()
			anon.get("/login?lang=" + lang)
			pages := map[*browser][]string{anon: {"/login", "/login?tab=sms", "/register"}}
			for login, paths := range map[string][]string{
				"sysadmin":   {"/admin", "/admin/users", "/admin/users/new", "/admin/users/" + itoa(e.hpStaff.ID), "/admin/tokens", "/admin/backup"},
				"secadmin":   {"/admin", "/admin/policy", "/admin/users/" + itoa(e.hpStaff.ID), "/account", "/account/password"},
				"auditadmin": {"/admin"},
				"hp.staff":   {"/account"},
			} {
				b := e.browser()
				b.get("/login?lang=" + lang)
				b.login(login, testPassword)
				pages[b] = paths
			}
			for b, paths := range pages {
				for _, p := range paths {
					r := b.get(p)
					wantStatus(t, r, http.StatusOK)
					if m := rawKey.FindString(r.Body); m != "" {
						t.Errorf("%s %s shows the key %s", lang, p, m)
					}
				}
			}
		}
	})
}
