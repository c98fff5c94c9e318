package db

import (
	"context"
	"sort"
	"strings"
)

// Column describes one column as the parity test compares it: its name, a
// portable type class and whether it may be NULL.
type Column struct {
	Name     string
	Class    string // int, text, real, bool, time, bytes, other
	Nullable bool
}

// Schema lists the user tables and their columns, sorted, so the schemas that
// the two dialects' migrations produce can be compared.
func (d *DB) Schema(ctx context.Context) (map[string][]Column, error) {
	out := map[string][]Column{}
	if d.Dialect == Postgres {
		// An array column holds an index's keys (the keyword index's
		// search_terms), which SQLite keeps in an FTS5 table: no part of the
		// schema compared, as that table is not (below).
		rows, err := d.Query(ctx, `SELECT table_name, column_name, data_type, is_nullable
			FROM information_schema.columns WHERE table_schema = current_schema() AND data_type <> 'ARRAY'
			ORDER BY table_name, column_name`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var t, c, typ, null string
			if err := rows.Scan(&t, &c, &typ, &null); err != nil {
				return nil, err
			}
			out[t] = append(out[t], Column{c, typeClass(typ), null == "YES"})
		}
		for _, cols := range out {
			sort.Slice(cols, func(i, j int) bool { return cols[i].Name < cols[j].Name })
		}
		return out, rows.Err()
	}
	// Ordinary tables only: a virtual table (an FTS5 index, which PostgreSQL
	// keeps as an index of a table) and the shadow tables holding its data
	// are no part of the schema compared.
	rows, err := d.Query(ctx, `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return nil, err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	for _, t := range tables {
		rows, err := d.Query(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, t)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c, typ string
			var notNull, pk int
			if err := rows.Scan(&c, &typ, &notNull, &pk); err != nil {
				rows.Close()
				return nil, err
			}
			// An INTEGER PRIMARY KEY is never NULL in SQLite even without NOT NULL.
			out[t] = append(out[t], Column{c, typeClass(typ), notNull == 0 && pk == 0})
		}
		rows.Close()
		sort.Slice(out[t], func(i, j int) bool { return out[t][i].Name < out[t][j].Name })
	}
	return out, nil
}

func typeClass(typ string) string {
	t := strings.ToLower(typ)
	switch {
	case strings.Contains(t, "int"), strings.Contains(t, "serial"):
		return "int"
	case strings.Contains(t, "timestamp"), strings.Contains(t, "date"):
		return "time"
	case strings.Contains(t, "bool"):
		return "bool"
	case strings.Contains(t, "char"), strings.Contains(t, "text"), strings.Contains(t, "json"):
		return "text"
	case strings.Contains(t, "real"), strings.Contains(t, "double"), strings.Contains(t, "numeric"), strings.Contains(t, "float"):
		return "real"
	case strings.Contains(t, "blob"), strings.Contains(t, "bytea"):
		return "bytes"
	}
	return "other:" + t
}
