package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/db"
)

// User is one account. The password hash never leaves the package.
type User struct {
	ID                int64
	Kind              string // "staff" (login by username) or "public" (login by mobile)
	Username          string
	Mobile            string
	DisplayName       string
	Role              Role
	OrgUnitID         int64
	OrgPath           string
	DepartmentID      int64
	PasswordChangedAt time.Time
	FailedLogins      int
	LockedUntil       time.Time // zero when not locked
	Disabled          bool
	CreatedAt         time.Time
	UpdatedAt         time.Time

	passwordHash string
}

// LoginName is what the account logs in with: the username, or for public
// accounts the mobile number.
func (u User) LoginName() string {
	if u.Username != "" {
		return u.Username
	}
	return u.Mobile
}

// Locked tells whether the account is locked at now.
func (u User) Locked(now time.Time) bool { return now.Before(u.LockedUntil) }

// String shows the account with its mobile masked, for logs and messages.
func (u User) String() string {
	s := fmt.Sprintf("#%d %s (%s)", u.ID, u.DisplayName, u.Role)
	if u.Username != "" {
		s += " " + u.Username
	}
	if u.Mobile != "" {
		s += " " + MaskMobile(u.Mobile)
	}
	return s
}

// LogValue keeps the full mobile number out of structured logs.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("id", u.ID), slog.String("username", u.Username),
		slog.String("mobile", MaskMobile(u.Mobile)), slog.String("role", string(u.Role)))
}

// MaskMobile hides the middle of a phone number: 13812341234 → 138****1234.
func MaskMobile(m string) string {
	if m == "" {
		return ""
	}
	if len(m) < 7 {
		return "****"
	}
	return m[:3] + "****" + m[len(m)-4:]
}

// NewUser is the input of CreateUser.
type NewUser struct {
	Username     string // staff roles: [a-z0-9_.-]{3,32}; public roles: empty
	Mobile       string // public roles: required; staff: optional
	DisplayName  string
	Role         Role
	OrgUnitID    int64  // staff roles: required; public roles: 0
	OrgPath      string // optional; when given it must be the unit's path
	DepartmentID int64  // 0 = all departments of the scope
	Password     string
	// TemporaryPassword: an administrator hands this password out, so the
	// owner must choose their own at first login.
	TemporaryPassword bool
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Search   string // part of a username or display name, or a whole mobile number
	Role     Role
	Disabled *bool
	Limit    int // default 50, at most 500
	Offset   int
}

// ValidUsername tells whether s is a well-formed username.
func ValidUsername(s string) bool {
	if len(s) < 3 || len(s) > 32 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// NormalizeMobile strips what people type around a mainland mobile number
// (spaces, hyphens, a +86 prefix).
func NormalizeMobile(s string) string {
	s = strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "+86")
	if len(s) == 13 && strings.HasPrefix(s, "86") {
		s = s[2:]
	}
	return s
}

// ValidMobile tells whether s is a mainland mobile number: 11 digits, 1[3-9]….
func ValidMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func normUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validateDisplayName(name string) []FieldError {
	n := len([]rune(name))
	switch {
	case n == 0:
		return []FieldError{fieldErr("display_name", "required", "请输入姓名或名称", "Name is required")}
	case n > 64:
		return []FieldError{fieldErr("display_name", "too_long", "姓名或名称不能超过 64 个字", "Name must be at most 64 characters")}
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return []FieldError{fieldErr("display_name", "invalid", "姓名或名称含有无效字符", "Name contains invalid characters")}
		}
	}
	return nil
}

func validateMobile(m string, required bool) []FieldError {
	if m == "" {
		if required {
			return []FieldError{fieldErr("mobile", "required", "请输入手机号", "Mobile number is required")}
		}
		return nil
	}
	if !ValidMobile(m) {
		return []FieldError{fieldErr("mobile", "invalid", "手机号须为 1 开头的 11 位数字（第二位 3–9）",
			"Mobile number must be 11 digits starting with 13–19")}
	}
	return nil
}

var (
	errUsernameTaken = fieldErr("username", "taken", "该用户名已被使用", "This username is already taken")
	errMobileTaken   = fieldErr("mobile", "taken", "该手机号已注册", "This mobile number is already registered")
)

const userCols = `id, kind, username, mobile, display_name, role, org_unit_id, org_path, department_id,
	password_hash, password_changed_at, failed_logins, locked_until, disabled, created_at, updated_at`

// userColsOf is userCols qualified by a table alias, for joins.
func userColsOf(alias string) string {
	parts := strings.Split(userCols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner, extra ...any) (User, error) {
	var u User
	var username, mobile sql.NullString
	var orgUnit, dept sql.NullInt64
	var locked sql.NullTime
	var disabled int64
	dest := []any{&u.ID, &u.Kind, &username, &mobile, &u.DisplayName, &u.Role, &orgUnit, &u.OrgPath, &dept,
		&u.passwordHash, &u.PasswordChangedAt, &u.FailedLogins, &locked, &disabled, &u.CreatedAt, &u.UpdatedAt}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return u, db.ErrNotFound
		}
		return u, err
	}
	u.Username, u.Mobile = username.String, mobile.String
	u.OrgUnitID, u.DepartmentID = orgUnit.Int64, dept.Int64
	if locked.Valid {
		u.LockedUntil = locked.Time.UTC()
	}
	u.Disabled = disabled != 0
	u.PasswordChangedAt = u.PasswordChangedAt.UTC()
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

// loadUser reads account id if it lies in p's scope; db.ErrNotFound otherwise.
func loadUser(ctx context.Context, q db.Querier, p *Principal, id int64) (User, error) {
	scope, args := p.ScopeSQL("org_path")
	return scanUser(q.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ? AND `+scope,
		append([]any{id}, args...)...))
}

// loadUserByLogin finds the account a login identifier names: a mobile
// number if it looks like one, a username otherwise.
func loadUserByLogin(ctx context.Context, q db.Querier, ident string) (User, error) {
	if m := NormalizeMobile(ident); ValidMobile(m) {
		return scanUser(q.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE mobile = ?`, m))
	}
	return scanUser(q.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE username = ?`, normUsername(ident)))
}

// orgPathOf returns the path of org unit id; the path is taken from the tree,
// never from the caller, so a scope cannot be widened by a forged path.
func orgPathOf(ctx context.Context, q db.Querier, id int64) (string, error) {
	var path string
	err := q.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, id).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", db.ErrNotFound
	}
	return path, err
}

// publicOrgPath is where citizen and company accounts are filed.
func (s *Service) publicOrgPath(ctx context.Context, q db.Querier) (string, error) {
	if s.PublicOrgPath != "" {
		return s.PublicOrgPath, nil
	}
	var path string
	err := q.QueryRow(ctx, `SELECT path FROM org_units WHERE parent_id IS NULL ORDER BY id LIMIT 1`).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "/", nil
	}
	return path, err
}

// checkPlacement validates and resolves a role's org unit and department,
// returning the org_path to store.
func (s *Service) checkPlacement(ctx context.Context, q db.Querier, role Role, orgUnitID int64, orgPath string, deptID int64) (string, []FieldError) {
	var es []FieldError
	var path string
	switch {
	case !role.Valid():
		return "", []FieldError{fieldErr("role", "invalid", "请选择有效的角色", "Choose a valid role")}
	case role.IsPublic():
		if orgUnitID != 0 || deptID != 0 {
			es = append(es, fieldErr("org_unit_id", "not_allowed", "公众账号不属于任何单位或部门",
				"A public account belongs to no organisational unit or department"))
		}
		p, err := s.publicOrgPath(ctx, q)
		if err != nil {
			return "", append(es, fieldErr("org_unit_id", "error", "读取单位失败", "Could not read the organisational tree"))
		}
		path = p
	case orgUnitID == 0:
		es = append(es, fieldErr("org_unit_id", "required", "工作人员账号须指定所属单位",
			"A staff account needs an organisational unit"))
	default:
		p, err := orgPathOf(ctx, q, orgUnitID)
		switch {
		case errors.Is(err, db.ErrNotFound):
			es = append(es, fieldErr("org_unit_id", "not_found", "所选单位不存在", "The organisational unit does not exist"))
		case err != nil:
			es = append(es, fieldErr("org_unit_id", "error", "读取单位失败", "Could not read the organisational tree"))
		case orgPath != "" && orgPath != p:
			es = append(es, fieldErr("org_unit_id", "mismatch", "单位与其路径不一致",
				"The organisational unit does not match its path"))
		default:
			path = p
		}
	}
	if deptID != 0 && !role.IsPublic() {
		var one int
		if err := q.QueryRow(ctx, `SELECT 1 FROM departments WHERE id = ?`, deptID).Scan(&one); err != nil {
			es = append(es, fieldErr("department_id", "not_found", "所选部门不存在", "The department does not exist"))
		}
	}
	return path, es
}

// CreateUser opens an account. The system administrator creates business
// and public accounts within their jurisdiction; administrator accounts are
// created from the command line (the platform principal). Invalid input
// comes back as FieldErrors naming each field.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	actor := FromContext(ctx)
	if !Can(actor, ActCreateAccount) {
		return User{}, s.refuse(ctx, "user.create", "user", "", "", ErrForbidden)
	}
	u := User{
		Username:    normUsername(nu.Username),
		Mobile:      NormalizeMobile(nu.Mobile),
		DisplayName: strings.TrimSpace(nu.DisplayName),
		Role:        nu.Role,
		OrgUnitID:   nu.OrgUnitID,
	}
	var es FieldErrors
	if u.Role.Valid() {
		u.Kind = u.Role.AccountKind()
		if u.Role.IsPublic() {
			if u.Username != "" {
				es = append(es, fieldErr("username", "not_allowed", "公众账号使用手机号登录，不设用户名",
					"Public accounts log in by mobile number and have no username"))
			}
		} else {
			u.DepartmentID = nu.DepartmentID
			switch {
			case u.Username == "":
				es = append(es, fieldErr("username", "required", "请输入用户名", "Username is required"))
			case !ValidUsername(u.Username):
				es = append(es, fieldErr("username", "invalid", "用户名须为 3–32 位小写字母、数字或 _ . -",
					"Username must be 3–32 lowercase letters, digits, or _ . -"))
			}
		}
	}
	es = append(es, validateMobile(u.Mobile, u.Role.IsPublic())...)
	es = append(es, validateDisplayName(u.DisplayName)...)
	path, pes := s.checkPlacement(ctx, s.DB, u.Role, nu.OrgUnitID, nu.OrgPath, nu.DepartmentID)
	es = append(es, pes...)
	u.OrgPath = path
	pol, err := s.policy(ctx)
	if err != nil {
		return User{}, err
	}
	es = append(es, pol.Validate(nu.Password, u.Username, u.Mobile)...)
	if len(es) > 0 {
		return User{}, es
	}
	if !CanManage(actor, ActCreateAccount, u) {
		return User{}, s.refuse(ctx, "user.create", "user", "",
			fmt.Sprintf("role %s at %s not allowed", u.Role, u.OrgPath), ErrForbidden)
	}
	hash, err := s.hashPassword(ctx, nu.Password)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = now, now, now
	if nu.TemporaryPassword {
		u.PasswordChangedAt = mustChangeMark
	}
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		if err := s.insertUser(ctx, tx, &u, hash); err != nil {
			return err
		}
		return s.audit(ctx, tx, "user.create", "user", strconv.FormatInt(u.ID, 10), resultOK, u.String(), u.OrgPath)
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// insertUser stores u, naming the field when the username or mobile is taken.
func (s *Service) insertUser(ctx context.Context, tx *db.Tx, u *User, hash string) error {
	var es FieldErrors
	var one int
	if u.Username != "" && tx.QueryRow(ctx, `SELECT 1 FROM users WHERE username = ?`, u.Username).Scan(&one) == nil {
		es = append(es, errUsernameTaken)
	}
	if u.Mobile != "" && tx.QueryRow(ctx, `SELECT 1 FROM users WHERE mobile = ?`, u.Mobile).Scan(&one) == nil {
		es = append(es, errMobileTaken)
	}
	if len(es) > 0 {
		return es
	}
	err := tx.QueryRow(ctx, `INSERT INTO users (kind, username, mobile, display_name, role, org_unit_id, org_path,
		department_id, password_hash, password_changed_at, failed_logins, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?) RETURNING id`,
		u.Kind, nullString(u.Username), nullString(u.Mobile), u.DisplayName, string(u.Role), nullID(u.OrgUnitID),
		u.OrgPath, nullID(u.DepartmentID), hash, u.PasswordChangedAt, u.CreatedAt, u.UpdatedAt).Scan(&u.ID)
	if db.IsUniqueViolation(err) {
		// Lost a race with another insert of the same name since the check above.
		if strings.Contains(err.Error(), "mobile") {
			return FieldErrors{errMobileTaken}
		}
		return FieldErrors{errUsernameTaken}
	}
	return err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// GetUser returns account id as p may see it: p's own account, or one in p's
// jurisdiction when p administers accounts. Missing and out-of-scope look the
// same (db.ErrNotFound).
func (s *Service) GetUser(ctx context.Context, p *Principal, id int64) (User, error) {
	if p == nil {
		return User{}, db.ErrNotFound
	}
	if p.UserID == id && p.UserID != 0 {
		return scanUser(s.DB.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	}
	if !Can(p, ActViewAccounts) {
		return User{}, ErrForbidden
	}
	return loadUser(ctx, s.DB, p, id)
}

// ListUsers returns one page of the accounts in p's jurisdiction, mobiles
// masked, and the total that match.
func (s *Service) ListUsers(ctx context.Context, p *Principal, f UserFilter) ([]User, int, error) {
	if !Can(p, ActViewAccounts) {
		return nil, 0, ErrForbidden
	}
	scope, args := p.ScopeSQL("org_path")
	where := []string{scope}
	if q := strings.TrimSpace(f.Search); q != "" {
		if m := NormalizeMobile(q); ValidMobile(m) {
			// A whole number only: a substring search would let the list
			// reveal masked digits one query at a time.
			where = append(where, "mobile = ?")
			args = append(args, m)
		} else {
			like := s.DB.Dialect.ILike()
			where = append(where, "(username "+like+" ? ESCAPE '\\' OR display_name "+like+" ? ESCAPE '\\')")
			pat := "%" + db.EscapeLike(q) + "%"
			args = append(args, pat, pat)
		}
	}
	if f.Role != "" {
		where = append(where, "role = ?")
		args = append(args, string(f.Role))
	}
	if f.Disabled != nil {
		where = append(where, "disabled = ?")
		args = append(args, boolInt(*f.Disabled))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	rows, err := s.DB.Query(ctx, `SELECT `+userCols+` FROM users WHERE `+cond+` ORDER BY id LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		u.Mobile = MaskMobile(u.Mobile)
		out = append(out, u)
	}
	return out, total, rows.Err()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// manage runs an administrator's command on account id in one transaction:
// the role check, the scope and own-account rules (CanManage), the change,
// and its audit record. Refusals are audited too — an account outside the
// actor's scope, or none, included — while the caller is told only
// db.ErrNotFound, so ids cannot be probed.
func (s *Service) manage(ctx context.Context, id int64, a Action, auditAction string,
	change func(tx *db.Tx, u User) (detail string, err error)) error {
	actor := FromContext(ctx)
	oid := strconv.FormatInt(id, 10)
	if !Can(actor, a) {
		return s.refuse(ctx, auditAction, "user", oid, "", ErrForbidden)
	}
	var refused error
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		u, err := loadUser(ctx, tx, actor, id)
		if errors.Is(err, db.ErrNotFound) {
			refused = db.ErrNotFound
			return s.audit(ctx, tx, auditAction, "user", oid, resultRefused, outOfScope, actor.OrgPath)
		}
		if err != nil {
			return err
		}
		if !CanManage(actor, a, u) {
			refused = ErrForbidden
			return s.audit(ctx, tx, auditAction, "user", oid, resultRefused,
				"own account or administrator account: "+u.String(), u.OrgPath)
		}
		detail, err := change(tx, u)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, auditAction, "user", oid, resultOK, detail, u.OrgPath)
	})
	if err != nil {
		return err
	}
	return refused
}

// outOfScope is the audit detail of a command on an object the actor cannot
// see: outside their jurisdiction, or missing (the two look the same).
const outOfScope = "out of scope or missing"

// target loads account id for a command of action a, before manage runs it:
// a refused role, or an account outside the actor's scope (or none), is
// audited under auditAction and answered with ErrForbidden or
// db.ErrNotFound.
func (s *Service) target(ctx context.Context, id int64, a Action, auditAction string) (User, error) {
	actor := FromContext(ctx)
	oid := strconv.FormatInt(id, 10)
	if !Can(actor, a) {
		return User{}, s.refuse(ctx, auditAction, "user", oid, "", ErrForbidden)
	}
	u, err := loadUser(ctx, s.DB, actor, id)
	if errors.Is(err, db.ErrNotFound) {
		return User{}, s.refuse(ctx, auditAction, "user", oid, outOfScope, db.ErrNotFound)
	}
	return u, err
}

// SetPassword gives account id a new password chosen by the security
// administrator. It is temporary: the owner must change it at next login. It
// also lifts a lockout and ends the account's sessions.
func (s *Service) SetPassword(ctx context.Context, id int64, password string) error {
	target, err := s.target(ctx, id, ActResetPassword, "user.reset_password")
	if err != nil {
		return err
	}
	pol, err := s.policy(ctx)
	if err != nil {
		return err
	}
	if es := pol.Validate(password, target.Username, target.Mobile); len(es) > 0 {
		return FieldErrors(es)
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return s.manage(ctx, id, ActResetPassword, "user.reset_password", func(tx *db.Tx, u User) (string, error) {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, password_changed_at = ?, failed_logins = 0,
			locked_until = NULL, updated_at = ? WHERE id = ?`, hash, mustChangeMark, s.now(), u.ID); err != nil {
			return "", err
		}
		n, err := endSessions(ctx, tx, u.ID, "")
		return fmt.Sprintf("password reset, %d sessions ended", n), err
	})
}

// ChangeOwnPassword lets the logged-in account replace its password. The
// other sessions of the account end; the current one stays. A wrong current
// password counts as a failed login: MaxFailedLogins of them lock the
// account (*LockedError), and while it is locked the password cannot be
// changed, so a stolen session cannot be used to guess the password.
func (s *Service) ChangeOwnPassword(ctx context.Context, oldPassword, newPassword string) error {
	actor := FromContext(ctx)
	if actor.UserID == 0 || !Can(actor, ActChangeOwnPassword) {
		return ErrForbidden
	}
	oid := strconv.FormatInt(actor.UserID, 10)
	u, err := scanUser(s.DB.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, actor.UserID))
	if err != nil {
		return err
	}
	ok := false
	if len(oldPassword) <= 4*MaxPasswordLength {
		if err := s.argon(ctx, func() { ok, _ = CheckPassword(u.passwordHash, oldPassword) }); err != nil {
			return err
		}
	}
	if !ok || u.Locked(s.now()) {
		var rerr error
		err := s.DB.Tx(ctx, func(tx *db.Tx) error {
			u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, actor.UserID))
			if err != nil {
				return err
			}
			now := s.now()
			if u.Locked(now) {
				rerr = &LockedError{Until: u.LockedUntil}
				return s.audit(ctx, tx, "user.change_password", "user", oid, resultRefused, "locked", u.OrgPath)
			}
			if ok {
				return nil // the right password, and the lock ended meanwhile
			}
			refused, counted, err := s.recordFailure(ctx, tx, u, now)
			if err != nil {
				return err
			}
			detail := "wrong current password"
			if !counted {
				detail = "locked"
			}
			rerr = refused
			return s.audit(ctx, tx, "user.change_password", "user", oid, resultRefused, detail, u.OrgPath)
		})
		if err != nil {
			return errors.Join(ErrBadCredentials, err)
		}
		if rerr != nil {
			return rerr
		}
	}
	pol, err := s.policy(ctx)
	if err != nil {
		return err
	}
	es := FieldErrors(pol.Validate(newPassword, u.Username, u.Mobile))
	if newPassword == oldPassword {
		es = append(es, fieldErr("password", "unchanged", "新密码不能与当前密码相同",
			"The new password must differ from the current one"))
	}
	if len(es) > 0 {
		return es
	}
	hash, err := s.hashPassword(ctx, newPassword)
	if err != nil {
		return err
	}
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
		// The right current password ends a run of wrong ones, as a login does.
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ?,
			failed_logins = 0 WHERE id = ?`, hash, s.now(), s.now(), u.ID); err != nil {
			return err
		}
		n, err := endSessions(ctx, tx, u.ID, actor.SessionHash)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, "user.change_password", "user", oid, resultOK,
			fmt.Sprintf("%d other sessions ended", n), u.OrgPath)
	})
}

// SetRoleAndScope gives account id a role and a jurisdiction (org unit and
// optional department). The security administrator does this, never to their
// own account; an account stays staff or public (the login differs).
// Sessions carry no copy of the role: the change applies at the next request.
func (s *Service) SetRoleAndScope(ctx context.Context, id int64, role Role, orgUnitID, departmentID int64) error {
	actor := FromContext(ctx)
	target, err := s.target(ctx, id, ActAssignRole, "user.assign_role")
	if err != nil {
		return err
	}
	path, es := s.checkPlacement(ctx, s.DB, role, orgUnitID, "", departmentID)
	if role.Valid() && role.IsPublic() != target.Role.IsPublic() {
		es = append(es, fieldErr("role", "kind_change", "不能在工作人员与公众账号之间转换",
			"An account cannot change between staff and public"))
	}
	if len(es) > 0 {
		return FieldErrors(es)
	}
	after := target
	after.Role, after.OrgPath = role, path
	if !CanManage(actor, ActAssignRole, after) {
		// The new role or place must be one the actor could manage too.
		return s.refuse(ctx, "user.assign_role", "user", strconv.FormatInt(id, 10),
			fmt.Sprintf("role %s at %s not allowed", role, path), ErrForbidden)
	}
	return s.manage(ctx, id, ActAssignRole, "user.assign_role", func(tx *db.Tx, u User) (string, error) {
		_, err := tx.Exec(ctx, `UPDATE users SET role = ?, org_unit_id = ?, org_path = ?, department_id = ?,
			updated_at = ? WHERE id = ?`, string(role), nullID(orgUnitID), path, nullID(departmentID), s.now(), u.ID)
		return fmt.Sprintf("role %s → %s, scope %s → %s, department %d → %d",
			u.Role, role, u.OrgPath, path, u.DepartmentID, departmentID), err
	})
}

// Disable stops account id from logging in and ends all its sessions at once
// (the rows are deleted, so the very next request is anonymous).
func (s *Service) Disable(ctx context.Context, id int64) error {
	return s.manage(ctx, id, ActDisableAccount, "user.disable", func(tx *db.Tx, u User) (string, error) {
		if _, err := tx.Exec(ctx, `UPDATE users SET disabled = 1, updated_at = ? WHERE id = ?`, s.now(), u.ID); err != nil {
			return "", err
		}
		n, err := endSessions(ctx, tx, u.ID, "")
		return fmt.Sprintf("disabled, %d sessions ended", n), err
	})
}

// Enable lets a disabled account log in again.
func (s *Service) Enable(ctx context.Context, id int64) error {
	return s.manage(ctx, id, ActDisableAccount, "user.enable", func(tx *db.Tx, u User) (string, error) {
		_, err := tx.Exec(ctx, `UPDATE users SET disabled = 0, updated_at = ? WHERE id = ?`, s.now(), u.ID)
		return "enabled", err
	})
}

// Unlock lifts a lockout after failed logins. No one unlocks themselves.
func (s *Service) Unlock(ctx context.Context, id int64) error {
	return s.manage(ctx, id, ActUnlockAccount, "user.unlock", func(tx *db.Tx, u User) (string, error) {
		_, err := tx.Exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?`,
			s.now(), u.ID)
		return "unlocked", err
	})
}

// EndSessions logs account id out everywhere (the security administrator's
// answer to a stolen session).
func (s *Service) EndSessions(ctx context.Context, id int64) error {
	return s.manage(ctx, id, ActEndSessions, "user.end_sessions", func(tx *db.Tx, u User) (string, error) {
		n, err := endSessions(ctx, tx, u.ID, "")
		return fmt.Sprintf("%d sessions ended", n), err
	})
}
