package audit

import (
	"context"
	"testing"

	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

// BenchmarkRecord measures what Record adds to a business transaction on
// SQLite: one INSERT. Rows are written 1,000 to a transaction, so the commit
// (an fsync, paid once per business transaction anyway) does not swamp it.
func BenchmarkRecord(b *testing.B) {
	d := dbtest.SQLite(b, sources...)
	ctx := as(staff)
	e := Entry{Action: "petition.create", ObjectType: "petition", ObjectID: "XF2026-000123",
		Detail: "受理信访件：反映小区电梯故障，转街道办处理"}
	const perTx = 1000
	b.ReportAllocs()
	for i := 0; i < b.N; i += perTx {
		err := d.Tx(ctx, func(tx *db.Tx) error {
			for j := i; j < min(i+perTx, b.N); j++ {
				if err := Record(ctx, tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeal measures sealing on SQLite, per record: it has to keep up
// with intake (2,000 records a second at peak) with room to spare.
func BenchmarkSeal(b *testing.B) {
	d := dbtest.SQLite(b, sources...)
	ctx := as(staff)
	e := Entry{Action: "petition.create", ObjectType: "petition", ObjectID: "XF2026-000123",
		Detail: "受理信访件：反映小区电梯故障，转街道办处理"}
	const perRound = 10000
	b.ReportAllocs()
	for done := 0; done < b.N; done += perRound {
		b.StopTimer()
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			for range min(perRound, b.N-done) {
				if err := Record(ctx, tx, e); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := Seal(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
}
