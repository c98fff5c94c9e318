package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"anju/internal/platform/db"
)

// Report is what Verify found.
type Report struct {
	OK       bool     // no problems
	Checked  int      // sealed records whose hash and link were recomputed
	Problems []string // one English sentence per problem, naming the records
	// From is the chain position the check started after: 0, or the anchor
	// left by the last purge.
	From int64
	// Last and LastHash are the end of the chain. Deleting the newest sealed
	// records leaves a shorter chain that still verifies; keeping these two
	// somewhere outside the database (a printed report, a log shipped
	// elsewhere) is what exposes such a cut later.
	Last     int64
	LastHash string
	// Rows not sealed yet, and the oldest of them. A few seconds' worth is
	// normal; old ones mean no sealer is running.
	Unsealed         int
	OldestUnsealed   time.Time
	OldestUnsealedID int64
}

// String summarises the report in one or more lines, for the command line.
func (r Report) String() string {
	var b strings.Builder
	switch {
	case r.OK && r.Checked == 0:
		fmt.Fprintf(&b, "audit chain OK: no sealed records after position %d", r.From)
	case r.OK:
		fmt.Fprintf(&b, "audit chain OK: %d records checked, positions %d to %d, last hash %s",
			r.Checked, r.From+1, r.Last, r.LastHash)
	default:
		fmt.Fprintf(&b, "audit chain BROKEN: %d problems in %d records checked", len(r.Problems), r.Checked)
		for _, p := range r.Problems {
			b.WriteString("\n  - " + p)
		}
	}
	if r.Unsealed > 0 {
		fmt.Fprintf(&b, "\n%d records not sealed yet; the oldest is record %d, recorded %s",
			r.Unsealed, r.OldestUnsealedID, r.OldestUnsealed.Format(time.RFC3339))
	}
	return b.String()
}

// maxProblems bounds the report: after a mass edit the first thousand
// sentences say all there is to say.
const maxProblems = 1000

// Verify walks the chain from the last purge anchor (or the start) in
// position order, recomputes every hash and checks every link. It finds a
// sealed record that was edited (its hash no longer matches), deleted (its
// position is missing) or re-linked (a link does not match). Records not
// sealed yet are counted, not checked.
func Verify(ctx context.Context, d *db.DB) (Report, error) {
	from, err := latestAnchor(ctx, d)
	if err != nil {
		return Report{}, fmt.Errorf("audit verify: %w", err)
	}
	w, err := walk(ctx, d, from, 0)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Checked: w.checked, Problems: w.problems, From: from.Pos, Last: w.last.Pos, LastHash: w.last.Hash}

	// Rows at or before the anchor were removed by the purge that wrote it;
	// any still there are outside the walk, so say so rather than pass them.
	var stale int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE chain_pos <= ?`, from.Pos).Scan(&stale); err != nil {
		return Report{}, fmt.Errorf("audit verify: %w", err)
	}
	if stale > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf(
			"%d sealed records lie at or before the purge anchor at position %d and are not checked: "+
				"a purge did not finish, or the anchor was added to hide them.", stale, from.Pos))
	}

	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE chain_pos IS NULL`).Scan(&rep.Unsealed); err != nil {
		return Report{}, fmt.Errorf("audit verify: %w", err)
	}
	if rep.Unsealed > 0 {
		// ORDER BY … LIMIT rather than MIN(at): SQLite returns an aggregate
		// of a TIMESTAMP column as text.
		err := d.QueryRow(ctx, `SELECT id, at FROM audit_log WHERE chain_pos IS NULL
			ORDER BY at, id LIMIT 1`).Scan(&rep.OldestUnsealedID, &rep.OldestUnsealed)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Report{}, fmt.Errorf("audit verify: %w", err)
		}
		rep.OldestUnsealed = rep.OldestUnsealed.UTC()
	}
	rep.OK = len(rep.Problems) == 0
	return rep, nil
}

// walked is the outcome of a walk along the chain.
type walked struct {
	checked  int
	problems []string
	last     link // the last record seen, or where the walk started
}

// verifyPage is how many records a walk reads per query, so a long chain is
// never held in memory or in one long-running statement.
const verifyPage = 5000

// walk checks the records after from, up to position upTo (0: to the end).
func walk(ctx context.Context, q db.Querier, from link, upTo int64) (walked, error) {
	w := walked{last: from}
	var prevID int64 // 0: the previous point is the start or an anchor
	omitted := 0
	report := func(format string, args ...any) {
		if len(w.problems) < maxProblems {
			w.problems = append(w.problems, fmt.Sprintf(format, args...))
		} else {
			omitted++
		}
	}
	previous := func() string {
		switch {
		case prevID != 0:
			return fmt.Sprintf("record %d (position %d)", prevID, w.last.Pos)
		case from.Pos > 0:
			return fmt.Sprintf("the purge anchor at position %d", from.Pos)
		}
		return "the start of the chain"
	}
	limit := upTo
	if limit <= 0 {
		limit = 1<<63 - 1
	}
	for {
		rows, err := page(ctx, q, w.last.Pos, limit)
		if err != nil {
			return walked{}, fmt.Errorf("audit verify: %w", err)
		}
		for _, r := range rows {
			pos := *r.ChainPos
			switch {
			case pos > w.last.Pos+1:
				// The link check would fail too; the gap is the one finding.
				missing := fmt.Sprintf("Chain position %d is", w.last.Pos+1)
				if pos-w.last.Pos > 2 {
					missing = fmt.Sprintf("Chain positions %d to %d are", w.last.Pos+1, pos-1)
				}
				report("%s missing between %s and record %d (position %d): %s deleted.",
					missing, previous(), r.ID, pos, records(pos-w.last.Pos-1))
			case r.PrevHash != w.last.Hash:
				report("Record %d (position %d) does not link to %s: its prev_hash differs from that hash, "+
					"so the earlier record was rewritten, or records were removed and the chain re-linked.",
					r.ID, pos, previous())
			}
			// Hashed with the row's own prev_hash, so this check is about the
			// row's contents alone and a broken link is not reported twice.
			if chainHash(r.PrevHash, r, pos) != r.Hash {
				report("Record %d (position %d) was altered after sealing: its contents no longer match its hash.",
					r.ID, pos)
			}
			w.checked++
			w.last, prevID = link{pos, r.Hash}, r.ID
		}
		if len(rows) < verifyPage {
			break
		}
	}
	if omitted > 0 {
		w.problems = append(w.problems, fmt.Sprintf("… and %d more problems.", omitted))
	}
	return w, nil
}

// page reads the sealed records after position after, up to upTo, in order.
func page(ctx context.Context, q db.Querier, after, upTo int64) ([]Row, error) {
	rs, err := q.Query(ctx, `SELECT `+rowColumns+` FROM audit_log
		WHERE chain_pos > ? AND chain_pos <= ? ORDER BY chain_pos LIMIT ?`, after, upTo, verifyPage)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []Row
	for rs.Next() {
		r, err := scanRow(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// records says "1 sealed record was" or "n sealed records were".
func records(n int64) string {
	if n == 1 {
		return "1 sealed record was"
	}
	return fmt.Sprintf("%d sealed records were", n)
}
