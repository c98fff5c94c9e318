package petition

import (
	"context"
	"net/http"
	"net/url"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
)

var errNotFound = db.ErrNotFound

func urlPathEscape(s string) string { return url.PathEscape(s) }

// Board is the supervisor's view (督办看板): what is overdue and due soon in
// the viewer's jurisdiction, and the counts of each unit below them.
type Board struct {
	Overdue      []CaseItem  `json:"overdue"`
	OverdueTotal int         `json:"overdue_total"`
	DueSoon      []CaseItem  `json:"due_soon"`
	DueSoonTotal int         `json:"due_soon_total"`
	Units        []BoardUnit `json:"units"`
}

// BoardUnit counts one unit's open petitions.
type BoardUnit struct {
	UnitID     int64  `json:"unit_id"`
	Name       string `json:"name"`
	Open       int    `json:"open"`
	Overdue    int    `json:"overdue"`
	DueSoon    int    `json:"due_soon"`
	Supervised int    `json:"supervised"`
}

// boardLimit bounds each list of the board.
const boardLimit = 50

func (h *Handler) board(ctx context.Context, l web.Lang) (Board, error) {
	e := h.e()
	now := e.Clock()
	b := Board{Overdue: []CaseItem{}, DueSoon: []CaseItem{}, Units: []BoardUnit{}}
	items := func(cs []casework.Case) []CaseItem {
		out := make([]CaseItem, len(cs))
		for i, c := range cs {
			out[i] = CaseItem{Case: c.Masked(), Overdue: c.Overdue(now), StateLabel: stateLabel(l, c.State)}
		}
		return out
	}
	cs, n, err := e.List(ctx, casework.Filter{Type: TypeName, Due: "overdue", Sort: "due", Size: boardLimit})
	if err != nil {
		return b, err
	}
	b.Overdue, b.OverdueTotal = items(cs), n
	cs, n, err = e.List(ctx, casework.Filter{Type: TypeName, Due: "soon", Sort: "due", Size: boardLimit})
	if err != nil {
		return b, err
	}
	b.DueSoon, b.DueSoonTotal = items(cs), n
	p := auth.FromContext(ctx)
	children, err := h.S.Org.Children(ctx, p, p.OrgUnitID)
	if err != nil {
		return b, err
	}
	for _, u := range children {
		bu := BoardUnit{UnitID: u.ID, Name: u.Name}
		for _, x := range []struct {
			f   casework.Filter
			dst *int
		}{
			{casework.Filter{Open: "open"}, &bu.Open},
			{casework.Filter{Due: "overdue"}, &bu.Overdue},
			{casework.Filter{Due: "soon"}, &bu.DueSoon},
			{casework.Filter{Open: "open", Flag: "supervised"}, &bu.Supervised},
		} {
			x.f.Type, x.f.UnitID, x.f.Size = TypeName, u.ID, 1
			if _, *x.dst, err = e.List(ctx, x.f); err != nil {
				return b, err
			}
		}
		if bu.Open > 0 {
			b.Units = append(b.Units, bu)
		}
	}
	return b, nil
}

func (h *Handler) boardAPI(w http.ResponseWriter, r *http.Request) {
	b, err := h.board(r.Context(), web.LangOf(r))
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, b)
}

// Named is a code with its name in the request's language.
type Named struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// CatalogueCategory is a category with its subcategories.
type CatalogueCategory struct {
	Code          string  `json:"code"`
	Name          string  `json:"name"`
	Department    string  `json:"department"`
	Subcategories []Named `json:"subcategories"`
}

// Catalogue lists what a petition form offers.
type Catalogue struct {
	Categories []CatalogueCategory `json:"categories"`
	Kinds      []Named             `json:"kinds"`
	Channels   []Named             `json:"channels"`
	Ratings    []Named             `json:"ratings"`
}

// CatalogueIn names every code in l (Open311's services come from it).
func CatalogueIn(l web.Lang) Catalogue {
	named := func(prefix string, codes []string) []Named {
		out := make([]Named, len(codes))
		for i, c := range codes {
			out[i] = Named{c, web.T(l, prefix+c)}
		}
		return out
	}
	cat := Catalogue{Kinds: named("petition.kind.", Kinds), Channels: named("petition.channel.", Channels),
		Ratings: named("petition.rating.", Ratings)}
	for _, c := range Categories {
		cat.Categories = append(cat.Categories, CatalogueCategory{Code: c.Code, Name: web.T(l, "petition.category."+c.Code),
			Department: c.Department, Subcategories: named("petition.subcategory.", c.Subs)})
	}
	return cat
}

func (h *Handler) categoriesAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	web.WriteJSON(w, http.StatusOK, CatalogueIn(web.LangOf(r)))
}
