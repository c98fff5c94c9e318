package property

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// RuleSet is one version of the credit scoring rules. A draft may be edited
// by city staff; once published it never changes, and a period is scored by
// the published set in effect on its last day.
type RuleSet struct {
	ID                  int64        `json:"-"`
	Version             int          `json:"version"`
	Name                string       `json:"name"`
	EffectiveFrom       workday.Date `json:"effective_from"`
	Status              string       `json:"status" doc:"draft or published"`
	Base                float64      `json:"base_score"`
	MaxBonus            float64      `json:"max_bonus" doc:"cap of all bonuses together; 0 = none"`
	MaxScore            float64      `json:"max_score"`
	DefaultValidityDays int          `json:"default_validity_days" doc:"how long a fact counts when its item states no validity"`
	ObjectionWorkdays   int          `json:"objection_workdays" doc:"working days within which an objection is answered"`
	Grades              []Grade      `json:"grades" doc:"highest first"`
	RedGrades           []string     `json:"red_grades"`
	BlackGrades         []string     `json:"black_grades"`
	Notes               string       `json:"notes"`
	Items               []RuleItem   `json:"items"`
	CreatedAt           time.Time    `json:"created_at"`
	PublishedAt         *time.Time   `json:"published_at,omitempty"`
}

// Grade is a grade and the lowest score that reaches it.
type Grade struct {
	Grade string  `json:"grade"`
	Min   float64 `json:"min"`
}

// RuleItem is one bonus, deduction or single-veto item.
type RuleItem struct {
	ID       int64   `json:"-"`
	Code     string  `json:"code"`
	Kind     string  `json:"kind" doc:"bonus, deduction or veto"`
	FactKind string  `json:"fact_kind" doc:"the kind of fact it scores"`
	Title    string  `json:"title"`
	TitleEn  string  `json:"title_en"`
	Points   float64 `json:"points" doc:"per fact; bonuses add, deductions subtract"`
	// MaxPoints caps the item in a period (0 = no cap).
	MaxPoints float64 `json:"max_points"`
	// ValidityDays: how long after valid_from a fact counts; 0 = the set's
	// default; -1 = until the fact is closed (its valid_until is set).
	ValidityDays int      `json:"validity_days"`
	ValueMin     *float64 `json:"value_min,omitempty" doc:"band on the fact's value (surveys): value ≥ min"`
	ValueMax     *float64 `json:"value_max,omitempty" doc:"… and value < max"`
	Basis        string   `json:"basis" doc:"the provision the item rests on"`
}

// FactKinds are the kinds of facts the rules can score, with their labels.
var FactKinds = []struct{ Kind, Zh, En string }{
	{"rectification_overdue", "整改逾期", "rectification overdue"},
	{"rectification_failed", "整改复查不合格", "rectification failed re-inspection"},
	{"rectification_refused", "拒不整改", "refused to rectify"},
	{"rectification_done", "按期整改到位", "rectified on time"},
	{"petition_upheld", "信访投诉查证属实", "petition about the company upheld"},
	{"survey", "业主满意度测评", "owner satisfaction survey"},
	{"honour_city", "市级荣誉", "city honour"},
	{"honour_province", "省级荣誉", "provincial honour"},
	{"honour_national", "国家级荣誉", "national honour"},
	{"party_org", "建立党组织", "party organisation set up"},
	{"red_property_demo", "红色物业示范项目", "red property management model project"},
	{"penalty", "行政处罚", "administrative penalty"},
	{"fund_misuse", "挪用专项维修资金", "misuse of the maintenance fund"},
	{"major_accident", "重大安全责任事故", "major safety accident"},
	{"abandonment", "擅自撤离、弃管小区", "abandoning a compound without handover"},
	{"false_material", "提供虚假材料", "false documents"},
}

func validFactKind(kind string) bool {
	for _, k := range FactKinds {
		if k.Kind == kind {
			return true
		}
	}
	return false
}

func fp(v float64) *float64 { return &v }

// DefaultRules is the template of a first rule set, after the published
// practice of Yantai (grades AAA ≥ 85 … C < 60) and Nanning (a base, good
// items up to a cap, bad items, single-veto items).
func DefaultRules() RuleSet {
	return RuleSet{Name: "物业服务企业信用评价办法", Base: 70, MaxBonus: 30, MaxScore: 100, DefaultValidityDays: 365,
		ObjectionWorkdays: 20,
		Grades:            []Grade{{"AAA", 85}, {"AA", 80}, {"A", 70}, {"B", 60}, {"C", 0}},
		RedGrades:         []string{"AAA"}, BlackGrades: []string{"C"},
		Notes: "基础分 70 分，加分项合计不超过 30 分，扣分不设下限（总分不低于 0 分）。良好、不良信息自认定之日起一年内有效，另有规定的从其规定；" +
			"严重失信信息在整改完成前持续有效。出现一票否决情形的，直接评为 C 级并列入黑榜。",
		Items: []RuleItem{
			{Code: "B01", Kind: kindBonus, FactKind: "party_org", Title: "企业建立党组织", TitleEn: "The company has a party organisation", Points: 3, MaxPoints: 3, ValidityDays: untilClosed, Basis: "《关于强化住宅物业服务管理的若干措施》第三条"},
			{Code: "B02", Kind: kindBonus, FactKind: "red_property_demo", Title: "红色物业示范项目", TitleEn: "Red property management model project", Points: 3, MaxPoints: 6},
			{Code: "B03", Kind: kindBonus, FactKind: "honour_national", Title: "获国家级表彰", TitleEn: "National honour", Points: 8, MaxPoints: 8, ValidityDays: 730},
			{Code: "B04", Kind: kindBonus, FactKind: "honour_province", Title: "获省级表彰", TitleEn: "Provincial honour", Points: 5, MaxPoints: 10, ValidityDays: 730},
			{Code: "B05", Kind: kindBonus, FactKind: "honour_city", Title: "获市级表彰", TitleEn: "City honour", Points: 3, MaxPoints: 6},
			{Code: "B06", Kind: kindBonus, FactKind: "survey", Title: "业主满意度 90% 及以上", TitleEn: "Owner satisfaction 90% or more", Points: 5, MaxPoints: 5, ValueMin: fp(90)},
			{Code: "B07", Kind: kindBonus, FactKind: "survey", Title: "业主满意度 80%–90%", TitleEn: "Owner satisfaction 80–90%", Points: 2, MaxPoints: 2, ValueMin: fp(80), ValueMax: fp(90)},
			{Code: "D01", Kind: kindDeduction, FactKind: "survey", Title: "业主满意度低于 60%", TitleEn: "Owner satisfaction below 60%", Points: 6, MaxPoints: 6, ValueMax: fp(60)},
			{Code: "D02", Kind: kindDeduction, FactKind: "petition_upheld", Title: "信访投诉查证属实", TitleEn: "Petition about the company upheld", Points: 2, MaxPoints: 20},
			{Code: "D03", Kind: kindDeduction, FactKind: "rectification_overdue", Title: "检查发现问题逾期未整改", TitleEn: "Problem found and not rectified in time", Points: 2, MaxPoints: 20},
			{Code: "D04", Kind: kindDeduction, FactKind: "rectification_failed", Title: "整改复查不合格", TitleEn: "Rectification failed re-inspection", Points: 3, MaxPoints: 15},
			{Code: "D05", Kind: kindDeduction, FactKind: "rectification_refused", Title: "拒不整改", TitleEn: "Refused to rectify", Points: 10, ValidityDays: untilClosed},
			{Code: "D06", Kind: kindDeduction, FactKind: "penalty", Title: "受到行政处罚", TitleEn: "Administrative penalty", Points: 5, ValidityDays: 730},
			{Code: "V01", Kind: kindVeto, FactKind: "fund_misuse", Title: "挪用、侵占专项维修资金", TitleEn: "Misuse of the maintenance fund", ValidityDays: untilClosed, Basis: "《物业管理条例》第六十条"},
			{Code: "V02", Kind: kindVeto, FactKind: "major_accident", Title: "发生重大安全责任事故", TitleEn: "Major safety accident", ValidityDays: 1095},
			{Code: "V03", Kind: kindVeto, FactKind: "abandonment", Title: "擅自撤离或弃管小区", TitleEn: "Abandoned a compound without handover", ValidityDays: 1095},
			{Code: "V04", Kind: kindVeto, FactKind: "false_material", Title: "提供虚假材料骗取评价", TitleEn: "False documents to obtain a rating", ValidityDays: 1095},
		},
	}
}

// validate checks a rule set before it is saved or published.
func (rs *RuleSet) validate() error {
	var fe fieldErrors
	add := func(e *fieldError) {
		if e != nil {
			fe = append(fe, e)
		}
	}
	add(checkText("name", rs.Name, 100, true))
	if rs.EffectiveFrom.IsZero() {
		add(required("effective_from"))
	}
	if rs.MaxScore <= 0 || rs.Base < 0 || rs.Base > rs.MaxScore {
		add(ferr("base_score", "out_of_range", "基础分应在 0 与满分之间", "the base score must lie between 0 and the maximum"))
	}
	if rs.MaxBonus < 0 {
		add(ferr("max_bonus", "out_of_range", "加分上限不能为负", "must not be negative"))
	}
	if rs.DefaultValidityDays < 1 || rs.DefaultValidityDays > 3650 {
		add(ferr("default_validity_days", "out_of_range", "应在 1 到 3650 天之间", "must be between 1 and 3650 days"))
	}
	if rs.ObjectionWorkdays < 1 || rs.ObjectionWorkdays > 60 {
		add(ferr("objection_workdays", "out_of_range", "应在 1 到 60 个工作日之间", "must be between 1 and 60 working days"))
	}
	if len(rs.Grades) == 0 {
		add(ferr("grades", "required", "至少设一个等级", "at least one grade"))
	}
	seen := map[string]bool{}
	for i, g := range rs.Grades {
		if g.Grade == "" || seen[g.Grade] {
			add(ferr("grades", "invalid", "等级名称不能为空或重复", "grade names must be present and distinct"))
			break
		}
		seen[g.Grade] = true
		if i > 0 && g.Min >= rs.Grades[i-1].Min {
			add(ferr("grades", "order", "等级分数线应从高到低排列", "grade boundaries must run from highest to lowest"))
			break
		}
	}
	for _, g := range append(append([]string{}, rs.RedGrades...), rs.BlackGrades...) {
		if !seen[g] {
			add(ferr("grades", "unknown", "红黑榜等级须是已设等级", "red and black list grades must be grades of the set"))
			break
		}
	}
	codes := map[string]bool{}
	for _, it := range rs.Items {
		if codes[it.Code] {
			add(ferr("items", "duplicate", "条目编号重复："+it.Code, "duplicate item code "+it.Code))
		}
		codes[it.Code] = true
		if err := it.validate(); err != nil {
			add(ferr("items", "invalid", it.Code+"："+message("zh-CN", err), it.Code+": "+message("en", err)))
		}
	}
	return fe.err()
}

func (it *RuleItem) validate() error {
	var fe fieldErrors
	it.Code, it.Title, it.TitleEn = strings.TrimSpace(it.Code), strings.TrimSpace(it.Title), strings.TrimSpace(it.TitleEn)
	if it.Code == "" || len(it.Code) > 16 {
		fe = append(fe, ferr("code", "invalid", "编号为 1 到 16 个字符", "the code has 1 to 16 characters"))
	}
	if !contains(itemKinds, it.Kind) {
		fe = append(fe, ferr("kind", "invalid", "请选择加分、扣分或一票否决", "choose bonus, deduction or veto"))
	}
	if !validFactKind(it.FactKind) {
		fe = append(fe, ferr("fact_kind", "invalid", "请选择事实类型", "choose a kind of fact"))
	}
	if e := checkText("title", it.Title, 100, true); e != nil {
		fe = append(fe, e)
	}
	if e := checkText("title_en", it.TitleEn, 200, false); e != nil {
		fe = append(fe, e)
	}
	if it.Kind != kindVeto && (it.Points <= 0 || it.Points > 100) {
		fe = append(fe, ferr("points", "out_of_range", "每项分值应大于 0 且不超过 100", "points must be above 0 and at most 100"))
	}
	if it.Kind == kindVeto {
		it.Points, it.MaxPoints = 0, 0
	}
	if it.MaxPoints < 0 {
		fe = append(fe, ferr("max_points", "out_of_range", "上限不能为负", "must not be negative"))
	}
	if it.ValidityDays < untilClosed || it.ValidityDays > 3650 {
		fe = append(fe, ferr("validity_days", "out_of_range", "有效期应在 -1 到 3650 天之间", "must be between -1 and 3650 days"))
	}
	if it.ValueMin != nil && it.ValueMax != nil && *it.ValueMax <= *it.ValueMin {
		fe = append(fe, ferr("value_max", "invalid", "区间上限应大于下限", "the band's upper bound must exceed its lower bound"))
	}
	if e := checkText("basis", it.Basis, 200, false); e != nil {
		fe = append(fe, e)
	}
	return fe.err()
}

// ---- store ----

const ruleSetCols = `id, version, name, effective_from, status, base_score, max_bonus, max_score, default_validity_days,
	objection_workdays, grades, red_grades, black_grades, notes, created_at, published_at`

func scanRuleSet(sc interface{ Scan(...any) error }) (RuleSet, error) {
	var rs RuleSet
	var from, grades, red, black string
	var published sql.NullTime
	err := sc.Scan(&rs.ID, &rs.Version, &rs.Name, &from, &rs.Status, &rs.Base, &rs.MaxBonus, &rs.MaxScore,
		&rs.DefaultValidityDays, &rs.ObjectionWorkdays, &grades, &red, &black, &rs.Notes, &rs.CreatedAt, &published)
	if err != nil {
		return rs, err
	}
	rs.EffectiveFrom = mustDate(from)
	_ = json.Unmarshal([]byte(grades), &rs.Grades)
	_ = json.Unmarshal([]byte(red), &rs.RedGrades)
	_ = json.Unmarshal([]byte(black), &rs.BlackGrades)
	if published.Valid {
		rs.PublishedAt = &published.Time
	}
	return rs, nil
}

func (s *Service) loadItems(ctx context.Context, q db.Querier, rs *RuleSet) error {
	rows, err := q.Query(ctx, `SELECT id, code, kind, fact_kind, title, title_en, points, max_points, validity_days,
		value_min, value_max, basis FROM credit_rule_items WHERE rule_set_id = ? ORDER BY position, id`, rs.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	rs.Items = []RuleItem{}
	for rows.Next() {
		var it RuleItem
		var lo, hi sql.NullFloat64
		if err := rows.Scan(&it.ID, &it.Code, &it.Kind, &it.FactKind, &it.Title, &it.TitleEn, &it.Points, &it.MaxPoints,
			&it.ValidityDays, &lo, &hi, &it.Basis); err != nil {
			return err
		}
		if lo.Valid {
			it.ValueMin = &lo.Float64
		}
		if hi.Valid {
			it.ValueMax = &hi.Float64
		}
		rs.Items = append(rs.Items, it)
	}
	return rows.Err()
}

// RuleSetByVersion returns a rule set with its items.
func (s *Service) RuleSetByVersion(ctx context.Context, version int) (RuleSet, error) {
	return s.ruleSet(ctx, s.DB, `version = ?`, version)
}

func (s *Service) ruleSet(ctx context.Context, q db.Querier, cond string, args ...any) (RuleSet, error) {
	rs, err := scanRuleSet(q.QueryRow(ctx, `SELECT `+ruleSetCols+` FROM credit_rule_sets WHERE `+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return RuleSet{}, db.ErrNotFound
	}
	if err != nil {
		return RuleSet{}, err
	}
	return rs, s.loadItems(ctx, q, &rs)
}

// RuleSets lists every rule set, newest version first (without items).
func (s *Service) RuleSets(ctx context.Context, published bool) ([]RuleSet, error) {
	where := "1 = 1"
	if published {
		where = "status = 'published'"
	}
	rows, err := s.DB.Query(ctx, `SELECT `+ruleSetCols+` FROM credit_rule_sets WHERE `+where+` ORDER BY version DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RuleSet
	for rows.Next() {
		rs, err := scanRuleSet(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rs)
	}
	return out, rows.Err()
}

// RulesInEffect is the published rule set in effect on d: the one with the
// latest effective date on or before d.
func (s *Service) RulesInEffect(ctx context.Context, q db.Querier, d workday.Date) (RuleSet, error) {
	return s.ruleSet(ctx, q, `status = 'published' AND effective_from <= ? ORDER BY effective_from DESC, version DESC LIMIT 1`, d.String())
}

func marshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// NewDraft starts a draft rule set: a copy of the latest rule set, or the
// default template when there is none.
func (s *Service) NewDraft(ctx context.Context) (RuleSet, error) {
	p := auth.FromContext(ctx)
	if err := rule(p, cmdEditRules, target{}); err != nil {
		return RuleSet{}, err
	}
	var out RuleSet
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM credit_rule_sets WHERE status = 'draft'`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return conflictf("已有一个草稿规则集，请先发布或修改它", "a draft rule set exists already; publish or edit it first")
		}
		rs := DefaultRules()
		latest, err := s.ruleSet(ctx, tx, `1 = 1 ORDER BY version DESC LIMIT 1`)
		switch {
		case err == nil:
			rs = latest
		case !errors.Is(err, db.ErrNotFound):
			return err
		}
		rs.Version = latest.Version + 1
		rs.EffectiveFrom = s.today().AddDays(1)
		var err2 error
		out, err2 = s.insertRuleSet(ctx, tx, rs)
		return err2
	})
	return out, err
}

// insertRuleSet writes rs as a new draft with its items.
func (s *Service) insertRuleSet(ctx context.Context, tx *db.Tx, rs RuleSet) (RuleSet, error) {
	rs.Status, rs.PublishedAt, rs.CreatedAt = stateDraft, nil, s.stamp()
	if rs.Version == 0 {
		rs.Version = 1
	}
	err := tx.QueryRow(ctx, `INSERT INTO credit_rule_sets (version, name, effective_from, status, base_score, max_bonus, max_score,
		default_validity_days, objection_workdays, grades, red_grades, black_grades, notes, created_at)
		VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		rs.Version, rs.Name, rs.EffectiveFrom.String(), rs.Base, rs.MaxBonus, rs.MaxScore, rs.DefaultValidityDays,
		rs.ObjectionWorkdays, marshal(rs.Grades), marshal(rs.RedGrades), marshal(rs.BlackGrades), rs.Notes, rs.CreatedAt).Scan(&rs.ID)
	if err != nil {
		return rs, err
	}
	for i := range rs.Items {
		if err := insertItem(ctx, tx, rs.ID, i, &rs.Items[i]); err != nil {
			return rs, err
		}
	}
	return rs, audit.Record(ctx, tx, audit.Entry{Action: "property.rules.draft", ObjectType: "credit_rule_set",
		ObjectID: fmt.Sprint(rs.Version), Detail: fmt.Sprintf("v%d, %d items", rs.Version, len(rs.Items))})
}

func insertItem(ctx context.Context, tx *db.Tx, setID int64, pos int, it *RuleItem) error {
	var lo, hi any
	if it.ValueMin != nil {
		lo = *it.ValueMin
	}
	if it.ValueMax != nil {
		hi = *it.ValueMax
	}
	return tx.QueryRow(ctx, `INSERT INTO credit_rule_items (rule_set_id, position, code, kind, fact_kind, title, title_en,
		points, max_points, validity_days, value_min, value_max, basis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		setID, pos, it.Code, it.Kind, it.FactKind, it.Title, it.TitleEn, it.Points, it.MaxPoints, it.ValidityDays, lo, hi,
		it.Basis).Scan(&it.ID)
}

// draftForEdit loads a draft for editing by p, refusing a published set.
func (s *Service) draftForEdit(ctx context.Context, tx *db.Tx, p *auth.Principal, version int) (RuleSet, error) {
	rs, err := s.ruleSet(ctx, tx, `version = ?`, version)
	if err != nil {
		return rs, err
	}
	if err := rule(p, cmdEditRules, target{}); err != nil {
		return rs, err
	}
	if rs.Status != stateDraft {
		return rs, conflictf("第 %d 版规则已发布，不能修改；请新建草稿", "version %d is published and cannot change; start a new draft", version)
	}
	return rs, nil
}

// RuleSettings are the editable settings of a draft.
type RuleSettings struct {
	Name                string       `json:"name"`
	EffectiveFrom       workday.Date `json:"effective_from"`
	Base                float64      `json:"base_score"`
	MaxBonus            float64      `json:"max_bonus"`
	MaxScore            float64      `json:"max_score"`
	DefaultValidityDays int          `json:"default_validity_days"`
	ObjectionWorkdays   int          `json:"objection_workdays"`
	Grades              []Grade      `json:"grades"`
	RedGrades           []string     `json:"red_grades"`
	BlackGrades         []string     `json:"black_grades"`
	Notes               string       `json:"notes"`
}

// SaveSettings changes a draft's settings.
func (s *Service) SaveSettings(ctx context.Context, version int, st RuleSettings) (RuleSet, error) {
	p := auth.FromContext(ctx)
	var out RuleSet
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		rs, err := s.draftForEdit(ctx, tx, p, version)
		if err != nil {
			return err
		}
		rs.Name, rs.EffectiveFrom, rs.Base, rs.MaxBonus, rs.MaxScore = strings.TrimSpace(st.Name), st.EffectiveFrom, st.Base, st.MaxBonus, st.MaxScore
		rs.DefaultValidityDays, rs.ObjectionWorkdays, rs.Notes = st.DefaultValidityDays, st.ObjectionWorkdays, strings.TrimSpace(st.Notes)
		rs.Grades, rs.RedGrades, rs.BlackGrades = st.Grades, st.RedGrades, st.BlackGrades
		sort.SliceStable(rs.Grades, func(i, j int) bool { return rs.Grades[i].Min > rs.Grades[j].Min })
		if err := rs.validate(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE credit_rule_sets SET name = ?, effective_from = ?, base_score = ?, max_bonus = ?, max_score = ?,
			default_validity_days = ?, objection_workdays = ?, grades = ?, red_grades = ?, black_grades = ?, notes = ?
			WHERE id = ? AND status = 'draft'`, rs.Name, rs.EffectiveFrom.String(), rs.Base, rs.MaxBonus, rs.MaxScore,
			rs.DefaultValidityDays, rs.ObjectionWorkdays, marshal(rs.Grades), marshal(rs.RedGrades), marshal(rs.BlackGrades),
			rs.Notes, rs.ID)
		if err != nil {
			return err
		}
		out = rs
		return audit.Record(ctx, tx, audit.Entry{Action: "property.rules.settings", ObjectType: "credit_rule_set",
			ObjectID: fmt.Sprint(version), Detail: fmt.Sprintf("base %.1f, bonus cap %.1f, grades %s", rs.Base, rs.MaxBonus, marshal(rs.Grades))})
	})
	return out, err
}

// SaveItem adds an item to a draft, or replaces the item with the same code.
func (s *Service) SaveItem(ctx context.Context, version int, it RuleItem) (RuleSet, error) {
	p := auth.FromContext(ctx)
	if err := it.validate(); err != nil {
		return RuleSet{}, err
	}
	var out RuleSet
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		rs, err := s.draftForEdit(ctx, tx, p, version)
		if err != nil {
			return err
		}
		pos := len(rs.Items)
		for i, x := range rs.Items {
			if x.Code == it.Code {
				pos = i
				if _, err := tx.Exec(ctx, `DELETE FROM credit_rule_items WHERE id = ?`, x.ID); err != nil {
					return err
				}
			}
		}
		if err := insertItem(ctx, tx, rs.ID, pos, &it); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: "property.rules.item", ObjectType: "credit_rule_set",
			ObjectID: fmt.Sprint(version), Detail: fmt.Sprintf("%s %s %s %.1f", it.Code, it.Kind, it.FactKind, it.Points)}); err != nil {
			return err
		}
		out, err = s.ruleSet(ctx, tx, `id = ?`, rs.ID)
		return err
	})
	return out, err
}

// RemoveItem removes an item from a draft.
func (s *Service) RemoveItem(ctx context.Context, version int, code string) error {
	p := auth.FromContext(ctx)
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
		rs, err := s.draftForEdit(ctx, tx, p, version)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM credit_rule_items WHERE rule_set_id = ? AND code = ?`, rs.ID, code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.ErrNotFound
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "property.rules.item_remove", ObjectType: "credit_rule_set",
			ObjectID: fmt.Sprint(version), Detail: code})
	})
}

// Publish makes a draft the published, immutable rule set of its version.
// Its effective date may not lie before a period already scored.
func (s *Service) Publish(ctx context.Context, version int) (RuleSet, error) {
	p := auth.FromContext(ctx)
	var out RuleSet
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		rs, err := s.ruleSet(ctx, tx, `version = ?`, version)
		if err != nil {
			return err
		}
		if err := rule(p, cmdPublishRules, target{State: rs.Status}); err != nil {
			return err
		}
		if err := rs.validate(); err != nil {
			return err
		}
		if len(rs.Items) == 0 {
			return ferr("items", "required", "规则集没有任何条目", "the rule set has no items")
		}
		var scored sql.NullString
		if err := tx.QueryRow(ctx, `SELECT MAX(period_end) FROM credit_runs WHERE status = 'published'`).Scan(&scored); err != nil {
			return err
		}
		if scored.Valid && rs.EffectiveFrom.String() <= scored.String {
			return ferr("effective_from", "too_early", "生效日期须晚于已发布评价期的最后一天（"+scored.String+"）",
				"the effective date must follow the last day of a published period ("+scored.String+")")
		}
		now := s.stamp()
		if _, err := tx.Exec(ctx, `UPDATE credit_rule_sets SET status = 'published', published_at = ?, published_by = ? WHERE id = ?`,
			now, nullID(p.UserID), rs.ID); err != nil {
			return err
		}
		rs.Status, rs.PublishedAt = statePublished, &now
		out = rs
		return audit.Record(ctx, tx, audit.Entry{Action: "property.rules.publish", ObjectType: "credit_rule_set",
			ObjectID: fmt.Sprint(version), Detail: fmt.Sprintf("v%d effective %s, %d items", version, rs.EffectiveFrom, len(rs.Items))})
	})
	return out, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
