package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"anju/internal/platform/db"
)

// sealBatch is how many rows one sealing transaction links. On SQLite the
// transaction holds the only write lock, so it must stay short (a few tens of
// milliseconds) for the writers waiting behind it.
const sealBatch = 5000

// ErrKeyMismatch is returned by Seal when the last sealed record does not
// match its hash under the chain's key: the key is not the one the chain
// was sealed with, or the record was altered. Sealing stops rather than
// extend the chain under a second key; `anju audit verify` tells which.
var ErrKeyMismatch = errors.New("audit: the chain's last record does not verify under this key")

// Seal links every committed, unsealed row into the hash chain, in id order,
// batch by batch, and returns how many it linked.
//
// On PostgreSQL several processes may call Seal at once: each batch first
// tries a transaction-scoped advisory lock, and a caller that does not get it
// returns at once — the holder is already doing the work. On SQLite the
// write transaction itself admits one sealer at a time.
func (c *Chain) Seal(ctx context.Context, d *db.DB) (n int, err error) {
	if err := c.ready(); err != nil {
		return 0, err
	}
	for {
		k, more, err := c.sealOnce(ctx, d)
		n += k
		if err != nil || !more {
			return n, err
		}
	}
}

// sealOnce links up to sealBatch rows in one transaction; more tells whether
// a full batch was linked, so more may be waiting.
func (c *Chain) sealOnce(ctx context.Context, d *db.DB) (n int, more bool, err error) {
	err = d.Tx(ctx, func(tx *db.Tx) error {
		if d.Dialect == db.Postgres {
			var got bool
			if err := tx.QueryRow(ctx, tryLockSQL).Scan(&got); err != nil {
				return fmt.Errorf("audit seal lock: %w", err)
			}
			if !got {
				return nil // another process is sealing
			}
		}
		var err error
		n, more, err = c.sealLocked(ctx, tx)
		return err
	})
	if err != nil {
		return 0, false, err
	}
	return n, more, nil
}

// sealLocked links the next batch of unsealed rows in tx, which holds the
// chain's lock (PostgreSQL) or the write lock (SQLite).
func (c *Chain) sealLocked(ctx context.Context, tx *db.Tx) (n int, more bool, err error) {
	// The tip is read after the lock, so it includes the last batch
	// that any other sealer committed.
	at, last, err := tip(ctx, tx)
	if err != nil {
		return 0, false, fmt.Errorf("audit seal: chain tip: %w", err)
	}
	rows, err := unsealed(ctx, tx)
	if err != nil || len(rows) == 0 {
		return 0, false, err
	}
	h := c.hasher()
	if last != nil && h.sum(last.PrevHash, *last, at.Pos) != last.Hash {
		return 0, false, fmt.Errorf("%w (record %d at position %d; key id %s): wrong key file, or the record was altered; run anju audit verify",
			ErrKeyMismatch, last.ID, at.Pos, c.KeyID())
	}
	links := make([]any, 0, 4*len(rows))
	for _, r := range rows {
		pos := at.Pos + 1
		sum := h.sum(at.Hash, r, pos)
		links = append(links, r.ID, pos, at.Hash, sum)
		at = link{pos, sum}
	}
	for len(links) > 0 {
		k := db.ChunkSize(len(links) / 4) // few statement texts (db.ChunkSize)
		if err := sealRows(ctx, tx, links[:4*k]); err != nil {
			return 0, false, err
		}
		links = links[4*k:]
	}
	return len(rows), len(rows) == sealBatch, nil
}

// sealRows links rows given as (id, position, previous hash, hash) in one
// statement. Only a second sealer could have linked a row meanwhile; the
// lock rules that out, but a chain with a hole is worse than a failed
// batch, so the count is checked rather than trusted.
func sealRows(ctx context.Context, tx *db.Tx, links []any) error {
	k := len(links) / 4
	values := strings.TrimSuffix(strings.Repeat(`(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT)), `, k), ", ")
	res, err := tx.Exec(ctx, `UPDATE audit_log SET chain_pos = v.column2, prev_hash = v.column3, hash = v.column4
		FROM (VALUES `+values+`) AS v WHERE audit_log.id = v.column1 AND audit_log.chain_pos IS NULL`, links...)
	if err != nil {
		return fmt.Errorf("audit seal records %d…: %w", links[0], err)
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(k) {
		return fmt.Errorf("audit seal records %d…: sealed concurrently (%d rows of %d, %v)", links[0], n, k, err)
	}
	return nil
}

// unsealed reads the next batch of rows waiting for the chain.
func unsealed(ctx context.Context, tx *db.Tx) ([]Row, error) {
	rs, err := tx.Query(ctx, `SELECT `+rowColumns+` FROM audit_log
		WHERE chain_pos IS NULL ORDER BY id LIMIT ?`, sealBatch)
	if err != nil {
		return nil, fmt.Errorf("audit seal: %w", err)
	}
	defer rs.Close()
	var out []Row
	for rs.Next() {
		r, err := scanRow(rs)
		if err != nil {
			return nil, fmt.Errorf("audit seal: %w", err)
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// RunSealer seals every interval until ctx is done. Errors are logged, not
// returned: a database that is briefly away must not stop sealing for good.
// The interval bounds how long a fresh row stays outside the chain, where an
// edit or deletion would go unnoticed; a second or two is right.
func (c *Chain) RunSealer(ctx context.Context, d *db.DB, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var lastErr string
	var loggedAt time.Time
	for {
		n, err := c.Seal(ctx, d)
		switch {
		case err != nil && ctx.Err() == nil:
			// A lasting fault (no key, wrong key) is logged once a minute,
			// not every second.
			if err.Error() != lastErr || time.Since(loggedAt) >= time.Minute {
				slog.Error("audit: sealing failed", "err", err, "sealed", n)
				lastErr, loggedAt = err.Error(), time.Now()
			}
		case err == nil:
			lastErr = ""
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
