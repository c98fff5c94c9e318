package petition_test

import (
	"context"
	"fmt"
	"testing"

	"anju/internal/demo"
	"anju/internal/petition"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/org"
)

func init() { petition.RegisterDemo() }

// demoEnv is the demo generator's environment over d, as the demo command
// builds it, with a system principal's context.
func demoEnv(d *db.DB) (context.Context, demo.Env) {
	ctx := auth.WithPrincipal(context.Background(), auth.System("demo"))
	hook := func(ctx context.Context, ex db.Execer, action, objectType, objectID, result, detail, orgPath string) error {
		return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: objectType, ObjectID: objectID, Result: result, Detail: detail, OrgPath: orgPath})
	}
	orgs := &org.Store{DB: d, Audit: func(ctx context.Context, ex db.Execer, a, ot, oid, detail, path string) error {
		return hook(ctx, ex, a, ot, oid, audit.OK, detail, path)
	}}
	return ctx, demo.Env{DB: d, Org: orgs, Auth: &auth.Service{DB: d, Audit: hook, SMS: auth.LogSMS{}}}
}

// The demo's petitions: two years, falling year over year every month
// (real-estate development faster), the same on both databases for one
// seed, and usable afterwards (ids continue, the engine reads them).
func TestDemoPetitions(t *testing.T) {
	var digests []string
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		ctx, env := demoEnv(d)
		res, err := demo.Generate(ctx, env, demo.Options{Seed: 7, Scale: 1})
		if err != nil {
			t.Fatal(err)
		}
		// PostgreSQL: the demo writes the keyword terms as the engine does,
		// so no keyword lookup has a whole demo to catch up on.
		if d.Dialect == db.Postgres {
			var missing int
			if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE search_terms IS NULL`).Scan(&missing); err != nil || missing != 0 {
				t.Errorf("%d demo cases without keyword terms (%v)", missing, err)
			}
		}
		n := 0
		for _, c := range res.Counts {
			if c.Label == "信访事项 petitions" {
				n = c.N
			}
		}
		if n < 4000 {
			t.Fatalf("%d petitions", n)
		}
		month := func(y, m int, cat string) int {
			var k int
			q := `SELECT COUNT(*) FROM cases WHERE type = 'petition' AND received_at >= ? AND received_at < ?`
			args := []any{fmt.Sprintf("%04d-%02d-01", y, m), fmt.Sprintf("%04d-%02d-01", y+m/12, m%12+1)}
			if d.Dialect == db.Postgres {
				q = `SELECT COUNT(*) FROM cases WHERE type = 'petition' AND received_at >= ?::timestamptz AND received_at < ?::timestamptz`
			}
			if cat != "" {
				q += ` AND category = ?`
				args = append(args, cat)
			}
			if err := d.QueryRow(ctx, q, args...).Scan(&k); err != nil {
				t.Fatal(err)
			}
			return k
		}
		down := 0
		for m := 1; m <= 10; m++ {
			if month(2026, m, "") < month(2025, m, "") {
				down++
			}
			if month(2026, m, "real_estate") >= month(2025, m, "real_estate") {
				t.Errorf("real-estate complaints of 2026-%02d did not fall", m)
			}
		}
		if down < 8 {
			t.Errorf("only %d of 10 months fell year over year", down)
		}
		var states int
		var digest string
		if err := d.QueryRow(ctx, `SELECT COUNT(DISTINCT state) FROM cases`).Scan(&states); err != nil || states < 5 {
			t.Errorf("states: %d %v", states, err)
		}
		if err := d.QueryRow(ctx, `SELECT MIN(number) || MAX(number) || COUNT(*) || SUM(flags) FROM cases`).Scan(&digest); err != nil {
			t.Fatal(err)
		}
		digests = append(digests, digest)
		// The engine reads them and new petitions get fresh ids.
		var citizen int64
		_ = d.QueryRow(ctx, `SELECT id FROM users WHERE mobile = '13800000001'`).Scan(&citizen)
		var waiting int
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE party_user_id = ? AND state = 'replied'`, citizen).Scan(&waiting)
		if waiting != 1 {
			t.Errorf("the demo citizen has %d replies to rate", waiting)
		}
		var maxID int64
		_ = d.QueryRow(ctx, `SELECT MAX(id) FROM cases`).Scan(&maxID)
		err = d.Tx(ctx, func(tx *db.Tx) error {
			var id int64
			return tx.QueryRow(ctx, `INSERT INTO case_events (case_id, at, kind, actor_name, actor_role, from_state, to_state, public, text, data)
				VALUES (?, CURRENT_TIMESTAMP, 'comment', 'x', 'x', '', '', 0, 'x', '{}') RETURNING id`, maxID).Scan(&id)
		})
		if err != nil {
			t.Errorf("event ids after the demo: %v", err)
		}
	})
	if len(digests) == 2 && digests[0] != digests[1] {
		t.Errorf("the databases got different petitions: %s / %s", digests[0], digests[1])
	}
}
