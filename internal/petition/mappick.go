package petition

import (
	"context"
	"os"
	"strconv"

	"anju/internal/platform/auth"
	"anju/internal/platform/org"
)

// mapPick is what the forms' map (static/petition-map.js) starts from: the
// point to centre on when no location is given yet, and the tile source.
// The picked point goes into the form's lat/lng inputs as WGS-84, the
// system petitions (and every coordinate in the database) are stored in;
// the map draws in WGS-84 like the parking pages' map does.
type mapPick struct {
	Centre string // "lat,lng" (WGS-84); "" when no unit on the way up has coordinates
	Zoom   int
	Tiles  string // Leaflet tile URL template; "" draws on a plain background
	Crs    string // the system of the map and of the inputs it fills
}

// mapTiles is the operator's tile source, shared with the parking maps
// (ANJU_PARKING_TILES, see internal/app/module_parking.go): one city, one
// map. Unset, nothing is loaded from outside and the pick still works on a
// blank map; a tile host must also be allowed by the content security
// policy, so a same-origin tile proxy is simplest.
func mapTiles() string { return os.Getenv("ANJU_PARKING_TILES") }

// zoomOf is how close the map starts for a unit of each kind.
var zoomOf = map[org.Kind]int{org.City: 12, org.District: 13, org.Zone: 13, org.Street: 14}

// mapPickFor centres the map on where the form's user most likely is: a
// staff member's own unit (or the nearest unit above it with coordinates),
// else the city — the top unit's coordinates, which the demo sets to its
// city centre and a real city imports with its tree. When the top unit has
// none, the mean of its districts' is used; with none at all the map
// starts on the whole country (petition-map.js).
func (h *Handler) mapPickFor(ctx context.Context, p *auth.Principal, staff bool) mapPick {
	mp := mapPick{Tiles: mapTiles(), Crs: "wgs84"}
	sys := auth.System("petition")
	var chain []org.Unit // deepest first
	if staff && p.OrgUnitID != 0 {
		if u, err := h.S.Org.Get(ctx, sys, p.OrgUnitID); err == nil {
			chain = append(chain, u)
		}
		if up, err := h.S.Org.Ancestors(ctx, p.OrgUnitID); err == nil {
			for i := len(up) - 1; i >= 0; i-- {
				chain = append(chain, up[i])
			}
		}
	}
	roots, _ := h.S.Org.Children(ctx, sys, 0)
	chain = append(chain, roots...)
	for _, u := range chain {
		if u.Lat != nil && u.Lng != nil {
			mp.Centre, mp.Zoom = latLng(*u.Lat, *u.Lng), zoom(u.Kind)
			return mp
		}
	}
	if len(roots) > 0 {
		kids, _ := h.S.Org.Children(ctx, sys, roots[0].ID)
		var lat, lng float64
		n := 0
		for _, u := range kids {
			if u.Lat != nil && u.Lng != nil {
				lat, lng, n = lat+*u.Lat, lng+*u.Lng, n+1
			}
		}
		if n > 0 {
			mp.Centre, mp.Zoom = latLng(lat/float64(n), lng/float64(n)), zoomOf[org.City]
		}
	}
	return mp
}

func zoom(k org.Kind) int {
	if z, ok := zoomOf[k]; ok {
		return z
	}
	return 15
}

func latLng(lat, lng float64) string {
	return strconv.FormatFloat(lat, 'f', 6, 64) + "," + strconv.FormatFloat(lng, 'f', 6, 64)
}
