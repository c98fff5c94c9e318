package account_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

func newCitizen(i int) auth.NewUser {
	return auth.NewUser{Mobile: fmt.Sprintf("1360000%04d", i), DisplayName: fmt.Sprintf("市民%d", i), Role: auth.Citizen}
}

func decode[T any](t *testing.T, r resp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
	return v
}

type problemDoc struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail"`
	Errors []web.FieldDetail `json:"errors"`
}

func wantProblem(t *testing.T, r resp, status int, typ string) problemDoc {
	t.Helper()
	wantStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q", ct)
	}
	p := decode[problemDoc](t, r)
	if typ != "" && p.Type != typ {
		t.Fatalf("problem type %q, want %q", p.Type, typ)
	}
	return p
}

// apiLogin logs in through the API as a script would: fetch any page for
// the visitor's CSRF cookie, echo it, keep the returned token.
func (b *browser) apiLogin(login, password string) resp {
	b.t.Helper()
	b.get("/login")
	b.csrf = b.cookie("anju_csrf")
	r := b.json(http.MethodPost, "/api/v1/session", map[string]string{"login": login, "password": password})
	if r.Status == http.StatusOK {
		b.csrf = decode[struct {
			CSRF string `json:"csrf_token"`
		}](b.t, r).CSRF
	}
	return r
}

func TestAPISessionAndMe(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		b := e.browser()
		wantProblem(t, b.json(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, web.ProblemUnauthorized)

		r := b.apiLogin("hp.staff", "Wrong-Pass-1")
		p := wantProblem(t, r, http.StatusUnauthorized, "https://anju.example/problems/bad-credentials")
		if p.Detail != web.T(web.ZH, "account.login.bad_credentials") {
			t.Fatalf("detail %q", p.Detail)
		}

		r = b.apiLogin("hp.staff", testPassword)
		wantStatus(t, r, http.StatusOK)
		s := decode[struct {
			User struct {
				ID     int64  `json:"id"`
				Mobile string `json:"mobile"`
			} `json:"user"`
			Role string `json:"role"`
			CSRF string `json:"csrf_token"`
		}](t, r)
		if s.User.ID != e.hpStaff.ID || s.Role != "street_staff" || s.CSRF == "" || s.User.Mobile != "139****1111" {
			t.Fatalf("session %+v", s)
		}
		if b.cookie(web.SessionCookie) == "" {
			t.Fatal("no session cookie")
		}
		r = b.json(http.MethodGet, "/api/v1/me", nil)
		wantStatus(t, r, http.StatusOK)
		me := decode[struct {
			User struct {
				DisplayName string `json:"display_name"`
			} `json:"user"`
			Scope string `json:"scope"`
			CSRF  string `json:"csrf_token"`
		}](t, r)
		if me.User.DisplayName != "张三" || me.Scope != "上海市 › 黄浦区 › 南京东路街道" || me.CSRF != s.CSRF {
			t.Fatalf("me %+v", me)
		}
		// Staff cannot list accounts.
		wantProblem(t, b.json(http.MethodGet, "/api/v1/users", nil), http.StatusForbidden, web.ProblemForbidden)

		wantStatus(t, b.json(http.MethodDelete, "/api/v1/session", nil), http.StatusNoContent)
		wantProblem(t, b.json(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, "")
	})
}

func TestAPIProblemsNameTheField(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.get("/login")
		b.csrf = b.cookie("anju_csrf")
		p := wantProblem(t, b.json(http.MethodPost, "/api/v1/session", `{"login": 5, "password": "x"}`),
			http.StatusBadRequest, web.ProblemBadRequest)
		if len(p.Errors) != 1 || p.Errors[0].Field != "login" {
			t.Fatalf("problem %+v", p)
		}
		p = wantProblem(t, b.json(http.MethodPost, "/api/v1/session", `{"login": "", "password": ""}`),
			http.StatusUnprocessableEntity, web.ProblemValidation)
		if len(p.Errors) != 2 || p.Errors[0].Field != "login" || p.Errors[1].Field != "password" {
			t.Fatalf("problem %+v", p)
		}
		wantProblem(t, b.json(http.MethodPost, "/api/v1/session", `{"login": "a"`), http.StatusBadRequest, "")

		// Locked: 423 with the time.
		for i := 0; i < 5; i++ {
			b.json(http.MethodPost, "/api/v1/session", map[string]string{"login": "xh.staff", "password": "Wrong-Pass-1"})
		}
		r := b.json(http.MethodPost, "/api/v1/session", map[string]string{"login": "xh.staff", "password": testPassword})
		p = wantProblem(t, r, http.StatusLocked, "https://anju.example/problems/account-locked")
		if !strings.Contains(r.Body, "locked_until") || !lockedRE.MatchString(p.Detail) {
			t.Fatalf("locked problem %s", r.Body)
		}

		// Validation from auth, in English when asked.
		b.apiLogin("sysadmin", testPassword)
		req := map[string]any{"role": "community_staff", "username": "ab", "display_name": "", "org_unit_code": "HP-NJ"}
		b.get("/login?lang=en") // logged in: the page redirects, but the language cookie is set
		p = wantProblem(t, b.json(http.MethodPost, "/api/v1/users", req), http.StatusUnprocessableEntity, web.ProblemValidation)
		fields := map[string]string{}
		for _, fe := range p.Errors {
			fields[fe.Field] = fe.Message
		}
		if fields["username"] == "" || fields["display_name"] != "Name is required" || p.Title != web.T(web.EN, "problem.validation") {
			t.Fatalf("problem %+v", p)
		}
	})
}

func TestAPIUsersStayInScope(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		b := e.browser()
		wantStatus(t, b.apiLogin("hp.sys", testPassword), http.StatusOK)

		r := b.json(http.MethodGet, "/api/v1/users?size=100", nil)
		wantStatus(t, r, http.StatusOK)
		list := decode[web.ListResponse[struct {
			ID     int64  `json:"id"`
			Mobile string `json:"mobile"`
		}]](t, r)
		for _, u := range list.Items {
			if u.ID == e.xhStaff.ID {
				t.Fatal("the list shows an account of another district")
			}
			if u.Mobile != "" && !strings.Contains(u.Mobile, "****") {
				t.Fatalf("unmasked mobile %q", u.Mobile)
			}
		}
		if list.Total == 0 || list.Page != 1 || list.Size != 100 {
			t.Fatalf("list %+v", list)
		}

		wantStatus(t, b.json(http.MethodGet, "/api/v1/users/"+itoa(e.hpStaff.ID), nil), http.StatusOK)
		wantProblem(t, b.json(http.MethodGet, "/api/v1/users/"+itoa(e.xhStaff.ID), nil), http.StatusNotFound, web.ProblemNotFound)
		wantProblem(t, b.json(http.MethodGet, "/api/v1/users/999999", nil), http.StatusNotFound, web.ProblemNotFound)
		wantProblem(t, b.json(http.MethodPost, "/api/v1/users/"+itoa(e.xhStaff.ID)+"/disable", nil), http.StatusNotFound, "")

		// Create in the district, by code; the temporary password comes once.
		r = b.json(http.MethodPost, "/api/v1/users", map[string]any{"role": "street_staff", "username": "nj.new",
			"display_name": "孙八", "org_unit_code": "HP-NJ"})
		wantStatus(t, r, http.StatusCreated)
		created := decode[struct {
			User struct {
				ID      int64  `json:"id"`
				OrgPath string `json:"org_path"`
			} `json:"user"`
			Temp string `json:"temporary_password"`
		}](t, r)
		if created.User.OrgPath != e.nj.Path || len(created.Temp) < 12 {
			t.Fatalf("created %+v", created)
		}
		p := wantProblem(t, b.json(http.MethodPost, "/api/v1/users", map[string]any{"role": "district_staff",
			"username": "xh.new", "display_name": "某", "org_unit_code": "XH"}), http.StatusUnprocessableEntity, "")
		if p.Errors[0].Field != "org_unit_code" {
			t.Fatalf("problem %+v", p)
		}
		wantProblem(t, b.json(http.MethodPost, "/api/v1/users", map[string]any{"role": "system_admin",
			"username": "boss", "display_name": "某", "org_unit_code": "HP"}), http.StatusUnprocessableEntity, "")

		r = b.json(http.MethodPost, "/api/v1/users/"+itoa(created.User.ID)+"/disable", nil)
		wantStatus(t, r, http.StatusOK)
		if !decode[struct {
			Disabled bool `json:"disabled"`
		}](t, r).Disabled {
			t.Fatal("not disabled")
		}
	})
}

func TestAPITokens(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		sec := e.browser()
		sec.apiLogin("secadmin", testPassword)
		wantProblem(t, sec.json(http.MethodGet, "/api/v1/tokens", nil), http.StatusForbidden, "")

		b := e.browser()
		b.apiLogin("hp.sys", testPassword)
		p := wantProblem(t, b.json(http.MethodPost, "/api/v1/tokens", map[string]any{"name": "x",
			"permissions": []string{"security.unlock"}, "org_unit_code": "HP"}), http.StatusUnprocessableEntity, "")
		if p.Errors[0].Field != "permissions" {
			t.Fatalf("problem %+v", p)
		}
		r := b.json(http.MethodPost, "/api/v1/tokens", map[string]any{"name": "12345 热线",
			"permissions": []string{"petition:intake"}, "org_unit_code": "HP"})
		wantStatus(t, r, http.StatusCreated)
		tok := decode[struct {
			Token struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
			} `json:"token"`
			Secret string `json:"secret"`
		}](t, r)
		if !strings.HasPrefix(tok.Secret, "anju_") || tok.Token.Status != "active" {
			t.Fatalf("token %+v", tok)
		}
		list := decode[web.ListResponse[struct {
			ID int64 `json:"id"`
		}]](t, b.json(http.MethodGet, "/api/v1/tokens", nil))
		if list.Total != 1 || list.Items[0].ID != tok.Token.ID || strings.Contains(fmt.Sprint(list), tok.Secret) {
			t.Fatalf("list %+v", list)
		}
		// A district administrator cannot reach a token of the city.
		city := e.browser()
		city.apiLogin("sysadmin", testPassword)
		r = city.json(http.MethodPost, "/api/v1/tokens", map[string]any{"name": "市级", "permissions": []string{"data.push"},
			"org_unit_id": e.city.ID})
		wantStatus(t, r, http.StatusCreated)
		cityTok := decode[struct {
			Token struct {
				ID int64 `json:"id"`
			} `json:"token"`
		}](t, r)
		wantProblem(t, b.json(http.MethodDelete, "/api/v1/tokens/"+itoa(cityTok.Token.ID), nil), http.StatusNotFound, "")

		wantStatus(t, b.json(http.MethodDelete, "/api/v1/tokens/"+itoa(tok.Token.ID), nil), http.StatusNoContent)
		// The revoked token is refused at the door.
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/users", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("revoked token: %d", res.StatusCode)
		}
	})
}
