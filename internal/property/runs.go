package property

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// Run is the scoring of every active company for one period, by the rule
// set in effect on the period's last day. A draft run may be computed
// again; a published run is what the public lists show.
type Run struct {
	ID          int64        `json:"-"`
	Period      string       `json:"period" doc:"2026Q3 (a quarter) or 2026 (a year)"`
	Start       workday.Date `json:"period_start"`
	End         workday.Date `json:"period_end"`
	RuleVersion int          `json:"rule_version"`
	Status      string       `json:"status" doc:"draft or published"`
	Companies   int          `json:"companies"`
	Facts       int          `json:"facts" doc:"facts read for the period"`
	Red         int          `json:"red"`
	Black       int          `json:"black"`
	ComputedAt  time.Time    `json:"computed_at"`
	PublishedAt *time.Time   `json:"published_at,omitempty"`
}

var periodRE = regexp.MustCompile(`^(\d{4})(?:Q([1-4]))?$`)

// ParsePeriod reads "2026Q3" (a quarter) or "2026" (a year).
func ParsePeriod(s string) (start, end workday.Date, err error) {
	m := periodRE.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil {
		return start, end, ferr("period", "invalid", "评价期应写作 2026Q3（季度）或 2026（年度）", "a period is written 2026Q3 (a quarter) or 2026 (a year)")
	}
	y, _ := strconv.Atoi(m[1])
	if m[2] == "" {
		return workday.NewDate(y, 1, 1), workday.NewDate(y, 12, 31), nil
	}
	q, _ := strconv.Atoi(m[2])
	start = workday.NewDate(y, time.Month(3*q-2), 1)
	return start, workday.NewDate(y, time.Month(3*q+1), 0), nil
}

// normPeriod is the period as stored: 2026Q3 or 2026.
func normPeriod(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// ScoreCompanies scores every active company on asOf with rs, reading the
// facts in one query, and returns each company's explanation.
func ScoreCompanies(ctx context.Context, q db.Querier, rs *RuleSet, asOf workday.Date, companies []int64) (map[int64]Explanation, int, error) {
	sc := NewScorer(rs, asOf)
	n, err := streamFacts(ctx, q, asOf, 0, sc.Add)
	if err != nil {
		return nil, n, err
	}
	out := make(map[int64]Explanation, len(companies))
	for _, id := range companies {
		out[id] = sc.Result(id)
	}
	return out, n, nil
}

// activeCompanies lists the ids of companies scored in a run.
func activeCompanies(ctx context.Context, q db.Querier) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT id FROM property_companies WHERE status = 'active' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// RunScoring scores a period: city-wide staff only; a published period is
// not computed again.
func (s *Service) RunScoring(ctx context.Context, period string) (Run, error) {
	p := auth.FromContext(ctx)
	if err := rule(p, cmdRunScoring, target{}); err != nil {
		return Run{}, err
	}
	period = normPeriod(period)
	start, end, err := ParsePeriod(period)
	if err != nil {
		return Run{}, err
	}
	if !end.Before(s.today()) {
		return Run{}, ferr("period", "not_over", "评价期尚未结束", "the period is not over yet")
	}
	var out Run
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		old, err := s.run(ctx, tx, period)
		switch {
		case err == nil && old.Status == statePublished:
			return conflictf("%s 已发布，不能重新计算", "%s is published and cannot be computed again", period)
		case err == nil:
			if _, err := tx.Exec(ctx, `DELETE FROM credit_results WHERE run_id = ?`, old.ID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM credit_runs WHERE id = ?`, old.ID); err != nil {
				return err
			}
		case !errors.Is(err, db.ErrNotFound):
			return err
		}
		rs, err := s.RulesInEffect(ctx, tx, end)
		if errors.Is(err, db.ErrNotFound) {
			return ferr("period", "no_rules", "评价期末没有已生效的评价规则，请先发布规则", "no published rules are in effect at the end of the period; publish rules first")
		}
		if err != nil {
			return err
		}
		ids, err := activeCompanies(ctx, tx)
		if err != nil {
			return err
		}
		results, n, err := ScoreCompanies(ctx, tx, &rs, end, ids)
		if err != nil {
			return err
		}
		run := Run{Period: period, Start: start, End: end, RuleVersion: rs.Version, Status: stateDraft, Companies: len(ids),
			Facts: n, ComputedAt: s.stamp()}
		if err := tx.QueryRow(ctx, `INSERT INTO credit_runs (period, period_start, period_end, rule_set_id, status, companies, facts,
			computed_at, computed_by) VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?) RETURNING id`, period, start.String(), end.String(),
			rs.ID, run.Companies, run.Facts, run.ComputedAt, nullID(p.UserID)).Scan(&run.ID); err != nil {
			return err
		}
		if err := insertResults(ctx, tx, run.ID, ids, results); err != nil {
			return err
		}
		for _, e := range results {
			switch e.List {
			case listRed:
				run.Red++
			case listBlack:
				run.Black++
			}
		}
		out = run
		return audit.Record(ctx, tx, audit.Entry{Action: "property.credit.run", ObjectType: "credit_run", ObjectID: period,
			Detail: fmt.Sprintf("rules v%d: %d companies, %d facts, %d red, %d black", rs.Version, run.Companies, n, run.Red, run.Black)})
	})
	return out, err
}

// insertResults writes results in multi-row statements.
func insertResults(ctx context.Context, tx *db.Tx, runID int64, ids []int64, results map[int64]Explanation) error {
	const batch = 200
	const row = "(?, ?, ?, ?, ?, ?, ?)"
	for i := 0; i < len(ids); i += batch {
		chunk := ids[i:min(i+batch, len(ids))]
		args := make([]any, 0, len(chunk)*7)
		for _, id := range chunk {
			e := results[id]
			b, err := json.Marshal(e)
			if err != nil {
				return err
			}
			args = append(args, runID, id, e.Score, e.Grade, boolInt(e.Vetoed), e.List, string(b))
		}
		q := `INSERT INTO credit_results (run_id, company_id, score, grade, vetoed, list, explanation) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", ")
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// PublishRun publishes a period's results: the public lists show them.
func (s *Service) PublishRun(ctx context.Context, period string) (Run, error) {
	p := auth.FromContext(ctx)
	if err := rule(p, cmdPublishRun, target{}); err != nil {
		return Run{}, err
	}
	var out Run
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		run, err := s.run(ctx, tx, normPeriod(period))
		if err != nil {
			return err
		}
		if run.Status == statePublished {
			return conflictf("%s 已发布", "%s is published already", run.Period)
		}
		now := s.stamp()
		if _, err := tx.Exec(ctx, `UPDATE credit_runs SET status = 'published', published_at = ? WHERE id = ?`, now, run.ID); err != nil {
			return err
		}
		run.Status, run.PublishedAt = statePublished, &now
		out = run
		return audit.Record(ctx, tx, audit.Entry{Action: "property.credit.publish", ObjectType: "credit_run", ObjectID: run.Period,
			Detail: fmt.Sprintf("%d companies, %d red, %d black", run.Companies, run.Red, run.Black)})
	})
	return out, err
}

const runSelect = `SELECT r.id, r.period, r.period_start, r.period_end, rs.version, r.status, r.companies, r.facts, r.computed_at,
	r.published_at,
	(SELECT COUNT(*) FROM credit_results x WHERE x.run_id = r.id AND x.list = 'red'),
	(SELECT COUNT(*) FROM credit_results x WHERE x.run_id = r.id AND x.list = 'black')
	FROM credit_runs r JOIN credit_rule_sets rs ON rs.id = r.rule_set_id`

func scanRun(sc interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var start, end string
	var published sql.NullTime
	err := sc.Scan(&r.ID, &r.Period, &start, &end, &r.RuleVersion, &r.Status, &r.Companies, &r.Facts, &r.ComputedAt, &published,
		&r.Red, &r.Black)
	r.Start, r.End = mustDate(start), mustDate(end)
	if published.Valid {
		r.PublishedAt = &published.Time
	}
	return r, err
}

func (s *Service) run(ctx context.Context, q db.Querier, period string) (Run, error) {
	r, err := scanRun(q.QueryRow(ctx, runSelect+` WHERE r.period = ?`, period))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, db.ErrNotFound
	}
	return r, err
}

// RunOf returns a period's run; a draft only to those who may run scoring.
func (s *Service) RunOf(ctx context.Context, p *auth.Principal, period string) (Run, error) {
	r, err := s.run(ctx, s.DB, normPeriod(period))
	if err != nil {
		return r, err
	}
	if r.Status != statePublished && !auth.Can(p, auth.ActViewRecords) {
		return Run{}, db.ErrNotFound
	}
	return r, nil
}

// Runs lists the runs, newest period first; only published ones if published.
func (s *Service) Runs(ctx context.Context, published bool) ([]Run, error) {
	where := "1 = 1"
	if published {
		where = "r.status = 'published'"
	}
	rows, err := s.DB.Query(ctx, runSelect+` WHERE `+where+` ORDER BY r.period_end DESC, r.period DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// latestRun is the run of the latest period (published only if published).
func (s *Service) latestRun(ctx context.Context, published bool) (Run, error) {
	where := "1 = 1"
	if published {
		where = "r.status = 'published'"
	}
	r, err := scanRun(s.DB.QueryRow(ctx, runSelect+` WHERE `+where+` ORDER BY r.period_end DESC, r.period DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, db.ErrNotFound
	}
	return r, err
}

// CompanyResult is one company's result in one run.
type CompanyResult struct {
	Period      string      `json:"period"`
	PeriodEnd   string      `json:"period_end"`
	Published   bool        `json:"published"`
	CompanyID   int64       `json:"company_id"`
	Name        string      `json:"name"`
	CreditCode  string      `json:"credit_code"`
	Score       float64     `json:"score"`
	Grade       string      `json:"grade"`
	Vetoed      bool        `json:"vetoed"`
	List        string      `json:"list" doc:"red, black or empty"`
	Explanation Explanation `json:"explanation"`
	AmendedAt   *time.Time  `json:"amended_at,omitempty" doc:"set when an upheld objection changed the result after publication"`
}

const resultSelect = `SELECT r.period, r.period_end, r.status, x.company_id, co.name, co.credit_code, x.score, x.grade, x.vetoed,
	x.list, x.explanation, x.amended_at
	FROM credit_results x JOIN credit_runs r ON r.id = x.run_id JOIN property_companies co ON co.id = x.company_id`

func scanResult(sc interface{ Scan(...any) error }, withExplanation bool) (CompanyResult, error) {
	var c CompanyResult
	var status, expl string
	var vetoed int
	var amended sql.NullTime
	err := sc.Scan(&c.Period, &c.PeriodEnd, &status, &c.CompanyID, &c.Name, &c.CreditCode, &c.Score, &c.Grade, &vetoed, &c.List,
		&expl, &amended)
	if err != nil {
		return c, err
	}
	c.Published, c.Vetoed = status == statePublished, vetoed == 1
	if amended.Valid {
		c.AmendedAt = &amended.Time
	}
	if withExplanation {
		_ = json.Unmarshal([]byte(expl), &c.Explanation)
	}
	return c, nil
}

// ResultFilter narrows a run's results.
type ResultFilter struct {
	List   string // red, black
	Grade  string
	Q      string
	Limit  int
	Offset int
}

// Results lists a run's results, best score first.
func (s *Service) Results(ctx context.Context, run Run, f ResultFilter, withExplanation bool) ([]CompanyResult, int, error) {
	where, args := "x.run_id = ?", []any{run.ID}
	if f.List == listRed || f.List == listBlack {
		where += " AND x.list = ?"
		args = append(args, f.List)
	}
	if f.Grade != "" {
		where += " AND x.grade = ?"
		args = append(args, f.Grade)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := s.DB.Dialect.ILike()
		where += ` AND (co.name ` + like + ` ? ESCAPE '\' OR co.credit_code ` + like + ` ? ESCAPE '\')`
		pat := "%" + db.EscapeLike(q) + "%"
		args = append(args, pat, pat)
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM credit_results x JOIN property_companies co ON co.id = x.company_id WHERE `+where,
		args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	order := "x.score DESC, co.name"
	if f.List == listBlack {
		order = "x.vetoed DESC, x.score ASC, co.name"
	}
	rows, err := s.DB.Query(ctx, resultSelect+` WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []CompanyResult
	for rows.Next() {
		c, err := scanResult(rows, withExplanation)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// CompanyHistory lists a company's results, newest period first, at most n.
func (s *Service) CompanyHistory(ctx context.Context, companyID int64, n int) ([]CompanyResult, error) {
	return s.companyResults(ctx, companyID, false, n)
}

// companyResults lists a company's results (published ones only if published).
func (s *Service) companyResults(ctx context.Context, companyID int64, published bool, n int) ([]CompanyResult, error) {
	where := "x.company_id = ?"
	if published {
		where += " AND r.status = 'published'"
	}
	rows, err := s.DB.Query(ctx, resultSelect+` WHERE `+where+` ORDER BY r.period_end DESC LIMIT ?`, companyID, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CompanyResult
	for rows.Next() {
		c, err := scanResult(rows, true)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// rescore computes company id again in every run whose period ends on or
// after since (after an upheld objection voids a fact), marking the
// results amended.
func (s *Service) rescore(ctx context.Context, tx *db.Tx, companyID int64, since workday.Date) (int, error) {
	rows, err := tx.Query(ctx, `SELECT r.id, r.period_end, rs.version FROM credit_runs r JOIN credit_rule_sets rs ON rs.id = r.rule_set_id
		WHERE r.period_end >= ?`, since.String())
	if err != nil {
		return 0, err
	}
	type runRef struct {
		id      int64
		end     string
		version int
	}
	var refs []runRef
	for rows.Next() {
		var r runRef
		if err := rows.Scan(&r.id, &r.end, &r.version); err != nil {
			rows.Close()
			return 0, err
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	now := s.stamp()
	n := 0
	for _, ref := range refs {
		rs, err := s.ruleSet(ctx, tx, `version = ?`, ref.version)
		if err != nil {
			return n, err
		}
		asOf := mustDate(ref.end)
		sc := NewScorer(&rs, asOf)
		if _, err := streamFacts(ctx, tx, asOf, companyID, sc.Add); err != nil {
			return n, err
		}
		e := sc.Result(companyID)
		b, _ := json.Marshal(e)
		res, err := tx.Exec(ctx, `UPDATE credit_results SET score = ?, grade = ?, vetoed = ?, list = ?, explanation = ?, amended_at = ?
			WHERE run_id = ? AND company_id = ?`, e.Score, e.Grade, boolInt(e.Vetoed), e.List, string(b), now, ref.id, companyID)
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
	}
	return n, nil
}
