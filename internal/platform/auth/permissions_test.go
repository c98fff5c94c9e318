package auth_test

import (
	"testing"

	"anju/internal/platform/auth"
)

// expected is the separation of duties written out independently of the
// table in permissions.go: for each action, the account roles that may do it.
// Letters: c citizen, o company, m community, s street, d district, y city
// staff, L leader, S system admin, X security admin, A audit admin.
var expected = map[auth.Action]string{
	auth.ActManageOrg:         "S",
	auth.ActManageDepartments: "S",
	auth.ActCreateAccount:     "S",
	auth.ActDisableAccount:    "S",
	auth.ActManageCalendar:    "S",
	auth.ActManageTokens:      "S",
	auth.ActRunBackup:         "S",

	auth.ActEditPasswordPolicy: "X",
	auth.ActAssignRole:         "X",
	auth.ActUnlockAccount:      "X",
	auth.ActResetPassword:      "X",
	auth.ActEndSessions:        "X",

	auth.ActViewAudit:   "A",
	auth.ActExportAudit: "A",
	auth.ActVerifyAudit: "A",

	auth.ActViewAccounts:        "SX",
	auth.ActManageAdminAccounts: "",

	auth.ActViewDashboard: "msdyL",
	auth.ActViewRecords:   "msdyL",
	auth.ActEditRecords:   "msdy",
	auth.ActHandleCase:    "msdy",
	auth.ActExportData:    "msdyL",
	auth.ActPushData:      "",

	auth.ActSubmit:  "co",
	auth.ActViewOwn: "co",

	auth.ActChangeOwnPassword: "comsdyLSXA",
}

var letter = map[auth.Role]byte{
	auth.Citizen: 'c', auth.Company: 'o', auth.CommunityStaff: 'm', auth.StreetStaff: 's',
	auth.DistrictStaff: 'd', auth.CityStaff: 'y', auth.Leader: 'L',
	auth.SystemAdmin: 'S', auth.SecurityAdmin: 'X', auth.AuditAdmin: 'A',
}

func account(r auth.Role) *auth.Principal {
	return &auth.Principal{UserID: 1, Role: r, OrgPath: "/1/"}
}

func TestCanEveryRoleEveryAction(t *testing.T) {
	if len(expected) != len(auth.Actions()) {
		t.Fatalf("the test covers %d actions, the table has %d: add the new ones here", len(expected), len(auth.Actions()))
	}
	for _, a := range auth.Actions() {
		want, ok := expected[a]
		if !ok {
			t.Errorf("action %s has no expectation", a)
			continue
		}
		for _, r := range auth.Roles {
			allowed := false
			for i := 0; i < len(want); i++ {
				allowed = allowed || want[i] == letter[r]
			}
			if got := auth.Can(account(r), a); got != allowed {
				t.Errorf("Can(%s, %s) = %v, want %v", r, a, got, allowed)
			}
		}
	}
}

// The separation of duties as rules rather than a list.
func TestSeparationOfDuties(t *testing.T) {
	// The brief's named duties are classed as whose they are.
	for duty, acts := range map[auth.Duty][]auth.Action{
		auth.DutySystem: {auth.ActManageOrg, auth.ActManageDepartments, auth.ActCreateAccount, auth.ActDisableAccount,
			auth.ActManageCalendar, auth.ActManageTokens, auth.ActRunBackup},
		auth.DutySecurity: {auth.ActEditPasswordPolicy, auth.ActAssignRole, auth.ActUnlockAccount,
			auth.ActResetPassword, auth.ActEndSessions},
		auth.DutyAudit: {auth.ActViewAudit, auth.ActExportAudit, auth.ActVerifyAudit},
	} {
		for _, a := range acts {
			if auth.DutyOf(a) != duty {
				t.Errorf("%s is classed %q, want %q", a, auth.DutyOf(a), duty)
			}
		}
	}
	admins := []auth.Role{auth.SystemAdmin, auth.SecurityAdmin, auth.AuditAdmin}
	for _, a := range auth.Actions() {
		d := auth.DutyOf(a)
		for _, r := range admins {
			can := auth.Can(account(r), a)
			switch d {
			case auth.DutySystem, auth.DutySecurity, auth.DutyAudit:
				// Each administrator does all of its own kind and none of the others'.
				if can != (d == auth.AdminDuty(r)) {
					t.Errorf("%s on %s action %s: %v", r, d, a, can)
				}
			case auth.DutyBusiness, auth.DutyPublic, auth.DutyPlatform:
				if can {
					t.Errorf("administrator %s may do %s work: %s", r, d, a)
				}
			}
		}
		for _, r := range auth.Roles {
			if r.IsAdmin() {
				continue
			}
			// Business and public roles do no administration at all.
			if d != auth.DutyBusiness && d != auth.DutyPublic && d != auth.DutySelf && auth.Can(account(r), a) {
				t.Errorf("%s may do administrative action %s", r, a)
			}
		}
		// The platform principal may do everything; strangers nothing.
		if !auth.Can(auth.System("cli"), a) {
			t.Errorf("platform principal may not %s", a)
		}
		for _, p := range []*auth.Principal{nil, {}, {Role: auth.SystemAdmin}, {Role: "system", UserID: 5}} {
			if auth.Can(p, a) {
				t.Errorf("principal %+v may %s", p, a)
			}
		}
		// A machine token carrying every action may still do business work only.
		all := make([]string, 0)
		for _, x := range auth.Actions() {
			all = append(all, string(x))
		}
		m := &auth.Principal{TokenID: 1, Role: auth.Machine, Permissions: all, OrgPath: "/1/"}
		if auth.Can(m, a) != (d == auth.DutyBusiness) {
			t.Errorf("machine on %s (%s): %v", a, d, auth.Can(m, a))
		}
	}
	if auth.Can(account(auth.Leader), auth.ActEditRecords) || !auth.Can(account(auth.Leader), auth.ActViewDashboard) {
		t.Error("a leader reads everything in scope and edits nothing")
	}
	if got := auth.Allowed(auth.AuditAdmin); len(got) != 4 {
		t.Errorf("Allowed(audit_admin) = %v", got)
	}
}

// No one acts on their own account, and administrator accounts are not
// created, disabled, re-roled or reset through the web.
func TestCanManage(t *testing.T) {
	sec := &auth.Principal{UserID: 10, Role: auth.SecurityAdmin, OrgPath: "/1/"}
	sys := &auth.Principal{UserID: 11, Role: auth.SystemAdmin, OrgPath: "/1/2/"}
	self := auth.User{ID: 10, Role: auth.SecurityAdmin, OrgPath: "/1/"}
	sysUser := auth.User{ID: 11, Role: auth.SystemAdmin, OrgPath: "/1/"}
	staffIn := auth.User{ID: 20, Role: auth.StreetStaff, OrgPath: "/1/2/4/"}
	staffOut := auth.User{ID: 21, Role: auth.StreetStaff, OrgPath: "/1/3/"}
	for _, tc := range []struct {
		p      *auth.Principal
		a      auth.Action
		target auth.User
		want   bool
	}{
		{sec, auth.ActUnlockAccount, self, false},
		{sec, auth.ActAssignRole, self, false},
		{sec, auth.ActEndSessions, self, false},
		{sec, auth.ActUnlockAccount, sysUser, true},
		{sec, auth.ActEndSessions, sysUser, true},
		{sec, auth.ActResetPassword, sysUser, false},
		{sec, auth.ActAssignRole, sysUser, false},
		{sec, auth.ActResetPassword, staffIn, true},
		{sys, auth.ActDisableAccount, staffIn, true},
		{sys, auth.ActDisableAccount, staffOut, false}, // outside the district
		{sys, auth.ActDisableAccount, self, false},     // an administrator account
		{sys, auth.ActUnlockAccount, staffIn, false},   // not the system administrator's duty
		{auth.System("cli"), auth.ActDisableAccount, sysUser, true},
	} {
		if got := auth.CanManage(tc.p, tc.a, tc.target); got != tc.want {
			t.Errorf("CanManage(%s#%d, %s, #%d %s) = %v, want %v", tc.p.Role, tc.p.UserID, tc.a, tc.target.ID,
				tc.target.Role, got, tc.want)
		}
	}
}
