package parking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Reservation statuses.
const (
	Booked          = "booked"
	CheckedIn       = "checked_in"
	Completed       = "completed"
	Cancelled       = "cancelled"
	CancelledByHost = "cancelled_by_host"
	NoShow          = "no_show"
)

// Reservation holds capacity at a facility for a window (not a numbered
// space): the lot keeps it away from drive-ups.
type Reservation struct {
	ID           int64      `json:"id"`
	FacilityID   int64      `json:"facility_id"`
	FacilityName string     `json:"facility_name"`
	OrgPath      string     `json:"-"`
	UserID       int64      `json:"-"`
	Plate        string     `json:"plate"`
	Starts       time.Time  `json:"starts_at"`
	Ends         time.Time  `json:"ends_at"`
	Status       string     `json:"status"`
	PriceCents   int64      `json:"price_cents"`
	CreatedAt    time.Time  `json:"created_at"`
	CheckedInAt  *time.Time `json:"checked_in_at,omitempty"`
	CheckedOutAt *time.Time `json:"checked_out_at,omitempty"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	SlotFrom     int64      `json:"-"`
	SlotTo       int64      `json:"-"`
}

// ErrFull: some slot of the window has no reservable capacity left (409).
var ErrFull = errors.New("parking: no reservable capacity left for this window")

// ErrState: the reservation is not in a state that allows this (409).
var ErrState = errors.New("parking: not allowed in the reservation's state")

// ReserveRequest is what a driver asks for.
type ReserveRequest struct {
	FacilityID int64     `json:"facility_id"`
	Starts     time.Time `json:"starts_at"`
	Ends       time.Time `json:"ends_at"`
	Plate      string    `json:"plate" doc:"licence plate, e.g. 浙A12345"`
}

// ValidPlate accepts a mainland plate: a province character, a letter, and
// five (ordinary) or six (new-energy) letters or digits.
func ValidPlate(s string) bool {
	r, size := utf8.DecodeRuneInString(s)
	if !unicode.Is(unicode.Han, r) {
		return false
	}
	rest := s[size:]
	if len(rest) != 6 && len(rest) != 7 {
		return false
	}
	for i, c := range rest {
		ok := c >= 'A' && c <= 'Z' || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// slotsOf snaps a window to the 15-minute ledger slots [from, to).
func slotsOf(starts, ends time.Time) (int64, int64) {
	a, b := Minutes(starts), Minutes(ends.Add(59*time.Second))
	return floorDiv(a, SlotMinutes), floorDiv(b+SlotMinutes-1, SlotMinutes)
}

// MaxStay is the longest reservation.
const MaxStay = 48 * time.Hour

// Reserve holds capacity for the driver p over the window, or fails with
// ErrFull. One conditional upsert takes the window's ledger rows: it
// creates those missing (holding this reservation) and increments the
// others only where below their capacity; unless it took every slot, the
// transaction rolls back. That is the whole invariant, on SQLite (one
// writer) and PostgreSQL (row locks, re-checked after a concurrent commit)
// alike, across any number of processes: no lock in this process is
// relied upon.
func (s *Service) Reserve(ctx context.Context, p *auth.Principal, req ReserveRequest) (Reservation, error) {
	var res Reservation
	if p.UserID == 0 || !auth.Can(p, auth.ActSubmit) {
		return res, errForbidden
	}
	req.Plate = strings.ToUpper(strings.TrimSpace(req.Plate))
	now := s.now()
	var es fieldErrors
	if !ValidPlate(req.Plate) {
		es = append(es, ferr("plate", "invalid", "车牌号格式不正确", "Not a valid licence plate"))
	}
	if req.Starts.IsZero() || req.Starts.Before(now.Add(-SlotMinutes*time.Minute)) {
		es = append(es, ferr("starts_at", "past", "开始时间不能早于现在", "The start cannot be in the past"))
	} else if req.Starts.After(now.AddDate(0, 0, 30)) {
		es = append(es, ferr("starts_at", "too_far", "最多提前 30 天预约", "Reserve at most 30 days ahead"))
	}
	if !req.Ends.After(req.Starts) || req.Ends.Sub(req.Starts) > MaxStay {
		es = append(es, ferr("ends_at", "range", "结束时间须晚于开始，且不超过 48 小时", "The end must follow the start, within 48 hours"))
	}
	if len(es) > 0 {
		return res, es
	}
	sa, sb := slotsOf(req.Starts, req.Ends)
	var res2 Reservation
	for attempt := 0; ; attempt++ {
		// The facility and its rules are read outside the write transaction
		// (on SQLite the writer is one connection; the less it holds, the
		// more reservations per second); inside it, one read of the
		// version proves they are still current, else the whole is redone.
		pre, err := s.prepareReservation(ctx, p, req, sa, sb, attempt > 0)
		if err != nil {
			return res, err
		}
		err = retry(ctx, func() error {
			return s.DB.Tx(ctx, func(tx *db.Tx) error {
				var err error
				res2, err = s.reserveTx(ctx, tx, p, req, pre, sa, sb, now)
				return err
			})
		})
		if errors.Is(err, errChanged) && attempt < 5 {
			continue
		}
		return res2, err
	}
}

// errChanged: the facility changed between the reads and the write.
var errChanged = errors.New("parking: facility changed meanwhile")

// prepared is what a reservation needs to know before it writes.
type prepared struct {
	f    Facility
	caps []int
}

// heldFacility is a facility with its rules and suspensions as read at
// one version (every change to them moves the version).
type heldFacility struct {
	f  Facility
	at time.Time
}

const (
	heldSlots = 4096
	heldFor   = 10 * time.Second
)

// reservationFacility reads a facility with its rules and suspensions for
// a reservation — from the copy a recent reservation read, unless fresh.
// A copy may be stale only if another process changed the facility; the
// reservation's write then finds the version moved and is redone fresh.
func (s *Service) reservationFacility(ctx context.Context, id int64, fresh bool) (Facility, bool, error) {
	slot := &s.held[uint64(id)%heldSlots]
	if !fresh {
		if h := slot.Load(); h != nil && h.f.ID == id && time.Since(h.at) < heldFor {
			return h.f, true, nil
		}
	}
	f, err := getFacility(ctx, s.DB, nil, id)
	if err != nil {
		return f, false, err
	}
	slot.Store(&heldFacility{f: f, at: time.Now()})
	return f, false, nil
}

func (s *Service) prepareReservation(ctx context.Context, p *auth.Principal, req ReserveRequest, sa, sb int64, fresh bool) (prepared, error) {
	f, cached, err := s.reservationFacility(ctx, req.FacilityID, fresh)
	if errors.Is(err, db.ErrNotFound) {
		return prepared{}, ferr("facility_id", "not_found", "停车场不存在", "No such car park")
	} else if err != nil {
		return prepared{}, err
	}
	pre, err := s.prepareWith(ctx, p, f, sa, sb)
	if err != nil && cached {
		// A refusal is never given from a copy: the write, which would
		// catch a stale one, is not reached.
		return s.prepareReservation(ctx, p, req, sa, sb, true)
	}
	return pre, err
}

func (s *Service) prepareWith(ctx context.Context, p *auth.Principal, f Facility, sa, sb int64) (prepared, error) {
	var err error
	member := false
	for _, r := range f.Rules {
		if r.Eligibility == Registered {
			if member, err = isMember(ctx, s.DB, f.ID, p.UserID); err != nil {
				return prepared{}, err
			}
			break
		}
	}
	plan := PlanOf(&f)
	d := s.Days()
	a, b := sa*SlotMinutes, sb*SlotMinutes
	if c, _, _ := plan.Admit(a, b, d, Need{Member: member}); c == 0 {
		return prepared{}, ferr("starts_at", "closed", "该时段此停车场不对您开放", "The car park is not open to you for this whole stay")
	}
	caps := make([]int, sb-sa)
	for i := range caps {
		caps[i] = plan.ReservableAt(a+int64(i)*SlotMinutes, d)
		if caps[i] == 0 {
			return prepared{}, ErrFull
		}
	}
	return prepared{f: f, caps: caps}, nil
}

func (s *Service) reserveTx(ctx context.Context, tx *db.Tx, p *auth.Principal, req ReserveRequest, pre prepared, sa, sb int64, now time.Time) (Reservation, error) {
	res := Reservation{}
	f, caps := pre.f, pre.caps
	d := s.Days()
	a, b := sa*SlotMinutes, sb*SlotMinutes
	// One statement takes a space in every slot of the window: it creates
	// the ledger rows that do not exist yet (holding this reservation) and
	// increments the others only where below their capacity — and does
	// either only if the facility is still at the version the capacities
	// were computed from. On PostgreSQL the facility row is share-locked
	// by it first: reservations run side by side, while a change of rules
	// or a suspension (which updates the row, then reconciles the ledger)
	// waits for them or makes them redo. SQLite's single writer gives the
	// same order by itself. Unless every slot was taken, the transaction
	// rolls back the rows it did touch.
	n, err := takeSlots(ctx, tx, f.ID, f.Version, sa, caps)
	if err != nil {
		return res, err
	}
	if n != sb-sa {
		// Full, or the facility changed: only a failure pays this read.
		var version int64
		if err := tx.QueryRow(ctx, `SELECT version FROM parking_facilities WHERE id = ?`, f.ID).Scan(&version); err != nil {
			return res, err
		}
		if version != f.Version {
			return res, errChanged
		}
		return res, ErrFull
	}
	res = Reservation{FacilityID: f.ID, FacilityName: f.Name, OrgPath: f.OrgPath, UserID: p.UserID, Plate: req.Plate,
		Starts: TimeOf(a), Ends: TimeOf(b), Status: Booked, PriceCents: f.Tariff.Price(a, b, d), CreatedAt: now,
		SlotFrom: sa, SlotTo: sb}
	// The event is written after the slot rows are locked, so events
	// touching the same slots are numbered in commit order: the history
	// replays exactly. On PostgreSQL the reservation and its event are one
	// statement.
	if tx.Dialect() == db.Postgres {
		if err := tx.QueryRow(ctx, `WITH r AS (INSERT INTO parking_reservations (facility_id, org_path, user_id, plate,
			starts_at, ends_at, slot_from, slot_to, status, price_cents, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id)
			INSERT INTO parking_reservation_events (reservation_id, facility_id, kind, slot_from, slot_to, delta, at)
			SELECT id, CAST(? AS BIGINT), 'reserve', CAST(? AS BIGINT), CAST(? AS BIGINT), 1, CAST(? AS TIMESTAMPTZ) FROM r
			RETURNING reservation_id`,
			res.FacilityID, res.OrgPath, res.UserID, res.Plate, res.Starts, res.Ends, sa, sb, Booked, res.PriceCents, now,
			f.ID, sa, sb, now).Scan(&res.ID); err != nil {
			return res, err
		}
	} else {
		if err := tx.QueryRow(ctx, `INSERT INTO parking_reservations (facility_id, org_path, user_id, plate, starts_at, ends_at,
			slot_from, slot_to, status, price_cents, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			res.FacilityID, res.OrgPath, res.UserID, res.Plate, res.Starts, res.Ends, sa, sb, Booked, res.PriceCents, now).Scan(&res.ID); err != nil {
			return res, err
		}
		if err := event(ctx, tx, res.ID, f.ID, "reserve", sa, sb, 1, now); err != nil {
			return res, err
		}
	}
	return res, audit.Record(ctx, tx, audit.Entry{Action: "parking.reservation.create", ObjectType: "parking_reservation",
		ObjectID: strconv.FormatInt(res.ID, 10), Detail: fmt.Sprintf("facility %d %s–%s %s", f.ID,
			res.Starts.Format(time.RFC3339), res.Ends.Format(time.RFC3339), maskPlate(res.Plate)), OrgPath: f.OrgPath})
}

// takeSlots takes one space in each ledger slot from, from+1, … of
// facility (creating the missing rows with capacities caps, each at least
// 1, holding this one), provided the facility is at version; it returns
// how many slots it took. The statement text depends only on the number of
// slots, so the driver's statement cache keeps it prepared.
func takeSlots(ctx context.Context, tx *db.Tx, facility, version, from int64, caps []int) (int64, error) {
	var took int64
	for start := 0; start < len(caps); start += 200 {
		end := min(start+200, len(caps))
		args := make([]any, 0, (end-start)*2+3)
		args = append(args, facility)
		for i := start; i < end; i++ {
			args = append(args, from+int64(i), caps[i])
		}
		args = append(args, facility, version)
		// PostgreSQL needs the parameters' types; SQLite parses less without.
		lock, first, row := "", "?", "(?, ?), "
		if tx.Dialect() == db.Postgres {
			lock, first, row = ` FOR SHARE`, "CAST(? AS BIGINT)", "(CAST(? AS BIGINT), CAST(? AS BIGINT)), "
		}
		q := `INSERT INTO parking_slots (facility_id, slot, capacity, reserved)
			SELECT ` + first + `, s.column1, s.column2, 1 FROM (VALUES ` +
			strings.TrimSuffix(strings.Repeat(row, end-start), ", ") + `) AS s
			WHERE EXISTS (SELECT 1 FROM parking_facilities WHERE id = ? AND version = ?` + lock + `)
			ON CONFLICT (facility_id, slot) DO UPDATE SET reserved = parking_slots.reserved + 1
			WHERE parking_slots.reserved < parking_slots.capacity`
		r, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return took, err
		}
		n, err := r.RowsAffected()
		if err != nil {
			return took, err
		}
		took += n
	}
	return took, nil
}

func event(ctx context.Context, tx *db.Tx, res, facility int64, kind string, from, to int64, delta int, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO parking_reservation_events (reservation_id, facility_id, kind, slot_from, slot_to,
		delta, at) VALUES (?, ?, ?, ?, ?, ?, ?)`, res, facility, kind, from, to, delta, now)
	return err
}

// retry runs fn again when PostgreSQL resolved a deadlock or a
// serialisation failure by aborting it (the work is then simply redone).
func retry(ctx context.Context, fn func() error) error {
	var err error
	for i := 0; i < 8; i++ {
		err = fn()
		if err == nil || !(strings.Contains(err.Error(), "SQLSTATE 40P01") || strings.Contains(err.Error(), "SQLSTATE 40001")) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(i+1) * 3 * time.Millisecond):
		}
	}
	return err
}

func maskPlate(p string) string {
	r := []rune(p)
	if len(r) < 5 {
		return p
	}
	return string(r[:2]) + "***" + string(r[len(r)-2:])
}

const reservationCols = `r.id, r.facility_id, f.name, r.org_path, r.user_id, r.plate, r.starts_at, r.ends_at, r.status,
	r.price_cents, r.created_at, r.checked_in_at, r.checked_out_at, r.cancelled_at, r.slot_from, r.slot_to`

func scanReservation(row scanner) (Reservation, error) {
	var r Reservation
	var in, out, canc sql.NullTime
	err := row.Scan(&r.ID, &r.FacilityID, &r.FacilityName, &r.OrgPath, &r.UserID, &r.Plate, &r.Starts, &r.Ends, &r.Status,
		&r.PriceCents, &r.CreatedAt, &in, &out, &canc, &r.SlotFrom, &r.SlotTo)
	if errors.Is(err, sql.ErrNoRows) {
		return r, db.ErrNotFound
	}
	r.Starts, r.Ends, r.CreatedAt = r.Starts.UTC(), r.Ends.UTC(), r.CreatedAt.UTC()
	opt := func(t sql.NullTime) *time.Time {
		if !t.Valid {
			return nil
		}
		u := t.Time.UTC()
		return &u
	}
	r.CheckedInAt, r.CheckedOutAt, r.CancelledAt = opt(in), opt(out), opt(canc)
	return r, err
}

// MyReservations lists the driver's reservations, newest first.
func (s *Service) MyReservations(ctx context.Context, p *auth.Principal, limit int) ([]Reservation, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+reservationCols+` FROM parking_reservations r
		JOIN parking_facilities f ON f.id = r.facility_id WHERE r.user_id = ? ORDER BY r.starts_at DESC, r.id DESC LIMIT ?`,
		p.UserID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reservation
	for rows.Next() {
		r, err := scanReservation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Notice is something the driver is told.
type Notice struct {
	ID            int64     `json:"id"`
	ReservationID int64     `json:"reservation_id,omitempty"`
	Message       string    `json:"message"`
	MessageEn     string    `json:"message_en"`
	CreatedAt     time.Time `json:"created_at"`
}

// MyNotices lists what the driver was told, newest first.
func (s *Service) MyNotices(ctx context.Context, p *auth.Principal, limit int) ([]Notice, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, COALESCE(reservation_id, 0), message_zh, message_en, created_at
		FROM parking_notices WHERE user_id = ? ORDER BY id DESC LIMIT ?`, p.UserID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notice
	for rows.Next() {
		var n Notice
		if err := rows.Scan(&n.ID, &n.ReservationID, &n.Message, &n.MessageEn, &n.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// getOwn reads the driver's own reservation (another's is not found).
func getOwn(ctx context.Context, q db.Querier, p *auth.Principal, id int64) (Reservation, error) {
	return scanReservation(q.QueryRow(ctx, `SELECT `+reservationCols+` FROM parking_reservations r
		JOIN parking_facilities f ON f.id = r.facility_id WHERE r.id = ? AND r.user_id = ?`, id, p.UserID))
}

// Cancel cancels the driver's reservation, free of charge before its start.
func (s *Service) Cancel(ctx context.Context, p *auth.Principal, id int64) (Reservation, error) {
	var res Reservation
	if p.UserID == 0 {
		return res, db.ErrNotFound
	}
	err := retry(ctx, func() error {
		return s.DB.Tx(ctx, func(tx *db.Tx) error {
			var err error
			res, err = getOwn(ctx, tx, p, id)
			if err != nil {
				return err
			}
			now := s.now()
			if res.Status != Booked || !now.Before(res.Starts) {
				return ErrState
			}
			if err := release(ctx, tx, &res, res.SlotFrom, "cancel", Cancelled, now); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Entry{Action: "parking.reservation.cancel", ObjectType: "parking_reservation",
				ObjectID: strconv.FormatInt(id, 10), OrgPath: res.OrgPath})
		})
	})
	return res, err
}

// release gives back the reservation's capacity from slot from on (the
// slots before stay held: that time has passed) and sets its status.
func release(ctx context.Context, tx *db.Tx, r *Reservation, from int64, kind, status string, now time.Time) error {
	from = min(max(from, r.SlotFrom), r.SlotTo)
	var cancelledAt, checkedOutAt any
	if status == Completed {
		checkedOutAt = now
	} else {
		cancelledAt = now
	}
	res, err := tx.Exec(ctx, `UPDATE parking_reservations SET status = ?, cancelled_at = COALESCE(?, cancelled_at),
		checked_out_at = COALESCE(?, checked_out_at), released_from = ? WHERE id = ? AND status IN (?, ?)`,
		status, cancelledAt, checkedOutAt, from, r.ID, Booked, CheckedIn)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrState
	}
	r.Status = status
	if from < r.SlotTo {
		if _, err := tx.Exec(ctx, `UPDATE parking_slots SET reserved = reserved - 1 WHERE facility_id = ? AND slot >= ? AND slot < ?`,
			r.FacilityID, from, r.SlotTo); err != nil {
			return err
		}
		return event(ctx, tx, r.ID, r.FacilityID, kind, from, r.SlotTo, -1, now)
	}
	return nil
}

// CarEvent is what a car-park system reports at its gate.
type CarEvent struct {
	FacilityID    int64     `json:"facility_id"`
	ReservationID int64     `json:"reservation_id,omitempty" doc:"or give the plate"`
	Plate         string    `json:"plate,omitempty"`
	Kind          string    `json:"kind" doc:"entry or exit"`
	At            time.Time `json:"at"`
}

// GateEvent records a reserved car's entry (check-in) or exit (check-out,
// which releases the rest of the window) reported by the car-park system.
func (s *Service) GateEvent(ctx context.Context, p *auth.Principal, ev CarEvent) (Reservation, error) {
	var res Reservation
	if ev.Kind != "entry" && ev.Kind != "exit" {
		return res, ferr("kind", "invalid", "事件类型须为 entry 或 exit", "kind must be entry or exit")
	}
	now := s.now()
	if ev.At.IsZero() {
		ev.At = now
	}
	err := retry(ctx, func() error {
		return s.DB.Tx(ctx, func(tx *db.Tx) error {
			f, err := getFacility(ctx, tx, p, ev.FacilityID)
			if err != nil {
				return err
			}
			if !allowed(p, cmdPush, f.OrgPath) {
				return errForbidden
			}
			want := Booked
			if ev.Kind == "exit" {
				want = CheckedIn
			}
			q := `SELECT ` + reservationCols + ` FROM parking_reservations r JOIN parking_facilities f ON f.id = r.facility_id
				WHERE r.facility_id = ? AND r.status = ? AND `
			args := []any{f.ID, want}
			if ev.ReservationID != 0 {
				q += `r.id = ?`
				args = append(args, ev.ReservationID)
			} else {
				q += `r.plate = ? AND r.starts_at <= ? AND r.ends_at > ?`
				args = append(args, strings.ToUpper(strings.TrimSpace(ev.Plate)), ev.At.Add(s.NoShowGrace), ev.At.Add(-MaxStay))
			}
			res, err = scanReservation(tx.QueryRow(ctx, q+` ORDER BY r.starts_at LIMIT 1`, args...))
			if err != nil {
				return err
			}
			if ev.Kind == "entry" {
				if _, err := tx.Exec(ctx, `UPDATE parking_reservations SET status = ?, checked_in_at = ? WHERE id = ?`,
					CheckedIn, ev.At.UTC(), res.ID); err != nil {
					return err
				}
				res.Status = CheckedIn
			} else {
				from := floorDiv(Minutes(ev.At)+SlotMinutes-1, SlotMinutes)
				if err := release(ctx, tx, &res, from, "check_out", Completed, ev.At.UTC()); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, audit.Entry{Action: "parking.reservation." + ev.Kind, ObjectType: "parking_reservation",
				ObjectID: strconv.FormatInt(res.ID, 10), OrgPath: res.OrgPath})
		})
	})
	return res, err
}

// ReleaseNoShows releases reservations not checked in within the grace
// period after their start; it returns how many.
func (s *Service) ReleaseNoShows(ctx context.Context) (int, error) {
	now := s.now()
	rows, err := s.DB.Query(ctx, `SELECT id, user_id FROM parking_reservations WHERE status = ? AND starts_at < ? ORDER BY id LIMIT 1000`,
		Booked, now.Add(-s.NoShowGrace))
	if err != nil {
		return 0, err
	}
	type ru struct{ id, user int64 }
	var due []ru
	for rows.Next() {
		var x ru
		if err := rows.Scan(&x.id, &x.user); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, x)
	}
	rows.Close()
	n := 0
	sys := auth.WithPrincipal(ctx, auth.System("parking no-show sweeper"))
	for _, x := range due {
		err := retry(ctx, func() error {
			return s.DB.Tx(ctx, func(tx *db.Tx) error {
				r, err := getOwn(ctx, tx, &auth.Principal{UserID: x.user}, x.id)
				if err != nil {
					return err
				}
				if r.Status != Booked {
					return nil
				}
				from := floorDiv(Minutes(now)+SlotMinutes-1, SlotMinutes)
				if err := release(ctx, tx, &r, from, "no_show", NoShow, now); err != nil {
					return err
				}
				n++
				return audit.Record(sys, tx, audit.Entry{Action: "parking.reservation.no_show", ObjectType: "parking_reservation",
					ObjectID: strconv.FormatInt(r.ID, 10), OrgPath: r.OrgPath})
			})
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// reconcile brings the ledger of f in line with its (changed) rules from
// now on: booked reservations the facility no longer admits are cancelled
// by the host and their users told; then each future slot's capacity is
// recomputed, cancelling the latest reservations of any slot that would
// hold more than its new capacity; then capacities are written. Cancelling
// first keeps the CHECK (reserved ≤ capacity) true at every statement.
func (s *Service) reconcile(ctx context.Context, tx *db.Tx, f *Facility, now time.Time) ([]int64, error) {
	d := s.Days()
	plan := PlanOf(f)
	nowSlot := floorDiv(Minutes(now), SlotMinutes)
	rows, err := tx.Query(ctx, `SELECT `+reservationCols+` FROM parking_reservations r JOIN parking_facilities f ON f.id = r.facility_id
		WHERE r.facility_id = ? AND r.status = ? AND r.slot_to > ? ORDER BY r.id DESC`, f.ID, Booked, nowSlot)
	if err != nil {
		return nil, err
	}
	var booked []Reservation
	for rows.Next() {
		r, err := scanReservation(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		booked = append(booked, r)
	}
	rows.Close()
	var cancelled []int64
	alive := booked[:0:0]
	for i := range booked {
		r := &booked[i]
		member, err := isMember(ctx, tx, f.ID, r.UserID)
		if err != nil {
			return nil, err
		}
		if c, _, _ := plan.Admit(r.SlotFrom*SlotMinutes, r.SlotTo*SlotMinutes, d, Need{Member: member}); c > 0 {
			alive = append(alive, *r)
			continue
		}
		if err := s.hostCancel(ctx, tx, r, nowSlot, now); err != nil {
			return nil, err
		}
		cancelled = append(cancelled, r.ID)
	}
	// Future slot rows and their new capacities.
	srows, err := tx.Query(ctx, `SELECT slot, capacity, reserved FROM parking_slots WHERE facility_id = ? AND slot >= ? ORDER BY slot`,
		f.ID, nowSlot)
	if err != nil {
		return nil, err
	}
	type slotRow struct {
		slot          int64
		cap, reserved int
		newCap        int
	}
	var slots []slotRow
	for srows.Next() {
		var x slotRow
		if err := srows.Scan(&x.slot, &x.cap, &x.reserved); err != nil {
			srows.Close()
			return nil, err
		}
		x.newCap = plan.ReservableAt(x.slot*SlotMinutes, d)
		slots = append(slots, x)
	}
	srows.Close()
	reserved := map[int64]int{}
	for _, x := range slots {
		reserved[x.slot] = x.reserved
	}
	// alive is newest first: the latest bookings give way first.
	for _, x := range slots {
		for reserved[x.slot] > x.newCap {
			k := -1
			for i := range alive {
				if alive[i].Status == Booked && alive[i].SlotFrom <= x.slot && x.slot < alive[i].SlotTo {
					k = i
					break
				}
			}
			if k < 0 {
				break // checked-in cars hold the rest; capacity cannot drop below them
			}
			r := &alive[k]
			if err := s.hostCancel(ctx, tx, r, nowSlot, now); err != nil {
				return nil, err
			}
			r.Status = CancelledByHost
			for sl := max(r.SlotFrom, nowSlot); sl < r.SlotTo; sl++ {
				reserved[sl]--
			}
			cancelled = append(cancelled, r.ID)
		}
	}
	for _, x := range slots {
		c := max(x.newCap, reserved[x.slot])
		if c != x.cap {
			if _, err := tx.Exec(ctx, `UPDATE parking_slots SET capacity = ? WHERE facility_id = ? AND slot = ?`, c, f.ID, x.slot); err != nil {
				return nil, err
			}
		}
	}
	sort.Slice(cancelled, func(i, j int) bool { return cancelled[i] < cancelled[j] })
	return cancelled, nil
}

// hostCancel cancels a reservation because the host changed or suspended
// sharing, and tells the driver.
func (s *Service) hostCancel(ctx context.Context, tx *db.Tx, r *Reservation, nowSlot int64, now time.Time) error {
	if err := release(ctx, tx, r, nowSlot, "host_cancel", CancelledByHost, now); err != nil {
		return err
	}
	when := r.Starts.In(s.Loc).Format("01-02 15:04")
	zh := fmt.Sprintf("您在「%s」%s 的预约因车位提供方调整或暂停共享已取消，不收取任何费用。", r.FacilityName, when)
	en := fmt.Sprintf("Your reservation at %s on %s was cancelled because the host changed or suspended sharing; nothing is charged.", r.FacilityName, when)
	if _, err := tx.Exec(ctx, `INSERT INTO parking_notices (user_id, reservation_id, message_zh, message_en, created_at)
		VALUES (?, ?, ?, ?, ?)`, r.UserID, r.ID, zh, en, now); err != nil {
		return err
	}
	if s.SMS != nil {
		var mobile sql.NullString
		if err := tx.QueryRow(ctx, `SELECT mobile FROM users WHERE id = ?`, r.UserID).Scan(&mobile); err == nil && mobile.Valid {
			_ = s.SMS.Send(ctx, mobile.String, zh)
		}
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "parking.reservation.host_cancel", ObjectType: "parking_reservation",
		ObjectID: strconv.FormatInt(r.ID, 10), OrgPath: r.OrgPath})
}
