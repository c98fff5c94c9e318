package audit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/migrations"
)

var sources = []db.Source{migrations.Platform}

// testKey keys the chain in every test of the package (the HTTP tests in
// audit_test included: they share this binary).
var testKey = bytes.Repeat([]byte{0x5a}, KeySize)

func TestMain(m *testing.M) {
	if err := SetKey(testKey); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// keyed is the chain under testKey, for tests that call methods directly.
func keyed() *Chain { return &Chain{Key: testKey} }

// staff is a district officer acting within /1/2/.
var staff = &auth.Principal{UserID: 7, Name: "王芳", Role: auth.DistrictStaff, OrgPath: "/1/2/", IP: "10.0.0.5"}

func as(p *auth.Principal) context.Context {
	return auth.WithPrincipal(context.Background(), p)
}

// recordN records n entries, each in its own transaction, and returns their ids.
func recordN(t testing.TB, ctx context.Context, d *db.DB, n int) []int64 {
	t.Helper()
	for i := range n {
		err := d.Tx(ctx, func(tx *db.Tx) error {
			return Record(ctx, tx, Entry{Action: "petition.create", ObjectType: "petition",
				ObjectID: fmt.Sprint(i + 1), Detail: fmt.Sprintf("受理信访件 %d", i+1)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids(t, d)
}

// ids lists every record's id in id order.
func ids(t testing.TB, d *db.DB) []int64 {
	t.Helper()
	rs, err := d.Query(context.Background(), `SELECT id FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []int64
	for rs.Next() {
		var id int64
		if err := rs.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

func mustSeal(t testing.TB, d *db.DB, want int) {
	t.Helper()
	n, err := Seal(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if want >= 0 && n != want {
		t.Fatalf("sealed %d records, want %d", n, want)
	}
}

func mustVerify(t testing.TB, d *db.DB) Report {
	t.Helper()
	rep, err := Verify(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// verifyAt verifies as if the clock showed at (purge anchors are judged
// against the minimum retention before now).
func verifyAt(t testing.TB, d *db.DB, at time.Time, expect ...Expect) Report {
	t.Helper()
	c := &Chain{Key: testKey, now: func() time.Time { return at }}
	rep, err := c.Verify(context.Background(), d, expect...)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// wantOK fails unless rep is clean with checked records checked.
func wantOK(t testing.TB, rep Report, checked int) {
	t.Helper()
	if !rep.OK || len(rep.Problems) > 0 {
		t.Fatalf("chain should verify:\n%s", rep)
	}
	if rep.Checked != checked {
		t.Fatalf("checked %d records, want %d", rep.Checked, checked)
	}
}

// wantProblem fails unless rep has exactly one problem, containing every part.
func wantProblem(t testing.TB, rep Report, parts ...string) {
	t.Helper()
	if rep.OK || len(rep.Problems) != 1 {
		t.Fatalf("want exactly one problem, got:\n%s", rep)
	}
	for _, p := range parts {
		if !strings.Contains(rep.Problems[0], p) {
			t.Fatalf("problem %q does not say %q", rep.Problems[0], p)
		}
	}
}

func exec(t testing.TB, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Exec(context.Background(), q, args...); err != nil {
		t.Fatal(err)
	}
}

func count(t testing.TB, d *db.DB, where string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE `+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
