package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"anju/internal/app"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/workday"
	"anju/internal/property"
)

// The property benchmarks, on SQLite (the embedded default) and, when
// ANJU_TEST_POSTGRES names a server, on PostgreSQL:
//
//   - BenchmarkPropertyScoring: scoring a quarter of 5,000 companies over
//     1,000,000 facts (target < 10 s), against the baseline of merely
//     reading those facts in the same query.
//   - BenchmarkPropertyCoverage: the three rates of a city of 50,000
//     compounds and 500,000 buildings (target < 100 ms), against the
//     baseline of counting the city's compounds.

var propertyCtx = auth.WithPrincipal(context.Background(), auth.System("bench"))

// propertyDBs yields the databases to run on: a fresh SQLite file and,
// if configured, a fresh PostgreSQL schema, each migrated with every module.
func propertyDBs(b *testing.B, run func(b *testing.B, d *db.DB)) {
	b.Run("sqlite", func(b *testing.B) { run(b, dbtest.SQLite(b, app.Sources...)) })
	if os.Getenv("ANJU_TEST_POSTGRES") != "" {
		b.Run("postgres", func(b *testing.B) { run(b, dbtest.Postgres(b, app.Sources...)) })
	}
}

// bulkInsert writes rows of n columns into table in multi-row statements.
func bulkInsert(b *testing.B, tx *db.Tx, table, columns string, n int, rows [][]any) {
	b.Helper()
	const perStmt = 500
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	for i := 0; i < len(rows); i += perStmt {
		chunk := rows[i:min(i+perStmt, len(rows))]
		args := make([]any, 0, len(chunk)*n)
		for _, r := range chunk {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " (" + columns + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", ")
		if _, err := tx.Exec(propertyCtx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
}

// benchCity writes a city of the given number of compounds straight into
// org_units: 8 districts, a street per 11 compounds, a community per 3.6,
// and buildings per compound; it returns the compounds' ids and paths.
type benchUnit struct {
	id, district, street, parent int64
	path                         string
}

func benchCity(b *testing.B, d *db.DB, compounds, buildingsEach int) []benchUnit {
	b.Helper()
	now := time.Date(2025, 1, 2, 1, 0, 0, 0, time.UTC)
	var rows [][]any
	var out []benchUnit
	id := int64(1)
	unit := func(parent int64, kind, code, path string, depth int) [][]any {
		var p any
		if parent != 0 {
			p = parent
		}
		return [][]any{{id, p, kind, code, code, path, depth, now}}
	}
	rows = append(rows, unit(0, "city", "C", "/1/", 0)...)
	r := rand.New(rand.NewPCG(1, 2))
	streets := max(1, compounds/11)
	communities := max(1, compounds*10/36)
	var districtPaths, streetPaths, communityPaths []string
	var districtIDs, streetIDs, communityIDs []int64
	var streetDistrict, communityStreet []int
	for i := range 8 {
		id++
		path := fmt.Sprintf("/1/%d/", id)
		rows = append(rows, unit(1, "district", fmt.Sprintf("D%d", i), path, 1)...)
		districtPaths, districtIDs = append(districtPaths, path), append(districtIDs, id)
	}
	for i := range streets {
		id++
		k := i % 8
		path := fmt.Sprintf("%s%d/", districtPaths[k], id)
		rows = append(rows, unit(districtIDs[k], "street", fmt.Sprintf("S%d", i), path, 2)...)
		streetPaths, streetIDs = append(streetPaths, path), append(streetIDs, id)
		streetDistrict = append(streetDistrict, k)
	}
	for i := range communities {
		id++
		k := r.IntN(streets)
		path := fmt.Sprintf("%s%d/", streetPaths[k], id)
		rows = append(rows, unit(streetIDs[k], "community", fmt.Sprintf("M%d", i), path, 3)...)
		communityPaths, communityIDs = append(communityPaths, path), append(communityIDs, id)
		communityStreet = append(communityStreet, k)
	}
	for i := range compounds {
		id++
		k := r.IntN(communities)
		path := fmt.Sprintf("%s%d/", communityPaths[k], id)
		rows = append(rows, unit(communityIDs[k], "compound", fmt.Sprintf("P%d", i), path, 4)...)
		st := communityStreet[k]
		out = append(out, benchUnit{id, districtIDs[streetDistrict[st]], streetIDs[st], communityIDs[k], path})
		cp := id
		for j := range buildingsEach {
			id++
			rows = append(rows, unit(cp, "building", fmt.Sprintf("P%d-%d", i, j), fmt.Sprintf("%s%d/", path, id), 5)...)
		}
	}
	err := d.Tx(propertyCtx, func(tx *db.Tx) error {
		bulkInsert(b, tx, "org_units", "id, parent_id, kind, code, name, path, depth, created_at", 8, rows)
		if tx.Dialect() == db.Postgres {
			_, err := tx.Exec(propertyCtx, `SELECT setval(pg_get_serial_sequence('org_units', 'id'), ?)`, id)
			return err
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// benchCompanies files n companies with valid credit codes with the city.
func benchCompanies(b *testing.B, d *db.DB, n int) []int64 {
	b.Helper()
	now := time.Now().UTC()
	rows := make([][]any, n)
	ids := make([]int64, n)
	for i := range n {
		first := fmt.Sprintf("9133010%010d", i)
		c, _ := property.CreditCheckChar(first)
		ids[i] = int64(i + 1)
		rows[i] = []any{ids[i], fmt.Sprintf("压测物业%05d有限公司", i), first + string(c), "x", "", "", "none", i % 2, 1, "/1/",
			"active", 1, now, now}
	}
	err := d.Tx(propertyCtx, func(tx *db.Tx) error {
		bulkInsert(b, tx, "property_companies", "id, name, credit_code, legal_rep, address, phone, qualification, party_org, "+
			"org_unit_id, org_path, status, version, created_at, updated_at", 14, rows)
		if tx.Dialect() == db.Postgres {
			_, err := tx.Exec(propertyCtx, `SELECT setval(pg_get_serial_sequence('property_companies', 'id'), ?)`, n)
			return err
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return ids
}

// publishDefaultRules publishes the default rules effective 2025-01-01.
func publishDefaultRules(b *testing.B, s *property.Service) {
	b.Helper()
	rs, err := s.NewDraft(propertyCtx)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.SaveSettings(propertyCtx, rs.Version, property.RuleSettings{Name: rs.Name, EffectiveFrom: workday.NewDate(2025, 1, 1),
		Base: rs.Base, MaxBonus: rs.MaxBonus, MaxScore: rs.MaxScore, DefaultValidityDays: rs.DefaultValidityDays,
		ObjectionWorkdays: rs.ObjectionWorkdays, Grades: rs.Grades, RedGrades: rs.RedGrades, BlackGrades: rs.BlackGrades}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Publish(propertyCtx, rs.Version); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPropertyScoring scores 2026Q1 for 5,000 companies over
// 1,000,000 verified facts spread over the 15 months before its end (so
// the validity rules really decide), including writing the 5,000 explained
// results. Baseline: the same SELECT of the facts, only read and summed.
// Target: s/scoring under 10.
func BenchmarkPropertyScoring(b *testing.B) {
	const companies, facts = 5000, 1_000_000
	propertyDBs(b, func(b *testing.B, d *db.DB) {
		s := &property.Service{DB: d, Now: func() time.Time { return time.Date(2026, 4, 10, 2, 0, 0, 0, time.UTC) }}
		benchCity(b, d, 10, 0)
		ids := benchCompanies(b, d, companies)
		publishDefaultRules(b, s)
		kinds := []string{"petition_upheld", "petition_upheld", "rectification_overdue", "rectification_failed", "survey",
			"honour_city", "party_org", "penalty", "rectification_done", "red_property_demo"}
		r := rand.New(rand.NewPCG(3, 4))
		start := workday.NewDate(2025, 1, 1)
		now := time.Now().UTC()
		err := d.Tx(propertyCtx, func(tx *db.Tx) error {
			rows := make([][]any, 0, 20000)
			for i := range facts {
				kind := kinds[r.IntN(len(kinds))]
				var value any
				if kind == "survey" {
					value = float64(50 + r.IntN(50))
				}
				if r.IntN(20000) == 0 {
					kind = "fund_misuse"
				}
				on := start.AddDays(r.IntN(455)).String()
				rows = append(rows, []any{ids[r.IntN(len(ids))], "/1/", "petition", fmt.Sprintf("B%d", i), kind, value, on, on, 1, 0, 0, "", "", now})
				if len(rows) == cap(rows) {
					bulkInsert(b, tx, "credit_facts", "company_id, org_path, source_type, source_id, kind, value, occurred_on, valid_from, "+
						"verified, disputed, voided, void_reason, note, created_at", 14, rows)
					rows = rows[:0]
				}
			}
			bulkInsert(b, tx, "credit_facts", "company_id, org_path, source_type, source_id, kind, value, occurred_on, valid_from, "+
				"verified, disputed, voided, void_reason, note, created_at", 14, rows)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if d.Dialect == db.Postgres {
			_, _ = d.Exec(propertyCtx, `ANALYZE`)
		}
		var scoring, reading time.Duration
		var counted int
		rounds := 0
		for b.Loop() {
			t0 := time.Now()
			var n int
			var sum float64
			rows, err := d.Query(propertyCtx, `SELECT id, company_id, kind, value, valid_from, valid_until, disputed FROM credit_facts
				WHERE verified = 1 AND voided = 0 AND valid_from <= ? AND (valid_until IS NULL OR valid_until >= ?)`, "2026-03-31", "2026-03-31")
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var id, company int64
				var kind, from string
				var value *float64
				var until *string
				var disputed int
				if err := rows.Scan(&id, &company, &kind, &value, &from, &until, &disputed); err != nil {
					b.Fatal(err)
				}
				sum += float64(company)
				n++
			}
			rows.Close()
			reading += time.Since(t0)

			t1 := time.Now()
			run, err := s.RunScoring(propertyCtx, "2026Q1")
			if err != nil {
				b.Fatal(err)
			}
			scoring += time.Since(t1)
			if run.Companies != companies || run.Facts != n {
				b.Fatalf("run %+v, read %d", run, n)
			}
			counted = run.Facts
			rounds++
		}
		b.ReportMetric(scoring.Seconds()/float64(rounds), "s/scoring")
		b.ReportMetric(reading.Seconds()/float64(rounds), "s/read-baseline")
		b.ReportMetric(float64(counted), "facts-read")
		b.ReportMetric(scoring.Seconds()/reading.Seconds(), "ratio")
	})
}

// BenchmarkPropertyCoverage computes the city's three rates over 50,000
// compounds (each with a registry row, a company for most) and 500,000
// buildings in the tree; then a district's. Baseline: counting the city's
// compounds with the same index. Target: ms/city under 100. (On
// PostgreSQL the counts are index-only scans once VACUUM has marked the
// pages all-visible; a long transaction elsewhere on the server holds
// that back and the figure rises with the heap fetches.)
func BenchmarkPropertyCoverage(b *testing.B) {
	const compounds, buildings = 50_000, 10
	propertyDBs(b, func(b *testing.B, d *db.DB) {
		s := &property.Service{DB: d}
		a, err := app.New(propertyCtx, app.Defaults(), d, "bench")
		if err != nil {
			b.Fatal(err)
		}
		s.Org = a.Org
		units := benchCity(b, d, compounds, buildings)
		ids := benchCompanies(b, d, 5000)
		r := rand.New(rand.NewPCG(5, 6))
		now := time.Now().UTC()
		rows := make([][]any, len(units))
		for i, u := range units {
			service, company := "company", any(ids[r.IntN(len(ids))])
			switch r.IntN(10) {
			case 0:
				service, company = "none", nil
			case 1:
				service, company = "self", nil
			}
			end := fmt.Sprintf("%d-12-31", 2025+r.IntN(4))
			rows[i] = []any{u.id, u.path, u.district, u.street, u.parent, "", 100, 2000, 0, service, company, 1, r.IntN(2), "", "",
				"2022-01-01", end, r.IntN(2), nil, nil, r.IntN(3) / 2, 0, nil, 1, now}
		}
		err = d.Tx(propertyCtx, func(tx *db.Tx) error {
			bulkInsert(b, tx, "property_compounds", "org_unit_id, org_path, district_id, street_id, community_id, address, households, "+
				"year_built, old_compound, service_type, company_id, company_active, company_party, contract_scope, fee_standard, "+
				"contract_start, contract_end, committee_formed, committee_formed_on, committee_term_end, party_branch, council, "+
				"council_since, version, updated_at", 25, rows)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if d.Dialect == db.Postgres {
			_, _ = d.Exec(propertyCtx, `VACUUM ANALYZE`) // as autovacuum would, soon after a load this size
		}
		asOf := workday.NewDate(2026, 6, 30)
		var city, district, count time.Duration
		rounds := 0
		for b.Loop() {
			t0 := time.Now()
			var n int
			if err := d.QueryRow(propertyCtx, `SELECT COUNT(*) FROM org_units WHERE kind = 'compound' AND path >= ? AND path < ?`,
				"/1/", "/10").Scan(&n); err != nil {
				b.Fatal(err)
			}
			count += time.Since(t0)

			t1 := time.Now()
			cov, err := s.Coverage(propertyCtx, nil, 1, asOf)
			if err != nil {
				b.Fatal(err)
			}
			city += time.Since(t1)
			if cov.Node.Compounds != compounds || n != compounds || len(cov.Children) != 8 {
				b.Fatalf("coverage of %d compounds, %d children; count %d", cov.Node.Compounds, len(cov.Children), n)
			}

			t2 := time.Now()
			if _, err := s.Coverage(propertyCtx, nil, 2, asOf); err != nil {
				b.Fatal(err)
			}
			district += time.Since(t2)
			rounds++
		}
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(rounds) }
		b.ReportMetric(ms(city), "ms/city")
		b.ReportMetric(ms(district), "ms/district")
		b.ReportMetric(ms(count), "ms/count-baseline")
		b.ReportMetric(float64(city)/float64(count), "ratio")
	})
}
