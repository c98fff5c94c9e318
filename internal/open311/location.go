package open311

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/geo"
	"anju/internal/platform/org"
)

// A request is placed in a district, which handles it (and in a compound
// when it clearly lies in one), from its location and the api_key's
// jurisdiction:
//   - address_id names a compound or building of the tree; it must lie in
//     the key's jurisdiction;
//   - lat/long: the nearest unit of the tree with coordinates, within
//     searchRadius, gives the district (a compound within compoundRadius
//     is the compound); it must lie in the key's jurisdiction, or above the
//     key's node (a street's key files into its own district);
//   - otherwise (an address_string, or coordinates far from every unit): a
//     key below the city files into its own district; a city-wide key
//     needs the address to name exactly one district or zone.
const (
	searchRadius   = 5000.0 // metres
	compoundRadius = 200.0
)

// location is where a request says it is.
type location struct {
	lat, lng  *float64
	address   string
	addressID int64
	// bad: the location parameters are missing or malformed, already
	// reported; placing what is left would only add a misleading error.
	bad bool
}

// placeError is a location the key cannot file: param names the
// parameter, key the message.
type placeError struct {
	param, key string
}

func (e *placeError) Error() string { return e.param + ": " + e.key }

// place returns the district and compound (0 if none) of loc for the key
// tok.
func (h *Handler) place(ctx context.Context, tok *auth.Principal, loc location) (district, compound int64, err error) {
	if loc.addressID != 0 {
		kind, path, err := h.unit(ctx, loc.addressID)
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && kind != org.Compound && kind != org.Building):
			return 0, 0, &placeError{"address_id", "open311.error.address_id"}
		case err != nil:
			return 0, 0, err
		case !tok.InScope(path):
			return 0, 0, &placeError{"address_id", "open311.error.outside"}
		}
		return districtOf(path), loc.addressID, nil
	}
	if loc.lat != nil && loc.lng != nil {
		u, dist, found, err := h.nearest(ctx, geo.Point{Lat: *loc.lat, Lng: *loc.lng})
		if err != nil {
			return 0, 0, err
		}
		if found {
			if !tok.InScope(u.path) && !strings.HasPrefix(tok.OrgPath, u.path) {
				return 0, 0, &placeError{"lat/long", "open311.error.outside"}
			}
			if (u.kind == org.Compound || u.kind == org.Building) && dist <= compoundRadius {
				compound = u.id
			}
			return districtOf(u.path), compound, nil
		}
	}
	if d := districtOf(tok.OrgPath); d != 0 {
		return d, 0, nil
	}
	if loc.address != "" {
		d, err := h.districtNamed(ctx, loc.address)
		if err != nil || d != 0 {
			return d, 0, err
		}
	}
	return 0, 0, &placeError{"location", "open311.error.unplaced"}
}

// districtOf is the district (or zone) of a path: its second id.
func districtOf(path string) int64 {
	ids := strings.Split(strings.Trim(path, "/"), "/")
	if len(ids) < 2 {
		return 0
	}
	id, _ := strconv.ParseInt(ids[1], 10, 64)
	return id
}

func (h *Handler) unit(ctx context.Context, id int64) (kind org.Kind, path string, err error) {
	var k string
	err = h.S.DB.QueryRow(ctx, `SELECT kind, path FROM org_units WHERE id = ?`, id).Scan(&k, &path)
	return org.Kind(k), path, err
}

type placed struct {
	id   int64
	kind org.Kind
	path string
}

// nearest finds the unit below the city nearest to p within searchRadius.
func (h *Handler) nearest(ctx context.Context, p geo.Point) (placed, float64, bool, error) {
	b := geo.BBox(p, searchRadius)
	rows, err := h.S.DB.Query(ctx, `SELECT id, kind, path, lat, lng FROM org_units
		WHERE depth > 0 AND lat BETWEEN ? AND ? AND lng BETWEEN ? AND ?`, b.MinLat, b.MaxLat, b.MinLng, b.MaxLng)
	if err != nil {
		return placed{}, 0, false, err
	}
	defer rows.Close()
	var best placed
	bestDist, found := searchRadius, false
	for rows.Next() {
		var u placed
		var kind string
		var lat, lng float64
		if err := rows.Scan(&u.id, &kind, &u.path, &lat, &lng); err != nil {
			return placed{}, 0, false, err
		}
		u.kind = org.Kind(kind)
		if d := geo.Haversine(p, geo.Point{Lat: lat, Lng: lng}); d <= bestDist {
			best, bestDist, found = u, d, true
		}
	}
	return best, bestDist, found, rows.Err()
}

// districtNamed is the one district or zone whose name the address holds
// (the longest such name), or 0.
func (h *Handler) districtNamed(ctx context.Context, address string) (int64, error) {
	rows, err := h.S.DB.Query(ctx, `SELECT id, name FROM org_units WHERE kind IN (?, ?)`, string(org.District), string(org.Zone))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var best int64
	bestLen, tie := 0, false
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return 0, err
		}
		if name == "" || !strings.Contains(address, name) {
			continue
		}
		switch n := len(name); {
		case n > bestLen:
			best, bestLen, tie = id, n, false
		case n == bestLen:
			tie = true
		}
	}
	if tie {
		return 0, rows.Err()
	}
	return best, rows.Err()
}
