package parking

import (
	"context"
	"strings"
	"time"
)

// SearchFromDB answers q from the database alone, without the index: the
// facilities matching the spatial predicate where (SQL over the
// parking_facilities table, e.g. a PostGIS ST_DWithin on a geography
// column) are read with their rules, suspensions, live counts and
// profiles, and judged and ranked exactly as Search does. It is the
// benchmarks' baseline — what answering a search costs when every search
// goes to the database.
func (s *Service) SearchFromDB(ctx context.Context, q Query, where string, args ...any) ([]Hit, error) {
	q.Normalize()
	rows, err := s.DB.Query(ctx, `SELECT `+facilityCols+` FROM parking_facilities WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*entry{}
	var ptrs []*Facility
	var ids []any
	for rows.Next() {
		f, err := scanFacility(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		fc := f
		byID[f.ID] = &entry{f: &fc, lat: f.Lat, lng: f.Lng}
		ptrs = append(ptrs, &fc)
		ids = append(ids, f.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if err := loadDetails(ctx, s.DB, ptrs); err != nil {
		return nil, err
	}
	in := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	orows, err := s.DB.Query(ctx, `SELECT facility_id, free, capacity, observed_at FROM parking_occupancy WHERE facility_id IN (`+in+`)`, ids...)
	if err != nil {
		return nil, err
	}
	for orows.Next() {
		var o occRow
		var obs = new(scanTime)
		if err := orows.Scan(&o.id, &o.free, &o.cap, &obs.t); err != nil {
			orows.Close()
			return nil, err
		}
		if e := byID[o.id]; e != nil {
			e.occFree, e.occCap, e.occObserved = o.free, o.cap, Minutes(obs.t)
		}
	}
	orows.Close()
	prows, err := s.DB.Query(ctx, `SELECT facility_id, data FROM parking_profiles WHERE facility_id IN (`+in+`)`, ids...)
	if err != nil {
		return nil, err
	}
	for prows.Next() {
		var id int64
		var data string
		if err := prows.Scan(&id, &data); err != nil {
			prows.Close()
			return nil, err
		}
		if p, err := decodeProfile(data); err == nil && byID[id] != nil {
			byID[id].profile = p
		}
	}
	prows.Close()
	ctxS := newSearchCtx(s.Index, q, s.Days())
	var hits []Hit
	for _, e := range byID {
		e.plan = PlanOf(e.f)
		if h, ok := ctxS.judge(e); ok {
			h.PriceCents = h.f.Tariff.Price(ctxS.a, ctxS.b, ctxS.d)
			hits = append(hits, h)
		}
	}
	Rank(hits)
	if len(hits) > q.Limit {
		hits = hits[:q.Limit]
	}
	return hits, nil
}

type scanTime struct{ t time.Time }
