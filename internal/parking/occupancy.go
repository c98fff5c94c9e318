package parking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Count is one occupancy report from a car-park system. Capacity and free
// must describe the same set of spaces — the facility's total spaces (the
// known bug class of parking feeds is free counted over another set, so
// that free > capacity); occupied, if given, must be capacity − free.
type Count struct {
	FacilityID int64     `json:"facility_id,omitempty" doc:"the facility's id, or give its code"`
	Code       string    `json:"code,omitempty"`
	Capacity   *int      `json:"capacity,omitempty" doc:"spaces counted; must equal the registered total"`
	Free       int       `json:"free"`
	Occupied   *int      `json:"occupied,omitempty" doc:"if given, capacity − free"`
	ObservedAt time.Time `json:"observed_at" doc:"when the count was taken; an older count than the stored one is refused as stale"`
}

// PushResult tells the car-park system what became of each count.
type PushResult struct {
	Index      int    `json:"index"`
	FacilityID int64  `json:"facility_id,omitempty"`
	Status     string `json:"status" doc:"stored, stale (an equal or newer count is stored), or invalid"`
	Field      string `json:"field,omitempty"`
	Error      string `json:"error,omitempty"`
}

// Push stores counts from a car-park system whose token acts within p's
// scope. Valid counts are stored in one transaction with one audit record;
// each count gets its own result. A facility outside the token's scope is
// not found.
func (s *Service) Push(ctx context.Context, p *auth.Principal, counts []Count) ([]PushResult, error) {
	out := make([]PushResult, len(counts))
	if len(counts) == 0 || len(counts) > 1000 {
		return nil, ferr("counts", "size", "每次推送 1–1000 条", "Push 1–1000 counts at a time")
	}
	now := s.now()
	d := s.Days()
	stored := 0
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		stored = 0
		scope, sargs := p.ScopeSQL("org_path")
		for i, c := range counts {
			r := &out[i]
			*r = PushResult{Index: i, Status: "invalid"}
			var id int64
			var total int
			var path string
			var err error
			if c.FacilityID != 0 {
				err = tx.QueryRow(ctx, `SELECT id, total_spaces, org_path FROM parking_facilities WHERE id = ? AND `+scope,
					append([]any{c.FacilityID}, sargs...)...).Scan(&id, &total, &path)
			} else {
				err = tx.QueryRow(ctx, `SELECT id, total_spaces, org_path FROM parking_facilities WHERE code = ? AND `+scope,
					append([]any{c.Code}, sargs...)...).Scan(&id, &total, &path)
			}
			if err != nil {
				if isNoRows(err) {
					r.Field, r.Error = "facility_id", "not found"
					continue
				}
				return err
			}
			r.FacilityID = id
			if !allowed(p, cmdPush, path) {
				r.Field, r.Error = "facility_id", "not found"
				continue
			}
			capacity := total
			if c.Capacity != nil && *c.Capacity != total {
				r.Field, r.Error = "capacity", fmt.Sprintf("capacity %d is not the registered total %d: count free over the same spaces", *c.Capacity, total)
				continue
			}
			if c.Free < 0 || c.Free > capacity {
				r.Field, r.Error = "free", fmt.Sprintf("free must be 0–%d", capacity)
				continue
			}
			if c.Occupied != nil && *c.Occupied+c.Free != capacity {
				r.Field, r.Error = "occupied", "occupied + free must equal capacity"
				continue
			}
			obs := c.ObservedAt.UTC().Truncate(time.Second)
			if c.ObservedAt.IsZero() {
				obs = now.Truncate(time.Second)
			}
			if obs.After(now.Add(5 * time.Minute)) {
				r.Field, r.Error = "observed_at", "in the future"
				continue
			}
			res, err := tx.Exec(ctx, `INSERT INTO parking_occupancy (facility_id, capacity, free, observed_at, received_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (facility_id) DO UPDATE SET capacity = excluded.capacity,
				free = excluded.free, observed_at = excluded.observed_at, received_at = excluded.received_at
				WHERE parking_occupancy.observed_at < excluded.observed_at`, id, capacity, c.Free, obs, now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				r.Status, r.Field, r.Error = "stale", "observed_at", "an equal or newer count is stored"
				continue
			}
			m := Minutes(obs)
			if _, err := tx.Exec(ctx, `INSERT INTO parking_occupancy_history (facility_id, hour, dow_hour, free_sum, samples,
				free_min, capacity) VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (facility_id, hour) DO UPDATE SET
				free_sum = parking_occupancy_history.free_sum + excluded.free_sum,
				samples = parking_occupancy_history.samples + 1,
				free_min = CASE WHEN excluded.free_min < parking_occupancy_history.free_min THEN excluded.free_min
					ELSE parking_occupancy_history.free_min END,
				capacity = excluded.capacity`, id, floorDiv(m, 60), d.DowHour(m), c.Free, c.Free, capacity); err != nil {
				return err
			}
			r.Status = "stored"
			stored++
		}
		if stored == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "parking.occupancy.push", ObjectType: "parking_occupancy",
			ObjectID: strconv.Itoa(stored), Detail: fmt.Sprintf("%d of %d counts stored", stored, len(counts))})
	})
	return out, s.touched(err)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Occupancy is the live state of one facility as shown: Known is false when
// no count arrived within StaleAfter (then it is unknown, never free).
type Occupancy struct {
	Free       int       `json:"free"`
	Capacity   int       `json:"capacity"`
	ObservedAt time.Time `json:"observed_at,omitzero"`
	Known      bool      `json:"known"`
}

// LiveOccupancy reads a facility's occupancy from the database.
func (s *Service) LiveOccupancy(ctx context.Context, id int64) (Occupancy, error) {
	var o Occupancy
	err := s.DB.QueryRow(ctx, `SELECT free, capacity, observed_at FROM parking_occupancy WHERE facility_id = ?`, id).
		Scan(&o.Free, &o.Capacity, &o.ObservedAt)
	if isNoRows(err) {
		return o, nil
	}
	o.ObservedAt = o.ObservedAt.UTC()
	o.Known = err == nil && s.now().Sub(o.ObservedAt) <= s.StaleAfter
	return o, err
}

// profileUnknown marks an hour of the week with no history.
const profileUnknown = 255

// Profile is a facility's usual share of free spaces for each hour of the
// week (Monday 00h first), 0–250 of capacity, or profileUnknown.
type Profile [168]uint8

// RefreshProfiles recomputes every facility's forecast profile from the
// last weeks of history (weekday-and-hour averages) and stores those that
// changed. It runs hourly and after the demo.
func (s *Service) RefreshProfiles(ctx context.Context, weeks int) (int, error) {
	now := s.now()
	since := floorDiv(Minutes(now), 60) - int64(weeks*168)
	rows, err := s.DB.Query(ctx, `SELECT facility_id, dow_hour, SUM(free_sum), SUM(samples), MAX(capacity)
		FROM parking_occupancy_history WHERE hour >= ? GROUP BY facility_id, dow_hour ORDER BY facility_id`, since)
	if err != nil {
		return 0, err
	}
	profiles := map[int64]*Profile{}
	var order []int64
	for rows.Next() {
		var id, dh, sum, n, capacity int64
		if err := rows.Scan(&id, &dh, &sum, &n, &capacity); err != nil {
			rows.Close()
			return 0, err
		}
		pr := profiles[id]
		if pr == nil {
			pr = new(Profile)
			for i := range pr {
				pr[i] = profileUnknown
			}
			profiles[id] = pr
			order = append(order, id)
		}
		if n > 0 && capacity > 0 && dh >= 0 && dh < 168 {
			pr[dh] = uint8(math.Round(min(250, float64(sum)/float64(n)/float64(capacity)*250)))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	written := 0
	for start := 0; start < len(order); start += 500 {
		chunk := order[start:min(start+500, len(order))]
		err := s.DB.Tx(ctx, func(tx *db.Tx) error {
			for _, id := range chunk {
				data := encodeProfile(profiles[id])
				res, err := tx.Exec(ctx, `INSERT INTO parking_profiles (facility_id, data, updated_at) VALUES (?, ?, ?)
					ON CONFLICT (facility_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at
					WHERE parking_profiles.data <> excluded.data`, id, data, now)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n > 0 {
					written++
				}
			}
			return nil
		})
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

func encodeProfile(p *Profile) string {
	var b strings.Builder
	for i, v := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(v)))
	}
	return b.String()
}

func decodeProfile(s string) (*Profile, error) {
	var p Profile
	parts := strings.Split(s, ",")
	if len(parts) != 168 {
		return nil, errors.New("parking: profile must have 168 values")
	}
	for i, x := range parts {
		v, err := strconv.Atoi(x)
		if err != nil || v < 0 || v > 255 {
			return nil, errors.New("parking: bad profile value")
		}
		p[i] = uint8(v)
	}
	return &p, nil
}

// HistoryPoint is one hour of the downsampled history.
type HistoryPoint struct {
	Hour     time.Time `json:"hour"`
	FreeAvg  float64   `json:"free_avg"`
	FreeMin  int       `json:"free_min"`
	Capacity int       `json:"capacity"`
}

// History returns the hourly history of a facility in p's scope over the
// last days.
func (s *Service) History(ctx context.Context, p *auth.Principal, id int64, days int) ([]HistoryPoint, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	since := floorDiv(Minutes(s.now()), 60) - int64(days*24)
	rows, err := s.DB.Query(ctx, `SELECT hour, free_sum, samples, free_min, capacity FROM parking_occupancy_history
		WHERE facility_id = ? AND hour >= ? ORDER BY hour`, id, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HistoryPoint
	for rows.Next() {
		var h, sum, n int64
		var hp HistoryPoint
		if err := rows.Scan(&h, &sum, &n, &hp.FreeMin, &hp.Capacity); err != nil {
			return nil, err
		}
		hp.Hour = TimeOf(h * 60)
		if n > 0 {
			hp.FreeAvg = math.Round(float64(sum)/float64(n)*10) / 10
		}
		out = append(out, hp)
	}
	return out, rows.Err()
}

// AreaPoint is one hour of a district's (or the whole scope's) occupancy.
type AreaPoint struct {
	Hour     time.Time `json:"hour"`
	Occupied float64   `json:"occupied_rate" doc:"share of counted spaces occupied, 0–1"`
	Reported int       `json:"facilities" doc:"facilities that reported in the hour"`
}

// AreaHistory aggregates the hourly history of every facility in p's scope
// under orgPath (empty: p's whole scope).
func (s *Service) AreaHistory(ctx context.Context, p *auth.Principal, orgPath string, days int) ([]AreaPoint, error) {
	scope, args := p.ScopeSQL("f.org_path")
	where := scope
	if orgPath != "" {
		where += " AND f.org_path >= ? AND f.org_path < ?"
		args = append(args, orgPath, orgPath[:len(orgPath)-1]+"0")
	}
	since := floorDiv(Minutes(s.now()), 60) - int64(days*24)
	rows, err := s.DB.Query(ctx, `SELECT h.hour, SUM(h.free_sum * 1.0 / h.samples), SUM(h.capacity), COUNT(*)
		FROM parking_occupancy_history h JOIN parking_facilities f ON f.id = h.facility_id
		WHERE `+where+` AND h.hour >= ? GROUP BY h.hour ORDER BY h.hour`, append(args, since)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AreaPoint
	for rows.Next() {
		var h int64
		var free float64
		var capacity int64
		var ap AreaPoint
		if err := rows.Scan(&h, &free, &capacity, &ap.Reported); err != nil {
			return nil, err
		}
		ap.Hour = TimeOf(h * 60)
		if capacity > 0 {
			ap.Occupied = math.Round((1-free/float64(capacity))*1000) / 1000
		}
		out = append(out, ap)
	}
	return out, rows.Err()
}
