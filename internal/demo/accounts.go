package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Account is one demo account and the password to log in with.
type Account struct {
	Role        auth.Role
	Login       string // username, or the mobile number of a citizen or company
	Password    string
	DisplayName string
	Scope       string // name of the org unit the account acts in; empty for public accounts
	Department  string // name of the department a city staff account is limited to
	UserID      int64
	OrgUnitID   int64
}

// generateDepartments is the "departments" step: the bureau's departments
// as the report names them.
func generateDepartments(ctx context.Context, env *Env, _ *rand.Rand) error {
	bar := env.Bar("部门 departments", 1)
	err := env.DB.Tx(ctx, func(tx *db.Tx) error {
		_, err := env.Org.EnsureDefaultDepartments(ctx, tx, system)
		return err
	})
	if err != nil {
		return err
	}
	if env.Departments, err = env.Org.Departments(ctx); err != nil {
		return err
	}
	bar.Finish()
	return nil
}

// generateAccounts is the "accounts" step: at least one account for every
// role, through auth.Service.CreateUser so that each is validated, hashed
// and audited like any other. Every account has its own password (argon2
// makes each ~30 ms, some 0.6 s for all of them).
func generateAccounts(ctx context.Context, env *Env, r *rand.Rand) error {
	specs := accountSpecs(env, r)
	bar := env.Bar("账号 accounts", len(specs))
	used := map[string]bool{} // membership only
	for _, a := range specs {
		a.Password = newPassword(r, used)
		nu := auth.NewUser{Role: a.Role, DisplayName: a.DisplayName, Password: a.Password}
		if a.Role.IsPublic() {
			nu.Mobile = a.Login
		} else {
			nu.Username, nu.OrgUnitID = a.Login, a.OrgUnitID
			nu.DepartmentID = a.departmentID
		}
		u, err := env.Auth.CreateUser(ctx, nu)
		if err != nil {
			return fmt.Errorf("account %s: %w", a.Login, err)
		}
		a.UserID = u.ID
		env.Accounts = append(env.Accounts, a.Account)
		bar.Add(1)
	}
	bar.Finish()
	return nil
}

type accountSpec struct {
	Account
	departmentID int64
}

// accountSpecs lists the demo accounts, in a fixed order. The district
// accounts work in the old town (澜江区) and the east bank (东城区); the
// street and community accounts lie inside the first, so that a demo of
// "staff see their jurisdiction" can log in at each level of one branch.
func accountSpecs(env *Env, r *rand.Rand) []accountSpec {
	c := env.City
	staff := func(role auth.Role, login string, unit Node) accountSpec {
		return accountSpec{Account: Account{Role: role, Login: login, DisplayName: personName(r),
			Scope: unit.Name, OrgUnitID: unit.ID}}
	}
	specs := []accountSpec{
		staff(auth.SystemAdmin, "sysadmin", c.Root),
		staff(auth.SecurityAdmin, "secadmin", c.Root),
		staff(auth.AuditAdmin, "auditor", c.Root),
		staff(auth.Leader, "leader", c.Root),
	}
	for _, d := range env.Departments {
		s := staff(auth.CityStaff, d.Code, c.Root)
		s.Department, s.departmentID = d.Name, d.ID
		specs = append(specs, s)
	}
	district1, district2 := c.Districts[0], c.Districts[1]
	street1 := firstChild(c.Streets, district1.ID)
	community1 := firstChild(c.Communities, street1.ID)
	specs = append(specs,
		staff(auth.DistrictStaff, "district1", district1),
		staff(auth.DistrictStaff, "district2", district2),
		staff(auth.StreetStaff, "street1", street1),
		staff(auth.CommunityStaff, "community1", community1),
	)
	for i := range 3 {
		specs = append(specs, accountSpec{Account: Account{Role: auth.Citizen,
			Login: fmt.Sprintf("138%08d", i+1), DisplayName: personName(r)}})
	}
	words := append([]string(nil), companyWords...)
	r.Shuffle(len(words), func(i, j int) { words[i], words[j] = words[j], words[i] })
	for i := range 2 {
		specs = append(specs, accountSpec{Account: Account{Role: auth.Company,
			Login: fmt.Sprintf("139%08d", i+1), DisplayName: "安澜" + words[i] + "物业服务有限公司"}})
	}
	return specs
}

// firstChild is the first node in nodes under parent (nodes are in code order).
func firstChild(nodes []Node, parent int64) Node {
	for _, n := range nodes {
		if n.ParentID == parent {
			return n
		}
	}
	return Node{}
}

// newPassword makes a password that passes the default policy (10+
// characters, four classes) and is easy to read out at a demo:
// Anju-lotus-4821. Each account gets a different one.
func newPassword(r *rand.Rand, used map[string]bool) string {
	for {
		pw := fmt.Sprintf("Anju-%s-%04d", pick(r, passwordWords), 1000+r.IntN(9000))
		if !used[pw] {
			used[pw] = true
			return pw
		}
	}
}

// roleLabels name the roles in Chinese for the printed table.
var roleLabels = map[auth.Role]string{
	auth.SystemAdmin:    "系统管理员",
	auth.SecurityAdmin:  "安全管理员",
	auth.AuditAdmin:     "审计管理员",
	auth.Leader:         "局领导",
	auth.CityStaff:      "市局工作人员",
	auth.DistrictStaff:  "区工作人员",
	auth.StreetStaff:    "街道工作人员",
	auth.CommunityStaff: "社区工作人员",
	auth.Citizen:        "市民",
	auth.Company:        "企业",
}

// Print writes what was generated and the accounts to log in with, as a
// table aligned for a terminal (Chinese characters are two columns wide).
func (r *Result) Print(w io.Writer) {
	fmt.Fprintf(w, "%s demo city (seed %d, scale %d): %d 区 districts, %d 功能区 zones, %s 街道 streets, "+
		"%s 社区 communities, %s 小区 compounds, %s 楼栋 buildings\n", cityName, r.Seed, r.Scale,
		r.Districts, r.Zones, thousands(r.Streets), thousands(r.Communities), thousands(r.Compounds), thousands(r.Buildings))
	for _, c := range r.Counts {
		fmt.Fprintf(w, "  %s: %s\n", c.Label, thousands(c.N))
	}
	fmt.Fprintln(w)
	rows := [][]string{{"角色 Role", "登录名 Login", "密码 Password", "姓名 Name", "范围 Scope"}}
	for _, a := range r.Accounts {
		scope := a.Scope
		switch {
		case a.Role.IsPublic():
			scope = "公众 public"
		case a.Department != "":
			scope += " · " + a.Department
		}
		rows = append(rows, []string{roleLabels[a.Role] + " " + string(a.Role), a.Login, a.Password, a.DisplayName, scope})
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	for i, row := range rows {
		var b strings.Builder
		for j, cell := range row {
			if j == len(row)-1 {
				b.WriteString(cell)
			} else {
				b.WriteString(padRight(cell, widths[j]+2))
			}
		}
		fmt.Fprintln(w, b.String())
		if i == 0 {
			var rule strings.Builder
			for j, wd := range widths {
				rule.WriteString(strings.Repeat("-", wd))
				if j < len(widths)-1 {
					rule.WriteString("  ")
				}
			}
			fmt.Fprintln(w, rule.String())
		}
	}
	fmt.Fprintf(w, "\n演示账号仅供演示，请勿用于生产环境。Demo accounts are for demonstration only. Generated in %s.\n",
		r.Elapsed.Round(time.Millisecond))
}
