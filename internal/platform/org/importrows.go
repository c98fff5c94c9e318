package org

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// importRow is one data row of a tree spreadsheet and what is wrong with it.
type importRow struct {
	row                    int
	code, name, parentCode string
	kind                   Kind
	lat, lng               *float64
	bad                    []cellProblem
}

type cellProblem struct {
	col int
	pr  *problem
}

func (r *importRow) fail(col int, pr *problem) { r.bad = append(r.bad, cellProblem{col, pr}) }

// unitRef is what a child needs of its parent.
type unitRef struct {
	id    int64
	kind  Kind
	depth int
}

// importRows checks every row, then writes all of them or none, in one
// transaction so that the checks against the database still hold when the
// rows are written.
func (s *Store) importRows(ctx context.Context, p *auth.Principal, data []record, idx [numCols]int, format string) (Result, error) {
	rows := make([]importRow, len(data))
	first := make(map[string]int, len(data)) // code → index of its first row
	for i, rec := range data {
		rows[i] = parseRow(rec, idx)
		r := &rows[i]
		if r.code == "" || checkCode(r.code) != nil {
			continue
		}
		if j, dup := first[r.code]; dup {
			r.fail(colCode, &problem{"duplicate", fmt.Sprintf("“%s”与第%d行重复", r.code, rows[j].row),
				fmt.Sprintf("%q repeats row %d", r.code, rows[j].row)})
		} else {
			first[r.code] = i
		}
	}

	res := Result{Rows: len(rows)}
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		parents, err := checkAgainstDB(ctx, tx, p, rows, first)
		if err != nil {
			return err
		}
		if res.Errors, res.ErrorsOmitted = rowErrors(rows); len(res.Errors) > 0 {
			return ErrRejected
		}
		n, err := insertRows(ctx, tx, rows, parents)
		if err != nil {
			return err
		}
		res.Created = n
		detail := auditDetail(map[string]any{"format": format, "rows": len(rows), "created": n})
		return s.audit(ctx, tx, "org.unit.import", "org_unit", "", detail, p.OrgPath)
	})
	if err != nil {
		res.Created = 0
	}
	return res, err
}

// parseRow reads and checks the cells of one row on their own.
func parseRow(rec record, idx [numCols]int) importRow {
	cell := func(c int) string {
		if idx[c] >= 0 && idx[c] < len(rec.cells) {
			return rec.cells[idx[c]]
		}
		return ""
	}
	r := importRow{row: rec.row, code: cell(colCode), name: cell(colName), parentCode: cell(colParent)}
	if pr := checkCode(r.code); pr != nil {
		r.fail(colCode, pr)
	}
	if pr := checkName(r.name); pr != nil {
		r.fail(colName, pr)
	}
	if raw := cell(colKind); raw == "" {
		r.fail(colKind, &problem{"required", "必须填写", "is required"})
	} else if k, ok := ParseKind(raw); ok {
		r.kind = k
	} else {
		r.fail(colKind, &problem{"invalid", fmt.Sprintf("“%s”不是有效的类型，应为 市、区、功能区、街道、社区、小区、楼栋 之一", raw),
			fmt.Sprintf("%q is not a kind; use city, district, zone, street, community, compound or building", raw)})
	}
	var lerr, gerr *problem
	r.lat, lerr = parseCoord(cell(colLat))
	r.lng, gerr = parseCoord(cell(colLng))
	if lerr != nil {
		r.fail(colLat, lerr)
	}
	if gerr != nil {
		r.fail(colLng, gerr)
	}
	if lerr == nil && gerr == nil {
		if field, pr := checkCoords(r.lat, r.lng); pr != nil {
			r.fail(map[string]int{"lat": colLat, "lng": colLng}[field], pr)
		}
	}
	return r
}

func parseCoord(s string) (*float64, *problem) {
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, &problem{"invalid", "“" + s + "”不是有效的数字", fmt.Sprintf("%q is not a number", s)}
	}
	return &v, nil
}

// checkAgainstDB finds codes the database already holds and resolves each
// row's parent — in the database within p's scope, or elsewhere in the file.
// It returns the parents found in the database.
func checkAgainstDB(ctx context.Context, tx *db.Tx, p *auth.Principal, rows []importRow, first map[string]int) (map[string]unitRef, error) {
	var codes, parentCodes []string
	for _, r := range rows {
		if checkCode(r.code) == nil {
			codes = append(codes, r.code)
		}
		if r.parentCode != "" && checkCode(r.parentCode) == nil {
			parentCodes = append(parentCodes, r.parentCode)
		}
	}
	existing, err := lookupCodes(ctx, tx, nil, codes)
	if err != nil {
		return nil, err
	}
	parents, err := lookupCodes(ctx, tx, p, parentCodes)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		r := &rows[i]
		if _, taken := existing[r.code]; taken {
			r.fail(colCode, &problem{"duplicate", "“" + r.code + "”已存在", fmt.Sprintf("%q already exists", r.code)})
		}
		if r.kind == "" {
			continue // the kind is wrong already; its parent cannot be judged
		}
		if r.kind.IsRoot() {
			if r.parentCode != "" {
				r.fail(colParent, &problem{"invalid", "应为空，市级单位没有上级", "must be empty for a city"})
			}
			if !cityWide(p) {
				r.fail(colKind, &problem{"forbidden", "无权新建市级单位", "you may not create a city"})
			}
			continue
		}
		switch parent, found := resolveParent(r.parentCode, parents, rows, first); {
		case r.parentCode == "":
			r.fail(colParent, &problem{"required", "必须填写", "is required"})
		case r.parentCode == r.code:
			r.fail(colParent, &problem{"invalid", "不能是本单位自己", "must not be the unit itself"})
		case !found:
			r.fail(colParent, &problem{"not_found", "找不到上级单位 " + r.parentCode, fmt.Sprintf("no unit with code %q", r.parentCode)})
		case parent.kind != "" && !r.kind.AllowedUnder(parent.kind):
			r.fail(colKind, parentKindProblem(r.kind, parent.kind))
		}
	}
	return parents, nil
}

// resolveParent finds a parent in the database first (it is the real one if
// the file repeats it, which is reported as a duplicate) and then in the
// file; a file parent whose own kind is wrong comes back with no kind.
func resolveParent(code string, inDB map[string]unitRef, rows []importRow, first map[string]int) (unitRef, bool) {
	if ref, ok := inDB[code]; ok {
		return ref, true
	}
	if i, ok := first[code]; ok {
		return unitRef{kind: rows[i].kind}, true
	}
	return unitRef{}, false
}

// lookupCodes reads the units with the given codes, within p's scope, or
// the whole tree when p is nil. It asks in chunks to stay under both
// databases' limits on statement parameters.
func lookupCodes(ctx context.Context, q db.Querier, p *auth.Principal, codes []string) (map[string]unitRef, error) {
	const chunk = 500
	out := map[string]unitRef{}
	scope, scopeArgs := "1 = 1", []any(nil)
	if p != nil {
		scope, scopeArgs = p.ScopeSQL("path")
	}
	slices.Sort(codes)
	codes = slices.Compact(codes)
	for len(codes) > 0 {
		n := min(chunk, len(codes))
		args := make([]any, 0, n+len(scopeArgs))
		for _, c := range codes[:n] {
			args = append(args, c)
		}
		codes = codes[n:]
		rows, err := q.Query(ctx, `SELECT id, code, kind, depth FROM org_units WHERE code IN (`+placeholders(n)+`) AND `+scope,
			append(args, scopeArgs...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var ref unitRef
			var code, kind string
			if err := rows.Scan(&ref.id, &code, &kind, &ref.depth); err != nil {
				rows.Close()
				return nil, err
			}
			ref.kind = Kind(kind)
			out[code] = ref
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// rowErrors lists the problems row by row and column by column, at most
// MaxImportErrors of them, and counts the rest.
func rowErrors(rows []importRow) (list []RowError, omitted int) {
	for _, r := range rows {
		slices.SortStableFunc(r.bad, func(a, b cellProblem) int { return cmp.Compare(a.col, b.col) })
		for _, b := range r.bad {
			if len(list) == MaxImportErrors {
				omitted++
				continue
			}
			col := columns[b.col]
			en := fieldLabels[col.key][1]
			list = append(list, RowError{
				Row: r.row, Field: col.key, Code: b.pr.code,
				Message:   fmt.Sprintf("第%d行 %s：%s", r.row, col.zh, b.pr.zh),
				MessageEn: fmt.Sprintf("Row %d, %s: %s", r.row, en, b.pr.en),
			})
		}
	}
	return list, omitted
}

// insertRows writes checked rows level by level, parents first, many rows
// per statement: a district's file of 50,000 buildings is a few hundred
// statements, not 100,000. refs holds the parents already in the database;
// the rows written are added to it for their children.
func insertRows(ctx context.Context, tx *db.Tx, rows []importRow, refs map[string]unitRef) (int, error) {
	order := make([]*importRow, len(rows))
	for i := range rows {
		order[i] = &rows[i]
	}
	// Every kind sits exactly one level below its parent's kind, so sorting
	// by level puts each parent before its children.
	slices.SortStableFunc(order, func(a, b *importRow) int { return cmp.Compare(a.kind.Level(), b.kind.Level()) })
	created := now()
	const chunk = 500
	for start := 0; start < len(order); {
		level := order[start].kind.Level()
		end := start
		for end < len(order) && order[end].kind.Level() == level {
			end++
		}
		for c := start; c < end; c += chunk {
			if err := insertChunk(ctx, tx, order[c:min(c+chunk, end)], refs, created); err != nil {
				return 0, err
			}
		}
		// The path holds the unit's own id, known only now; the parents'
		// paths are final, being one level up. See Create for the placeholder.
		if _, err := tx.Exec(ctx, `UPDATE org_units SET path =
			COALESCE((SELECT par.path FROM org_units par WHERE par.id = org_units.parent_id), '/') || CAST(id AS TEXT) || '/'
			WHERE path >= '#' AND path < '$'`); err != nil {
			return 0, fmt.Errorf("set org unit paths: %w", err)
		}
		start = end
	}
	return len(order), nil
}

func insertChunk(ctx context.Context, tx *db.Tx, rows []*importRow, refs map[string]unitRef, created time.Time) error {
	var q strings.Builder
	q.WriteString(`INSERT INTO org_units (parent_id, kind, code, name, path, depth, lat, lng, created_at) VALUES `)
	args := make([]any, 0, 9*len(rows))
	for i, r := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
		var parentID any
		depth := 0
		if !r.kind.IsRoot() {
			ref := refs[r.parentCode]
			parentID, depth = ref.id, ref.depth+1
		}
		args = append(args, parentID, string(r.kind), r.code, r.name, "#"+r.code, depth, r.lat, r.lng, created)
	}
	q.WriteString(" RETURNING id, code, depth")
	res, err := tx.Query(ctx, q.String(), args...)
	if err != nil {
		return insertErr(err)
	}
	defer res.Close()
	byCode := make(map[string]*importRow, len(rows))
	for _, r := range rows {
		byCode[r.code] = r
	}
	for res.Next() {
		var ref unitRef
		var code string
		if err := res.Scan(&ref.id, &code, &ref.depth); err != nil {
			return err
		}
		ref.kind = byCode[code].kind
		refs[code] = ref
	}
	return insertErr(res.Err())
}

// insertErr names the likely cause of a unique violation: someone added the
// same code between the check and the insert.
func insertErr(err error) error {
	if err == nil {
		return nil
	}
	if db.IsUniqueViolation(err) {
		return fmt.Errorf("org import: a code in the file was added meanwhile, import again: %w", err)
	}
	return fmt.Errorf("org import: %w", err)
}
