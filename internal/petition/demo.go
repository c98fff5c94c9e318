package petition

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"anju/internal/casework"
	"anju/internal/demo"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

// RegisterDemo adds the "petitions" step to the demo generator: two years
// of petitions in the demo city (January 2025 to 20 November 2026), with
// the seasons of a housing bureau's year — a lull over the Spring Festival,
// leaks in the summer rains, unpaid wages before the New Year — a volume
// falling about 12% a year, and complaints about real-estate development
// falling faster (the report's focus area), so that the results show
// consecutive months of year-over-year decline. Each petition is walked
// through its life with the real deadlines: most are accepted, replied to
// and rated; some are extended, reopened after an unsatisfied rating,
// supervised; a few petitioners contest the reply with a review (复查) and
// some of them the review with a re-review (复核); the latest are still
// open, some overdue. About one in twenty came by an Open311 client and is
// published at /open311/v2. Three petitions belong to the demo citizen
// 13800000001, one waiting for their rating.
//
// Rows are written in bulk (like the city tree), not command by command:
// at scale 170 that is about a million petitions.
func RegisterDemo() {
	demo.Register(demo.Step{Name: "petitions", Run: generateDemo})
}

// The demo's window and its "now": fixed, so the same seed gives the same rows.
var (
	demoStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	demoMonth = 23 // January 2025 … November 2026
)

// demoNow is the moment the demo's histories stop: 20 Nov 2026, 18:00 in the city.
func demoNow(loc *time.Location) time.Time { return time.Date(2026, 11, 20, 18, 0, 0, 0, loc) }

// perMonthAtScale1 is the mean number of petitions a month at scale 1.
const perMonthAtScale1 = 240

// seasons multiply the volume by calendar month.
var seasons = [12]float64{0.85, 0.55, 1.25, 1.05, 1.0, 1.1, 1.25, 1.2, 1.0, 0.75, 0.95, 1.2}

type demoSub struct{ title, body string }

// demoTexts are the matters petitioners raise, by subcategory.
var demoTexts = map[string][]demoSub{
	"presale":          {{"预售资金监管", "项目停工，担心预售资金被挪用，请求核查监管账户"}, {"虚假宣传", "售楼时承诺的配套学校至今未建"}},
	"delivery_delay":   {{"逾期交房", "合同约定交房日期已过半年，开发商仍未交付"}, {"交房条件不符", "交房时小区道路和绿化均未完工"}},
	"certificate":      {{"不动产证迟迟办不下来", "入住三年仍无法办理不动产权证"}, {"办证进度", "开发商未缴清土地款导致无法办证"}},
	"contract":         {{"购房合同纠纷", "开发商单方面变更户型面积"}, {"退房退款", "解除合同后开发商拖延退还房款"}},
	"agency":           {{"中介违规收费", "房产中介收取合同外费用"}, {"中介隐瞒房屋信息", "中介未告知房屋存在抵押"}},
	"rental":           {{"租房押金不退", "租赁企业拒不退还押金"}, {"群租扰民", "楼上群租房人员混杂存在安全隐患"}},
	"leak":             {{"屋顶渗漏", "入住后顶楼卧室持续漏水，开发商推诿不修"}, {"外墙渗水", "雨季外墙渗水导致墙面发霉"}},
	"cracks":           {{"墙体开裂", "新房客厅墙面出现多条裂缝"}, {"楼板开裂", "楼板裂缝，担心结构安全"}},
	"structure":        {{"房屋结构安全", "邻居装修拆除承重墙"}, {"老旧房屋安全", "老楼阳台下沉，请求鉴定"}},
	"acceptance":       {{"未验收先交付", "小区消防设施未验收即交付使用"}},
	"warranty":         {{"保修期内不维修", "保修期内门窗问题开发商不予维修"}},
	"service":          {{"物业服务差", "小区垃圾清运不及时，公共区域脏乱"}, {"保安形同虚设", "外来人员随意进出小区"}},
	"fees":             {{"物业费上涨", "物业未经业主大会同意上调物业费"}, {"停车收费不合理", "小区停车费标准未公示"}},
	"maintenance_fund": {{"维修资金使用", "电梯维修申请动用维修资金迟迟不批"}},
	"owners_committee": {{"业委会选举", "业委会换届选举程序不规范"}, {"业委会不作为", "业委会长期不召开业主大会"}},
	"common_areas":     {{"电梯故障", "小区电梯经常停运，老人出行困难"}, {"公共部位被占用", "楼道被堆放杂物存在消防隐患"}},
	"public_rental":    {{"公租房申请", "申请公租房两年仍未轮候到"}, {"公租房维修", "公租房水管老化漏水无人维修"}},
	"subsidy":          {{"租房补贴发放", "符合条件的租房补贴未按时发放"}},
	"shantytown":       {{"棚改进度", "棚改项目停滞，安置遥遥无期"}},
	"eligibility":      {{"保障资格审核", "住房保障资格审核时间过长"}},
	"compensation":     {{"征收补偿标准", "对征收补偿评估价格有异议"}},
	"resettlement":     {{"安置房交付", "安置房逾期未交付"}, {"安置房质量", "安置房墙面空鼓"}},
	"procedure":        {{"征收程序", "征收公告未公示即开始评估"}},
	"shortage":         {{"停车难", "老旧小区车位严重不足，夜间无处停车"}, {"增设停车位", "建议利用边角地块建设停车场"}},
	"charging":         {{"充电桩安装", "物业拒绝业主在自有车位安装充电桩"}},
	"occupation":       {{"车位被占用", "消防通道长期被车辆占用"}},
	"wage_arrears":     {{"拖欠农民工工资", "工地拖欠工资三个月，年底仍未结清"}, {"工资专户", "总包单位未按月发放工资"}},
	"bidding":          {{"招投标违规", "反映某项目招标存在围标串标"}},
	"qualification":    {{"挂靠资质", "反映施工单位借用资质承揽工程"}},
	"site_safety":      {{"施工安全隐患", "工地塔吊靠近居民楼存在安全隐患"}},
	"noise_dust":       {{"夜间施工扰民", "工地夜间施工噪音严重影响休息"}, {"扬尘污染", "工地未覆盖裸土扬尘严重"}},
	"other":            {{"政策咨询", "咨询住房公积金提取政策"}, {"其他建议", "建议公开小区改造计划"}},
}

var demoSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"}
var demoGiven = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "建国", "桂兰", "志强", "海燕", "晓东", "丽华"}

// weighted picks an index by weight.
func weighted(r *rand.Rand, w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	v := r.Float64() * total
	for i, x := range w {
		if v < x {
			return i
		}
		v -= x
	}
	return len(w) - 1
}

// categoryWeights at month m (0 = January 2025): real-estate development
// starts at 30% and falls 3% (relative) a month; the rest keep their
// shares, wages rising in December and January, leaks in the summer.
func categoryWeights(m int) []float64 {
	month := m % 12
	w := make([]float64, len(Categories))
	for i, c := range Categories {
		switch c.Code {
		case "real_estate":
			w[i] = 30 * math.Pow(0.965, float64(m))
		case "construction_quality":
			w[i] = 14
			if month >= 5 && month <= 7 {
				w[i] = 22
			}
		case "property_management":
			w[i] = 22
		case "housing_security":
			w[i] = 8
		case "demolition":
			w[i] = 5
		case "parking":
			w[i] = 10
		case "construction_market":
			w[i] = 8
			if month == 11 || month == 0 {
				w[i] = 18
			}
		default:
			w[i] = 4
		}
	}
	return w
}

type demoGen struct {
	r *rand.Rand
	// side draws what was added to the petitions' lives later (reviews,
	// Open311 tokens): a stream of its own, so that r — and with it every
	// petition's month, category and district, which the statistics' story
	// rests on — runs as it did before.
	side   *rand.Rand
	e      *casework.Engine // deadlines only (no database)
	loc    *time.Location
	now    time.Time
	env    *demo.Env
	depts  map[string]int64
	nextID int64
	nextEv int64
	cases  []casework.Case
	events []casework.Event
	nums   map[string]bool
	phones []demoPerson // earlier petitioners, for repeats
	// district index → its streets, and compounds
	streets   map[int64][]demo.Node
	compounds map[int64][]demo.Node
	districts []demo.Node
	dweights  []float64
	citizen   *demo.Account
	byPhone   map[string]int64 // phone|category → latest case id
}

type demoPerson struct{ name, phone, category string }

func generateDemo(ctx context.Context, env *demo.Env, r *rand.Rand) error {
	if env.City == nil {
		return fmt.Errorf("petitions: the city step has not run")
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return err
	}
	g := &demoGen{r: r, side: rand.New(rand.NewPCG(uint64(env.Seed), demoSideStream)),
		e: casework.New(nil, workday.New(workday.Builtin()...), loc), loc: loc, now: demoNow(loc).UTC(), env: env, depts: map[string]int64{}, nums: map[string]bool{}, streets: map[int64][]demo.Node{},
		compounds: map[int64][]demo.Node{}, byPhone: map[string]int64{}}
	for _, d := range env.Departments {
		g.depts[d.Code] = d.ID
	}
	for i := range env.Accounts {
		if env.Accounts[i].Role == auth.Citizen && g.citizen == nil {
			g.citizen = &env.Accounts[i]
		}
	}
	g.districts = env.City.Districts
	streetDistrict := map[int64]int64{}
	for _, s := range env.City.Streets {
		g.streets[s.ParentID] = append(g.streets[s.ParentID], s)
		streetDistrict[s.ID] = s.ParentID
	}
	communityDistrict := map[int64]int64{}
	for _, c := range env.City.Communities {
		communityDistrict[c.ID] = streetDistrict[c.ParentID]
	}
	for _, c := range env.City.Compounds {
		d := communityDistrict[c.ParentID]
		g.compounds[d] = append(g.compounds[d], c)
	}
	for _, d := range g.districts {
		g.dweights = append(g.dweights, float64(len(g.compounds[d.ID])+5))
	}
	if err := env.DB.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM cases`).Scan(&g.nextID); err != nil {
		return err
	}
	if err := env.DB.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM case_events`).Scan(&g.nextEv); err != nil {
		return err
	}
	scale := max(env.Scale, 1)
	// Every petition planned is stored, so the bar's total and the summary
	// count the same: the last month is planned only up to the demo's now.
	total := g.handMadeCount()
	counts := make([]int, demoMonth)
	for m := range demoMonth {
		trend := 1 - 0.12*float64(m)/12
		from, to := g.monthSpan(m)
		share := to.Sub(from).Hours() / from.AddDate(0, 1, 0).Sub(from).Hours()
		mean := float64(perMonthAtScale1*scale) * seasons[m%12] * trend * share
		counts[m] = int(math.Round(mean * (0.93 + 0.14*r.Float64())))
		total += counts[m]
	}
	bar := env.Bar("信访事项 petitions", total)
	written := 0
	for m := range demoMonth {
		for range counts[m] {
			if err := g.petition(m); err != nil {
				return err
			}
		}
		if m == demoMonth-1 {
			g.citizenCases()
			g.reviewCases()
		}
		// Flush month by month: memory stays bounded at any scale.
		if len(g.cases) >= 2000 || m == demoMonth-1 {
			n := len(g.cases)
			if err := g.flush(ctx); err != nil {
				return err
			}
			written += n
			bar.Add(n)
		}
	}
	if err := g.receptions(ctx); err != nil {
		return err
	}
	bar.Finish()
	env.Count("信访事项 petitions", written)
	return nil
}

// demoSideStream is the second half of demoGen.side's seed (the demo's
// seed is the first), which keeps it apart from the step's own stream.
const demoSideStream = 0x7065746974696f6e

// monthSpan is month m of the demo (0 = January 2025): its first moment
// and its end, which for the last month is the demo's now.
func (g *demoGen) monthSpan(m int) (from, to time.Time) {
	from = demoStart.AddDate(0, m, 0)
	to = from.AddDate(0, 1, 0)
	if to.After(g.now) {
		to = g.now
	}
	return from, to
}

// at is a random moment on day d (office hours for channels staff take).
func (g *demoGen) at(d workday.Date, channel string) time.Time {
	from, span := 8.5, 9.0
	if channel == ChannelWeb || channel == ChannelHotline || channel == ChannelOpen311 {
		from, span = 7, 15
	}
	h := from + g.r.Float64()*span
	return d.In(g.loc).Add(time.Duration(h * float64(time.Hour))).UTC().Truncate(time.Second)
}

// later is a moment n working days (at least 0) after t, in office hours.
func (g *demoGen) later(t time.Time, n int) time.Time {
	d, err := g.e.Cal.AddWorkdays(workday.DateOf(t, g.loc), n)
	if err != nil {
		return t.Add(time.Duration(n) * 24 * time.Hour)
	}
	return g.at(d, ChannelCall)
}

func (g *demoGen) deadline(t time.Time, p casework.Period) time.Time {
	due, err := g.e.Deadline(t, p)
	if err != nil {
		return t.AddDate(0, 0, p.N)
	}
	return due
}

func (g *demoGen) petition(m int) error {
	r := g.r
	first, end := g.monthSpan(m)
	days := int(math.Ceil(end.Sub(first).Hours() / 24))
	var day workday.Date
	for {
		d := workday.DateOf(first.Add(time.Duration(r.IntN(days))*24*time.Hour), g.loc)
		if wd := d.Weekday(); (wd == time.Saturday || wd == time.Sunday) && r.Float64() < 0.6 {
			continue
		}
		day = d
		break
	}
	cat := Categories[weighted(r, categoryWeights(m))]
	sub := cat.Subs[r.IntN(len(cat.Subs))]
	texts := demoTexts[sub]
	if len(texts) == 0 {
		texts = demoTexts["other"]
	}
	tx := texts[r.IntN(len(texts))]
	// Channels in their order: web, call, letter, visit, open311, hotline.
	// Open311 clients (civic apps) take half of what visits had; the
	// hotline's share stays, so the draws of its ticket numbers do too.
	channel := Channels[weighted(r, []float64{35, 25, 10, 5, 5, 20})]
	kind := Kinds[weighted(r, []float64{12, 60, 28})]
	di := weighted(r, g.dweights)
	district := g.districts[di]
	var compound demo.Node
	if cs := g.compounds[district.ID]; len(cs) > 0 {
		compound = cs[r.IntN(len(cs))]
	}
	received := g.at(day, channel)
	if received.After(g.now) {
		// The demo's last day ends at its now: an evening petition of that
		// day came in earlier instead (it was planned, so it is stored).
		received = g.now.Add(-time.Duration(1+g.side.IntN(8*60)) * time.Minute)
	}
	c := casework.Case{Type: TypeName, State: StateRegistered, Version: 1, OrgUnitID: district.ID, OrgPath: district.Path,
		Category: cat.Code, Subcategory: sub, Kind: kind, Channel: channel, Title: tx.title,
		Body: tx.body + "。", ReceivedAt: received, CreatedAt: received, Data: map[string]any{}}
	if compound.ID != 0 {
		c.CompoundID = compound.ID
		lat, lng := compound.Lat+(r.Float64()-0.5)*0.002, compound.Lng+(r.Float64()-0.5)*0.002
		c.Lat, c.Lng = &lat, &lng
		c.Address = district.Name + compound.Name
		c.Body = compound.Name + "：" + c.Body
	}
	// The petitioner: now and then someone who wrote before about the same
	// thing (a repeat); anonymous for some complaints and suggestions.
	var person demoPerson
	key := ""
	if len(g.phones) > 20 && r.Float64() < 0.08 {
		person = g.phones[len(g.phones)-1-r.IntN(min(len(g.phones), 400))]
		c.Category = person.category
		if cat2, ok := CategoryByCode(c.Category); ok {
			c.Subcategory = cat2.Subs[0]
		}
	} else {
		person = demoPerson{name: demoSurnames[r.IntN(len(demoSurnames))] + demoGiven[r.IntN(len(demoGiven))],
			phone: fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1_000_000_000)), category: c.Category}
		g.phones = append(g.phones, person)
	}
	key = person.phone + "|" + c.Category
	if prev := g.byPhone[key]; prev != 0 {
		c.Flags |= casework.FlagRepeat
		c.RelatedID = prev
	}
	c.PartyName, c.PartyPhone = person.name, person.phone
	if kind != KindAppeal && r.Float64() < 0.05 {
		c.PartyName, c.Flags = "", c.Flags|casework.FlagAnonymous
	}
	if channel == ChannelHotline {
		c.ExternalRef = fmt.Sprintf("12345-%s-%06d", received.In(g.loc).Format("20060102"), r.IntN(1_000_000))
	}
	if channel == ChannelOpen311 {
		g.asOpen311(&c, tx, district)
	}
	g.add(&c)
	g.byPhone[key] = c.ID
	return nil
}

// demoOpen311Client is the civic app whose api_key files the demo's Open311
// requests: the timeline names a client by its token, as
// auth.TokenPrincipal names it ("token:" and the token's name).
const demoOpen311Client = "token:安澜市民通 App"

// asOpen311 makes c what the Open311 adapter stores for a request
// (internal/open311, readSubmission and place): the title is the service's
// name and the description's first line, the body the description; the
// place is coordinates with the address the app sends, or the district's
// name when it knows no compound (a request needs a location); the
// request's token, 96 random bits in hex, is the external reference that
// GET tokens/{token} looks up. Its channel alone publishes it to Open311
// readers.
func (g *demoGen) asOpen311(c *casework.Case, tx demoSub, district demo.Node) {
	desc := tx.title + "\n" + c.Body
	c.Title = web.T(web.ZH, "petition.category."+c.Category) + "：" + tx.title // short: never cut
	c.Body = desc
	if c.Address == "" {
		c.Address = district.Name
	}
	c.ExternalRef = fmt.Sprintf("%016x%08x", g.side.Uint64(), g.side.Uint32())
}

// handMadeCount is how many petitions citizenCases and reviewCases add.
func (g *demoGen) handMadeCount() int {
	n := 0
	if g.citizen != nil && len(g.districts) > 0 {
		n += 3
	}
	if len(g.districts) > 0 {
		n += 2
	}
	return n
}

// handMade gives a petition built by hand its id, a number (one that
// takes no draw) and its first event.
func (g *demoGen) handMade(c *casework.Case) {
	g.nextID++
	c.ID = g.nextID
	for seq := 1; c.Number == "" || g.nums[c.Number]; seq++ {
		c.Number = "XF" + c.ReceivedAt.In(g.loc).Format("20060102") + fmt.Sprintf("%07d", seq)
	}
	g.nums[c.Number] = true
	c.CheckCode = casework.CheckCodeFor(c.PartyPhone)
	g.event(c, c.ReceivedAt, "created", "", StateRegistered, true, "信访事项已登记", map[string]any{"channel": c.Channel})
}

// add gives c its id, number, deadlines and history, and queues it.
func (g *demoGen) add(c *casework.Case) {
	g.nextID++
	c.ID = g.nextID
	for {
		n := "XF" + c.ReceivedAt.In(g.loc).Format("20060102") + fmt.Sprintf("%07d", g.r.IntN(10_000_000))
		if !g.nums[n] {
			g.nums[n], c.Number = true, n
			break
		}
	}
	c.CheckCode = casework.CheckCodeFor(c.PartyPhone)
	c.ResponseDueAt = g.deadline(c.ReceivedAt, casework.WorkingDays(1))
	c.StageDueAt = g.deadline(c.ReceivedAt, acceptPeriod)
	g.event(c, c.ReceivedAt, "created", "", StateRegistered, true, "信访事项已登记", map[string]any{"channel": c.Channel})
	g.life(c)
	g.queue(c)
}

// queue settles c's deadlines at the demo's now and queues it for flush.
func (g *demoGen) queue(c *casework.Case) {
	// Deadlines still running at the demo's now decide due_at and what the
	// sweeper has already told (so starting the demo does not flood the
	// inboxes with notices about old deadlines).
	var due time.Time
	if c.ClosedAt.IsZero() {
		for _, t := range []time.Time{c.ResponseDueAt, c.StageDueAt, c.FinalDueAt} {
			if !t.IsZero() && (due.IsZero() || t.Before(due)) {
				due = t
			}
		}
	} else {
		c.ResponseDueAt, c.StageDueAt, c.FinalDueAt = time.Time{}, time.Time{}, time.Time{}
	}
	c.DueAt = due
	switch {
	case due.IsZero():
	case due.Before(g.now):
		c.NotifiedLevel = 2
	case due.Before(g.now.Add(72 * time.Hour)):
		c.NotifiedLevel = 1
	}
	c.FlagList = c.Flags.List()
	g.cases = append(g.cases, *c)
}

// actor is who the timeline names: the handling unit's office.
func (g *demoGen) actor(c *casework.Case) string {
	for _, d := range g.districts {
		if strings.HasPrefix(c.OrgPath, d.Path) {
			return d.Name + "住建局信访办"
		}
	}
	return "安澜市住建局信访办"
}

func (g *demoGen) event(c *casework.Case, at time.Time, kind, from, to string, public bool, text string, data map[string]any) {
	g.nextEv++
	role := string(auth.DistrictStaff)
	name := g.actor(c)
	switch kind {
	case "created", "rate", "request_review", "request_rereview":
		role, name = string(auth.Citizen), "信访人"
		switch {
		case kind != "created" || c.Channel == ChannelWeb:
		case c.Channel == ChannelOpen311:
			// The app relays the petitioner: the engine names its token,
			// with no role (petition.SubmitOpen311).
			role, name = string(auth.Anonymous), demoOpen311Client
		default:
			role, name = string(auth.DistrictStaff), g.actor(c)
		}
	case "close_unrated":
		role, name = string(auth.SystemRole), "casework sweeper"
	case "supervise", "decide_review", "decide_rereview":
		role, name = string(auth.CityStaff), "安澜市住建局"
	}
	g.events = append(g.events, casework.Event{ID: g.nextEv, CaseID: c.ID, At: at, Kind: kind, ActorName: name, ActorRole: role,
		FromState: from, ToState: to, Public: public, Text: text, Data: data})
	if at.After(c.UpdatedAt) {
		c.UpdatedAt = at
	}
}

// life walks c from receipt as far as the demo's now, with the real deadlines.
func (g *demoGen) life(c *casework.Case) {
	r := g.r
	step := func(t time.Time) bool { return !t.After(g.now) }
	// First contact: nearly always within a working day.
	contact := g.later(c.ReceivedAt, map[bool]int{true: 1, false: 2}[r.Float64() < 0.93])
	if c.Channel == ChannelCall || c.Channel == ChannelVisit {
		contact = c.ReceivedAt.Add(10 * time.Minute)
	}
	if !step(contact) {
		return
	}
	c.RespondedAt, c.ResponseDueAt = contact, time.Time{}
	if c.Channel != ChannelCall && c.Channel != ChannelVisit {
		g.event(c, contact, "contact", StateRegistered, StateRegistered, false, "已电话联系信访人，了解诉求", nil)
	}
	// Decision on acceptance: 4% declined, the rest accepted within 1–12
	// working days (a few late).
	decide := g.later(c.ReceivedAt, 1+r.IntN(9))
	if r.Float64() < 0.02 {
		decide = g.later(c.ReceivedAt, 12+r.IntN(5))
	}
	if !step(decide) {
		return
	}
	if r.Float64() < 0.04 {
		c.State, c.ClosedAt, c.ClosedReason, c.StageDueAt = StateDeclined, decide, ClosedDeclined, time.Time{}
		g.event(c, decide, "decline", StateRegistered, StateDeclined, true, "不予受理：该事项已进入诉讼程序，请通过司法途径解决", nil)
		return
	}
	c.State, c.AcceptedAt, c.StageDueAt = StateHandling, decide, time.Time{}
	c.FinalFrom, c.FinalDays = workday.DateOf(decide, g.loc).String(), finishPeriod.N
	c.FinalDueAt = g.deadline(decide, finishPeriod)
	c.SetData("final_unit", string(casework.CalendarDays))
	if cat, ok := CategoryByCode(c.Category); ok {
		c.DepartmentID = g.depts[cat.Department]
	}
	g.event(c, decide, "accept", StateRegistered, StateHandling, true, fmt.Sprintf("已受理，将于%s前办结", c.FinalDueAt.In(g.loc).Format("2006年1月2日")), nil)
	if streets := g.streets[c.OrgUnitID]; len(streets) > 0 && r.Float64() < 0.4 {
		s := streets[r.IntN(len(streets))]
		c.OrgUnitID, c.OrgPath = s.ID, s.Path
		g.event(c, decide.Add(30*time.Minute), "assign", StateHandling, StateHandling, false, "交"+s.Name+"办理", map[string]any{"unit_id": s.ID, "unit": s.Name})
	}
	// Handling: most replied in 10–50 days; some extended; a few late and supervised.
	days := 10 + r.IntN(40)
	roll := r.Float64()
	switch {
	case roll < 0.05:
		ext := decide.AddDate(0, 0, 45+r.IntN(10))
		if step(ext) {
			c.FinalDays += 30
			c.FinalDueAt = g.deadline(decide, casework.Days(c.FinalDays))
			c.Flags |= casework.FlagExtended
			c.SetData("extensions", 1)
			g.event(c, ext, "extend", StateHandling, StateHandling, true, fmt.Sprintf("办理期限延长30日至%s，理由：需委托第三方检测鉴定（经局长批准）",
				c.FinalDueAt.In(g.loc).Format("2006年1月2日")), map[string]any{"days": 30})
		}
		days = 62 + r.IntN(25)
	case roll < 0.08:
		days = 58 + r.IntN(20)
		sup := decide.AddDate(0, 0, 45)
		if step(sup) {
			c.Flags |= casework.FlagSupervised
			c.SetData("supervisions", 1)
			g.event(c, sup, "supervise", StateHandling, StateHandling, false, "请加快办理，按期答复信访人", nil)
		}
	}
	reply := g.later(decide, 0).AddDate(0, 0, days)
	if !step(reply) {
		return
	}
	g.reply(c, reply)
	g.rate(c, reply, false)
}

func (g *demoGen) reply(c *casework.Case, at time.Time) {
	c.State, c.RepliedAt, c.FinalDueAt, c.Rating = StateReplied, at, time.Time{}, ""
	until := g.deadline(at, reviewWindow)
	c.SetData("review_until", until.Format(time.RFC3339))
	g.event(c, at, "reply", StateHandling, StateReplied, true, "经调查核实，已责成相关单位整改到位，并将处理情况书面答复信访人", nil)
}

func (g *demoGen) rate(c *casework.Case, replied time.Time, reopened bool) {
	r := g.r
	step := func(t time.Time) bool { return !t.After(g.now) }
	if r.Float64() < 0.3 { // not rated: closed after the rating period
		// A few contest the written reply instead: they ask for a review
		// (复查) within the 30 days the reply gives them.
		if g.side.Float64() < 0.06 {
			req := replied.AddDate(0, 0, 3+g.side.IntN(22))
			if step(req) {
				g.requestReview(c, req)
				if dec := req.AddDate(0, 0, 12+g.side.IntN(18)); step(dec) {
					g.decideReview(c, dec)
					g.afterReview(c, dec)
				}
			}
			return
		}
		closeAt := replied.AddDate(0, 0, DefaultSettings().RatingDays).Add(time.Hour)
		if step(closeAt) {
			c.State, c.ClosedAt, c.ClosedReason = StateClosed, closeAt, ClosedNoRating
			g.event(c, closeAt, "close_unrated", StateReplied, StateClosed, true, "答复后在评价期内未评价，按办结处理", nil)
		}
		return
	}
	at := replied.Add(time.Duration(2+r.IntN(200)) * time.Hour)
	if !step(at) {
		return
	}
	rating := Ratings[weighted(r, []float64{72, 20, 8})]
	if reopened {
		rating = Ratings[weighted(r, []float64{50, 25, 25})]
	}
	c.Rating, c.RatedAt = rating, at
	c.SetData("rating_method", map[bool]string{true: "phone", false: "online"}[r.Float64() < 0.4])
	label := map[string]string{RatingSatisfied: "满意", RatingBasically: "基本满意", RatingUnsatisfied: "不满意"}[rating]
	if rating != RatingUnsatisfied {
		c.State, c.ClosedAt, c.ClosedReason = StateClosed, at, rating
		g.event(c, at, "rate", StateReplied, StateClosed, true, "评价："+label, map[string]any{"rating": rating})
		return
	}
	if !reopened {
		c.Flags |= casework.FlagReopened
		c.State, c.RepliedAt = StateHandling, time.Time{}
		c.FinalFrom, c.FinalDays = workday.DateOf(at, g.loc).String(), DefaultSettings().ReopenDays
		c.FinalDueAt = g.deadline(at, casework.Days(c.FinalDays))
		g.event(c, at, "rate", StateReplied, StateHandling, true, "评价：不满意。问题未彻底解决。已重新交办", map[string]any{"rating": rating})
		again := at.AddDate(0, 0, 8+r.IntN(18))
		if step(again) {
			g.reply(c, again)
			g.rate(c, again, true)
		}
		return
	}
	g.event(c, at, "rate", StateReplied, StateReplied, true, "评价：不满意。可在复查期限内申请复查", map[string]any{"rating": rating})
	if r.Float64() < 0.5 {
		req := at.Add(time.Duration(24+r.IntN(240)) * time.Hour)
		if !step(req) {
			return
		}
		g.requestReview(c, req)
		dec := req.AddDate(0, 0, 10+r.IntN(18))
		if step(dec) {
			g.decideReview(c, dec)
			g.afterReview(c, dec)
		}
	}
}

// What petitioners write asking for a review (复查) or a re-review (复核),
// and what the higher body decides.
var (
	demoReviewReasons    = []string{"答复未解决实际问题", "对处理意见不服，认为事实认定有误", "整改不到位，问题依旧存在"}
	demoReviewOpinions   = []string{"原答复意见事实清楚，予以维持", "原答复意见事实清楚，予以维持", "原处理意见部分不当，责成承办单位重新处理并书面答复信访人"}
	demoRereviewReasons  = []string{"对复查意见不服", "复查未听取本人陈述，请求复核"}
	demoRereviewOpinions = []string{"复查意见事实清楚、依据正确，予以维持", "复查意见事实清楚、依据正确，予以维持，本事项办理终结"}
)

// stage starts a stage deadline of p at t, recording how it was counted
// as the engine does (casework's setStage), so it can be counted again.
func (g *demoGen) stage(c *casework.Case, t time.Time, p casework.Period) {
	c.StageDueAt = g.deadline(t, p)
	c.SetData("stage_from", t.UTC().Format(time.RFC3339))
	c.SetData("stage_days", p.N)
	c.SetData("stage_unit", string(p.Unit))
}

// requestReview is the petitioner's request_review of the reply at t
// (within the 30 days after it): the higher body has 30 days to decide.
func (g *demoGen) requestReview(c *casework.Case, t time.Time) {
	c.State = StateReviewing
	g.stage(c, t, reviewPeriod)
	c.SetData("review_requested_at", t.UTC().Format(time.RFC3339))
	g.event(c, t, "request_review", StateReplied, StateReviewing, true,
		"申请复查："+demoReviewReasons[g.side.IntN(len(demoReviewReasons))], nil)
}

// decideReview is the higher body's decide_review at t, which closes the
// petition and opens 30 days to ask for a re-review.
func (g *demoGen) decideReview(c *casework.Case, t time.Time) {
	c.State, c.StageDueAt, c.ClosedAt, c.ClosedReason = StateClosed, time.Time{}, t, ClosedReview
	c.SetData("rereview_until", g.deadline(t, reviewWindow).Format(time.RFC3339))
	g.event(c, t, "decide_review", StateReviewing, StateClosed, true,
		"复查意见："+demoReviewOpinions[g.side.IntN(len(demoReviewOpinions))], nil)
}

// afterReview: about three in ten petitioners contest the review decided
// at t with a re-review, which, decided within its 30 days, is final.
func (g *demoGen) afterReview(c *casework.Case, t time.Time) {
	if g.side.Float64() >= 0.3 {
		return
	}
	req := t.AddDate(0, 0, 2+g.side.IntN(24))
	if req.After(g.now) {
		return
	}
	g.requestRereview(c, req)
	if dec := req.AddDate(0, 0, 12+g.side.IntN(18)); !dec.After(g.now) {
		c.State, c.StageDueAt, c.ClosedAt, c.ClosedReason = StateClosed, time.Time{}, dec, ClosedRereview
		c.Flags |= casework.FlagFinal
		g.event(c, dec, "decide_rereview", StateRereviewing, StateClosed, true,
			"复核意见（终结）："+demoRereviewOpinions[g.side.IntN(len(demoRereviewOpinions))], nil)
	}
}

// requestRereview is the petitioner's request_rereview of the review
// decision at t, which reopens the petition (casework's Act clears the
// closure) for the 30 days the re-review has.
func (g *demoGen) requestRereview(c *casework.Case, t time.Time) {
	c.State, c.ClosedAt, c.ClosedReason = StateRereviewing, time.Time{}, ""
	g.stage(c, t, reviewPeriod)
	g.event(c, t, "request_rereview", StateClosed, StateRereviewing, true,
		"申请复核："+demoRereviewReasons[g.side.IntN(len(demoRereviewReasons))], nil)
}

// citizenCases gives the demo citizen three petitions to look at: one
// closed, one being handled, one replied and waiting for their rating.
func (g *demoGen) citizenCases() {
	if g.citizen == nil || len(g.districts) == 0 {
		return
	}
	d := g.districts[0]
	cs := g.compounds[d.ID]
	mk := func(daysAgo int, sub, title, body string) *casework.Case {
		at := g.now.AddDate(0, 0, -daysAgo).Add(-5 * time.Hour)
		cat := "property_management"
		for _, c := range Categories {
			if c.hasSub(sub) {
				cat = c.Code
			}
		}
		c := &casework.Case{Type: TypeName, State: StateRegistered, Version: 1, OrgUnitID: d.ID, OrgPath: d.Path, Category: cat,
			Subcategory: sub, Kind: KindComplaint, Channel: ChannelWeb, Title: title, Body: body, PartyUserID: g.citizen.UserID,
			PartyName: g.citizen.DisplayName, PartyPhone: g.citizen.Login, ReceivedAt: at, CreatedAt: at, Data: map[string]any{}}
		if len(cs) > 0 {
			c.CompoundID, c.Address = cs[0].ID, d.Name+cs[0].Name
		}
		return c
	}
	// A replied one, waiting for the rating: built by hand so it stays there.
	c := mk(30, "common_areas", "电梯经常停运", "小区电梯每周停运两三次，老人出行困难")
	g.handMade(c)
	acc := g.later(c.ReceivedAt, 1)
	c.RespondedAt, c.State, c.AcceptedAt = acc, StateHandling, acc
	c.FinalFrom, c.FinalDays = workday.DateOf(acc, g.loc).String(), finishPeriod.N
	c.SetData("final_unit", string(casework.CalendarDays))
	g.event(c, acc, "accept", StateRegistered, StateHandling, true, "已受理", nil)
	g.reply(c, g.now.Add(-50*time.Hour))
	c.FlagList = c.Flags.List()
	g.cases = append(g.cases, *c)
	// One being handled, one from last year, through the usual life.
	for _, x := range []*casework.Case{mk(6, "shortage", "小区停车难", "老旧小区夜间无处停车，建议开放周边单位停车场"),
		mk(200, "service", "物业服务差", "楼道灯坏了一个月无人修")} {
		g.add(x)
	}
}

// reviewCases add two petitions whose later stages are under way at the
// demo's now, whatever the draws gave (at scale 1 the few reviews may all
// be decided by then): one whose petitioner asked last week for a review
// (复查) of the reply, and one who asked for a re-review (复核) of the
// review's decision. Built by hand, like the citizen's reply, on the rules'
// days: each request within 30 days of what it contests, each decision
// within 30 days of its request.
func (g *demoGen) reviewCases() {
	if len(g.districts) == 0 {
		return
	}
	// daysAgo is hour o'clock of the day n days before the demo's now.
	daysAgo := func(n int, hour float64) time.Time {
		day := workday.DateOf(g.now, g.loc).AddDays(-n)
		return day.In(g.loc).Add(time.Duration(hour * float64(time.Hour))).UTC()
	}
	for i, x := range []struct {
		replied  int // days before now
		rereview bool
		sub      string
	}{{20, false, "eligibility"}, {72, true, "compensation"}} {
		d := g.districts[i%len(g.districts)]
		tx := demoTexts[x.sub][0]
		received := daysAgo(x.replied+50, 9.5)
		c := &casework.Case{Type: TypeName, State: StateRegistered, Version: 1, OrgUnitID: d.ID, OrgPath: d.Path,
			Subcategory: x.sub, Kind: KindAppeal, Channel: ChannelLetter, Title: tx.title, Body: tx.body + "。",
			PartyName: demoSurnames[i+7] + demoGiven[i+17], PartyPhone: fmt.Sprintf("13%d%08d", 5+i, 20260000+i),
			ReceivedAt: received, CreatedAt: received, Data: map[string]any{}}
		for _, cat := range Categories {
			if cat.hasSub(x.sub) {
				c.Category, c.DepartmentID = cat.Code, g.depts[cat.Department]
			}
		}
		if cs := g.compounds[d.ID]; len(cs) > 0 {
			cp := cs[len(cs)/2]
			c.CompoundID, c.Address, c.Body = cp.ID, d.Name+cp.Name, cp.Name+"："+c.Body
			c.Lat, c.Lng = &cp.Lat, &cp.Lng
		}
		g.handMade(c)
		contact := received.Add(26 * time.Hour)
		c.RespondedAt = contact
		g.event(c, contact, "contact", StateRegistered, StateRegistered, false, "已电话联系信访人，了解诉求", nil)
		acc := received.AddDate(0, 0, 4)
		c.State, c.AcceptedAt = StateHandling, acc
		c.FinalFrom, c.FinalDays = workday.DateOf(acc, g.loc).String(), finishPeriod.N
		c.SetData("final_unit", string(casework.CalendarDays))
		g.event(c, acc, "accept", StateRegistered, StateHandling, true,
			fmt.Sprintf("已受理，将于%s前办结", g.deadline(acc, finishPeriod).In(g.loc).Format("2006年1月2日")), nil)
		g.reply(c, daysAgo(x.replied, 15))
		if !x.rereview {
			g.requestReview(c, daysAgo(6, 10))
		} else {
			g.requestReview(c, daysAgo(x.replied-9, 10))
			g.decideReview(c, daysAgo(x.replied-35, 16))
			g.requestRereview(c, daysAgo(x.replied-63, 10))
		}
		g.queue(c)
	}
}

// flush writes the queued cases and events in multi-row INSERTs, one
// transaction, and moves PostgreSQL's id sequences past them.
func (g *demoGen) flush(ctx context.Context) error {
	if len(g.cases) == 0 {
		return nil
	}
	err := g.env.DB.Tx(ctx, func(tx *db.Tx) error {
		caseCols := `id, type, number, state, version, org_unit_id, org_path, department_id, assignee_id,
			category, subcategory, kind, channel, title, body, party_user_id, party_name, party_phone, check_code, address, lat, lng,
			compound_id, external_ref, received_at, response_due_at, responded_at, stage_due_at, final_from, final_days, final_due_at,
			due_at, notified_level, accepted_at, replied_at, closed_at, closed_reason, rating, rated_at, flags, related_id,
			track_failures, data, created_at, updated_at`
		// PostgreSQL's keyword terms, as the engine writes them (else the
		// engine would fill them in later, with an UPDATE of every case).
		terms := tx.Dialect() == db.Postgres
		if terms {
			caseCols += ", search_terms"
		}
		n := strings.Count(caseCols, ",") + 1
		var rows [][]any
		for i := range g.cases {
			c := &g.cases[i]
			data, _ := json.Marshal(c.Data)
			if len(c.Data) == 0 {
				data = []byte("{}")
			}
			if c.UpdatedAt.IsZero() {
				c.UpdatedAt = c.CreatedAt
			}
			rows = append(rows, []any{c.ID, c.Type, c.Number, c.State, c.Version, c.OrgUnitID, c.OrgPath, nid(c.DepartmentID), nil,
				c.Category, c.Subcategory, c.Kind, c.Channel, c.Title, c.Body, nid(c.PartyUserID), c.PartyName, c.PartyPhone,
				c.CheckCode, c.Address, nfloat(c.Lat), nfloat(c.Lng), nid(c.CompoundID), nstr(c.ExternalRef), c.ReceivedAt,
				ntime(c.ResponseDueAt), ntime(c.RespondedAt), ntime(c.StageDueAt), c.FinalFrom, c.FinalDays, ntime(c.FinalDueAt),
				ntime(c.DueAt), c.NotifiedLevel, ntime(c.AcceptedAt), ntime(c.RepliedAt), ntime(c.ClosedAt), c.ClosedReason,
				c.Rating, ntime(c.RatedAt), int64(c.Flags), nid(c.RelatedID), 0, string(data), c.CreatedAt, c.UpdatedAt})
			if terms {
				rows[len(rows)-1] = append(rows[len(rows)-1],
					casework.SearchTermsArg(c.Title, c.Address, c.PartyName, c.OrgPath))
			}
		}
		if err := insertRows(ctx, tx, "cases", caseCols, n, rows, 300); err != nil {
			return err
		}
		const evCols = `id, case_id, at, kind, actor_id, actor_name, actor_role, from_state, to_state, public, text, data`
		rows = rows[:0]
		for _, ev := range g.events {
			data := "{}"
			if len(ev.Data) > 0 {
				b, _ := json.Marshal(ev.Data)
				data = string(b)
			}
			pub := 0
			if ev.Public {
				pub = 1
			}
			rows = append(rows, []any{ev.ID, ev.CaseID, ev.At, ev.Kind, nil, ev.ActorName, ev.ActorRole, ev.FromState, ev.ToState, pub, ev.Text, data})
		}
		if err := insertRows(ctx, tx, "case_events", evCols, 12, rows, 1000); err != nil {
			return err
		}
		if tx.Dialect() == db.Postgres {
			for _, s := range []struct {
				table string
				id    int64
			}{{"cases", g.nextID}, {"case_events", g.nextEv}} {
				var v int64
				if err := tx.QueryRow(ctx, `SELECT setval(pg_get_serial_sequence('`+s.table+`', 'id'), ?)`, s.id).Scan(&v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	g.cases, g.events = g.cases[:0], g.events[:0]
	return err
}

func insertRows(ctx context.Context, tx *db.Tx, table, cols string, n int, rows [][]any, batch int) error {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	for start := 0; start < len(rows); start += batch {
		part := rows[start:min(start+batch, len(rows))]
		args := make([]any, 0, len(part)*n)
		for _, r := range part {
			args = append(args, r...)
		}
		q := `INSERT INTO ` + table + ` (` + cols + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", len(part)), ", ")
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
	}
	return nil
}

// receptions records a leader's reception day in each district every
// month and a home visit every other month, each taking up open or recent
// petitions of that district.
func (g *demoGen) receptions(ctx context.Context) error {
	return g.env.DB.Tx(ctx, func(tx *db.Tx) error {
		leaders := []string{"局长 " + demoSurnames[0] + "建华", "副局长 " + demoSurnames[3] + "明", "副局长 " + demoSurnames[5] + "海燕"}
		for m := range demoMonth {
			for di, d := range g.districts {
				if d.Kind != "district" {
					continue
				}
				kind := ReceptionDay
				if (m+di)%2 == 1 {
					kind = HomeVisit
				}
				day := workday.DateOf(demoStart.AddDate(0, m, 9+di), g.loc)
				if day.In(g.loc).After(demoNow(g.loc)) {
					continue
				}
				place := d.Name + "住建局信访接待室"
				if kind == HomeVisit {
					if cs := g.compounds[d.ID]; len(cs) > 0 {
						place = cs[(m*7+di)%len(cs)].Name
					}
				}
				var id int64
				if err := tx.QueryRow(ctx, `INSERT INTO petition_receptions (kind, held_on, leader_name, place, org_unit_id, org_path,
					notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, kind, day.String(), leaders[(m+di)%len(leaders)],
					place, d.ID, d.Path, "面对面听取诉求，现场协调解决", day.In(g.loc).UTC()).Scan(&id); err != nil {
					return err
				}
				// Take up up to three petitions of the district received the month before.
				from := day.In(g.loc).AddDate(0, -1, 0).UTC()
				if _, err := tx.Exec(ctx, `INSERT INTO petition_reception_cases (reception_id, case_id)
					SELECT ?, id FROM cases WHERE type = 'petition' AND org_path >= ? AND org_path < ? AND received_at >= ? AND received_at < ?
					ORDER BY id LIMIT 3`, id, d.Path, d.Path[:len(d.Path)-1]+"0", from, day.In(g.loc).UTC()); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func nid(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nstr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nfloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func ntime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}
