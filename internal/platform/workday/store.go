package workday

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"anju/internal/platform/db"
)

// The built-in years come with the binary; years an administrator loads are
// kept in calendar_years and override the built-in data for that year, so
// every process of a deployment computes the same deadlines.

// StoredYears reads the years loaded by administrators.
func StoredYears(ctx context.Context, q db.Querier) ([]Year, error) {
	rows, err := q.Query(ctx, `SELECT year, data FROM calendar_years ORDER BY year`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Year
	for rows.Next() {
		var n int
		var data string
		if err := rows.Scan(&n, &data); err != nil {
			return nil, err
		}
		y, err := ParseHolidayCN(bytes.NewReader([]byte(data)))
		if err != nil {
			return nil, fmt.Errorf("stored calendar year %d: %w", n, err)
		}
		out = append(out, y)
	}
	return out, rows.Err()
}

// SaveYear stores y in the transaction (replacing an earlier load of the
// same year). The caller audits it in the same transaction.
func SaveYear(ctx context.Context, tx *db.Tx, y Year, by int64, now time.Time) error {
	b, err := MarshalHolidayCN(y)
	if err != nil {
		return err
	}
	var loadedBy any
	if by != 0 {
		loadedBy = by
	}
	_, err = tx.Exec(ctx, `INSERT INTO calendar_years (year, data, loaded_by, loaded_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (year) DO UPDATE SET data = excluded.data, loaded_by = excluded.loaded_by, loaded_at = excluded.loaded_at`,
		y.Year, string(b), loadedBy, now.UTC())
	return err
}

// Stamp identifies the stored years' state; a process compares it to notice
// that another process loaded a year.
func Stamp(ctx context.Context, q db.Querier) (string, error) {
	var n int
	var last any
	if err := q.QueryRow(ctx, `SELECT COUNT(*), MAX(loaded_at) FROM calendar_years`).Scan(&n, &last); err != nil {
		return "", err
	}
	return fmt.Sprint(n, last), nil
}

// Open builds the calendar of a deployment: the built-in years, then the
// stored ones over them.
func Open(ctx context.Context, q db.Querier) (*Calendar, error) {
	c := New(Builtin()...)
	stored, err := StoredYears(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, y := range stored {
		if err := c.Load(y); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Refresh reloads the stored years into c (after another process loaded one).
func (c *Calendar) Refresh(ctx context.Context, q db.Querier) error {
	stored, err := StoredYears(ctx, q)
	if err != nil {
		return err
	}
	for _, y := range stored {
		if err := c.Load(y); err != nil {
			return err
		}
	}
	return nil
}
