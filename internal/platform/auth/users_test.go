package auth_test

import (
	"errors"
	"strings"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

func TestMaskMobile(t *testing.T) {
	for in, want := range map[string]string{"13812341234": "138****1234", "": "", "12345": "****"} {
		if got := auth.MaskMobile(in); got != want {
			t.Errorf("MaskMobile(%q) = %q, want %q", in, got, want)
		}
	}
	u := auth.User{ID: 7, DisplayName: "王五", Role: auth.Citizen, Mobile: "13812341234"}
	if s := u.String(); strings.Contains(s, "13812341234") || !strings.Contains(s, "138****1234") {
		t.Errorf("String() = %q shows the full mobile", s)
	}
}

func TestCreateUserValidation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := e.as(e.sysAdmin)
		staff := func(mod func(*auth.NewUser)) error {
			nu := auth.NewUser{Username: "zhang.san", DisplayName: "张三", Role: auth.CommunityStaff,
				OrgUnitID: 4, Password: testPassword}
			mod(&nu)
			_, err := e.svc.CreateUser(ctx, nu)
			return err
		}
		wantField(t, staff(func(n *auth.NewUser) { n.Username = "" }), "username", "required")
		wantField(t, staff(func(n *auth.NewUser) { n.Username = "张三" }), "username", "invalid")
		wantField(t, staff(func(n *auth.NewUser) { n.Username = "ab" }), "username", "invalid")
		wantField(t, staff(func(n *auth.NewUser) { n.OrgUnitID = 0 }), "org_unit_id", "required")
		wantField(t, staff(func(n *auth.NewUser) { n.OrgUnitID = 99 }), "org_unit_id", "not_found")
		wantField(t, staff(func(n *auth.NewUser) { n.OrgPath = "/1/" }), "org_unit_id", "mismatch")
		wantField(t, staff(func(n *auth.NewUser) { n.DepartmentID = 9 }), "department_id", "not_found")
		wantField(t, staff(func(n *auth.NewUser) { n.Role = "boss" }), "role", "invalid")
		wantField(t, staff(func(n *auth.NewUser) { n.DisplayName = " " }), "display_name", "required")
		wantField(t, staff(func(n *auth.NewUser) { n.Mobile = "12812341234" }), "mobile", "invalid")
		wantField(t, staff(func(n *auth.NewUser) { n.Password = "zhang.san" }), "password", "too_short")

		// Usernames are case-folded; the second ZHANG.SAN is the same name.
		u, err := e.svc.CreateUser(ctx, auth.NewUser{Username: " Zhang.San ", DisplayName: "张三",
			Role: auth.CommunityStaff, OrgUnitID: 4, DepartmentID: 1, Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "zhang.san" || u.OrgPath != "/1/2/4/" || u.Kind != "staff" || u.ID == 0 {
			t.Fatalf("created %+v", u)
		}
		if r, _ := e.audit.last("user.create"); r.Result != "ok" || r.ActorID != e.sysAdmin.ID || r.OrgPath != "/1/2/4/" {
			t.Fatalf("audit %+v", r)
		}
		wantField(t, staff(func(n *auth.NewUser) { n.Username = "ZHANG.SAN" }), "username", "taken")

		// Citizens: mobile required and valid (+86 and spaces are tidied), no username, no unit.
		pub := func(mod func(*auth.NewUser)) (auth.User, error) {
			nu := auth.NewUser{Mobile: "+86 138 1234 1234", DisplayName: "王五", Role: auth.Citizen, Password: testPassword}
			mod(&nu)
			return e.svc.CreateUser(ctx, nu)
		}
		_, err = pub(func(n *auth.NewUser) { n.Mobile = "" })
		wantField(t, err, "mobile", "required")
		_, err = pub(func(n *auth.NewUser) { n.Mobile = "1381234123" })
		wantField(t, err, "mobile", "invalid")
		_, err = pub(func(n *auth.NewUser) { n.Username = "wangwu" })
		wantField(t, err, "username", "not_allowed")
		_, err = pub(func(n *auth.NewUser) { n.OrgUnitID = 2 })
		wantField(t, err, "org_unit_id", "not_allowed")
		c, err := pub(func(*auth.NewUser) {})
		if err != nil {
			t.Fatal(err)
		}
		if c.Mobile != "13812341234" || c.Kind != "public" || c.OrgPath != "/1/" {
			t.Fatalf("citizen %+v", c)
		}
		_, err = pub(func(n *auth.NewUser) { n.Role = auth.Company })
		wantField(t, err, "mobile", "taken")
	})
}

func TestCreateUserAuthority(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		district := e.create(t, e.platform(), auth.NewUser{Username: "sys.d2", DisplayName: "区系统管理员",
			Role: auth.SystemAdmin, OrgUnitID: 2})
		nu := auth.NewUser{Username: "staff.d3", DisplayName: "员工", Role: auth.DistrictStaff, OrgUnitID: 3,
			Password: testPassword}
		// A district's system administrator works in that district only.
		_, err := e.svc.CreateUser(e.as(district), nu)
		wantErr(t, err, auth.ErrForbidden)
		// Administrator accounts come from the command line, not the web.
		admin := nu
		admin.Role, admin.OrgUnitID = auth.AuditAdmin, 1
		_, err = e.svc.CreateUser(e.as(e.sysAdmin), admin)
		wantErr(t, err, auth.ErrForbidden)
		// The other administrators and business roles create no accounts.
		staff := e.create(t, e.as(e.sysAdmin), auth.NewUser{Username: "city.staff", DisplayName: "市员工",
			Role: auth.CityStaff, OrgUnitID: 1})
		for _, u := range []auth.User{e.secAdmin, e.auditAdmin, staff} {
			_, err := e.svc.CreateUser(e.as(u), nu)
			wantErr(t, err, auth.ErrForbidden)
		}
		if n := e.audit.count("user.create", "refused"); n != 5 {
			t.Fatalf("%d refused creations audited, want 5", n)
		}
		if _, err := e.svc.CreateUser(e.as(e.sysAdmin), nu); err != nil {
			t.Fatal(err)
		}
	})
}

func TestGetAndListUsersScoped(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := e.as(e.sysAdmin)
		inD2 := e.create(t, ctx, auth.NewUser{Username: "a.d2", DisplayName: "甲", Role: auth.StreetStaff,
			OrgUnitID: 4, Mobile: "13900001111"})
		inD3 := e.create(t, ctx, auth.NewUser{Username: "b.d3", DisplayName: "乙", Role: auth.DistrictStaff, OrgUnitID: 3})
		secD2 := e.create(t, e.platform(), auth.NewUser{Username: "sec.d2", DisplayName: "区安全管理员",
			Role: auth.SecurityAdmin, OrgUnitID: 2})
		p := e.principal(secD2)

		if _, err := e.svc.GetUser(ctx, p, inD2.ID); err != nil {
			t.Fatalf("in scope: %v", err)
		}
		_, err := e.svc.GetUser(ctx, p, inD3.ID)
		wantErr(t, err, db.ErrNotFound) // outside scope looks like missing
		_, err = e.svc.GetUser(ctx, p, 9999)
		wantErr(t, err, db.ErrNotFound)
		// Staff see their own account, nobody else's.
		self, err := e.svc.GetUser(ctx, e.principal(inD3), inD3.ID)
		if err != nil || self.Username != "b.d3" {
			t.Fatalf("own account: %v", err)
		}
		_, err = e.svc.GetUser(ctx, e.principal(inD3), inD2.ID)
		wantErr(t, err, auth.ErrForbidden)

		list, total, err := e.svc.ListUsers(ctx, p, auth.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || len(list) != 2 { // a.d2 and sec.d2
			t.Fatalf("district list: total %d, %v", total, list)
		}
		for _, u := range list {
			if u.Username == "a.d2" && u.Mobile != "139****1111" {
				t.Fatalf("list shows mobile %q unmasked", u.Mobile)
			}
		}
		all, total, err := e.svc.ListUsers(ctx, e.principal(e.sysAdmin), auth.UserFilter{Limit: 2})
		if err != nil || total != 6 || len(all) != 2 {
			t.Fatalf("city list: total %d len %d err %v", total, len(all), err)
		}
		found, _, _ := e.svc.ListUsers(ctx, e.principal(e.sysAdmin), auth.UserFilter{Search: "139 0000 1111"})
		if len(found) != 1 || found[0].ID != inD2.ID {
			t.Fatalf("search by whole mobile: %v", found)
		}
		found, _, _ = e.svc.ListUsers(ctx, e.principal(e.sysAdmin), auth.UserFilter{Search: "0000"})
		if len(found) != 0 {
			t.Fatalf("a partial number must not match a mobile: %v", found)
		}
		found, _, _ = e.svc.ListUsers(ctx, e.principal(e.sysAdmin), auth.UserFilter{Search: "ADMIN", Role: auth.SecurityAdmin})
		if len(found) != 1 || found[0].ID != e.secAdmin.ID {
			t.Fatalf("search by name and role: %v", found)
		}
		_, _, err = e.svc.ListUsers(ctx, e.principal(e.auditAdmin), auth.UserFilter{})
		wantErr(t, err, auth.ErrForbidden)
	})
}

func TestAccountAdministration(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		staff := e.create(t, e.as(e.sysAdmin), auth.NewUser{Username: "staff", DisplayName: "员工",
			Role: auth.StreetStaff, OrgUnitID: 4})
		sec := e.as(e.secAdmin)

		// Security administrator: role and scope, but never their own.
		if err := e.svc.SetRoleAndScope(sec, staff.ID, auth.DistrictStaff, 3, 1); err != nil {
			t.Fatal(err)
		}
		got, _ := e.svc.GetUser(sec, e.principal(e.secAdmin), staff.ID)
		if got.Role != auth.DistrictStaff || got.OrgPath != "/1/3/" || got.DepartmentID != 1 {
			t.Fatalf("after SetRoleAndScope: %+v", got)
		}
		wantErr(t, e.svc.SetRoleAndScope(sec, e.secAdmin.ID, auth.SecurityAdmin, 2, 0), auth.ErrForbidden)
		// No one is made an administrator through the web.
		wantErr(t, e.svc.SetRoleAndScope(sec, staff.ID, auth.SystemAdmin, 1, 0), auth.ErrForbidden)
		wantField(t, e.svc.SetRoleAndScope(sec, staff.ID, auth.Citizen, 0, 0), "role", "kind_change")
		// The system administrator does not assign roles.
		wantErr(t, e.svc.SetRoleAndScope(e.as(e.sysAdmin), staff.ID, auth.CityStaff, 1, 0), auth.ErrForbidden)

		// Reset: a temporary password, so the owner must change it.
		if err := e.svc.SetPassword(sec, staff.ID, "Temp-Pass-001"); err != nil {
			t.Fatal(err)
		}
		st, err := e.svc.Authenticate(e.platform(), auth.LoginInput{Identifier: "staff", Password: "Temp-Pass-001"})
		if err != nil || !st.MustChangePassword {
			t.Fatalf("after reset: must change = %v, err %v", st.MustChangePassword, err)
		}
		wantErr(t, e.svc.SetPassword(sec, e.secAdmin.ID, "Temp-Pass-002"), auth.ErrForbidden)
		wantErr(t, e.svc.SetPassword(sec, e.sysAdmin.ID, "Temp-Pass-002"), auth.ErrForbidden)
		wantField(t, e.svc.SetPassword(sec, staff.ID, "short"), "password", "too_short")
		wantErr(t, e.svc.SetPassword(e.as(e.sysAdmin), staff.ID, "Temp-Pass-002"), auth.ErrForbidden)

		// Disable / enable: the system administrator, business accounts only.
		wantErr(t, e.svc.Disable(sec, staff.ID), auth.ErrForbidden)
		wantErr(t, e.svc.Disable(e.as(e.sysAdmin), e.sysAdmin.ID), auth.ErrForbidden)
		wantErr(t, e.svc.Disable(e.as(e.sysAdmin), e.auditAdmin.ID), auth.ErrForbidden)
		if err := e.svc.Disable(e.platform(), e.auditAdmin.ID); err != nil {
			t.Fatal(err) // the command line may
		}
		if err := e.svc.Enable(e.platform(), e.auditAdmin.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Disable(e.as(e.sysAdmin), 12345); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("disable missing account: %v", err)
		}
	})
}
