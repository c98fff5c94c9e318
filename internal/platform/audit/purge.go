package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"anju/internal/platform/db"
)

// MinRetentionDays is the shortest retention Purge accepts: network-security
// rules (网络安全法 art. 21, 等保 2.0) require logs to be kept at least six
// months.
const MinRetentionDays = 180

var (
	// ErrRetention is returned by Purge for a retention below MinRetentionDays.
	ErrRetention = errors.New("audit retention below the minimum")
	// ErrChainBroken is returned by Purge when the records it would remove do
	// not verify: purging them would destroy the evidence.
	ErrChainBroken = errors.New("audit chain does not verify")
)

// purgeBatch bounds one purge transaction: on SQLite it holds the only write
// lock, and every writer waits while it runs. (A variable so tests can make
// it small.)
var purgeBatch int64 = 20000

// Purge removes the sealed records older than retentionDays before now and,
// in the same transaction, records an anchor — the position and hash of the
// last removed record — from which Verify then starts. Removal is always a
// prefix of the chain: a record is kept while any earlier one is young
// enough to keep (clocks of several servers and late commits make times not
// quite follow positions), so nothing younger than the retention is removed.
// Unsealed records are never removed. Each transaction records its own
// audit entry.
//
// Purge refuses a retention below MinRetentionDays, and refuses to remove
// records that do not verify; both refusals are recorded too.
func Purge(ctx context.Context, d *db.DB, retentionDays int, now time.Time) (int, error) {
	if retentionDays < MinRetentionDays {
		err := fmt.Errorf("%w: %d days asked, at least %d required", ErrRetention, retentionDays, MinRetentionDays)
		return 0, refusePurge(ctx, d, err)
	}
	cutoff := now.UTC().AddDate(0, 0, -retentionDays).Truncate(time.Microsecond)
	total := 0
	for {
		n, more, err := purgeOnce(ctx, d, cutoff)
		total += n
		if errors.Is(err, ErrChainBroken) {
			return total, refusePurge(ctx, d, err)
		}
		if err != nil || !more {
			return total, err
		}
	}
}

// purgeOnce removes up to purgeBatch records; more tells whether it stopped
// at that bound.
func purgeOnce(ctx context.Context, d *db.DB, cutoff time.Time) (n int, more bool, err error) {
	err = d.Tx(ctx, func(tx *db.Tx) error {
		if d.Dialect == db.Postgres {
			// Wait for a running sealer rather than skip: purging is rare.
			if _, err := tx.Exec(ctx, lockSQL); err != nil {
				return fmt.Errorf("audit purge lock: %w", err)
			}
		}
		from, err := latestAnchor(ctx, tx)
		if err != nil {
			return fmt.Errorf("audit purge: %w", err)
		}
		end, err := purgeEnd(ctx, tx, from.Pos, cutoff)
		if err != nil {
			return fmt.Errorf("audit purge: %w", err)
		}
		if end > from.Pos+purgeBatch {
			end, more = from.Pos+purgeBatch, true
		}
		if end <= from.Pos {
			return nil
		}
		// Check one record past the end as well: its link is what shows
		// that the last removed record is the one the anchor names.
		w, err := walk(ctx, tx, from, end+1)
		if err != nil {
			return err
		}
		if len(w.problems) > 0 {
			return fmt.Errorf("%w between positions %d and %d, nothing purged: %s",
				ErrChainBroken, from.Pos+1, end, strings.Join(w.problems, " "))
		}
		var hash string
		if err := tx.QueryRow(ctx, `SELECT hash FROM audit_log WHERE chain_pos = ?`, end).Scan(&hash); err != nil {
			return fmt.Errorf("audit purge: record at position %d: %w", end, err)
		}
		res, err := tx.Exec(ctx, `DELETE FROM audit_log WHERE chain_pos > ? AND chain_pos <= ?`, from.Pos, end)
		if err != nil {
			return fmt.Errorf("audit purge: %w", err)
		}
		removed, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("audit purge: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_anchor (chain_pos, hash, purged_before, created_at)
			VALUES (?, ?, ?, ?)`, end, hash, cutoff, time.Now().UTC().Truncate(time.Microsecond)); err != nil {
			return fmt.Errorf("audit purge: anchor: %w", err)
		}
		n = int(removed)
		return Record(ctx, tx, Entry{
			Action: "audit.purge", ObjectType: "audit_log", ObjectID: fmt.Sprintf("%d-%d", from.Pos+1, end),
			Detail: fmt.Sprintf("removed %d records at chain positions %d to %d, older than %s; anchor at position %d",
				n, from.Pos+1, end, cutoff.Format(time.RFC3339), end),
			OrgPath: "/",
		})
	})
	if err != nil {
		return 0, false, err
	}
	return n, more, nil
}

// purgeEnd is the last chain position that may go: the one before the first
// sealed record at or after cutoff, or the end of the chain when all are
// older. Walking up by position from the anchor reads only the old records.
func purgeEnd(ctx context.Context, q db.Querier, after int64, cutoff time.Time) (int64, error) {
	var young, last *int64
	err := q.QueryRow(ctx, `SELECT
		(SELECT chain_pos FROM audit_log WHERE chain_pos > ? AND at >= ? ORDER BY chain_pos LIMIT 1),
		(SELECT MAX(chain_pos) FROM audit_log)`, after, cutoff).Scan(&young, &last)
	switch {
	case err != nil:
		return 0, err
	case young != nil:
		return *young - 1, nil
	case last != nil:
		return *last, nil
	}
	return after, nil
}

// refusePurge records a refused purge and returns why it was refused.
func refusePurge(ctx context.Context, d *db.DB, why error) error {
	detail := why.Error()
	if len(detail) > 2000 { // the full list is in the error and in Verify
		detail = strings.ToValidUTF8(detail[:2000], "") + " …"
	}
	rec := RecordAlone(ctx, d, Entry{
		Action: "audit.purge", ObjectType: "audit_log", Result: Refused, Detail: detail, OrgPath: "/",
	})
	return errors.Join(why, rec)
}
