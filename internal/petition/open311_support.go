package petition

import (
	"context"
	"strings"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/org"
)

// PermOpen311 is the permission a machine token needs to file petitions
// through the Open311 GeoReport adapter (internal/open311);
// account.TokenPermissions offers it to administrators.
const PermOpen311 = "open311:requests"

// Over returns a petition service over an engine with which the petition
// module registers (or has registered) the petition type — for another
// module of the same process that files and reads petitions (the Open311
// adapter). Its settings cache is its own and rereads like another
// process's.
func Over(e *casework.Engine, orgs *org.Store) *Service {
	return &Service{E: e, DB: e.DB, Org: orgs, Loc: e.Loc}
}

// SubmitOpen311 files a petition that an Open311 GeoReport client sends.
// ctx's principal is the client's machine token (its api_key), which must
// carry PermOpen311. The place — the district (sub.UnitID) and the compound,
// if any — must lie within the token's jurisdiction: in its subtree, or, for
// the district, above its node (a street's client files into its district).
//
// The client relays a member of the public, so the petition is filed as the
// public files by the open311 channel (maySubmit's rule), in the token's
// name: the timeline and the audit log name the token. Everything else is
// Submit: the same validation, placement, repeat detection and registration.
func (s *Service) SubmitOpen311(ctx context.Context, sub Submission) (casework.Case, error) {
	p := me(ctx)
	if p.TokenID == 0 || p.UserID != 0 || p.Role != auth.Machine || !p.HasPermission(PermOpen311) {
		return casework.Case{}, ErrNotAllowed
	}
	var errs casework.FieldErrors
	outside := func(field string) {
		errs = append(errs, casework.Invalid(field, "out_of_scope", "不在该接口密钥的辖区内", "is outside the jurisdiction of this api_key"))
	}
	if sub.UnitID != 0 {
		if _, path, err := s.unitInfo(ctx, sub.UnitID); err == nil && !p.InScope(path) && !strings.HasPrefix(p.OrgPath, path) {
			outside("unit_id")
		}
	}
	if sub.CompoundID != 0 {
		if _, path, err := s.unitInfo(ctx, sub.CompoundID); err == nil && !p.InScope(path) {
			outside("compound_id")
		}
	}
	if len(errs) > 0 {
		return casework.Case{}, errs
	}
	relay := &auth.Principal{TokenID: p.TokenID, Name: p.Name, IP: p.IP}
	sub.Channel, sub.ReceivedAt = ChannelOpen311, nil
	return s.Submit(auth.WithPrincipal(ctx, relay), sub)
}
