package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"anju/internal/app"
	"anju/internal/casework"
	"anju/internal/petition"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/web"
)

// The petition benchmarks (issue 3), each against its baseline or budget in
// the same run:
//
//   - BenchmarkPetitionIntake: petitions filed by the public through the
//     HTTP API (the whole middleware, validation, repeat detection,
//     deadlines, the case row, its first event and the audit record)
//     against a loop of single-row INSERT transactions into plain_cases (a
//     table with the columns and indexes of cases), the same number of
//     clients each, rounds alternating on the same database: 16 clients (a
//     light load, where each petition's latency sets the pace) and 64 (the
//     machine saturated: what intake can take). Targets: ≥ 2,000
//     petitions/s and ratio ≥ 0.5. SQLite and PostgreSQL.
//   - BenchmarkPetitionCases1M: over 1,000,000 cases, the ledger (a clerk's
//     mix of 18 query shapes, p99 < 50 ms; p99-no-text-ms leaves out the
//     two free-text keyword shapes, and the shapes' own p50/p99 are printed)
//     and a year's statistics (internal/petition's Stats for the city, a
//     district and a category: < 500 ms). SQLite and PostgreSQL.
//   - BenchmarkPetitionSweep1M: the deadline sweep over 1,000,000 open
//     cases, a day's worth at a time (< 2 s). SQLite and PostgreSQL.
//   - TestCrashDuringIntake (crash_test.go) kills the real server during
//     intake; TestPetitionGeneratorMatchesEngine keeps the generator honest.
//
// "ratio" is intake/plain for the intake benchmark and figure/budget (≤ 1
// meets the target) for the others. The PostgreSQL halves skip, saying so,
// unless ANJU_TEST_POSTGRES names a server.
//
// The 1M-case data generator (petGenerate) writes rows straight into the
// engine's tables with multi-row INSERTs (500 rows a statement, 20,000 a
// transaction, generated on one goroutine while another inserts), bypassing
// the engine: a city of 8 districts × 6 streets, petitions received evenly
// from 2025-01-01 to the benchmark's "now" (2026-12-02 09:00, a working
// Wednesday), categories, kinds and channels in realistic shares, a tenth
// anonymous, phones drawn from 300,000 so people petition again, a life
// per case by its age (registered → handling → replied → closed, declined,
// some overdue), deadlines counted by the engine's own calendar and kept as
// the engine keeps them, notified_level as the sweeper would have left it.
// The secondary indexes of cases are dropped during the load and created
// again afterwards (what a bulk load does; the result is the same schema,
// with the planner statistics the migrations set). It runs once per
// benchmark run and dialect, into the parent benchmark's b.TempDir() (about
// 30 s for SQLite, 35 s for PostgreSQL on a quiet 2-core machine);
// ANJU_BENCH_CASES makes it smaller for a quick look.

// petNow is the benchmarks' clock: a working Wednesday in the built-in
// calendar's years.
var petNow = time.Date(2026, 12, 2, 9, 0, 0, 0, web.Location)

// petCity inserts a city (id 1), 8 districts (2–9) and 6 streets each
// (10–57) and returns the district ids and the streets of each.
type petUnits struct {
	districts []int64
	streets   map[int64][]int64
	paths     map[int64]string
	names     map[int64]string
}

var petDistrictNames = []string{"清河", "东湖", "西山", "南湾", "北塘", "高新", "滨江", "临港"}
var petStreetNames = []string{"人民路", "解放路", "新华", "和平", "建设路", "胜利"}

func petCity(b testing.TB, d *db.DB) petUnits {
	b.Helper()
	ctx := context.Background()
	u := petUnits{streets: map[int64][]int64{}, paths: map[int64]string{1: "/1/"}, names: map[int64]string{1: "安澜市"}}
	now := time.Now().UTC()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		ins := func(id, parent int64, kind, code, name, path string, depth int) error {
			var p any
			if parent != 0 {
				p = parent
			}
			_, err := tx.Exec(ctx, `INSERT INTO org_units (id, parent_id, kind, code, name, path, depth, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				id, p, kind, code, name, path, depth, now)
			return err
		}
		if err := ins(1, 0, "city", "AL", "安澜市", "/1/", 0); err != nil {
			return err
		}
		next := int64(10)
		for i, dn := range petDistrictNames {
			id := int64(2 + i)
			path := fmt.Sprintf("/1/%d/", id)
			if err := ins(id, 1, "district", fmt.Sprintf("AL%02d", i+1), dn+"区", path, 1); err != nil {
				return err
			}
			u.districts = append(u.districts, id)
			u.paths[id], u.names[id] = path, dn+"区"
			for j, sn := range petStreetNames {
				sp := fmt.Sprintf("%s%d/", path, next)
				if err := ins(next, id, "street", fmt.Sprintf("AL%02d%02d", i+1, j+1), sn+"街道", sp, 2); err != nil {
					return err
				}
				u.streets[id] = append(u.streets[id], next)
				u.paths[next], u.names[next] = sp, sn+"街道"
				next++
			}
		}
		if d.Dialect == db.Postgres {
			_, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('org_units', 'id'), 100)`)
			return err
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return u
}

// Texts of generated petitions: a title and a sentence of the body for each
// subcategory's typical matter, and the places they happen.
var petTexts = map[string][][2]string{
	"real_estate":          {{"逾期交房", "合同约定交房日期已过半年，开发商仍未交付"}, {"不动产证迟迟办不下来", "入住三年仍无法办理不动产权证"}, {"购房合同纠纷", "开发商单方面变更户型面积"}, {"中介违规收费", "房产中介收取合同外费用"}, {"租房押金不退", "租赁企业拒不退还押金"}},
	"construction_quality": {{"屋顶漏水", "入住后顶楼卧室持续漏水，开发商推诿不修"}, {"外墙渗水", "雨季外墙渗水导致墙面发霉"}, {"墙体开裂", "新房客厅墙面出现多条裂缝"}, {"保修期内不维修", "保修期内门窗问题开发商不予维修"}},
	"property_management":  {{"物业服务差", "小区垃圾清运不及时，公共区域脏乱"}, {"物业费上涨", "物业未经业主大会同意上调物业费"}, {"电梯故障", "小区电梯经常停运，老人出行困难"}, {"业委会选举", "业委会换届选举程序不规范"}, {"维修资金使用", "电梯维修申请动用维修资金迟迟不批"}},
	"housing_security":     {{"公租房申请", "申请公租房两年仍未轮候到"}, {"租房补贴发放", "符合条件的租房补贴未按时发放"}, {"棚改进度", "棚改项目停滞，安置遥遥无期"}},
	"demolition":           {{"征收补偿标准", "对征收补偿评估价格有异议"}, {"安置房交付", "安置房逾期未交付"}, {"征收程序", "征收公告未公示即开始评估"}},
	"parking":              {{"停车难", "老旧小区车位严重不足，夜间无处停车"}, {"充电桩安装", "物业拒绝业主在自有车位安装充电桩"}, {"车位被占用", "消防通道长期被车辆占用"}},
	"construction_market":  {{"拖欠农民工工资", "工地拖欠工资三个月，年底仍未结清"}, {"夜间施工扰民", "工地夜间施工噪音严重影响休息"}, {"扬尘污染", "工地未覆盖裸土扬尘严重"}, {"招投标违规", "反映某项目招标存在围标串标"}},
	"other":                {{"政策咨询", "咨询住房公积金提取政策"}, {"其他建议", "建议公开小区改造计划"}},
}

var petCompounds = []string{"阳光花园", "翠湖苑", "锦绣家园", "金色港湾", "书香门第", "幸福里", "枫林小区", "和园", "滨江一号", "明珠公寓",
	"紫荆城", "绿洲新村", "东方名都", "丽景湾", "春晓苑", "江南华府", "桂花园", "紫薇苑", "海棠湾", "梧桐里"}
var petSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"}
var petGiven = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "建国", "桂兰", "志强", "海燕", "晓东", "丽华"}

// petCategoryShare weights the categories (quality, property and
// real-estate matters lead).
var petCategoryShare = []float64{0.18, 0.16, 0.24, 0.08, 0.06, 0.10, 0.12, 0.06}

func petPick(r *rand.Rand, w []float64) int {
	x := r.Float64()
	for i, p := range w {
		if x < p {
			return i
		}
		x -= p
	}
	return len(w) - 1
}

func petPhone(r *rand.Rand) string {
	// 300,000 petitioners: people petition more than once.
	n := r.IntN(300_000)
	return fmt.Sprintf("1%d%09d", 3+n%7, 100_000_000+n*2311%900_000_000)
}

const petCaseCols = `id, type, number, state, version, org_unit_id, org_path, department_id, assignee_id,
	category, subcategory, kind, channel, title, body, party_user_id, party_name, party_phone, check_code, address, lat, lng,
	compound_id, external_ref, received_at, response_due_at, responded_at, stage_due_at, final_from, final_days, final_due_at,
	due_at, notified_level, accepted_at, replied_at, closed_at, closed_reason, rating, rated_at, flags, related_id,
	track_failures, data, created_at, updated_at`

// petGenMode: the ledger's history (cases of every age and state) or the
// sweeper's worst case (every case open).
type petGenMode int

const (
	petHistory petGenMode = iota
	petAllOpen
)

// petGenerate fills cases with n generated cases (see the comment at the
// top of the file) and returns how long it took.
func petGenerate(b testing.TB, d *db.DB, e *casework.Engine, u petUnits, n int, mode petGenMode) time.Duration {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	stats := petPlannerStats(b, d)
	indexes := petDropIndexes(b, d)
	// On PostgreSQL the keyword terms too, as the engine writes them.
	cols, ncol, terms := petCaseCols, strings.Count(petCaseCols, ",")+1, d.Dialect == db.Postgres
	if terms {
		cols += ", search_terms"
	}
	const perStmt = 500
	const perTx = 20_000
	batches := make(chan [][]any, 4)
	go func() {
		defer close(batches)
		g := petGen{r: rand.New(rand.NewPCG(2026, uint64(mode)+3)), e: e, u: u, n: n, mode: mode, terms: terms}
		g.init()
		rows := make([][]any, 0, perTx)
		for i := range n {
			rows = append(rows, g.row(i))
			if len(rows) == perTx {
				batches <- rows
				rows = make([][]any, 0, perTx)
			}
		}
		if len(rows) > 0 {
			batches <- rows
		}
	}()
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", ncol), ", ") + ")"
	if terms {
		row = "(" + strings.Repeat("?, ", ncol) + "?::text[])"
	}
	full := `INSERT INTO cases (` + cols + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", perStmt), ", ")
	args := make([]any, 0, perStmt*ncol)
	for rows := range batches {
		err := d.Tx(ctx, func(tx *db.Tx) error {
			for s := 0; s < len(rows); s += perStmt {
				part := rows[s:min(s+perStmt, len(rows))]
				args = args[:0]
				for _, r := range part {
					args = append(args, r...)
				}
				q := full
				if len(part) < perStmt {
					q = `INSERT INTO cases (` + cols + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", len(part)), ", ")
				}
				if _, err := tx.Exec(ctx, q, args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			for range batches {
			}
			b.Fatalf("generate: %v", err)
		}
	}
	petCreateIndexes(b, d, indexes)
	// Dropping an index drops SQLite's statistics of it (the migrations'):
	// put them back.
	for _, st := range stats {
		if _, err := d.Exec(ctx, `INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('cases', ?, ?)`, st[0], st[1]); err != nil {
			b.Fatal(err)
		}
	}
	if len(stats) > 0 {
		if _, err := d.Exec(ctx, `ANALYZE sqlite_master`); err != nil {
			b.Fatal(err)
		}
	}
	// The keyword index of the cases loaded past the engine (SQLite's; on
	// PostgreSQL it is an index of cases, created again above).
	if err := e.RebuildKeywordIndex(ctx); err != nil {
		b.Fatal(err)
	}
	if d.Dialect == db.Postgres {
		if _, err := d.Exec(ctx, `SELECT setval(pg_get_serial_sequence('cases', 'id'), ?)`, n+1); err != nil {
			b.Fatal(err)
		}
		// What autovacuum does after a load this size.
		if _, err := d.Exec(ctx, `VACUUM ANALYZE cases`); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

// petPlannerStats returns SQLite's planner statistics of cases (index, stat)
// and deletes them.
func petPlannerStats(b testing.TB, d *db.DB) [][2]any {
	if d.Dialect != db.SQLite {
		return nil
	}
	ctx := context.Background()
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'`).Scan(&n); err != nil || n == 0 {
		return nil // no statistics (the migrations set none)
	}
	rows, err := d.Query(ctx, `SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'cases'`)
	if err != nil {
		b.Fatal(err)
	}
	var out [][2]any
	for rows.Next() {
		var idx, stat any
		if err := rows.Scan(&idx, &stat); err != nil {
			b.Fatal(err)
		}
		out = append(out, [2]any{idx, stat})
	}
	rows.Close()
	if _, err := d.Exec(ctx, `DELETE FROM sqlite_stat1 WHERE tbl = 'cases'`); err != nil {
		b.Fatal(err)
	}
	return out
}

// petDropIndexes drops the secondary indexes of cases for a bulk load and
// returns the statements that create them again.
func petDropIndexes(b testing.TB, d *db.DB) [][2]string {
	ctx := context.Background()
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases' AND sql IS NOT NULL`
	if d.Dialect == db.Postgres {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'cases'
			AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'cases'::regclass)`
	}
	rows, err := d.Query(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	var out [][2]string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			b.Fatal(err)
		}
		out = append(out, [2]string{name, def})
	}
	rows.Close()
	for _, ix := range out {
		if _, err := d.Exec(ctx, `DROP INDEX `+ix[0]); err != nil {
			b.Fatal(err)
		}
	}
	return out
}

func petCreateIndexes(b testing.TB, d *db.DB, indexes [][2]string) {
	for _, ix := range indexes {
		if _, err := d.Exec(context.Background(), ix[1]); err != nil {
			b.Fatalf("%s: %v", ix[1], err)
		}
	}
}

type petGen struct {
	r     *rand.Rand
	e     *casework.Engine
	u     petUnits
	n     int
	mode  petGenMode
	from  time.Time
	span  time.Duration
	soon  time.Time // the due-soon horizon of the last sweep
	swept time.Time // when the sweeper last ran
	cats  []petition.Category
	terms bool // write search_terms (PostgreSQL)
}

func (g *petGen) init() {
	g.cats = petition.Categories
	if g.mode == petHistory {
		g.from = time.Date(2025, 1, 1, 0, 0, 0, 0, web.Location)
		g.swept = petNow.Add(-time.Minute)
	} else {
		// Every case open: received in the last 120 days; the sweeper last
		// ran a day ago (each benchmark round moves the clock a day on).
		g.from = petNow.AddDate(0, 0, -120)
		g.swept = petNow.AddDate(0, 0, -1)
	}
	g.span = petNow.Sub(g.from)
	var err error
	if g.soon, err = g.e.Deadline(g.swept, casework.WorkingDays(2)); err != nil {
		panic(err)
	}
}

func (g *petGen) deadline(from time.Time, p casework.Period) (time.Time, bool) {
	t, assumed, err := g.e.DeadlineAssumed(from, p)
	if err != nil {
		panic(err)
	}
	return t, assumed
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// row generates case i (ids and receipt times ascend together, as they do).
func (g *petGen) row(i int) []any {
	r := g.r
	id := int64(i + 1)
	received := g.from.Add(time.Duration(float64(g.span) * (float64(i) + r.Float64()) / float64(g.n))).UTC().Truncate(time.Second)
	age := petNow.Sub(received)
	dist := g.u.districts[petPick(r, []float64{0.18, 0.16, 0.14, 0.13, 0.12, 0.11, 0.09, 0.07})]
	unit := dist
	if r.IntN(10) < 7 {
		ss := g.u.streets[dist]
		unit = ss[r.IntN(len(ss))]
	}
	cat := g.cats[petPick(r, petCategoryShare)]
	sub := cat.Subs[r.IntN(len(cat.Subs))]
	texts := petTexts[cat.Code]
	txt := texts[r.IntN(len(texts))]
	kind := []string{petition.KindComplaint, petition.KindAppeal, petition.KindSuggestion}[petPick(r, []float64{0.4, 0.35, 0.25})]
	channel := []string{"web", "hotline", "call", "letter", "visit", "open311"}[petPick(r, []float64{0.3, 0.35, 0.15, 0.08, 0.07, 0.05})]
	compound := petCompounds[r.IntN(len(petCompounds))]
	address := fmt.Sprintf("%s%s%s%d号楼%d室", g.u.names[dist], g.u.names[g.u.streets[dist][r.IntN(6)]], compound, 1+r.IntN(30), 101+r.IntN(30)*100+r.IntN(4))
	title := compound + txt[0]
	body := fmt.Sprintf("本人居住在%s。%s，多次与相关单位沟通未果，请求有关部门尽快调查处理，维护群众合法权益。%s", address, txt[1], strings.Repeat("情况属实，", 1+r.IntN(8)))
	var flags casework.Flags
	name, phone := petSurnames[r.IntN(len(petSurnames))]+petGiven[r.IntN(len(petGiven))], petPhone(r)
	check := phone[len(phone)-4:]
	if kind != petition.KindAppeal && r.IntN(10) == 0 {
		flags |= casework.FlagAnonymous
		name, phone, check = "", "", fmt.Sprintf("%06d", r.IntN(1_000_000))
	}
	var lat, lng any
	if r.IntN(10) < 6 {
		lat, lng = 30.25+(r.Float64()-0.5)*0.3, 120.17+(r.Float64()-0.5)*0.3
	}
	var related any
	if i > 1000 && r.IntN(100) < 8 {
		flags |= casework.FlagRepeat
		related = int64(1 + r.IntN(i))
	}
	if r.IntN(100) < 2 {
		flags |= casework.FlagSupervised
	}

	// The case's life so far, by its age.
	respDue, respAssumed := g.deadline(received, casework.WorkingDays(1))
	var stageAssumed, finalAssumed bool
	var responded, stageDue, finalDue, accepted, replied, closed, rated time.Time
	state, closedReason, rating, finalFrom, finalDays := petition.StateRegistered, "", "", "", 0
	x := r.IntN(100)
	days := age.Hours() / 24
	switch {
	case g.mode == petAllOpen:
		switch {
		case x < 25 || days < 3:
			state = petition.StateRegistered
		case x < 95:
			state = petition.StateHandling
		default:
			state = petition.StateReplied
		}
	case days > 90:
		state = []string{petition.StateClosed, petition.StateDeclined, petition.StateReplied, petition.StateHandling}[petPick(r, []float64{0.88, 0.06, 0.01, 0.05})]
	case days > 30:
		state = []string{petition.StateClosed, petition.StateDeclined, petition.StateReplied, petition.StateHandling}[petPick(r, []float64{0.5, 0.05, 0.15, 0.3})]
	case days > 3:
		state = []string{petition.StateClosed, petition.StateDeclined, petition.StateReplied, petition.StateHandling, petition.StateRegistered}[petPick(r, []float64{0.1, 0.03, 0.12, 0.45, 0.3})]
	}
	within := func(t time.Time, max time.Duration) time.Time {
		v := t.Add(time.Duration(r.Int64N(int64(max)))).Truncate(time.Second)
		if v.After(petNow) {
			return petNow.Add(-time.Duration(r.IntN(3600)) * time.Second).UTC().Truncate(time.Second)
		}
		return v
	}
	if state != petition.StateRegistered || r.IntN(10) < 7 {
		responded = within(received, 30*time.Hour)
	}
	if state == petition.StateRegistered {
		stageDue, stageAssumed = g.deadline(received, casework.Days(15))
	} else {
		accepted = within(received, time.Duration(1+r.IntN(12))*24*time.Hour)
		if state != petition.StateDeclined {
			finalFrom = g.e.Date(accepted).String()
			finalDays = 60
			finalDue, finalAssumed = g.deadline(accepted, casework.Days(60))
			if r.IntN(100) < 3 {
				flags |= casework.FlagExtended
			}
		}
	}
	switch state {
	case petition.StateReplied, petition.StateClosed:
		replied = within(accepted, time.Duration(5+r.IntN(60))*24*time.Hour)
		if state == petition.StateReplied {
			// Still awaiting the rating: replied within the rating period
			// (older ones the sweeper has closed as not rated).
			replied = petNow.Add(-time.Duration(r.Int64N(int64(29 * 24 * time.Hour)))).UTC().Truncate(time.Second)
			if !replied.After(accepted) {
				replied = accepted.Add(time.Hour)
			}
			if replied.After(petNow) {
				replied = petNow.Add(-time.Minute).UTC()
			}
		}
		if state == petition.StateClosed {
			switch y := r.IntN(100); {
			case y < 60:
				rating, closedReason = petition.RatingSatisfied, petition.ClosedSatisfied
			case y < 85:
				rating, closedReason = petition.RatingBasically, petition.ClosedBasically
			default:
				closedReason = petition.ClosedNoRating
			}
			closed = within(replied, time.Duration(1+r.IntN(30))*24*time.Hour)
			if rating != "" {
				rated = closed
			}
		}
	case petition.StateDeclined:
		closed, closedReason = accepted, petition.ClosedDeclined
	}
	// The deadlines still running, as the engine keeps them: the first
	// contact's until it is made, the stage's while registered, the whole
	// case's from acceptance (also while the reply awaits its rating); a
	// closed case has none. due_at is the earliest.
	open := closed.IsZero()
	assumed := false
	if !responded.IsZero() || !open {
		respDue = time.Time{}
	} else {
		assumed = assumed || respAssumed
	}
	if !open {
		stageDue, finalDue = time.Time{}, time.Time{}
	}
	assumed = assumed || (!stageDue.IsZero() && stageAssumed) || (!finalDue.IsZero() && finalAssumed)
	var due time.Time
	for _, t := range []time.Time{respDue, stageDue, finalDue} {
		if !t.IsZero() && (due.IsZero() || t.Before(due)) {
			due = t
		}
	}
	// Deadlines counted into a year without published holidays are
	// flagged (and counted again when the year is loaded).
	if assumed {
		flags |= casework.FlagDeadlineAssumed
	}
	level := 0
	switch {
	case due.IsZero():
	case due.Before(g.swept):
		level = 2
	case !due.After(g.soon):
		level = 1
	}
	updated := received
	for _, t := range []time.Time{responded, accepted, replied, closed} {
		if t.After(updated) {
			updated = t
		}
	}
	number := "XF" + received.In(web.Location).Format("20060102") + fmt.Sprintf("%07d", i%10_000_000)
	data := "{}"
	switch {
	case state == petition.StateRegistered:
		data = `{"stage_days":15,"stage_from":"` + received.Format(time.RFC3339) + `","stage_unit":"days"}`
	case finalDays > 0:
		data = `{"final_unit":"days"}`
	}
	version := 1 + r.IntN(3)
	if !accepted.IsZero() {
		version += 2
	}
	if !closed.IsZero() {
		version += 2
	}
	out := []any{id, petition.TypeName, number, state, version, unit, g.u.paths[unit], nil, nil,
		cat.Code, sub, kind, channel, title, body, nil, name, phone, check, address, lat, lng,
		nil, nil, received, nullTime(respDue), nullTime(responded), nullTime(stageDue), finalFrom, finalDays, nullTime(finalDue),
		nullTime(due), level, nullTime(accepted), nullTime(replied), nullTime(closed), closedReason, rating, nullTime(rated), int64(flags), related,
		0, data, received, updated}
	if g.terms {
		out = append(out, casework.SearchTermsArg(title, address, name, g.u.paths[unit]))
	}
	return out
}

// petWorld is a migrated database with the city and a generated engine.
type petWorld struct {
	d *db.DB
	e *casework.Engine
	s *petition.Service
	u petUnits
}

// petOpen opens a migrated database for dialect ("sqlite": a file in
// b.TempDir(); "postgres": a fresh schema) with the city and an engine
// that has the petition type and the benchmarks' clock.
func petOpen(b *testing.B, dialect string) petWorld {
	b.Helper()
	if dialect == "postgres" {
		_, target := dbtest.NewSchema(b, dbtest.PostgresURL(b))
		return petOpenAt(b, target)
	}
	return petOpenAt(b, filepath.Join(b.TempDir(), "petition.db"))
}

// petOpenAt is petOpen on the database target.
func petOpenAt(b testing.TB, target string) petWorld {
	cfg := app.Defaults()
	cfg.DB = target
	cfg.AuditKeyFile = filepath.Join(b.TempDir(), "audit.key")
	a, err := app.Open(context.Background(), cfg, "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	e := casework.New(a.DB, a.Calendar, web.Location)
	e.Now = func() time.Time { return petNow }
	s, err := petition.New(e, a.Org)
	if err != nil {
		b.Fatal(err)
	}
	return petWorld{d: a.DB, e: e, s: s, u: petCity(b, a.DB)}
}

// ---- 2 and 3: the ledger and a year's statistics over 1,000,000 cases ----

// petBigN is 1,000,000 (ANJU_BENCH_CASES overrides it for a quick try).
var petBigN = func() int {
	if n, err := strconv.Atoi(os.Getenv("ANJU_BENCH_CASES")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}()

// BenchmarkPetitionCases1M generates 1,000,000 cases once per dialect and
// runs the ledger and statistics sub-benchmarks over them.
func BenchmarkPetitionCases1M(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			w := petOpen(b, dialect)
			took := petGenerate(b, w.d, w.e, w.u, petBigN, petHistory)
			b.Logf("%s: generated %d cases in %s", dialect, petBigN, took.Round(time.Millisecond))
			b.Run("ledger", func(b *testing.B) { petLedger(b, w) })
			b.Run("stats", func(b *testing.B) { petStats(b, w) })
		})
	}
}

// petQuery is one shape of ledger query a clerk runs.
type petQuery struct {
	shape string
	who   *auth.Principal
	f     casework.Filter
}

// petLedgerMix is the clerk's day: the default view, a district, states,
// categories, overdue and due-soon, date ranges, keywords (text, a whole
// number, a mobile), flags, other sorts and deep pages — as the city
// office and as district and street staff — with varied parameters.
func petLedgerMix(w petWorld, r *rand.Rand, n int) []petQuery {
	city := &auth.Principal{UserID: 9001, Role: auth.CityStaff, OrgUnitID: 1, OrgPath: "/1/"}
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	district := func() int64 { return w.u.districts[r.IntN(len(w.u.districts))] }
	staffOf := func(unit int64, role auth.Role) *auth.Principal {
		return &auth.Principal{UserID: 9000 + unit, Role: role, OrgUnitID: unit, OrgPath: w.u.paths[unit]}
	}
	cats := make([]string, len(petition.Categories))
	for i, c := range petition.Categories {
		cats[i] = c.Code
	}
	keywords := []string{"漏水", "电梯", "物业费", "拖欠农民工工资", "阳光花园", "停车", "扬尘"}
	day := func(back int) time.Time { return petNow.AddDate(0, 0, -back) }
	var out []petQuery
	for len(out) < n {
		d := district()
		dstaff := staffOf(d, auth.DistrictStaff)
		street := w.u.streets[d][r.IntN(6)]
		f := casework.Filter{Type: petition.TypeName, Page: 1, Size: 20}
		q := petQuery{who: city}
		switch len(out) % 18 {
		case 0:
			q.shape = "default"
		case 1:
			q.shape, f.UnitID = "district", d
		case 2:
			q.shape, q.who, f.States = "district-staff states", dstaff, []string{petition.StateRegistered, petition.StateHandling}
		case 3:
			q.shape, f.Category = "category month", pick(cats)
			f.From = w.e.Date(day(30 + r.IntN(300)))
			f.To = f.From.AddDays(30)
		case 4:
			q.shape, f.Due, f.Sort = "overdue by due", "overdue", "due"
		case 5:
			q.shape, q.who, f.Due, f.Sort = "district overdue", dstaff, "overdue", "due"
		case 6:
			q.shape, f.States, f.From = "registered this week", []string{petition.StateRegistered}, w.e.Date(day(7))
		case 7:
			q.shape, q.who, f.Keyword = "district keyword", dstaff, pick(keywords)
		case 8:
			q.shape, f.Keyword = "city keyword", pick(keywords)
		case 9:
			q.shape, f.Keyword = "number", fmt.Sprintf("XF%s%07d", w.e.Date(day(1+r.IntN(600))).String(), r.IntN(petBigN))
			f.Keyword = strings.ReplaceAll(f.Keyword, "-", "")
		case 10:
			q.shape, f.Keyword = "mobile", petPhone(r)
		case 11:
			q.shape, q.who, f.Page = "district deep page", dstaff, 20+r.IntN(30)
		case 12:
			q.shape, f.Open, f.Category, f.Sort = "open category by -due", "open", pick(cats), "-due"
		case 13:
			q.shape, f.Kind, f.Channel = "kind channel quarter", petition.KindAppeal, "hotline"
			f.From = w.e.Date(day(90 + r.IntN(400)))
			f.To = f.From.AddDays(90)
		case 14:
			q.shape, q.who, f.Flag = "district repeats", dstaff, "repeat"
		case 15:
			q.shape, q.who, f.Due = "street due soon", staffOf(street, auth.StreetStaff), "soon"
		case 16:
			q.shape, q.who, f.Sort, f.Open = "street open by updated", staffOf(street, auth.StreetStaff), "updated", "open"
		case 17:
			q.shape, f.UnitID, f.Category, f.States, f.Sort = "district category state by number", d, pick(cats), []string{petition.StateClosed}, "number"
			f.From = w.e.Date(day(90 + r.IntN(300)))
			f.To = f.From.AddDays(90)
		}
		q.f = f
		out = append(out, q)
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func petLedger(b *testing.B, w petWorld) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 3))
	// Warm the caches as a running server has them.
	for _, q := range petLedgerMix(w, r, 36) {
		if _, _, err := w.e.List(auth.WithPrincipal(ctx, q.who), q.f); err != nil {
			b.Fatalf("%s: %v", q.shape, err)
		}
	}
	var all, exact []time.Duration // exact: all but the free-text keyword shapes
	byShape := map[string][]time.Duration{}
	var floor []time.Duration
	rows := 0
	for b.Loop() {
		for _, q := range petLedgerMix(w, r, 18*12) {
			t0 := time.Now()
			cs, total, err := w.e.List(auth.WithPrincipal(ctx, q.who), q.f)
			el := time.Since(t0)
			if err != nil {
				b.Fatalf("%s: %v", q.shape, err)
			}
			if total < len(cs) {
				b.Fatalf("%s: total %d < %d rows", q.shape, total, len(cs))
			}
			rows += len(cs)
			all = append(all, el)
			if !strings.HasSuffix(q.shape, " keyword") {
				exact = append(exact, el)
			}
			byShape[q.shape] = append(byShape[q.shape], el)
		}
		// The floor: one page of 20 rows by primary key, the least a ledger
		// page can cost on this database.
		for range 50 {
			t0 := time.Now()
			rs, err := w.d.Query(ctx, `SELECT id, number, title, received_at FROM cases ORDER BY id DESC LIMIT 20`)
			if err != nil {
				b.Fatal(err)
			}
			for rs.Next() {
			}
			rs.Close()
			floor = append(floor, time.Since(t0))
		}
	}
	petShapeReport(b, byShape)
	p99 := percentile(all, 0.99)
	b.ReportMetric(float64(percentile(all, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(percentile(exact, 0.99).Microseconds())/1000, "p99-no-text-ms")
	b.ReportMetric(float64(percentile(floor, 0.5).Microseconds())/1000, "floor-p50-ms")
	b.ReportMetric(float64(rows)/float64(len(all)), "rows/query")
	b.ReportMetric(p99.Seconds()/0.050, "ratio")
}

// petShapeReport logs p50/p99 of each query shape, slowest first.
func petShapeReport(b *testing.B, byShape map[string][]time.Duration) {
	type line struct {
		shape    string
		p50, p99 time.Duration
		n        int
	}
	var ls []line
	for s, ds := range byShape {
		ls = append(ls, line{s, percentile(ds, 0.5), percentile(ds, 0.99), len(ds)})
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].p99 > ls[j].p99 })
	// Printed, not logged: a benchmark's log is cut to ten lines.
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s, by query shape (slowest first):\n", b.Name())
	for _, l := range ls {
		fmt.Fprintf(&sb, "  %-36s n=%-4d p50 %8.2f ms  p99 %8.2f ms\n", l.shape, l.n, float64(l.p50.Microseconds())/1000, float64(l.p99.Microseconds())/1000)
	}
	fmt.Print(sb.String())
}

// petStats computes a year's petition statistics (internal/petition's
// Stats: the KPIs by month, category and district, year over year) for the
// whole city, for a district and for a category, as the city office. The
// floor is one count of the year's cases from an index.
func petStats(b *testing.B, w petWorld) {
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 9001, Role: auth.CityStaff, OrgUnitID: 1, OrgPath: "/1/"})
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, web.Location).UTC()
	to := time.Date(2027, 1, 1, 0, 0, 0, 0, web.Location).UTC()
	var inYear int
	if err := w.d.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE received_at >= ? AND received_at < ?`, from, to).Scan(&inYear); err != nil {
		b.Fatal(err)
	}
	// The roll-up of the statistics is built from the cases once (the data
	// were loaded in bulk, past the engine), as the app's job does at start.
	t0 := time.Now()
	if err := w.s.Rebuild(ctx); err != nil {
		b.Fatal(err)
	}
	rebuild := time.Since(t0)
	// A few hundred petitions filed through the engine since the last fold:
	// their deltas are read besides the cells.
	petFileSome(b, w, 300)
	// The baseline: the same city-wide statistics read from the cases
	// (what a stale roll-up falls back to).
	scan := func() time.Duration {
		if _, err := w.d.Exec(ctx, `UPDATE settings SET value = 'stale' WHERE key = 'petition.stats_rollup'`); err != nil {
			b.Fatal(err)
		}
		defer func() {
			if err := w.s.Rebuild(ctx); err != nil {
				b.Fatal(err)
			}
		}()
		t0 := time.Now()
		if _, err := w.s.Stats(ctx, petition.StatsFilter{Year: 2026}, web.ZH); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}()
	inYear += 300
	run := func(f petition.StatsFilter) time.Duration {
		t0 := time.Now()
		st, err := w.s.Stats(ctx, f, web.ZH)
		if err != nil {
			b.Fatalf("stats %+v: %v", f, err)
		}
		if f.DistrictID == 0 && f.Category == "" && st.Total.Received != inYear {
			b.Fatalf("stats count %d received in 2026, the table %d", st.Total.Received, inYear)
		}
		return time.Since(t0)
	}
	var city, district, category, floor []time.Duration
	i := 0
	for b.Loop() {
		city = append(city, run(petition.StatsFilter{Year: 2026}))
		district = append(district, run(petition.StatsFilter{Year: 2026, DistrictID: w.u.districts[i%len(w.u.districts)]}))
		category = append(category, run(petition.StatsFilter{Year: 2026, Category: petition.Categories[i%len(petition.Categories)].Code}))
		i++
		t0 := time.Now()
		var n int
		if err := w.d.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE type = ? AND received_at >= ? AND received_at < ?`, petition.TypeName, from, to).Scan(&n); err != nil {
			b.Fatal(err)
		}
		floor = append(floor, time.Since(t0))
	}
	worst := slices.Max(append(append(slices.Clone(city), district...), category...))
	b.ReportMetric(rebuild.Seconds(), "rebuild-s")
	b.ReportMetric(float64(scan.Microseconds())/1000, "from-cases-ms")
	b.ReportMetric(float64(inYear), "cases-in-year")
	b.ReportMetric(float64(percentile(city, 0.5).Microseconds())/1000, "city-ms")
	b.ReportMetric(float64(percentile(district, 0.5).Microseconds())/1000, "district-ms")
	b.ReportMetric(float64(percentile(category, 0.5).Microseconds())/1000, "category-ms")
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(percentile(floor, 0.5).Microseconds())/1000, "floor-count-ms")
	b.ReportMetric(worst.Seconds()/0.5, "ratio")
}

// ---- 4: the sweep over 1,000,000 open cases ----

// BenchmarkPetitionSweep1M: 1,000,000 open cases, the sweeper last ran a
// day ago; each round moves the clock on a day and sweeps (a day's cases
// become overdue or due soon, replies unrated for 30 days close). The
// target is each round under 2 s. Reported besides, as information: the
// sweep a minute later (minute-ms: the sweeper's schedule), the first
// sweep ever (recount-s: it checks every case whose deadlines were
// counted with an assumed calendar, as it does when a holiday year is
// loaded) and, once, the whole backlog as if the sweeper had never run
// (every alarm back at level 0: backlog-s).
func BenchmarkPetitionSweep1M(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			w := petOpen(b, dialect)
			took := petGenerate(b, w.d, w.e, w.u, petBigN, petAllOpen)
			b.Logf("%s: generated %d open cases in %s", dialect, petBigN, took.Round(time.Millisecond))
			ctx := context.Background()
			// The sweeper's run a day ago: nothing is left to notify, but a
			// sweeper that has never run checks every case whose deadlines
			// were counted with an assumed calendar (as it does whenever a
			// holiday year is loaded) — reported as recount-s.
			g := petGen{e: w.e, mode: petAllOpen}
			g.init()
			w.e.Now = func() time.Time { return g.swept }
			t0 := time.Now()
			if res, err := w.e.Sweep(ctx); err != nil || res.Overdue+res.DueSoon+res.Recounted != 0 {
				b.Fatalf("the sweep a day ago: %+v %v", res, err)
			}
			recount := time.Since(t0)
			var ds []time.Duration
			notices := 0
			day := 0
			for b.Loop() {
				at := petNow.AddDate(0, 0, day)
				w.e.Now = func() time.Time { return at }
				day++
				t0 := time.Now()
				res, err := w.e.Sweep(ctx)
				ds = append(ds, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				notices += res.Overdue + res.DueSoon
				b.Logf("day %d: %+v in %s", day, res, ds[len(ds)-1].Round(time.Millisecond))
			}
			b.StopTimer()
			// The sweeper's schedule: a minute after the last sweep.
			last := w.e.Now()
			w.e.Now = func() time.Time { return last.Add(time.Minute) }
			t0 = time.Now()
			if _, err := w.e.Sweep(ctx); err != nil {
				b.Fatal(err)
			}
			minute := time.Since(t0)
			worst := slices.Max(ds)
			b.ReportMetric(float64(minute.Microseconds())/1000, "minute-ms")
			b.ReportMetric(recount.Seconds(), "recount-s")
			b.ReportMetric(float64(ds[0].Microseconds())/1e6, "first-s")
			b.ReportMetric(float64(worst.Microseconds())/1e6, "max-s")
			b.ReportMetric(float64(notices)/float64(len(ds)), "notices/sweep")
			// The whole backlog, once.
			if _, err := w.d.Exec(ctx, `DELETE FROM case_alarms`); err != nil {
				b.Fatal(err)
			}
			if _, err := w.d.Exec(ctx, `INSERT INTO case_alarms (due_at, case_id, level)
				SELECT due_at, id, 0 FROM cases WHERE closed_at IS NULL AND due_at IS NOT NULL`); err != nil {
				b.Fatal(err)
			}
			if _, err := w.d.Exec(ctx, `DELETE FROM case_notifications`); err != nil {
				b.Fatal(err)
			}
			t0 = time.Now()
			res, err := w.e.Sweep(ctx)
			if err != nil {
				b.Fatal(err)
			}
			backlog := time.Since(t0)
			b.Logf("backlog: %+v in %s", res, backlog.Round(time.Millisecond))
			b.ReportMetric(backlog.Seconds(), "backlog-s")
			b.ReportMetric(float64(res.Overdue+res.DueSoon), "backlog-notices")
			b.ReportMetric(worst.Seconds()/2, "ratio")
		})
	}
}

// ---- 1: intake through the HTTP API ----

// BenchmarkPetitionIntake: petitions filed by the public through POST
// /api/v1/petition/submissions (the whole stack) against single-row INSERT
// transactions into plain_cases (cases' columns and indexes), the same
// number of clients each, rounds alternating on the same database. With 16
// clients a petition's latency sets the pace (each client waits for its
// answer before filing the next); with 64 the machine is saturated.
func BenchmarkPetitionIntake(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, conc := range []int{16, 64} {
			b.Run(fmt.Sprintf("%s/clients=%d", dialect, conc), func(b *testing.B) { petIntakeBench(b, dialect, conc) })
		}
	}
}

func petIntakeBench(b *testing.B, dialect string, conc int) {
	cfg := app.Defaults()
	if dialect == "postgres" {
		_, cfg.DB = dbtest.NewSchema(b, dbtest.PostgresURL(b))
	} else {
		cfg.DB = filepath.Join(b.TempDir(), "intake.db")
	}
	cfg.AuditKeyFile = filepath.Join(b.TempDir(), "audit.key")
	a, err := app.Open(context.Background(), cfg, "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	u := petCity(b, a.DB)
	petPlainTable(b, a.DB)
	base := serve(b, a.Handler())
	const round = time.Second
	var sumI, sumP float64
	var filed, plain int64
	var lat []time.Duration
	seq := atomic.Int64{}
	for b.Loop() {
		n := petPlainInserts(b, a.DB, conc, round, &seq)
		plain += n
		sumP += float64(n) / round.Seconds()
		m, ls := petIntake(b, base, u, conc, round)
		filed += m
		lat = append(lat, ls...)
		sumI += float64(m) / round.Seconds()
	}
	var stored int64
	if err := a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM cases`).Scan(&stored); err != nil {
		b.Fatal(err)
	}
	if stored != filed {
		b.Fatalf("%d petitions answered 201, %d stored", filed, stored)
	}
	rounds := float64(b.N)
	b.ReportMetric(sumI/rounds, "petitions/s")
	b.ReportMetric(sumP/rounds, "plain-inserts/s")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(sumI/sumP, "ratio")
}

// petPlainTable creates plain_cases: the columns and indexes of cases.
func petPlainTable(b *testing.B, d *db.DB) {
	ctx := context.Background()
	if d.Dialect == db.Postgres {
		if _, err := d.Exec(ctx, `CREATE TABLE plain_cases (LIKE cases INCLUDING ALL)`); err != nil {
			b.Fatal(err)
		}
		return
	}
	rows, err := d.Query(ctx, `SELECT type, sql FROM sqlite_master WHERE tbl_name = 'cases' AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC`)
	if err != nil {
		b.Fatal(err)
	}
	var stmts []string
	for rows.Next() {
		var typ, s string
		if err := rows.Scan(&typ, &s); err != nil {
			b.Fatal(err)
		}
		if typ == "table" {
			s = strings.Replace(s, "CREATE TABLE cases", "CREATE TABLE plain_cases", 1)
		} else {
			s = strings.Replace(strings.Replace(s, "INDEX cases_", "INDEX plain_cases_", 1), " ON cases(", " ON plain_cases(", 1)
		}
		stmts = append(stmts, s)
	}
	rows.Close()
	for _, s := range stmts {
		if _, err := d.Exec(ctx, s); err != nil {
			b.Fatalf("%s: %v", s, err)
		}
	}
}

// petPlainInserts is the baseline: conc goroutines each inserting one row
// (the values a petition gets) per transaction for d; it returns the rows.
func petPlainInserts(b *testing.B, d *db.DB, conc int, dur time.Duration, seq *atomic.Int64) int64 {
	ctx := context.Background()
	var n atomic.Int64
	deadline := time.Now().Add(dur)
	// A petition's texts; on PostgreSQL with the keyword terms the engine
	// writes with them.
	title, name, address := "小区停车难", "王建国", "清河区人民路街道阳光花园3号楼201室"
	terms, termsArg, termsVal := "", "", []any(nil)
	if d.Dialect == db.Postgres {
		terms, termsArg, termsVal = ", search_terms", ", ?::text[]", []any{casework.SearchTermsArg(title, address, name, "/1/2/")}
	}
	var wg sync.WaitGroup
	var failed atomic.Value
	for g := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 99))
			for time.Now().Before(deadline) {
				i := seq.Add(1)
				now := time.Now().UTC().Truncate(time.Microsecond)
				phone := petPhone(r)
				err := d.Tx(ctx, func(tx *db.Tx) error {
					_, err := tx.Exec(ctx, `INSERT INTO plain_cases (type, number, state, version, org_unit_id, org_path, category, subcategory,
						kind, channel, title, body, party_name, party_phone, check_code, address, received_at, response_due_at, stage_due_at,
						final_from, final_days, due_at, notified_level, closed_reason, rating, flags, track_failures, data, created_at, updated_at`+terms+`)
						VALUES (?, ?, 'registered', 1, 2, '/1/2/', 'parking', 'shortage', 'complaint', 'web', ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, ?, 0, '', '', 0, 0, ?, ?, ?`+termsArg+`)`,
						append([]any{petition.TypeName, fmt.Sprintf("XF20261202%07d", i), title, "老旧小区车位严重不足，夜间无处停车，请求增设停车位。",
							name, phone, phone[7:], address, now, now.Add(24 * time.Hour), now.Add(15 * 24 * time.Hour),
							now.Add(24 * time.Hour), `{"stage_days":15,"stage_from":"2026-12-02T01:00:00Z","stage_unit":"days"}`, now, now}, termsVal...)...)
					return err
				})
				if err != nil {
					failed.Store(err)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	return n.Load()
}

// petIntake files petitions from conc anonymous clients for dur and
// returns how many were answered 201 and their latencies.
func petIntake(b *testing.B, base string, u petUnits, conc int, dur time.Duration) (int64, []time.Duration) {
	tr := &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	var n atomic.Int64
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var lat []time.Duration
	var failed atomic.Value
	for g := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), uint64(time.Now().UnixNano())))
			var mine []time.Duration
			for time.Now().Before(deadline) {
				body := petSubmission(r, u)
				t0 := time.Now()
				resp, err := c.Post(base+"/api/v1/petition/submissions", "application/json", bytes.NewReader(body))
				if err != nil {
					failed.Store(err)
					return
				}
				var rc petition.Receipt
				err = json.NewDecoder(resp.Body).Decode(&rc)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated || err != nil || rc.Number == "" {
					failed.Store(fmt.Errorf("intake: %d %v", resp.StatusCode, err))
					return
				}
				mine = append(mine, time.Since(t0))
				n.Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	return n.Load(), lat
}

// petSubmission is a member of the public's petition, as JSON.
func petSubmission(r *rand.Rand, u petUnits) []byte {
	cat := petition.Categories[petPick(r, petCategoryShare)]
	texts := petTexts[cat.Code]
	txt := texts[r.IntN(len(texts))]
	compound := petCompounds[r.IntN(len(petCompounds))]
	d := u.districts[r.IntN(len(u.districts))]
	sub := map[string]any{
		"kind":     []string{petition.KindComplaint, petition.KindAppeal, petition.KindSuggestion}[petPick(r, []float64{0.4, 0.35, 0.25})],
		"category": cat.Code, "subcategory": cat.Subs[r.IntN(len(cat.Subs))],
		"title":   compound + txt[0],
		"body":    txt[1] + "，多次与相关单位沟通未果，请求有关部门尽快调查处理。",
		"name":    petSurnames[r.IntN(len(petSurnames))] + petGiven[r.IntN(len(petGiven))],
		"phone":   petPhone(r),
		"unit_id": d,
		"address": u.names[d] + compound + strconv.Itoa(1+r.IntN(30)) + "号楼",
		"lat":     30.25 + (r.Float64()-0.5)*0.3, "lng": 120.17 + (r.Float64()-0.5)*0.3,
	}
	out, _ := json.Marshal(sub)
	return out
}

// TestPetitionGeneratorMatchesEngine keeps the 1M generator honest on a
// few thousand cases: the engine, counting the generated cases' deadlines
// again, finds nothing to change, and a sweep at the generator's clock
// finds nothing it has not already notified.
func TestPetitionGeneratorMatchesEngine(t *testing.T) {
	for _, mode := range []petGenMode{petHistory, petAllOpen} {
		w := petOpenAt(t, filepath.Join(t.TempDir(), "gen.db"))
		petGenerate(t, w.d, w.e, w.u, 3000, mode)
		ctx := context.Background()
		n, err := w.e.RecomputeAssumed(ctx)
		if err != nil || n != 0 {
			t.Errorf("mode %d: the engine recounts %d generated cases (%v)", mode, n, err)
		}
		// The generator's sweeper ran at g.swept; at that moment nothing
		// is left to notify.
		g := petGen{e: w.e, mode: mode}
		g.init()
		w.e.Now = func() time.Time { return g.swept }
		res, err := w.e.Sweep(ctx)
		if err != nil || res.Overdue != 0 || res.DueSoon != 0 {
			t.Errorf("mode %d: a sweep at the generator's last sweep finds %+v (%v)", mode, res, err)
		}
	}
}

// petFileSome files n petitions through the engine (as the public), at the
// benchmarks' clock.
func petFileSome(b *testing.B, w petWorld, n int) {
	r := rand.New(rand.NewPCG(7, 7))
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{IP: "127.0.0.1"})
	for range n {
		var sub petition.Submission
		if err := json.Unmarshal(petSubmission(r, w.u), &sub); err != nil {
			b.Fatal(err)
		}
		if _, err := w.s.Submit(ctx, sub); err != nil {
			b.Fatal(err)
		}
	}
}
