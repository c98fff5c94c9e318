package parking

import (
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

//go:embed assets/*
var assets embed.FS

// Place is a destination offered in the public page's list (district and
// street centres), so a driver can search without typing coordinates.
type Place struct {
	Name     string
	Lat, Lng float64
}

func (h *Web) places(ctx context.Context) []Place {
	rows, err := h.S.DB.Query(ctx, `SELECT name, lat, lng FROM org_units WHERE depth BETWEEN 1 AND 2 AND lat IS NOT NULL
		ORDER BY depth, code LIMIT 60`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []Place
	for rows.Next() {
		var p Place
		if rows.Scan(&p.Name, &p.Lat, &p.Lng) == nil {
			out = append(out, p)
		}
	}
	return out
}

// findView is the data of the public page.
type findView struct {
	Searched bool
	Form     url.Values
	Resp     SearchResponse
	Places   []Place
	MapData  template.JS // JSON for the map script (a data block, not executed)
	Tiles    string
	Arrive   string // datetime-local value
	LoggedIn bool
	CanBook  bool
	Next     string
	Stays    []int
	Coords   []string
	Radii    []int
}

func (h *Web) publicRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /parking/find", Access: web.Public, Handler: h.findPage},
		{Pattern: "POST /parking/reserve", Access: web.LoggedIn, Handler: h.reservePost},
		{Pattern: "GET /parking/my", Access: web.LoggedIn, Handler: h.myPage},
		{Pattern: "POST /parking/my/{rid}/cancel", Access: web.LoggedIn, Handler: h.cancelPost},
		{Pattern: "GET /parking/assets/{file}", Access: web.Public, Handler: h.asset},
	}
}

func (h *Web) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := assets.ReadFile("assets/" + name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	switch {
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(b)
}

// mapPoint is what the page's map script draws.
type mapPoint struct {
	ID    int64   `json:"id"`
	Name  string  `json:"name"`
	Lat   float64 `json:"lat"`
	Lng   float64 `json:"lng"`
	Free  *int    `json:"free"`
	Label string  `json:"label"`
}

type mapData struct {
	Dest   *mapPoint  `json:"dest,omitempty"`
	Points []mapPoint `json:"points"`
	Tiles  string     `json:"tiles,omitempty"`
	Crs    string     `json:"crs"`
}

func (h *Web) findPage(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	now := h.S.now()
	v := findView{Form: r.URL.Query(), Places: h.places(r.Context()), Tiles: h.Tiles, LoggedIn: p.UserID != 0,
		CanBook: auth.Can(p, auth.ActSubmit), Next: r.URL.RequestURI(), Stays: []int{30, 60, 120, 240, 480, 840},
		Radii: []int{300, 500, 1000, 2000, 3000}, Coords: []string{"wgs84", "gcj02", "bd09"}}
	// A place chosen from the list fills the coordinates.
	q := r.URL.Query()
	if place := q.Get("place"); place != "" && q.Get("lat") == "" {
		for _, pl := range v.Places {
			if pl.Name == place {
				q.Set("lat", strconv.FormatFloat(pl.Lat, 'f', 6, 64))
				q.Set("lng", strconv.FormatFloat(pl.Lng, 'f', 6, 64))
				q.Set("coord", "wgs84")
			}
		}
	}
	arrive := now.Add(15 * time.Minute).Truncate(15 * time.Minute)
	if a := q.Get("arrive"); a != "" {
		if t, err := parseLocalTime(a, h.S.Loc); err == nil {
			arrive = t
		}
	}
	v.Arrive = arrive.In(h.S.Loc).Format("2006-01-02T15:04")
	errs := map[string]string{}
	md := mapData{Tiles: h.Tiles, Crs: "wgs84", Points: []mapPoint{}}
	if q.Get("lat") != "" {
		if q.Get("arrive") == "" {
			q.Set("arrive", v.Arrive)
		}
		if q.Get("limit") == "" {
			q.Set("limit", "30")
		}
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = q.Encode()
		resp, query, err := h.search(r2)
		if m, ok := fieldMap(r, err); ok {
			errs = m
		} else if err != nil {
			pageFail(w, r, err)
			return
		} else {
			v.Searched, v.Resp = true, resp
			md.Dest = &mapPoint{Name: web.T(web.LangOf(r), "parking.find.destination"), Lat: query.Dest.Lat, Lng: query.Dest.Lng}
			for _, res := range resp.Results {
				md.Points = append(md.Points, mapPoint{ID: res.ID, Name: res.Name, Lat: res.Location.Lat, Lng: res.Location.Lng,
					Free: res.Free, Label: freeLabel(web.LangOf(r), res)})
			}
		}
		v.Form = q
	}
	b, _ := json.Marshal(md)
	v.MapData = template.JS(b)
	render(w, r, http.StatusOK, "find", "parking.find.title", v, errs)
}

func freeLabel(l web.Lang, res SearchResult) string {
	if res.Free == nil {
		return web.T(l, "parking.free.unknown")
	}
	return web.T(l, "parking.free."+res.FreeSource, *res.Free)
}

// reservePost is the public page's reserve form.
func (h *Web) reservePost(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	id, _ := strconv.ParseInt(r.PostFormValue("facility_id"), 10, 64)
	starts, err1 := parseLocalTime(r.PostFormValue("starts"), h.S.Loc)
	mins := atoi(r.PostFormValue("stay"))
	if err1 != nil || mins <= 0 {
		pageFail(w, r, ferr("starts_at", "invalid", "预约时间不正确", "Invalid reservation time"))
		return
	}
	res, err := h.S.Reserve(r.Context(), p, ReserveRequest{FacilityID: id, Starts: starts,
		Ends: starts.Add(time.Duration(mins) * time.Minute), Plate: r.PostFormValue("plate")})
	if err != nil {
		pageFail(w, r, err)
		return
	}
	web.SetFlash(w, web.T(web.LangOf(r), "parking.my.reserved", res.FacilityName))
	http.Redirect(w, r, "/parking/my", http.StatusSeeOther)
}

// myView is the data of "my reservations".
type myView struct {
	Items   []ReservationResponse
	Notices []Notice
	Now     time.Time
}

func (h *Web) myPage(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	items, err := h.S.MyReservations(r.Context(), p, 50)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	notices, err := h.S.MyNotices(r.Context(), p, 10)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	v := myView{Notices: notices, Now: h.S.now()}
	for _, it := range items {
		v.Items = append(v.Items, h.withLinks(r, it))
	}
	render(w, r, http.StatusOK, "my", "parking.my.title", v, nil)
}

func (h *Web) cancelPost(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("rid"), 10, 64)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if _, err := h.S.Cancel(r.Context(), auth.FromContext(r.Context()), id); err != nil {
		pageFail(w, r, err)
		return
	}
	web.SetFlash(w, web.T(web.LangOf(r), "parking.my.cancelled"))
	http.Redirect(w, r, "/parking/my", http.StatusSeeOther)
}
