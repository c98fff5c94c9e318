package property

import (
	"context"
	"sync"
	"testing"

	"anju/internal/casework"
	"anju/internal/demo"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
	"anju/internal/platform/org"
)

var registerDemo sync.Once

// TestDemoStep generates the scale-1 demo city with this module's step and
// checks what it promises: every compound registered with realistic gaps,
// linked company accounts, published rules, a scored and published quarter
// with both lists, objections.
func TestDemoStep(t *testing.T) {
	registerDemo.Do(func() { demo.Register(demo.Step{Name: "property", Run: DemoStep}) })
	dbtest.Each(t, []db.Source{migrations.Platform, casework.Migrations, Migrations}, func(t *testing.T, d *db.DB) {
		ctx := auth.WithPrincipal(context.Background(), auth.System("test"))
		hook := func(ctx context.Context, ex db.Execer, action, objectType, objectID, result, detail, orgPath string) error {
			return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: objectType, ObjectID: objectID, Result: result,
				Detail: detail, OrgPath: orgPath})
		}
		env := demo.Env{DB: d, Auth: &auth.Service{DB: d, Audit: hook},
			Org: &org.Store{DB: d, Audit: func(ctx context.Context, ex db.Execer, action, objectType, objectID, detail, orgPath string) error {
				return hook(ctx, ex, action, objectType, objectID, audit.OK, detail, orgPath)
			}}}
		res, err := demo.Generate(ctx, env, demo.Options{Seed: 7, Scale: 1})
		if err != nil {
			t.Fatal(err)
		}
		s := &Service{DB: d, Org: env.Org}
		cov, err := s.Coverage(ctx, nil, 0, day("2026-10-16"))
		if err != nil {
			t.Fatal(err)
		}
		r := cov.Node
		if r.Compounds != res.Compounds || r.Compounds < 250 {
			t.Fatalf("coverage counts %d compounds, the city has %d", r.Compounds, res.Compounds)
		}
		// Gaps, but not everywhere: property service 65–95 %, committees 30–70 %, party work 30–85 %.
		check := func(name string, n int, lo, hi float64) {
			share := float64(n) / float64(r.Compounds)
			if share < lo || share > hi {
				t.Errorf("%s coverage %.2f outside %.2f–%.2f", name, share, lo, hi)
			}
		}
		check("service", r.Service, 0.65, 0.95)
		check("committee", r.Committee, 0.30, 0.70)
		check("party", r.Party, 0.30, 0.85)
		// Some district is behind another: the drill-down has something to show.
		lo, hi := 1.0, 0.0
		for _, c := range cov.Children {
			if c.ServiceRate != nil {
				lo, hi = min(lo, *c.ServiceRate), max(hi, *c.ServiceRate)
			}
		}
		if hi-lo < 0.05 {
			t.Errorf("every district has the same service coverage (%.2f–%.2f)", lo, hi)
		}
		lists, err := s.publicLists(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if lists.Run.Period != demoPeriod || len(lists.Red) == 0 || len(lists.Black) == 0 || lists.Run.Companies < 24 {
			t.Fatalf("lists %s: %d companies, %d red, %d black", lists.Run.Period, lists.Run.Companies, len(lists.Red), len(lists.Black))
		}
		var linked, objections, regs int
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM property_company_users`).Scan(&linked)
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM property_objections`).Scan(&objections)
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM property_regulations`).Scan(&regs)
		if linked != 2 || objections == 0 || regs < 5 {
			t.Fatalf("linked %d, objections %d, regulations %d", linked, objections, regs)
		}
		// The campaign's rectifications in every state, overdue ones among
		// them, their facts, council meetings and mediations at each level.
		states := map[string]int{}
		rows, err := d.Query(ctx, `SELECT c.state, COUNT(*) FROM property_rectifications r JOIN cases c ON c.id = r.case_id GROUP BY c.state`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var st string
			var n int
			_ = rows.Scan(&st, &n)
			states[st] = n
		}
		rows.Close()
		for _, st := range []string{RectRectifying, RectResponded, RectVerified, RectCancelled} {
			if states[st] == 0 {
				t.Errorf("no rectification %s: %v", st, states)
			}
		}
		var overdue, rfacts, meetings int
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM property_rectifications WHERE overdue_fact = 1`).Scan(&overdue)
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM credit_facts WHERE source_type = 'rectification' AND source_id LIKE 'ZG%'`).Scan(&rfacts)
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM property_council_meetings`).Scan(&meetings)
		if overdue == 0 || rfacts == 0 || meetings == 0 {
			t.Errorf("overdue %d, rectification facts %d, meetings %d", overdue, rfacts, meetings)
		}
		st, err := s.Settlements(ctx, auth.System("test"))
		if err != nil || st.Building == 0 || st.Community == 0 || st.Street == 0 || st.Above == 0 || st.Unsettled == 0 || st.Open == 0 {
			t.Errorf("settlements %+v %v", st, err)
		}
		pr, _ := s.Problems(ctx, auth.System("test"), 0)
		t.Logf("rectifications %v (problems %+v), %d overdue facts, %d meetings, settlement %+v", states, pr, overdue, meetings, st)
		t.Logf("coverage: %d compounds, service %d, committee %d, party %d; %d companies, %d red, %d black, %d facts",
			r.Compounds, r.Service, r.Committee, r.Party, lists.Run.Companies, len(lists.Red), len(lists.Black), lists.Run.Facts)
	})
}
