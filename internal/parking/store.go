package parking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// Service is the parking module: its store, rules, index and ledger.
type Service struct {
	DB  *db.DB
	Cal *workday.Calendar
	Loc *time.Location
	// Now is the clock (tests set it).
	Now func() time.Time
	// StaleAfter: occupancy not updated for this long is unknown, never free.
	StaleAfter time.Duration
	// NoShowGrace: a reservation not checked in this long after its start is released.
	NoShowGrace time.Duration
	// SMS tells users of host cancellations (optional).
	SMS auth.SMSSender
	// Index serves search; nil until Start or NewIndex.
	Index *Index

	days      atomic.Pointer[Days]
	daysCheck atomic.Int64 // unix nanoseconds of the last look at the calendar's years

	// held keeps facilities recently read by reservations (see
	// reservationFacility), direct-mapped by id.
	held [heldSlots]atomic.Pointer[heldFacility]
}

// NewService returns a service with the defaults filled in.
func NewService(d *db.DB, cal *workday.Calendar, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	s := &Service{DB: d, Cal: cal, Loc: loc, StaleAfter: 10 * time.Minute, NoShowGrace: 30 * time.Minute}
	s.days.Store(NewDays(cal, loc))
	s.Index = NewIndex(s)
	return s
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Days is the calendar table the rules use; rebuilt when the calendar gains a year.
func (s *Service) Days() *Days {
	d := s.days.Load()
	now := time.Now().UnixNano()
	if s.Cal == nil || now-s.daysCheck.Load() < int64(time.Second) {
		return d
	}
	s.daysCheck.Store(now)
	if len(s.Cal.Years()) != len(d.Years()) {
		d = NewDays(s.Cal, s.Loc)
		s.days.Store(d)
	}
	return d
}

const facilityCols = `id, org_unit_id, org_path, code, name, kind, operator, ownership, address, lat, lng,
	total_spaces, public_spaces, reservable_spaces, ev_spaces, accessible_spaces, vehicle_class, max_height_cm,
	free_minutes, hour_cents, day_cap_cents, night_hour_cents, night_from, night_until, open_24h, opens, closes,
	status, project_id, version, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanFacility(row scanner) (Facility, error) {
	var f Facility
	var always int
	var project sql.NullInt64
	err := row.Scan(&f.ID, &f.OrgUnitID, &f.OrgPath, &f.Code, &f.Name, &f.Kind, &f.Operator, &f.Ownership, &f.Address,
		&f.Lat, &f.Lng, &f.TotalSpaces, &f.PublicSpaces, &f.ReservableSpaces, &f.EVSpaces, &f.AccessibleSpaces,
		&f.VehicleClass, &f.MaxHeightCM, &f.Tariff.FreeMinutes, &f.Tariff.HourCents, &f.Tariff.DayCapCents,
		&f.Tariff.NightHourCents, &f.Tariff.NightFrom, &f.Tariff.NightUntil, &always, &f.Hours.Opens, &f.Hours.Closes,
		&f.Status, &project, &f.Version, &f.CreatedAt, &f.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return f, db.ErrNotFound
	}
	f.Hours.Always = always != 0
	f.ProjectID = project.Int64
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	return f, err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// facilityArgs are the editable columns in facilityCols order from org_unit_id to project_id.
func facilityArgs(f *Facility) []any {
	return []any{f.OrgUnitID, f.OrgPath, f.Code, f.Name, string(f.Kind), f.Operator, string(f.Ownership), f.Address,
		f.Lat, f.Lng, f.TotalSpaces, f.PublicSpaces, f.ReservableSpaces, f.EVSpaces, f.AccessibleSpaces,
		string(f.VehicleClass), f.MaxHeightCM, f.Tariff.FreeMinutes, f.Tariff.HourCents, f.Tariff.DayCapCents,
		f.Tariff.NightHourCents, f.Tariff.NightFrom, f.Tariff.NightUntil, b2i(f.Hours.Always), f.Hours.Opens,
		f.Hours.Closes, string(f.Status), nullID(f.ProjectID)}
}

// getFacility reads one facility (with its rules and suspensions) within p's
// scope; nil p means no scope (public reads, the system).
func getFacility(ctx context.Context, q db.Querier, p *auth.Principal, id int64) (Facility, error) {
	where, args := "1 = 1", []any(nil)
	if p != nil {
		where, args = p.ScopeSQL("org_path")
	}
	f, err := scanFacility(q.QueryRow(ctx, `SELECT `+facilityCols+` FROM parking_facilities WHERE id = ? AND `+where,
		append([]any{id}, args...)...))
	if err != nil {
		return f, err
	}
	fs := []*Facility{&f}
	if err := loadDetails(ctx, q, fs); err != nil {
		return f, err
	}
	return f, nil
}

// loadDetails fills the rules and suspensions of fs.
func loadDetails(ctx context.Context, q db.Querier, fs []*Facility) error {
	if len(fs) == 0 {
		return nil
	}
	byID := make(map[int64]*Facility, len(fs))
	ids := make([]any, 0, len(fs))
	for _, f := range fs {
		byID[f.ID] = f
		f.Rules, f.Suspensions = nil, nil
		ids = append(ids, f.ID)
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		in := strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")
		rows, err := q.Query(ctx, `SELECT id, facility_id, name, days, entry_from, entry_until, leave_by, blackout_from,
			blackout_until, spaces, vehicle_class, eligibility FROM parking_share_rules WHERE facility_id IN (`+in+`) ORDER BY id`, chunk...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r Rule
			if err := rows.Scan(&r.ID, &r.FacilityID, &r.Name, &r.Days, &r.EntryFrom, &r.EntryUntil, &r.LeaveBy,
				&r.BlackoutFrom, &r.BlackoutUntil, &r.Spaces, &r.VehicleClass, &r.Eligibility); err != nil {
				rows.Close()
				return err
			}
			byID[r.FacilityID].Rules = append(byID[r.FacilityID].Rules, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = q.Query(ctx, `SELECT id, facility_id, starts_at, ends_at, reason, noticed_at FROM parking_suspensions
			WHERE cancelled = 0 AND facility_id IN (`+in+`) ORDER BY starts_at`, chunk...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var su Suspension
			var fid int64
			var ends sql.NullTime
			if err := rows.Scan(&su.ID, &fid, &su.Starts, &ends, &su.Reason, &su.NoticedAt); err != nil {
				rows.Close()
				return err
			}
			su.Starts, su.NoticedAt = su.Starts.UTC(), su.NoticedAt.UTC()
			if ends.Valid {
				su.Ends = ends.Time.UTC()
			}
			byID[fid].Suspensions = append(byID[fid].Suspensions, su)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// unitPath returns the org path of unit id if it lies in p's scope.
func unitPath(ctx context.Context, q db.Querier, p *auth.Principal, id int64) (string, error) {
	where, args := p.ScopeSQL("path")
	var path string
	err := q.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ? AND `+where, append([]any{id}, args...)...).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", db.ErrNotFound
	}
	return path, err
}

// Filter selects facilities for the registry list and its export.
type Filter struct {
	Keyword   string
	Kind      Kind
	Ownership Ownership
	Status    Status
	Shared    bool // only those with sharing rules
	Limit     int
	Offset    int
}

func (f Filter) where(p *auth.Principal) (string, []any) {
	scope, args := p.ScopeSQL("org_path")
	w := []string{scope}
	if f.Keyword != "" {
		w = append(w, `(name LIKE ? ESCAPE '\' OR code LIKE ? ESCAPE '\' OR address LIKE ? ESCAPE '\')`)
		k := "%" + db.EscapeLike(f.Keyword) + "%"
		args = append(args, k, k, k)
	}
	if f.Kind != "" {
		w = append(w, "kind = ?")
		args = append(args, string(f.Kind))
	}
	if f.Ownership != "" {
		w = append(w, "ownership = ?")
		args = append(args, string(f.Ownership))
	}
	if f.Status != "" {
		w = append(w, "status = ?")
		args = append(args, string(f.Status))
	}
	if f.Shared {
		w = append(w, "id IN (SELECT facility_id FROM parking_share_rules)")
	}
	return strings.Join(w, " AND "), args
}

// List returns the facilities of p's scope that match f, and how many match.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Facility, int, error) {
	where, args := f.where(p)
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM parking_facilities WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	q := `SELECT ` + facilityCols + ` FROM parking_facilities WHERE ` + where + ` ORDER BY org_path, code`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0))
	}
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	var out []Facility
	for rows.Next() {
		fc, err := scanFacility(rows)
		if err != nil {
			rows.Close()
			return nil, 0, err
		}
		out = append(out, fc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	ptrs := make([]*Facility, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, total, loadDetails(ctx, s.DB, ptrs)
}

// Get reads one facility in p's scope.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (Facility, error) {
	return getFacility(ctx, s.DB, p, id)
}

// GetPublic reads one facility for anyone (the public page and feeds).
func (s *Service) GetPublic(ctx context.Context, id int64) (Facility, error) {
	return getFacility(ctx, s.DB, nil, id)
}

// Authorisation of the module's commands, in one place: role × scope × state.
const (
	cmdView   = "view"
	cmdEdit   = "edit"
	cmdPush   = "push"
	cmdShare  = "share"
	cmdExport = "export"
)

// PushPermission is the machine-token permission of car-park systems.
const PushPermission = "parking:occupancy.push"

// allowed tells whether p may do cmd to a facility at orgPath (already
// fetched within p's scope, so out-of-scope objects are not found before
// this is asked).
func allowed(p *auth.Principal, cmd string, orgPath string) bool {
	switch cmd {
	case cmdView:
		return auth.Can(p, auth.ActViewRecords) && p.InScope(orgPath)
	case cmdExport:
		return auth.Can(p, auth.ActExportData) && p.InScope(orgPath)
	case cmdEdit, cmdShare:
		return auth.Can(p, auth.ActEditRecords) && p.InScope(orgPath)
	case cmdPush:
		return ((p.TokenID != 0 && p.HasPermission(PushPermission)) || p.Role == auth.SystemRole) && p.InScope(orgPath)
	}
	return false
}

var errForbidden = errors.New("forbidden")

// Create adds a facility to the registry at the unit f.OrgUnitID.
func (s *Service) Create(ctx context.Context, p *auth.Principal, f Facility) (Facility, error) {
	if err := f.Validate(); err != nil {
		return f, err
	}
	now := s.now()
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		path, err := unitPath(ctx, tx, p, f.OrgUnitID)
		if errors.Is(err, db.ErrNotFound) {
			return ferr("org_unit_id", "not_found", "所属单位不在您的辖区内", "The unit is not in your jurisdiction")
		} else if err != nil {
			return err
		}
		f.OrgPath = path
		if !allowed(p, cmdEdit, path) {
			return errForbidden
		}
		return s.insertFacility(ctx, tx, &f, now)
	})
	return f, s.touched(err)
}

func (s *Service) insertFacility(ctx context.Context, tx *db.Tx, f *Facility, now time.Time) error {
	f.Version, f.CreatedAt, f.UpdatedAt = 1, now, now
	args := append(facilityArgs(f), f.Version, now, now)
	err := tx.QueryRow(ctx, `INSERT INTO parking_facilities (`+strings.TrimPrefix(facilityCols, "id, ")+`)
		VALUES (`+strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+`) RETURNING id`, args...).Scan(&f.ID)
	if db.IsUniqueViolation(err) {
		return ferr("code", "taken", "编号已被使用", "This code is already in use")
	}
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "parking.facility.create", ObjectType: "parking_facility",
		ObjectID: strconv.FormatInt(f.ID, 10), Detail: f.Code + " " + f.Name, OrgPath: f.OrgPath})
}

// Update changes a facility's registry entry. The version must match (a
// stale edit is refused with a conflict). Reservations the change makes
// impossible are cancelled and their users told.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, f Facility, version int64) (Facility, []int64, error) {
	var cancelled []int64
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		old, err := getFacility(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !allowed(p, cmdEdit, old.OrgPath) {
			return errForbidden
		}
		if version != 0 && version != old.Version {
			return ErrStale
		}
		if err := f.Validate(); err != nil {
			return err
		}
		f.ID, f.OrgUnitID, f.OrgPath, f.ProjectID, f.CreatedAt = old.ID, old.OrgUnitID, old.OrgPath, old.ProjectID, old.CreatedAt
		f.Rules, f.Suspensions = old.Rules, old.Suspensions
		if err := s.Days().checkRules(&f); err != nil {
			return err
		}
		now := s.now()
		f.Version, f.UpdatedAt = old.Version+1, now
		args := append(facilityArgs(&f), f.Version, now, id)
		if _, err := tx.Exec(ctx, `UPDATE parking_facilities SET org_unit_id = ?, org_path = ?, code = ?, name = ?, kind = ?,
			operator = ?, ownership = ?, address = ?, lat = ?, lng = ?, total_spaces = ?, public_spaces = ?,
			reservable_spaces = ?, ev_spaces = ?, accessible_spaces = ?, vehicle_class = ?, max_height_cm = ?,
			free_minutes = ?, hour_cents = ?, day_cap_cents = ?, night_hour_cents = ?, night_from = ?, night_until = ?,
			open_24h = ?, opens = ?, closes = ?, status = ?, project_id = ?, version = ?, updated_at = ? WHERE id = ?`, args...); err != nil {
			if db.IsUniqueViolation(err) {
				return ferr("code", "taken", "编号已被使用", "This code is already in use")
			}
			return err
		}
		if cancelled, err = s.reconcile(ctx, tx, &f, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "parking.facility.update", ObjectType: "parking_facility",
			ObjectID: strconv.FormatInt(id, 10), Detail: fmt.Sprintf("v%d %s; cancelled %d reservations", f.Version, f.Name, len(cancelled)),
			OrgPath: f.OrgPath})
	})
	return f, cancelled, s.touched(err)
}

// ErrStale answers an edit made against an old version (409).
var ErrStale = errors.New("parking: stale version")

// checkRules refuses rules that share more spaces than the facility has.
func (d *Days) checkRules(f *Facility) error {
	for i := range f.Rules {
		if f.Rules[i].Spaces > f.TotalSpaces {
			return ferr("total_spaces", "rules", "共享规则的泊位数超过总泊位", "A sharing rule shares more spaces than the total")
		}
	}
	return nil
}

// touch moves a facility's version and updated_at so every process's index reloads it.
func touch(ctx context.Context, tx *db.Tx, id int64, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE parking_facilities SET version = version + 1, updated_at = ? WHERE id = ?`, now, id)
	return err
}

// SetRules replaces a facility's sharing rules. Reservations the new rules
// no longer admit are cancelled and their users told.
func (s *Service) SetRules(ctx context.Context, p *auth.Principal, id int64, rules []Rule) ([]int64, error) {
	var cancelled []int64
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		f, err := getFacility(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !allowed(p, cmdShare, f.OrgPath) {
			return errForbidden
		}
		var es fieldErrors
		for i := range rules {
			if err := rules[i].Validate(f.TotalSpaces); err != nil {
				fe, _ := err.(fieldErrors)
				for _, e := range fe {
					e.field = fmt.Sprintf("rules[%d].%s", i, e.field)
				}
				es = append(es, fe...)
			}
		}
		if len(es) > 0 {
			return es
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `DELETE FROM parking_share_rules WHERE facility_id = ?`, id); err != nil {
			return err
		}
		for i := range rules {
			r := &rules[i]
			r.FacilityID = id
			if err := tx.QueryRow(ctx, `INSERT INTO parking_share_rules (facility_id, org_path, name, days, entry_from,
				entry_until, leave_by, blackout_from, blackout_until, spaces, vehicle_class, eligibility, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, id, f.OrgPath, r.Name, int(r.Days), r.EntryFrom,
				r.EntryUntil, r.LeaveBy, r.BlackoutFrom, r.BlackoutUntil, r.Spaces, string(r.VehicleClass),
				string(r.Eligibility), now).Scan(&r.ID); err != nil {
				return err
			}
		}
		f.Rules = rules
		if err := touch(ctx, tx, id, now); err != nil {
			return err
		}
		if cancelled, err = s.reconcile(ctx, tx, &f, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "parking.rules.set", ObjectType: "parking_facility",
			ObjectID: strconv.FormatInt(id, 10), Detail: fmt.Sprintf("%d rules; cancelled %d reservations", len(rules), len(cancelled)),
			OrgPath: f.OrgPath})
	})
	return cancelled, s.touched(err)
}

// Suspend suspends a facility's sharing from starts until ends (zero: until
// lifted), announced now. Every reservation that relied on sharing in that
// time is cancelled and its user told, in the same transaction.
func (s *Service) Suspend(ctx context.Context, p *auth.Principal, id int64, starts, ends time.Time, reason string) (Suspension, []int64, error) {
	var cancelled []int64
	su := Suspension{Starts: starts.UTC(), Reason: strings.TrimSpace(reason)}
	if !ends.IsZero() {
		su.Ends = ends.UTC()
	}
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		f, err := getFacility(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !allowed(p, cmdShare, f.OrgPath) {
			return errForbidden
		}
		now := s.now()
		var es fieldErrors
		if su.Reason == "" || len([]rune(su.Reason)) > 200 {
			es = append(es, ferr("reason", "required", "请填写暂停原因（200 字以内）", "Give a reason (up to 200 characters)"))
		}
		if su.Starts.IsZero() || su.Starts.Before(now.Add(-time.Minute)) {
			es = append(es, ferr("starts_at", "past", "暂停开始时间不能早于现在", "The suspension cannot start in the past"))
		}
		if !su.Ends.IsZero() && !su.Ends.After(su.Starts) {
			es = append(es, ferr("ends_at", "order", "结束时间须晚于开始时间", "The end must follow the start"))
		}
		if len(es) > 0 {
			return es
		}
		su.NoticedAt = now
		var endsArg any
		if !su.Ends.IsZero() {
			endsArg = su.Ends
		}
		if err := tx.QueryRow(ctx, `INSERT INTO parking_suspensions (facility_id, org_path, starts_at, ends_at, reason,
			noticed_at, cancelled) VALUES (?, ?, ?, ?, ?, ?, 0) RETURNING id`, id, f.OrgPath, su.Starts, endsArg, su.Reason,
			now).Scan(&su.ID); err != nil {
			return err
		}
		f.Suspensions = append(f.Suspensions, su)
		if err := touch(ctx, tx, id, now); err != nil {
			return err
		}
		if cancelled, err = s.reconcile(ctx, tx, &f, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "parking.sharing.suspend", ObjectType: "parking_facility",
			ObjectID: strconv.FormatInt(id, 10), Detail: fmt.Sprintf("%s; cancelled %d reservations", su.Reason, len(cancelled)),
			OrgPath: f.OrgPath})
	})
	return su, cancelled, s.touched(err)
}

// AddMember registers the citizen with the mobile number with the host, so
// that rules for registered users admit them.
func (s *Service) AddMember(ctx context.Context, p *auth.Principal, id int64, mobile string) error {
	return s.touched(s.addMember(ctx, p, id, mobile))
}

func (s *Service) addMember(ctx context.Context, p *auth.Principal, id int64, mobile string) error {
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
		f, err := getFacility(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !allowed(p, cmdShare, f.OrgPath) {
			return errForbidden
		}
		var uid int64
		err = tx.QueryRow(ctx, `SELECT id FROM users WHERE mobile = ?`, strings.TrimSpace(mobile)).Scan(&uid)
		if errors.Is(err, sql.ErrNoRows) {
			return ferr("mobile", "not_found", "该手机号尚未注册", "No account has this mobile number")
		} else if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO parking_members (facility_id, user_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, id, uid, now); err != nil {
			return err
		}
		if err := touch(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "parking.member.add", ObjectType: "parking_facility",
			ObjectID: strconv.FormatInt(id, 10), Detail: auth.MaskMobile(mobile), OrgPath: f.OrgPath})
	})
}

// isMember tells whether user is registered with the host of facility.
func isMember(ctx context.Context, q db.Querier, facility, user int64) (bool, error) {
	if user == 0 {
		return false, nil
	}
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM parking_members WHERE facility_id = ? AND user_id = ?`, facility, user).Scan(&n)
	return n > 0, err
}

// touched tells this process's index that the database changed (when err is nil).
func (s *Service) touched(err error) error {
	if err == nil && s.Index != nil {
		s.Index.Touch()
	}
	return err
}
