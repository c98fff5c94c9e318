package property

import (
	"database/sql"

	"anju/internal/platform/workday"
)

// Civil dates are stored as TEXT "YYYY-MM-DD" on both databases (see the
// migration); these helpers move them between workday.Date and SQL.

// dateArg is d as a query argument: NULL for the zero date.
func dateArg(d workday.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// dateOf reads a nullable date column; a malformed value reads as no date.
func dateOf(ns sql.NullString) workday.Date {
	if !ns.Valid || ns.String == "" {
		return workday.Date{}
	}
	d, err := workday.ParseDate(ns.String)
	if err != nil {
		return workday.Date{}
	}
	return d
}

// mustDate reads a NOT NULL date column.
func mustDate(s string) workday.Date {
	d, _ := workday.ParseDate(s)
	return d
}

// parseDateField reads a date typed in a form or sheet ("2026-03-01",
// "2026/3/1"); empty gives the zero date.
func parseDateField(field, s string) (workday.Date, *fieldError) {
	s = normDate(s)
	if s == "" {
		return workday.Date{}, nil
	}
	d, err := workday.ParseDate(s)
	if err != nil {
		return workday.Date{}, ferr(field, "invalid", "日期格式应为 2026-03-01", "must be a date like 2026-03-01")
	}
	return d, nil
}

// normDate accepts 2026/3/1 and 2026.3.1 as well as 2026-03-01.
func normDate(s string) string {
	b := []byte{}
	parts := [3]string{}
	n := 0
	cur := ""
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			cur += string(c)
		case c == '-' || c == '/' || c == '.' || c == '年' || c == '月' || c == '日':
			if cur != "" && n < 3 {
				parts[n] = cur
				n++
			}
			cur = ""
		case c == ' ' || c == '\t':
		default:
			return s
		}
	}
	if cur != "" && n < 3 {
		parts[n] = cur
		n++
	}
	if n == 0 {
		return ""
	}
	if n != 3 || len(parts[0]) != 4 || len(parts[1]) > 2 || len(parts[2]) > 2 {
		return s
	}
	pad := func(x string) string {
		if len(x) == 1 {
			return "0" + x
		}
		return x
	}
	b = append(b, parts[0]+"-"+pad(parts[1])+"-"+pad(parts[2])...)
	return string(b)
}
