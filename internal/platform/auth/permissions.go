package auth

// Action is something a principal may be allowed to do. Every action and the
// roles that may do it are in the one table below, so the separation of
// duties that 等保 2.0 asks for (system, security and audit administrators,
// none doing another's work or the bureau's business) is read in one place
// and tested as a whole.
type Action string

// Duty groups actions by whose work they are.
type Duty string

const (
	DutySystem    Duty = "system"    // the system administrator's work
	DutySecurity  Duty = "security"  // the security administrator's work
	DutyAudit     Duty = "audit"     // the audit administrator's work
	DutyDirectory Duty = "directory" // reading the account list, which system and security administration both need
	DutyPlatform  Duty = "platform"  // only the server's command line (the platform principal)
	DutyBusiness  Duty = "business"  // the bureau's work in a jurisdiction
	DutyPublic    Duty = "public"    // a citizen's or company's own matters
	DutySelf      Duty = "self"      // what every account does for itself
)

const (
	// System administrator.
	ActManageOrg         Action = "org.manage"
	ActManageDepartments Action = "department.manage"
	ActCreateAccount     Action = "account.create"  // business and public accounts
	ActDisableAccount    Action = "account.disable" // and enable again
	ActManageCalendar    Action = "calendar.manage"
	ActManageTokens      Action = "token.manage"
	ActRunBackup         Action = "backup.run"

	// Security administrator.
	ActEditPasswordPolicy Action = "security.password_policy"
	ActAssignRole         Action = "security.assign_role" // role and jurisdiction
	ActUnlockAccount      Action = "security.unlock"
	ActResetPassword      Action = "security.reset_password"
	ActEndSessions        Action = "security.end_sessions"

	// Audit administrator.
	ActViewAudit   Action = "audit.view"
	ActExportAudit Action = "audit.export"
	ActVerifyAudit Action = "audit.verify"

	// System and security administrators.
	ActViewAccounts Action = "account.view"

	// The platform principal only. Creating, disabling, re-roling or
	// resetting the password of an administrator account is done from the
	// server's command line, so that nothing done through the web gives anyone
	// an administrator's access.
	ActManageAdminAccounts Action = "account.manage_admin"

	// Business work, within the principal's jurisdiction. Modules map their
	// commands onto these; a machine token may carry them as permissions.
	ActViewDashboard Action = "dashboard.view"
	ActViewRecords   Action = "records.view"
	ActEditRecords   Action = "records.edit"
	ActHandleCase    Action = "case.handle"
	ActExportData    Action = "data.export"
	ActPushData      Action = "data.push" // machine feeds (car parks, the 12345 hotline)

	// Citizens and companies.
	ActSubmit  Action = "public.submit"
	ActViewOwn Action = "public.view_own"

	// Every account.
	ActChangeOwnPassword Action = "self.change_password"
)

var (
	staffRoles    = []Role{CommunityStaff, StreetStaff, DistrictStaff, CityStaff}
	staffAndLead  = append(append([]Role{}, staffRoles...), Leader)
	publicRoles   = []Role{Citizen, Company}
	everyAccount  = Roles
	onlyPlatform  = []Role{}
	systemAdmin   = []Role{SystemAdmin}
	securityAdmin = []Role{SecurityAdmin}
	auditAdmin    = []Role{AuditAdmin}
)

// permissionTable is THE table: each action, whose duty it is, and the
// account roles that may do it. Nothing else grants anything.
var permissionTable = []struct {
	Action Action
	Duty   Duty
	Roles  []Role
}{
	{ActManageOrg, DutySystem, systemAdmin},
	{ActManageDepartments, DutySystem, systemAdmin},
	{ActCreateAccount, DutySystem, systemAdmin},
	{ActDisableAccount, DutySystem, systemAdmin},
	{ActManageCalendar, DutySystem, systemAdmin},
	{ActManageTokens, DutySystem, systemAdmin},
	{ActRunBackup, DutySystem, systemAdmin},

	{ActEditPasswordPolicy, DutySecurity, securityAdmin},
	{ActAssignRole, DutySecurity, securityAdmin},
	{ActUnlockAccount, DutySecurity, securityAdmin},
	{ActResetPassword, DutySecurity, securityAdmin},
	{ActEndSessions, DutySecurity, securityAdmin},

	{ActViewAudit, DutyAudit, auditAdmin},
	{ActExportAudit, DutyAudit, auditAdmin},
	{ActVerifyAudit, DutyAudit, auditAdmin},

	{ActViewAccounts, DutyDirectory, []Role{SystemAdmin, SecurityAdmin}},

	{ActManageAdminAccounts, DutyPlatform, onlyPlatform},

	{ActViewDashboard, DutyBusiness, staffAndLead},
	{ActViewRecords, DutyBusiness, staffAndLead},
	{ActEditRecords, DutyBusiness, staffRoles},
	{ActHandleCase, DutyBusiness, staffRoles},
	{ActExportData, DutyBusiness, staffAndLead},
	{ActPushData, DutyBusiness, onlyPlatform}, // machine tokens only, by permission

	{ActSubmit, DutyPublic, publicRoles},
	{ActViewOwn, DutyPublic, publicRoles},

	{ActChangeOwnPassword, DutySelf, everyAccount},
}

type grant struct {
	duty  Duty
	roles map[Role]bool
}

var grants = func() map[Action]grant {
	m := make(map[Action]grant, len(permissionTable))
	for _, row := range permissionTable {
		g := grant{duty: row.Duty, roles: map[Role]bool{}}
		for _, r := range row.Roles {
			g.roles[r] = true
		}
		m[row.Action] = g
	}
	return m
}()

// platformRole is the role of System(): work the platform does by itself, or
// an operator at the server's command line. It is not an account role and
// never comes from a request.
const platformRole = SystemRole

// Can tells whether p may do a. It is the single answer to "may this role do
// this"; whether the object lies in p's jurisdiction is asked separately
// (InScope / ScopeSQL), and CanManage adds the rules about accounts.
//
//   - The platform principal may do everything.
//   - A machine token may do business actions it carries as permissions, and
//     nothing else whatever its permission list says.
//   - An account may do what the table grants its role; an unknown action is
//     refused.
func Can(p *Principal, a Action) bool {
	if p == nil {
		return false
	}
	g, known := grants[a]
	if !known {
		return false
	}
	switch {
	case p.Role == platformRole && p.UserID == 0 && p.TokenID == 0:
		return true
	case p.Role == Machine:
		return p.TokenID != 0 && g.duty == DutyBusiness && p.HasPermission(string(a))
	case p.UserID == 0:
		return false
	}
	return g.roles[p.Role]
}

// Actions lists every action, in table order (for documentation pages and tests).
func Actions() []Action {
	out := make([]Action, len(permissionTable))
	for i, row := range permissionTable {
		out[i] = row.Action
	}
	return out
}

// DutyOf tells whose work a is ("" for an unknown action).
func DutyOf(a Action) Duty { return grants[a].duty }

// Allowed lists the actions an account of role may do, in table order: what
// the role's home page offers.
func Allowed(role Role) []Action {
	var out []Action
	for _, row := range permissionTable {
		if grants[row.Action].roles[role] {
			out = append(out, row.Action)
		}
	}
	return out
}

// AdminDuty is the duty of an administrator role, "" for other roles.
func AdminDuty(role Role) Duty {
	switch role {
	case SystemAdmin:
		return DutySystem
	case SecurityAdmin:
		return DutySecurity
	case AuditAdmin:
		return DutyAudit
	}
	return ""
}

// adminTargetNeedsPlatform are the account actions that, done to an
// administrator account, would hand someone an administrator's access.
var adminTargetNeedsPlatform = map[Action]bool{
	ActCreateAccount:  true,
	ActDisableAccount: true,
	ActAssignRole:     true,
	ActResetPassword:  true,
}

// CanManage tells whether p may do a (an account action) to the account
// target: Can(p, a), the account lies in p's jurisdiction, it is not p's own
// (no one unlocks themselves, changes their own role or disables themselves),
// and an administrator account is created, disabled, re-roled or reset only
// by the platform principal. Unlocking an administrator or ending their
// sessions gives no one access, so the security administrator may.
func CanManage(p *Principal, a Action, target User) bool {
	if !Can(p, a) {
		return false
	}
	if p.UserID != 0 && p.UserID == target.ID {
		return false
	}
	if target.Role.IsAdmin() && adminTargetNeedsPlatform[a] && !Can(p, ActManageAdminAccounts) {
		return false
	}
	return p.InScope(target.OrgPath)
}
