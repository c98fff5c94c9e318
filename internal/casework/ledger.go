package casework

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// Filter selects cases for a ledger (台账) view and its export.
type Filter struct {
	Type        string
	States      []string
	Category    string
	Subcategory string
	Kind        string
	Channel     string
	// UnitID keeps cases handled within that unit (a district, a street…).
	UnitID int64
	// Due: "overdue" (an open deadline has passed), "soon" (due within the
	// engine's due-soon horizon), or "" for any.
	Due string
	// Open: "open", "closed" or "" for both.
	Open string
	// Flag: one of FlagNames.
	Flag string
	// From and To bound the day of receipt, both included (the city's dates).
	From, To workday.Date
	// Keyword matches the number, title, address or party name; a whole
	// case number or mobile number matches exactly.
	Keyword string
	// Sort: received (newest first, the default), -received, due, -due,
	// number, updated.
	Sort string
	Page int
	Size int
}

// Sorts a ledger offers.
var Sorts = []string{"received", "-received", "due", "-due", "number", "updated"}

// MaxPageSize bounds one page of a ledger.
const MaxPageSize = 200

// ParseFilter reads a filter from query parameters: type, state (repeated
// or comma-separated), category, subcategory, kind, channel, unit, due,
// open, flag, from, to (YYYY-MM-DD), q, sort, page, size.
func ParseFilter(v url.Values) (Filter, error) {
	f := Filter{Type: v.Get("type"), Category: v.Get("category"), Subcategory: v.Get("subcategory"),
		Kind: v.Get("kind"), Channel: v.Get("channel"), Due: v.Get("due"), Open: v.Get("open"), Flag: v.Get("flag"),
		Keyword: strings.TrimSpace(v.Get("q")), Sort: v.Get("sort"), Page: 1, Size: 20}
	var errs FieldErrors
	for _, s := range v["state"] {
		for x := range strings.SplitSeq(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				f.States = append(f.States, x)
			}
		}
	}
	if s := v.Get("unit"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			errs = append(errs, Invalid("unit", "invalid", "单位无效", "invalid unit"))
		}
		f.UnitID = id
	}
	for _, d := range []struct {
		name string
		to   *workday.Date
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := v.Get(d.name); s != "" {
			x, err := workday.ParseDate(s)
			if err != nil {
				errs = append(errs, Invalid(d.name, "invalid", "日期格式应为 YYYY-MM-DD", "must be a date YYYY-MM-DD"))
			}
			*d.to = x
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		errs = append(errs, Invalid("to", "before_from", "结束日期早于开始日期", "is before the start date"))
	}
	switch f.Due {
	case "", "overdue", "soon":
	default:
		errs = append(errs, Invalid("due", "invalid", "无效的期限筛选", "must be overdue or soon"))
	}
	switch f.Open {
	case "", "open", "closed":
	default:
		errs = append(errs, Invalid("open", "invalid", "无效的办结筛选", "must be open or closed"))
	}
	if f.Flag != "" {
		if _, ok := FlagByName(f.Flag); !ok {
			errs = append(errs, Invalid("flag", "invalid", "无效的标记", "unknown flag"))
		}
	}
	if f.Sort != "" && !slices.Contains(Sorts, f.Sort) {
		errs = append(errs, Invalid("sort", "invalid", "无效的排序", "unknown sort"))
	}
	if n, err := strconv.Atoi(v.Get("page")); err == nil && n > 0 {
		f.Page = n
	}
	if n, err := strconv.Atoi(v.Get("size")); err == nil && n > 0 {
		f.Size = min(n, MaxPageSize)
	}
	return f, errs.OrNil()
}

// Values is the filter as query parameters (without paging), for links,
// exports and saved filters.
func (f Filter) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("type", f.Type)
	if len(f.States) > 0 {
		v.Set("state", strings.Join(f.States, ","))
	}
	set("category", f.Category)
	set("subcategory", f.Subcategory)
	set("kind", f.Kind)
	set("channel", f.Channel)
	if f.UnitID != 0 {
		v.Set("unit", strconv.FormatInt(f.UnitID, 10))
	}
	set("due", f.Due)
	set("open", f.Open)
	set("flag", f.Flag)
	if !f.From.IsZero() {
		v.Set("from", f.From.String())
	}
	if !f.To.IsZero() {
		v.Set("to", f.To.String())
	}
	set("q", f.Keyword)
	set("sort", f.Sort)
	return v
}

var numberLike = regexp.MustCompile(`^[A-Z]{1,4}\d{15}$`)

// ledgerWhere is a list's WHERE clause: who may see (in the two parts of
// visibleParts) and what the filter selects (rest).
type ledgerWhere struct {
	own, pending string
	ownArgs      []any
	pendArgs     []any
	rest         string
	restArgs     []any
	// open: rest keeps to open cases (closed_at IS NULL), due: and to
	// those with a deadline; typed: rest names the type.
	open, due, typed bool
	// countIndex, when set, is the index the own part is counted from.
	countIndex string
	// wholeType: rest is only "c.type = ?" with this type.
	wholeType string
	// kw: the free-text keyword of rest, when the keyword index answers it
	// (search.go); useKW: the parts are read from its candidates (see
	// candidates) rather than from every case; countLimit > 0: count stops
	// each part at countLimit+1 cases.
	kw         *keywordSearch
	useKW      bool
	countLimit int
}

// sql is the whole clause: (own OR pending) AND rest, or — when the pending
// part is left out (it matched nothing) — own AND rest.
func (w ledgerWhere) sql(withPending bool) (string, []any) {
	if w.pending == "" || !withPending {
		return "(" + w.own + ") AND " + w.rest, append(append([]any{}, w.ownArgs...), w.restArgs...)
	}
	return "((" + w.own + ") OR (" + w.pending + ")) AND " + w.rest,
		append(append(append([]any{}, w.ownArgs...), w.pendArgs...), w.restArgs...)
}

// count counts the cases w selects, each part of the visibility alone; it
// also tells whether the pending part matched any (if not, the rows can be
// read without it). With w.countLimit, each part counts at most
// countLimit+1 cases: a total above countLimit means "more than".
func (e *Engine) count(ctx context.Context, w ledgerWhere) (total int, pending bool, err error) {
	if w.wholeType != "" && w.own == "1 = 1" {
		// Every case of one type (the city's default ledger): its total
		// is kept (counts.go).
		total, err = e.typeCount(ctx, w.wholeType)
		return total, false, err
	}
	part := func(own bool, from, where string, args []any) (int, error) {
		var fromArgs []any
		if w.useKW && own {
			// (The pending part, a few transfers found by their own index,
			// needs no keyword index.)
			from, fromArgs = e.candidates(w.kw, true)
		}
		q := `SELECT COUNT(*) FROM ` + from + ` WHERE ` + where
		args = append(append(append([]any{}, fromArgs...), args...), w.restArgs...)
		if w.countLimit > 0 {
			q = `SELECT COUNT(*) FROM (SELECT 1 FROM ` + from + ` WHERE ` + where + ` LIMIT ?) x`
			args = append(args, w.countLimit+1)
		}
		var n int
		err := e.DB.QueryRow(ctx, q, e.customPlan(w.kw != nil, args)...).Scan(&n)
		return n, err
	}
	if total, err = part(true, `cases c`+e.indexedBy(w.countIndex), `(`+w.own+`) AND `+w.rest, w.ownArgs); err != nil {
		return 0, false, err
	}
	if w.pending == "" {
		return total, false, nil
	}
	n, err := part(false, `cases c`, `(`+w.pending+`) AND `+w.rest, w.pendArgs)
	if err != nil {
		return 0, false, err
	}
	return total + n, n > 0, nil
}

// where builds the WHERE clause of f for the principal of ctx.
func (e *Engine) where(ctx context.Context, f Filter) (ledgerWhere, error) {
	t, _ := e.Type(f.Type)
	p := auth.FromContext(ctx)
	var w ledgerWhere
	w.own, w.ownArgs, w.pending, w.pendArgs = e.visibleParts(ctx, p, t)
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if f.Type != "" {
		add("c.type = ?", f.Type)
		w.typed = true
	}
	if len(f.States) > 0 {
		a := make([]any, len(f.States))
		for i, s := range f.States {
			a[i] = s
		}
		add("c.state IN ("+placeholders(len(a))+")", a...)
	}
	for _, x := range []struct{ col, v string }{{"c.category", f.Category}, {"c.subcategory", f.Subcategory},
		{"c.kind", f.Kind}, {"c.channel", f.Channel}} {
		if x.v != "" {
			add(x.col+" = ?", x.v)
		}
	}
	unitPath := ""
	if f.UnitID != 0 {
		path, err := e.unitPath(ctx, e.DB, f.UnitID)
		if errors.Is(err, db.ErrNotFound) {
			return w, FieldErrors{Invalid("unit", "not_found", "单位不存在", "no such unit")}
		} else if err != nil {
			return w, err
		}
		unit := &auth.Principal{OrgPath: path}
		s, a := unit.ScopeSQL("c.org_path")
		add(s, a...)
		if len(a) > 0 {
			unitPath = path
		}
	}
	now := e.now()
	switch f.Due {
	case "overdue":
		add("c.closed_at IS NULL AND c.due_at < ?", now)
		w.open, w.due = true, true
	case "soon":
		soon, err := e.soonThreshold(now)
		if err != nil {
			return w, err
		}
		add("c.closed_at IS NULL AND c.due_at >= ? AND c.due_at <= ?", now, soon)
		w.open, w.due = true, true
	}
	switch f.Open {
	case "open":
		add("c.closed_at IS NULL")
		w.open = true
	case "closed":
		add("c.closed_at IS NOT NULL")
	}
	if fl, ok := FlagByName(f.Flag); ok && f.Flag != "" {
		// The flag is written into the SQL, not bound: SQLite compares a
		// bound mask with partial indexes' predicates such as cases_assumed's
		// "(flags & 128) <> 0" and would then compile the statement anew on
		// every run (see petition's migration 0004).
		add("(c.flags & " + strconv.FormatInt(int64(fl), 10) + ") <> 0")
	}
	if !f.From.IsZero() {
		add("c.received_at >= ?", f.From.In(e.Loc).UTC())
	}
	if !f.To.IsZero() {
		add("c.received_at < ?", f.To.AddDays(1).In(e.Loc).UTC())
	}
	if kw := f.Keyword; kw != "" {
		up := strings.ToUpper(strings.ReplaceAll(kw, "-", ""))
		switch {
		case numberLike.MatchString(up):
			add("c.number = ?", up)
		case auth.ValidMobile(auth.NormalizeMobile(kw)):
			add("c.party_phone = ?", auth.NormalizeMobile(kw))
		default:
			like := e.DB.Dialect.ILike()
			pat := "%" + db.EscapeLike(kw) + "%"
			add("(c.title "+like+` ? ESCAPE '\' OR c.address `+like+` ? ESCAPE '\' OR c.party_name `+like+` ? ESCAPE '\')`, pat, pat, pat)
			w.kw = e.keywordSearch(ctx, kw, p, w.own, unitPath)
		}
	}
	if len(conds) == 0 {
		conds = append(conds, "1 = 1")
	}
	w.rest, w.restArgs = strings.Join(conds, " AND "), args
	if len(conds) == 1 && w.typed {
		w.wholeType = f.Type
	}
	if w.open && w.typed {
		// The open cases alone: in deadline order for the deadline filters,
		// else by category, or by unit when the list keeps to a unit.
		w.countIndex = "cases_due"
		switch {
		case w.due:
		case f.Category != "":
			w.countIndex = "cases_open_category"
		case w.own != "1 = 1" || f.UnitID != 0:
			w.countIndex = "cases_open_scope"
		}
	}
	return w, nil
}

func orderBy(sort string) string {
	switch sort {
	case "-received":
		return "c.received_at, c.id"
	case "due":
		return "c.due_at IS NULL, c.due_at, c.id"
	case "-due":
		return "c.due_at IS NULL, c.due_at DESC, c.id"
	case "number":
		return "c.number"
	case "updated":
		return "c.updated_at DESC, c.id DESC"
	}
	return "c.received_at DESC, c.id DESC"
}

// List returns one page of the cases that f selects among those the
// principal of ctx may see, and how many there are in all — for a free-text
// keyword with more than KeywordCountLimit matches, KeywordCountLimit (or
// the end of the next page, deeper in): see Ledger.
func (e *Engine) List(ctx context.Context, f Filter) ([]Case, int, error) {
	l, err := e.Ledger(ctx, f)
	return l.Cases, l.Total, err
}

// KeywordCountLimit: a ledger with a free-text keyword counts its matches
// up to this many and says "more than" beyond: counting every match of a
// keyword common in the city would read every one of them
// (docs/decisions.md, 17).
const KeywordCountLimit = 1000

// keywordCountLimit is KeywordCountLimit (tests lower it).
var keywordCountLimit = KeywordCountLimit

// LedgerPage is one page of a ledger and its total.
type LedgerPage struct {
	Cases []Case
	// Total is how many cases match — or, when TotalCapped, how many were
	// counted before counting stopped: there are more.
	Total       int
	TotalCapped bool
}

// Ledger returns one page of the cases that f selects among those the
// principal of ctx may see, and how many there are in all. With a
// free-text keyword counting stops after KeywordCountLimit matches (or
// after the end of the next page, deeper in): then TotalCapped.
func (e *Engine) Ledger(ctx context.Context, f Filter) (LedgerPage, error) {
	w, err := e.where(ctx, f)
	if err != nil {
		return LedgerPage{}, err
	}
	size := f.Size
	if size <= 0 || size > MaxPageSize {
		size = 20
	}
	page := max(f.Page, 1)
	counted := w
	if w.kw != nil {
		// The keyword's candidates are counted, up to the cap (past it, to
		// the end of the next page: a next page is offered while there
		// are more).
		counted.useKW, counted.countLimit = true, max(keywordCountLimit, (page+1)*size)
	}
	total, pending, err := e.count(ctx, counted)
	if err != nil {
		return LedgerPage{}, err
	}
	capped := counted.countLimit > 0 && total > counted.countLimit
	where, args := w.sql(pending)
	plan := e.planPage(w, f.Sort, total)
	switch {
	case capped:
		// Many match: the page is read by walking its order (an index of
		// the type), checking each row's LIKE — cheaper than checking the
		// row against the candidates.
		total = counted.countLimit
		plan = e.planPage(w, f.Sort, max(total, pageScanMin))
	case w.kw != nil:
		// Few: gathered from the candidates, then sorted.
		plan.gather, plan.index = true, ""
		plan.from, plan.fromArgs = e.candidates(w.kw, !pending)
	}
	plan.custom = w.kw != nil
	out, err := e.query(ctx, where, args, plan, size, (page-1)*size)
	return LedgerPage{Cases: out, Total: total, TotalCapped: capped}, err
}

// pageScanMin: when at least this many cases match, a page is read by
// walking an index in the page's order until the page is full (the
// matches are dense enough to come soon); fewer are gathered and sorted.
const pageScanMin = 5000

// pagePlan is how to read one page.
type pagePlan struct {
	order string
	// index (SQLite) is the index to read the page from; "" leaves it to
	// the planner.
	index string
	// gather: few cases match; find them all, then sort.
	gather bool
	// from, fromArgs: the rows to read, when not every case (a keyword's
	// candidates); custom: planned with its values (see customPlan).
	from     string
	fromArgs []any
	custom   bool
}

// planPage chooses how to read a page of the cases w selects, knowing how
// many there are. Neither planner weighs a LIMIT well against where the
// matches lie: SQLite gathers and sorts a whole district to show its
// newest twenty, and PostgreSQL walks an index in the page's order past
// hundreds of thousands of rows when the few matches all lie at its far
// end. The count just taken tells which way is short.
func (e *Engine) planPage(w ledgerWhere, sort string, total int) pagePlan {
	p := pagePlan{order: orderBy(sort), gather: total < pageScanMin}
	if !w.typed {
		return p
	}
	if w.open {
		// Only open cases: gathered from the open cases' index the count
		// was taken from.
		p.index = w.countIndex
	}
	switch sort {
	case "", "received", "-received":
		if !p.gather {
			p.index = "cases_type_received"
		}
	case "due", "-due":
		if w.due {
			// Every case selected has a deadline: the index's order is the
			// page's order.
			p.order = "c.due_at, c.id"
			if sort == "-due" {
				p.order = "c.due_at DESC, c.id"
			}
		}
	}
	return p
}

// indexedBy tells SQLite which index to read (nothing for PostgreSQL).
func (e *Engine) indexedBy(index string) string {
	if index == "" || e.DB.Dialect != db.SQLite {
		return ""
	}
	return " INDEXED BY " + index
}

// Each calls fn for every case f selects (no paging), in the filter's
// order, stopping at limit+1 cases with ErrTooMany — an export never
// silently cuts a ledger short.
func (e *Engine) Each(ctx context.Context, f Filter, limit int, fn func(Case) error) error {
	w, err := e.where(ctx, f)
	if err != nil {
		return err
	}
	w.useKW = w.kw != nil // exact: every candidate checked by its LIKE
	n, pending, err := e.count(ctx, w)
	if err != nil {
		return err
	}
	where, args := w.sql(pending)
	if n > limit {
		return &TooManyError{N: n, Limit: limit}
	}
	from, fromArgs := `cases c`, []any(nil)
	if w.useKW {
		from, fromArgs = e.candidates(w.kw, !pending)
	}
	rows, err := e.DB.Query(ctx, `SELECT `+caseCols+`, u.name, '' FROM `+from+` JOIN org_units u ON u.id = c.org_unit_id
		WHERE `+where+` ORDER BY `+orderBy(f.Sort), e.customPlan(w.kw != nil, append(fromArgs, args...))...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var unit, pending extraName
		c, err := scanCase(rows, &unit, &pending)
		if err != nil {
			return err
		}
		c.UnitName = unit.s
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// TooManyError: an export would exceed its limit; narrow the filter.
type TooManyError struct{ N, Limit int }

func (e *TooManyError) Error() string {
	return "casework: " + strconv.Itoa(e.N) + " cases match, more than the " + strconv.Itoa(e.Limit) + " an export may hold"
}

// FieldInfo makes it a 422 on the filter.
func (e *TooManyError) FieldInfo() (string, string, string, string) {
	return "q", "too_many", "符合条件的案件有 " + strconv.Itoa(e.N) + " 件，超过单次导出上限 " + strconv.Itoa(e.Limit) + " 件，请缩小筛选范围",
		strconv.Itoa(e.N) + " cases match, more than the " + strconv.Itoa(e.Limit) + " one export may hold; narrow the filter"
}

// query reads one page: the ids first, from an index where one holds what
// the filter tests (the rows skipped to reach a later page are never
// read), then those rows with their unit's name.
func (e *Engine) query(ctx context.Context, where string, args []any, p pagePlan, limit, offset int) ([]Case, error) {
	from := `cases c` + e.indexedBy(p.index)
	if p.from != "" {
		from = p.from
	}
	if p.gather && e.DB.Dialect == db.Postgres {
		// OFFSET 0 keeps PostgreSQL from planning the selection with the
		// page's LIMIT: it finds the few cases by their filters, then sorts.
		from = `(SELECT * FROM ` + from + ` WHERE ` + where + ` OFFSET 0) c`
		where = "1 = 1"
	}
	rows, err := e.DB.Query(ctx, `SELECT `+caseCols+`, u.name, '' FROM cases c JOIN org_units u ON u.id = c.org_unit_id
		WHERE c.id IN (SELECT c.id FROM `+from+` WHERE `+where+` ORDER BY `+p.order+` LIMIT ? OFFSET ?)
		ORDER BY `+p.order, e.customPlan(p.custom, append(append(append([]any{}, p.fromArgs...), args...), limit, offset))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Case{}
	for rows.Next() {
		var unit, pending extraName
		c, err := scanCase(rows, &unit, &pending)
		if err != nil {
			return nil, err
		}
		c.UnitName = unit.s
		out = append(out, c)
	}
	return out, rows.Err()
}

// Due lists open cases of type typ visible to p whose earliest deadline is
// before horizon (overdue ones included), soonest first, and counts them.
func (e *Engine) Due(ctx context.Context, p *auth.Principal, typ string, horizon time.Time, limit int) ([]Case, int, error) {
	ctx = auth.WithPrincipal(ctx, p)
	t, _ := e.Type(typ)
	var w ledgerWhere
	w.own, w.ownArgs, w.pending, w.pendArgs = e.visibleParts(ctx, p, t)
	w.rest, w.restArgs = "c.type = ? AND c.closed_at IS NULL AND c.due_at IS NOT NULL AND c.due_at <= ?", []any{typ, horizon.UTC()}
	w.open, w.due, w.typed, w.countIndex = true, true, true, "cases_due"
	total, pending, err := e.count(ctx, w)
	if err != nil {
		return nil, 0, err
	}
	where, args := w.sql(pending)
	out, err := e.query(ctx, where, args, pagePlan{order: "c.due_at, c.id", index: "cases_due", gather: total < pageScanMin}, limit, 0)
	return out, total, err
}
