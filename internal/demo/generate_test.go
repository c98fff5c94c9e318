package demo

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/org"
)

// TestGenerate checks the scale-1 city as a user of the demo meets it: its
// size and shape, a tree the org store accepts as its own, and accounts
// that log in.
func TestGenerate(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		env := newEnv(d)
		res, err := Generate(ctx, env, Options{Seed: 1, Scale: 1})
		if err != nil {
			t.Fatal(err)
		}

		t.Run("counts", func(t *testing.T) {
			if res.Districts != 6 || res.Zones != 2 {
				t.Errorf("%d districts and %d zones, want 6 and 2", res.Districts, res.Zones)
			}
			if res.Compounds != 300 {
				t.Errorf("%d compounds at scale 1, want 300", res.Compounds)
			}
			byKind, err := env.Org.CountByKind(ctx, auth.System("test"))
			if err != nil {
				t.Fatal(err)
			}
			want := map[org.Kind]int{org.City: 1, org.District: 6, org.Zone: 2, org.Street: res.Streets,
				org.Community: res.Communities, org.Compound: 300, org.Building: res.Buildings}
			total := 0
			for k, n := range want {
				if byKind[k] != n {
					t.Errorf("%d units of kind %s in the database, result says %d", byKind[k], k, n)
				}
				total += n
			}
			if total != res.Units {
				t.Errorf("result counts %d units, kinds add up to %d", res.Units, total)
			}
			if res.Buildings < 300*buildingsMin || res.Buildings > 300*buildingsMax {
				t.Errorf("%d buildings for 300 compounds", res.Buildings)
			}
		})

		t.Run("tree shape", func(t *testing.T) { checkTree(t, d) })

		t.Run("names", func(t *testing.T) {
			names := map[string]string{}
			rows, err := d.Query(ctx, `SELECT code, name, kind FROM org_units WHERE kind <> 'building'`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var code, name, kind string
				if err := rows.Scan(&code, &name, &kind); err != nil {
					t.Fatal(err)
				}
				suffix := map[string]string{"street": "街道", "community": "社区", "district": "区", "zone": "区"}[kind]
				if !strings.HasSuffix(name, suffix) {
					t.Errorf("%s %s %q does not end in %s", kind, code, name, suffix)
				}
				if prev, dup := names[kind+name]; dup {
					t.Errorf("%s name %q used twice (%s and %s)", kind, name, prev, code)
				}
				names[kind+name] = code
			}
		})

		t.Run("the org store keeps working", func(t *testing.T) {
			// New units after the generator's own ids: on PostgreSQL this
			// fails unless the identity sequence was moved past them.
			community, err := env.Org.ByCode(ctx, system, "AL01-01-01")
			if err != nil {
				t.Fatal(err)
			}
			err = d.Tx(ctx, func(tx *db.Tx) error {
				_, err := env.Org.Create(ctx, tx, system, org.Unit{ParentID: community.ID, Kind: org.Compound,
					Code: "AL01-01-01-900", Name: "新建小区"})
				return err
			})
			if err != nil {
				t.Fatalf("org.Store.Create after generation: %v", err)
			}
		})

		t.Run("audited as the demo", func(t *testing.T) {
			var n int
			err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'org.unit.import' AND actor_name = 'demo'`).Scan(&n)
			if err != nil || n != 1 {
				t.Errorf("%d org.unit.import records by the demo (%v), want 1", n, err)
			}
			err = d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.create' AND actor_name = 'demo'`).Scan(&n)
			if err != nil || n != len(res.Accounts) {
				t.Errorf("%d user.create records by the demo (%v), want %d", n, err, len(res.Accounts))
			}
		})

		t.Run("accounts", func(t *testing.T) { checkAccounts(t, env, res) })

		t.Run("refuses a non-empty database", func(t *testing.T) {
			_, err := Generate(ctx, env, Options{Seed: 2, Scale: 1})
			if !errors.Is(err, ErrNotEmpty) {
				t.Fatalf("second Generate: %v, want ErrNotEmpty", err)
			}
		})

		t.Run("print", func(t *testing.T) {
			var b bytes.Buffer
			res.Print(&b)
			out := b.String()
			for _, a := range res.Accounts {
				if !strings.Contains(out, a.Login) || !strings.Contains(out, a.Password) {
					t.Errorf("printed table lacks %s / %s", a.Login, a.Password)
				}
			}
			for _, s := range []string{"角色 Role", "密码 Password", "300 小区 compounds", "系统管理员 system_admin"} {
				if !strings.Contains(out, s) {
					t.Errorf("printed table lacks %q:\n%s", s, out)
				}
			}
		})
	})
}

// checkTree verifies every unit as org.Store.Create would have made it: a
// parent of the right kind, the path and depth derived from the parent's,
// a code extending the parent's, coordinates near the city.
func checkTree(t *testing.T, d *db.DB) {
	type unit struct {
		id, parent int64
		kind, code string
		path       string
		depth      int
		lat, lng   float64
	}
	rows, err := d.Query(ctx, `SELECT id, COALESCE(parent_id, 0), kind, code, path, depth, lat, lng FROM org_units ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	units := map[int64]unit{}
	var order []int64
	for rows.Next() {
		var u unit
		if err := rows.Scan(&u.id, &u.parent, &u.kind, &u.code, &u.path, &u.depth, &u.lat, &u.lng); err != nil {
			t.Fatal(err)
		}
		units[u.id] = u
		order = append(order, u.id)
	}
	children := map[int64]int{}
	for _, id := range order {
		u := units[id]
		if math.Abs(u.lat-cityLat) > 0.3 || math.Abs(u.lng-cityLng) > 0.4 {
			t.Errorf("%s at %v,%v is far from the city", u.code, u.lat, u.lng)
		}
		if u.parent == 0 {
			if u.kind != string(org.City) || u.path != "/"+strconv.FormatInt(u.id, 10)+"/" || u.depth != 0 {
				t.Errorf("root %+v", u)
			}
			continue
		}
		p, ok := units[u.parent]
		if !ok {
			t.Fatalf("%s: parent %d missing", u.code, u.parent)
		}
		children[p.id]++
		if !org.Kind(u.kind).AllowedUnder(org.Kind(p.kind)) {
			t.Errorf("%s: a %s under a %s", u.code, u.kind, p.kind)
		}
		if want := p.path + strconv.FormatInt(u.id, 10) + "/"; u.path != want {
			t.Errorf("%s: path %s, want %s", u.code, u.path, want)
		}
		if u.depth != p.depth+1 || u.depth != org.Kind(u.kind).Level() {
			t.Errorf("%s: depth %d under depth %d", u.code, u.depth, p.depth)
		}
		if !strings.HasPrefix(u.code, p.code) {
			t.Errorf("%s does not extend its parent's code %s", u.code, p.code)
		}
	}
	// How many children each level has, at scale 1.
	limits := map[string][2]int{"street": {communitiesMin, communitiesMax}, "compound": {buildingsMin, buildingsMax},
		"community": {1, 20}}
	for _, id := range order {
		u := units[id]
		if l, ok := limits[u.kind]; ok && (children[id] < l[0] || children[id] > l[1]) {
			t.Errorf("%s %s has %d children, want %d–%d", u.kind, u.code, children[id], l[0], l[1])
		}
		if u.kind == "district" && (children[id] < 3 || children[id] > 5) {
			t.Errorf("district %s has %d streets, want 3–5", u.code, children[id])
		}
	}
}

// checkAccounts logs in with every printed password and checks where each
// account acts.
func checkAccounts(t *testing.T, env Env, res *Result) {
	roles := map[auth.Role]bool{}
	for _, a := range res.Accounts {
		roles[a.Role] = true
		_, p, err := env.Auth.Login(ctx, auth.LoginInput{Identifier: a.Login, Password: a.Password, IP: "127.0.0.1"})
		if err != nil {
			t.Errorf("%s (%s) cannot log in with %q: %v", a.Login, a.Role, a.Password, err)
			continue
		}
		if p.Role != a.Role || p.UserID != a.UserID {
			t.Errorf("%s logged in as %s #%d, want %s #%d", a.Login, p.Role, p.UserID, a.Role, a.UserID)
		}
		if pol := auth.DefaultPolicy(); len(pol.Validate(a.Password, a.Login)) > 0 {
			t.Errorf("%s: password %q breaks the default policy", a.Login, a.Password)
		}
		if a.Role == auth.CityStaff && p.DepartmentID == 0 {
			t.Errorf("city staff %s has no department", a.Login)
		}
	}
	for _, r := range auth.Roles {
		if !roles[r] {
			t.Errorf("no demo account for role %s", r)
		}
	}
	for _, dep := range []string{"parking", "property", "approval", "petition"} {
		if !hasLogin(res, dep) {
			t.Errorf("no city staff account for the %s department", dep)
		}
	}

	// The district, street and community accounts act inside their units,
	// and the street and community inside district1's district.
	district1, err := env.Org.ByCode(ctx, system, "AL01")
	if err != nil {
		t.Fatal(err)
	}
	for login, kind := range map[string]org.Kind{"district1": org.District, "district2": org.District,
		"street1": org.Street, "community1": org.Community} {
		a := accountOf(t, res, login)
		_, p, err := env.Auth.Login(ctx, auth.LoginInput{Identifier: login, Password: a.Password, IP: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := env.Org.Get(ctx, system, p.OrgUnitID)
		if err != nil {
			t.Fatal(err)
		}
		if u.Kind != kind || p.OrgPath != u.Path || u.Name != a.Scope {
			t.Errorf("%s acts in %s %s (%s), want a %s named %s", login, u.Kind, u.Name, p.OrgPath, kind, a.Scope)
		}
		if login != "district2" && !strings.HasPrefix(p.OrgPath, district1.Path) {
			t.Errorf("%s scope %s is not under district1's %s", login, p.OrgPath, district1.Path)
		}
	}
	if a := accountOf(t, res, "district2"); a.OrgUnitID == accountOf(t, res, "district1").OrgUnitID {
		t.Error("district1 and district2 share a district")
	}
}

func hasLogin(res *Result, login string) bool {
	for _, a := range res.Accounts {
		if a.Login == login {
			return true
		}
	}
	return false
}

func accountOf(t *testing.T, res *Result, login string) Account {
	t.Helper()
	for _, a := range res.Accounts {
		if a.Login == login {
			return a
		}
	}
	t.Fatalf("no account %s", login)
	return Account{}
}

// TestDeterministic: the same seed and scale make the same city in two
// fresh databases; another seed makes another.
func TestDeterministic(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		a := mustGenerate(t, d, Options{Seed: 7, Scale: 1})
		d2 := freshDB(t, d)
		b := mustGenerate(t, d2, Options{Seed: 7, Scale: 1})
		ua, ub := readUnits(t, d), readUnits(t, d2)
		if len(ua) != len(ub) {
			t.Fatalf("%d units, then %d", len(ua), len(ub))
		}
		for i := range ua {
			if ua[i] != ub[i] {
				t.Fatalf("unit %d differs:\n%+v\n%+v", i, ua[i], ub[i])
			}
		}
		for i := range a.Accounts {
			x, y := a.Accounts[i], b.Accounts[i]
			if x.Login != y.Login || x.Password != y.Password || x.DisplayName != y.DisplayName || x.Scope != y.Scope {
				t.Errorf("account %d differs: %+v vs %+v", i, x, y)
			}
		}

		d3 := freshDB(t, d)
		c := mustGenerate(t, d3, Options{Seed: 8, Scale: 1})
		uc := readUnits(t, d3)
		same := 0
		names := map[string]bool{}
		for _, u := range ua {
			if u.Kind == "compound" {
				names[u.Name] = true
			}
		}
		for _, u := range uc {
			if u.Kind == "compound" && names[u.Name] {
				same++
			}
		}
		if same > 150 {
			t.Errorf("seeds 7 and 8 share %d of 300 compound names", same)
		}
		if a.Accounts[0].Password == c.Accounts[0].Password {
			t.Errorf("seeds 7 and 8 give sysadmin the same password %s", a.Accounts[0].Password)
		}
	})
}

// TestSameCityOnBothDatabases: the seed decides the city, not the engine.
func TestSameCityOnBothDatabases(t *testing.T) {
	pg := dbtest.Postgres(t, sources...)
	lite := dbtest.SQLite(t, sources...)
	mustGenerate(t, pg, Options{Seed: 3, Scale: 1})
	mustGenerate(t, lite, Options{Seed: 3, Scale: 1})
	up, ul := readUnits(t, pg), readUnits(t, lite)
	if len(up) != len(ul) {
		t.Fatalf("%d units on PostgreSQL, %d on SQLite", len(up), len(ul))
	}
	for i := range up {
		if up[i] != ul[i] {
			t.Fatalf("unit %d differs:\n%+v\n%+v", i, up[i], ul[i])
		}
	}
}

// TestDesignScales: the design alone (no database) at a large scale keeps
// the promised size and unique codes, and the district centres apart.
func TestDesignScales(t *testing.T) {
	c, plan, _ := designCity(stepRand(1, "city"), 170)
	if len(c.Compounds) != 51000 || len(plan) != 51000 {
		t.Errorf("%d compounds at scale 170, want 51,000", len(c.Compounds))
	}
	codes := map[string]bool{}
	for _, list := range [][]Node{c.Districts, c.Streets, c.Communities, c.Compounds} {
		for _, n := range list {
			if codes[n.Code] {
				t.Fatalf("code %s twice", n.Code)
			}
			codes[n.Code] = true
			if len(n.Code) > org.MaxCodeLen || len([]rune(n.Name)) > org.MaxNameLen {
				t.Fatalf("%s %q too long", n.Code, n.Name)
			}
		}
	}
	for i, a := range c.Districts {
		for _, b := range c.Districts[i+1:] {
			if math.Hypot(a.Lat-b.Lat, a.Lng-b.Lng) < 0.05 {
				t.Errorf("%s and %s are only %.3f° apart", a.Name, b.Name, math.Hypot(a.Lat-b.Lat, a.Lng-b.Lng))
			}
		}
	}
}

// TestModuleSteps: a registered step runs after the platform's, sees the
// city and the accounts, acts as the demo principal, and its count is
// reported; a failing step names itself.
func TestModuleSteps(t *testing.T) {
	d := dbtest.SQLite(t, sources...)
	var seen *Env
	step := Step{Name: "probe", Run: func(ctx context.Context, env *Env, r *rand.Rand) error {
		seen = env
		if p := auth.FromContext(ctx); p.Name != "demo" {
			t.Errorf("step runs as %q, want the demo principal", p.Name)
		}
		env.Count("探针 probes", len(env.City.Compounds))
		return nil
	}}
	res, err := generate(ctx, newEnv(d), Options{Seed: 1}, append(platformSteps(), step))
	if err != nil {
		t.Fatal(err)
	}
	if seen == nil || seen.City == nil || len(seen.Accounts) == 0 || len(seen.Departments) == 0 {
		t.Fatal("the module step did not see the city, departments and accounts")
	}
	if len(res.Counts) != 1 || res.Counts[0].N != 300 {
		t.Errorf("counts %+v", res.Counts)
	}
	fail := Step{Name: "broken", Run: func(context.Context, *Env, *rand.Rand) error { return errors.New("boom") }}
	_, err = generate(ctx, newEnv(dbtest.SQLite(t, sources...)), Options{Seed: 1}, []Step{fail})
	if err == nil || !strings.Contains(err.Error(), `"broken"`) {
		t.Errorf("failing step: %v", err)
	}
}

// TestProgress: a progress writer that is not a terminal (a log) gets one
// finished line per step; on a terminal the bar redraws in place, at most
// once per percent.
func TestProgress(t *testing.T) {
	d := dbtest.SQLite(t, sources...)
	var b bytes.Buffer
	if _, err := Generate(ctx, newEnv(d), Options{Seed: 1, Progress: &b}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, s := range []string{"100%", "300/300", "行政区划 city tree", "账号 accounts"} {
		if !strings.Contains(out, s) {
			t.Errorf("progress output lacks %q:\n%q", s, out)
		}
	}
	if strings.Contains(out, "\r") || strings.Contains(out, " 0%") {
		t.Errorf("a log got redraws:\n%q", out)
	}
	var live bytes.Buffer
	bar := &Bar{w: &live, live: true, label: "x", total: 1000, drawn: -1}
	for range 1000 {
		bar.Add(1)
	}
	bar.Finish()
	if n := strings.Count(live.String(), "\r"); n < 100 || n > 102 {
		t.Errorf("%d redraws on a terminal for 1,000 steps, want one per percent", n)
	}
}

func TestOptions(t *testing.T) {
	d := dbtest.SQLite(t, sources...)
	if _, err := Generate(ctx, newEnv(d), Options{Scale: -1}); err == nil {
		t.Error("negative scale accepted")
	}
	if _, err := Generate(ctx, Env{DB: d}, Options{}); err == nil {
		t.Error("Env without services accepted")
	}
}

func TestNamerNumbersWhenExhausted(t *testing.T) {
	n := newNamer()
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for range 3 * len(streetFirst) * len(streetSecond) {
		s := n.streetName(r)
		if seen[s] {
			t.Fatalf("street name %s twice", s)
		}
		seen[s] = true
	}
}

func TestSpread(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ n, total int }{{81, 300}, {10, 10}, {100, 1000}} {
		sum := 0
		for _, v := range spread(r, tc.n, tc.total) {
			if v < 1 {
				t.Fatalf("empty bucket in %+v", tc)
			}
			sum += v
		}
		if sum != tc.total {
			t.Errorf("%+v: sum %d", tc, sum)
		}
	}
}

func TestDisplayWidth(t *testing.T) {
	for s, w := range map[string]int{"abc": 3, "安澜市": 6, "角色 Role": 9, "": 0} {
		if got := displayWidth(s); got != w {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, w)
		}
	}
	if thousands(1234567) != "1,234,567" || thousands(12) != "12" {
		t.Error("thousands")
	}
}
