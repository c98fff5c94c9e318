package demo

import (
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/org"
)

// BenchmarkGenerateScale1 is the whole scale-1 demo on an empty SQLite file:
// tree, departments and accounts (argon2 included), as `anju serve --demo`
// runs it.
func BenchmarkGenerateScale1(b *testing.B) { benchmarkGenerate(b, 1) }

// BenchmarkGenerateScale20 is a benchmark-sized city: 6,000 compounds and
// some 70,000 buildings.
func BenchmarkGenerateScale20(b *testing.B) { benchmarkGenerate(b, 20) }

func benchmarkGenerate(b *testing.B, scale int) {
	units := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := dbtest.SQLite(b, sources...)
		b.StartTimer()
		res, err := Generate(ctx, newEnv(d), Options{Seed: int64(i), Scale: scale})
		if err != nil {
			b.Fatal(err)
		}
		units += res.Units
	}
	b.ReportMetric(float64(units)/b.Elapsed().Seconds(), "units/s")
}

// BenchmarkCityTree compares, in the same run, writing the scale-1 tree
// with the generator's multi-row INSERTs against the obvious alternative:
// the same units one by one through org.Store.Create (validated, audited,
// five statements each). Both on SQLite, in one transaction each.
func BenchmarkCityTree(b *testing.B) {
	var bulk, perRow time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := dbtest.SQLite(b, sources...)
		b.StartTimer() // ns/op is the generator's bulk write
		start := time.Now()
		if _, err := generate(ctx, newEnv(d), Options{Seed: 1}, platformSteps()[:1]); err != nil {
			b.Fatal(err)
		}
		bulk += time.Since(start)
		b.StopTimer()
		rows := readTree(b, d)

		d2 := dbtest.SQLite(b, sources...)
		env := newEnv(d2)
		start = time.Now()
		err := d2.Tx(ctx, func(tx *db.Tx) error {
			ids := map[int64]int64{} // generated id → id the store gave
			for _, u := range rows {
				generated := u.ID
				u.ID, u.ParentID = 0, ids[u.ParentID]
				got, err := env.Org.Create(auth.WithPrincipal(ctx, system), tx, system, u)
				if err != nil {
					return err
				}
				ids[generated] = got.ID
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		perRow += time.Since(start)
	}
	b.ReportMetric(float64(bulk.Milliseconds())/float64(b.N), "bulk-ms/op")
	b.ReportMetric(float64(perRow.Milliseconds())/float64(b.N), "store-create-ms/op")
	b.ReportMetric(perRow.Seconds()/bulk.Seconds(), "speedup-x")
	b.StartTimer()
}

func readTree(b *testing.B, d *db.DB) []org.Unit {
	rows, err := d.Query(ctx, `SELECT id, COALESCE(parent_id, 0), kind, code, name, lat, lng FROM org_units ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []org.Unit
	for rows.Next() {
		var u org.Unit
		var kind string
		var lat, lng float64
		if err := rows.Scan(&u.ID, &u.ParentID, &kind, &u.Code, &u.Name, &lat, &lng); err != nil {
			b.Fatal(err)
		}
		u.Kind, u.Lat, u.Lng = org.Kind(kind), &lat, &lng
		out = append(out, u)
	}
	return out
}
