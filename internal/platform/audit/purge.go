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
// Unsealed records are never removed, nor records sealed after Purge began.
//
// Each transaction records its own audit.purge entry naming the anchor with
// a MAC under the key, and seals it before committing: Verify accepts an
// anchor only when such a sealed record vouches for it.
//
// Purge refuses a retention below MinRetentionDays, and refuses to remove
// records that do not verify; both refusals are recorded too.
func (c *Chain) Purge(ctx context.Context, d *db.DB, retentionDays int, now time.Time) (int, error) {
	if err := c.ready(); err != nil {
		return 0, err
	}
	if retentionDays < MinRetentionDays {
		err := fmt.Errorf("%w: %d days asked, at least %d required", ErrRetention, retentionDays, MinRetentionDays)
		return 0, refusePurge(ctx, d, err)
	}
	cutoff := now.UTC().AddDate(0, 0, -retentionDays).Truncate(time.Microsecond)
	// The end of the chain now bounds the purge: the records each batch
	// seals (its own audit entry among them) are never removed by the next.
	end, _, err := tip(ctx, d)
	if err != nil {
		return 0, fmt.Errorf("audit purge: %w", err)
	}
	total := 0
	for {
		n, more, err := c.purgeOnce(ctx, d, cutoff, end.Pos)
		total += n
		if errors.Is(err, ErrChainBroken) {
			return total, refusePurge(ctx, d, err)
		}
		if err != nil || !more {
			return total, err
		}
	}
}

// purgeOnce removes up to purgeBatch records, none after position upTo;
// more tells whether it stopped at the batch bound.
func (c *Chain) purgeOnce(ctx context.Context, d *db.DB, cutoff time.Time, upTo int64) (n int, more bool, err error) {
	err = d.Tx(ctx, func(tx *db.Tx) error {
		if d.Dialect == db.Postgres {
			// Wait for a running sealer rather than skip: purging is rare.
			if _, err := tx.Exec(ctx, lockSQL); err != nil {
				return fmt.Errorf("audit purge lock: %w", err)
			}
		}
		from, _, err := latestAnchor(ctx, tx)
		if err != nil {
			return fmt.Errorf("audit purge: %w", err)
		}
		end, err := purgeEnd(ctx, tx, from.Pos, cutoff)
		if err != nil {
			return fmt.Errorf("audit purge: %w", err)
		}
		end = min(end, upTo)
		if end > from.Pos+purgeBatch {
			end, more = from.Pos+purgeBatch, true
		}
		if end <= from.Pos {
			return nil
		}
		// Check one record past the end as well: its link is what shows
		// that the last removed record is the one the anchor names.
		w, err := walk(ctx, tx, c.hasher(), from.link, end+1)
		if err != nil {
			return err
		}
		if problems := w.list(!w.wrongKey()); len(problems) > 0 || w.wrongKey() {
			if w.wrongKey() {
				problems = append([]string{"no record matches its hash under this key (key id " + c.KeyID() + ")."}, problems...)
			}
			return fmt.Errorf("%w between positions %d and %d, nothing purged: %s",
				ErrChainBroken, from.Pos+1, end, strings.Join(problems, " "))
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
		a := anchor{link: link{end, hash}, PurgedBefore: cutoff}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_anchor (chain_pos, hash, purged_before, created_at)
			VALUES (?, ?, ?, ?)`, end, hash, cutoff, time.Now().UTC().Truncate(time.Microsecond)); err != nil {
			return fmt.Errorf("audit purge: anchor: %w", err)
		}
		n = int(removed)
		err = Record(ctx, tx, Entry{
			Action: "audit.purge", ObjectType: "audit_log", ObjectID: fmt.Sprintf("%d-%d", from.Pos+1, end),
			Detail: fmt.Sprintf("removed %d records at chain positions %d to %d, older than %s; %s purged before %s, mac %s",
				n, from.Pos+1, end, cutoff.Format(time.RFC3339), anchorText(a.link),
				cutoff.Format(time.RFC3339Nano), c.anchorMAC(a)),
			OrgPath: "/",
		})
		if err != nil {
			return err
		}
		// Seal the entry (and whatever waits before it) now, so the anchor
		// is never without its sealed voucher.
		for {
			_, more, err := c.sealLocked(ctx, tx)
			if err != nil || !more {
				return err
			}
		}
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
