package parking

import (
	"context"
	"strings"
	"time"

	"anju/internal/platform/db"
)

// BulkLoad writes many facilities (with their ids, rules, a live count
// each when free[i] ≥ 0, and profiles) with multi-row INSERTs, for
// benchmark databases and large demo cities; Create's per-row audit would
// bury the log. Facilities must carry OrgUnitID/OrgPath of existing units.
// The caller records one audit entry for the load if it is not a benchmark.
func BulkLoad(ctx context.Context, d *db.DB, fs []Facility, free []int, profiles []*Profile, now time.Time) error {
	const batch = 400
	return d.Tx(ctx, func(tx *db.Tx) error {
		cols := "id, " + strings.TrimPrefix(facilityCols, "id, ")
		ncols := strings.Count(cols, ",") + 1
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", ncols), ", ") + ")"
		var args []any
		n := 0
		flush := func(table, columns, row string, per int) error {
			if n == 0 {
				return nil
			}
			q := `INSERT INTO ` + table + ` (` + columns + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
			_, err := tx.Exec(ctx, q, args...)
			args, n = args[:0], 0
			return err
		}
		for i := range fs {
			f := &fs[i]
			args = append(args, f.ID)
			args = append(args, facilityArgs(f)...)
			args = append(args, max(f.Version, 1), now, now)
			n++
			if n == batch {
				if err := flush("parking_facilities", cols, row, ncols); err != nil {
					return err
				}
			}
		}
		if err := flush("parking_facilities", cols, row, ncols); err != nil {
			return err
		}
		const ruleCols = "facility_id, org_path, name, days, entry_from, entry_until, leave_by, blackout_from, blackout_until, spaces, vehicle_class, eligibility, created_at"
		ruleRow := "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		for i := range fs {
			for _, r := range fs[i].Rules {
				args = append(args, fs[i].ID, fs[i].OrgPath, r.Name, int(r.Days), r.EntryFrom, r.EntryUntil, r.LeaveBy,
					r.BlackoutFrom, r.BlackoutUntil, r.Spaces, string(r.VehicleClass), string(r.Eligibility), now)
				n++
				if n == batch {
					if err := flush("parking_share_rules", ruleCols, ruleRow, 13); err != nil {
						return err
					}
				}
			}
		}
		if err := flush("parking_share_rules", ruleCols, ruleRow, 13); err != nil {
			return err
		}
		for i := range fs {
			if i < len(free) && free[i] >= 0 {
				args = append(args, fs[i].ID, fs[i].TotalSpaces, min(free[i], fs[i].TotalSpaces), now.Truncate(time.Second), now)
				n++
				if n == batch {
					if err := flush("parking_occupancy", "facility_id, capacity, free, observed_at, received_at", "(?, ?, ?, ?, ?)", 5); err != nil {
						return err
					}
				}
			}
		}
		if err := flush("parking_occupancy", "facility_id, capacity, free, observed_at, received_at", "(?, ?, ?, ?, ?)", 5); err != nil {
			return err
		}
		for i := range fs {
			if i < len(profiles) && profiles[i] != nil {
				args = append(args, fs[i].ID, encodeProfile(profiles[i]), now)
				n++
				if n == batch {
					if err := flush("parking_profiles", "facility_id, data, updated_at", "(?, ?, ?)", 3); err != nil {
						return err
					}
				}
			}
		}
		if err := flush("parking_profiles", "facility_id, data, updated_at", "(?, ?, ?)", 3); err != nil {
			return err
		}
		if tx.Dialect() == db.Postgres { // explicit ids do not move the identity sequence
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('parking_facilities', 'id'), (SELECT MAX(id) FROM parking_facilities))`); err != nil {
				return err
			}
		}
		return nil
	})
}
