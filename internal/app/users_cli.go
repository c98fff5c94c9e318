package app

import (
	"context"
	"fmt"

	"anju/internal/platform/auth"
	"anju/internal/platform/org"
)

// AddUserCLI creates an account from the command line. Staff accounts work
// in the org unit with code scope (the city when empty).
func (a *App) AddUserCLI(ctx context.Context, role auth.Role, username, mobile, name, scope, dept, password string) (int64, error) {
	p := auth.FromContext(ctx)
	// Whoever ran the command saw the password: its owner must choose their own.
	nu := auth.NewUser{Username: username, Mobile: mobile, DisplayName: name, Role: role, Password: password,
		TemporaryPassword: true}
	if name == "" {
		nu.DisplayName = username + mobile
	}
	if !role.IsPublic() {
		var u org.Unit
		var err error
		if scope == "" {
			var roots []org.Unit
			roots, _, err = a.Org.List(ctx, p, org.Filter{Kind: org.City, Limit: 1})
			if err == nil && len(roots) == 0 {
				err = fmt.Errorf("no city")
			}
			if err == nil {
				u = roots[0]
			}
			if err != nil {
				return 0, fmt.Errorf("the administrative tree is empty: run anju init --city NAME --code CODE first")
			}
		} else if u, err = a.Org.ByCode(ctx, p, scope); err != nil {
			return 0, UsageError("user add: --scope %q: no org unit with that code", scope)
		}
		nu.OrgUnitID, nu.OrgPath = u.ID, u.Path
		if dept != "" {
			d, err := a.Org.DepartmentByCode(ctx, dept)
			if err != nil {
				return 0, UsageError("user add: --dept %q: no department with that code", dept)
			}
			nu.DepartmentID = d.ID
		}
	}
	u, err := a.Auth.CreateUser(ctx, nu)
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}

// SetPasswordCLI sets the password of the account that logs in as login.
func (a *App) SetPasswordCLI(ctx context.Context, login, password string) error {
	u, err := a.Auth.UserByLogin(ctx, login)
	if err != nil {
		return fmt.Errorf("no account logs in as %q", login)
	}
	return a.Auth.SetPassword(ctx, u.ID, password)
}

// DisableCLI disables the account and ends its sessions.
func (a *App) DisableCLI(ctx context.Context, login string) error {
	u, err := a.Auth.UserByLogin(ctx, login)
	if err != nil {
		return fmt.Errorf("no account logs in as %q", login)
	}
	return a.Auth.Disable(ctx, u.ID)
}
