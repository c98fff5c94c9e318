package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

func TestTokens(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.principal(e.sysAdmin)
		perms := []string{string(auth.ActPushData), "parking.occupancy", string(auth.ActPushData)}
		plain, tok, err := e.svc.CreateToken(ctx, admin, "停车场 A", perms, 2, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(plain, "anju_") || len(plain) != 5+43 || tok.Prefix != plain[:11] ||
			tok.OrgPath != "/1/2/" || len(tok.Permissions) != 2 {
			t.Fatalf("token %q %+v", plain, tok)
		}
		var stored string
		_ = e.d.QueryRow(ctx, `SELECT token_hash FROM api_tokens WHERE id = ?`, tok.ID).Scan(&stored)
		if stored == plain || strings.Contains(stored, plain[5:]) || len(stored) != 64 {
			t.Fatal("the plaintext token is stored")
		}

		p, err := e.svc.TokenPrincipal(ctx, plain, "192.0.2.7")
		if err != nil {
			t.Fatal(err)
		}
		if p.Role != auth.Machine || p.TokenID != tok.ID || p.OrgPath != "/1/2/" || p.IP != "192.0.2.7" ||
			!p.HasPermission("parking.occupancy") {
			t.Fatalf("token principal %+v", p)
		}
		if !auth.Can(p, auth.ActPushData) || auth.Can(p, auth.ActEditRecords) || auth.Can(p, auth.ActManageTokens) {
			t.Fatal("a token may do exactly the business actions it carries")
		}
		lastUsed := func() time.Time {
			var ts time.Time
			_ = e.d.QueryRow(ctx, `SELECT last_used_at FROM api_tokens WHERE id = ?`, tok.ID).Scan(&ts)
			return ts.UTC()
		}
		if !lastUsed().Equal(t0) {
			t.Fatalf("last_used_at %v", lastUsed())
		}
		e.clock.Advance(20 * time.Second)
		_, _ = e.svc.TokenPrincipal(ctx, plain, "")
		if !lastUsed().Equal(t0) {
			t.Fatal("last_used_at written twice within a minute")
		}
		e.clock.Advance(50 * time.Second)
		_, _ = e.svc.TokenPrincipal(ctx, plain, "")
		if !lastUsed().Equal(t0.Add(70 * time.Second)) {
			t.Fatalf("last_used_at after 70 s: %v", lastUsed())
		}

		for _, bad := range []string{"", "anju_", "Bearer " + plain, plain + "x", "x" + plain[1:]} {
			_, err := e.svc.TokenPrincipal(ctx, bad, "")
			wantErr(t, err, auth.ErrTokenInvalid)
		}

		// Listing is scoped; revoking ends the token at once.
		other, _, err := e.svc.CreateToken(ctx, admin, "12345 热线", []string{"case.handle"}, 3, "/1/3/", nil)
		if err != nil {
			t.Fatal(err)
		}
		d2Admin := e.create(t, e.platform(), auth.NewUser{Username: "sys.d2", DisplayName: "区系统管理员",
			Role: auth.SystemAdmin, OrgUnitID: 2})
		list, err := e.svc.ListTokens(ctx, e.principal(d2Admin))
		if err != nil || len(list) != 1 || list[0].ID != tok.ID {
			t.Fatalf("district list %v %v", list, err)
		}
		list, _ = e.svc.ListTokens(ctx, admin)
		if len(list) != 2 {
			t.Fatalf("city list %v", list)
		}
		_, err = e.svc.ListTokens(ctx, e.principal(e.secAdmin))
		wantErr(t, err, auth.ErrForbidden)
		_, tok3, _ := e.svc.CreateToken(ctx, admin, "other district", []string{"data.push"}, 3, "", nil)
		wantErr(t, e.svc.RevokeToken(ctx, e.principal(d2Admin), tok3.ID), db.ErrNotFound)
		if err := e.svc.RevokeToken(ctx, e.principal(d2Admin), tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.TokenPrincipal(ctx, plain, "")
		wantErr(t, err, auth.ErrTokenInvalid)
		if r, _ := e.audit.last("token.use"); r.Result != "refused" || r.Detail != "revoked" {
			t.Fatalf("refused token use audit %+v", r)
		}
		if _, err := e.svc.TokenPrincipal(ctx, other, ""); err != nil {
			t.Fatal(err)
		}

		// Expiry.
		exp := e.clock.Now().Add(time.Hour)
		short, _, err := e.svc.CreateToken(ctx, admin, "temporary", []string{"data.push"}, 1, "", &exp)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.TokenPrincipal(ctx, short, ""); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Hour)
		_, err = e.svc.TokenPrincipal(ctx, short, "")
		wantErr(t, err, auth.ErrTokenInvalid)
	})
}

func TestCreateTokenRules(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.principal(e.sysAdmin)
		past := t0.Add(-time.Minute)
		_, _, err := e.svc.CreateToken(ctx, admin, "x", []string{string(auth.ActManageOrg)}, 1, "", nil)
		wantField(t, err, "permissions", "invalid") // no administrator action on a token
		_, _, err = e.svc.CreateToken(ctx, admin, "x", []string{"DROP TABLE"}, 1, "", nil)
		wantField(t, err, "permissions", "invalid")
		_, _, err = e.svc.CreateToken(ctx, admin, "x", nil, 1, "", nil)
		wantField(t, err, "permissions", "required")
		_, _, err = e.svc.CreateToken(ctx, admin, "", []string{"data.push"}, 1, "", nil)
		wantField(t, err, "name", "required")
		_, _, err = e.svc.CreateToken(ctx, admin, "x", []string{"data.push"}, 1, "", &past)
		wantField(t, err, "expires_at", "in_past")
		_, _, err = e.svc.CreateToken(ctx, admin, "x", []string{"data.push"}, 42, "", nil)
		wantField(t, err, "org_unit_id", "not_found")
		_, _, err = e.svc.CreateToken(ctx, admin, "x", []string{"data.push"}, 2, "/1/", nil)
		wantField(t, err, "org_unit_id", "mismatch")
		for _, u := range []auth.User{e.secAdmin, e.auditAdmin} {
			_, _, err = e.svc.CreateToken(ctx, e.principal(u), "x", []string{"data.push"}, 1, "", nil)
			wantErr(t, err, auth.ErrForbidden)
		}
		d2Admin := e.create(t, e.platform(), auth.NewUser{Username: "sys.d2", DisplayName: "区系统管理员",
			Role: auth.SystemAdmin, OrgUnitID: 2})
		_, _, err = e.svc.CreateToken(ctx, e.principal(d2Admin), "x", []string{"data.push"}, 3, "", nil)
		wantErr(t, err, auth.ErrForbidden)
		if n := e.audit.count("token.create", "refused"); n != 3 {
			t.Fatalf("%d refused token creations audited, want 3", n)
		}
	})
}
