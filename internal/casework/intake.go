package casework

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/db"
)

// Group commit of new cases.
//
// Cases filed at the same moment share one transaction. A writer goroutine
// takes the cases queued so far (up to maxGroup) and writes them in one
// transaction — their rows with one INSERT, their first events with
// another, and one audit INSERT for all, after one read for what each type
// completes them with (BeforeInsert) — answers each, and goes on with
// the cases that came meanwhile; it ends when the queue is empty, and the
// next case to arrive starts it again. Each case is still written whole
// (row, first event, audit record) and its number is returned only after
// the commit that holds it.
//
// SQLite has one writer: every intake transaction waits for the one
// before it, and each commit writes every page it touched to the WAL (the
// cases row alone touches a leaf of each of its indexes). PostgreSQL runs
// each statement in a round trip and each commit waits for the disk. A
// group pays for all of that once.
//
// One writer per process on SQLite, which has one writing connection; up
// to two on PostgreSQL (decisions 18, 27): groups grow with the load, up to
// maxGroup, and on PostgreSQL a second group is written while the first
// waits for its round trips and its commit. A writer is a goroutine of its
// own, not one of the waiting requests: a request that wrote a group would
// go on to send its own response before the next group could start.
// Several processes on one PostgreSQL each group their own.
//
// Two cases of one party (the same phone or the same account) are never
// written by two writers at once: the later one waits for the earlier
// one's commit, so that a type's BeforeInsert (petitions: repeat
// detection) sees the party's earlier case.
//
// On PostgreSQL a group's case ids are drawn ahead from the sequence (a
// block of idBlock at a time, idPool), so that nothing in the group's
// transaction waits for an answer: its BEGIN, cases, first events,
// derived records, audit records and COMMIT go to the server in one round
// trip (decision 29). A clash on a number or an external reference then
// fails the transaction, and its cases are written one by one as below.
//
// A case whose number was drawn by another meanwhile draws again, alone; a
// case whose external reference is taken (*DuplicateError) writes nothing
// and does not disturb the others; any other failure rolls the shared
// transaction back and each of its cases is then written in a transaction
// of its own, so an error belongs to the case that caused it.

// maxGroup bounds the cases one shared transaction holds.
const maxGroup = 64

// newCase is a case waiting to be written, and where to answer.
type newCase struct {
	ctx  context.Context
	t    *Type
	c    *Case
	ev   *Event
	err  error
	done chan struct{} // closed once the case is written or failed (err)
	// parties are its phone and account (partyKeys), set when queued.
	parties []string
}

type groupCommit struct {
	mu    sync.Mutex
	queue []*newCase
	// writers counts the writer goroutines running, busy those writing a
	// group, and parties the cases of each party in those groups.
	writers, busy int
	parties       map[string]int
	// arriving counts the cases on their way to the queue: announced by a
	// module (Expect) or being prepared by Create; queued is signalled when
	// one joins the queue or gives up.
	arriving int
	queued   chan struct{}
}

// The writer, finding fewer than lingerBelow cases queued while others are
// being prepared waits for them, up to lingerFor (as PostgreSQL's
// commit_delay does): one commit then writes the pages a few cases share
// (the leaves of the time-ordered indexes, the tables' last pages) once
// instead of once each. A lone case, with nothing on the way, is written at
// once.
const (
	lingerBelow = 16
	lingerFor   = time.Millisecond
	// pairFor: under a steady stream a case left alone after a group is
	// usually followed within this; a group of one costs nearly as much
	// as a group of two.
	pairFor = 200 * time.Microsecond
)

// arrive tells the writer that a case is being prepared; commitNew or
// leave follows.
func (g *groupCommit) arrive() {
	g.mu.Lock()
	if g.queued == nil {
		g.queued = make(chan struct{}, 1)
	}
	g.arriving++
	g.mu.Unlock()
}

// Expect tells the intake writer that a case is on its way: a module
// calls it when a submission arrives, before its own checks, so that a
// writer about to commit a small group waits for it (see lingerFor). The
// returned context is the one to create the case with; done must be
// called when the request ends (it does nothing once the case is queued).
func (e *Engine) Expect(ctx context.Context) (context.Context, func()) {
	x := &expectation{g: &e.intake}
	x.g.arrive()
	return context.WithValue(ctx, expectKey{}, x), x.settle
}

type expectKey struct{}

// expectation is one expected case; settled once it is queued or gone.
type expectation struct {
	g       *groupCommit
	settled atomic.Bool
}

// settle: the expected case will not be queued (after all, or any more).
func (x *expectation) settle() {
	if x.settled.CompareAndSwap(false, true) {
		x.g.leave()
	}
}

// expected returns the expectation ctx carries, or a new one.
func (e *Engine) expected(ctx context.Context) *expectation {
	if x, ok := ctx.Value(expectKey{}).(*expectation); ok && x.g == &e.intake && !x.settled.Load() {
		return x
	}
	x := &expectation{g: &e.intake}
	x.g.arrive()
	return x
}

// leave: the case that arrived failed before it was queued.
func (g *groupCommit) leave() {
	g.mu.Lock()
	g.arriving--
	g.signal()
	g.mu.Unlock()
}

// signal wakes a lingering writer (with g.mu held).
func (g *groupCommit) signal() {
	select {
	case g.queued <- struct{}{}:
	default:
	}
}

// partyKeys are the parties a case belongs to: its phone, its account.
func partyKeys(c *Case) []string {
	var ks []string
	if c.PartyPhone != "" {
		ks = append(ks, "phone:"+c.PartyPhone)
	}
	if c.PartyUserID != 0 {
		ks = append(ks, "user:"+strconv.FormatInt(c.PartyUserID, 10))
	}
	return ks
}

// take removes the next group from the queue, in order, leaving the cases
// of a party that another writer's group holds (with g.mu held). The
// group's parties are held until done.
func (g *groupCommit) take() []*newCase {
	if g.parties == nil {
		g.parties = map[string]int{}
	}
	var group []*newCase
	rest := g.queue[:0]
	for _, n := range g.queue {
		if len(group) == maxGroup || g.held(n) {
			rest = append(rest, n)
			continue
		}
		group = append(group, n)
	}
	clear(g.queue[len(rest):])
	g.queue = rest
	// Held from here: the group's own cases may share a party.
	for _, n := range group {
		for _, k := range n.parties {
			g.parties[k]++
		}
	}
	return group
}

// held tells whether a party of n's is in a group being written.
func (g *groupCommit) held(n *newCase) bool {
	for _, k := range n.parties {
		if g.parties[k] > 0 {
			return true
		}
	}
	return false
}

// done releases the parties of a group written (with g.mu held).
func (g *groupCommit) done(group []*newCase) {
	for _, n := range group {
		for _, k := range n.parties {
			if g.parties[k]--; g.parties[k] == 0 {
				delete(g.parties, k)
			}
		}
	}
}

// maxWriters is how many groups may be written at once on d.
func maxWriters(d db.Dialect) int {
	if d == db.Postgres {
		return 2
	}
	return 1
}

// commitNew writes n in a transaction it shares with the cases filed at
// the same moment. x is the case's expectation (expected).
func (e *Engine) commitNew(ctx context.Context, x *expectation, n *newCase) error {
	n.ctx, n.done, n.parties = ctx, make(chan struct{}), partyKeys(n.c)
	g := &e.intake
	g.mu.Lock()
	if x.settled.CompareAndSwap(false, true) {
		g.arriving--
	}
	g.queue = append(g.queue, n)
	g.signal()
	// A writer more when every one is writing a group (none lingers).
	if g.writers == 0 || g.busy == g.writers && g.writers < maxWriters(e.DB.Dialect) {
		g.writers++
		go e.writeQueued()
	}
	g.mu.Unlock()
	<-n.done
	return n.err
}

// writeQueued writes groups from the queue until it is empty, or holds
// only cases that wait for another writer's group (which goes on with them).
func (e *Engine) writeQueued() {
	g := &e.intake
	hot := false // a group was written just before
	for {
		g.mu.Lock()
		if len(g.queue) == 0 {
			g.writers--
			g.mu.Unlock()
			return
		}
		// Wait for the cases on their way, or — right after a group, when
		// one case waits alone — a moment for a second one.
		deadline := time.Now()
		switch {
		case len(g.queue) < lingerBelow && g.arriving > 0:
			deadline = deadline.Add(lingerFor)
		case hot && len(g.queue) == 1:
			deadline = deadline.Add(pairFor)
		}
		for len(g.queue) < lingerBelow && (g.arriving > 0 || len(g.queue) == 1) {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			g.mu.Unlock()
			t := time.NewTimer(left)
			select {
			case <-g.queued:
			case <-t.C:
			}
			t.Stop()
			g.mu.Lock()
		}
		group := g.take()
		if len(group) == 0 {
			g.writers--
			g.mu.Unlock()
			return
		}
		g.busy++
		g.mu.Unlock()
		e.writeAndAnswer(group, func() {
			g.mu.Lock()
			g.busy--
			g.done(group)
			g.mu.Unlock()
		})
		hot = true
	}
}

// writeAndAnswer writes group and answers each of its cases, whatever
// happens: a panic while writing fails the group's cases (and is not
// carried further: the writer belongs to no one request).
func (e *Engine) writeAndAnswer(group []*newCase, written func()) {
	defer func() {
		p := recover()
		written() // before the answers: a party's next case may go
		for _, n := range group {
			if p != nil {
				n.err = fmt.Errorf("casework: writing new cases: %v", p)
			}
			close(n.done)
		}
	}()
	e.writeGroup(group)
}

// completeNew runs each type's BeforeInsert for its cases of group, in the
// group's transaction: with one read of the database for all, which on
// PostgreSQL goes with the BEGIN (decision 28) and on SQLite runs on the
// writer's connection, whose cache holds the pages just written (3% faster
// than a reading connection, measured).
func (e *Engine) completeNew(ctx context.Context, tx *db.Tx, group []*newCase) error {
	byType := map[*Type][]*Case{}
	for _, n := range group {
		byType[n.t] = append(byType[n.t], n.c)
	}
	for t, cs := range byType {
		if err := t.beforeInsert(ctx, tx, cs...); err != nil {
			return err
		}
	}
	return nil
}

// errGroup aborts a shared transaction after a failure that is not a
// duplicate; its cases are then written one by one.
var errGroup = errors.New("casework: group aborted")

// writeGroup writes the cases of group, setting each one's err.
func (e *Engine) writeGroup(group []*newCase) {
	live := group[:0:0]
	for _, n := range group {
		if err := n.ctx.Err(); err != nil {
			n.err = err // gone before anything was written
			continue
		}
		live = append(live, n)
	}
	if len(live) == 0 {
		return
	}
	if len(live) > 1 || e.DB.Dialect == db.Postgres {
		// The shared transaction belongs to no one request: one that goes
		// away mid-way must not roll back the others. Pipelined on
		// PostgreSQL (decisions 24, 29): with their ids drawn ahead, the
		// cases, their events, derived records and audit records go with
		// the BEGIN and the COMMIT in one round trip — for a case alone
		// too.
		ctx := context.Background()
		var err error
		if e.DB.Dialect == db.Postgres {
			err = e.ids.assign(ctx, e.DB, live)
		}
		if err == nil {
			err = e.DB.PipelinedTx(ctx, func(tx *db.Tx) error { return e.writeMany(tx, live) })
		}
		if err == nil {
			return
		}
	}
	for _, n := range live {
		n.err = e.DB.Tx(n.ctx, func(tx *db.Tx) error {
			c, err := e.insert(n.ctx, tx, n.t, *n.c, *n.ev)
			if err == nil {
				*n.c = c
			}
			return err
		})
	}
}

// idBlock is how many case ids a draw from PostgreSQL's sequence takes.
const idBlock = 256

// idPool holds case ids drawn ahead from PostgreSQL's sequence for intake.
// Ids drawn and never used (a group that failed, a process that stopped)
// are gaps in the sequence, as a rolled-back insert leaves.
type idPool struct {
	mu  sync.Mutex
	ids []int64
}

// assign gives each case of group an id from the pool, drawing a block
// when too few are left.
func (p *idPool) assign(ctx context.Context, d *db.DB, group []*newCase) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ids) < len(group) {
		rows, err := d.Query(ctx, `SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, ?)`,
			max(idBlock, len(group)))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			p.ids = append(p.ids, id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for i, n := range group {
		n.c.ID = p.ids[i]
	}
	p.ids = p.ids[len(group):]
	return nil
}

// writeMany writes the cases of group in tx (see the top of the file),
// setting each one's err; errGroup (or the failure) if tx must roll back.
func (e *Engine) writeMany(tx *db.Tx, group []*newCase) error {
	ctx := context.Background()
	if err := e.completeNew(ctx, tx, group); err != nil {
		return err
	}
	cs := make([]*Case, len(group))
	drawn := make(map[string]bool, len(group))
	for i, n := range group {
		n.err = nil
		for {
			n.c.Number = e.newNumber(n.t, n.c.ReceivedAt)
			if !drawn[n.c.Number] {
				break
			}
		}
		drawn[n.c.Number] = true
		cs[i] = n.c
	}
	if err := insertCases(ctx, tx, cs); err != nil {
		return err
	}
	evs := make([]Event, 0, len(group))
	for _, n := range group {
		if n.c.ID == 0 {
			// Its number was taken meanwhile, or its external reference.
			n.err = e.insertRow(context.WithoutCancel(n.ctx), tx, n.t, n.c)
			var dup *DuplicateError
			if errors.As(n.err, &dup) {
				continue
			}
			if n.err != nil {
				return errGroup
			}
		}
		n.ev.CaseID = n.c.ID
		evs = append(evs, *n.ev)
	}
	if err := insertEvents(ctx, tx, evs); err != nil {
		return err
	}
	// The types' derived records, a call per type with all its new cases.
	changes := map[*Type][]Change{}
	for _, n := range group {
		if n.err == nil {
			changes[n.t] = append(changes[n.t], Change{After: n.c})
		}
	}
	for t, chs := range changes {
		if err := t.onWrite(ctx, tx, chs...); err != nil {
			return err
		}
	}
	var made []audit.Made
	for _, n := range group {
		if n.err == nil {
			made = append(made, audit.Made{Ctx: n.ctx, Entry: e.createEntry(n.t, n.c)})
		}
	}
	return audit.RecordMany(ctx, tx, made)
}
