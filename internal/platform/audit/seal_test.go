package audit

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
)

// sealWhileWriting runs writers and sealers at once — each writer and sealer
// on the handle handles[i % len] — then seals what is left and checks that
// the chain is one: positions 1..n without a hole, and verifying.
func sealWhileWriting(t *testing.T, handles []*db.DB) {
	t.Helper()
	const writers, sealers, perWriter = 4, 2, 100
	var wg sync.WaitGroup
	errs := make(chan error, writers+sealers)
	done := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			d, ctx := handles[w%len(handles)], as(staff)
			for range perWriter {
				if err := d.Tx(ctx, func(tx *db.Tx) error {
					return Record(ctx, tx, Entry{Action: "petition.create", ObjectType: "petition"})
				}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var sealed sync.WaitGroup
	for s := range sealers {
		sealed.Go(func() {
			d := handles[s%len(handles)]
			for {
				if _, err := Seal(context.Background(), d); err != nil {
					errs <- err
					return
				}
				select {
				case <-done:
					return
				case <-time.After(time.Millisecond): // as RunSealer would, only faster
				}
			}
		})
	}
	wg.Wait()
	close(done)
	sealed.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	mustSeal(t, handles[0], -1)

	d := handles[0]
	var lo, hi, n int
	if err := d.QueryRow(context.Background(),
		`SELECT MIN(chain_pos), MAX(chain_pos), COUNT(*) FROM audit_log`).Scan(&lo, &hi, &n); err != nil {
		t.Fatal(err)
	}
	if total := writers * perWriter; n != total || lo != 1 || hi != total {
		t.Fatalf("chain holds positions %d..%d for %d rows, want 1..%d", lo, hi, n, total)
	}
	for _, d := range handles {
		rep := mustVerify(t, d)
		wantOK(t, rep, writers*perWriter)
		if rep.Unsealed != 0 {
			t.Fatalf("%d rows left unsealed", rep.Unsealed)
		}
	}
}

func TestConcurrentSealOneHandle(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		sealWhileWriting(t, []*db.DB{d})
	})
}

// Two handles on one database stand for two `anju serve` processes.
func TestConcurrentSealTwoProcesses(t *testing.T) {
	open2 := func(t *testing.T, target string) []*db.DB {
		var out []*db.DB
		for range 2 {
			d, err := db.Open(context.Background(), target)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			if _, err := db.Migrate(context.Background(), d, migrations.Platform); err != nil {
				t.Fatal(err)
			}
			out = append(out, d)
		}
		return out
	}
	t.Run("sqlite", func(t *testing.T) {
		sealWhileWriting(t, open2(t, filepath.Join(t.TempDir(), "two.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		_, target := dbtest.NewSchema(t, dbtest.PostgresURL(t))
		sealWhileWriting(t, open2(t, target))
	})
}

// While another session holds the chain's lock, Seal on PostgreSQL steps
// aside at once instead of queueing behind it.
func TestSealSkipsWhileLocked(t *testing.T) {
	d := dbtest.Postgres(t, sources...)
	ctx := context.Background()
	recordN(t, as(staff), d, 3)
	err := d.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, lockSQL); err != nil {
			return err
		}
		start := time.Now()
		n, err := Seal(ctx, d)
		if err != nil {
			return err
		}
		if n != 0 || time.Since(start) > 2*time.Second {
			t.Errorf("Seal sealed %d rows in %v while the lock was held; want 0, at once", n, time.Since(start))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mustSeal(t, d, 3)
	wantOK(t, mustVerify(t, d), 3)
}

func TestRunSealer(t *testing.T) {
	d := dbtest.SQLite(t, sources...)
	recordN(t, as(staff), d, 3)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { RunSealer(ctx, d, 10*time.Millisecond); close(stopped) }()
	deadline := time.Now().Add(5 * time.Second)
	for count(t, d, "chain_pos IS NULL") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("RunSealer did not seal")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("RunSealer did not stop when its context ended")
	}
	wantOK(t, mustVerify(t, d), 3)
}
