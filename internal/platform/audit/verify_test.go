package audit

import (
	"context"
	"fmt"
	"testing"

	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

func TestVerifyNamesEditedRecord(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		id := recordN(t, as(staff), d, 5)
		mustSeal(t, d, 5)
		wantOK(t, mustVerify(t, d), 5)

		exec(t, d, `UPDATE audit_log SET detail = 'nothing happened' WHERE id = ?`, id[2])
		wantProblem(t, mustVerify(t, d), fmt.Sprintf("Record %d (position 3) was altered", id[2]))

		// Undo, then move the time by a microsecond: every field counts.
		exec(t, d, `UPDATE audit_log SET detail = ? WHERE id = ?`, "受理信访件 3", id[2])
		wantOK(t, mustVerify(t, d), 5)
		r, err := Get(context.Background(), d, staff, id[1])
		if err != nil {
			t.Fatal(err)
		}
		exec(t, d, `UPDATE audit_log SET at = ? WHERE id = ?`, r.At.Add(1000), id[1])
		wantProblem(t, mustVerify(t, d), fmt.Sprintf("Record %d (position 2) was altered", id[1]))
	})
}

// Someone holding the key who edits a record and recomputes its hash
// breaks the link to the next record instead.
func TestVerifyNamesRehashedRecord(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		id := recordN(t, as(staff), d, 4)
		mustSeal(t, d, 4)
		r, err := Get(context.Background(), d, staff, id[1])
		if err != nil {
			t.Fatal(err)
		}
		r.Detail = "rewritten"
		exec(t, d, `UPDATE audit_log SET detail = ?, hash = ? WHERE id = ?`,
			r.Detail, keyed().hasher().sum(r.PrevHash, r, *r.ChainPos), r.ID)
		wantProblem(t, mustVerify(t, d),
			fmt.Sprintf("Record %d (position 3) does not link to record %d (position 2)", id[2], id[1]))
	})
}

func TestVerifyNamesDeletedRecords(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		id := recordN(t, as(staff), d, 8)
		mustSeal(t, d, 8)

		exec(t, d, `DELETE FROM audit_log WHERE chain_pos = 3`)
		rep := mustVerify(t, d)
		wantProblem(t, rep, fmt.Sprintf("Chain position 3 is missing between record %d (position 2) and record %d (position 4)", id[1], id[3]),
			"1 sealed record was deleted")
		if rep.Checked != 7 {
			t.Fatalf("checked %d, want 7", rep.Checked)
		}

		exec(t, d, `DELETE FROM audit_log WHERE chain_pos IN (5, 6)`)
		exec(t, d, `DELETE FROM audit_log WHERE chain_pos = 1`)
		rep = mustVerify(t, d)
		if len(rep.Problems) != 3 {
			t.Fatalf("want 3 problems:\n%s", rep)
		}
		for i, want := range []string{
			fmt.Sprintf("Chain position 1 is missing between the start of the chain and record %d (position 2)", id[1]),
			fmt.Sprintf("Chain position 3 is missing between record %d (position 2) and record %d (position 4)", id[1], id[3]),
			fmt.Sprintf("Chain positions 5 to 6 are missing between record %d (position 4) and record %d (position 7): 2 sealed records were deleted", id[3], id[6]),
		} {
			if got := rep.Problems[i]; len(got) < len(want) || got[:len(want)] != want {
				t.Errorf("problem %d = %q\nwant it to start %q", i, got, want)
			}
		}
	})
}

// Rows recorded while others are sealed join the chain in later batches;
// records not yet sealed are counted, not reported as problems.
func TestVerifyCountsUnsealed(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		recordN(t, as(staff), d, 3)
		mustSeal(t, d, 3)
		id := recordN(t, as(staff), d, 2)
		rep := mustVerify(t, d)
		wantOK(t, rep, 3)
		if rep.Unsealed != 2 || rep.OldestUnsealedID != id[3] {
			t.Fatalf("unsealed %d, oldest %d; want 2, %d", rep.Unsealed, rep.OldestUnsealedID, id[3])
		}
	})
}
