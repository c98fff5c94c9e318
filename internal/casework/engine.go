package casework

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// Engine runs the case types over one database.
type Engine struct {
	DB  *db.DB
	Cal *workday.Calendar
	// Loc is the city's time zone: deadlines are whole days there.
	Loc *time.Location
	// Now is the clock (tests set it).
	Now func() time.Time
	// Channels deliver notices outside the platform (webhook, SMS).
	Channels []Channel
	// SoonWorkdays: a case is "due soon" when its deadline falls within this
	// many working days (default 2).
	SoonWorkdays int

	mu    sync.RWMutex
	types map[string]*Type
	// paths caches org unit paths: a unit never moves (org.Edit cannot
	// change the parent), so a path once read stays right in every process.
	paths sync.Map
	depts sync.Map // department code → id
	// stamp is the calendar's years at the last recount of assumed deadlines.
	stamp atomic.Value
	// intake queues new cases for a shared commit (intake.go).
	intake groupCommit
	// ids are case ids drawn ahead for intake on PostgreSQL (intake.go).
	ids idPool
}

// New returns an engine with no types.
func New(d *db.DB, cal *workday.Calendar, loc *time.Location) *Engine {
	if loc == nil {
		loc = time.UTC
	}
	return &Engine{DB: d, Cal: cal, Loc: loc, SoonWorkdays: 2, types: map[string]*Type{}}
}

// Register adds a type after checking its declaration.
func (e *Engine) Register(t *Type) error {
	if err := t.check(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.types[t.Name]; dup {
		return fmt.Errorf("casework: type %s registered twice", t.Name)
	}
	e.types[t.Name] = t
	return nil
}

// Type returns a registered type.
func (e *Engine) Type(name string) (*Type, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t, ok := e.types[name]
	return t, ok
}

// Types lists the registered types by name.
func (e *Engine) Types() []*Type {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]*Type, 0, len(e.types))
	for _, t := range e.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// Date is the city's civil date of t.
func (e *Engine) Date(t time.Time) workday.Date { return workday.DateOf(t, e.Loc) }

// unitPath returns the path of org unit id (db.ErrNotFound if none).
func (e *Engine) unitPath(ctx context.Context, q db.Querier, id int64) (string, error) {
	if v, ok := e.paths.Load(id); ok {
		return v.(string), nil
	}
	var path string
	err := q.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, id).Scan(&path)
	if isNoRows(err) {
		return "", db.ErrNotFound
	}
	if err != nil {
		return "", err
	}
	e.paths.Store(id, path)
	return path, nil
}

// UnitPath is unitPath for callers outside the package.
func (e *Engine) UnitPath(ctx context.Context, id int64) (string, error) {
	return e.unitPath(ctx, e.DB, id)
}

// departmentID returns the id of the department with code (0 if none).
func (e *Engine) departmentID(ctx context.Context, code string) int64 {
	if code == "" {
		return 0
	}
	if v, ok := e.depts.Load(code); ok {
		return v.(int64)
	}
	var id int64
	if err := e.DB.QueryRow(ctx, `SELECT id FROM departments WHERE code = ?`, code).Scan(&id); err != nil {
		return 0 // not created yet: do not cache
	}
	e.depts.Store(code, id)
	return id
}

// digits draws n random decimal digits.
func digits(n int) string {
	max := big.NewInt(1)
	for range n {
		max.Mul(max, big.NewInt(10))
	}
	v, err := rand.Int(rand.Reader, max)
	if err != nil {
		panic(err)
	}
	s := v.String()
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// newNumber makes a case number: prefix, the city's date of receipt and
// seven random digits ("XF202602140012345"). Random digits need no counter
// that every intake would queue on, and cannot be walked to find other
// people's cases; a clash is caught by the unique index and redrawn.
func (e *Engine) newNumber(t *Type, received time.Time) string {
	return t.Prefix + received.In(e.Loc).Format("20060102") + digits(7)
}

// recomputeDue sets due_at to the earliest open deadline and, when it moved,
// forgets the notices sent for the old one.
func recomputeDue(c *Case) {
	var due time.Time
	for _, t := range []time.Time{c.ResponseDueAt, c.StageDueAt, c.FinalDueAt} {
		if !t.IsZero() && (due.IsZero() || t.Before(due)) {
			due = t
		}
	}
	if !c.Open() {
		due = time.Time{}
	}
	if !due.Equal(c.DueAt) {
		c.DueAt = due
		c.NotifiedLevel = 0
	}
}

// ErrDuplicate is returned by Create when a case with the same channel and
// external reference exists (a retried hotline push); Existing is that case.
type DuplicateError struct{ Existing Case }

func (e *DuplicateError) Error() string {
	return "casework: case " + e.Existing.Number + " already has this external reference"
}

// Create registers a new case in one short transaction: the case row, its
// first timeline event and the audit record (cases filed at the same moment
// share the transaction: see intake.go). The number is returned only after
// the commit, so a number anyone was told always exists. The caller (the
// type's module) has authorised the intake.
func (e *Engine) Create(ctx context.Context, nc NewCase) (Case, error) {
	// Validation and deadlines are worked out before the write transaction,
	// which then stays as short as intake needs it to be.
	x := e.expected(ctx)
	t, c, ev, err := e.prepare(ctx, e.DB, nc)
	if err != nil {
		x.settle()
		return Case{}, err
	}
	if err := e.commitNew(ctx, x, &newCase{t: t, c: &c, ev: &ev}); err != nil {
		return Case{}, err
	}
	c.FlagList = c.Flags.List()
	return c, nil
}

// CreateTx creates a case inside the caller's transaction, so a module
// whose command also writes its own rows (an inspection result and its
// rectification case) commits all of them or none.
func (e *Engine) CreateTx(ctx context.Context, tx *db.Tx, nc NewCase) (Case, error) {
	t, c, ev, err := e.prepare(ctx, tx, nc)
	if err != nil {
		return Case{}, err
	}
	return e.insert(ctx, tx, t, c, ev)
}

// prepare validates a new case and computes its first deadlines.
func (e *Engine) prepare(ctx context.Context, q db.Querier, nc NewCase) (*Type, Case, Event, error) {
	t, ok := e.Type(nc.Type)
	if !ok {
		return nil, Case{}, Event{}, fmt.Errorf("casework: unknown type %q", nc.Type)
	}
	p := auth.FromContext(ctx)
	now := e.now()
	if nc.ReceivedAt.IsZero() {
		nc.ReceivedAt = now
	}
	nc.ReceivedAt = nc.ReceivedAt.UTC().Truncate(time.Microsecond)
	if t.Validate != nil {
		if err := t.Validate(ctx, &nc); err != nil {
			return nil, Case{}, Event{}, err
		}
	}
	var errs FieldErrors
	if nc.OrgUnitID == 0 {
		errs = append(errs, required("org_unit_id"))
	}
	if nc.ReceivedAt.After(now.Add(time.Minute)) {
		errs = append(errs, Invalid("received_at", "future", "不能晚于当前时间", "cannot be in the future"))
	}
	path := ""
	if nc.OrgUnitID != 0 {
		var err error
		path, err = e.unitPath(ctx, q, nc.OrgUnitID)
		if errors.Is(err, db.ErrNotFound) {
			errs = append(errs, Invalid("org_unit_id", "not_found", "单位不存在", "no such unit"))
		} else if err != nil {
			return nil, Case{}, Event{}, err
		}
	}
	if len(errs) > 0 {
		return nil, Case{}, Event{}, errs
	}
	c := Case{Type: t.Name, State: t.Initial, Version: 1, OrgUnitID: nc.OrgUnitID, OrgPath: path,
		DepartmentID: nc.DepartmentID, Category: nc.Category, Subcategory: nc.Subcategory, Kind: nc.Kind,
		Channel: nc.Channel, Title: nc.Title, Body: nc.Body, PartyUserID: nc.PartyUserID, PartyName: nc.PartyName,
		PartyPhone: nc.PartyPhone, Address: nc.Address, Lat: nc.Lat, Lng: nc.Lng, CompoundID: nc.CompoundID,
		ExternalRef: nc.ExternalRef, ReceivedAt: nc.ReceivedAt, Flags: nc.Flags, RelatedID: nc.RelatedID,
		Data: nc.Data, CreatedAt: now, UpdatedAt: now}
	if nc.Anonymous {
		c.Flags |= FlagAnonymous
	}
	c.CheckCode = CheckCodeFor(nc.PartyPhone)
	assumed := false
	if t.Response != nil {
		rp, err := t.Response(ctx)
		if err != nil {
			return nil, Case{}, Event{}, err
		}
		if rp != nil {
			if c.ResponseDueAt, assumed, err = e.DeadlineAssumed(c.ReceivedAt, *rp); err != nil {
				return nil, Case{}, Event{}, err
			}
		}
	}
	if st, _ := t.State(t.Initial); st.Stage != nil {
		a, err := e.setStage(&c, c.ReceivedAt, *st.Stage)
		if err != nil {
			return nil, Case{}, Event{}, err
		}
		assumed = assumed || a
	}
	if assumed {
		c.Flags |= FlagDeadlineAssumed
	}
	recomputeDue(&c)
	ev := Event{At: now, Kind: "created", ActorID: p.UserID, ActorName: actorName(p), ActorRole: string(p.Role),
		ToState: c.State, Public: true, Text: nc.EventText, Data: map[string]any{"channel": c.Channel}}
	return t, c, ev, nil
}

// insert writes a prepared case, its first timeline event and its audit
// record in tx.
func (e *Engine) insert(ctx context.Context, tx *db.Tx, t *Type, c Case, ev Event) (Case, error) {
	if err := t.beforeInsert(ctx, tx, &c); err != nil {
		return Case{}, err
	}
	if err := e.insertRow(ctx, tx, t, &c); err != nil {
		return Case{}, err
	}
	ev.CaseID = c.ID
	if err := insertEvent(ctx, tx, &ev); err != nil {
		return Case{}, err
	}
	if err := t.onWrite(ctx, tx, Change{After: &c}); err != nil {
		return Case{}, err
	}
	if err := e.auditCreate(ctx, tx, t, &c); err != nil {
		return Case{}, err
	}
	c.FlagList = c.Flags.List()
	return c, nil
}

// insertRow writes the row of a new case, drawing numbers until one is
// free; a *DuplicateError (and nothing written) if its external reference
// is taken.
func (e *Engine) insertRow(ctx context.Context, tx *db.Tx, t *Type, c *Case) error {
	c.ID = 0
	for range 8 {
		c.Number = e.newNumber(t, c.ReceivedAt)
		ok, err := insertCase(ctx, tx, c)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if c.ExternalRef != "" {
			existing, err := e.byExternalRef(ctx, tx, c.Channel, c.ExternalRef)
			if err == nil {
				return &DuplicateError{Existing: existing}
			}
			if !errors.Is(err, db.ErrNotFound) {
				return err
			}
		}
	}
	return errors.New("casework: could not draw a free case number")
}

// auditCreate records the intake of a new case.
func (e *Engine) auditCreate(ctx context.Context, tx *db.Tx, t *Type, c *Case) error {
	return audit.Record(ctx, tx, e.createEntry(t, c))
}

// createEntry is the audit entry of a new case's intake.
func (e *Engine) createEntry(t *Type, c *Case) audit.Entry {
	return audit.Entry{Action: t.Name + ".create", ObjectType: "case", ObjectID: strconv.FormatInt(c.ID, 10),
		Detail: fmt.Sprintf("%s %s via %s", c.Number, c.State, c.Channel), OrgPath: c.OrgPath}
}

func (e *Engine) byExternalRef(ctx context.Context, q db.Querier, channel, ref string) (Case, error) {
	c, err := scanCase(q.QueryRow(ctx, `SELECT `+caseCols+` FROM cases c WHERE c.channel = ? AND c.external_ref = ?`, channel, ref))
	if isNoRows(err) {
		return Case{}, db.ErrNotFound
	}
	return c, err
}

// CheckCodeFor is the code a party proves a case with: the last four digits
// of the phone given, or — without a phone — six random digits that the
// party is shown once.
func CheckCodeFor(phone string) string {
	var ds []byte
	for i := 0; i < len(phone); i++ {
		if phone[i] >= '0' && phone[i] <= '9' {
			ds = append(ds, phone[i])
		}
	}
	if len(ds) >= 4 {
		return string(ds[len(ds)-4:])
	}
	return digits(6)
}

func actorName(p *auth.Principal) string {
	switch {
	case p.Name != "":
		return p.Name
	case p.UserID != 0:
		return "user #" + strconv.FormatInt(p.UserID, 10)
	case p.TokenID != 0:
		return "token #" + strconv.FormatInt(p.TokenID, 10)
	}
	return "anonymous"
}

// logErr logs background failures.
func logErr(msg string, err error) {
	if err != nil {
		slog.Error(msg, "err", err)
	}
}

var parseDate = workday.ParseDate

// Clock is the engine's current time (UTC), for modules that count from it.
func (e *Engine) Clock() time.Time { return e.now() }
