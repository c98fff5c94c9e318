package petition

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// The statistics' SQL: one GROUP BY over a year's petitions (month ×
// category × handling unit) and one count by month × category for each
// earlier year compared with. Rows are read through the partial index
// cases_petition_stats (migrations 0002), which holds every column the
// figures need, so the table itself is not touched.
//
// Deadlines are whole days of the holiday calendar, which SQL does not
// know. Go computes them for each day (statsTables) and the query looks
// them up per row: which local day a petition was received on, and the
// instant before which its acceptance was in time; which day its finish
// period nominally ended on (final_from + final_days), and the instant
// before which its reply was in time. The two databases get the same
// figures by different means, each what its planner does well:
//
//   - PostgreSQL: the day tables are arrays; width_bucket finds the day of
//     received_at by binary search, subscripts do the rest; hash
//     aggregation over an index-only scan. (A range join against a VALUES
//     list of days is planned as a nested loop over the whole table.)
//   - SQLite: the days are a VALUES list joined as the outer loop (CROSS
//     JOIN keeps that order), each day a range seek on the index in
//     received_at order; the finish ends are a VALUES list SQLite indexes
//     automatically, keyed by the Julian day number; a quarter per query.

// statsScope is the part of the WHERE clause every statistics query shares:
// the viewer's jurisdiction, a district filter and a category filter.
type statsScope struct {
	p        *auth.Principal
	path     string // a district's path, or ""
	category string
}

func (sc statsScope) where() (string, []any) {
	w, args := sc.p.ScopeSQL("c.org_path")
	if sc.path != "" {
		w += " AND c.org_path >= ? AND c.org_path < ?"
		args = append(args, sc.path, sc.path[:len(sc.path)-1]+"0")
	}
	if sc.category != "" {
		w += " AND c.category = ?"
		args = append(args, sc.category)
	}
	return w, args
}

// typeIsPetition is a literal, not a parameter: the partial index's
// condition must appear as written for the planners to use it.
const typeIsPetition = "c.type = '" + TypeName + "'"

// The counts of one group, the same on both databases. d_au is the
// acceptance deadline of the row's day, f_ru its reply deadline.
var statsCounts = `COUNT(*), COUNT(c.accepted_at),
	COUNT(CASE WHEN c.accepted_at < d_au THEN 1 END),
	COUNT(c.replied_at),
	COUNT(CASE WHEN c.replied_at IS NOT NULL AND c.replied_at < f_ru THEN 1 END),
	COUNT(CASE WHEN c.replied_at IS NOT NULL AND c.rating <> '' THEN 1 END),
	COUNT(CASE WHEN c.replied_at IS NOT NULL AND c.rating IN ('` + RatingSatisfied + `', '` + RatingBasically + `') THEN 1 END),
	COUNT(CASE WHEN (c.flags & ` + repeatBit + `) <> 0 THEN 1 END)`

var repeatBit = strconv.FormatInt(int64(casework.FlagRepeat), 10)

// julianDay is SQLite's CAST(julianday('YYYY-MM-DD') AS INTEGER) of d.
func julianDay(d workday.Date) int {
	return int(d.In(time.UTC).Unix()/86400) + 2440587
}

// pgArray writes values as a PostgreSQL array literal, for a parameter
// cast to an array type.
func pgArray[T any](vs []T, f func(T) string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f(v))
	}
	b.WriteByte('}')
	return b.String()
}

func pgTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// yearCells reads the figures of a year by month × category × handling
// unit: from the roll-up when it is current (stats_rollup.go), else from
// the cases.
func (s *Service) yearCells(ctx context.Context, sc statsScope, t statsTables) ([]cell, error) {
	if s.rollupReady(ctx, s.DB) {
		return s.rollupCells(ctx, sc, t.first.Year())
	}
	w, wargs := sc.where()
	if s.DB.Dialect == db.Postgres {
		var out []cell
		err := s.DB.Tx(ctx, func(tx *db.Tx) error {
			var err error
			out, err = s.pgCells(ctx, tx, t, w, wargs)
			return err
		})
		return out, err
	}
	// SQLite has no hash aggregation: GROUP BY sorts every row. A quarter
	// at a time, the quarters at once on the pool's connections, keeps
	// each sort smaller and uses more than one core (more pieces would
	// cost more in setting up each query than they save).
	var (
		mu    sync.Mutex
		out   []cell
		first error
		wg    sync.WaitGroup
	)
	for q := range 4 {
		days := t.quarter(q)
		wg.Go(func() {
			cells, err := s.sqliteCells(ctx, days, t, w, wargs)
			mu.Lock()
			defer mu.Unlock()
			out = append(out, cells...)
			if first == nil {
				first = err
			}
		})
	}
	wg.Wait()
	return out, first
}

// scanCells reads the figures of a year from the cases in tx (the roll-up's
// rebuild), one query after the other.
func (s *Service) scanCells(ctx context.Context, tx *db.Tx, t statsTables, w string, wargs []any) ([]cell, error) {
	if s.DB.Dialect == db.Postgres {
		return s.pgCells(ctx, tx, t, w, wargs)
	}
	var out []cell
	for q := range 4 {
		days := t.quarter(q)
		query, args := sqliteCellsQuery(days, t, w, wargs)
		cells, err := scanCellRows(tx.Query(ctx, query, args...))
		if err != nil {
			return nil, err
		}
		out = append(out, cells...)
	}
	return out, nil
}

// quarter is the days of quarter q (0–3) of the tables' year: SQLite reads
// a year a quarter per query.
func (t statsTables) quarter(q int) []statDay {
	var days []statDay
	for _, d := range t.days {
		if (d.month-1)/3 == q {
			days = append(days, d)
		}
	}
	return days
}

// pgCells reads the figures of a year on PostgreSQL, in tx.
func (s *Service) pgCells(ctx context.Context, tx *db.Tx, t statsTables, w string, wargs []any) ([]cell, error) {
	days := t.days
	q := `SELECT (?::int[])[c.di], c.category, c.org_path, ` + strings.NewReplacer(
		"d_au", "(?::timestamptz[])[c.di]",
		"f_ru", "(?::timestamptz[])[NULLIF(c.final_from, '')::date - ?::date + c.final_days::int + 1]").Replace(statsCounts) + `
FROM (SELECT c.category, c.org_path, c.accepted_at, c.replied_at, c.rating, c.flags, c.final_from, c.final_days,
		width_bucket(c.received_at, ?::timestamptz[]) AS di
	FROM cases c
	WHERE ` + typeIsPetition + ` AND c.received_at >= ? AND c.received_at < ? AND ` + w + `) c
GROUP BY 1, 2, 3`
	args := []any{
		pgArray(days, func(d statDay) string { return strconv.Itoa(d.month) }),
		pgArray(days, func(d statDay) string { return pgTime(d.acceptUntil) }),
		pgArray(t.ends, pgTime), t.endsFrom.String(),
		pgArray(days, func(d statDay) string { return pgTime(d.start) }),
		days[0].start, days[len(days)-1].end}
	args = append(args, wargs...)
	// A report's aggregate: memory for its hash table (some 10,000 groups;
	// the planner guesses far more and would sort a million rows on disk
	// instead), and no JIT compilation for a query run once.
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return nil, err
	}
	return scanCellRows(tx.Query(ctx, q, args...))
}

// sqliteCells reads the figures of the given days (a quarter) on SQLite.
func (s *Service) sqliteCells(ctx context.Context, days []statDay, t statsTables, w string, wargs []any) ([]cell, error) {
	q, args := sqliteCellsQuery(days, t, w, wargs)
	return scanCellRows(s.DB.Query(ctx, q, args...))
}

func sqliteCellsQuery(days []statDay, t statsTables, w string, wargs []any) (string, []any) {
	var b strings.Builder
	var args []any
	b.WriteString("WITH d(s, e, m, au) AS (VALUES ")
	for i, d := range days {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?)")
		args = append(args, d.start, d.end, d.month, d.acceptUntil)
	}
	b.WriteString("), f(n, ru) AS (VALUES ")
	for i, until := range t.ends {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?)")
		args = append(args, julianDay(t.endsFrom.AddDays(i)), until)
	}
	b.WriteString(`)
SELECT d.m, c.category, c.org_path, ` + strings.NewReplacer("d_au", "d.au", "f_ru", "f.ru").Replace(statsCounts) + `
FROM d CROSS JOIN cases c INDEXED BY cases_petition_stats
LEFT JOIN f ON c.replied_at IS NOT NULL AND f.n = CAST(julianday(c.final_from) AS INTEGER) + c.final_days
WHERE ` + typeIsPetition + ` AND c.received_at >= d.s AND c.received_at < d.e AND ` + w + `
GROUP BY d.m, c.category, c.org_path`)
	return b.String(), append(args, wargs...)
}

type rowsScanner interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

func scanCellRows[R rowsScanner](rows R, err error) ([]cell, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cell
	for rows.Next() {
		var c cell
		if err := rows.Scan(&c.month, &c.category, &c.path, &c.Received, &c.Accepted, &c.AcceptedTimely, &c.Replied,
			&c.RepliedOnTime, &c.Rated, &c.Satisfied, &c.Repeat); err != nil {
			return nil, err
		}
		if c.month < 1 || c.month > 12 {
			return nil, fmt.Errorf("petition stats: month %d out of range", c.month)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// monthCategoryCounts counts the petitions received in year y by month
// (1–12) and category: last year's side of the comparisons, and earlier
// years when the run of decline reaches back.
func (s *Service) monthCategoryCounts(ctx context.Context, sc statsScope, y int) (map[int]map[string]int, error) {
	starts := make([]time.Time, 13)
	for i := range starts {
		starts[i] = time.Date(y, time.Month(i+1), 1, 0, 0, 0, 0, s.Loc).UTC()
	}
	w, wargs := sc.where()
	var q string
	var args []any
	if s.rollupReady(ctx, s.DB) {
		sel := `SELECT ym, category, org_path, received`
		q = `SELECT c.ym % 100, c.category, SUM(c.received)
	FROM (` + sel + ` FROM petition_stat_cells WHERE ym > ? AND ym < ?
		UNION ALL ` + sel + ` FROM petition_stat_deltas WHERE ym > ? AND ym < ?) c
	WHERE ` + w + `
	GROUP BY c.ym, c.category`
		args = []any{y * 100, y*100 + 13, y * 100, y*100 + 13}
	} else if s.DB.Dialect == db.Postgres {
		q = `SELECT width_bucket(c.received_at, ?::timestamptz[]), c.category, COUNT(*)
FROM cases c
WHERE ` + typeIsPetition + ` AND c.received_at >= ? AND c.received_at < ? AND ` + w + `
GROUP BY 1, 2`
		args = append(args, pgArray(starts[:12], pgTime), starts[0], starts[12])
	} else {
		var b strings.Builder
		b.WriteString("WITH m(s, e, i) AS (VALUES ")
		for i := range 12 {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?)")
			args = append(args, starts[i], starts[i+1], i+1)
		}
		b.WriteString(`)
SELECT m.i, c.category, COUNT(*)
FROM m CROSS JOIN cases c INDEXED BY cases_petition_stats
WHERE ` + typeIsPetition + ` AND c.received_at >= m.s AND c.received_at < m.e AND ` + w + `
GROUP BY m.i, c.category`)
		q = b.String()
	}
	args = append(args, wargs...)
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]map[string]int{}
	for rows.Next() {
		var m, n int
		var cat string
		if err := rows.Scan(&m, &cat, &n); err != nil {
			return nil, err
		}
		if out[m] == nil {
			out[m] = map[string]int{}
		}
		out[m][cat] += n
	}
	return out, rows.Err()
}

// statsFirstYear is the first year with petitions in the viewer's
// jurisdiction (this year when there are none): the page offers the years
// from it. (The column itself, not MIN(): SQLite gives an aggregate's
// time back as text.)
func (s *Service) statsFirstYear(ctx context.Context) (int, error) {
	p := auth.FromContext(ctx)
	w, args := p.ScopeSQL("c.org_path")
	var first time.Time
	err := s.DB.QueryRow(ctx, `SELECT c.received_at FROM cases c WHERE `+typeIsPetition+` AND `+w+
		` ORDER BY c.received_at LIMIT 1`, args...).Scan(&first)
	if isNoRows(err) {
		return s.E.Clock().In(s.Loc).Year(), nil
	}
	if err != nil {
		return 0, err
	}
	return first.In(s.Loc).Year(), nil
}
