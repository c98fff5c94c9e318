package casework_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
	"anju/internal/platform/org"
)

func ids(cs []casework.Case) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func sorted(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

func TestCaseGrams(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"屋顶漏水"}, "屋顶 顶漏 漏水"},
		{[]string{"漏"}, ""},                      // one character: nothing
		{[]string{"漏，水"}, ""},                    // runs of one
		{[]string{"3号楼", "A座"}, "3号 号楼 a座"},      // digits and letters join CJK runs
		{[]string{"Room 5B"}, "ro oo om 5b"},     // ASCII lower-cased, the space splits
		{[]string{"ROOM", "room"}, "ro oo om"},   // distinct
		{[]string{"阳光花园", "花园"}, "阳光 光花 花园"},     // the texts split apart; distinct
		{[]string{"阳光", "花园"}, "阳光 花园"},          // no bigram across texts
		{[]string{"《物业费》上涨！"}, "物业 业费 上涨"},       // CJK punctuation
		{[]string{"“电梯”—故障…"}, "电梯 故障"},          // general punctuation
		{[]string{"120㎡①号"}, "12 20"},            // symbols split; ① too
		{[]string{"（1）栋"}, ""},                   // fullwidth brackets
		{[]string{"１２３"}, "１２ ２３"},               // fullwidth digits are digits
		{[]string{"二〇二六年"}, "二〇 〇二 二六 六年"},       // 〇 is a letter
		{[]string{"𠀀𠀁村"}, "𠀀𠀁 𠀁村"},               // beyond the BMP
		{[]string{"a_b-c.d/e"}, ""},              // ASCII punctuation
		{[]string{"漏水😀漏水"}, "漏水"},                // emoji split
		{[]string{"Ab\u00a0Cd\tEf"}, "ab cd ef"}, // no-break space, tab
		{[]string{"ÉCOLE"}, "Éc co ol le"},       // only ASCII is lower-cased
		{[]string{"", "", ""}, ""},
	} {
		got := strings.Join(casework.CaseGrams(tc.in...), " ")
		if got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestKeywordGrams(t *testing.T) {
	for kw, want := range map[string]string{
		"漏水":      "漏水",
		"物业费":     "物业 业费",
		"拖欠农民工工资": "拖欠 欠农 农民 民工 工工 工资",
		"3号楼":     "3号 号楼",
		"A座":      "a座",
		"a座":      "a座",
		"XF2026":  "xf f2 20 02 26",
		"3号楼 101": "3号 号楼 10 01",
		"漏":       "", // one character: the LIKE alone
		"，。！":     "", // punctuation only
		"a-b":     "",
		"Café":    "", // a letter with a case beyond ASCII
		"Ａ座":      "", // fullwidth Ａ has a case
		"Ⅱ期":      "", // Ⅱ splits, 期 alone
	} {
		if got := strings.Join(casework.KeywordGrams(kw), " "); got != want {
			t.Errorf("%q: %q, want %q", kw, got, want)
		}
	}
}

// The PostgreSQL function splits at the class written in its migration:
// it must be gramBreaks (and ASCII's non-alphanumerics).
func TestGramClassMatchesMigration(t *testing.T) {
	esc := func(r rune) string {
		if r > 0xFFFF {
			return fmt.Sprintf(`\U%08x`, r)
		}
		return fmt.Sprintf(`\u%04x`, r)
	}
	class := `[\u0001-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f`
	for _, b := range casework.GramBreaks {
		class += esc(b[0])
		if b[1] != b[0] {
			class += "-" + esc(b[1])
		}
	}
	class += "]+"
	sql, err := os.ReadFile("migrations/postgres/0003_keyword_index.sql")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sql), "'"+class+"'") {
		t.Errorf("the migration's class is not gramBreaks; it should read\n%s", class)
	}
	for i := 1; i < len(casework.GramBreaks); i++ {
		if casework.GramBreaks[i][0] <= casework.GramBreaks[i-1][1] {
			t.Errorf("gramBreaks out of order at %x", casework.GramBreaks[i][0])
		}
	}
}

// gramSamples are texts that exercise every edge of the normalisation:
// each break range's first and last character and its neighbours, between
// letters; all of ASCII; and random mixes of CJK, ASCII, digits, fullwidth
// forms and punctuation.
func gramSamples() [][3]string {
	var out [][3]string
	for _, b := range casework.GramBreaks {
		for _, r := range []rune{b[0] - 1, b[0], b[1], b[1] + 1} {
			if r >= 0xD800 && r <= 0xDFFF {
				continue // surrogates are not characters
			}
			out = append(out, [3]string{"漏" + string(r) + "水", "a" + string(r) + string(r) + "B", string(r) + "9"})
		}
	}
	var ascii strings.Builder
	for r := rune(1); r < 0x80; r++ {
		ascii.WriteRune(r)
		ascii.WriteRune('x')
	}
	out = append(out, [3]string{ascii.String(), "", ""})
	pool := []rune("漏水电梯物业费阳光花园号楼室座区街道ABCXYZabcxyz0123456789 ，。、！（）《》“”-_/.#@①㎡〇々𠀀ＡＢ１２ÉéΩω\u00a0\u3000")
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var s [3]string
		for j := range s {
			n := r.IntN(12)
			rs := make([]rune, n)
			for k := range rs {
				rs[k] = pool[r.IntN(len(pool))]
			}
			s[j] = string(rs)
		}
		out = append(out, s)
	}
	return out
}

// Go and PostgreSQL compute the same bigrams.
func TestGramsAgreeWithPostgres(t *testing.T) {
	d := dbtest.Postgres(t, sources...)
	ctx := context.Background()
	for _, s := range gramSamples() {
		var arr string
		if err := d.QueryRow(ctx, `SELECT array_to_string(case_grams(?, ?, ?), ' ')`, s[0], s[1], s[2]).Scan(&arr); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		got := sorted(strings.Fields(arr))
		if arr == "" {
			got = nil
		}
		want := sorted(casework.CaseGrams(s[0], s[1], s[2]))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%q: postgres %q, go %q", s, got, want)
		}
	}
	var paths string
	if err := d.QueryRow(ctx, `SELECT array_to_string(case_paths('/1/9/23/'), ' ') || ';' || array_to_string(case_paths('/'), ' ')`).Scan(&paths); err != nil || paths != "/1/ /1/9/ /1/9/23/;" {
		t.Errorf("case_paths: %q %v", paths, err)
	}
	// The terms the engine writes (SearchTerms) are those the functions
	// give a case written past it (gramsReady's catch-up).
	for _, s := range gramSamples() {
		var arr string
		if err := d.QueryRow(ctx, `SELECT array_to_string(case_grams(?, ?, ?) || case_paths('/1/9/23/'), ' ')`, s[0], s[1], s[2]).Scan(&arr); err != nil {
			t.Fatal(err)
		}
		want := casework.SearchTerms(s[0], s[1], s[2], "/1/9/23/")
		if fmt.Sprint(sorted(strings.Fields(arr))) != fmt.Sprint(sorted(want)) || !strings.HasSuffix(strings.Join(want, " "), "/1/ /1/9/ /1/9/23/") {
			t.Errorf("%q: postgres terms %q, go %q", s, arr, want)
		}
	}
	// The ledger's condition is answered from the index.
	var plan string
	err := d.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `EXPLAIN SELECT COUNT(*) FROM cases c WHERE c.search_terms @> ?::text[]`, "{漏水}")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			plan += line + "\n"
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "cases_search") {
		t.Errorf("the keyword condition does not use the index:\n%s", plan)
	}
}

// SQLite's migration indexes the cases already there, in SQL: the same
// entries as the engine's Go writes (compared as FTS5 vocabularies: the
// terms and how many cases hold each).
func TestSQLiteMigrationIndexesExistingCases(t *testing.T) {
	ctx := context.Background()
	before := fstest.MapFS{}
	err := fs.WalkDir(casework.Migrations.FS, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() || strings.Contains(p, "0003_") {
			return err
		}
		b, err := fs.ReadFile(casework.Migrations.FS, p)
		before[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	d := dbtest.SQLite(t, migrations.Platform, db.Source{Module: "casework", FS: before})
	w := newWorld(t, d)
	samples := gramSamples()
	units := []org.Unit{w.A, w.StreetA, w.City}
	err = d.Tx(ctx, func(tx *db.Tx) error {
		for i, s := range samples {
			if _, err := tx.Exec(ctx, `INSERT INTO cases (id, type, number, state, version, org_unit_id, org_path, category, subcategory,
				kind, channel, title, body, party_name, party_phone, check_code, address, received_at, final_from, final_days,
				notified_level, closed_reason, rating, flags, track_failures, data, created_at, updated_at)
				VALUES (?, 'task', ?, 'new', 1, ?, ?, 'other', '', 'k', 'web', ?, '', ?, '', '', ?, ?, '', 0, 0, '', '', 0, 0, '{}', ?, ?)`,
				i+1, fmt.Sprintf("TK%06d", i), units[i%3].ID, units[i%3].Path, s[0], s[2], s[1], w.Now, w.Now, w.Now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, d, sources...); err != nil {
		t.Fatal(err)
	}
	// The engine's entries, in a table of the same kind.
	err = d.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE VIRTUAL TABLE go_grams USING fts5(grams, content='', contentless_delete=1, detail=none)`); err != nil {
			return err
		}
		for i, s := range samples {
			if _, err := tx.Exec(ctx, `INSERT INTO go_grams (rowid, grams) VALUES (?, ?)`, i+1, casework.FTSGrams(s[0], s[1], s[2], units[i%3].Path)); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `CREATE VIRTUAL TABLE v_sql USING fts5vocab(case_grams, 'row');
			CREATE VIRTUAL TABLE v_go USING fts5vocab(go_grams, 'row')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	vocab := func(table string) string {
		rows, err := d.Query(ctx, `SELECT term, doc FROM `+table+` ORDER BY term`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var sb strings.Builder
		for rows.Next() {
			var term string
			var n int
			if err := rows.Scan(&term, &n); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&sb, "%q %d\n", term, n)
		}
		return sb.String()
	}
	if a, b := vocab("v_sql"), vocab("v_go"); a != b || len(a) < 100 {
		t.Errorf("the migration's index differs from the engine's:\nmigration:\n%s\nengine:\n%s", a, b)
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM case_grams_docsize`).Scan(&n); err != nil || n != len(samples) {
		t.Errorf("%d entries for %d cases (%v)", n, len(samples), err)
	}
}

// In SQLite each bigram is one token of the FTS5 table (so a quoted
// bigram finds exactly the entries holding it).
func TestGramsAreFTSTokens(t *testing.T) {
	d := dbtest.SQLite(t, sources...)
	ctx := context.Background()
	texts := [][4]string{
		{"阳光花园3号楼101室", "A座2单元", "王伟", "/1/9/23/"}, {"Room 5B, Tower C", "XF20260302", "李", "/1/"},
		{"屋顶漏水（急）", "清河区人民路街道", "Zhang San", "/1/12/"}, {"二〇二六年１２月", "𠀀𠀁村", "々", "/"},
	}
	want := map[string]bool{}
	err := d.Tx(ctx, func(tx *db.Tx) error {
		for i, s := range texts {
			g := casework.FTSGrams(s[0], s[1], s[2], s[3])
			for _, x := range strings.Fields(g) {
				want[x] = true
			}
			if _, err := tx.Exec(ctx, `INSERT INTO case_grams (rowid, grams) VALUES (?, ?)`, 1000+i, g); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `CREATE VIRTUAL TABLE grams_vocab USING fts5vocab(case_grams, 'row')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := d.Query(ctx, `SELECT term FROM grams_vocab`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for rows.Next() {
		var term string
		if err := rows.Scan(&term); err != nil {
			t.Fatal(err)
		}
		got[term] = true
	}
	rows.Close()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tokens %v, want the bigrams %v", got, want)
	}
	for _, term := range []string{"unit1", "unit1x9", "unit1x9x23", "unit1x12"} {
		if !got[term] {
			t.Errorf("no term %s", term)
		}
	}
	for _, kw := range []string{"3号楼", "A座", "a座", "5b", "XF2026", "〇二六"} {
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM case_grams WHERE case_grams MATCH ?`,
			`"`+strings.Join(casework.KeywordGrams(kw), `" "`)+`"`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s: %d entries (%v), want 1", kw, n, err)
		}
	}
}

// retitleType ("rt") is the test type with an action that changes the title (no
// action of the platform's types does yet; the engine must keep the index
// right when one does).
func retitleType() *casework.Type {
	t := taskType()
	t.Name, t.Prefix = "rt", "RT"
	staff := []auth.Role{auth.CommunityStaff, auth.StreetStaff, auth.DistrictStaff, auth.CityStaff}
	t.Transitions = append(t.Transitions, casework.Transition{Name: "retitle", Roles: staff,
		Scopes: []casework.Scope{casework.ScopeHandler}, Required: []casework.Field{casework.FieldText},
		Apply: func(st *casework.Step) error { st.Case.Title = st.Input.Text; return nil }})
	return t
}

// keywordWorld files a few hundred varied cases of type "rt" in both
// districts and their streets (titles, addresses and names mixing Chinese,
// ASCII of both cases, digits and punctuation), starts a third, retitles
// some, and returns them.
func keywordWorld(t *testing.T, w *world) []casework.Case {
	t.Helper()
	titles := []string{"屋顶漏水", "外墙渗水", "电梯故障", "物业费上涨", "拖欠农民工工资", "停车难", "扬尘污染", "Wi-Fi 信号差",
		"APP无法登录", "3号楼电梯坏了", "小区漏水！急", "物业服务差", "噪音扰民", "充电桩安装"}
	places := []string{"阳光花园", "翠湖苑", "金色港湾", "幸福里", "Sunshine Garden", "滨江一号", "和园"}
	names := []string{"王伟", "李娜", "Zhang San", "ZHANG Wei", "陈静", "", "O'Brien", "刘洋"}
	units := []org.Unit{w.A, w.StreetA, w.B, w.StreetB}
	staff := map[int64]*auth.Principal{w.A.ID: w.StaffA, w.StreetA.ID: w.StaffA, w.B.ID: w.StaffB, w.StreetB.ID: w.StaffB}
	r := rand.New(rand.NewPCG(7, 7))
	start := w.Now
	var out []casework.Case
	for i := range 240 {
		w.Now = start.Add(time.Duration(i) * 37 * time.Minute)
		unit := units[r.IntN(len(units))]
		p := places[r.IntN(len(places))]
		title := titles[r.IntN(len(titles))]
		if r.IntN(3) == 0 {
			title = p + title
		}
		addr := fmt.Sprintf("%s%d号楼%d室 %c座", p, 1+r.IntN(9), 101+r.IntN(5)*100, 'A'+rune(r.IntN(3)))
		c, err := w.E.Create(as(staff[unit.ID]), casework.NewCase{Type: "rt", OrgUnitID: unit.ID, Category: "other", Kind: "k",
			Channel: "web", Title: title, Address: addr, PartyName: names[r.IntN(len(names))], PartyPhone: "13912345678"})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if i%3 == 1 {
			if c, err = w.E.Act(as(staff[unit.ID]), c.ID, c.Version, "start", casework.Input{}); err != nil {
				t.Fatal(err)
			}
		}
		if i%40 == 5 {
			// A title changed after intake: found by its new words only.
			if c, err = w.E.Act(as(staff[unit.ID]), c.ID, c.Version, "retitle", casework.Input{Text: "改后标题窗户破损 Glass"}); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, c)
	}
	return out
}

// The keyword index changes nothing but the speed: every ledger with a
// keyword lists, counts, sorts and pages exactly as the LIKE alone does, on
// both databases, with other filters and for staff of every level.
func TestKeywordLedgerSameAsLike(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		if err := w.E.Register(retitleType()); err != nil {
			t.Fatal(err)
		}
		cases := keywordWorld(t, w)
		keywords := []string{
			"漏", "水", "漏水", "电梯", "物业费", "拖欠农民工工资", "阳光花园", "3号楼", "号楼", "A座", "a座", "b座", "101",
			"Sunshine", "sunshine GARDEN", "Wi-Fi", "wi", "app", "zhang", "O'Brien", "ZHANG wei", "！", "小区漏水！", "改后标题",
			"窗户", "glass", "屋顶漏水", "漏水急", "不存在的词", "xyz", "%", "_", "3号楼1", "201室",
		}
		principals := map[string]*auth.Principal{"city": w.CityStaff, "district": w.StaffA, "street": w.StreetStaffA}
		filters := []casework.Filter{
			{},
			{States: []string{"working"}},
			{UnitID: w.StreetA.ID},
			{Sort: "-received"}, {Sort: "number"}, {Sort: "due"}, {Sort: "updated"},
			{Size: 7, Page: 2}, {Size: 5, Page: 4, Sort: "-received"},
			{Open: "open", States: []string{"new"}},
		}
		found := 0
		for _, kw := range keywords {
			for who, p := range principals {
				for _, f := range filters {
					f.Type, f.Keyword = "rt", kw
					got, err := w.E.Ledger(as(p), f)
					if err != nil {
						t.Fatalf("%s %s %+v: %v", kw, who, f, err)
					}
					restore := casework.WithoutKeywordIndex()
					want, err := w.E.Ledger(as(p), f)
					restore()
					if err != nil {
						t.Fatal(err)
					}
					if got.Total != want.Total || got.TotalCapped || fmt.Sprint(ids(got.Cases)) != fmt.Sprint(ids(want.Cases)) {
						t.Errorf("%q as %s, %+v: index %v (%d), LIKE %v (%d)", kw, who, f, ids(got.Cases), got.Total, ids(want.Cases), want.Total)
					}
					found += got.Total
				}
			}
			// And the LIKE is what it says: the city's count is that of the
			// cases containing the keyword (ASCII case ignored).
			n := 0
			low := strings.ToLower(kw)
			for _, c := range cases {
				for _, s := range []string{c.Title, c.Address, c.PartyName} {
					if strings.Contains(strings.ToLower(s), low) {
						n++
						break
					}
				}
			}
			if l, err := w.E.Ledger(as(w.CityStaff), casework.Filter{Type: "rt", Keyword: kw}); err != nil || l.Total != n {
				t.Errorf("%q: the city counts %d, %d cases contain it (%v)", kw, l.Total, n, err)
			}
		}
		if found == 0 {
			t.Fatal("no keyword found anything")
		}
		// Exports hold exactly the filtered rows.
		for _, kw := range []string{"漏水", "A座", "改后标题"} {
			f := casework.Filter{Type: "rt", Keyword: kw}
			var got, want []int64
			if err := w.E.Each(as(w.CityStaff), f, 1000, func(c casework.Case) error { got = append(got, c.ID); return nil }); err != nil {
				t.Fatal(err)
			}
			restore := casework.WithoutKeywordIndex()
			err := w.E.Each(as(w.CityStaff), f, 1000, func(c casework.Case) error { want = append(want, c.ID); return nil })
			restore()
			if err != nil || len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("export of %q: %v, want %v (%v)", kw, got, want, err)
			}
		}
	})
}

// A keyword common enough is counted up to the cap and said to be "more
// than" that; the pages are still exactly those of the LIKE, and a next
// page is offered while there are more.
func TestKeywordCountCapped(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		if err := w.E.Register(retitleType()); err != nil {
			t.Fatal(err)
		}
		keywordWorld(t, w)
		defer casework.SetKeywordCountLimit(10)()
		restore := casework.WithoutKeywordIndex()
		var all []casework.Case
		for page := 1; page <= 2; page++ {
			l, err := w.E.Ledger(as(w.CityStaff), casework.Filter{Type: "rt", Keyword: "号楼", Size: 120, Page: page})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, l.Cases...)
		}
		restore()
		if len(all) != 240 {
			t.Fatalf("号楼 without the index: %d cases", len(all))
		}
		for _, tc := range []struct {
			f      casework.Filter
			total  int
			capped bool
		}{
			{casework.Filter{Keyword: "号楼", Size: 5, Page: 1}, 10, true},
			{casework.Filter{Keyword: "号楼", Size: 5, Page: 2}, 15, true}, // to the end of the next page
			{casework.Filter{Keyword: "号楼", Size: 5, Page: 9}, 50, true},
			{casework.Filter{Keyword: "号楼", Size: 100, Page: 2}, 240, false},
			{casework.Filter{Keyword: "号楼", Size: 5, Page: 48}, 240, false}, // the last page
			{casework.Filter{Keyword: "不存在的词", Size: 5}, 0, false},
		} {
			tc.f.Type = "rt"
			got, err := w.E.Ledger(as(w.CityStaff), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			size, page := tc.f.Size, tc.f.Page
			var want []casework.Case
			if tc.f.Keyword == "号楼" {
				want = all[min((page-1)*size, 240):min(page*size, 240)]
			}
			if got.Total != tc.total || got.TotalCapped != tc.capped || len(got.Cases) != len(want) {
				t.Errorf("%+v: total %d capped %v, %d cases; want %d %v %d", tc.f, got.Total, got.TotalCapped, len(got.Cases), tc.total, tc.capped, len(want))
				continue
			}
			for i := range want {
				if got.Cases[i].ID != want[i].ID {
					t.Errorf("%+v: row %d is %d, want %d", tc.f, i, got.Cases[i].ID, want[i].ID)
				}
			}
		}
		// Past the cap the pages are walked in their order: the same rows as
		// the LIKE's, for staff of every level, in every order.
		for who, p := range map[string]*auth.Principal{"city": w.CityStaff, "district": w.StaffA, "street": w.StreetStaffA} {
			for _, sort := range casework.Sorts {
				for page := 1; page <= 3; page++ {
					f := casework.Filter{Type: "rt", Keyword: "号楼", Sort: sort, Size: 4, Page: page}
					got, err := w.E.Ledger(as(p), f)
					if err != nil {
						t.Fatal(err)
					}
					restore := casework.WithoutKeywordIndex()
					want, err := w.E.Ledger(as(p), f)
					restore()
					if err != nil {
						t.Fatal(err)
					}
					if !got.TotalCapped || got.Total != max(10, (page+1)*4) || want.TotalCapped || fmt.Sprint(ids(got.Cases)) != fmt.Sprint(ids(want.Cases)) {
						t.Errorf("%s, %s, page %d: %v (%d %v), LIKE %v (%d)", who, sort, page, ids(got.Cases), got.Total, got.TotalCapped, ids(want.Cases), want.Total)
					}
				}
			}
		}
		// List says the capped total; an export counts exactly.
		if _, total, err := w.E.List(as(w.CityStaff), casework.Filter{Type: "rt", Keyword: "号楼", Size: 5}); err != nil || total != 10 {
			t.Errorf("List: %d %v", total, err)
		}
		n := 0
		if err := w.E.Each(as(w.CityStaff), casework.Filter{Type: "rt", Keyword: "号楼"}, 1000, func(casework.Case) error { n++; return nil }); err != nil || n != 240 {
			t.Errorf("export: %d rows %v", n, err)
		}
		var tooMany *casework.TooManyError
		if err := w.E.Each(as(w.CityStaff), casework.Filter{Type: "rt", Keyword: "号楼"}, 100, func(casework.Case) error { return nil }); !errors.As(err, &tooMany) || tooMany.N != 240 {
			t.Errorf("export over its limit: %v", err)
		}
	})
}

// A case written past the engine (a bulk load) has no index entry (SQLite)
// or terms (PostgreSQL): the first keyword lookup after it catches up, and
// RebuildKeywordIndex too.
func TestKeywordIndexCatchesUp(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		d := w.DB
		ctx := context.Background()
		find := func(kw string) []int64 {
			t.Helper()
			l, err := w.E.Ledger(as(w.CityStaff), casework.Filter{Type: "task", Keyword: kw})
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, c := range l.Cases {
				out = append(out, c.ID)
			}
			// (Ids drawn ahead by intake on PostgreSQL need not follow
			// the order of writing: compared as sets.)
			slices.Sort(out)
			return out
		}
		c := w.newTask(t, w.StaffA, w.A, "引擎登记的漏水")
		// A row written past the engine, then one by the engine (a gap below
		// the highest id): the first keyword looked up counts and catches up.
		copyCase := func(title string) int64 {
			t.Helper()
			var id int64
			err := d.Tx(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, `INSERT INTO cases (type, number, state, version, org_unit_id, org_path, category, subcategory, kind,
				channel, title, body, party_name, party_phone, check_code, address, received_at, final_from, final_days, notified_level,
				closed_reason, rating, flags, track_failures, data, created_at, updated_at)
				SELECT type, number || ?, state, version, org_unit_id, org_path, category, subcategory, kind, channel, ?, body, party_name,
				party_phone, check_code, address, received_at, final_from, final_days, notified_level, closed_reason, rating, flags,
				track_failures, data, created_at, updated_at FROM cases WHERE id = ? RETURNING id`, fmt.Sprint(time.Now().UnixNano()), title, c.ID).Scan(&id)
			})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		direct := copyCase("直接写入的漏水")
		later := w.newTask(t, w.StaffA, w.A, "后来登记的漏水")
		if got := find("漏水"); fmt.Sprint(got) != fmt.Sprint(sortedIDs(later.ID, direct, c.ID)) {
			t.Errorf("漏水: %v, want %v", got, sortedIDs(later.ID, direct, c.ID))
		}
		// Appended past the engine: caught up by the highest ids.
		tail := copyCase("追加写入的墙裂")
		if got := find("墙裂"); fmt.Sprint(got) != fmt.Sprint([]int64{tail}) {
			t.Errorf("墙裂: %v, want %v", got, []int64{tail})
		}
		// The keyword really is looked up in the index: an entry emptied is
		// a case not found (until the index is rebuilt).
		if d.Dialect == db.SQLite {
			if _, err := d.Exec(ctx, `DELETE FROM case_grams WHERE rowid = ?`, c.ID); err != nil {
				t.Fatal(err)
			}
		} else if _, err := d.Exec(ctx, `UPDATE cases SET search_terms = '{}' WHERE id = ?`, c.ID); err != nil {
			t.Fatal(err)
		}
		if got := find("漏水"); fmt.Sprint(got) != fmt.Sprint(sortedIDs(later.ID, direct)) {
			t.Errorf("漏水 without its entry: %v", got)
		}
		if d.Dialect == db.Postgres { // terms to write, as a bulk load leaves them
			if _, err := d.Exec(ctx, `UPDATE cases SET search_terms = NULL WHERE id = ?`, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.E.RebuildKeywordIndex(ctx); err != nil {
			t.Fatal(err)
		}
		if got := find("漏水"); fmt.Sprint(got) != fmt.Sprint(sortedIDs(later.ID, direct, c.ID)) {
			t.Errorf("漏水 after the rebuild: %v", got)
		}
		var n int
		count := `SELECT COUNT(*) FROM case_grams_docsize`
		if d.Dialect == db.Postgres {
			count = `SELECT COUNT(*) FROM cases WHERE search_terms IS NOT NULL`
		}
		if err := d.QueryRow(ctx, count).Scan(&n); err != nil || n != 4 {
			t.Errorf("%d entries, want 4 (%v)", n, err)
		}
	})
}

// sortedIDs are ids in increasing order.
func sortedIDs(ids ...int64) []int64 {
	slices.Sort(ids)
	return ids
}

// A changed title replaces the case's keyword terms (SQLite's entry,
// PostgreSQL's search_terms): the new words find it, the old ones no
// longer do; a transfer moves it to the new unit's ledgers.
func TestKeywordIndexFollowsTitle(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		if err := w.E.Register(retitleType()); err != nil {
			t.Fatal(err)
		}
		newRT := func(title string) casework.Case {
			c, err := w.E.Create(as(w.StaffA), casework.NewCase{Type: "rt", OrgUnitID: w.A.ID, Category: "other", Kind: "k", Channel: "web", Title: title})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		c := newRT("原来的标题漏水")
		var err error
		other := newRT("别的漏水")
		find := func(kw string) int {
			l, err := w.E.Ledger(as(w.StaffA), casework.Filter{Type: "rt", Keyword: kw})
			if err != nil {
				t.Fatal(err)
			}
			return l.Total
		}
		if find("原来") != 1 || find("漏水") != 2 {
			t.Fatalf("before: 原来 %d 漏水 %d", find("原来"), find("漏水"))
		}
		// An action that leaves the title as it was writes nothing to the index.
		c2, err := w.E.Act(as(w.StaffA), other.ID, other.Version, "start", casework.Input{})
		if err != nil || c2.Title != other.Title {
			t.Fatal(err)
		}
		if _, err := w.E.Act(as(w.StaffA), c.ID, c.Version, "retitle", casework.Input{Text: "新标题墙体开裂"}); err != nil {
			t.Fatal(err)
		}
		if find("原来") != 0 || find("漏水") != 1 || find("墙体开裂") != 1 {
			t.Errorf("after: 原来 %d 漏水 %d 墙体开裂 %d", find("原来"), find("漏水"), find("墙体开裂"))
		}
		// Transferred to district B: B's staff find it by its words (the
		// entry follows the case's unit), A's no longer.
		c, err = w.E.Get(sysCtx(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c, err = w.E.Act(as(w.StaffA), c.ID, c.Version, "transfer", casework.Input{UnitID: w.StreetB.ID, Reason: "属乙区"}); err != nil {
			t.Fatal(err)
		}
		if _, err = w.E.Act(as(w.StaffB), c.ID, c.Version, "accept_transfer", casework.Input{}); err != nil {
			t.Fatal(err)
		}
		findAs := func(p *auth.Principal, f casework.Filter) int {
			f.Type = "rt"
			l, err := w.E.Ledger(as(p), f)
			if err != nil {
				t.Fatal(err)
			}
			return l.Total
		}
		if a, b, s, u := findAs(w.StaffA, casework.Filter{Keyword: "墙体开裂"}), findAs(w.StaffB, casework.Filter{Keyword: "墙体开裂"}),
			findAs(w.CityStaff, casework.Filter{Keyword: "墙体开裂", UnitID: w.StreetB.ID}), findAs(w.CityStaff, casework.Filter{Keyword: "墙体开裂", UnitID: w.A.ID}); a != 0 || b != 1 || s != 1 || u != 0 {
			t.Errorf("after the transfer: A %d, B %d, city in B's street %d, city in A %d; want 0 1 1 0", a, b, s, u)
		}
		if w.DB.Dialect == db.SQLite {
			var grams string
			if err := w.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM case_grams WHERE case_grams MATCH '"原来"'`).Scan(&grams); err != nil || grams != "0" {
				t.Errorf("the old title's entry is still there: %s %v", grams, err)
			}
		}
	})
}

// SQLite: new cases are indexed after their commit, in batches — by the
// keyword indexer, and before any keyword lookup — so intake does not
// write the index. Every case the engine writes, through the shared intake
// transaction or the caller's, is found by a keyword, with what it holds
// when it is indexed: one retitled before that is found by its new title,
// and the older cases not yet indexed are not passed over.
func TestKeywordIndexCatchesUpWithNewCases(t *testing.T) {
	d := dbtest.SQLite(t, sources...)
	w := newWorld(t, d)
	if err := w.E.Register(retitleType()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	entries := func(kw string) int {
		t.Helper()
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM case_grams WHERE case_grams MATCH ?`,
			`"`+strings.Join(casework.KeywordGrams(kw), `" "`)+`"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	found := func(kw string) int {
		t.Helper()
		l, err := w.E.Ledger(as(w.CityStaff), casework.Filter{Keyword: kw, Page: 1, Size: 50})
		if err != nil {
			t.Fatal(err)
		}
		return l.Total
	}
	newCase := func(ctx context.Context, title string) casework.Case {
		t.Helper()
		c, err := w.E.Create(ctx, casework.NewCase{Type: "rt", OrgUnitID: w.A.ID, Category: "other", Kind: "k",
			Channel: "web", Title: title})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// A first lookup: later ones test only the highest ids.
	found("开始")
	newCase(as(w.StaffA), "集中登记的漏水")
	err := d.Tx(ctx, func(tx *db.Tx) error {
		_, err := w.E.CreateTx(as(w.StaffA), tx, casework.NewCase{Type: "rt", OrgUnitID: w.A.ID, Category: "other", Kind: "k",
			Channel: "web", Title: "单独登记", Address: "阳光花园3号楼", PartyName: "王伟"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() { newCase(as(w.StaffA), fmt.Sprintf("同时登记%d号", i)) })
	}
	wg.Wait()
	// The newest case is retitled before it is indexed.
	last := newCase(as(w.StaffA), "原来的标题")
	if _, err := w.E.Act(as(w.StaffA), last.ID, last.Version, "retitle", casework.Input{Text: "改后的标题"}); err != nil {
		t.Fatal(err)
	}
	if n := entries("同时登记"); n != 0 {
		t.Errorf("intake wrote %d index entries; the indexer writes them", n)
	}
	for kw, want := range map[string]int{"同时登记": 32, "漏水": 1, "单独": 1, "3号楼": 1, "王伟": 1, "改后": 1, "原来": 0} {
		if n := found(kw); n != want {
			t.Errorf("%s: the ledger finds %d cases, want %d", kw, n, want)
		}
		if n := entries(kw); n != want {
			t.Errorf("%s: %d index entries after a lookup, want %d", kw, n, want)
		}
	}
	// The indexer job does the same without a lookup.
	newCase(as(w.StaffA), "夜间施工扰民")
	w.E.IndexNewCases(ctx)
	if n := entries("夜间施工"); n != 1 {
		t.Errorf("the indexer left a new case out (%d entries)", n)
	}
}
