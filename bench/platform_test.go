package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"anju/internal/app"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// openApp builds an app over a fresh SQLite file.
func openApp(b *testing.B) *app.App {
	b.Helper()
	cfg := app.Defaults()
	cfg.DB = filepath.Join(b.TempDir(), "bench.db")
	a, err := app.Open(context.Background(), cfg, "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a
}

// serve runs h on a loopback listener and returns its base URL.
func serve(b *testing.B, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// load sends GET url from conc keep-alive clients for d and returns requests/s.
func load(url string, conc int, d time.Duration) float64 {
	tr := &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	var n atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := c.Get(url)
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds()
}

// BenchmarkHealthzVsBare measures /healthz through Anju's whole middleware
// stack against a bare net/http handler writing the same bytes, alternating
// rounds in the same run so both see the same machine. Target: ratio ≥ 0.7.
func BenchmarkHealthzVsBare(b *testing.B) {
	a := openApp(b)
	anju := serve(b, a.Handler()) + "/healthz"
	body := []byte(`{"status":"ok"}` + "\n")
	bare := serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})) + "/healthz"
	var sumA, sumB float64
	rounds := 0
	for b.Loop() {
		sumB += load(bare, 16, 400*time.Millisecond)
		sumA += load(anju, 16, 400*time.Millisecond)
		rounds++
	}
	b.ReportMetric(sumA/float64(rounds), "anju-req/s")
	b.ReportMetric(sumB/float64(rounds), "bare-req/s")
	b.ReportMetric(sumA/sumB, "ratio")
}

// BenchmarkLogin measures a whole password login (argon2id at the chosen
// cost, the lockout bookkeeping, the new session, the audit record) against
// hashing alone — the cost we chose on purpose.
func BenchmarkLogin(b *testing.B) {
	a := openApp(b)
	ctx := auth.WithPrincipal(context.Background(), auth.System("bench"))
	unit := seedCity(b, a)
	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Username: "bencher", DisplayName: "压测", Role: auth.DistrictStaff,
		OrgUnitID: unit, Password: "Bench-pass-2026"}); err != nil {
		b.Fatal(err)
	}
	b.Run("login", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := a.Auth.Login(ctx, auth.LoginInput{Identifier: "bencher", Password: "Bench-pass-2026", IP: "127.0.0.1"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hash-only", func(b *testing.B) {
		for b.Loop() {
			if _, err := auth.HashPassword("Bench-pass-2026"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDemoStart is `anju serve --demo` on an empty database at scale 1,
// up to the moment it could serve: open, migrate, generate. Target < 5 s.
func BenchmarkDemoStart(b *testing.B) {
	for b.Loop() {
		cfg := app.Defaults()
		cfg.DB = filepath.Join(b.TempDir(), fmt.Sprintf("demo-%d.db", time.Now().UnixNano()))
		start := time.Now()
		a, err := app.Open(context.Background(), cfg, "bench")
		if err != nil {
			b.Fatal(err)
		}
		if err := a.RunDemo(context.Background(), 1, 1, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/start")
		a.Close()
	}
}

func seedCity(b *testing.B, a *app.App) int64 {
	ctx := auth.WithPrincipal(context.Background(), auth.System("bench"))
	var id int64
	err := a.DB.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO org_units (id, kind, code, name, path, depth, created_at) VALUES (1, 'city', 'B', '压测市', '/1/', 0, ?)`, time.Now().UTC())
		id = 1
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return id
}
