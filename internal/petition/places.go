package petition

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

// The compound and building a petition concerns, when the petitioner knows
// them: two selects under the district's. Changing the district (or the
// compound) asks GET /petition/places for the block again (htmx), so only
// the chosen district's compounds are sent; without JavaScript the block is
// filled whenever the page is drawn with a district chosen.

// maxPlaceCompounds bounds one list: a unit with more compounds (the whole
// city, for a city clerk) asks for a narrower unit first.
const maxPlaceCompounds = 1500

// placePick is the block's state: what is chosen and what may be chosen.
type placePick struct {
	Compound  int64
	Building  int64
	Compounds []placeGroup // by street
	Buildings []option
	NeedUnit  bool // no district chosen yet
	TooMany   bool // the unit holds more than maxPlaceCompounds compounds
}

// placeGroup is one street's compounds (an optgroup).
type placeGroup struct {
	Label   string
	Options []option
}

// placeUnit is the path of the unit whose compounds are listed: the district chosen, or —
// for staff, whose form defaults to their own unit — their unit. The public
// may only list a district's or zone's; staff only within their jurisdiction.
func (h *Handler) placeUnit(ctx context.Context, p *auth.Principal, unitID int64, staff bool) (path string, ok bool) {
	if unitID == 0 && staff {
		unitID = p.OrgUnitID
	}
	if unitID == 0 {
		return "", false
	}
	kind, path, err := h.S.unitInfo(ctx, unitID)
	if err != nil {
		return "", false
	}
	if staff {
		return path, p.InScope(path)
	}
	return path, kind == string(org.District) || kind == string(org.Zone)
}

// places fills the block for a unit and the compound and building chosen.
// A compound outside the unit, or a building outside the compound, is
// dropped from the choice rather than refused: the district was changed.
func (h *Handler) places(ctx context.Context, p *auth.Principal, unitID, compound, building int64, staff bool) (placePick, error) {
	pp := placePick{}
	under, ok := h.placeUnit(ctx, p, unitID, staff)
	if !ok {
		pp.NeedUnit = true
		return pp, nil
	}
	rows, err := h.S.DB.Query(ctx, `SELECT c.id, c.name, s.name FROM org_units c
		JOIN org_units m ON m.id = c.parent_id JOIN org_units s ON s.id = m.parent_id
		WHERE c.kind = 'compound' AND c.path LIKE ? ORDER BY s.name, c.name LIMIT ?`, under+"%", maxPlaceCompounds+1)
	if err != nil {
		return pp, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		var name, street string
		if err := rows.Scan(&id, &name, &street); err != nil {
			return pp, err
		}
		if n++; n > maxPlaceCompounds {
			pp.TooMany, pp.Compounds, pp.Compound = true, nil, 0
			break
		}
		if len(pp.Compounds) == 0 || pp.Compounds[len(pp.Compounds)-1].Label != street {
			pp.Compounds = append(pp.Compounds, placeGroup{Label: street})
		}
		g := &pp.Compounds[len(pp.Compounds)-1]
		g.Options = append(g.Options, option{strconv.FormatInt(id, 10), name})
		if id == compound {
			pp.Compound = id
		}
	}
	if err := rows.Err(); err != nil {
		return pp, err
	}
	rows.Close() // before the next query: SQLite's reader may be this one connection
	if pp.Compound == 0 {
		return pp, nil
	}
	bs, err := h.S.DB.Query(ctx, `SELECT id, name FROM org_units WHERE parent_id = ? AND kind = 'building' ORDER BY id`, pp.Compound)
	if err != nil {
		return pp, err
	}
	defer bs.Close()
	for bs.Next() {
		var id int64
		var name string
		if err := bs.Scan(&id, &name); err != nil {
			return pp, err
		}
		pp.Buildings = append(pp.Buildings, option{strconv.FormatInt(id, 10), name})
		if id == building {
			pp.Building = id
		}
	}
	return pp, bs.Err()
}

// placesFragment answers the forms' htmx request for the block.
func (h *Handler) placesFragment(w http.ResponseWriter, r *http.Request) {
	p := casework.Me(r)
	unitID, _ := strconv.ParseInt(r.URL.Query().Get("unit_id"), 10, 64)
	compound, _ := strconv.ParseInt(r.URL.Query().Get("compound_id"), 10, 64)
	building, _ := strconv.ParseInt(r.URL.Query().Get("building_id"), 10, 64)
	pp, err := h.places(r.Context(), p, unitID, compound, building, p.Role.IsStaff())
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	v := web.NewView(r, "petition", formData{Place: pp})
	v.Errors = map[string]string{}
	pages.RenderFragment(w, http.StatusOK, "new", "petition-place", v)
}

// placeLabel names the compound (and building) of a case for its page:
// "秋花苑 › 3幢", with the street and community before it.
func (h *Handler) placeLabel(ctx context.Context, id int64) string {
	if id == 0 {
		return ""
	}
	u, err := h.S.Org.Get(ctx, auth.System("petition"), id)
	if err != nil {
		return ""
	}
	up, err := h.S.Org.Ancestors(ctx, id)
	if err != nil {
		return u.Name
	}
	var names []string
	for _, a := range up {
		if a.Kind != org.City {
			names = append(names, a.Name)
		}
	}
	return strings.Join(append(names, u.Name), " › ")
}
