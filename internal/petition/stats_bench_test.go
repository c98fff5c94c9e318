package petition_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"anju/internal/petition"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

// BenchmarkStatsYear: the statistics of a year (ANJU_STATS_BENCH_CASES
// petitions, default 20,000, and 90% as many the year before) for the
// whole city, on both databases. The baseline is what the statistics
// replace: reading the year's rows into Go and adding them up there (with
// the deadlines cached per day); "ratio" is the baseline's time over the
// statistics' time.
func BenchmarkStatsYear(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("ANJU_STATS_BENCH_CASES")); err == nil && v > 0 {
		n = v
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			var d *db.DB
			if dialect == "sqlite" {
				d = dbtest.SQLite(b, sources...)
			} else {
				d = dbtest.Postgres(b, sources...)
			}
			now := time.Date(2026, 11, 20, 18, 0, 0, 0, shanghai)
			c := newBenchCity(b, d, 8, 6, now)
			r := rand.New(rand.NewPCG(1, 2))
			c.seedYear(b, 2025, n*9/10, r)
			c.seedYear(b, 2026, n, r)
			analyze := `ANALYZE`
			if d.Dialect == db.Postgres {
				analyze = `VACUUM ANALYZE cases`
			}
			if _, err := d.Exec(context.Background(), analyze); err != nil {
				b.Fatal(err)
			}
			ctx := as(c.CityStaff)
			f := petition.StatsFilter{Year: 2026}
			st, err := c.S.Stats(ctx, f, web.ZH)
			if err != nil {
				b.Fatal(err)
			}
			// The baseline, timed outside the benchmark's clock; it must
			// agree with the statistics.
			start := time.Now()
			const baseRuns = 3
			var base petition.Figures
			for range baseRuns {
				base = goLoopStats(b, c, 2026)
			}
			baseline := time.Since(start) / baseRuns
			if figuresText(base) != figuresText(st.Total) {
				b.Fatalf("the baseline disagrees:\n%s\n%s", figuresText(base), figuresText(st.Total))
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := c.S.Stats(ctx, f, web.ZH); err != nil {
					b.Fatal(err)
				}
			}
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(n), "cases")
			b.ReportMetric(float64(baseline.Milliseconds()), "baseline-ms")
			b.ReportMetric(float64(baseline)/float64(per), "ratio")
		})
	}
}

// goLoopStats is the per-case way: read every petition of year y and
// count the year's KPIs in Go (the deadlines cached per day), and last
// year's petitions for the comparison.
func goLoopStats(tb testing.TB, c *benchCity, y int) petition.Figures {
	ctx := context.Background()
	cal := c.E.Cal
	next := func(d workday.Date) workday.Date {
		for {
			ok, err := cal.IsWorkday(d)
			var nd *workday.NoDataError
			if errors.As(err, &nd) {
				wd := d.Weekday()
				ok = wd != time.Saturday && wd != time.Sunday
			}
			if ok {
				return d
			}
			d = d.AddDays(1)
		}
	}
	dueCache := map[workday.Date]time.Time{}
	due := func(d workday.Date) time.Time {
		t, ok := dueCache[d]
		if !ok {
			t = next(d).AddDays(1).In(shanghai)
			dueCache[d] = t
		}
		return t
	}
	from := time.Date(y, 1, 1, 0, 0, 0, 0, shanghai)
	rows, err := c.DB.Query(ctx, `SELECT received_at, org_path, category, accepted_at, replied_at, rating, flags, final_from, final_days
		FROM cases WHERE type = 'petition' AND received_at >= ? AND received_at < ?`, from.UTC(), from.AddDate(1, 0, 0).UTC())
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	type key struct {
		month    int
		category string
		district string
	}
	cells := map[key]*petition.Figures{}
	for rows.Next() {
		var received time.Time
		var accepted, replied *time.Time
		var path, category, rating, finalFrom string
		var flags int64
		var finalDays int
		if err := rows.Scan(&received, &path, &category, &accepted, &replied, &rating, &flags, &finalFrom, &finalDays); err != nil {
			tb.Fatal(err)
		}
		k := key{int(received.In(shanghai).Month()), category, path}
		f := cells[k]
		if f == nil {
			f = &petition.Figures{}
			cells[k] = f
		}
		f.Received++
		if accepted != nil {
			f.Accepted++
			if accepted.Before(due(workday.DateOf(received, shanghai).AddDays(15))) {
				f.AcceptedTimely++
			}
		}
		if replied != nil {
			f.Replied++
			if ff, err := workday.ParseDate(finalFrom); err == nil && replied.Before(due(ff.AddDays(finalDays))) {
				f.RepliedOnTime++
			}
			if rating != "" {
				f.Rated++
				if rating == petition.RatingSatisfied || rating == petition.RatingBasically {
					f.Satisfied++
				}
			}
		}
		if flags&2 != 0 {
			f.Repeat++
		}
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	var last int
	if err := c.DB.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE type = 'petition' AND received_at >= ? AND received_at < ?`,
		from.AddDate(-1, 0, 0).UTC(), from.UTC()).Scan(&last); err != nil {
		tb.Fatal(err)
	}
	var total petition.Figures
	for _, f := range cells {
		total.Received += f.Received
		total.Accepted += f.Accepted
		total.AcceptedTimely += f.AcceptedTimely
		total.Replied += f.Replied
		total.RepliedOnTime += f.RepliedOnTime
		total.Rated += f.Rated
		total.Satisfied += f.Satisfied
		total.Repeat += f.Repeat
	}
	total.TimelyRate = ratio(total.AcceptedTimely, total.Accepted)
	total.OnTimeRate = ratio(total.RepliedOnTime, total.Replied)
	total.Satisfaction = ratio(total.Satisfied, total.Rated)
	total.Participation = ratio(total.Rated, total.Replied)
	return total
}

func ratio(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	v := float64(int(float64(part)*1000/float64(whole)+0.5)) / 10
	return &v
}
