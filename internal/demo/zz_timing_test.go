package demo

import (
	"os"
	"strconv"
	"testing"
	"time"

	"anju/internal/platform/db/dbtest"
)

func TestZZTiming(t *testing.T) {
	scale, _ := strconv.Atoi(os.Getenv("ZZ_SCALE"))
	if scale == 0 {
		t.Skip()
	}
	d := dbtest.SQLite(t, sources...)
	if os.Getenv("ZZ_PG") != "" {
		d = dbtest.Postgres(t, sources...)
	}
	start := time.Now()
	res, err := Generate(ctx, newEnv(d), Options{Seed: 1, Scale: scale, Progress: os.Stdout})
	if err != nil {
		t.Fatal(err)
	}
	res.Print(os.Stdout)
	t.Logf("scale %d on %s: %s, %d units", scale, d.Dialect, time.Since(start), res.Units)
}
