package auth_test

import (
	"errors"
	"testing"
	"time"

	"anju/internal/platform/auth"
)

func TestPolicyValidate(t *testing.T) {
	pol := auth.DefaultPolicy()
	if pol.MinLength != 10 || pol.MinClasses != 3 || pol.MaxAgeDays != 90 {
		t.Fatalf("default policy %+v", pol)
	}
	long := ""
	for len(long) <= auth.MaxPasswordLength {
		long += "Aa1-"
	}
	for _, tc := range []struct {
		pw    string
		codes []string
	}{
		{"Anju-Test-2026", nil},
		{"", []string{"required"}},
		{"Ab1-", []string{"too_short"}},
		{"abcdefghijkl", []string{"too_few_classes"}}, // 1 class
		{"abcdefgh1234", []string{"too_few_classes"}}, // 2 classes
		{"abcdefgh123!", nil},                         // lower, digit, symbol
		{"安居工程住房保障2026ab", nil},                       // CJK counts as symbol
		{"zhangsan.01", nil},                          // lower, symbol ("."), digit
		{"Zhang.San01", []string{"same_as_account"}},  // equals the username, ignoring case
		{"13812341234", []string{"too_few_classes", "same_as_account"}},
		{"abc", []string{"too_short", "too_few_classes"}},
		{long, []string{"too_long"}},
	} {
		got := pol.Validate(tc.pw, "zhang.san01", "13812341234")
		var codes []string
		for _, e := range got {
			if e.Field != "password" || e.Message == "" || e.MessageEn == "" {
				t.Errorf("%q: malformed error %+v", tc.pw, e)
			}
			codes = append(codes, e.Code)
		}
		if len(codes) != len(tc.codes) {
			t.Errorf("Validate(%q) = %v, want %v", tc.pw, codes, tc.codes)
			continue
		}
		for i := range codes {
			if codes[i] != tc.codes[i] {
				t.Errorf("Validate(%q) = %v, want %v", tc.pw, codes, tc.codes)
			}
		}
	}
}

func TestPolicyExpired(t *testing.T) {
	pol := auth.DefaultPolicy()
	if pol.Expired(t0, t0.Add(89*24*time.Hour)) {
		t.Error("89 days old is not expired under a 90-day policy")
	}
	if !pol.Expired(t0, t0.Add(90*24*time.Hour)) {
		t.Error("90 days old is expired under a 90-day policy")
	}
	pol.MaxAgeDays = 0
	if pol.Expired(t0, t0.Add(5000*24*time.Hour)) {
		t.Error("MaxAgeDays 0 turns rotation off")
	}
}

func TestPolicySetting(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := e.as(e.secAdmin)
		got, err := e.svc.Policy(ctx)
		if err != nil || got != auth.DefaultPolicy() {
			t.Fatalf("initial policy %+v, %v", got, err)
		}
		strict := auth.PasswordPolicy{MinLength: 14, MinClasses: 4, MaxAgeDays: 30}
		if err := e.svc.SetPolicy(ctx, strict); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.svc.Policy(ctx); got != strict {
			t.Fatalf("policy after save %+v", got)
		}
		if r, _ := e.audit.last("auth.policy.update"); r.Result != "ok" || r.ActorID != e.secAdmin.ID {
			t.Fatalf("audit %+v", r)
		}
		// The new policy applies to the next account at once.
		_, err = e.svc.CreateUser(e.as(e.sysAdmin), auth.NewUser{Username: "li.si", DisplayName: "李四",
			Role: auth.CommunityStaff, OrgUnitID: 4, Password: "Anju-Test-26"})
		wantField(t, err, "password", "too_short")

		// Only the security administrator edits it.
		for _, u := range []auth.User{e.sysAdmin, e.auditAdmin} {
			wantErr(t, e.svc.SetPolicy(e.as(u), auth.DefaultPolicy()), auth.ErrForbidden)
		}
		if e.audit.count("auth.policy.update", "refused") != 2 {
			t.Fatal("refused policy edits are not audited")
		}
		// A policy below the floor is refused, field by field.
		err = e.svc.SetPolicy(ctx, auth.PasswordPolicy{MinLength: 4, MinClasses: 1, MaxAgeDays: -1})
		var fe auth.FieldErrors
		if !errors.As(err, &fe) || len(fe) != 3 {
			t.Fatalf("weak policy: %v", err)
		}
	})
}
