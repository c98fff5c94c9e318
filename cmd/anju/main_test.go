package main

import (
	"bufio"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestMain lets the tests run this binary's main() as a child process, so
// exit statuses and signals are tested for real.
func TestMain(m *testing.M) {
	if os.Getenv("ANJU_RUN_MAIN") == "1" {
		os.Args = append([]string{"anju"}, strings.Fields(os.Getenv("ANJU_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func anju(t *testing.T, args string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"ANJU_RUN_MAIN=1", "ANJU_ARGS=" + args}, env...)...)
	cmd.Dir = t.TempDir()
	return cmd
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// Bad configuration: one clear line and exit status 2.
func TestBadConfigurationExits2(t *testing.T) {
	for _, args := range []string{
		"serve --addr nonsense",
		"serve --audit-retention-days 30",
		"serve --db mysql://x/y",
		"serve --no-such-flag",
		"frobnicate",
	} {
		out, err := anju(t, args).CombinedOutput()
		if code := exitCode(err); code != 2 {
			t.Errorf("anju %s: exit %d, want 2; output:\n%s", args, code, out)
		}
		if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "anju:") {
			t.Errorf("anju %s: want one clear error line, got:\n%s", args, out)
		}
	}
	// The environment mirrors the flags.
	out, err := anju(t, "serve", "ANJU_ADDR=nonsense").CombinedOutput()
	if exitCode(err) != 2 || !strings.Contains(string(out), "--addr") {
		t.Errorf("ANJU_ADDR=nonsense: exit %d, output %s", exitCode(err), out)
	}
}

// An unreachable database is named, with its password hidden.
func TestUnreachableDatabaseIsNamed(t *testing.T) {
	out, err := anju(t, "migrate --db postgres://anju:s3cret@127.0.0.1:1/anju?connect_timeout=2").CombinedOutput()
	if exitCode(err) != 1 {
		t.Fatalf("exit %d, want 1:\n%s", exitCode(err), out)
	}
	s := string(out)
	if !strings.Contains(s, "127.0.0.1:1") || strings.Contains(s, "s3cret") {
		t.Fatalf("the error must name the target without its password:\n%s", s)
	}
}

// serve answers, and SIGTERM ends it cleanly (exit 0) after in-flight work.
func TestServeAndSIGTERM(t *testing.T) {
	dir := t.TempDir()
	cmd := anju(t, "serve --addr 127.0.0.1:0 --db "+filepath.Join(dir, "a.db"))
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if i := strings.Index(sc.Text(), "http://"); i >= 0 {
				addr <- strings.Fields(sc.Text()[i:])[0]
				return
			}
		}
	}()
	var base string
	select {
	case base = <-addr:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not print its address")
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/readyz = %d", resp.StatusCode)
	}
	// A request in flight: its body is still arriving when SIGTERM comes.
	pr, pw := io.Pipe()
	inflight := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/api/v1/session", pr)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			inflight <- -1
			return
		}
		resp.Body.Close()
		inflight <- resp.StatusCode
	}()
	_, _ = pw.Write([]byte(`{"login":"nobody",`))
	time.Sleep(300 * time.Millisecond) // the handler is now reading the body
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	_, _ = pw.Write([]byte(`"password":"Wrong-password-1"}`))
	pw.Close()
	select {
	case code := <-inflight:
		if code != http.StatusUnauthorized {
			t.Fatalf("the in-flight request got %d, want its real answer 401", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the in-flight request never finished")
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if exitCode(err) != 0 {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
}

// The administrator's path on a fresh machine: init the city, import its
// tree, add the first accounts from the command line, verify the audit chain;
// then someone edits the log behind the application's back and verify names
// the record.
func TestUserCommandsAndAuditVerify(t *testing.T) {
	dir := t.TempDir()
	dbFile := filepath.Join(dir, "a.db")
	run := func(args string, env ...string) (string, int) {
		out, err := anju(t, args+" --db "+dbFile, env...).CombinedOutput()
		return string(out), exitCode(err)
	}
	// No tree yet: staff cannot be placed.
	if out, code := run("user add --role system_admin --username admin --name 管理员"); code != 1 || !strings.Contains(out, "anju init") {
		t.Fatalf("user add before init: %d %s", code, out)
	}
	if out, code := run("init --city 测试市 --code T"); code != 0 || !strings.Contains(out, "测试市") {
		t.Fatalf("init: %d %s", code, out)
	}
	csv := filepath.Join(dir, "tree.csv")
	if err := os.WriteFile(csv, []byte("编码,名称,类型,上级编码,纬度,经度\nT01,一区,区,T,,\nT01-01,一街道,街道,T01,,\nT01-01-01,一社区,社区,T01-01,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.csv")
	_ = os.WriteFile(bad, []byte("编码,名称,类型,上级编码,纬度,经度\nT02,二区,区,T,,\nT02-01,二街道,街道,NOPE,,\n"), 0o644)
	if out, code := run("org import " + bad); code != 1 || !strings.Contains(out, "row 3") {
		t.Fatalf("bad import must fail naming row 3: %d %s", code, out)
	}
	if out, code := run("org import " + csv); code != 0 || !strings.Contains(out, "imported 3 units") {
		t.Fatalf("org import: %d %s", code, out)
	}
	out, code := run("user add --role system_admin --username admin --name 管理员")
	if code != 0 || !strings.Contains(out, "password: ") {
		t.Fatalf("first administrator: %d %s", code, out)
	}
	if out, code := run("user add --role district_staff --username district_t01 --name 区一 --scope T01", "ANJU_PASSWORD=District-pass-2026"); code != 0 {
		t.Fatalf("district staff: %d %s", code, out)
	}
	out, code = run("user add --role audit_admin --username auditor2 --name 审计员二", "ANJU_PASSWORD=Audit-pass-2026")
	if code != 0 || !strings.Contains(out, "added auditor2") {
		t.Fatalf("user add: %d %s", code, out)
	}
	if out, code := run("user add --role nobody --username x --name x"); code != 2 {
		t.Fatalf("bad role must exit 2: %d %s", code, out)
	}
	if out, code = run("user passwd --username auditor2", "ANJU_PASSWORD=Audit-pass-2027"); code != 0 {
		t.Fatalf("passwd: %d %s", code, out)
	}
	if out, code = run("user disable --username auditor2"); code != 0 || !strings.Contains(out, "disabled") {
		t.Fatalf("disable: %d %s", code, out)
	}
	if out, code = run("audit verify"); code != 0 {
		t.Fatalf("verify of an untouched log: %d %s", code, out)
	}
	// Edit one sealed record directly in the database file.
	d, err := sql.Open("sqlite", dbFile)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := d.QueryRow(`SELECT id FROM audit_log WHERE action = 'user.disable' OR action LIKE '%disable%' ORDER BY id DESC LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(`UPDATE audit_log SET actor_name = 'someone else' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	d.Close()
	out, code = run("audit verify")
	if code != 1 || !strings.Contains(out, strconv.FormatInt(id, 10)) {
		t.Fatalf("verify must fail naming record %d: %d %s", id, code, out)
	}
}
