// Package petition handles petitions (信访) on the case engine: intake from
// every channel (the public form, staff entry of calls, letters and visits,
// the 12345 hotline, Open311), the deadlines of 信访工作条例, repeat
// detection, the petitioner's satisfaction as the closure condition, review
// and re-review, tracking by number and check code, the ledger, the
// supervisor's board and leaders' reception days and home visits.
package petition

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
)

// Service is the petition module over the case engine.
type Service struct {
	E   *casework.Engine
	DB  *db.DB
	Org *org.Store
	Loc *time.Location

	cache settingsCache
	units sync.Map // id → [kind, path]
}

// New makes the service and registers the petition type with the engine.
func New(e *casework.Engine, orgs *org.Store) (*Service, error) {
	s := &Service{E: e, DB: e.DB, Org: orgs, Loc: e.Loc}
	if err := e.Register(s.Type()); err != nil {
		return nil, err
	}
	return s, nil
}

func me(ctx context.Context) *auth.Principal { return auth.FromContext(ctx) }

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Submission is a petition as it arrives, from any channel.
type Submission struct {
	Channel     string   `json:"channel,omitempty" doc:"web (default for the public), call, letter, visit, hotline, open311"`
	Kind        string   `json:"kind" doc:"suggestion, complaint or appeal"`
	Category    string   `json:"category"`
	Subcategory string   `json:"subcategory,omitempty"`
	Title       string   `json:"title"`
	Body        string   `json:"body"`
	Name        string   `json:"name,omitempty"`
	Phone       string   `json:"phone,omitempty"`
	Anonymous   bool     `json:"anonymous,omitempty" doc:"suggestions and complaints may be anonymous; appeals need a real name"`
	UnitID      int64    `json:"unit_id,omitempty" doc:"the district (or, for staff, any unit in their jurisdiction) the matter belongs to; when omitted, staff register at their own unit and others at the district of compound_id"`
	CompoundID  int64    `json:"compound_id,omitempty"`
	BuildingID  int64    `json:"building_id,omitempty" doc:"the building concerned, when known; names its compound"`
	Address     string   `json:"address,omitempty"`
	Lat         *float64 `json:"lat,omitempty"`
	Lng         *float64 `json:"lng,omitempty"`
	// ReceivedAt: staff entering a letter give the day it arrived.
	ReceivedAt  *time.Time `json:"received_at,omitempty"`
	ExternalRef string     `json:"external_ref,omitempty" doc:"the hotline's ticket number; a repeated push answers 409 with the existing case"`
}

// Limits of a submission's text.
const (
	maxTitle   = 100
	maxBody    = 4000
	maxName    = 64
	maxAddress = 200
)

// validate is the type's intake check (casework.Type.Validate): kinds,
// categories, channels, the real-name rule, lengths and coordinates.
func (s *Service) validate(ctx context.Context, nc *casework.NewCase) error {
	var errs casework.FieldErrors
	bad := func(field, code, zh, en string) { errs = append(errs, casework.Invalid(field, code, zh, en)) }
	nc.Title, nc.Body = strings.TrimSpace(nc.Title), strings.TrimSpace(nc.Body)
	nc.PartyName, nc.Address = strings.TrimSpace(nc.PartyName), strings.TrimSpace(nc.Address)
	if !contains(Kinds, nc.Kind) {
		bad("kind", "invalid", "请选择信访事项性质", "choose suggestion, complaint or appeal")
	}
	cat, ok := CategoryByCode(nc.Category)
	if !ok {
		bad("category", "invalid", "请选择类别", "choose a category")
	} else if nc.Subcategory != "" && !cat.hasSub(nc.Subcategory) {
		bad("subcategory", "invalid", "子类不属于所选类别", "does not belong to the category")
	}
	if !contains(Channels, nc.Channel) {
		bad("channel", "invalid", "渠道无效", "unknown channel")
	}
	switch n := utf8.RuneCountInString(nc.Title); {
	case n == 0:
		bad("title", "required", "请简要写明诉求", "is required")
	case n > maxTitle:
		bad("title", "too_long", "最长100个字", "at most 100 characters")
	}
	switch n := utf8.RuneCountInString(nc.Body); {
	case n == 0:
		bad("body", "required", "请写明事实和诉求", "is required")
	case n > maxBody:
		bad("body", "too_long", "最长4000个字", "at most 4,000 characters")
	}
	if utf8.RuneCountInString(nc.Address) > maxAddress {
		bad("address", "too_long", "最长200个字", "at most 200 characters")
	}
	if utf8.RuneCountInString(nc.PartyName) > maxName {
		bad("name", "too_long", "最长64个字", "at most 64 characters")
	}
	if nc.PartyPhone != "" && !validPhone(nc.PartyPhone) {
		bad("phone", "invalid", "请填写正确的手机号或固定电话", "must be a mobile or landline number")
	}
	// Real name or anonymous, per the rules: an appeal or request (申诉求决)
	// is handled for a person and answered to them, so it needs a name and
	// a phone; suggestions and complaints/reports may be anonymous.
	if nc.Anonymous {
		if nc.Kind == KindAppeal {
			bad("anonymous", "real_name_required", "申诉求决类事项须实名提出", "an appeal or request needs your real name")
		}
		nc.PartyName = ""
	} else {
		if nc.PartyName == "" {
			bad("name", "required", "请填写姓名，或选择匿名（仅限建议、投诉举报）", "is required unless you choose anonymous (suggestions and complaints only)")
		}
		if nc.PartyPhone == "" {
			bad("phone", "required", "实名信访请留联系电话", "is required for a named petition")
		}
	}
	if (nc.Lat == nil) != (nc.Lng == nil) {
		bad("lat", "incomplete", "经纬度须同时填写", "give both latitude and longitude")
	}
	if nc.Lat != nil && (math.IsNaN(*nc.Lat) || *nc.Lat < -90 || *nc.Lat > 90) {
		bad("lat", "out_of_range", "纬度超出范围", "out of range")
	}
	if nc.Lng != nil && (math.IsNaN(*nc.Lng) || *nc.Lng < -180 || *nc.Lng > 180) {
		bad("lng", "out_of_range", "经度超出范围", "out of range")
	}
	if utf8.RuneCountInString(nc.ExternalRef) > 64 {
		bad("external_ref", "too_long", "最长64个字符", "at most 64 characters")
	}
	return errs.OrNil()
}

// validPhone accepts a mainland mobile number or a landline (digits and one
// dash, 7–20 characters).
func validPhone(s string) bool {
	if auth.ValidMobile(s) {
		return true
	}
	if len(s) < 7 || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// PermIntake is the permission of a machine token that passes petitions on
// from another intake system — the 12345 hotline, an Open311 gateway — by
// the submissions API; account.TokenPermissions offers it to
// administrators as 信访件接入（12345 热线等）.
const PermIntake = "petition:intake"

// maySubmit is the one rule of who may file by which channel:
//   - web: the public (visitors, citizens, companies);
//   - call, letter, visit: staff, at a unit of their jurisdiction;
//   - hotline, open311: machine tokens carrying PermIntake, the permission
//     administrators give the 12345 hotline's token, or data.push, the
//     generic feed permission such tokens carried before PermIntake
//     existed (kept so they go on working); or staff; and, for open311,
//     the public an Open311 client relays. A token with only PermOpen311
//     files through the Open311 adapter (SubmitOpen311), which checks its
//     jurisdiction and relays the public, not here: accepting it here
//     would let it skip that check.
func maySubmit(p *auth.Principal, channel string) bool {
	switch channel {
	case ChannelWeb:
		return p.Role == auth.Anonymous || p.Role.IsPublic()
	case ChannelCall, ChannelLetter, ChannelVisit:
		return p.UserID != 0 && auth.Can(p, auth.ActHandleCase)
	case ChannelHotline, ChannelOpen311:
		return intakeToken(p) || auth.Can(p, auth.ActPushData) || (p.UserID != 0 && auth.Can(p, auth.ActHandleCase)) ||
			(channel == ChannelOpen311 && (p.Role == auth.Anonymous || p.Role.IsPublic()))
	}
	return false
}

// intakeToken: p is a machine token carrying PermIntake — the test of
// web.MachinePermission(PermIntake). The route cannot gate on it: it is
// public, and only the channel tells whether a token is needed.
func intakeToken(p *auth.Principal) bool {
	return p.Role == auth.Machine && p.TokenID != 0 && p.UserID == 0 && p.HasPermission(PermIntake)
}

// newCaseOf is the new case a submission makes, before placing: the
// phone normalised when it is a mobile number.
func newCaseOf(sub Submission) casework.NewCase {
	phone := strings.TrimSpace(sub.Phone)
	if auth.ValidMobile(auth.NormalizeMobile(phone)) {
		phone = auth.NormalizeMobile(phone)
	}
	return casework.NewCase{Type: TypeName, Kind: sub.Kind, Category: sub.Category, Subcategory: sub.Subcategory,
		Channel: sub.Channel, Title: sub.Title, Body: sub.Body, PartyName: sub.Name, PartyPhone: phone,
		Anonymous: sub.Anonymous, Address: sub.Address, Lat: sub.Lat, Lng: sub.Lng, CompoundID: sub.CompoundID,
		ExternalRef: strings.TrimSpace(sub.ExternalRef)}
}

// CheckFields runs the intake check of a submission's own fields (kinds,
// categories, the real-name rule, lengths, the phone) without filing it:
// an adapter that refuses a request for its own reasons reports these too.
func (s *Service) CheckFields(ctx context.Context, sub Submission) error {
	nc := newCaseOf(sub)
	return s.validate(ctx, &nc)
}

// ErrNotAllowed: the principal may not file by this channel.
var ErrNotAllowed = errors.New("petition: not allowed to file by this channel")

// Submit files a petition. It checks who may file by the channel, places it
// (the district, from the compound if only that is given), detects repeats
// — same petitioner or phone, same category, nearby, within the configured
// period — and registers it in one short transaction. The number exists
// once it is returned.
func (s *Service) Submit(ctx context.Context, sub Submission) (casework.Case, error) {
	// Tell the intake writer a case is coming: it waits a moment for it
	// rather than commit a group just before it arrives.
	ctx, done := s.E.Expect(ctx)
	defer done()
	p := me(ctx)
	if sub.Channel == "" {
		sub.Channel = ChannelWeb
		if p.Role.IsStaff() {
			sub.Channel = ChannelCall
		}
	}
	if !maySubmit(p, sub.Channel) {
		return casework.Case{}, ErrNotAllowed
	}
	nc := newCaseOf(sub)
	// A citizen or company files as themselves: their account is the party,
	// their name and number fill in what the form left out.
	if p.Role.IsPublic() && p.UserID != 0 && sub.Channel == ChannelWeb {
		nc.PartyUserID = p.UserID
		if !sub.Anonymous && (nc.PartyName == "" || nc.PartyPhone == "") {
			var name, mobile string
			_ = s.DB.QueryRow(ctx, `SELECT display_name, COALESCE(mobile, '') FROM users WHERE id = ?`, p.UserID).Scan(&name, &mobile)
			if nc.PartyName == "" {
				nc.PartyName = name
			}
			if nc.PartyPhone == "" {
				nc.PartyPhone = mobile
			}
		}
	}
	if sub.ReceivedAt != nil {
		if !p.Role.IsStaff() {
			return casework.Case{}, casework.FieldErrors{casework.Invalid("received_at", "not_allowed",
				"只有工作人员登记来信时可填写收到日期", "only staff entering a letter give the day of receipt")}
		}
		nc.ReceivedAt = *sub.ReceivedAt
	}
	// Every wrong field at once: the form's own fields and the placement.
	verr := s.validate(ctx, &nc)
	unit, compound, building, perr := s.place(ctx, p, sub)
	var errs casework.FieldErrors
	for _, err := range []error{verr, perr} {
		var fe casework.FieldErrors
		switch {
		case err == nil:
		case errors.As(err, &fe):
			errs = append(errs, fe...)
		default:
			return casework.Case{}, err
		}
	}
	if len(errs) > 0 {
		return casework.Case{}, errs
	}
	nc.OrgUnitID, nc.CompoundID = unit, compound
	if building != 0 {
		// The case row keeps the compound (repeats and the property
		// module compare compounds); the building goes with its data.
		if nc.Data == nil {
			nc.Data = map[string]any{}
		}
		nc.Data["building_id"] = building
	}
	nc.EventText = "信访事项已登记"
	return s.E.Create(ctx, nc)
}

// place decides the handling unit: the unit given (a district or zone for
// the public; any unit in their jurisdiction for staff), else the staff
// member's own unit, else the district of the compound. It also returns the
// compound and building concerned: a building names its compound, and a building given as the compound (as
// clients did before building_id) counts as the building. A compound
// outside the unit, or a building outside the compound, is refused.
func (s *Service) place(ctx context.Context, p *auth.Principal, sub Submission) (unit, compound, building int64, err error) {
	noCompound := casework.FieldErrors{casework.Invalid("compound_id", "invalid", "小区不存在", "no such compound")}
	compound, building = sub.CompoundID, sub.BuildingID
	if compound != 0 {
		if kind, _, err := s.unitInfo(ctx, compound); err == nil && kind == string(org.Building) && building == 0 {
			compound, building = 0, compound
		}
	}
	if building != 0 {
		kind, path, err := s.unitInfo(ctx, building)
		parent, _ := parentUnit(path)
		if err != nil || kind != string(org.Building) || parent == 0 {
			return 0, 0, 0, casework.FieldErrors{casework.Invalid("building_id", "invalid", "楼栋不存在", "no such building")}
		}
		if compound != 0 && compound != parent {
			return 0, 0, 0, casework.FieldErrors{casework.Invalid("building_id", "outside", "楼栋不在所选小区内", "is not in the chosen compound")}
		}
		compound = parent
	}
	unitID := sub.UnitID
	if unitID == 0 && p.Role.IsStaff() && p.OrgUnitID != 0 {
		// Staff register at their own unit unless they choose another (the
		// entry form's blank choice says so); a compound given must then
		// be within it, as below.
		unitID = p.OrgUnitID
	}
	var compoundPath string
	if compound != 0 {
		kind, path, err := s.unitInfo(ctx, compound)
		compoundPath = path
		if err != nil || kind != string(org.Compound) {
			return 0, 0, 0, noCompound
		}
		if unitID == 0 {
			ids := strings.Split(strings.Trim(compoundPath, "/"), "/")
			if len(ids) < 2 {
				return 0, 0, 0, noCompound
			}
			unitID = atoi(ids[1])
		}
	}
	if unitID == 0 {
		return 0, 0, 0, casework.FieldErrors{casework.Invalid("unit_id", "required", "请选择事项所在的区", "choose the district")}
	}
	kind, path, err := s.unitInfo(ctx, unitID)
	if err != nil {
		if isNoRows(err) {
			return 0, 0, 0, casework.FieldErrors{casework.Invalid("unit_id", "not_found", "单位不存在", "no such unit")}
		}
		return 0, 0, 0, err
	}
	if p.Role.IsStaff() && !p.InScope(path) {
		return 0, 0, 0, casework.FieldErrors{casework.Invalid("unit_id", "out_of_scope", "只能登记到本辖区", "must be within your jurisdiction")}
	}
	if !p.Role.IsStaff() && kind != string(org.District) && kind != string(org.Zone) {
		return 0, 0, 0, casework.FieldErrors{casework.Invalid("unit_id", "invalid", "请选择区或功能区", "choose a district or zone")}
	}
	if compoundPath != "" && !strings.HasPrefix(compoundPath, path) {
		return 0, 0, 0, casework.FieldErrors{casework.Invalid("compound_id", "outside", "小区不在所选区内", "is not in the chosen district")}
	}
	return unitID, compound, building, nil
}

// unitInfo returns a unit's kind and path, cached: a unit's kind and parent
// never change (org.Edit cannot), so neither does its path.
func (s *Service) unitInfo(ctx context.Context, id int64) (kind, path string, err error) {
	if v, ok := s.units.Load(id); ok {
		u := v.([2]string)
		return u[0], u[1], nil
	}
	if err := s.DB.QueryRow(ctx, `SELECT kind, path FROM org_units WHERE id = ?`, id).Scan(&kind, &path); err != nil {
		return "", "", err
	}
	s.units.Store(id, [2]string{kind, path})
	return kind, path, nil
}

func atoi(s string) int64 {
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// linkRepeats is the petition type's casework BeforeInsert: it links each
// new petition to an earlier one of the same person (account or phone),
// same category and nearby, within the repeat period; and marks it a
// finally decided matter if such a petition went through re-review, at any
// time. One read for a group of new petitions, in the transaction that
// writes them. Petitions of the same group do not see each other (nor do
// two processes' groups written at the same moment).
func (s *Service) linkRepeats(ctx context.Context, tx *db.Tx, cs []*casework.Case) error {
	var phones []string
	var users []int64
	seenPhone, seenUser := map[string]bool{}, map[int64]bool{}
	var oldest time.Time
	set, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.PartyPhone == "" && c.PartyUserID == 0 {
			continue
		}
		if c.PartyPhone != "" && !seenPhone[c.PartyPhone] {
			seenPhone[c.PartyPhone] = true
			phones = append(phones, c.PartyPhone)
		}
		if c.PartyUserID != 0 && !seenUser[c.PartyUserID] {
			seenUser[c.PartyUserID] = true
			users = append(users, c.PartyUserID)
		}
		if since := repeatSince(c, set); oldest.IsZero() || since.Before(oldest) {
			oldest = since
		}
	}
	if len(phones) == 0 && len(users) == 0 {
		return nil
	}
	// On PostgreSQL the statement's generic plan (index probes, whatever
	// the statistics: repeatQuery) from its first run on the connection;
	// the default would plan it anew at each run, as its estimated cost is
	// below the generic plan's (0.5 ms a group). Queued: these go with the
	// read, and the read with the BEGIN of intake's transaction.
	pg := tx.Dialect() == db.Postgres
	if pg {
		if _, err := tx.Exec(ctx, `SET LOCAL plan_cache_mode = force_generic_plan`); err != nil {
			return err
		}
	}
	sql, args := repeatQuery(tx.Dialect(), phones, users, oldest)
	err = tx.QueryEach(ctx, sql, args, func(r db.RowScanner) error {
		var e earlier
		var typ string
		if err := r.Scan(&e.id, &typ, &e.phone, &e.user, &e.category, &e.lat, &e.lng, &e.compound, &e.flags, &e.at); err != nil {
			return err
		}
		if typ != TypeName {
			return nil
		}
		// Newest first: the first match within the period is the link.
		for _, c := range cs {
			s.link(c, e, set)
		}
		return nil
	})
	if err != nil || !pg {
		return err
	}
	_, err = tx.Exec(ctx, `RESET plan_cache_mode`)
	return err
}

// repeatQuery reads the earlier petitions, newest first, of the phones
// and accounts given that may be repeated: received since oldest, or final.
// The mask is written into the SQL (decision 19). The type is checked by
// the caller, not in SQL: a condition on it let the planner read every
// petition through the partial index on petitions while the table had no
// statistics (decision 23); only the person's indexes match what is left.
func repeatQuery(d db.Dialect, phones []string, users []int64, oldest time.Time) (string, []any) {
	cols := `c.id, c.type, c.party_phone, COALESCE(c.party_user_id, 0), c.category, c.lat, c.lng, c.compound_id, c.flags, c.received_at`
	within := `(c.received_at >= ? OR (c.flags & ` + strconv.FormatInt(int64(casework.FlagFinal|casework.FlagFinalMatter), 10) + `) <> 0)`
	if d == db.Postgres {
		// An index probe per phone and per account: each value's cases
		// are a subquery of their own (OFFSET 0 keeps it from being
		// flattened into a join), so the plan depends neither on the
		// values nor on statistics, and its generic plan is kept
		// (linkRepeats; decision 28). "party_phone = ANY(…)" was planned,
		// on a table without statistics, as a read of every case (6–9 ms
		// a group of 30 after a few thousand cases, growing with the
		// table), hence planned with its values each time before
		// (decision 21).
		return `SELECT ` + cols + ` FROM unnest(?::text[]) AS k(v)
			CROSS JOIN LATERAL (SELECT * FROM cases c WHERE c.party_phone = k.v AND ` + within + ` OFFSET 0) c
			UNION ALL SELECT ` + cols + ` FROM unnest(?::bigint[]) AS k(v)
			CROSS JOIN LATERAL (SELECT * FROM cases c WHERE c.party_user_id = k.v AND ` + within + ` OFFSET 0) c
			ORDER BY 10 DESC`, []any{phones, oldest, users, oldest}
	}
	// SQLite: each list a JSON array read by json_each (one statement text
	// for any group).
	var who []string
	var args []any
	in := func(col string, vals any) {
		b, err := json.Marshal(vals)
		if err != nil {
			panic(err) // strings or numbers
		}
		who, args = append(who, col+` IN (SELECT value FROM json_each(?))`), append(args, string(b))
	}
	if len(phones) > 0 {
		in("c.party_phone", phones)
	}
	if len(users) > 0 {
		in("c.party_user_id", users)
	}
	return `SELECT ` + cols + ` FROM cases c WHERE (` + strings.Join(who, " OR ") + `) AND ` + within +
		` ORDER BY c.received_at DESC`, append(args, oldest)
}

// earlier is a stored petition that a new one may repeat.
type earlier struct {
	id, user        int64
	phone, category string
	lat, lng        sql.NullFloat64
	compound        sql.NullInt64
	flags           casework.Flags
	at              time.Time
}

// repeatSince is the start of the period in which c repeats a petition.
func repeatSince(c *casework.Case, set Settings) time.Time {
	return c.ReceivedAt.AddDate(0, 0, -set.RepeatDays).UTC()
}

// link marks c by e, an earlier petition, if it is the same person's, of
// the same category and nearby.
func (s *Service) link(c *casework.Case, e earlier, set Settings) {
	same := (c.PartyPhone != "" && c.PartyPhone == e.phone) || (c.PartyUserID != 0 && c.PartyUserID == e.user)
	if !same || c.Category != e.category || !nearby(c, e, set.RepeatMeters) {
		return
	}
	if e.flags.Has(casework.FlagFinal) || e.flags.Has(casework.FlagFinalMatter) {
		c.Flags |= casework.FlagFinalMatter
	}
	if !e.at.Before(repeatSince(c, set)) && c.RelatedID == 0 {
		c.Flags |= casework.FlagRepeat
		c.RelatedID = e.id
	}
}

// nearby: the same compound, or coordinates within meters; a petition
// without a location matches on person and category alone.
func nearby(c *casework.Case, e earlier, meters int) bool {
	if c.CompoundID != 0 && e.compound.Valid {
		return c.CompoundID == e.compound.Int64
	}
	if c.Lat != nil && c.Lng != nil && e.lat.Valid && e.lng.Valid {
		return distance(*c.Lat, *c.Lng, e.lat.Float64, e.lng.Float64) <= float64(meters)
	}
	return true
}

// distance in meters between two WGS-84 points (haversine).
func distance(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371000.0
	rad := math.Pi / 180
	dl, dg := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dl/2)*math.Sin(dl/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dg/2)*math.Sin(dg/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}
