package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"anju/internal/demo"
	"anju/internal/platform/auth"
)

// RunDemo fills an empty database with the demo city and prints its
// accounts. A database that already holds data is left alone (serve --demo
// can be run again on the same file).
func (a *App) RunDemo(ctx context.Context, seed int64, scale int, stdout, stderr io.Writer) error {
	ctx = auth.WithPrincipal(ctx, auth.System("demo"))
	start := time.Now()
	res, err := demo.Generate(ctx, demo.Env{DB: a.DB, Org: a.Org, Auth: a.Auth},
		demo.Options{Seed: seed, Scale: scale, Progress: stderr})
	if errors.Is(err, demo.ErrNotEmpty) {
		printf(stdout, "The database already holds data; the demo city was not generated again.")
		printf(stdout, "Log in with the accounts printed when it was first generated.")
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	printf(stdout, "Demo city generated in %s (seed %d, scale %d).", time.Since(start).Round(time.Millisecond), seed, scale)
	res.Print(stdout)
	return nil
}
