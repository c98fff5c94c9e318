package property

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"anju/internal/demo"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// The demo step: the regulations library and checklist, property companies
// (the demo's company accounts linked to theirs), every compound's registry
// record with the gaps real cities have (old estates without a company,
// committees whose term ran out, contracts that lapsed), published scoring
// rules, a quarter of verified facts, its scores and published red/black
// list, and a few objections.
//
// Every random choice comes from the step's own stream, lists are slices,
// and the module's clock is fixed at demoNow, so the same seed and scale give
// the same data.

// demoPeriod is the quarter the demo scores; demoNow the module's clock
// while generating (shortly after the quarter, when lists are published).
const demoPeriod = "2026Q3"

var demoNow = time.Date(2026, 10, 16, 2, 0, 0, 0, time.UTC) // 10:00 in the city

var (
	demoWordsA = []string{"安澜", "锦程", "安泰", "恒信", "嘉禾", "宏远", "德邻", "佳境", "润泽", "和顺", "万安", "绿城", "碧水",
		"金盾", "银河", "明珠", "华庭", "东湖", "西岭", "南浦", "北塘", "云溪", "天恒", "瑞祥", "康居", "乐家", "悦居", "颐和",
		"同心", "长青", "众诚", "永泰", "新城", "盛和", "凯达", "汇邦", "信达", "丰源", "卓越", "宜居"}
	demoWordsB   = []string{"物业服务有限公司", "物业管理有限公司", "物业服务集团有限公司", "城市服务有限公司", "物业发展有限公司"}
	demoSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗"}
	demoGiven    = []string{"伟", "芳", "敏", "静", "丽", "强", "磊", "洋", "勇", "军", "杰", "涛", "明", "霞", "平", "建华", "志强", "海燕", "晓东", "秀英", "国庆", "丽萍"}
	demoScopes   = []string{"保洁、秩序维护、绿化养护、共用部位和共用设施设备维修养护", "保洁、秩序维护、绿化养护",
		"保洁、秩序维护、绿化养护、电梯和二次供水设施运行维护、停车管理", "保洁、门岗值守（基础服务）"}
)

func demoPick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

func demoName(r *rand.Rand) string { return demoPick(r, demoSurnames) + demoPick(r, demoGiven) }

// demoCreditCode makes a code that passes GB 32100-2015: 91 (a company),
// the administrative division, an organisation code, the check character.
func demoCreditCode(r *rand.Rand, used map[string]bool) string {
	for {
		b := []byte("913301" + fmt.Sprintf("%02d", 2+r.IntN(10)))
		for range 9 {
			b = append(b, creditChars[r.IntN(len(creditChars))])
		}
		c, _ := CreditCheckChar(string(b))
		code := string(append(b, c))
		if !used[code] {
			used[code] = true
			return code
		}
	}
}

// DemoStep is the module's demo step.
func DemoStep(ctx context.Context, env *demo.Env, r *rand.Rand) error {
	if env.City == nil {
		return fmt.Errorf("property demo: no city")
	}
	s := &Service{DB: env.DB, Org: env.Org, Calendar: workday.New(workday.Builtin()...), Now: func() time.Time { return demoNow }}
	ctx = auth.WithPrincipal(ctx, auth.System("demo"))
	g := &demoGen{s: s, env: env, r: r, codes: map[string]bool{}}
	steps := []struct {
		label string
		run   func(context.Context) error
	}{
		{"法规库 regulations", g.regulations},
		{"物业企业 companies", g.companies},
		{"小区物业登记 compound records", g.compounds},
		{"排查整治与四位一体 campaigns and council", g.campaigns},
		{"信用评价 credit scores", g.credit},
	}
	bar := env.Bar("物业 property", len(steps))
	for _, st := range steps {
		if err := st.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", st.label, err)
		}
		bar.Add(1)
	}
	bar.Finish()
	env.Count("物业企业 property companies", len(g.companies_))
	env.Count("小区物业登记 compound records", g.registered)
	env.Count("信用事实 credit facts", g.facts)
	return nil
}

type demoCompany struct {
	id       int64
	name     string
	code     string
	district int // index into City.Districts
	path     string
	party    bool
	tier     int   // 0 excellent, 1 good, 2 ordinary, 3 poor, 4 failing: drives its facts
	served   []int // indices into City.Compounds
}

type demoGen struct {
	s          *Service
	env        *demo.Env
	r          *rand.Rand
	codes      map[string]bool
	companies_ []demoCompany
	registered int
	facts      int
}

// regulations writes the library: national rules and the city's measures,
// with their versions, and the checklist citing them.
func (g *demoGen) regulations(ctx context.Context) error {
	root := g.env.City.Root.ID
	docs := []struct {
		in       RegulationInput
		versions []VersionInput
	}{
		{RegulationInput{Code: "GWY-WYGL-TL", Title: "物业管理条例", Issuer: "国务院", DocNo: "国务院令第379号", Kind: "regulation",
			EffectiveFrom: "2003-09-01", Summary: "规范物业管理活动，维护业主和物业服务企业的合法权益。"},
			[]VersionInput{
				{EffectiveFrom: "2007-10-01", Summary: "第一次修订（国务院令第504号）：“物业管理企业”改称“物业服务企业”，完善业主大会决定事项。"},
				{EffectiveFrom: "2016-02-06", Summary: "第二次修订（国务院令第666号）。"},
				{EffectiveFrom: "2018-03-19", Summary: "第三次修订（国务院令第698号）：取消物业服务企业资质核定的有关规定。"},
			}},
		{RegulationInput{Code: "MFD-WYFWHT", Title: "中华人民共和国民法典（第三编第二十四章 物业服务合同）", Issuer: "全国人民代表大会",
			DocNo: "主席令第45号", Kind: "law", EffectiveFrom: "2021-01-01", Summary: "物业服务合同的订立、履行、续聘和解聘。"}, nil},
		{RegulationInput{Code: "JF-2009-274", Title: "业主大会和业主委员会指导规则", Issuer: "住房和城乡建设部", DocNo: "建房〔2009〕274号",
			Kind: "measure", EffectiveFrom: "2010-01-01", Summary: "业主大会的成立、业主委员会的选举、任期和职责。"}, nil},
		{RegulationInput{Code: "AL-WY-2024-01", Title: "安澜市关于强化住宅物业服务管理的若干措施", Issuer: "安澜市人民政府办公室",
			DocNo: "安政办〔2024〕12号", Kind: "measure", EffectiveFrom: "2024-03-01",
			Summary: "前端立制：推进物业服务全覆盖、业主委员会应建尽建、红色物业和四位一体协调机制。",
			Body:    "一、推进物业服务全覆盖。老旧小区无物业的，由街道、社区组织引入物业服务或实行业主自管。\n二、业主委员会应建尽建，每届任期不超过五年，党员比例逐步提高。\n三、推进红色物业，物业服务企业建立党组织。\n四、建立社区党组织领导下的社居委、业委会、物业企业四位一体协调机制。\n五、开展大排查、大整治、大提升，检查发现的问题限期整改。\n六、实行物业服务企业信用评价，定期发布红黑榜。"},
			[]VersionInput{{EffectiveFrom: "2025-07-01", Summary: "修订：信用评价结果与招投标、评优挂钩；整改逾期计入信用记录。",
				Body: "在第一版基础上增加：\n七、信用评价结果在物业项目招投标、评先评优中运用；黑榜企业不得参加评优。\n八、检查发现问题逾期未整改的，计入企业信用记录。"}}},
		{RegulationInput{Code: "AL-WY-2024-02", Title: "安澜市物业服务企业信用评价管理办法", Issuer: "安澜市住房和城乡建设局",
			DocNo: "安住建〔2024〕35号", Kind: "measure", EffectiveFrom: "2025-01-01",
			Summary: "信用信息的采集、核实、评分、等级和红黑榜发布，以及异议处理（20 个工作日内答复）。"}, nil},
	}
	for _, d := range docs {
		reg, err := g.s.CreateRegulation(ctx, root, d.in)
		if err != nil {
			return err
		}
		for _, v := range d.versions {
			if _, err := g.s.AddVersion(ctx, regID(ctx, g.s, reg.Code), v); err != nil {
				return err
			}
		}
	}
	items := []ChecklistInput{
		{"JC-HY-01", "contract", "物业服务内容、标准和收费项目在小区显著位置公示", "AL-WY-2024-01", "第一条"},
		{"JC-HY-02", "contract", "按合同约定提供保洁、秩序维护、绿化养护服务", "MFD-WYFWHT", "第九百四十二条"},
		{"JC-HY-03", "contract", "共用部位、共用设施设备维修养护记录完整", "GWY-WYGL-TL", "第三十五条"},
		{"JC-HY-04", "contract", "合同终止时按规定办理交接，不得擅自撤离", "MFD-WYFWHT", "第九百四十九条"},
		{"JC-YW-01", "committee", "业主委员会按期换届，任期不超过五年", "JF-2009-274", "第三十一条"},
		{"JC-YW-02", "committee", "公共收益收支情况每年向业主公布", "AL-WY-2024-01", "第二条"},
		{"JC-YW-03", "committee", "专项维修资金使用经业主表决并公示", "GWY-WYGL-TL", "第五十四条"},
		{"JC-LZ-01", "duty", "社区党组织牵头建立四位一体协调机制并定期召开联席会议", "AL-WY-2024-01", "第四条"},
		{"JC-LZ-02", "duty", "街道指导未成立业委会的小区筹备组建", "JF-2009-274", "第六条"},
	}
	for _, it := range items {
		if _, err := g.s.AddChecklistItem(ctx, it); err != nil {
			return err
		}
	}
	return nil
}

func regID(ctx context.Context, s *Service, code string) int64 {
	var id int64
	_ = s.DB.QueryRow(ctx, `SELECT id FROM property_regulations WHERE code = ?`, code).Scan(&id)
	return id
}

// companies files the companies: about one per ten compounds, at least 24,
// each with a district it is filed with, and the demo's company accounts
// linked to companies of their names.
func (g *demoGen) companies(ctx context.Context) error {
	c := g.env.City
	n := max(24, len(c.Compounds)/10)
	var names []string
	seen := map[string]bool{}
	for _, a := range g.env.Accounts {
		if a.Role == auth.Company && !seen[a.DisplayName] {
			seen[a.DisplayName] = true
			names = append(names, a.DisplayName)
		}
	}
	for len(names) < n {
		name := demoPick(g.r, demoWordsA) + demoPick(g.r, demoWordsB)
		for i := 2; seen[name]; i++ {
			name = demoPick(g.r, demoWordsA) + strconv.Itoa(i) + demoPick(g.r, demoWordsB)
			if i > 3 {
				name = fmt.Sprintf("%s%s%d%s", demoPick(g.r, demoWordsA), demoPick(g.r, demoWordsA), i, demoPick(g.r, demoWordsB))
			}
		}
		seen[name] = true
		names = append(names, name)
	}
	// Districts are weighted by their compounds.
	weights := make([]int, len(c.Districts))
	for _, cp := range c.Compounds {
		weights[districtOf(c, cp)]++
	}
	total := len(c.Compounds)
	quals := []string{"grade1", "grade2", "grade2", "grade3", "grade3", "none", "none", "none", "provisional"}
	// Tiers in fixed shares (10 % excellent, 25 % good, 45 % ordinary, 14 %
	// poor, 6 % failing), dealt at random; the demo accounts' companies are
	// good ones with something to object to.
	tiers := make([]int, len(names))
	for i := range tiers {
		x := (float64(i) + 0.5) / float64(len(tiers))
		switch {
		case x < 0.10:
			tiers[i] = 0
		case x < 0.35:
			tiers[i] = 1
		case x < 0.80:
			tiers[i] = 2
		case x < 0.94:
			tiers[i] = 3
		default:
			tiers[i] = 4
		}
	}
	g.r.Shuffle(len(tiers), func(i, j int) { tiers[i], tiers[j] = tiers[j], tiers[i] })
	for i := range min(2, len(tiers)) {
		for j := range tiers {
			if tiers[j] == 1 && j >= 2 {
				tiers[i], tiers[j] = tiers[j], tiers[i]
				break
			}
		}
	}
	err := g.s.DB.Tx(ctx, func(tx *db.Tx) error {
		p := auth.FromContext(ctx)
		for i, name := range names {
			k, x := 0, g.r.IntN(max(total, 1))
			for k < len(weights)-1 && x >= weights[k] {
				x -= weights[k]
				k++
			}
			d := c.Districts[k]
			in := CompanyInput{Name: name, CreditCode: demoCreditCode(g.r, g.codes), LegalRep: demoName(g.r),
				Address: fmt.Sprintf("%s%s路%d号", d.Name, demoPick(g.r, demoWordsA), 1+g.r.IntN(300)),
				Phone:   fmt.Sprintf("0571-8%07d", g.r.IntN(10000000)), Qualification: demoPick(g.r, quals),
				OrgUnitID: d.ID}
			tier := tiers[i]
			in.PartyOrg = g.r.Float64() < []float64{1, 0.7, 0.45, 0.25, 0.15}[tier]
			if err := in.clean(); err != nil {
				return err
			}
			co, err := g.s.createCompanyTx(ctx, tx, p, in, "import")
			if err != nil {
				return err
			}
			g.companies_ = append(g.companies_, demoCompany{id: co.ID, name: name, code: in.CreditCode, district: k, path: d.Path,
				party: in.PartyOrg, tier: tier})
		}
		for _, a := range g.env.Accounts {
			if a.Role != auth.Company {
				continue
			}
			for _, co := range g.companies_ {
				if co.name == a.DisplayName {
					if _, err := tx.Exec(ctx, `INSERT INTO property_company_users (user_id, company_id, created_at) VALUES (?, ?, ?)`,
						a.UserID, co.id, g.s.stamp()); err != nil {
						return err
					}
					break
				}
			}
		}
		return nil
	})
	return err
}

// districtOf is the index of the district or zone a compound lies in.
func districtOf(c *demo.City, cp demo.Node) int {
	id := segment(cp.Path, 1)
	for i, d := range c.Districts {
		if d.ID == id {
			return i
		}
	}
	return 0
}

// compounds writes every compound's record in multi-row INSERTs, with a
// history row each and one audit record for the whole load, as an import
// would (a statement per compound would take minutes at scale 170).
func (g *demoGen) compounds(ctx context.Context) error {
	c := g.env.City
	byDistrict := make([][]int, len(c.Districts)) // company indices per district
	for i, co := range g.companies_ {
		byDistrict[co.district] = append(byDistrict[co.district], i)
	}
	type member struct {
		unit  int64
		path  string
		name  string
		post  string
		party bool
	}
	var members []member
	const cols = 25
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	hrow := "(?, ?, 1, 'import', ?, ?, NULL, 'demo', ?)"
	now := g.s.stamp()
	return g.s.DB.Tx(ctx, func(tx *db.Tx) error {
		var args, hargs []any
		n := 0
		flush := func() error {
			if n == 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, `INSERT INTO property_compounds (org_unit_id, org_path, district_id, street_id, community_id,
				address, households, year_built,
				old_compound, service_type, company_id, company_active, company_party, contract_scope, fee_standard, contract_start,
				contract_end, committee_formed,
				committee_formed_on, committee_term_end, party_branch, council, council_since, version, updated_at) VALUES `+
				strings.TrimSuffix(strings.Repeat(row+", ", n), ", "), args...); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO property_history (object_type, object_id, version, action, org_path, changes,
				actor_id, actor_name, at) VALUES `+strings.TrimSuffix(strings.Repeat(hrow+", ", n), ", "), hargs...); err != nil {
				return err
			}
			args, hargs, n = args[:0], hargs[:0], 0
			return nil
		}
		for i, cp := range c.Compounds {
			r := g.r
			old := cp.Built < 2000
			households := len(cp.Buildings) * (24 + r.IntN(60))
			if !old {
				households = len(cp.Buildings) * (60 + r.IntN(120))
			}
			address := fmt.Sprintf("%s路%d号", demoPick(r, demoWordsA), 1+r.IntN(999))
			// Property service: almost all newer estates have a company; old
			// ones often have none, or their owners manage themselves.
			service := serviceCompany
			switch x := r.Float64(); {
			case old && x < 0.22:
				service = serviceNone
			case old && x < 0.40:
				service = serviceSelf
			case !old && x < 0.04:
				service = serviceNone
			}
			var company any
			active, party := 0, 0
			var start, end, scope, fee any = nil, nil, "", ""
			if service == serviceCompany {
				k := districtOf(c, cp)
				var ci int
				if list := byDistrict[k]; len(list) > 0 && r.Float64() < 0.85 {
					ci = list[r.IntN(len(list))]
				} else {
					ci = r.IntN(len(g.companies_))
				}
				company, active, party = g.companies_[ci].id, 1, boolInt(g.companies_[ci].party)
				g.companies_[ci].served = append(g.companies_[ci].served, i)
				// Most contracts are in their current term (renewed as they
				// ran out); about one in nine ran out this year unrenewed.
				years := []int{2, 3, 3, 5}[r.IntN(4)]
				today := workday.DateOf(demoNow, nil)
				s := today.AddDays(-r.IntN(365 * years))
				if r.Float64() < 0.11 {
					s = today.AddDays(-365*years - 1 - r.IntN(300))
				}
				s = workday.NewDate(s.Year(), s.Month(), 1)
				e := workday.NewDate(s.Year()+years, s.Month(), 0)
				start, end = s.String(), e.String()
				scope = demoPick(r, demoScopes)
				if old {
					fee = fmt.Sprintf("%.2f 元/㎡·月", 0.35+0.05*float64(r.IntN(10)))
				} else {
					fee = fmt.Sprintf("%.2f 元/㎡·月", 1.20+0.10*float64(r.IntN(24)))
				}
			}
			// Owners' committees: fewer in old estates; terms of 3 or 5 years,
			// some of which have run out.
			formed := r.Float64() < 0.62
			if old {
				formed = r.Float64() < 0.35
			}
			var formedOn, termEnd any
			if formed {
				// Terms of 3 or 5 years; about one committee in six is past
				// its term and has not been re-elected.
				term := []int{3, 5, 5}[r.IntN(3)]
				f := workday.DateOf(demoNow, nil).AddDays(-r.IntN(365 * term))
				if r.Float64() < 0.17 {
					f = f.AddDays(-365 * term)
				}
				t := workday.NewDate(f.Year()+term, f.Month(), f.Day()).AddDays(-1)
				formedOn, termEnd = f.String(), t.String()
				posts := []string{"director", "deputy", "member", "member", "member"}
				for k := range 5 + r.IntN(3) {
					post := "member"
					if k < len(posts) {
						post = posts[k]
					}
					members = append(members, member{unit: cp.ID, path: cp.Path, name: demoName(r), post: post, party: r.Float64() < 0.4})
				}
			}
			branch := r.Float64() < 0.32
			council := formed && service != serviceNone && r.Float64() < 0.55
			var since any
			if council {
				since = workday.NewDate(2023+r.IntN(3), time.Month(1+r.IntN(12)), 1).String()
			}
			var year any
			if cp.Built != 0 {
				year = cp.Built
			}
			args = append(args, cp.ID, cp.Path, segment(cp.Path, 1), segment(cp.Path, 2), cp.ParentID, address, households, year, boolInt(old), service, company, active, party,
				scope, fee, start, end,
				boolInt(formed), formedOn, termEnd, boolInt(branch), boolInt(council), since, 1, now)
			hargs = append(hargs, "compound", cp.ID, cp.Path, `[{"field":"service_type","before":"","after":"`+service+`"}]`, now)
			n++
			g.registered++
			if n == 200 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		const mcols = 6
		mrow := "(" + strings.TrimSuffix(strings.Repeat("?, ", mcols), ", ") + ")"
		for i := 0; i < len(members); i += 500 {
			chunk := members[i:min(i+500, len(members))]
			margs := make([]any, 0, len(chunk)*mcols)
			for _, m := range chunk {
				margs = append(margs, m.unit, m.path, m.name, m.post, boolInt(m.party), now)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO property_committee_members (org_unit_id, org_path, name, post, party_member, created_at)
				VALUES `+strings.TrimSuffix(strings.Repeat(mrow+", ", len(chunk)), ", "), margs...); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "property.compound.import", ObjectType: "property_compound",
			Detail: fmt.Sprintf("demo: %d compound records, %d committee members", g.registered, len(members)), OrgPath: c.Root.Path})
	})
}

// credit publishes the default rules, records a quarter's facts, scores
// 2026Q3 and publishes it, and files a few objections.
func (g *demoGen) credit(ctx context.Context) error {
	s := g.s
	rs, err := s.NewDraft(ctx)
	if err != nil {
		return err
	}
	st := RuleSettings{Name: rs.Name, EffectiveFrom: workday.NewDate(2025, 1, 1), Base: rs.Base, MaxBonus: rs.MaxBonus,
		MaxScore: rs.MaxScore, DefaultValidityDays: rs.DefaultValidityDays, ObjectionWorkdays: rs.ObjectionWorkdays,
		Grades: rs.Grades, RedGrades: rs.RedGrades, BlackGrades: rs.BlackGrades, Notes: rs.Notes}
	if _, err := s.SaveSettings(ctx, rs.Version, st); err != nil {
		return err
	}
	if _, err := s.Publish(ctx, rs.Version); err != nil {
		return err
	}
	c := g.env.City
	type fact struct {
		company  int64
		compound any
		path     string
		source   string
		sourceID string
		kind     string
		value    any
		on       workday.Date
		verified bool
	}
	var facts []fact
	qStart := workday.NewDate(2025, 10, 1) // the year before the quarter's end
	day := func() workday.Date { return qStart.AddDays(g.r.IntN(365)) }
	seq := 0
	add := func(co demoCompany, kind, source string, value any, on workday.Date, withCompound bool) {
		seq++
		f := fact{company: co.id, path: co.path, source: source, sourceID: fmt.Sprintf("DEMO-%s-%06d", strings.ToUpper(source[:2]), seq),
			kind: kind, value: value, on: on, verified: true}
		if withCompound && len(co.served) > 0 {
			cp := c.Compounds[co.served[g.r.IntN(len(co.served))]]
			f.compound, f.path = cp.ID, cp.Path
		}
		facts = append(facts, f)
	}
	poisson := func(mean float64) int {
		l, k, p := math.Exp(-mean), 0, 1.0
		for {
			p *= g.r.Float64()
			if p < l {
				return k
			}
			k++
		}
	}
	for _, co := range g.companies_ {
		// Each tier has its own mix: excellent companies collect honours
		// and high survey results; poor ones upheld petitions, overdue and
		// failed rectifications, penalties; failing ones a veto item too.
		size := 1 + float64(len(co.served))/10
		petitions := []float64{0.15, 0.3, 0.8, 1.6, 3}[co.tier]
		overdue := []float64{0.05, 0.15, 0.4, 1, 2}[co.tier]
		for range poisson(petitions * size) {
			add(co, "petition_upheld", "petition", nil, day(), true)
		}
		for range poisson(overdue * size) {
			add(co, "rectification_overdue", "rectification", nil, day(), true)
		}
		for range poisson([]float64{0, 0.05, 0.1, 0.5, 1.5}[co.tier]) {
			add(co, "rectification_failed", "rectification", nil, day(), true)
		}
		if len(co.served) > 0 {
			lo, span := []float64{91, 84, 70, 55, 45}[co.tier], []float64{8, 9, 16, 15, 15}[co.tier]
			v := math.Round((lo+span*g.r.Float64())*10) / 10
			add(co, "survey", "survey", v, workday.NewDate(2026, time.Month(3+g.r.IntN(4)), 15), false)
		}
		if co.party {
			add(co, "party_org", "party", nil, workday.NewDate(2019+g.r.IntN(6), time.Month(1+g.r.IntN(12)), 1), false)
		}
		switch x := g.r.Float64(); {
		case co.tier == 0 && x < 0.15:
			add(co, "honour_national", "honour", nil, day(), false)
		case co.tier == 0:
			add(co, "honour_province", "honour", nil, day(), false)
		case co.tier == 1 && x < 0.5:
			add(co, "honour_city", "honour", nil, day(), false)
		}
		if co.tier == 0 && g.r.Float64() < 0.5 {
			add(co, "honour_city", "honour", nil, day(), false)
		}
		if co.party && (co.tier == 0 || co.tier == 1 && g.r.Float64() < 0.4) {
			add(co, "red_property_demo", "party", nil, day(), true)
		}
		if co.tier >= 3 && g.r.Float64() < 0.3 {
			add(co, "penalty", "penalty", nil, day(), false)
		}
		if co.tier == 4 && g.r.Float64() < 0.6 {
			add(co, []string{"fund_misuse", "abandonment"}[g.r.IntN(2)], "manual", nil, day(), true)
		}
	}
	// The demo accounts' companies have an upheld petition to object to.
	for i := range min(2, len(g.companies_)) {
		add(g.companies_[i], "petition_upheld", "petition", nil, workday.NewDate(2026, 8, 10+i), true)
	}
	// A few facts recorded this week and waiting for a second person to verify.
	for i := range min(5, len(g.companies_)) {
		co := g.companies_[(i*7+3)%len(g.companies_)]
		f := fact{company: co.id, path: co.path, source: "manual", sourceID: fmt.Sprintf("DEMO-NEW-%02d", i), kind: "honour_city",
			on: workday.NewDate(2026, 10, 12+i)}
		facts = append(facts, f)
	}
	now := s.stamp()
	const fcols = 12
	frow := "(" + strings.TrimSuffix(strings.Repeat("?, ", fcols), ", ") + ", 0, 0, '', '', ?)"
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		for i := 0; i < len(facts); i += 300 {
			chunk := facts[i:min(i+300, len(facts))]
			args := make([]any, 0, len(chunk)*(fcols+1))
			for _, f := range chunk {
				var verifiedAt any
				if f.verified {
					verifiedAt = now
				}
				args = append(args, f.company, f.compound, f.path, f.source, f.sourceID, f.kind, f.value, f.on.String(), f.on.String(),
					nil, boolInt(f.verified), verifiedAt, now)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO credit_facts (company_id, compound_id, org_path, source_type, source_id, kind, value,
				occurred_on, valid_from, valid_until, verified, verified_at, disputed, voided, void_reason, note, created_at) VALUES `+
				strings.TrimSuffix(strings.Repeat(frow+", ", len(chunk)), ", "), args...); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "property.fact.import", ObjectType: "credit_fact",
			Detail: fmt.Sprintf("demo: %d facts", len(facts)), OrgPath: c.Root.Path})
	})
	if err != nil {
		return err
	}
	g.facts = len(facts)
	if _, err := s.RunScoring(ctx, demoPeriod); err != nil {
		return err
	}
	if _, err := s.PublishRun(ctx, demoPeriod); err != nil {
		return err
	}
	return g.objections(ctx)
}

// objections: the demo accounts' companies object to a petition each; one
// objection is answered (upheld), one left open.
func (g *demoGen) objections(ctx context.Context) error {
	s := g.s
	for _, a := range g.env.Accounts {
		if a.Role != auth.Company {
			continue
		}
		own, err := s.companyOf(ctx, &auth.Principal{UserID: a.UserID, Role: auth.Company})
		if err != nil || own == 0 {
			continue
		}
		var factID int64
		err = s.DB.QueryRow(ctx, `SELECT id FROM credit_facts WHERE company_id = ? AND verified = 1 AND voided = 0
			AND kind IN ('petition_upheld', 'rectification_overdue') ORDER BY id LIMIT 1`, own).Scan(&factID)
		if err != nil {
			continue // no bad fact to object to
		}
		cctx := auth.WithPrincipal(ctx, &auth.Principal{UserID: a.UserID, Name: a.DisplayName, Role: auth.Company, IP: "demo"})
		_, err = s.FileObjection(cctx, ObjectionInput{FactID: factID,
			Reason:   "该投诉所涉漏水系业主自行装修造成，属业主专有部分，不属于物业服务责任范围。",
			Evidence: "维修工单、现场照片及业主签字确认的情况说明。"}, nil)
		if err != nil {
			return err
		}
	}
	// The first objection is answered; the others stay open for the demo.
	var first int64
	if err := s.DB.QueryRow(ctx, `SELECT COALESCE(MIN(id), 0) FROM property_objections`).Scan(&first); err != nil {
		return err
	}
	if first != 0 {
		var n int
		_ = s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM property_objections`).Scan(&n)
		if n > 1 {
			if _, err := s.AnswerObjection(ctx, first, objUpheld, "经核查，漏水部位为业主专有部分，投诉不属物业服务责任，异议成立，撤销该记录并更正评价结果。"); err != nil {
				return err
			}
		}
	}
	return nil
}
