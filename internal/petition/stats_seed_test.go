package petition_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/petition"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
	"anju/internal/platform/workday"
)

// statRow is one petition as the statistics see it, written straight into
// the cases table (the figures' tests build the exact rows they count).
type statRow struct {
	unit      org.Unit
	category  string
	received  time.Time
	accepted  time.Time // zero: not accepted
	replied   time.Time // zero: not replied (or reopened since)
	finalFrom string    // YYYY-MM-DD, the day the finish period started
	finalDays int
	rating    string
	repeat    bool
}

var statSeq int

// insertStatRows writes rows in multi-row INSERTs, one transaction.
func insertStatRows(tb testing.TB, d *db.DB, rows []statRow) {
	tb.Helper()
	const cols = `type, number, state, version, org_unit_id, org_path, category, subcategory, kind, channel, title, body,
		party_name, party_phone, check_code, address, received_at, final_from, final_days, notified_level, accepted_at,
		replied_at, closed_at, closed_reason, rating, rated_at, flags, track_failures, data, created_at, updated_at`
	n := strings.Count(cols, ",") + 1
	ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	nt := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC()
	}
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		for start := 0; start < len(rows); start += 400 {
			part := rows[start:min(start+400, len(rows))]
			args := make([]any, 0, len(part)*n)
			for _, r := range part {
				statSeq++
				state, closed, reason, ratedAt := petition.StateRegistered, time.Time{}, "", time.Time{}
				switch {
				case r.rating == petition.RatingSatisfied || r.rating == petition.RatingBasically:
					state, closed, reason, ratedAt = petition.StateClosed, r.replied.Add(time.Hour), r.rating, r.replied.Add(time.Hour)
				case r.rating != "":
					state, ratedAt = petition.StateReplied, r.replied.Add(time.Hour)
				case !r.replied.IsZero():
					state = petition.StateReplied
				case !r.accepted.IsZero():
					state = petition.StateHandling
				}
				var flags int64
				if r.repeat {
					flags |= int64(casework.FlagRepeat)
				}
				cat, _ := petition.CategoryByCode(r.category)
				sub := "other"
				if len(cat.Subs) > 0 {
					sub = cat.Subs[0]
				}
				args = append(args, petition.TypeName, fmt.Sprintf("XS%012d", statSeq), state, 1, r.unit.ID, r.unit.Path,
					r.category, sub, petition.KindComplaint, petition.ChannelCall, "小区电梯经常停运",
					"小区电梯每周停运两三次，老人出行困难，物业推诿不修，请求督促整改。", "王**", "13912345678", "5678",
					"测试市某小区", r.received.UTC(), r.finalFrom, r.finalDays, 0, nt(r.accepted), nt(r.replied), nt(closed),
					reason, r.rating, nt(ratedAt), flags, 0, "{}", r.received.UTC(), r.received.UTC())
			}
			q := `INSERT INTO cases (` + cols + `) VALUES ` + strings.TrimSuffix(strings.Repeat(ph+", ", len(part)), ", ")
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// benchCity is a city of districts with streets on a fixed clock, built on
// testing.TB so that benchmarks can use it too.
type benchCity struct {
	DB        *db.DB
	S         *petition.Service
	E         *casework.Engine
	Now       time.Time
	City      org.Unit
	Districts []org.Unit
	Streets   []org.Unit
	CityStaff *auth.Principal
}

func newBenchCity(tb testing.TB, d *db.DB, districts, streets int, now time.Time) *benchCity {
	tb.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System("test"))
	orgs := &org.Store{DB: d, Audit: func(ctx context.Context, ex db.Execer, action, objectType, objectID, detail, orgPath string) error {
		return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: objectType, ObjectID: objectID, Detail: detail, OrgPath: orgPath})
	}}
	c := &benchCity{DB: d, Now: now}
	err := d.Tx(ctx, func(tx *db.Tx) error {
		p := auth.FromContext(ctx)
		var err error
		if c.City, err = orgs.Create(ctx, tx, p, org.Unit{Kind: org.City, Code: "S", Name: "统计市"}); err != nil {
			return err
		}
		for i := range districts {
			u, err := orgs.Create(ctx, tx, p, org.Unit{ParentID: c.City.ID, Kind: org.District, Code: fmt.Sprintf("S%02d", i), Name: fmt.Sprintf("第%d区", i+1)})
			if err != nil {
				return err
			}
			c.Districts = append(c.Districts, u)
			for j := range streets {
				s, err := orgs.Create(ctx, tx, p, org.Unit{ParentID: u.ID, Kind: org.Street, Code: fmt.Sprintf("S%02d%02d", i, j), Name: fmt.Sprintf("第%d区%d街道", i+1, j+1)})
				if err != nil {
					return err
				}
				c.Streets = append(c.Streets, s)
			}
		}
		_, err = orgs.EnsureDefaultDepartments(ctx, tx, p)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	c.E = casework.New(d, workday.New(workday.Builtin()...), shanghai)
	c.E.Now = func() time.Time { return c.Now }
	if c.S, err = petition.New(c.E, orgs); err != nil {
		tb.Fatal(err)
	}
	c.CityStaff = &auth.Principal{UserID: 1, Name: "city", Role: auth.CityStaff, OrgUnitID: c.City.ID, OrgPath: c.City.Path}
	return c
}

// seedYear writes n petitions received in year y (up to now), in the
// proportions of a housing bureau's year: most accepted within days, a few
// late; most replied within the 60 days, some late; two in three rated,
// nine in ten of those satisfied; one in twelve a repeat.
func (c *benchCity) seedYear(tb testing.TB, y, n int, r *rand.Rand) {
	tb.Helper()
	units := append(append([]org.Unit{}, c.Districts...), c.Streets...)
	start := time.Date(y, 1, 1, 0, 0, 0, 0, shanghai)
	span := time.Date(y+1, 1, 1, 0, 0, 0, 0, shanghai).Sub(start)
	if end := c.Now.Sub(start); end < span {
		span = end
	}
	day := func(t time.Time) string { return t.In(shanghai).Format("2006-01-02") }
	rows := make([]statRow, 0, 5000)
	for i := range n {
		rec := start.Add(time.Duration(r.Int64N(int64(span))))
		row := statRow{unit: units[r.IntN(len(units))], category: petition.Categories[r.IntN(len(petition.Categories))].Code,
			received: rec, repeat: r.IntN(12) == 0}
		if r.IntN(25) != 0 {
			acc := rec.Add(time.Duration(1+r.IntN(12)) * 24 * time.Hour)
			if r.IntN(40) == 0 {
				acc = rec.Add(time.Duration(16+r.IntN(6)) * 24 * time.Hour)
			}
			if acc.Before(c.Now) {
				row.accepted, row.finalFrom, row.finalDays = acc, day(acc), 60
				if r.IntN(20) == 0 {
					row.finalDays = 90
				}
				rep := acc.Add(time.Duration(10+r.IntN(55)) * 24 * time.Hour)
				if rep.Before(c.Now) {
					row.replied = rep
					if r.IntN(3) != 0 {
						row.rating = petition.Ratings[[]int{0, 0, 0, 0, 0, 0, 0, 1, 1, 2}[r.IntN(10)]]
					}
				}
			}
		}
		rows = append(rows, row)
		if len(rows) == cap(rows) || i == n-1 {
			insertStatRows(tb, c.DB, rows)
			rows = rows[:0]
		}
	}
}
