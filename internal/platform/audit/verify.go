package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/db"
)

// Expect is a point of the chain recorded earlier outside the database —
// the end position and hash of an earlier report, printed or noted in a
// ledger. Verify reports when the chain no longer reaches LastPos with
// LastHash: the newest records were cut off, or the chain was rewritten.
type Expect struct {
	LastPos  int64
	LastHash string
}

// ParseExpect reads an expectation written as POS:HASH (what Report.String
// prints and `anju audit verify --expect` takes).
func ParseExpect(s string) (Expect, error) {
	p, h, ok := strings.Cut(strings.TrimSpace(s), ":")
	pos, err := strconv.ParseInt(p, 10, 64)
	h = strings.ToLower(h)
	if !ok || err != nil || pos < 1 || len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return Expect{}, fmt.Errorf("audit: expectation %q is not POSITION:HASH (a position and 64 hex digits)", s)
	}
	return Expect{LastPos: pos, LastHash: h}, nil
}

// String writes e as POS:HASH.
func (e Expect) String() string { return fmt.Sprintf("%d:%s", e.LastPos, e.LastHash) }

// Report is what Verify found.
type Report struct {
	OK       bool     // no problems
	Checked  int      // sealed records whose hash and link were recomputed
	Problems []string // one English sentence per problem, naming the records
	// Notes are facts worth knowing that are not problems (an expectation
	// that lies in a purged part of the chain).
	Notes []string
	// From is the chain position the check started after: 0, or the anchor
	// left by the last purge.
	From int64
	// Last and LastHash are the end of the chain. Deleting the newest sealed
	// records leaves a shorter chain that still verifies; keeping these two
	// somewhere outside the database (a printed report, a log shipped
	// elsewhere) and passing them back as an Expect is what exposes such a
	// cut later.
	Last     int64
	LastHash string
	// Expected are the expectations checked.
	Expected []Expect
	// KeyID names the key the check used (Chain.KeyID).
	KeyID string
	// Rows not sealed yet, and the oldest of them. A few seconds' worth is
	// normal; old ones mean no sealer is running.
	Unsealed         int
	OldestUnsealed   time.Time
	OldestUnsealedID int64
}

// Checkpoint is the end of the chain as POS:HASH, to be kept outside the
// database and passed back later (ParseExpect); empty when nothing is
// sealed.
func (r Report) Checkpoint() string {
	if r.Last == 0 || r.LastHash == "" {
		return ""
	}
	return Expect{r.Last, r.LastHash}.String()
}

// String summarises the report in one or more lines, for the command line.
func (r Report) String() string {
	var b strings.Builder
	switch {
	case r.OK && r.Checked == 0:
		fmt.Fprintf(&b, "audit chain OK (key %s): no sealed records after position %d", r.KeyID, r.From)
	case r.OK:
		fmt.Fprintf(&b, "audit chain OK (key %s): %d records checked, positions %d to %d, last hash %s",
			r.KeyID, r.Checked, r.From+1, r.Last, r.LastHash)
	default:
		fmt.Fprintf(&b, "audit chain BROKEN (key %s): %d problems in %d records checked", r.KeyID, len(r.Problems), r.Checked)
		for _, p := range r.Problems {
			b.WriteString("\n  - " + p)
		}
	}
	for _, n := range r.Notes {
		b.WriteString("\nnote: " + n)
	}
	for _, e := range r.Expected {
		fmt.Fprintf(&b, "\nchecked against the recorded end %s", e)
	}
	if cp := r.Checkpoint(); cp != "" {
		fmt.Fprintf(&b, "\nend of chain: position %d, hash %s\n"+
			"  keep it outside the database; later, `anju audit verify --expect %s` shows whether records were cut off since",
			r.Last, r.LastHash, cp)
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

// clockSkew is how far the clocks of the server that purged and the one
// that verifies may disagree before a purge anchor looks too young.
const clockSkew = time.Hour

// Verify walks the chain from the last purge anchor (or the start) in
// position order, recomputes every hash under the key and checks every
// link. It finds a sealed record that was edited (its hash no longer
// matches), deleted (its position is missing) or re-linked (a link does not
// match). Records not sealed yet are counted, not checked.
//
// The anchor the walk starts from must be vouched for by a sealed
// audit.purge record that names it and carries its MAC, and must not claim
// a purge of records younger than MinRetentionDays: an anchor added by hand
// would otherwise hide the deletion of the oldest records.
//
// Each expectation (an end of the chain recorded earlier) must still be on
// the chain: a chain that stops short of it, or has another hash there, was
// cut or rewritten.
func (c *Chain) Verify(ctx context.Context, d *db.DB, expect ...Expect) (Report, error) {
	if err := c.ready(); err != nil {
		return Report{}, err
	}
	from, anchored, err := latestAnchor(ctx, d)
	if err != nil {
		return Report{}, fmt.Errorf("audit verify: %w", err)
	}
	h := c.hasher()
	w, err := walk(ctx, d, h, from.link, 0)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Checked: w.checked, From: from.Pos, Last: w.last.Pos, LastHash: w.last.Hash,
		Expected: expect, KeyID: c.KeyID()}
	if w.wrongKey() {
		rep.Problems = append(rep.Problems, fmt.Sprintf(
			"None of the %d records checked matches its hash under this key (key id %s): the key is not the one "+
				"the chain was sealed with (check the key file), or every record was rewritten.", w.checked, rep.KeyID))
	}
	rep.Problems = append(rep.Problems, w.list(!w.wrongKey())...)

	if anchored {
		ps, err := c.checkAnchor(ctx, d, h, from)
		if err != nil {
			return Report{}, err
		}
		rep.Problems = append(rep.Problems, ps...)
	}

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

	for _, e := range expect {
		p, note, err := checkExpect(ctx, d, e, from.link, w.last)
		if err != nil {
			return Report{}, err
		}
		if p != "" {
			rep.Problems = append(rep.Problems, p)
		}
		if note != "" {
			rep.Notes = append(rep.Notes, note)
		}
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

// checkAnchor checks the purge anchor the chain starts from: it must not
// claim a purge of records within the minimum retention, and a sealed
// audit.purge record after it must name it with its MAC under the key.
func (c *Chain) checkAnchor(ctx context.Context, d *db.DB, h *hasher, a anchor) ([]string, error) {
	var problems []string
	if limit := c.clock().UTC().AddDate(0, 0, -MinRetentionDays).Add(clockSkew); a.PurgedBefore.After(limit) {
		problems = append(problems, fmt.Sprintf(
			"The purge anchor at position %d claims that records before %s were purged, but records must be kept "+
				"%d days: the anchor was forged or edited to hide deleted records.",
			a.Pos, a.PurgedBefore.Format(time.RFC3339), MinRetentionDays))
	}
	rs, err := d.Query(ctx, `SELECT `+rowColumns+` FROM audit_log
		WHERE action = 'audit.purge' AND result = ? AND chain_pos > ? AND detail LIKE ?
		ORDER BY chain_pos LIMIT 10`, OK, a.Pos, "%"+anchorText(a.link)+"%")
	if err != nil {
		return nil, fmt.Errorf("audit verify: purge record: %w", err)
	}
	defer rs.Close()
	want := "mac " + c.anchorMAC(a)
	vouched := false
	for rs.Next() {
		r, err := scanRow(rs)
		if err != nil {
			return nil, fmt.Errorf("audit verify: purge record: %w", err)
		}
		if h.sum(r.PrevHash, r, *r.ChainPos) == r.Hash && strings.Contains(r.Detail, want) {
			vouched = true
		}
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("audit verify: purge record: %w", err)
	}
	if !vouched {
		problems = append(problems, fmt.Sprintf(
			"The purge anchor at position %d is not vouched for by a sealed audit.purge record under this key: "+
				"it was added or edited outside Anju, and the records before it may have been deleted unlawfully.", a.Pos))
	}
	return problems, nil
}

// anchorText is how a purge record's detail names its anchor.
func anchorText(l link) string {
	return fmt.Sprintf("anchor at position %d, hash %s,", l.Pos, l.Hash)
}

// checkExpect compares e with the chain that starts after from and ends at
// last. It returns a problem, or a note when e lies in the purged part.
func checkExpect(ctx context.Context, q db.Querier, e Expect, from, last link) (problem, note string, err error) {
	recorded := fmt.Sprintf("position %d with hash %s was recorded earlier", e.LastPos, e.LastHash)
	switch {
	case e.LastPos == from.Pos && from.Pos > 0:
		if e.LastHash != from.Hash {
			return fmt.Sprintf("The purge anchor at position %d has hash %s, but %s: the chain was rewritten.",
				from.Pos, from.Hash, recorded), "", nil
		}
		return "", "", nil
	case e.LastPos < from.Pos:
		return "", fmt.Sprintf("the recorded end at position %d lies in the part of the chain purged up to position %d "+
			"and cannot be checked any more.", e.LastPos, from.Pos), nil
	case e.LastPos > last.Pos:
		return fmt.Sprintf("The chain ends at position %d, but %s: the newest %s.",
			last.Pos, recorded, records(e.LastPos-last.Pos)+" deleted"), "", nil
	}
	var id int64
	var hash sql.NullString
	err = q.QueryRow(ctx, `SELECT id, hash FROM audit_log WHERE chain_pos = ?`, e.LastPos).Scan(&id, &hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Sprintf("There is no record at position %d, but %s: it was deleted.", e.LastPos, recorded), "", nil
	case err != nil:
		return "", "", fmt.Errorf("audit verify: %w", err)
	case hash.String != e.LastHash:
		return fmt.Sprintf("Record %d at position %d has hash %s, but %s: the chain was rewritten.",
			id, e.LastPos, hash.String, recorded), "", nil
	}
	return "", "", nil
}

// walked is the outcome of a walk along the chain.
type walked struct {
	checked  int
	matched  int // records whose contents matched their hash
	problems []finding
	omitted  int
	last     link // the last record seen, or where the walk started
}

// finding is one problem a walk found; altered marks a hash mismatch.
type finding struct {
	text    string
	altered bool
}

// wrongKey tells whether no record matched its hash: the key is wrong (or
// everything was rewritten), and one sentence says so better than a
// thousand.
func (w walked) wrongKey() bool { return w.checked > 0 && w.matched == 0 }

// list returns the problems as sentences, with or without the altered ones.
func (w walked) list(altered bool) []string {
	var out []string
	for _, f := range w.problems {
		if altered || !f.altered {
			out = append(out, f.text)
		}
	}
	if w.omitted > 0 {
		out = append(out, fmt.Sprintf("… and %d more problems.", w.omitted))
	}
	return out
}

// verifyPage is how many records a walk reads per query, so a long chain is
// never held in memory or in one long-running statement.
const verifyPage = 5000

// walk checks the records after from, up to position upTo (0: to the end),
// with the hashes of h.
func walk(ctx context.Context, q db.Querier, h *hasher, from link, upTo int64) (walked, error) {
	w := walked{last: from}
	var prevID int64 // 0: the previous point is the start or an anchor
	report := func(altered bool, format string, args ...any) {
		if len(w.problems) < maxProblems {
			w.problems = append(w.problems, finding{fmt.Sprintf(format, args...), altered})
		} else {
			w.omitted++
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
				report(false, "%s missing between %s and record %d (position %d): %s deleted.",
					missing, previous(), r.ID, pos, records(pos-w.last.Pos-1))
			case r.PrevHash != w.last.Hash:
				report(false, "Record %d (position %d) does not link to %s: its prev_hash differs from that hash, "+
					"so the earlier record was rewritten, or records were removed and the chain re-linked.",
					r.ID, pos, previous())
			}
			// Hashed with the row's own prev_hash, so this check is about the
			// row's contents alone and a broken link is not reported twice.
			if h.sum(r.PrevHash, r, pos) != r.Hash {
				report(true, "Record %d (position %d) was altered after sealing: its contents no longer match its hash.",
					r.ID, pos)
			} else {
				w.matched++
			}
			w.checked++
			w.last, prevID = link{pos, r.Hash}, r.ID
		}
		if len(rows) < verifyPage {
			break
		}
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
