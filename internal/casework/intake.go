package casework

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/db"
)

// Group commit of new cases.
//
// Cases filed at the same moment share one transaction. The first to
// arrive while no group is being written leads: it writes the cases queued
// so far (up to maxGroup) in one transaction — their rows with one INSERT,
// their first events with another, and an audit record each — answers
// each, and hands the lead to the next waiting case if more came
// meanwhile. Each case is still written whole (row, first event, audit
// record) and its number is returned only after the commit that holds it.
//
// SQLite has one writer: every intake transaction waits for the one
// before it, each statement is compiled anew, and each commit writes every
// page it touched to the WAL (the cases row alone touches a leaf of each of
// its indexes). PostgreSQL runs each statement in a round trip and each
// commit waits for the disk. A group pays for all of that once.
//
// A case whose number was drawn by another meanwhile draws again, alone; a
// case whose external reference is taken (*DuplicateError) writes nothing
// and does not disturb the others; any other failure rolls the shared
// transaction back and each of its cases is then written in a transaction
// of its own, so an error belongs to the case that caused it. Several
// processes on one PostgreSQL each group their own.

// maxGroup bounds the cases one shared transaction holds.
const maxGroup = 64

// maxLeaders bounds the groups written at once: one on SQLite (one
// writer), a few on PostgreSQL (whose round trips and commits overlap).
func (e *Engine) maxLeaders() int {
	if e.DB.Dialect == db.Postgres {
		return 4
	}
	return 1
}

// newCase is a case waiting to be written, and where to answer.
type newCase struct {
	ctx context.Context
	t   *Type
	c   *Case
	ev  *Event
	err error
	// done says "write this group" (the case leads it; it is in it) or,
	// nil, that the case is written or failed (err).
	done chan []*newCase
}

type groupCommit struct {
	mu      sync.Mutex
	queue   []*newCase
	leaders int       // groups being written
	last    time.Time // when the last group was written
}

// Under a steady stream of intake a leader that finds itself nearly alone
// waits a moment for the cases about to arrive (as PostgreSQL's
// commit_delay does): one commit then writes the pages a few cases share
// (the leaves of the time-ordered indexes, the tables' last pages) once
// instead of once each. Only when another group was written just before:
// a lone petition is written at once.
const (
	lingerBelow = 4                      // a group smaller than this lingers
	lingerFor   = 700 * time.Microsecond // for this long
	busyWithin  = 3 * time.Millisecond   // if the last group was written this recently
)

// take removes the next group from the queue (with g.mu held).
func (g *groupCommit) take() []*newCase {
	k := min(len(g.queue), maxGroup)
	group := append([]*newCase(nil), g.queue[:k]...)
	g.queue = append(g.queue[:0], g.queue[k:]...)
	return group
}

// commitNew writes n in a transaction it shares with the cases filed at
// the same moment.
func (e *Engine) commitNew(ctx context.Context, n *newCase) error {
	n.ctx, n.done = ctx, make(chan []*newCase, 1)
	g := &e.intake
	g.mu.Lock()
	g.queue = append(g.queue, n)
	var group []*newCase
	if g.leaders < e.maxLeaders() {
		g.leaders++
		if len(g.queue) < lingerBelow && time.Since(g.last) < busyWithin {
			g.mu.Unlock()
			time.Sleep(lingerFor)
			g.mu.Lock()
		}
		group = g.take()
	}
	g.mu.Unlock()
	if group != nil {
		e.lead(group)
	}
	for {
		group := <-n.done
		if group == nil {
			return n.err
		}
		e.lead(group)
	}
}

// lead writes group, answers its cases and hands the next group, if any
// came meanwhile, to the first of its cases to lead.
func (e *Engine) lead(group []*newCase) {
	defer func() {
		// Whatever happens, every case of the group is answered and the
		// lead moves on; a panic then goes on up the leader's request.
		p := recover()
		for _, n := range group {
			if p != nil {
				n.err = fmt.Errorf("casework: writing new cases: %v", p)
			}
			n.done <- nil
		}
		g := &e.intake
		g.mu.Lock()
		g.last = time.Now()
		if len(g.queue) == 0 {
			g.leaders--
			g.mu.Unlock()
		} else {
			next := g.take()
			g.mu.Unlock()
			next[0].done <- next
		}
		if p != nil {
			panic(p)
		}
	}()
	e.writeGroup(group)
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
	if len(live) > 1 {
		// The shared transaction belongs to no one request: one that goes
		// away mid-way must not roll back the others.
		err := e.DB.Tx(context.Background(), func(tx *db.Tx) error { return e.writeMany(tx, live) })
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

// writeMany writes the cases of group in tx (see the top of the file),
// setting each one's err; errGroup (or the failure) if tx must roll back.
func (e *Engine) writeMany(tx *db.Tx, group []*newCase) error {
	ctx := context.Background()
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
	byType := map[*Type][]Change{}
	for _, n := range group {
		if n.err == nil {
			byType[n.t] = append(byType[n.t], Change{After: n.c})
		}
	}
	for t, chs := range byType {
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
