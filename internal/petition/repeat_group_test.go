package petition_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/petition"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Repeat detection reads once for a whole intake group (the petition
// type's BeforeInsert): petitions filed at the same moment, written in one
// transaction, are each linked to their own petitioner's earlier petition,
// and a new petitioner's is not a repeat.
func TestRepeatDetectionInAGroup(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		lat, lng := 30.2500, 120.1700
		located := func(phone string) func(*petition.Submission) {
			return func(s *petition.Submission) { s.Phone, s.Lat, s.Lng = phone, &lat, &lng }
		}
		first := map[string]int64{
			"13911110001": w.submit(t, located("13911110001")).ID,
			"13911110002": w.submit(t, located("13911110002")).ID,
		}
		w.Now = w.Now.Add(24 * time.Hour)

		// Hold the writer while the petitions queue up, so that they are
		// written in a shared transaction once it is let go.
		hold, release := make(chan struct{}), make(chan struct{})
		held := make(chan error, 1)
		go func() {
			held <- w.DB.Tx(ctx, func(tx *db.Tx) error {
				if tx.Dialect() == db.Postgres {
					if _, err := tx.Exec(ctx, `LOCK TABLE cases IN SHARE ROW EXCLUSIVE MODE`); err != nil {
						return err
					}
				}
				close(hold)
				<-release
				return nil
			})
		}()
		<-hold
		const n = 18
		phones := make([]string, n)
		got := make([]casework.Case, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			switch i % 3 {
			case 0:
				phones[i] = "13911110001"
			case 1:
				phones[i] = "13911110002"
			default:
				phones[i] = fmt.Sprintf("139222%05d", i) // a new petitioner
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = w.S.Submit(as(&auth.Principal{IP: "1.2.3.4"}), w.submission(located(phones[i])))
			}()
		}
		time.Sleep(300 * time.Millisecond) // all of them reach the queue
		close(release)
		wg.Wait()
		if err := <-held; err != nil {
			t.Fatal(err)
		}
		mine := map[string]map[int64]bool{} // each petitioner's petitions
		for p, id := range first {
			mine[p] = map[int64]bool{id: true}
		}
		for i, c := range got {
			if errs[i] != nil {
				t.Fatalf("submit %d: %v", i, errs[i])
			}
			if mine[phones[i]] == nil {
				mine[phones[i]] = map[int64]bool{}
			}
			mine[phones[i]][c.ID] = true
		}
		for i, c := range got {
			_, known := first[phones[i]]
			if c.Flags.Has(casework.FlagRepeat) != known {
				t.Errorf("petition %d (%s): repeat %v", i, phones[i], c.Flags.Has(casework.FlagRepeat))
			}
			if known && (!mine[phones[i]][c.RelatedID] || c.RelatedID == c.ID) {
				t.Errorf("petition %d (%s): linked to %d, not to the petitioner's earlier one", i, phones[i], c.RelatedID)
			}
			stored, err := w.E.Get(sysCtx(), c.ID)
			if err != nil || stored.RelatedID != c.RelatedID || stored.Flags != c.Flags {
				t.Errorf("petition %d: stored %d %v, answered %d %v (%v)", i, stored.RelatedID, stored.FlagList, c.RelatedID, c.FlagList, err)
			}
		}
		// On PostgreSQL the rows show which transaction wrote them: the
		// petitions queued behind the held writer shared transactions (two
		// writers take them, each group leaving the petitioners of the
		// other's, and the first to reach a writer may have had one of its
		// own).
		if w.DB.Dialect == db.Postgres {
			var most int
			if err := w.DB.QueryRow(ctx, `SELECT MAX(k) FROM (SELECT COUNT(*) AS k FROM cases WHERE received_at = ?
				GROUP BY xmin::text) t`, w.Now).Scan(&most); err != nil {
				t.Fatal(err)
			}
			if most < 4 {
				t.Errorf("at most %d of the %d petitions written in one transaction", most, n)
			}
		}
	})
}
