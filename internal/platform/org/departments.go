package org

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Department is one of the bureau's departments. A staff account may be
// limited to one (auth.Principal.DepartmentID); cases are routed to them.
type Department struct {
	ID     int64
	Code   string // stable key used by modules and configuration ("parking")
	Name   string
	NameEn string
}

// DefaultDepartments are the bureau's departments as the report names them;
// EnsureDefaultDepartments installs them. The codes are what modules refer to.
var DefaultDepartments = []Department{
	{Code: "office", Name: "办公室", NameEn: "General Office"},
	{Code: "research", Name: "政策研究室", NameEn: "Policy Research Office"},
	{Code: "parking", Name: "停车管理处", NameEn: "Parking Management Division"},
	{Code: "property", Name: "物业监管处", NameEn: "Property Management Supervision Division"},
	{Code: "approval", Name: "行政审批处", NameEn: "Administrative Approval Division"},
	{Code: "construction", Name: "建筑市场监管处", NameEn: "Construction Market Supervision Division"},
	{Code: "housing", Name: "住房保障处", NameEn: "Housing Security Division"},
	{Code: "petition", Name: "信访办", NameEn: "Petition Office"},
}

// MaxNameEnLen bounds a department's English name (English runs longer).
const MaxNameEnLen = 128

// Departments lists the departments by code.
func (s *Store) Departments(ctx context.Context) ([]Department, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, code, name, name_en FROM departments ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Department
	for rows.Next() {
		var d Department
		if err := rows.Scan(&d.ID, &d.Code, &d.Name, &d.NameEn); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DepartmentByCode returns the department with code, or db.ErrNotFound.
func (s *Store) DepartmentByCode(ctx context.Context, code string) (Department, error) {
	var d Department
	err := s.DB.QueryRow(ctx, `SELECT id, code, name, name_en FROM departments WHERE code = ?`, code).
		Scan(&d.ID, &d.Code, &d.Name, &d.NameEn)
	if err != nil && isNoRows(err) {
		return Department{}, db.ErrNotFound
	}
	return d, err
}

// CreateDepartment adds a department. Departments belong to the whole
// bureau, so only a city-wide principal may add one.
func (s *Store) CreateDepartment(ctx context.Context, tx *db.Tx, p *auth.Principal, d Department) (Department, error) {
	if !canManage(p) || !cityWide(p) {
		return Department{}, ErrForbidden
	}
	d.Code, d.Name, d.NameEn = strings.TrimSpace(d.Code), strings.TrimSpace(d.Name), strings.TrimSpace(d.NameEn)
	var errs FieldErrors
	if pr := checkCode(d.Code); pr != nil {
		errs = append(errs, fieldError("code", pr))
	}
	if pr := checkName(d.Name); pr != nil {
		errs = append(errs, fieldError("name", pr))
	}
	if pr := checkName(d.NameEn); pr != nil && pr.code != "too_long" {
		errs = append(errs, fieldError("name_en", pr))
	} else if utf8.RuneCountInString(d.NameEn) > MaxNameEnLen {
		errs = append(errs, fieldError("name_en", &problem{"too_long",
			fmt.Sprintf("最长%d个字符", MaxNameEnLen), fmt.Sprintf("must be at most %d characters", MaxNameEnLen)}))
	}
	if len(errs) > 0 {
		return Department{}, errs
	}
	err := tx.QueryRow(ctx, `INSERT INTO departments (code, name, name_en) VALUES (?, ?, ?) RETURNING id`,
		d.Code, d.Name, d.NameEn).Scan(&d.ID)
	if db.IsUniqueViolation(err) {
		return Department{}, FieldErrors{fieldError("code", duplicateProblem(d.Code))}
	} else if err != nil {
		return Department{}, fmt.Errorf("insert department: %w", err)
	}
	detail := auditDetail(map[string]any{"code": d.Code, "name": d.Name, "name_en": d.NameEn})
	if err := s.audit(ctx, tx, "org.department.create", "department", strconv.FormatInt(d.ID, 10), detail, "/"); err != nil {
		return Department{}, err
	}
	return d, nil
}

// EnsureDefaultDepartments adds those of DefaultDepartments whose code is not
// yet taken — run at setup and by the demo; departments an administrator
// renamed are left as they are. It returns how many it added.
func (s *Store) EnsureDefaultDepartments(ctx context.Context, tx *db.Tx, p *auth.Principal) (int, error) {
	added := 0
	for _, d := range DefaultDepartments {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM departments WHERE code = ?`, d.Code).Scan(&n); err != nil {
			return added, err
		}
		if n > 0 {
			continue
		}
		if _, err := s.CreateDepartment(ctx, tx, p, d); err != nil {
			return added, err
		}
		added++
	}
	return added, nil
}
