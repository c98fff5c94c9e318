package org

import (
	"cmp"
	"context"
	"database/sql"
	"io"
	"slices"
	"strconv"
	"strings"

	"anju/internal/platform/auth"
)

// Export writes the units in p's scope as a tree spreadsheet (format "xlsx"
// or "csv"), parents before children and siblings by code, so the file
// imports into an empty database as the same tree. The top units of a
// scope below the city keep their parent's code, which says where they hang.
func (s *Store) Export(ctx context.Context, p *auth.Principal, w io.Writer, format string) error {
	units, parentCode, err := s.exportUnits(ctx, p)
	if err != nil {
		return err
	}
	header := make([]string, numCols)
	for c, col := range columns {
		header[c] = col.zh
	}
	coord := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	switch strings.ToLower(strings.TrimPrefix(format, ".")) {
	case FormatCSV:
		rows := make([][]string, len(units))
		for i, u := range units {
			rows[i] = []string{u.Code, u.Name, u.Kind.Label("zh"), parentCode[u.ID], coord(u.Lat), coord(u.Lng)}
		}
		return writeCSV(w, header, rows)
	case FormatXLSX:
		rows := make([][]any, len(units))
		for i, u := range units {
			r := []any{u.Code, u.Name, u.Kind.Label("zh"), parentCode[u.ID], nil, nil}
			if u.Lat != nil {
				r[colLat], r[colLng] = *u.Lat, *u.Lng
			}
			rows[i] = r
		}
		return writeXLSX(w, "组织机构", header, []float64{16, 28, 10, 16, 12, 12}, rows)
	}
	return importErr("format", "只支持 .xlsx 和 .csv 格式", "only xlsx and csv are supported")
}

// exportUnits reads the units in p's scope in tree order (depth first,
// siblings by code) with their parents' codes.
func (s *Store) exportUnits(ctx context.Context, p *auth.Principal) ([]Unit, map[int64]string, error) {
	scope, args := p.ScopeSQL("u.path")
	rows, err := s.DB.Query(ctx, `SELECT u.id, u.parent_id, u.kind, u.code, u.name, u.lat, u.lng, COALESCE(par.code, '')
		FROM org_units u LEFT JOIN org_units par ON par.id = u.parent_id WHERE `+scope, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	parentCode := map[int64]string{}
	children := map[int64][]Unit{}
	var all []Unit
	for rows.Next() {
		var (
			u        Unit
			parent   sql.NullInt64
			lat, lng sql.NullFloat64
			kind, pc string
		)
		if err := rows.Scan(&u.ID, &parent, &kind, &u.Code, &u.Name, &lat, &lng, &pc); err != nil {
			return nil, nil, err
		}
		u.ParentID, u.Kind = parent.Int64, Kind(kind)
		if lat.Valid && lng.Valid {
			u.Lat, u.Lng = &lat.Float64, &lng.Float64
		}
		parentCode[u.ID] = pc
		children[u.ParentID] = append(children[u.ParentID], u)
		all = append(all, u)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	byCode := func(a, b Unit) int { return cmp.Compare(a.Code, b.Code) }
	// The tops of the scope are the units whose parent is not exported.
	var tops []Unit
	for _, u := range all {
		if _, in := parentCode[u.ParentID]; !in {
			tops = append(tops, u)
		}
	}
	slices.SortFunc(tops, byCode)
	out := make([]Unit, 0, len(all))
	var walk func(u Unit)
	walk = func(u Unit) {
		out = append(out, u)
		kids := children[u.ID]
		slices.SortFunc(kids, byCode)
		for _, k := range kids {
			walk(k)
		}
	}
	for _, u := range tops {
		walk(u)
	}
	return out, parentCode, nil
}
