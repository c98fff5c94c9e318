package main

import (
	"bufio"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
		if !strings.Contains(string(out), "anju:") {
			t.Errorf("anju %s: no clear error line:\n%s", args, out)
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
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
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
