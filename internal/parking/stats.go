package parking

import (
	"context"
	"strconv"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Stats are the campaign's figures in p's scope.
type Stats struct {
	Facilities     int `json:"facilities"`
	TotalSpaces    int `json:"total_spaces"`
	PublicSpaces   int `json:"public_spaces"`
	SharingSites   int `json:"sharing_sites" doc:"facilities with staggered-sharing windows"`
	NewPublic      int `json:"new_public_spaces" doc:"spaces added by supply projects opened in the period"`
	ProjectsOpen   int `json:"projects_opened"`
	ProjectsActive int `json:"projects_in_progress"`
	PrivateSpaces  int `json:"private_capital_spaces" doc:"spaces of facilities built or run by private capital"`
}

// Stats computes the figures; NewPublic counts projects opened in [from, to)
// (from zero: since the beginning) — the report's "new public parking
// spaces" comes from here, never from a hand-kept number.
func (s *Service) Stats(ctx context.Context, p *auth.Principal, from, to time.Time) (Stats, error) {
	var st Stats
	scope, args := p.ScopeSQL("org_path")
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(total_spaces), 0), COALESCE(SUM(public_spaces), 0),
		COALESCE(SUM(CASE WHEN ownership = 'private' THEN total_spaces ELSE 0 END), 0)
		FROM parking_facilities WHERE `+scope, args...).Scan(&st.Facilities, &st.TotalSpaces, &st.PublicSpaces, &st.PrivateSpaces); err != nil {
		return st, err
	}
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(DISTINCT facility_id) FROM parking_share_rules WHERE `+scope, args...).Scan(&st.SharingSites); err != nil {
		return st, err
	}
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(spaces), 0) FROM parking_projects WHERE stage = ? AND opened_at >= ? AND opened_at < ? AND `+scope,
		append([]any{StageOpened, from, to}, args...)...).Scan(&st.ProjectsOpen, &st.NewPublic); err != nil {
		return st, err
	}
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM parking_projects WHERE stage <> ? AND `+scope,
		append([]any{StageOpened}, args...)...).Scan(&st.ProjectsActive)
	return st, err
}

// Utilisation is how much of a sharing facility's reservable shared
// capacity was reserved, and how full it was, over the last days.
type Utilisation struct {
	FacilityID   int64   `json:"facility_id"`
	Name         string  `json:"name"`
	Kind         Kind    `json:"kind"`
	SlotCapacity int     `json:"slot_capacity" doc:"reservable space-slots (15 min) offered"`
	SlotReserved int     `json:"slot_reserved"`
	Reserved     float64 `json:"reserved_share"`
	Occupied     float64 `json:"occupied_share" doc:"average share of counted spaces occupied"`
	Reservations int     `json:"reservations"`
	ReservedPct  string  `json:"-"`
	OccupiedPct  string  `json:"-"`
}

func pctOf(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" }

// SharedUtilisation lists the sharing facilities of p's scope with their
// utilisation over the last days.
func (s *Service) SharedUtilisation(ctx context.Context, p *auth.Principal, days int) ([]Utilisation, error) {
	scope, args := p.ScopeSQL("f.org_path")
	now := s.now()
	fromSlot := floorDiv(Minutes(now.AddDate(0, 0, -days)), SlotMinutes)
	toSlot := floorDiv(Minutes(now), SlotMinutes)
	fromHour := floorDiv(Minutes(now.AddDate(0, 0, -days)), 60)
	rows, err := s.DB.Query(ctx, `SELECT f.id, f.name, f.kind,
		COALESCE((SELECT SUM(capacity) FROM parking_slots s WHERE s.facility_id = f.id AND s.slot >= ? AND s.slot < ?), 0),
		COALESCE((SELECT SUM(reserved) FROM parking_slots s WHERE s.facility_id = f.id AND s.slot >= ? AND s.slot < ?), 0),
		COALESCE((SELECT AVG(1.0 - (h.free_sum * 1.0 / h.samples) / h.capacity) FROM parking_occupancy_history h
			WHERE h.facility_id = f.id AND h.hour >= ? AND h.capacity > 0), 0),
		(SELECT COUNT(*) FROM parking_reservations r WHERE r.facility_id = f.id AND r.slot_from >= ?)
		FROM parking_facilities f WHERE f.id IN (SELECT facility_id FROM parking_share_rules) AND `+scope+`
		ORDER BY f.org_path, f.code LIMIT 200`, append([]any{fromSlot, toSlot, fromSlot, toSlot, fromHour, fromSlot}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Utilisation
	for rows.Next() {
		var u Utilisation
		if err := rows.Scan(&u.FacilityID, &u.Name, &u.Kind, &u.SlotCapacity, &u.SlotReserved, &u.Occupied, &u.Reservations); err != nil {
			return nil, err
		}
		if u.SlotCapacity > 0 {
			u.Reserved = float64(u.SlotReserved) / float64(u.SlotCapacity)
		}
		u.ReservedPct, u.OccupiedPct = pctOf(u.Reserved), pctOf(u.Occupied)
		out = append(out, u)
	}
	return out, rows.Err()
}

// CityName is the name of the root of the administrative tree (Baidu's
// navigation links want the city), or "" before the tree exists.
func CityName(ctx context.Context, d *db.DB) string {
	var name string
	_ = d.QueryRow(ctx, `SELECT name FROM org_units WHERE parent_id IS NULL ORDER BY id LIMIT 1`).Scan(&name)
	return name
}
