package property

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

func (s *Service) creditRoutes() []web.Route {
	factQuery := []web.Param{{Name: "company", Type: "integer"}, {Name: "kind"},
		{Name: "state", Description: "recorded, verified, disputed or voided"}, {Name: "page", Type: "integer"}, {Name: "size", Type: "integer"}}
	return []web.Route{
		{Pattern: "GET /property/credit", Access: viewGate, Handler: s.creditPage},
		{Pattern: "POST /property/credit/rules", Access: editGate, Handler: s.newDraftPost},
		{Pattern: "GET /property/rules/{version}", Access: web.Public, Handler: s.rulesPage},
		{Pattern: "POST /property/rules/{version}/settings", Access: editGate, Handler: s.rulesSettingsPost},
		{Pattern: "POST /property/rules/{version}/items", Access: editGate, Handler: s.rulesItemPost},
		{Pattern: "POST /property/rules/{version}/items/remove", Access: editGate, Handler: s.rulesItemRemove},
		{Pattern: "POST /property/rules/{version}/publish", Access: editGate, Handler: s.rulesPublish},
		{Pattern: "POST /property/credit/runs", Access: editGate, Handler: s.runPost},
		{Pattern: "GET /property/credit/runs/{period}", Access: viewGate, Handler: s.runPage},
		{Pattern: "GET /property/credit/runs/{period}/results.xlsx", Access: exportGate, Handler: s.runExport},
		{Pattern: "POST /property/credit/runs/{period}/publish", Access: editGate, Handler: s.runPublish},
		{Pattern: "GET /property/credit/facts", Access: viewGate, Handler: s.factsPage},
		{Pattern: "GET /property/credit/facts.xlsx", Access: exportGate, Handler: s.factsExport},
		{Pattern: "POST /property/credit/facts", Access: editGate, Handler: s.factPost},
		{Pattern: "POST /property/credit/facts/{id}/verify", Access: handleGate, Resource: "property_fact", Handler: s.factVerify},

		{Pattern: "GET /api/v1/property/credit/rules", Access: web.Public, Handler: s.apiRules, Doc: &web.APIDoc{
			Summary: "The published scoring rule sets, newest first, with their items (public)", Tag: "property",
			Response: []RuleSet{}}},
		{Pattern: "GET /api/v1/property/credit/facts", Access: viewGate, Handler: s.apiFacts, Doc: &web.APIDoc{
			Summary: "Credit facts recorded in the caller's jurisdiction", Tag: "property", Query: factQuery,
			Response: web.ListResponse[Fact]{}}},
		{Pattern: "POST /api/v1/property/credit/facts", Access: editGate, Handler: s.apiAddFact, Doc: &web.APIDoc{
			Summary:     "Record a fact about a company (verified later by another person)",
			Description: "Feeding the same source_type, source_id and kind again returns the fact already recorded.",
			Tag:         "property", Request: FactInput{}, Response: Fact{}, Status: http.StatusCreated, Errors: []int{422}}},
		{Pattern: "POST /api/v1/property/credit/facts/{id}/verify", Access: handleGate, Resource: "property_fact", Handler: s.apiVerifyFact,
			Doc: &web.APIDoc{Summary: "Verify a recorded fact (not by the person who recorded it)", Tag: "property",
				Response: Fact{}, Errors: []int{409}}},
	}
}

type creditData struct {
	Rules      []RuleSet
	Runs       []Run
	CanRun     bool
	HasDraft   bool
	Period     string
	Objections int
	Overdue    int
}

// lastQuarter is the last quarter that is over on d.
func lastQuarter(d workday.Date) string {
	q := (int(d.Month())-1)/3 + 1
	y := d.Year()
	q--
	if q == 0 {
		q, y = 4, y-1
	}
	return fmt.Sprintf("%dQ%d", y, q)
}

func (s *Service) showCredit(w http.ResponseWriter, r *http.Request, status int, period string, errs map[string]string) {
	ctx := r.Context()
	rules, err := s.RuleSets(ctx, false)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	runs, err := s.Runs(ctx, false)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	d := creditData{Rules: rules, Runs: runs, CanRun: rule(principal(r), cmdRunScoring, target{}) == nil, Period: period}
	for _, rs := range rules {
		d.HasDraft = d.HasDraft || rs.Status == stateDraft
	}
	if d.Period == "" {
		d.Period = lastQuarter(s.today())
	}
	d.Objections, d.Overdue, _ = s.openObjections(ctx, principal(r))
	render(w, r, status, "credit", "property.credit.title", d, errs)
}

func (s *Service) creditPage(w http.ResponseWriter, r *http.Request) {
	s.showCredit(w, r, http.StatusOK, "", nil)
}

func (s *Service) newDraftPost(w http.ResponseWriter, r *http.Request) {
	rs, err := s.NewDraft(r.Context())
	if err != nil {
		if isForbidden(err) || isConflict(err) {
			s.showCredit(w, r, http.StatusConflict, "", map[string]string{"rules": message(web.LangOf(r), err)})
			return
		}
		pageFail(w, r, err)
		return
	}
	redirect(w, r, fmt.Sprintf("/property/rules/%d", rs.Version), web.T(web.LangOf(r), "common.saved"))
}

type rulesData struct {
	RuleSet
	SettingKeys []string
	CanEdit     bool
	Form        url.Values
	ItemForm    url.Values
	Kinds       []string
	FactKinds   []struct{ Kind, Zh, En string }
}

func versionOf(r *http.Request) int {
	v, _ := strconv.Atoi(strings.TrimPrefix(r.PathValue("version"), "v"))
	return v
}

// visibleRules returns a rule set: published ones to anyone, drafts to staff.
func (s *Service) visibleRules(r *http.Request) (RuleSet, error) {
	rs, err := s.RuleSetByVersion(r.Context(), versionOf(r))
	if err != nil {
		return rs, err
	}
	if rs.Status != statePublished && !auth.Can(principal(r), auth.ActViewRecords) {
		return RuleSet{}, errNotFound
	}
	return rs, nil
}

func settingsForm(rs RuleSet) url.Values {
	var grades []string
	for _, g := range rs.Grades {
		grades = append(grades, fmt.Sprintf("%s:%g", g.Grade, g.Min))
	}
	return url.Values{"name": {rs.Name}, "effective_from": {rs.EffectiveFrom.String()}, "base_score": {fmt.Sprint(rs.Base)},
		"max_bonus": {fmt.Sprint(rs.MaxBonus)}, "max_score": {fmt.Sprint(rs.MaxScore)},
		"default_validity_days": {strconv.Itoa(rs.DefaultValidityDays)}, "objection_workdays": {strconv.Itoa(rs.ObjectionWorkdays)},
		"grades": {strings.Join(grades, " ")}, "red_grades": {strings.Join(rs.RedGrades, " ")},
		"black_grades": {strings.Join(rs.BlackGrades, " ")}, "notes": {rs.Notes}}
}

func (s *Service) showRules(w http.ResponseWriter, r *http.Request, status int, rs RuleSet, form, itemForm url.Values, errs map[string]string) {
	d := rulesData{RuleSet: rs, Form: form, SettingKeys: []string{"name", "effective_from", "base_score", "max_bonus", "max_score",
		"default_validity_days", "objection_workdays", "grades", "red_grades", "black_grades"}, ItemForm: itemForm, Kinds: itemKinds, FactKinds: FactKinds,
		CanEdit: rs.Status == stateDraft && rule(principal(r), cmdEditRules, target{}) == nil}
	if d.Form == nil {
		d.Form = settingsForm(rs)
	}
	if d.ItemForm == nil {
		d.ItemForm = url.Values{"kind": {kindDeduction}}
	}
	v := web.NewView(r, "property", d)
	v.Title = fmt.Sprintf("%s · v%d", rs.Name, rs.Version)
	if errs == nil {
		errs = map[string]string{}
	}
	v.Errors = errs
	pages.Render(w, r, status, "rules", v)
}

func (s *Service) rulesPage(w http.ResponseWriter, r *http.Request) {
	rs, err := s.visibleRules(r)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	s.showRules(w, r, http.StatusOK, rs, nil, nil, nil)
}

// parseSettings reads the settings form: grades as "AAA:85 AA:80 …".
func parseSettings(f url.Values) (RuleSettings, fieldErrors) {
	var fe fieldErrors
	num := func(field string) float64 {
		v, err := strconv.ParseFloat(strings.TrimSpace(f.Get(field)), 64)
		if err != nil {
			fe = append(fe, ferr(field, "invalid", "应为数字", "must be a number"))
		}
		return v
	}
	st := RuleSettings{Name: f.Get("name"), Base: num("base_score"), MaxBonus: num("max_bonus"), MaxScore: num("max_score"),
		DefaultValidityDays: int(num("default_validity_days")), ObjectionWorkdays: int(num("objection_workdays")), Notes: f.Get("notes"),
		RedGrades: strings.Fields(f.Get("red_grades")), BlackGrades: strings.Fields(f.Get("black_grades"))}
	d, e := parseDateField("effective_from", f.Get("effective_from"))
	if e != nil {
		fe = append(fe, e)
	}
	st.EffectiveFrom = d
	for _, g := range strings.Fields(strings.ReplaceAll(f.Get("grades"), "，", " ")) {
		name, min, ok := strings.Cut(g, ":")
		v, err := strconv.ParseFloat(min, 64)
		if !ok || err != nil || name == "" {
			fe = append(fe, ferr("grades", "invalid", "等级写作“AAA:85 AA:80 …”", "write grades as \"AAA:85 AA:80 …\""))
			break
		}
		st.Grades = append(st.Grades, Grade{Grade: name, Min: v})
	}
	return st, fe
}

func (s *Service) rulesSettingsPost(w http.ResponseWriter, r *http.Request) {
	rs, err := s.visibleRules(r)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	st, fe := parseSettings(r.PostForm)
	if len(fe) == 0 {
		_, err = s.SaveSettings(r.Context(), rs.Version, st)
	} else {
		err = fe
	}
	if err != nil {
		s.rulesFail(w, r, rs, r.PostForm, nil, err)
		return
	}
	redirect(w, r, fmt.Sprintf("/property/rules/%d", rs.Version), web.T(web.LangOf(r), "common.saved"))
}

func (s *Service) rulesFail(w http.ResponseWriter, r *http.Request, rs RuleSet, form, itemForm url.Values, err error) {
	l := web.LangOf(r)
	errs, ok := formErrors(l, err)
	if !ok {
		if !isForbidden(err) && !isConflict(err) {
			pageFail(w, r, err)
			return
		}
		errs = map[string]string{"_": message(l, err)}
	}
	if itemForm != nil {
		for k, v := range errs {
			errs["item_"+k] = v
		}
	}
	s.showRules(w, r, http.StatusUnprocessableEntity, rs, form, itemForm, errs)
}

func (s *Service) rulesItemPost(w http.ResponseWriter, r *http.Request) {
	rs, err := s.visibleRules(r)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	f := r.PostForm
	var fe fieldErrors
	optNum := func(field string) *float64 {
		v := strings.TrimSpace(f.Get(field))
		if v == "" {
			return nil
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			fe = append(fe, ferr(field, "invalid", "应为数字", "must be a number"))
			return nil
		}
		return &x
	}
	num := func(field string) float64 {
		if p := optNum(field); p != nil {
			return *p
		}
		return 0
	}
	it := RuleItem{Code: f.Get("code"), Kind: f.Get("kind"), FactKind: f.Get("fact_kind"), Title: f.Get("title"),
		TitleEn: f.Get("title_en"), Points: num("points"), MaxPoints: num("max_points"), ValidityDays: int(num("validity_days")),
		ValueMin: optNum("value_min"), ValueMax: optNum("value_max"), Basis: f.Get("basis")}
	if len(fe) == 0 {
		_, err = s.SaveItem(r.Context(), rs.Version, it)
	} else {
		err = fe
	}
	if err != nil {
		s.rulesFail(w, r, rs, nil, f, err)
		return
	}
	redirect(w, r, fmt.Sprintf("/property/rules/%d#items", rs.Version), web.T(web.LangOf(r), "common.saved"))
}

func (s *Service) rulesItemRemove(w http.ResponseWriter, r *http.Request) {
	rs, err := s.visibleRules(r)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	if err := s.RemoveItem(r.Context(), rs.Version, r.PostForm.Get("code")); err != nil {
		s.rulesFail(w, r, rs, nil, nil, err)
		return
	}
	redirect(w, r, fmt.Sprintf("/property/rules/%d#items", rs.Version), web.T(web.LangOf(r), "common.saved"))
}

func (s *Service) rulesPublish(w http.ResponseWriter, r *http.Request) {
	rs, err := s.visibleRules(r)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if _, err := s.Publish(r.Context(), rs.Version); err != nil {
		s.rulesFail(w, r, rs, nil, nil, err)
		return
	}
	redirect(w, r, fmt.Sprintf("/property/rules/%d", rs.Version), web.T(web.LangOf(r), "property.rules.published_flash"))
}

func (s *Service) runPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	period := r.PostForm.Get("period")
	run, err := s.RunScoring(r.Context(), period)
	if err != nil {
		l := web.LangOf(r)
		errs, ok := formErrors(l, err)
		if !ok {
			if !isForbidden(err) && !isConflict(err) {
				pageFail(w, r, err)
				return
			}
			errs = map[string]string{"_": message(l, err)}
		}
		s.showCredit(w, r, http.StatusUnprocessableEntity, period, errs)
		return
	}
	redirect(w, r, "/property/credit/runs/"+run.Period, web.T(web.LangOf(r), "property.runs.computed", run.Companies, run.Facts))
}

type runData struct {
	Run                Run
	Filter             ResultFilter
	Rows               []CompanyResult
	Page, Pages, Total int
	CanPublish         bool
	ExportURL          string
}

func (s *Service) runPage(w http.ResponseWriter, r *http.Request) {
	run, err := s.RunOf(r.Context(), principal(r), r.PathValue("period"))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	q := r.URL.Query()
	pg := web.PagingOf(r)
	f := ResultFilter{List: q.Get("list"), Grade: q.Get("grade"), Q: q.Get("q"), Limit: pg.Size, Offset: pg.Offset()}
	rows, total, err := s.Results(r.Context(), run, f, false)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	v := web.NewView(r, "property", runData{Run: run, Filter: f, Rows: rows, Page: pg.Page, Pages: pg.Pages(total), Total: total,
		CanPublish: run.Status == stateDraft && rule(principal(r), cmdPublishRun, target{}) == nil,
		ExportURL:  exportQuery("/property/credit/runs/"+run.Period+"/results.xlsx", q)})
	v.Title = v.T("property.runs.title", run.Period)
	v.Errors = map[string]string{}
	pages.Render(w, r, http.StatusOK, "run", v)
}

var resultCols = []sheetCol{
	{"rank", "名次", "Rank", 6, false}, {"name", "企业名称", "Company", 30, false},
	{"credit_code", "统一社会信用代码", "Credit code", 22, false}, {"score", "得分", "Score", 8, false},
	{"grade", "等级", "Grade", 8, false}, {"list", "红黑榜", "List", 8, false}, {"veto", "一票否决", "Veto", 8, false},
	{"items", "加减分明细", "Items", 60, false},
}

func (s *Service) runExport(w http.ResponseWriter, r *http.Request) {
	run, err := s.RunOf(r.Context(), principal(r), r.PathValue("period"))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	l := web.LangOf(r)
	q := r.URL.Query()
	rows, _, err := s.Results(r.Context(), run, ResultFilter{List: q.Get("list"), Grade: q.Get("grade"), Q: q.Get("q"), Limit: maxExportRows}, true)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	out := make([][]any, len(rows))
	for i, c := range rows {
		var items []string
		for _, ln := range c.Explanation.Lines {
			items = append(items, fmt.Sprintf("%s %s ×%d %+g", ln.Code, pick(l, ln.Title, ln.TitleEn), ln.Count, ln.Points))
		}
		list := ""
		switch c.List {
		case listRed:
			list = pick(l, "红榜", "red")
		case listBlack:
			list = pick(l, "黑榜", "black")
		}
		out[i] = []any{i + 1, c.Name, c.CreditCode, c.Score, c.Grade, list, boolCell(l, c.Vetoed), strings.Join(items, "；")}
	}
	var buf bytes.Buffer
	if err := writeSheet(&buf, run.Period, resultCols, l, out); err != nil {
		pageFail(w, r, err)
		return
	}
	sendXLSX(w, w.Header(), "credit-"+run.Period+".xlsx", &buf)
}

func (s *Service) runPublish(w http.ResponseWriter, r *http.Request) {
	run, err := s.PublishRun(r.Context(), r.PathValue("period"))
	if err != nil {
		if isForbidden(err) || isConflict(err) || web.IsNotFound(err) {
			if web.IsNotFound(err) {
				pageFail(w, r, err)
				return
			}
			redirect(w, r, "/property/credit/runs/"+normPeriod(r.PathValue("period")), message(web.LangOf(r), err))
			return
		}
		pageFail(w, r, err)
		return
	}
	redirect(w, r, "/property/credit/runs/"+run.Period, web.T(web.LangOf(r), "property.runs.published_flash"))
}

type factsData struct {
	Filter             FactFilter
	Rows               []Fact
	Page, Pages, Total int
	Form               url.Values
	Companies          []Company
	FactKinds          []struct{ Kind, Zh, En string }
	Sources            []string
	InputKeys          []string
	CanRecord          bool
}

func parseFactFilter(q url.Values) FactFilter {
	return FactFilter{CompanyID: formInt(q.Get("company")), Kind: q.Get("kind"), State: q.Get("state")}
}

func (s *Service) showFacts(w http.ResponseWriter, r *http.Request, status int, form url.Values, errs map[string]string) {
	ctx := r.Context()
	p := principal(r)
	f := parseFactFilter(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := s.Facts(ctx, p, f)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	cs, _, err := s.Companies(ctx, p, CompanyFilter{Limit: 1000})
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if form == nil {
		form = url.Values{"occurred_on": {s.today().String()}}
	}
	render(w, r, status, "facts", "property.facts.title", factsData{Filter: f, Rows: rows, Page: pg.Page, Pages: pg.Pages(total),
		Total: total, Form: form, Companies: cs, FactKinds: FactKinds, Sources: SourceTypes,
		InputKeys: []string{"source_id", "value", "occurred_on", "valid_from", "valid_until", "compound_id", "note"},
		CanRecord: auth.Can(p, auth.ActEditRecords)}, errs)
}

func (s *Service) factsPage(w http.ResponseWriter, r *http.Request) {
	s.showFacts(w, r, http.StatusOK, nil, nil)
}

func factInputOf(f url.Values) (FactInput, *fieldError) {
	in := FactInput{CompanyID: formInt(f.Get("company_id")), CompoundID: formInt(f.Get("compound_id")), SourceType: f.Get("source_type"),
		SourceID: f.Get("source_id"), Kind: f.Get("kind"), OccurredOn: f.Get("occurred_on"), ValidFrom: f.Get("valid_from"),
		ValidUntil: f.Get("valid_until"), Note: f.Get("note")}
	if v := strings.TrimSpace(f.Get("value")); v != "" {
		x, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
		if err != nil {
			return in, ferr("value", "invalid", "应为数字", "must be a number")
		}
		in.Value = &x
	}
	return in, nil
}

func (s *Service) factPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	in, bad := factInputOf(r.PostForm)
	var err error
	if bad != nil {
		err = bad
	} else {
		_, err = s.AddFact(r.Context(), in)
	}
	if err != nil {
		l := web.LangOf(r)
		errs, ok := formErrors(l, err)
		if !ok {
			if !isForbidden(err) {
				pageFail(w, r, err)
				return
			}
			errs = map[string]string{"_": message(l, err)}
		}
		s.showFacts(w, r, http.StatusUnprocessableEntity, r.PostForm, errs)
		return
	}
	redirect(w, r, "/property/credit/facts?state=recorded", web.T(web.LangOf(r), "property.facts.recorded"))
}

func (s *Service) factVerify(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	if _, err := s.Fact(r.Context(), principal(r), id); err != nil {
		pageFail(w, r, err)
		return
	}
	if _, err := s.VerifyFact(r.Context(), id); err != nil {
		if isForbidden(err) || isConflict(err) {
			redirect(w, r, "/property/credit/facts?state=recorded", message(web.LangOf(r), err))
			return
		}
		pageFail(w, r, err)
		return
	}
	redirect(w, r, "/property/credit/facts?state=recorded", web.T(web.LangOf(r), "property.facts.verified_flash"))
}

func (s *Service) apiRules(w http.ResponseWriter, r *http.Request) {
	sets, err := s.RuleSets(r.Context(), true)
	if err != nil {
		fail(w, r, err)
		return
	}
	out := []RuleSet{}
	for _, rs := range sets {
		full, err := s.RuleSetByVersion(r.Context(), rs.Version)
		if err != nil {
			fail(w, r, err)
			return
		}
		out = append(out, full)
	}
	web.WriteJSON(w, http.StatusOK, out)
}

func (s *Service) apiFacts(w http.ResponseWriter, r *http.Request) {
	f := parseFactFilter(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := s.Facts(r.Context(), principal(r), f)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteList(w, pg, rows, total)
}

func (s *Service) apiAddFact(w http.ResponseWriter, r *http.Request) {
	var in FactInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	f, err := s.AddFact(r.Context(), in)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, f)
}

func (s *Service) apiVerifyFact(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	if _, err := s.Fact(r.Context(), principal(r), id); err != nil {
		fail(w, r, err)
		return
	}
	f, err := s.VerifyFact(r.Context(), id)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, f)
}

var factCols = []sheetCol{
	{"id", "编号", "ID", 8, false}, {"company", "物业企业", "Company", 28, false}, {"compound", "小区", "Compound", 18, false},
	{"kind", "事实类型", "Kind", 18, false}, {"value", "数值", "Value", 8, false}, {"source", "来源", "Source", 10, false},
	{"source_id", "来源编号", "Source id", 18, false}, {"occurred_on", "发生日期", "Occurred on", 12, false},
	{"valid_from", "有效期起", "Valid from", 12, false}, {"valid_until", "有效期止", "Valid until", 12, false},
	{"state", "状态", "State", 10, false}, {"note", "备注", "Note", 30, false},
}

// factsExport writes the filtered fact ledger.
func (s *Service) factsExport(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	f := parseFactFilter(r.URL.Query())
	f.Limit = maxExportRows
	rows, _, err := s.Facts(r.Context(), principal(r), f)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	out := make([][]any, len(rows))
	for i, fa := range rows {
		value := any("")
		if fa.Value != nil {
			value = *fa.Value
		}
		state := web.T(l, "property.fact."+fa.State())
		if fa.Disputed {
			state += " / " + web.T(l, "property.fact.disputed")
		}
		out[i] = []any{fa.ID, fa.CompanyName, fa.CompoundName, web.T(l, "property.factkind."+fa.Kind), value,
			web.T(l, "property.source."+fa.SourceType), fa.SourceID, fa.OccurredOn.String(), fa.ValidFrom.String(),
			dateText(fa.ValidUntil), state, fa.Note}
	}
	var buf bytes.Buffer
	if err := writeSheet(&buf, pick(l, "信用事实", "Credit facts"), factCols, l, out); err != nil {
		pageFail(w, r, err)
		return
	}
	if err := s.auditExport(r, "property.fact.export", "credit_fact", len(out)); err != nil {
		pageFail(w, r, err)
		return
	}
	sendXLSX(w, w.Header(), "credit-facts.xlsx", &buf)
}
