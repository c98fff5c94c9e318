package property

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
)

// compoundCols are the columns of the compound ledger; code is the key.
var compoundCols = []sheetCol{
	{"code", "小区编码", "Compound code", 18, true},
	{"name", "小区名称", "Compound", 20, false},
	{"district", "区", "District", 12, false},
	{"street", "街道", "Street", 14, false},
	{"community", "社区", "Community", 14, false},
	{"address", "地址", "Address", 28, true},
	{"households", "户数", "Households", 8, true},
	{"buildings", "楼栋数", "Buildings", 8, false},
	{"year_built", "建成年份", "Year built", 10, true},
	{"old_compound", "老旧小区", "Old compound", 10, true},
	{"service_type", "物业服务方式", "Property service", 14, true},
	{"company_code", "物业企业统一社会信用代码", "Company credit code", 22, true},
	{"company_name", "物业企业名称", "Company", 26, false},
	{"contract_scope", "服务范围", "Contract scope", 24, true},
	{"fee_standard", "收费标准", "Fee standard", 16, true},
	{"contract_start", "合同起始日期", "Contract start", 14, true},
	{"contract_end", "合同终止日期", "Contract end", 14, true},
	{"committee_formed", "业委会已成立", "Owners' committee formed", 12, true},
	{"committee_formed_on", "业委会成立日期", "Committee formed on", 14, true},
	{"committee_term_end", "业委会任期届满日期", "Committee term ends", 14, true},
	{"party_branch", "小区党组织", "Party organisation in compound", 12, true},
	{"council", "四位一体协调机制", "Four-party council", 12, true},
	{"council_since", "协调机制建立日期", "Council since", 14, true},
	{"has_service", "物业服务覆盖", "Has property service", 12, false},
	{"has_committee", "业委会组建", "Has owners' committee", 12, false},
	{"has_party", "党的工作覆盖", "Has party work", 12, false},
}

// serviceLabels are the service types as sheets write them.
var serviceLabels = map[string][2]string{
	serviceCompany: {"企业服务", "company"},
	serviceSelf:    {"业主自管", "self-managed"},
	serviceNone:    {"无", "none"},
}

func parseServiceType(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "", "无", "none", "无物业", "无物业服务":
		return serviceNone, true
	case "self", "自管", "业主自管", "业主自行管理", "self-managed":
		return serviceSelf, true
	case "company", "企业", "企业服务", "物业企业", "物业企业服务":
		return serviceCompany, true
	}
	return s, false
}

// compoundRows are the ledger's rows for the export.
func compoundRows(l web.Lang, cs []Compound) [][]any {
	rows := make([][]any, len(cs))
	for i, c := range cs {
		year := any("")
		if c.YearBuilt != 0 {
			year = c.YearBuilt
		}
		rows[i] = []any{c.Code, c.Name, c.District, c.Street, c.Community, c.Address, c.Households, c.Buildings, year,
			boolCell(l, c.Old), pick(l, serviceLabels[c.ServiceType][0], serviceLabels[c.ServiceType][1]), c.CompanyCode,
			c.CompanyName, c.ContractScope, c.FeeStandard, dateText(c.ContractStart), dateText(c.ContractEnd),
			boolCell(l, c.CommitteeFormed), dateText(c.CommitteeFormedOn), dateText(c.CommitteeTermEnd),
			boolCell(l, c.PartyBranch), boolCell(l, c.Council), dateText(c.CouncilSince),
			boolCell(l, c.HasService), boolCell(l, c.HasCommittee), boolCell(l, c.HasParty)}
	}
	return rows
}

// maxExportRows bounds one export.
const maxExportRows = 100000

// ExportCompounds writes the compounds of p's scope matching f as a workbook
// and records the export in the audit log.
func (s *Service) ExportCompounds(ctx context.Context, w io.Writer, l web.Lang, f CompoundFilter) (int, error) {
	p := auth.FromContext(ctx)
	f.Limit, f.Offset = maxExportRows, 0
	cs, _, err := s.Compounds(ctx, p, f)
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	if err := writeSheet(&buf, pick(l, "小区物业台账", "Compound registry"), compoundCols, l, compoundRows(l, cs)); err != nil {
		return 0, err
	}
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{Action: "property.compound.export", ObjectType: "property_compound",
			Detail: fmt.Sprintf("%d rows; q=%q node=%d service=%q lacks=%q", len(cs), f.Q, f.Node, f.Service, f.Lacks)})
	})
	if err != nil {
		return 0, err
	}
	_, err = buf.WriteTo(w)
	return len(cs), err
}

// ImportResult is what an import did, or why it did nothing.
type ImportResult struct {
	Rows      int        `json:"rows"`
	Created   int        `json:"created"`
	Changed   int        `json:"changed"`
	Unchanged int        `json:"unchanged"`
	Errors    []RowError `json:"errors,omitempty"`
}

// errRejected: an import with rejected rows writes nothing.
var errRejected = errors.New("import rejected")

// rowErrors turns a row's field errors into RowErrors titled as the sheet's columns.
func rowErrors(l web.Lang, n int, cols []sheetCol, err error) []RowError {
	fe, ok := web.AsFieldErrors(err)
	if !ok {
		return []RowError{{Row: n, Message: message(l, err)}}
	}
	var out []RowError
	for _, e := range fe {
		field := e.Field
		if field == "company_id" {
			field = "company_code"
		}
		out = append(out, RowError{Row: n, Field: colTitle(cols, field, l), Message: e.Msg(l)})
	}
	return out
}

// ImportCompounds applies a compound ledger: for each row, the compound (by
// code, in p's scope) gets the columns present in the sheet; other fields
// keep their values. Any rejected row rejects the file.
func (s *Service) ImportCompounds(ctx context.Context, r io.Reader, l web.Lang) (ImportResult, error) {
	p := auth.FromContext(ctx)
	rows, err := readSheetRows(r, compoundCols, "code")
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Rows: len(rows)}
	thisYear := s.today().Year()
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		seen := map[string]int{}
		for _, row := range rows {
			code := row.get("code")
			if prev, dup := seen[code]; dup {
				res.Errors = append(res.Errors, RowError{Row: row.n, Field: colTitle(compoundCols, "code", l),
					Message: pick(l, fmt.Sprintf("与第 %d 行重复", prev), fmt.Sprintf("repeats row %d", prev))})
				continue
			}
			seen[code] = row.n
			id, err := compoundByCode(ctx, tx, p, code)
			if err != nil {
				if !errors.Is(err, db.ErrNotFound) {
					return err
				}
				res.Errors = append(res.Errors, RowError{Row: row.n, Field: colTitle(compoundCols, "code", l),
					Message: pick(l, "辖区内没有该编码的小区", "no compound with this code in your jurisdiction")})
				continue
			}
			old, err := s.compound(ctx, tx, p, id)
			if err != nil {
				return err
			}
			in, errs := s.compoundInputFromRow(ctx, tx, l, row, old)
			if len(errs) > 0 {
				res.Errors = append(res.Errors, errs...)
				continue
			}
			rec, err := in.clean(thisYear)
			if err != nil {
				res.Errors = append(res.Errors, rowErrors(l, row.n, compoundCols, err)...)
				continue
			}
			c, err := s.saveCompoundTx(ctx, tx, p, id, 0, rec, "import")
			if err != nil {
				if _, ok := web.AsFieldErrors(err); ok || isForbidden(err) || isConflict(err) {
					res.Errors = append(res.Errors, rowErrors(l, row.n, compoundCols, err)...)
					continue
				}
				return err
			}
			switch {
			case !old.Registered:
				res.Created++
			case c.Version != old.Version:
				res.Changed++
			default:
				res.Unchanged++
			}
		}
		if len(res.Errors) > 0 {
			return errRejected
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "property.compound.import", ObjectType: "property_compound",
			Detail: fmt.Sprintf("%d rows: %d created, %d changed, %d unchanged", res.Rows, res.Created, res.Changed, res.Unchanged)})
	})
	if errors.Is(err, errRejected) {
		res.Created, res.Changed, res.Unchanged = 0, 0, 0
	}
	return res, err
}

func compoundByCode(ctx context.Context, q db.Querier, p *auth.Principal, code string) (int64, error) {
	scope, args := p.ScopeSQL("path")
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM org_units WHERE code = ? AND kind = 'compound' AND `+scope,
		append([]any{code}, args...)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, db.ErrNotFound
	}
	return id, err
}

// compoundInputFromRow starts from the record as it is and overrides the
// columns the sheet has.
func (s *Service) compoundInputFromRow(ctx context.Context, q db.Querier, l web.Lang, row sheetRow, old Compound) (CompoundInput, []RowError) {
	f := compoundForm(old)
	var errs []RowError
	bad := func(key, zh, en string) {
		errs = append(errs, RowError{Row: row.n, Field: colTitle(compoundCols, key, l), Message: pick(l, zh, en)})
	}
	has := func(key string) bool { _, ok := row.vals[key]; return ok }
	for _, key := range []string{"address", "households", "year_built", "contract_scope", "fee_standard"} {
		if has(key) {
			f.Set(key, row.get(key))
		}
	}
	for _, key := range []string{"contract_start", "contract_end", "committee_formed_on", "committee_term_end", "council_since"} {
		if has(key) {
			f.Set(key, sheetDate(row.get(key)))
		}
	}
	for _, key := range []string{"old_compound", "committee_formed", "party_branch", "council"} {
		if !has(key) {
			continue
		}
		b, ok := sheetBool(row.get(key))
		if !ok {
			bad(key, "应填“是”或“否”", "must be yes or no")
			continue
		}
		if b {
			f.Set(key, "on")
		} else {
			f.Del(key)
		}
	}
	if has("service_type") {
		st, ok := parseServiceType(row.get("service_type"))
		if !ok {
			bad("service_type", "应为“企业服务”“业主自管”或“无”", "must be company, self-managed or none")
		}
		f.Set("service_type", st)
	}
	if has("company_code") {
		code := NormalizeCreditCode(row.get("company_code"))
		f.Del("company_id")
		if code != "" {
			var id int64
			err := q.QueryRow(ctx, `SELECT id FROM property_companies WHERE credit_code = ?`, code).Scan(&id)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if e := creditCodeError("company_code", code); e != nil {
					bad("company_code", e.zh, e.en)
				} else {
					bad("company_code", "未登记该物业企业，请先登记企业", "no company with this code is registered; register it first")
				}
			case err != nil:
				errs = append(errs, RowError{Row: row.n, Message: err.Error()})
			default:
				f.Set("company_id", strconv.FormatInt(id, 10))
			}
		}
	}
	in, e := compoundInputOf(f)
	if e != nil {
		bad(e.field, e.zh, e.en)
	}
	return in, errs
}

// companyCols are the columns of the company ledger; the credit code is the key.
var companyCols = []sheetCol{
	{"credit_code", "统一社会信用代码", "Unified social credit code", 22, true},
	{"name", "企业名称", "Company", 30, true},
	{"legal_rep", "法定代表人", "Legal representative", 12, true},
	{"address", "地址", "Address", 30, true},
	{"phone", "联系电话", "Phone", 14, true},
	{"qualification", "资质", "Qualification", 10, true},
	{"party_org", "企业党组织", "Party organisation", 10, true},
	{"unit_code", "备案单位编码", "Filed with (unit code)", 14, true},
	{"unit_name", "备案单位", "Filed with", 14, false},
	{"status", "状态", "Status", 10, true},
	{"compounds", "服务小区数", "Compounds served", 10, false},
}

var qualificationLabels = map[string][2]string{
	"grade1": {"一级", "grade 1"}, "grade2": {"二级", "grade 2"}, "grade3": {"三级", "grade 3"},
	"provisional": {"暂定", "provisional"}, "none": {"无", "none"},
}

func parseQualification(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "none", true
	}
	for k, v := range qualificationLabels {
		if s == k || s == v[0] || s == v[1] || s == v[0]+"资质" {
			return k, true
		}
	}
	return s, false
}

var statusLabels = map[string][2]string{companyActive: {"正常", "active"}, companyDeregistered: {"已注销", "deregistered"}}

func parseStatus(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "", "正常", "存续", "active":
		return companyActive, true
	case "已注销", "注销", "deregistered":
		return companyDeregistered, true
	}
	return s, false
}

// ExportCompanies writes the companies p sees matching f.
func (s *Service) ExportCompanies(ctx context.Context, w io.Writer, l web.Lang, f CompanyFilter) (int, error) {
	p := auth.FromContext(ctx)
	f.Limit, f.Offset = maxExportRows, 0
	cs, _, err := s.Companies(ctx, p, f)
	if err != nil {
		return 0, err
	}
	codes, err := s.unitCodes(ctx)
	if err != nil {
		return 0, err
	}
	rows := make([][]any, len(cs))
	for i, c := range cs {
		rows[i] = []any{c.CreditCode, c.Name, c.LegalRep, c.Address, c.Phone,
			pick(l, qualificationLabels[c.Qualification][0], qualificationLabels[c.Qualification][1]), boolCell(l, c.PartyOrg),
			codes[c.OrgUnitID], c.UnitName, pick(l, statusLabels[c.Status][0], statusLabels[c.Status][1]), c.Compounds}
	}
	var buf bytes.Buffer
	if err := writeSheet(&buf, pick(l, "物业企业台账", "Property companies"), companyCols, l, rows); err != nil {
		return 0, err
	}
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{Action: "property.company.export", ObjectType: "property_company",
			Detail: fmt.Sprintf("%d rows; q=%q status=%q", len(cs), f.Q, f.Status)})
	})
	if err != nil {
		return 0, err
	}
	_, err = buf.WriteTo(w)
	return len(cs), err
}

// unitCodes maps the ids of units companies are filed with to their codes.
func (s *Service) unitCodes(ctx context.Context) (map[int64]string, error) {
	rows, err := s.DB.Query(ctx, `SELECT DISTINCT u.id, u.code FROM property_companies co JOIN org_units u ON u.id = co.org_unit_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			return nil, err
		}
		out[id] = code
	}
	return out, rows.Err()
}

// ImportCompanies creates the companies of the sheet not yet registered (by
// credit code) and updates those that are; a company filed outside p's
// scope is rejected. Any rejected row rejects the file.
func (s *Service) ImportCompanies(ctx context.Context, r io.Reader, l web.Lang) (ImportResult, error) {
	p := auth.FromContext(ctx)
	rows, err := readSheetRows(r, companyCols, "credit_code")
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Rows: len(rows)}
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		seen := map[string]int{}
		for _, row := range rows {
			code := NormalizeCreditCode(row.get("credit_code"))
			if prev, dup := seen[code]; dup {
				res.Errors = append(res.Errors, RowError{Row: row.n, Field: colTitle(companyCols, "credit_code", l),
					Message: pick(l, fmt.Sprintf("与第 %d 行重复", prev), fmt.Sprintf("repeats row %d", prev))})
				continue
			}
			seen[code] = row.n
			existing, err := s.companyWhere(ctx, tx, auth.System("property"), "co.credit_code = ?", code)
			found := err == nil
			if err != nil && !errors.Is(err, db.ErrNotFound) {
				return err
			}
			in := CompanyInput{CreditCode: code}
			if found {
				in = CompanyInput{Name: existing.Name, CreditCode: code, LegalRep: existing.LegalRep, Address: existing.Address,
					Phone: existing.Phone, Qualification: existing.Qualification, PartyOrg: existing.PartyOrg,
					OrgUnitID: existing.OrgUnitID, Status: existing.Status}
			}
			var errs []RowError
			bad := func(key, zh, en string) {
				errs = append(errs, RowError{Row: row.n, Field: colTitle(companyCols, key, l), Message: pick(l, zh, en)})
			}
			has := func(key string) bool { _, ok := row.vals[key]; return ok }
			if has("name") {
				in.Name = row.get("name")
			}
			if has("legal_rep") {
				in.LegalRep = row.get("legal_rep")
			}
			if has("address") {
				in.Address = row.get("address")
			}
			if has("phone") {
				in.Phone = row.get("phone")
			}
			if has("qualification") {
				q, ok := parseQualification(row.get("qualification"))
				if !ok {
					bad("qualification", "应为一级、二级、三级、暂定或无", "must be grade 1, 2, 3, provisional or none")
				}
				in.Qualification = q
			}
			if has("party_org") {
				b, ok := sheetBool(row.get("party_org"))
				if !ok {
					bad("party_org", "应填“是”或“否”", "must be yes or no")
				}
				in.PartyOrg = b
			}
			if has("status") {
				st, ok := parseStatus(row.get("status"))
				if !ok {
					bad("status", "应为“正常”或“已注销”", "must be active or deregistered")
				}
				in.Status = st
			}
			if has("unit_code") {
				var id int64
				err := tx.QueryRow(ctx, `SELECT id FROM org_units WHERE code = ?`, row.get("unit_code")).Scan(&id)
				if errors.Is(err, sql.ErrNoRows) {
					bad("unit_code", "没有该编码的单位", "no unit with this code")
				} else if err != nil {
					return err
				}
				in.OrgUnitID = id
			}
			if len(errs) > 0 {
				res.Errors = append(res.Errors, errs...)
				continue
			}
			if err := in.clean(); err != nil {
				res.Errors = append(res.Errors, companyRowErrors(l, row.n, err)...)
				continue
			}
			if found {
				c, err := s.updateCompanyTx(ctx, tx, p, existing.ID, 0, in, "import")
				if err != nil {
					if errors.Is(err, db.ErrNotFound) {
						err = refuse("该企业不在您的辖区内备案", "the company is filed outside your jurisdiction")
					}
					if _, ok := web.AsFieldErrors(err); ok || isForbidden(err) || isConflict(err) {
						res.Errors = append(res.Errors, companyRowErrors(l, row.n, err)...)
						continue
					}
					return err
				}
				if c.Version != existing.Version {
					res.Changed++
				} else {
					res.Unchanged++
				}
				continue
			}
			if _, err := s.createCompanyTx(ctx, tx, p, in, "import"); err != nil {
				if _, ok := web.AsFieldErrors(err); ok || isForbidden(err) {
					res.Errors = append(res.Errors, companyRowErrors(l, row.n, err)...)
					continue
				}
				return err
			}
			res.Created++
		}
		if len(res.Errors) > 0 {
			return errRejected
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "property.company.import", ObjectType: "property_company",
			Detail: fmt.Sprintf("%d rows: %d created, %d changed, %d unchanged", res.Rows, res.Created, res.Changed, res.Unchanged)})
	})
	if errors.Is(err, errRejected) {
		res.Created, res.Changed, res.Unchanged = 0, 0, 0
	}
	return res, err
}

func companyRowErrors(l web.Lang, n int, err error) []RowError {
	out := rowErrors(l, n, companyCols, err)
	for i := range out {
		if out[i].Field == "org_unit_id" {
			out[i].Field = colTitle(companyCols, "unit_code", l)
		}
	}
	return out
}

// auditExport records that r exported n rows of a ledger.
func (s *Service) auditExport(r *http.Request, action, objectType string, n int) error {
	return s.DB.Tx(r.Context(), func(tx *db.Tx) error {
		return audit.Record(r.Context(), tx, audit.Entry{Action: action, ObjectType: objectType,
			Detail: fmt.Sprintf("%d rows; %s", n, r.URL.RawQuery)})
	})
}
