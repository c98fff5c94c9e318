package property

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
)

// Company is a property service company (物业服务企业) as the registry keeps it.
type Company struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	CreditCode    string    `json:"credit_code" doc:"unified social credit code (GB 32100-2015)"`
	LegalRep      string    `json:"legal_rep"`
	Address       string    `json:"address"`
	Phone         string    `json:"phone"`
	Qualification string    `json:"qualification" doc:"grade1, grade2, grade3, provisional or none"`
	PartyOrg      bool      `json:"party_org" doc:"the company has a party organisation (红色物业)"`
	OrgUnitID     int64     `json:"org_unit_id" doc:"the unit it is filed with (备案)"`
	OrgPath       string    `json:"-"`
	UnitName      string    `json:"unit_name"`
	Status        string    `json:"status" doc:"active or deregistered"`
	Version       int       `json:"version"`
	Compounds     int       `json:"compounds" doc:"compounds it serves"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Qualifications of property companies. Grades were abolished in 2018; older
// companies still carry theirs, newer ones have none.
var Qualifications = []string{"grade1", "grade2", "grade3", "provisional", "none"}

// Company statuses.
const (
	companyActive       = "active"
	companyDeregistered = "deregistered"
)

// CompanyInput is what a form, the API or a sheet gives for a company.
type CompanyInput struct {
	Name          string `json:"name"`
	CreditCode    string `json:"credit_code"`
	LegalRep      string `json:"legal_rep"`
	Address       string `json:"address"`
	Phone         string `json:"phone"`
	Qualification string `json:"qualification"`
	PartyOrg      bool   `json:"party_org"`
	OrgUnitID     int64  `json:"org_unit_id"`
	Status        string `json:"status"`
}

// companyFields are the fields the history compares, in display order.
var companyFields = []string{"name", "credit_code", "legal_rep", "address", "phone", "qualification", "party_org",
	"org_unit_id", "status"}

func (c Company) values() map[string]string {
	return map[string]string{"name": c.Name, "credit_code": c.CreditCode, "legal_rep": c.LegalRep,
		"address": c.Address, "phone": c.Phone, "qualification": c.Qualification, "party_org": yesNo(c.PartyOrg),
		"org_unit_id": c.UnitName, "status": c.Status}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// checkText validates a free-text field: trimmed, no control characters, not
// starting like a spreadsheet formula, at most max runes.
func checkText(field, s string, max int, need bool) *fieldError {
	if s == "" {
		if need {
			return required(field)
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return ferr(field, "invalid", "含有无法识别的字符", "contains invalid characters")
	}
	for _, c := range s {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			return ferr(field, "invalid", "不能含有控制字符", "must not contain control characters")
		}
	}
	if strings.ContainsRune("=+-@", rune(s[0])) {
		return ferr(field, "invalid", "不能以 = + - @ 开头", "must not start with = + - or @")
	}
	if utf8.RuneCountInString(s) > max {
		return ferr(field, "too_long", fmt.Sprintf("最长 %d 个字", max), fmt.Sprintf("must be at most %d characters", max))
	}
	return nil
}

// clean normalises the input and reports every rejected field.
func (in *CompanyInput) clean() error {
	in.Name, in.LegalRep = strings.TrimSpace(in.Name), strings.TrimSpace(in.LegalRep)
	in.Address, in.Phone = strings.TrimSpace(in.Address), strings.TrimSpace(in.Phone)
	in.CreditCode = NormalizeCreditCode(in.CreditCode)
	if in.Qualification == "" {
		in.Qualification = "none"
	}
	if in.Status == "" {
		in.Status = companyActive
	}
	var fe fieldErrors
	add := func(e *fieldError) {
		if e != nil {
			fe = append(fe, e)
		}
	}
	add(checkText("name", in.Name, 100, true))
	add(creditCodeError("credit_code", in.CreditCode))
	add(checkText("legal_rep", in.LegalRep, 50, true))
	add(checkText("address", in.Address, 200, false))
	add(checkText("phone", in.Phone, 30, false))
	if !contains(Qualifications, in.Qualification) {
		add(ferr("qualification", "invalid", "请选择资质", "choose a qualification"))
	}
	if in.Status != companyActive && in.Status != companyDeregistered {
		add(ferr("status", "invalid", "请选择状态", "choose a status"))
	}
	if in.OrgUnitID <= 0 {
		add(required("org_unit_id"))
	}
	return fe.err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const companySelect = `co.id, co.name, co.credit_code, co.legal_rep, co.address, co.phone, co.qualification, co.party_org,
	co.org_unit_id, co.org_path, u.name, co.status, co.version, co.created_at, co.updated_at,
	(SELECT COUNT(*) FROM property_compounds s WHERE s.company_id = co.id AND s.service_type = 'company')`

const companyFrom = ` FROM property_companies co JOIN org_units u ON u.id = co.org_unit_id`

func scanCompany(sc interface{ Scan(...any) error }) (Company, error) {
	var c Company
	var party int
	err := sc.Scan(&c.ID, &c.Name, &c.CreditCode, &c.LegalRep, &c.Address, &c.Phone, &c.Qualification, &party,
		&c.OrgUnitID, &c.OrgPath, &c.UnitName, &c.Status, &c.Version, &c.CreatedAt, &c.UpdatedAt, &c.Compounds)
	c.PartyOrg = party == 1
	return c, err
}

// companyScope keeps a query of companies (alias co) to those p may see:
// filed with a unit in p's scope, or serving a compound in it.
func companyScope(p *auth.Principal) (string, []any) {
	a, aa := p.ScopeSQL("co.org_path")
	b, ba := p.ScopeSQL("sc.org_path")
	return "(" + a + " OR EXISTS (SELECT 1 FROM property_compounds sc WHERE sc.company_id = co.id AND " + b + "))",
		append(aa, ba...)
}

// Company returns company id if p may see it, else db.ErrNotFound.
func (s *Service) Company(ctx context.Context, p *auth.Principal, id int64) (Company, error) {
	return s.companyWhere(ctx, s.DB, p, "co.id = ?", id)
}

// CompanyByCode returns a company by its credit code, whoever asks (the
// public red/black list names companies by code).
func (s *Service) CompanyByCode(ctx context.Context, code string) (Company, error) {
	return s.companyWhere(ctx, s.DB, auth.System("property"), "co.credit_code = ?", NormalizeCreditCode(code))
}

func (s *Service) companyWhere(ctx context.Context, q db.Querier, p *auth.Principal, cond string, arg any) (Company, error) {
	scope, args := companyScope(p)
	c, err := scanCompany(q.QueryRow(ctx, `SELECT `+companySelect+companyFrom+` WHERE `+cond+` AND `+scope,
		append([]any{arg}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Company{}, db.ErrNotFound
	}
	return c, err
}

// CompanyFilter narrows the company ledger.
type CompanyFilter struct {
	Q      string // part of the name or the credit code
	Status string
	Party  string // "yes", "no" or ""
	Limit  int
	Offset int
}

// Companies lists one page of the companies p may see, by name, and the total.
func (s *Service) Companies(ctx context.Context, p *auth.Principal, f CompanyFilter) ([]Company, int, error) {
	where, args := companyScope(p)
	if q := strings.TrimSpace(f.Q); q != "" {
		like := s.DB.Dialect.ILike()
		where += ` AND (co.name ` + like + ` ? ESCAPE '\' OR co.credit_code ` + like + ` ? ESCAPE '\')`
		pat := "%" + db.EscapeLike(q) + "%"
		args = append(args, pat, pat)
	}
	if f.Status != "" {
		where += " AND co.status = ?"
		args = append(args, f.Status)
	}
	switch f.Party {
	case "yes":
		where += " AND co.party_org = 1"
	case "no":
		where += " AND co.party_org = 0"
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*)`+companyFrom+` WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	rows, err := s.DB.Query(ctx, `SELECT `+companySelect+companyFrom+` WHERE `+where+` ORDER BY co.name, co.id LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Company
	for rows.Next() {
		c, err := scanCompany(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// filingUnit checks the unit a company is filed with: it exists in p's
// scope and is the city, a district or zone, or a street.
func (s *Service) filingUnit(ctx context.Context, p *auth.Principal, id int64) (org.Unit, error) {
	u, err := s.Org.Get(ctx, p, id)
	if errors.Is(err, db.ErrNotFound) {
		return org.Unit{}, ferr("org_unit_id", "not_found", "备案单位不存在或不在您的辖区内", "no such unit in your jurisdiction")
	}
	if err != nil {
		return org.Unit{}, err
	}
	switch u.Kind {
	case org.City, org.District, org.Zone, org.Street:
		return u, nil
	}
	return org.Unit{}, ferr("org_unit_id", "invalid", "备案单位应为市、区（功能区）或街道", "a company is filed with the city, a district or zone, or a street")
}

// CreateCompany files a new company with a unit in p's scope.
func (s *Service) CreateCompany(ctx context.Context, in CompanyInput) (Company, error) {
	p := auth.FromContext(ctx)
	if err := in.clean(); err != nil {
		return Company{}, err
	}
	var out Company
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.createCompanyTx(ctx, tx, p, in, "create")
		out = c
		return err
	})
	return out, err
}

func (s *Service) createCompanyTx(ctx context.Context, tx *db.Tx, p *auth.Principal, in CompanyInput, action string) (Company, error) {
	u, err := s.filingUnit(ctx, p, in.OrgUnitID)
	if err != nil {
		return Company{}, err
	}
	if err := rule(p, cmdCreateCompany, target{Path: u.Path}); err != nil {
		return Company{}, err
	}
	if taken, err := codeTaken(ctx, tx, in.CreditCode, 0); err != nil {
		return Company{}, err
	} else if taken {
		return Company{}, ferr("credit_code", "duplicate", "该统一社会信用代码已登记", "a company with this code is already registered")
	}
	now := s.stamp()
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO property_companies (name, credit_code, legal_rep, address, phone, qualification,
		party_org, org_unit_id, org_path, status, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
		in.Name, in.CreditCode, in.LegalRep, in.Address, in.Phone, in.Qualification, boolInt(in.PartyOrg),
		u.ID, u.Path, in.Status, now, now).Scan(&id)
	if err != nil {
		return Company{}, err
	}
	c := Company{ID: id, Name: in.Name, CreditCode: in.CreditCode, LegalRep: in.LegalRep, Address: in.Address,
		Phone: in.Phone, Qualification: in.Qualification, PartyOrg: in.PartyOrg, OrgUnitID: u.ID, OrgPath: u.Path,
		UnitName: u.Name, Status: in.Status, Version: 1, CreatedAt: now, UpdatedAt: now}
	changes := diff(companyFields, map[string]string{}, c.values())
	return c, recordChange(ctx, tx, "company", id, 1, action, u.Path, changes, now)
}

// UpdateCompany changes a company filed in p's scope; version is the version
// the editor saw (0 skips the check), so two editors cannot overwrite each
// other unknowingly.
func (s *Service) UpdateCompany(ctx context.Context, id int64, version int, in CompanyInput) (Company, error) {
	p := auth.FromContext(ctx)
	if err := in.clean(); err != nil {
		return Company{}, err
	}
	var out Company
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.updateCompanyTx(ctx, tx, p, id, version, in, "update")
		out = c
		return err
	})
	return out, err
}

func (s *Service) updateCompanyTx(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64, version int, in CompanyInput, action string) (Company, error) {
	old, err := s.companyWhere(ctx, tx, p, "co.id = ?", id)
	if err != nil {
		return Company{}, err
	}
	if err := rule(p, cmdEditCompany, target{Path: old.OrgPath}); err != nil {
		return Company{}, err
	}
	if version != 0 && version != old.Version {
		return Company{}, conflictf("该记录已被他人修改（现为第 %d 版），请刷新后再改", "the record was changed meanwhile (now version %d); reload and edit again", old.Version)
	}
	u := org.Unit{ID: old.OrgUnitID, Path: old.OrgPath, Name: old.UnitName}
	if in.OrgUnitID != old.OrgUnitID {
		if u, err = s.filingUnit(ctx, p, in.OrgUnitID); err != nil {
			return Company{}, err
		}
	}
	if in.CreditCode != old.CreditCode {
		if taken, err := codeTaken(ctx, tx, in.CreditCode, id); err != nil {
			return Company{}, err
		} else if taken {
			return Company{}, ferr("credit_code", "duplicate", "该统一社会信用代码已登记", "a company with this code is already registered")
		}
	}
	c := old
	c.Name, c.CreditCode, c.LegalRep, c.Address, c.Phone = in.Name, in.CreditCode, in.LegalRep, in.Address, in.Phone
	c.Qualification, c.PartyOrg, c.Status = in.Qualification, in.PartyOrg, in.Status
	c.OrgUnitID, c.OrgPath, c.UnitName = u.ID, u.Path, u.Name
	changes := diff(companyFields, old.values(), c.values())
	if len(changes) == 0 {
		return old, nil
	}
	c.Version = old.Version + 1
	c.UpdatedAt = s.stamp()
	_, err = tx.Exec(ctx, `UPDATE property_companies SET name = ?, credit_code = ?, legal_rep = ?, address = ?, phone = ?,
		qualification = ?, party_org = ?, org_unit_id = ?, org_path = ?, status = ?, version = ?, updated_at = ? WHERE id = ?`,
		c.Name, c.CreditCode, c.LegalRep, c.Address, c.Phone, c.Qualification, boolInt(c.PartyOrg), c.OrgUnitID, c.OrgPath,
		c.Status, c.Version, c.UpdatedAt, id)
	if err != nil {
		return Company{}, err
	}
	// The compounds it serves carry a copy of its status and party
	// organisation for the coverage rates.
	if c.Status != old.Status || c.PartyOrg != old.PartyOrg {
		if _, err := tx.Exec(ctx, `UPDATE property_compounds SET company_active = ?, company_party = ? WHERE company_id = ?`,
			boolInt(c.Status == companyActive), boolInt(c.PartyOrg), id); err != nil {
			return Company{}, err
		}
	}
	return c, recordChange(ctx, tx, "company", id, c.Version, action, c.OrgPath, changes, c.UpdatedAt)
}

func codeTaken(ctx context.Context, q db.Querier, code string, except int64) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM property_companies WHERE credit_code = ? AND id <> ?`, code, except).Scan(&n)
	return n > 0, err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CompanyAccount is a company account linked to a company.
type CompanyAccount struct {
	UserID      int64     `json:"user_id"`
	DisplayName string    `json:"display_name"`
	Mobile      string    `json:"mobile" doc:"masked"`
	LinkedAt    time.Time `json:"linked_at"`
}

// LinkAccount links the company account with mobile to company id (filed in
// p's scope). An account acts for one company; linking it again moves it.
func (s *Service) LinkAccount(ctx context.Context, id int64, mobile string) error {
	p := auth.FromContext(ctx)
	mobile = auth.NormalizeMobile(mobile)
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.companyWhere(ctx, tx, p, "co.id = ?", id)
		if err != nil {
			return err
		}
		if err := rule(p, cmdEditCompany, target{Path: c.OrgPath}); err != nil {
			return err
		}
		var uid int64
		var role string
		err = tx.QueryRow(ctx, `SELECT id, role FROM users WHERE mobile = ?`, mobile).Scan(&uid, &role)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && auth.Role(role) != auth.Company) {
			return ferr("mobile", "not_found", "没有以该手机号注册的企业账号", "no company account is registered with this mobile number")
		}
		if err != nil {
			return err
		}
		now := s.stamp()
		if _, err := tx.Exec(ctx, `DELETE FROM property_company_users WHERE user_id = ?`, uid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO property_company_users (user_id, company_id, created_at) VALUES (?, ?, ?)`,
			uid, id, now); err != nil {
			return err
		}
		return recordChange(ctx, tx, "company", id, c.Version, "account.link", c.OrgPath,
			[]Change{{Field: "account", After: auth.MaskMobile(mobile)}}, now)
	})
}

// UnlinkAccount removes the link of user uid from company id.
func (s *Service) UnlinkAccount(ctx context.Context, id, uid int64) error {
	p := auth.FromContext(ctx)
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.companyWhere(ctx, tx, p, "co.id = ?", id)
		if err != nil {
			return err
		}
		if err := rule(p, cmdEditCompany, target{Path: c.OrgPath}); err != nil {
			return err
		}
		var mobile string
		err = tx.QueryRow(ctx, `SELECT u.mobile FROM property_company_users l JOIN users u ON u.id = l.user_id
			WHERE l.user_id = ? AND l.company_id = ?`, uid, id).Scan(&mobile)
		if errors.Is(err, sql.ErrNoRows) {
			return db.ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM property_company_users WHERE user_id = ?`, uid); err != nil {
			return err
		}
		return recordChange(ctx, tx, "company", id, c.Version, "account.unlink", c.OrgPath,
			[]Change{{Field: "account", Before: auth.MaskMobile(mobile)}}, s.stamp())
	})
}

// CompanyAccounts lists the accounts linked to company id (already checked in scope).
func (s *Service) CompanyAccounts(ctx context.Context, id int64) ([]CompanyAccount, error) {
	rows, err := s.DB.Query(ctx, `SELECT u.id, u.display_name, COALESCE(u.mobile, ''), l.created_at
		FROM property_company_users l JOIN users u ON u.id = l.user_id WHERE l.company_id = ? ORDER BY u.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CompanyAccount
	for rows.Next() {
		var a CompanyAccount
		if err := rows.Scan(&a.UserID, &a.DisplayName, &a.Mobile, &a.LinkedAt); err != nil {
			return nil, err
		}
		a.Mobile = auth.MaskMobile(a.Mobile)
		out = append(out, a)
	}
	return out, rows.Err()
}

// companyOf returns the company a company account acts for (0 if none).
func (s *Service) companyOf(ctx context.Context, p *auth.Principal) (int64, error) {
	if p == nil || p.Role != auth.Company || p.UserID == 0 {
		return 0, nil
	}
	var id int64
	err := s.DB.QueryRow(ctx, `SELECT company_id FROM property_company_users WHERE user_id = ?`, p.UserID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}
