// Command anju is the whole platform in one binary: `anju serve` runs the
// pages, the API and the feeds; the other subcommands administer it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // the city's time zone must load on machines without zoneinfo

	"anju/internal/app"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `anju — the housing bureau's platform (安居)

Usage:
  anju serve [--db FILE|URL] [--addr HOST:PORT] [--demo [--seed N] [--scale N]]
  anju migrate [--db …]                 apply pending database migrations
  anju init --city NAME --code CODE     a fresh database for a real city: its top unit and departments
  anju org import|export FILE.xlsx|.csv the administrative tree, all or nothing
  anju demo [--db …] [--seed N] [--scale N]   fill an empty database with the demo city
  anju user add --role ROLE (--username U | --mobile M) --name NAME [--scope CODE] [--dept CODE] [--password P]
  anju user passwd (--username U | --mobile M) [--password P]
  anju user disable (--username U | --mobile M)
  anju audit verify [--db …]            check the audit log's hash chain
  anju calendar load FILE.json [--db …]  load a year of holidays (holiday-cn JSON)
  anju backup --out FILE [--db …]       consistent copy of the database
  anju version

Every command takes --db (env ANJU_DB, default anju.db). Run "anju COMMAND -h" for its flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		// One line, whatever the error: drivers sometimes put newlines in theirs.
		fmt.Fprintln(os.Stderr, "anju:", strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " "))
		if errors.Is(err, app.ErrUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return app.UsageError("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return app.CmdServe(ctx, rest, version, stdout, stderr)
	case "migrate":
		return app.CmdMigrate(ctx, rest, stdout, stderr)
	case "init":
		return app.CmdInit(ctx, rest, stdout, stderr)
	case "org":
		return app.CmdOrg(ctx, rest, stdout, stderr)
	case "demo":
		return app.CmdDemo(ctx, rest, version, stdout, stderr)
	case "user":
		return app.CmdUser(ctx, rest, stdout, stderr)
	case "audit":
		return app.CmdAudit(ctx, rest, stdout, stderr)
	case "calendar":
		return app.CmdCalendar(ctx, rest, stdout, stderr)
	case "backup":
		return app.CmdBackup(ctx, rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "anju", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return app.UsageError("unknown command %q (anju help lists the commands)", cmd)
}
