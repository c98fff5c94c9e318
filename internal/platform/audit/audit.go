// Package audit is the platform's append-only, tamper-evident audit log.
//
// Writers call Record inside the transaction of the action they record, so an
// action and its audit row commit or vanish together. Record is one INSERT and
// nothing else: it sits on every write path.
//
// Rows are linked into a hash chain afterwards, by Seal (run periodically by
// RunSealer). Chaining after commit keeps writers from serialising on "the
// last hash", and chains rows in the order they became visible rather than in
// id order (on PostgreSQL a lower id can commit later). Each link is an
// HMAC-SHA256 under a key kept outside the database (Chain, SetKey,
// LoadOrCreateKey), so write access to the database is not enough to
// recompute the chain after an edit. Verify walks the chain and names edited
// and deleted rows, and checks an end of the chain recorded earlier (Expect)
// to expose a cut of the newest rows; Purge removes rows past retention and
// leaves an anchor, vouched for by a sealed audit.purge record carrying the
// anchor's MAC, so the rest still verifies and a forged anchor does not.
package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Results of an audited action.
const (
	OK      = "ok"
	Refused = "refused" // not allowed: missing role, outside scope, bad password
	Failed  = "failed"  // allowed but went wrong
)

// Entry is what a caller says about one action; who did it, from where and
// when is taken from the context and the clock.
type Entry struct {
	Action     string // "petition.create", "auth.login", … (required)
	ObjectType string // "petition", "user", …
	ObjectID   string
	Result     string // OK, Refused or Failed; empty means OK
	// Detail is a short human description. Mask personal data in it as the
	// lists do: the audit log is browsed by auditors, not case handlers.
	Detail string
	// OrgPath places the row in the administrative tree, so auditors of a
	// district see its rows; empty means the principal's own node, or the
	// whole city ("/") for a principal without one.
	OrgPath string
}

// insertSQL is the only statement Record runs.
const insertSQL = `INSERT INTO audit_log
	(at, actor_id, actor_name, actor_role, org_path, ip, action, object_type, object_id, result, detail)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// Record writes e as one row in the caller's transaction ex, attributed to
// the principal of ctx. It reads nothing, so it adds one INSERT to the
// caller's work and takes no lock beyond the row's.
func Record(ctx context.Context, ex db.Execer, e Entry) error {
	args, err := insertArgs(auth.FromContext(ctx), e, time.Now())
	if err != nil {
		return err
	}
	if _, err := ex.Exec(ctx, insertSQL, args...); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// Made is an entry and the context (the principal) it was made in.
type Made struct {
	Ctx   context.Context
	Entry Entry
}

// RecordMany writes entries made in different requests as Record does, with
// multi-row INSERTs (a group of new cases sharing one transaction).
func RecordMany(ctx context.Context, ex db.Execer, ms []Made) error {
	const cols, chunk = 11, 200
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	head := insertSQL[:strings.Index(insertSQL, "VALUES")+len("VALUES")]
	now := time.Now()
	for start := 0; start < len(ms); start += chunk {
		part := ms[start:min(start+chunk, len(ms))]
		args := make([]any, 0, len(part)*cols)
		rows := make([]string, len(part))
		for i, m := range part {
			a, err := insertArgs(auth.FromContext(m.Ctx), m.Entry, now)
			if err != nil {
				return err
			}
			args = append(args, a...)
			rows[i] = row
		}
		if _, err := ex.Exec(ctx, head+" "+strings.Join(rows, ", "), args...); err != nil {
			return fmt.Errorf("audit %s: %w", part[0].Entry.Action, err)
		}
	}
	return nil
}

// RecordAlone writes e in a transaction of its own, for events that have no
// business transaction to join: refused attempts, failed logins, and actions
// whose own transaction was rolled back but must still be on record.
func RecordAlone(ctx context.Context, d *db.DB, e Entry) error {
	return d.Tx(ctx, func(tx *db.Tx) error { return Record(ctx, tx, e) })
}

// insertArgs checks e and builds the INSERT's arguments, in insertSQL's order.
func insertArgs(p *auth.Principal, e Entry, now time.Time) ([]any, error) {
	if e.Action == "" {
		return nil, errors.New("audit: entry without action")
	}
	switch e.Result {
	case "":
		e.Result = OK
	case OK, Refused, Failed:
	default:
		return nil, fmt.Errorf("audit %s: unknown result %q", e.Action, e.Result)
	}
	org := e.OrgPath
	if org == "" {
		org = p.OrgPath
	}
	if org == "" {
		org = "/"
	}
	// Scope filters compare paths as prefixes ending in "/"; a path without
	// the slashes would fall outside every scope but the city's.
	if !strings.HasPrefix(org, "/") || !strings.HasSuffix(org, "/") {
		return nil, fmt.Errorf("audit %s: org path %q must start and end with /", e.Action, org)
	}
	var actorID any // NULL when no account acted (anonymous, system, token)
	if p.UserID != 0 {
		actorID = p.UserID
	}
	// PostgreSQL keeps microseconds; cutting them here makes the stored time
	// the same on both databases and equal to what the caller could log.
	at := now.UTC().Truncate(time.Microsecond)
	return []any{at, actorID, actorName(p), string(p.Role), org, p.IP,
		e.Action, e.ObjectType, e.ObjectID, e.Result, e.Detail}, nil
}

// actorName is the name recorded for p. System work has a name but no
// account; machine tokens are named with their id so that a leaked token's
// actions can be found.
func actorName(p *auth.Principal) string {
	name := p.Name
	if p.TokenID != 0 && p.UserID == 0 {
		name = fmt.Sprintf("token #%d", p.TokenID)
		if p.Name != "" {
			name = fmt.Sprintf("%s (token #%d)", p.Name, p.TokenID)
		}
	}
	switch {
	case name != "":
		return name
	case p.UserID != 0:
		return fmt.Sprintf("user #%d", p.UserID)
	}
	return "anonymous"
}
