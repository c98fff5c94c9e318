package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"anju/internal/petition"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

// TestCrashDuringIntake runs the real binary, files petitions through the
// API from several clients, kills the server with SIGKILL in the middle,
// starts it again and checks that every petition whose number a client
// was given is there: the number is answered only after the commit. On
// SQLite (a WAL file recovered at the next open) and on PostgreSQL.
func TestCrashDuringIntake(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildAnju(t)
	t.Run("sqlite", func(t *testing.T) {
		crashDuringIntake(t, bin, filepath.Join(t.TempDir(), "crash.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		_, target := dbtest.NewSchema(t, dbtest.PostgresURL(t))
		crashDuringIntake(t, bin, target)
	})
}

// buildAnju builds ./cmd/anju into the test's temporary directory.
func buildAnju(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "anju")
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", bin, "anju/cmd/anju")
	cmd.Dir = ".." // the module root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built anju in %s", time.Since(start).Round(time.Millisecond))
	return bin
}

// anjuCmd runs one administrative command of the binary against target.
func anjuCmd(t *testing.T, bin, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, anjuEnv(dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("anju %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func anjuEnv(dir string) []string {
	return append(os.Environ(), "ANJU_AUDIT_KEY_FILE="+filepath.Join(dir, "audit.key"), "ANJU_LOG_LEVEL=warn")
}

// server is a running `anju serve`.
type anjuServer struct {
	cmd  *exec.Cmd
	base string
	out  *bytes.Buffer
}

var servingOn = regexp.MustCompile(`serving on (http://[0-9.:]+)`)

// startAnju starts `anju serve` on a free loopback port and waits until it
// answers /readyz.
func startAnju(t *testing.T, bin, dir, target string) *anjuServer {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--db", target, "--addr", "127.0.0.1:0")
	cmd.Dir, cmd.Env = dir, anjuEnv(dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errs bytes.Buffer
	cmd.Stderr = &errs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &anjuServer{cmd: cmd, out: &errs}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := servingOn.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case s.base = <-found:
	case <-time.After(30 * time.Second):
		t.Fatalf("anju serve did not start:\n%s", errs.String())
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("anju serve not ready: %v\n%s", err, errs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the server gracefully.
func (s *anjuServer) stop(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("anju serve after SIGTERM: %v\n%s", err, s.out.String())
	}
}

type filed struct{ number, check string }

func crashDuringIntake(t *testing.T, bin, target string) {
	dir := t.TempDir()
	ctx := context.Background()
	// A real city: anju init, then the tree from a spreadsheet.
	anjuCmd(t, bin, dir, "init", "--db", target, "--city", "崩溃测试市", "--code", "CR")
	tree := filepath.Join(dir, "tree.csv")
	if err := os.WriteFile(tree, []byte("编码,名称,类型,上级编码\nCR01,东区,区,CR\nCR02,西区,区,CR\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	anjuCmd(t, bin, dir, "org", "import", tree, "--db", target)
	d, err := db.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	var districts []int64
	rows, err := d.Query(ctx, `SELECT id FROM org_units WHERE kind = 'district' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		districts = append(districts, id)
	}
	rows.Close()
	d.Close()
	if len(districts) != 2 {
		t.Fatalf("districts %v", districts)
	}

	srv := startAnju(t, bin, dir, target)
	// Clients file petitions until the server dies under them.
	const clients = 8
	var mu sync.Mutex
	var got []filed
	var attempts, lost atomic.Int64
	killed := make(chan struct{})
	var wg sync.WaitGroup
	for g := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 7))
			c := &http.Client{Timeout: 10 * time.Second}
			for {
				phone := fmt.Sprintf("139%08d", r.IntN(100_000_000))
				body, _ := json.Marshal(map[string]any{"kind": "complaint", "category": "property_management",
					"title": "电梯故障", "body": "小区电梯经常停运，老人出行困难", "name": "王建国", "phone": phone,
					"unit_id": districts[r.IntN(2)], "address": "幸福里3号楼"})
				attempts.Add(1)
				resp, err := c.Post(srv.base+"/api/v1/petition/submissions", "application/json", bytes.NewReader(body))
				if err != nil {
					lost.Add(1)
					select {
					case <-killed:
						return
					default:
						t.Errorf("before the kill: %v", err)
						return
					}
				}
				var rc petition.Receipt
				err = json.NewDecoder(resp.Body).Decode(&rc)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusCreated {
					// A response cut off by the kill is not a receipt.
					lost.Add(1)
					select {
					case <-killed:
						return
					default:
						t.Errorf("intake: %d %v", resp.StatusCode, err)
						return
					}
				}
				mu.Lock()
				got = append(got, filed{rc.Number, rc.CheckCode})
				mu.Unlock()
			}
		}()
	}
	// Kill once intake is in full swing (and at most after 3 s).
	deadline := time.Now().Add(3 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 400 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(killed)
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = srv.cmd.Wait()
	wg.Wait()
	mu.Lock()
	numbers := append([]filed(nil), got...)
	mu.Unlock()
	if len(numbers) == 0 {
		t.Fatalf("no petition was filed before the kill:\n%s", srv.out.String())
	}
	t.Logf("%d petitions answered with a number, %d requests cut off by SIGKILL (of %d)", len(numbers), lost.Load(), attempts.Load())

	// Start again on the same database: every number given out is there.
	srv = startAnju(t, bin, dir, target)
	d, err = db.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	rows, err = d.Query(ctx, `SELECT number FROM cases`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		stored[n] = true
	}
	rows.Close()
	d.Close()
	missing := 0
	for _, f := range numbers {
		if !stored[f.number] {
			missing++
			if missing <= 10 {
				t.Errorf("petition %s was answered before the crash but is not stored", f.number)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d numbers given out are missing after the restart", missing, len(numbers))
	}
	t.Logf("after the restart: all %d numbers stored (%d cases in all)", len(numbers), len(stored))
	// And the restarted server shows them to their petitioners.
	for i := 0; i < len(numbers); i += max(1, len(numbers)/10) {
		f := numbers[i]
		body, _ := json.Marshal(petition.TrackRequest{Number: f.number, Check: f.check})
		resp, err := http.Post(srv.base+"/api/v1/petition/track", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("track %s after the restart: %d", f.number, resp.StatusCode)
		}
	}
	srv.stop(t)
}
