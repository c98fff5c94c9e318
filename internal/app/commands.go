package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// newFlags makes a flag set whose mistakes become usage errors (exit 2)
// instead of os.Exit inside the flag package.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("anju "+name, flag.ContinueOnError)
	// The flag package would print the whole flag list on a mistake; a
	// mistake gets one line (main prints it), -h gets the list.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	helpOut[fs] = stderr
	return fs
}

var helpOut = map[*flag.FlagSet]io.Writer{}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			w := helpOut[fs]
			fmt.Fprintf(w, "Usage of %s:\n", fs.Name())
			fs.SetOutput(w)
			fs.PrintDefaults()
			if fs.Name() == "anju serve" {
				// Settings a module reads for itself (README: "Modules read a
				// few settings of their own"), so --help does not hide them.
				fmt.Fprint(w, `
Modules also read (environment only; see the README):
  ANJU_CASE_WEBHOOK, ANJU_CASE_WEBHOOK_SECRET   URL that receives staff notices as signed JSON
  ANJU_PARKING_TILES, ANJU_PARKING_STALE, ANJU_PARKING_NOSHOW   maps and car-park feeds
  ANJU_OPEN311_URL, ANJU_OPEN311_CONTACT, ANJU_OPEN311_KEY_SERVICE, ANJU_OPEN311_TYPE, ANJU_OPEN311_JURISDICTION
`)
			}
			return err
		}
		return UsageError("%v", err)
	}
	return nil
}

func setupLogging(level string, stderr io.Writer) {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: l})))
}

// CmdServe runs the platform until SIGTERM.
func CmdServe(ctx context.Context, args []string, version string, stdout, stderr io.Writer) error {
	cfg := Defaults()
	fs := newFlags("serve", stderr)
	cfg.Flags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return UsageError("serve: unexpected argument %q", fs.Arg(0))
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	setupLogging(cfg.LogLevel, stderr)
	a, err := Open(ctx, cfg, version)
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.Demo {
		if err := a.RunDemo(ctx, cfg.Seed, cfg.Scale, stdout, stderr); err != nil {
			return err
		}
	}
	return a.Serve(ctx, func(addr string) {
		printf(stdout, "Anju %s serving on http://%s (database %s)", version, addr, a.DB.Target())
	})
}

// CmdMigrate applies pending migrations and says which.
func CmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := Defaults()
	fs := newFlags("migrate", stderr)
	cfg.Flags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer d.Close()
	applied, err := db.Migrate(ctx, d, Sources...)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		printf(stdout, "%s is up to date", d.Target())
	}
	for _, m := range applied {
		printf(stdout, "applied %s", m)
	}
	return nil
}

// CmdDemo fills an empty database with the demo city.
func CmdDemo(ctx context.Context, args []string, version string, stdout, stderr io.Writer) error {
	cfg := Defaults()
	fs := newFlags("demo", stderr)
	cfg.Flags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	setupLogging(cfg.LogLevel, stderr)
	a, err := Open(ctx, cfg, version)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.RunDemo(ctx, cfg.Seed, cfg.Scale, stdout, stderr)
}

// CmdAudit verifies the audit chain: exit 1 and the problems when it is broken.
func CmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return UsageError("audit: the subcommand is verify")
	}
	cfg := Defaults()
	fs := newFlags("audit verify", stderr)
	cfg.Flags(fs)
	var expects []audit.Expect
	fs.Func("expect", "POS:HASH printed by an earlier verify and kept outside the database (repeatable): the chain must still reach it", func(s string) error {
		e, err := audit.ParseExpect(s)
		if err == nil {
			expects = append(expects, e)
		}
		return err
	})
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	// Verify never creates a key: a missing key must be an error, not a new chain.
	key, err := audit.LoadKey(cfg.AuditKeyFile)
	if err != nil {
		return fmt.Errorf("audit key %s: %w", cfg.AuditKeyFile, err)
	}
	if err := audit.SetKey(key); err != nil {
		return err
	}
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer d.Close()
	if pending, err := db.Pending(ctx, d, Sources...); err != nil || len(pending) > 0 {
		return fmt.Errorf("%s is not migrated; run anju migrate first", d.Target())
	}
	rep, err := audit.Verify(ctx, d, expects...)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, rep.String())
	if !rep.OK {
		return errors.New("the audit log has been altered")
	}
	return nil
}

// CmdBackup writes a consistent copy of the database: SQLite through
// VACUUM INTO (safe while the server runs); PostgreSQL through pg_dump.
func CmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := Defaults()
	fs := newFlags("backup", stderr)
	cfg.Flags(fs)
	out := fs.String("out", "", "file to write (must not exist)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *out == "" {
		return UsageError("backup: --out FILE is required")
	}
	if _, err := os.Stat(*out); err == nil {
		return UsageError("backup: %s already exists", *out)
	}
	if db.IsPostgresURL(cfg.DB) {
		if _, err := exec.LookPath("pg_dump"); err != nil {
			return errors.New("backup of PostgreSQL needs pg_dump on the PATH (Debian package postgresql-client)")
		}
		target, password := db.SplitPassword(cfg.DB)
		cmd := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--file="+*out, "--dbname="+target)
		cmd.Env = os.Environ()
		if password != "" {
			cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
		}
		cmd.Stderr = stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("pg_dump of %s: %w", db.Redact(cfg.DB), err)
		}
		printf(stdout, "backup of %s written to %s (restore with pg_restore --clean --dbname=URL %s)", db.Redact(cfg.DB), *out, *out)
		return nil
	}
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Exec(ctx, `VACUUM INTO ?`, *out); err != nil {
		return fmt.Errorf("backup of %s: %w", d.Target(), err)
	}
	printf(stdout, "backup of %s written to %s (restore: stop anju, copy it over %s)", d.Target(), *out, cfg.DB)
	return nil
}

// CmdUser adds accounts, sets passwords and disables accounts from the
// command line — how the first administrators come to exist.
func CmdUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return UsageError("user: the subcommands are add, passwd, disable")
	}
	sub := args[0]
	cfg := Defaults()
	fs := newFlags("user "+sub, stderr)
	cfg.Flags(fs)
	username := fs.String("username", "", "staff login name")
	mobile := fs.String("mobile", "", "citizen or company mobile number")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "", "role: "+roleList())
	scope := fs.String("scope", "", "code of the org unit the account works in (default: the city)")
	dept := fs.String("dept", "", "department code (optional)")
	password := fs.String("password", "", "password (default: read from ANJU_PASSWORD, or generated and printed)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	a, err := Open(ctx, cfg, "cli")
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = auth.WithPrincipal(ctx, auth.System("anju user "+sub))
	login := *username
	if login == "" {
		login = *mobile
	}
	if login == "" {
		return UsageError("user %s: --username or --mobile is required", sub)
	}
	pw := *password
	if pw == "" {
		pw = os.Getenv("ANJU_PASSWORD")
	}
	generated := false
	if pw == "" && sub != "disable" {
		pw, generated = auth.GeneratePassword(), true
	}
	switch sub {
	case "add":
		r := auth.Role(*role)
		if !r.Valid() {
			return UsageError("user add: --role %q is not one of %s", *role, roleList())
		}
		u, err := a.AddUserCLI(ctx, r, *username, *mobile, *name, *scope, *dept, pw)
		if err != nil {
			return err
		}
		printf(stdout, "added %s (%s) id %d", login, r, u)
	case "passwd":
		if err := a.SetPasswordCLI(ctx, login, pw); err != nil {
			return err
		}
		printf(stdout, "password of %s set", login)
	case "disable":
		if err := a.DisableCLI(ctx, login); err != nil {
			return err
		}
		printf(stdout, "%s disabled; its sessions have ended", login)
		return nil
	default:
		return UsageError("user: unknown subcommand %q (add, passwd, disable)", sub)
	}
	if generated {
		printf(stdout, "password: %s", pw)
	}
	return nil
}

func roleList() string {
	var s []string
	for _, r := range auth.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}
