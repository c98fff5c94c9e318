package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
)

// CmdInit prepares a fresh database for a real city: the city at the top of
// the tree and the bureau's departments. Then `anju org import` loads the
// districts, streets, communities and compounds, and `anju user add` the
// first administrators.
func CmdInit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := Defaults()
	fs := newFlags("init", stderr)
	cfg.Flags(fs)
	name := fs.String("city", "", "the city's name, e.g. 安澜市")
	code := fs.String("code", "", "the city's code, e.g. AL")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *name == "" || *code == "" {
		return UsageError("init: --city NAME and --code CODE are required")
	}
	a, err := Open(ctx, cfg, "cli")
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = auth.WithPrincipal(ctx, auth.System("anju init"))
	p := auth.FromContext(ctx)
	var city org.Unit
	var depts int
	err = a.DB.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM org_units`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errors.New("the database already has an administrative tree; init is for a fresh database")
		}
		var err error
		if city, err = a.Org.Create(ctx, tx, p, org.Unit{Kind: org.City, Code: *code, Name: *name}); err != nil {
			return err
		}
		depts, err = a.Org.EnsureDefaultDepartments(ctx, tx, p)
		return err
	})
	if err != nil {
		return err
	}
	printf(stdout, "created %s (%s) and %d departments; next: anju org import FILE.xlsx, then anju user add --role system_admin …", city.Name, city.Code, depts)
	return nil
}

// CmdOrg imports or exports the administrative tree as .xlsx or .csv, all
// or nothing, listing every bad row.
func CmdOrg(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 || (args[0] != "import" && args[0] != "export") {
		return UsageError("org: usage is anju org import FILE | anju org export FILE (.xlsx or .csv)")
	}
	sub, file := args[0], args[1]
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(file)), ".")
	if format != org.FormatXLSX && format != org.FormatCSV {
		return UsageError("org %s: %s must end in .xlsx or .csv", sub, file)
	}
	cfg := Defaults()
	fs := newFlags("org "+sub, stderr)
	cfg.Flags(fs)
	if err := parse(fs, args[2:]); err != nil {
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
	ctx = auth.WithPrincipal(ctx, auth.System("anju org "+sub))
	p := auth.FromContext(ctx)
	if sub == "export" {
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return UsageError("org export: %v", err)
		}
		if err := a.Org.Export(ctx, p, f, format); err != nil {
			f.Close()
			os.Remove(file)
			return err
		}
		printf(stdout, "exported the tree to %s", file)
		return f.Close()
	}
	f, err := os.Open(file)
	if err != nil {
		return UsageError("org import: %v", err)
	}
	defer f.Close()
	res, err := a.Org.Import(ctx, p, f, format)
	if len(res.Errors) > 0 {
		for _, e := range res.Errors {
			printf(stderr, "row %d, %s: %s", e.Row, e.Field, e.MessageEn)
		}
		if res.ErrorsOmitted > 0 {
			printf(stderr, "… and %d more", res.ErrorsOmitted)
		}
		return fmt.Errorf("import of %s rejected: %d bad rows, nothing was written", file, len(res.Errors)+res.ErrorsOmitted)
	}
	if err != nil {
		return err
	}
	printf(stdout, "imported %d units from %s", res.Created, file)
	return nil
}
