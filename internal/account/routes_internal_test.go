package account

import (
	"encoding/json"
	"strings"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

func TestRoutesAreDocumentedAndGuarded(t *testing.T) {
	h := &Handler{}
	seen := map[string]bool{}
	for _, rt := range h.Routes() {
		if seen[rt.Pattern] {
			t.Errorf("%s registered twice", rt.Pattern)
		}
		seen[rt.Pattern] = true
		if rt.Access.Allow == nil {
			t.Errorf("%s has no access rule", rt.Pattern)
		}
		if rt.IsAPI() && rt.Doc == nil {
			t.Errorf("%s has no API doc", rt.Pattern)
		}
		if rt.IsAPI() && strings.Contains(rt.Path(), "{id}") && rt.Resource == "" {
			t.Errorf("%s addresses an object but names no Resource", rt.Pattern)
		}
		// Every administration page is closed to anonymous visitors and to
		// business staff.
		if strings.HasPrefix(rt.Path(), "/admin") || strings.HasPrefix(rt.Path(), "/api/v1/users") ||
			strings.HasPrefix(rt.Path(), "/api/v1/tokens") {
			for _, p := range []*auth.Principal{{}, {UserID: 1, Role: auth.DistrictStaff, OrgPath: "/1/"},
				{UserID: 1, Role: auth.Citizen}, {TokenID: 1, Role: auth.Machine, Permissions: []string{"data.push"}}} {
				if rt.Access.Allow(p) {
					t.Errorf("%s lets %s in", rt.Pattern, p.Role)
				}
			}
		}
	}
	doc := web.OpenAPI("test", h.Routes())
	paths := doc["paths"].(map[string]map[string]any)
	for _, p := range []string{"/api/v1/session", "/api/v1/me", "/api/v1/users", "/api/v1/users/{id}",
		"/api/v1/users/{id}/disable", "/api/v1/tokens", "/api/v1/tokens/{id}"} {
		if paths[p] == nil {
			t.Errorf("OpenAPI lacks %s", p)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "",
		"/":                     "/",
		"/home":                 "/home",
		"/admin/users?page=2":   "/admin/users?page=2",
		"//evil.example":        "",
		"/\\evil.example":       "",
		"https://evil.example/": "",
		"javascript:alert(1)":   "",
		"home":                  "",
		"/a\nb":                 "",
		"/a\tb":                 "",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTemporaryPasswordsPassEveryPolicy(t *testing.T) {
	for _, pol := range []auth.PasswordPolicy{auth.DefaultPolicy(), {MinLength: 8, MinClasses: 2},
		{MinLength: 64, MinClasses: 4, MaxAgeDays: 30}} {
		for i := 0; i < 200; i++ {
			pw := temporaryPasswordFor(pol)
			if es := pol.Validate(pw, "someone", "13812341234"); len(es) > 0 {
				t.Fatalf("%q breaks %+v: %v", pw, pol, es)
			}
			if strings.ContainsAny(pw, "0O1lI") {
				t.Fatalf("%q has a character people misread", pw)
			}
		}
	}
}

func TestMessagesInBothLanguages(t *testing.T) {
	read := func(l web.Lang) map[string]string {
		b, err := messages.ReadFile("i18n/" + string(l) + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	zh, en := read(web.ZH), read(web.EN)
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("%s missing in English", k)
		}
		if !strings.HasPrefix(k, "account.") && !strings.HasPrefix(k, "admin.") {
			t.Errorf("%s lacks the package's prefix", k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("%s missing in Chinese", k)
		}
	}
	// Every tile, duty, permission and status the pages build keys for.
	for _, tl := range adminTiles {
		for _, k := range []string{"admin.tile." + tl.Key, "admin.tile." + tl.Key + ".desc"} {
			if zh[k] == "" {
				t.Errorf("no message %s", k)
			}
		}
	}
	for _, p := range TokenPermissions {
		if zh["admin.tokens.perm."+p] == "" {
			t.Errorf("no label for permission %s", p)
		}
	}
	for _, d := range []auth.Duty{auth.DutySystem, auth.DutySecurity, auth.DutyAudit} {
		if zh["admin.duty."+string(d)] == "" {
			t.Errorf("no text for duty %s", d)
		}
	}
}
