package audit

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

var auditor = &auth.Principal{UserID: 2, Name: "审计管理员", Role: auth.AuditAdmin, OrgPath: "/", IP: "10.0.0.9"}

func TestPurge(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		ctx := as(auditor)
		now := time.Now().UTC()
		id := recordN(t, as(staff), d, 10)
		// Records 1–4 and 6 are old; record 5 is young, so only 1–4 (a
		// prefix of the chain) may go and record 6 stays with it.
		old := now.AddDate(0, 0, -200)
		for _, i := range []int{0, 1, 2, 3, 5} {
			exec(t, d, `UPDATE audit_log SET at = ? WHERE id = ?`, old, id[i])
		}
		mustSeal(t, d, 10)
		var hash4 string
		if err := d.QueryRow(context.Background(), `SELECT hash FROM audit_log WHERE chain_pos = 4`).Scan(&hash4); err != nil {
			t.Fatal(err)
		}

		n, err := Purge(ctx, d, MinRetentionDays-1, now)
		if !errors.Is(err, ErrRetention) || n != 0 {
			t.Fatalf("Purge(179 days) = %d, %v; want refusal", n, err)
		}
		if c := count(t, d, "action = 'audit.purge' AND result = ?", Refused); c != 1 {
			t.Fatalf("%d refused purges on record, want 1", c)
		}

		n, err = Purge(ctx, d, MinRetentionDays, now)
		if err != nil || n != 4 {
			t.Fatalf("Purge = %d, %v; want 4 removed", n, err)
		}
		if c := count(t, d, "id IN (?, ?, ?, ?)", id[0], id[1], id[2], id[3]); c != 0 {
			t.Fatalf("%d of the old records are still there", c)
		}
		var anchorPos int64
		var anchorHash string
		if err := d.QueryRow(context.Background(), `SELECT chain_pos, hash FROM audit_anchor`).Scan(&anchorPos, &anchorHash); err != nil {
			t.Fatal(err)
		}
		if anchorPos != 4 || anchorHash != hash4 {
			t.Fatalf("anchor at %d %s, want 4 %s", anchorPos, anchorHash, hash4)
		}
		rep := mustVerify(t, d)
		// Records 5–10, then the refusal and the purge's own entry, which the
		// purge sealed before committing.
		wantOK(t, rep, 8)
		if rep.From != 4 || rep.Unsealed != 0 {
			t.Fatalf("after purge: from %d, unsealed %d; want 4, 0", rep.From, rep.Unsealed)
		}
		if c := count(t, d, "action = 'audit.purge' AND result = ? AND actor_name = ?", OK, auditor.Name); c != 1 {
			t.Fatalf("%d purges on record, want 1", c)
		}
		var detail string
		if err := d.QueryRow(context.Background(), `SELECT detail FROM audit_log WHERE action = 'audit.purge' AND result = ?`, OK).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, "anchor at position 4, hash "+hash4+",") || !strings.Contains(detail, ", mac ") {
			t.Fatalf("purge record does not name its anchor: %q", detail)
		}
		mustSeal(t, d, 0)

		// Years later everything sealed goes, and the chain carries on from
		// the anchor.
		later := now.AddDate(3, 0, 0)
		n, err = Purge(ctx, d, MinRetentionDays, later)
		if err != nil || n != 8 {
			t.Fatalf("Purge = %d, %v; want 8 removed", n, err)
		}
		rep = verifyAt(t, d, later)
		wantOK(t, rep, 1) // the purge's entry
		if rep.From != 12 || rep.Unsealed != 0 {
			t.Fatalf("after purging all: from %d, unsealed %d; want 12, 0", rep.From, rep.Unsealed)
		}
		recordN(t, as(staff), d, 1)
		mustSeal(t, d, 1)
		rep = verifyAt(t, d, later)
		wantOK(t, rep, 2)
		if rep.Last != 14 {
			t.Fatalf("chain ends at %d, want 14", rep.Last)
		}
	})
}

// A large purge runs in several bounded transactions, each with its anchor.
func TestPurgeInBatches(t *testing.T) {
	defer func(b int64) { purgeBatch = b }(purgeBatch)
	purgeBatch = 3
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		recordN(t, as(staff), d, 10)
		mustSeal(t, d, 10)
		n, err := Purge(as(auditor), d, MinRetentionDays, time.Now().AddDate(1, 0, 0))
		if err != nil || n != 10 {
			t.Fatalf("Purge = %d, %v; want 10 removed", n, err)
		}
		var anchors int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_anchor`).Scan(&anchors); err != nil {
			t.Fatal(err)
		}
		if anchors != 4 {
			t.Fatalf("%d anchors, want 4", anchors)
		}
		mustSeal(t, d, 0) // each batch sealed its own audit entry
		rep := verifyAt(t, d, time.Now().AddDate(1, 0, 0))
		wantOK(t, rep, 4)
		if rep.From != 10 {
			t.Fatalf("chain starts after %d, want 10", rep.From)
		}
	})
}

// Purging records that do not verify would destroy the evidence: refused.
func TestPurgeRefusesBrokenChain(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		id := recordN(t, as(staff), d, 5)
		mustSeal(t, d, 5)
		exec(t, d, `UPDATE audit_log SET detail = 'covered up' WHERE id = ?`, id[1])
		n, err := Purge(as(auditor), d, MinRetentionDays, time.Now().AddDate(1, 0, 0))
		if !errors.Is(err, ErrChainBroken) || n != 0 {
			t.Fatalf("Purge = %d, %v; want refusal", n, err)
		}
		if c := count(t, d, "chain_pos IS NOT NULL"); c != 5 {
			t.Fatalf("%d sealed records left, want 5", c)
		}
		if c := count(t, d, "action = 'audit.purge' AND result = ?", Refused); c != 1 {
			t.Fatalf("%d refused purges on record, want 1", c)
		}
		wantProblem(t, mustVerify(t, d), "was altered")
	})
}
