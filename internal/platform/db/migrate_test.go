package db_test

import (
	"context"
	"sync"
	"testing"
	"testing/fstest"

	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

// Several processes starting together on one empty PostgreSQL schema must
// migrate it once, without errors.
func TestConcurrentMigrate(t *testing.T) {
	src := db.Source{Module: "t", FS: fstest.MapFS{
		"sqlite/0001_a.sql":   {Data: []byte(`CREATE TABLE a (id INTEGER PRIMARY KEY)`)},
		"postgres/0001_a.sql": {Data: []byte(`CREATE TABLE a (id BIGINT PRIMARY KEY)`)},
	}}
	_, target := dbtest.NewSchema(t, dbtest.PostgresURL(t))
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := db.Open(context.Background(), target)
			if err != nil {
				errs <- err
				return
			}
			defer d.Close()
			_, err = db.Migrate(context.Background(), d, src)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
