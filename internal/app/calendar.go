package app

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// LoadCalendar builds the working-day calendar: built-in years plus those
// loaded by administrators.
func LoadCalendar(ctx context.Context, d *db.DB) (*workday.Calendar, error) {
	return workday.Open(ctx, d)
}

// followCalendar notices years loaded by other processes on the same
// database and reloads them, so all processes count deadlines alike.
func (a *App) followCalendar(ctx context.Context, every time.Duration) {
	last, _ := workday.Stamp(ctx, a.DB)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		stamp, err := workday.Stamp(ctx, a.DB)
		if err != nil || stamp == last {
			continue
		}
		if err := a.Calendar.Refresh(ctx, a.DB); err != nil {
			slog.Error("calendar refresh", "err", err)
			continue
		}
		last = stamp
	}
}

// CmdCalendar loads a year of holidays from a holiday-cn JSON file.
func CmdCalendar(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "load" {
		return UsageError("calendar: usage is anju calendar load FILE.json [--db …]")
	}
	file := args[1]
	cfg := Defaults()
	fs := newFlags("calendar load", stderr)
	cfg.Flags(fs)
	if err := parse(fs, args[2:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return UsageError("calendar load: %v", err)
	}
	defer f.Close()
	y, err := workday.ParseHolidayCN(f)
	if err != nil {
		return UsageError("calendar load %s: %v", file, err)
	}
	a, err := Open(ctx, cfg, "cli")
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = auth.WithPrincipal(ctx, auth.System("anju calendar load"))
	if err := a.LoadCalendarYear(ctx, y); err != nil {
		return err
	}
	printf(stdout, "loaded %d: %d days from %s", y.Year, len(y.Days), file)
	return nil
}

// LoadCalendarYear stores a year and audits it in one transaction, then
// applies it to this process's calendar.
func (a *App) LoadCalendarYear(ctx context.Context, y workday.Year) error {
	p := auth.FromContext(ctx)
	err := a.DB.Tx(ctx, func(tx *db.Tx) error {
		if err := workday.SaveYear(ctx, tx, y, p.UserID, time.Now()); err != nil {
			return err
		}
		return auditHook(ctx, tx, "calendar.load", "calendar_year", itoa64(int64(y.Year)), "ok",
			"days="+itoa64(int64(len(y.Days))), "/")
	})
	if err != nil {
		return err
	}
	return a.Calendar.Load(y)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
