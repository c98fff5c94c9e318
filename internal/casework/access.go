package casework

import (
	"context"
	"slices"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

type proofKey struct{}

// WithPartyProof marks ctx as acting for the party of case id: the caller
// checked the case's number and check code (a petitioner without an
// account). It grants what ScopeParty grants, on that case only.
func WithPartyProof(ctx context.Context, caseID int64) context.Context {
	return context.WithValue(ctx, proofKey{}, caseID)
}

func partyProof(ctx context.Context) int64 {
	id, _ := ctx.Value(proofKey{}).(int64)
	return id
}

// isSystem tells whether p is the platform itself (no account, no token).
func isSystem(p *auth.Principal) bool {
	return p.Role == auth.SystemRole && p.UserID == 0 && p.TokenID == 0
}

// visibleSQL is the one rule of who reads which cases, as a WHERE fragment
// over cases c:
//   - staff: cases whose handling unit, or the unit a transfer waits at, lies
//     in their jurisdiction (Principal.ScopeSQL); staff limited to a
//     department see that department's cases and those not yet given to
//     one, unless theirs is the type's office department (the petition
//     office sees every petition);
//   - citizens and companies: the cases they filed;
//   - a visitor who proved a case's check code: that case;
//   - the platform: everything. Anyone else: nothing.
func (e *Engine) visibleSQL(ctx context.Context, p *auth.Principal, t *Type) (string, []any) {
	switch {
	case isSystem(p):
		return "1 = 1", nil
	case p.Role.IsStaff() && p.UserID != 0:
		s1, a1 := p.ScopeSQL("c.org_path")
		s2, a2 := p.ScopeSQL("c.pending_path")
		where := "(" + s1 + " OR " + s2 + ")"
		args := append(a1, a2...)
		if p.DepartmentID != 0 && (t == nil || e.departmentID(ctx, t.OfficeDepartment) != p.DepartmentID) {
			where += " AND (c.department_id IS NULL OR c.department_id = ?)"
			args = append(args, p.DepartmentID)
		}
		return where, args
	case p.Role.IsPublic() && p.UserID != 0:
		if id := partyProof(ctx); id != 0 {
			return "(c.party_user_id = ? OR c.id = ?)", []any{p.UserID, id}
		}
		return "c.party_user_id = ?", []any{p.UserID}
	}
	if id := partyProof(ctx); id != 0 {
		return "c.id = ?", []any{id}
	}
	return "1 = 0", nil
}

// visibleParts is visibleSQL in two disjoint parts, for lists that count:
// own, the cases handled in the principal's jurisdiction, and pending, the
// cases handled elsewhere whose transfer waits there ("" when there can be
// none). own OR pending is visibleSQL. Counting each part alone lets the
// database count own from an index (an OR of two columns cannot), and
// transfers are few.
func (e *Engine) visibleParts(ctx context.Context, p *auth.Principal, t *Type) (own string, ownArgs []any, pending string, pendArgs []any) {
	if !(p.Role.IsStaff() && p.UserID != 0) || isSystem(p) {
		own, ownArgs = e.visibleSQL(ctx, p, t)
		return own, ownArgs, "", nil
	}
	s1, a1 := p.ScopeSQL("c.org_path")
	s2, a2 := p.ScopeSQL("c.pending_path")
	dept, dargs := "", []any(nil)
	if p.DepartmentID != 0 && (t == nil || e.departmentID(ctx, t.OfficeDepartment) != p.DepartmentID) {
		dept, dargs = " AND (c.department_id IS NULL OR c.department_id = ?)", []any{p.DepartmentID}
	}
	own, ownArgs = s1+dept, append(append([]any{}, a1...), dargs...)
	if s1 == "1 = 1" {
		return own, ownArgs, "", nil // every case is its own
	}
	pending = s2 + " AND NOT " + s1 + dept
	pendArgs = append(append(append([]any{}, a2...), a1...), dargs...)
	return own, ownArgs, pending, pendArgs
}

// load reads case id as the principal of ctx may see it, with its type, or
// db.ErrNotFound (missing and out of reach look the same, so ids cannot be
// probed).
func (e *Engine) load(ctx context.Context, q db.Querier, id int64) (Case, *Type, error) {
	var typ string
	if err := q.QueryRow(ctx, `SELECT type FROM cases WHERE id = ?`, id).Scan(&typ); err != nil {
		if isNoRows(err) {
			return Case{}, nil, db.ErrNotFound
		}
		return Case{}, nil, err
	}
	t, ok := e.Type(typ)
	if !ok {
		return Case{}, nil, db.ErrNotFound
	}
	where, args := e.visibleSQL(ctx, auth.FromContext(ctx), t)
	var unit, pending extraName
	c, err := scanCase(q.QueryRow(ctx, `SELECT `+caseCols+`, u.name, COALESCE(pu.name, '') FROM cases c
		JOIN org_units u ON u.id = c.org_unit_id LEFT JOIN org_units pu ON pu.id = c.pending_unit_id
		WHERE c.id = ? AND `+where, append([]any{id}, args...)...), &unit, &pending)
	if isNoRows(err) {
		return Case{}, nil, db.ErrNotFound
	}
	c.UnitName, c.PendingName = unit.s, pending.s
	return c, t, err
}

// extraName receives a joined name; scanCase hands it back through
// fillNames. (A tiny indirection so scanCase keeps one column list.)
type extraName struct{ s string }

func (n *extraName) Scan(src any) error {
	switch v := src.(type) {
	case string:
		n.s = v
	case []byte:
		n.s = string(v)
	}
	return nil
}

// Get returns case id as the principal of ctx may see it.
func (e *Engine) Get(ctx context.Context, id int64) (Case, error) {
	c, _, err := e.load(ctx, e.DB, id)
	return c, err
}

// ByNumber returns the case with number — without any visibility check; the
// caller (tracking by number and check code) must prove the party first.
func (e *Engine) ByNumber(ctx context.Context, number string) (Case, error) {
	var unit, pending extraName
	c, err := scanCase(e.DB.QueryRow(ctx, `SELECT `+caseCols+`, u.name, COALESCE(pu.name, '') FROM cases c
		JOIN org_units u ON u.id = c.org_unit_id LEFT JOIN org_units pu ON pu.id = c.pending_unit_id
		WHERE c.number = ?`, number), &unit, &pending)
	if isNoRows(err) {
		return Case{}, db.ErrNotFound
	}
	c.UnitName, c.PendingName = unit.s, pending.s
	return c, err
}

// Timeline lists case id's events, oldest first: all of them for staff who
// see the case, the public ones for the party.
func (e *Engine) Timeline(ctx context.Context, id int64) ([]Event, error) {
	c, err := e.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	return readEvents(ctx, e.DB, c.ID, !(p.Role.IsStaff() || isSystem(p)))
}

// deptOK tells whether a department-limited actor may act on c.
func (e *Engine) deptOK(ctx context.Context, p *auth.Principal, t *Type, c *Case) bool {
	if p.DepartmentID == 0 || c.DepartmentID == 0 || c.DepartmentID == p.DepartmentID {
		return true
	}
	return e.departmentID(ctx, t.OfficeDepartment) == p.DepartmentID
}

// passes tells whether p meets one of tr's role-and-scope rules on c.
func (e *Engine) passes(ctx context.Context, p *auth.Principal, t *Type, tr *Transition, c *Case) bool {
	if !slices.Contains(tr.Roles, p.Role) {
		return false
	}
	staff := p.UserID != 0 && p.Role.IsStaff()
	for _, s := range tr.Scopes {
		switch s {
		case ScopeHandler:
			if staff && p.InScope(c.OrgPath) && e.deptOK(ctx, p, t, c) {
				return true
			}
		case ScopeHigher:
			if staff && p.InScope(c.OrgPath) && p.OrgPath != c.OrgPath {
				return true
			}
			// A case handled at the top of the tree (the bureau itself) has
			// its higher level outside the system (the city government, the
			// province): the bureau's leaders act for it — record its review
			// decision, supervise — or such a case could never be decided.
			if staff && p.Role == auth.Leader && p.OrgPath == c.OrgPath && strings.Count(c.OrgPath, "/") == 2 {
				return true
			}
		case ScopeReceiver:
			if staff && c.PendingPath != "" && p.InScope(c.PendingPath) {
				return true
			}
		case ScopeParty:
			if (p.UserID != 0 && p.UserID == c.PartyUserID) || partyProof(ctx) == c.ID {
				return true
			}
		case ScopeSystem:
			if isSystem(p) {
				return true
			}
		}
	}
	return false
}

// Allowed lists the transitions the principal of ctx may take on c now
// (state, role and scope; fields are checked when taken), in the type's
// order — what a page offers as buttons.
func (e *Engine) Allowed(ctx context.Context, c *Case) []*Transition {
	t, ok := e.Type(c.Type)
	if !ok {
		return nil
	}
	p := auth.FromContext(ctx)
	var out []*Transition
	for i := range t.Transitions {
		tr := &t.Transitions[i]
		if !t.from(tr, c.State) || !e.passes(ctx, p, t, tr, c) {
			continue
		}
		if !e.effectPossible(tr, c) || (tr.Ready != nil && !tr.Ready(c, e.now())) {
			continue
		}
		out = append(out, tr)
	}
	return out
}

// AllowedNames is Allowed as names.
func (e *Engine) AllowedNames(ctx context.Context, c *Case) []string {
	out := []string{}
	for _, tr := range e.Allowed(ctx, c) {
		out = append(out, tr.Name)
	}
	return out
}

// effectPossible tells whether tr's generic effect can apply to c now (no
// pending transfer to accept, a transfer already pending, the extensions
// used up, …). Allowed hides what it refuses and Act refuses it with
// whyNot's words, so what is offered and what is taken cannot differ.
func (e *Engine) effectPossible(tr *Transition, c *Case) bool {
	return e.whyNot(tr, c) == nil
}

// whyNot is the reason tr's effect cannot apply to c now, or nil.
func (e *Engine) whyNot(tr *Transition, c *Case) *StateError {
	no := func(code, zh, en string) *StateError {
		return &StateError{Current: *c, Action: tr.Name, Code: code, Zh: zh, En: en}
	}
	switch tr.Effect {
	case EffectAcceptTransfer, EffectObjectTransfer:
		if c.PendingUnitID == 0 {
			return no("state", "没有待接收的转办", "no transfer is waiting")
		}
		return nil
	}
	if c.PendingUnitID != 0 && !recordOnly(tr) {
		return no("transfer_pending", "案件已转办，待接收单位接收或退回后才能办理", "the case waits for the receiving unit to accept or object to its transfer")
	}
	if tr.Effect == EffectExtend {
		if t, ok := e.Type(c.Type); !ok || c.DataInt("extensions") >= int64(t.Extension.Times) {
			return no("already", "延期次数已用完", "the period was already extended as often as allowed")
		}
	}
	return nil
}

// recordOnly tells whether tr leaves the state, the handling unit and the
// deadlines of a case as they are, so it may be taken while a transfer
// waits. Until the receiver answers, the case is in neither unit's hands: a
// step that moved it (accepting, declining, assigning, replying, extending,
// transferring again) would leave the receiver's answer, or the sweeper's
// deemed acceptance, to apply to a case that is no longer the one sent.
// What stays possible only adds to the record: supervision by a higher
// level (it marks the case and tells the handlers) and steps with no
// effect, target state, period or hook (recording a contact with the party,
// which stops only the first-contact clock, whoever handles the case next).
// A hook could change anything, so a step with one is held back. Notes
// (Engine.Note) and attachments are not transitions and are never held up.
func recordOnly(tr *Transition) bool {
	if tr.Effect != EffectNone && tr.Effect != EffectSupervise {
		return false
	}
	return tr.To == "" && tr.Final == nil && tr.Apply == nil
}
