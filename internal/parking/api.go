package parking

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/geo"
	"anju/internal/platform/web"
)

// SearchResult is one facility in a search answer.
type SearchResult struct {
	ID         int64        `json:"id"`
	Name       string       `json:"name"`
	Kind       Kind         `json:"kind"`
	KindLabel  string       `json:"kind_label"`
	Address    string       `json:"address"`
	Operator   string       `json:"operator"`
	Ownership  Ownership    `json:"ownership"`
	Location   geo.Point    `json:"location" doc:"WGS-84"`
	LocationGC geo.Point    `json:"location_gcj02" doc:"GCJ-02, for maps published in China"`
	DistanceM  int          `json:"distance_m" doc:"straight line from the destination"`
	WalkM      int          `json:"walk_m" doc:"estimated walk"`
	Capacity   int          `json:"capacity" doc:"spaces open to this stay"`
	Free       *int         `json:"free" doc:"free spaces at arrival; null when unknown (never guessed as free)"`
	FreeN      int          `json:"-"`
	FreeSource string       `json:"free_source" doc:"live, forecast or unknown"`
	PriceCents int64        `json:"price_cents" doc:"the whole stay, in fen"`
	Price      string       `json:"price" doc:"the whole stay, in yuan"`
	Via        string       `json:"via" doc:"public (opening hours), shared (a sharing window) or both"`
	Rule       string       `json:"rule,omitempty" doc:"the sharing window that admits the stay"`
	EVSpaces   int          `json:"ev_spaces"`
	Accessible int          `json:"accessible_spaces"`
	Reservable bool         `json:"reservable"`
	Navigation geo.NavLinks `json:"navigation"`
}

// SearchResponse is the answer of GET /api/v1/parking/search.
type SearchResponse struct {
	Destination   geo.Point      `json:"destination" doc:"WGS-84"`
	Arrive        time.Time      `json:"arrive"`
	Leave         time.Time      `json:"leave"`
	Radius        int            `json:"radius_m"`
	Results       []SearchResult `json:"results"`
	CalendarNotes string         `json:"calendar_note,omitempty" doc:"set when the stay falls in a year without calendar data: sharing windows are then not offered"`
}

// parseSearch reads a search from query parameters. The destination may be
// given in WGS-84, GCJ-02 or BD-09 (coord=…); it is converted to WGS-84.
func parseSearch(v url.Values, now time.Time, loc *time.Location) (Query, error) {
	q := Query{Now: now}
	var es fieldErrors
	sys := geo.WGS84
	if c := v.Get("coord"); c != "" {
		s, err := geo.ParseSystem(c)
		if err != nil {
			es = append(es, ferr("coord", "invalid", "坐标系须为 wgs84、gcj02 或 bd09", "coord must be wgs84, gcj02 or bd09"))
		}
		sys = s
	}
	lat, err1 := strconv.ParseFloat(v.Get("lat"), 64)
	lng, err2 := strconv.ParseFloat(v.Get("lng"), 64)
	p := geo.Point{Lat: lat, Lng: lng}
	if err1 != nil || err2 != nil || p.Valid() != nil {
		es = append(es, ferr("lat", "required", "请给出目的地坐标", "Give the destination's lat and lng"))
	} else if len(es) == 0 {
		q.Dest = geo.Convert(p, sys, geo.WGS84)
	}
	if a := v.Get("arrive"); a != "" {
		t, err := parseLocalTime(a, loc)
		if err != nil {
			es = append(es, ferr("arrive", "invalid", "到达时间格式不正确", "arrive must be RFC 3339 or YYYY-MM-DDTHH:MM"))
		}
		q.Arrive = t
	}
	if s := v.Get("stay"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > int(MaxStay/time.Minute) {
			es = append(es, ferr("stay", "range", "停留时长须为 1–2880 分钟", "stay must be 1–2880 minutes"))
		}
		q.Stay = time.Duration(n) * time.Minute
	}
	if s := v.Get("radius"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 50 || n > int(MaxRadius) {
			es = append(es, ferr("radius", "range", "范围须为 50–5000 米", "radius must be 50–5000 metres"))
		}
		q.Radius = float64(n)
	}
	q.Need.EV = v.Get("ev") == "1" || v.Get("ev") == "true" || v.Get("ev") == "on"
	q.Need.Accessible = v.Get("accessible") == "1" || v.Get("accessible") == "true" || v.Get("accessible") == "on"
	switch v.Get("vehicle") {
	case "", "small":
	case "large":
		q.Need.Vehicle = "large"
	default:
		es = append(es, ferr("vehicle", "invalid", "车型须为 small 或 large", "vehicle must be small or large"))
	}
	if s := v.Get("height"); s != "" {
		q.Need.HeightCM = atoi(s)
	}
	if s := v.Get("limit"); s != "" {
		q.Limit = atoi(s)
	}
	q.Normalize()
	return q, es.orNil()
}

// parseLocalTime reads RFC 3339, or a local "2006-01-02T15:04" (what a
// datetime-local input sends) in the city's zone.
func parseLocalTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02T15:04", s, loc)
}

func yuan(cents int64) string {
	return strconv.FormatFloat(float64(cents)/100, 'f', 2, 64)
}

// results turns index hits into the API's shape, in the request's language.
func (h *Web) results(ctx context.Context, l web.Lang, q Query, hits []Hit) []SearchResult {
	links := geo.LinkOptions{Src: geo.DefaultSrc, Region: h.region(ctx)}
	out := make([]SearchResult, len(hits))
	for i, hit := range hits {
		f := hit.f
		p := geo.Point{Lat: f.Lat, Lng: f.Lng}
		res := SearchResult{ID: f.ID, Name: f.Name, Kind: f.Kind, KindLabel: web.T(l, "parking.kind."+string(f.Kind)),
			Address: f.Address, Operator: f.Operator, Ownership: f.Ownership, Location: p,
			LocationGC: geo.Convert(p, geo.WGS84, geo.GCJ02), DistanceM: int(math.Round(hit.Distance)),
			WalkM: int(math.Round(hit.Walk)), Capacity: hit.Capacity, FreeSource: hit.Source, PriceCents: hit.PriceCents,
			Price: yuan(hit.PriceCents), Rule: hit.Rule, EVSpaces: f.EVSpaces, Accessible: f.AccessibleSpaces,
			Reservable: hit.Reservable, Navigation: links.Links(p, f.Name, nil)}
		res.FreeN = hit.Free
		if hit.Free >= 0 {
			n := hit.Free
			res.Free = &n
		}
		switch hit.Via {
		case ViaPublic:
			res.Via = "public"
		case ViaShare:
			res.Via = "shared"
		default:
			res.Via = "both"
		}
		out[i] = res
	}
	return out
}

func (h *Web) search(r *http.Request) (SearchResponse, Query, error) {
	q, err := parseSearch(r.URL.Query(), h.S.now(), h.S.Loc)
	if err != nil {
		return SearchResponse{}, q, err
	}
	q.UserID = auth.FromContext(r.Context()).UserID
	h.S.Index.Fresh(r.Context(), time.Second)
	hits, gap := h.S.Index.Search(q)
	resp := SearchResponse{Destination: q.Dest, Arrive: q.Arrive.UTC(), Leave: q.Arrive.Add(q.Stay).UTC(),
		Radius: int(q.Radius), Results: h.results(r.Context(), web.LangOf(r), q, hits)}
	if gap {
		resp.CalendarNotes = web.T(web.LangOf(r), "parking.calendar_gap")
	}
	return resp, q, nil
}

// ReservationResponse is a reservation with its facility's navigation links.
type ReservationResponse struct {
	Reservation
	Price      string       `json:"price" doc:"yuan"`
	Navigation geo.NavLinks `json:"navigation"`
}

func (h *Web) reserveAPI(w http.ResponseWriter, r *http.Request) {
	var req ReserveRequest
	if !web.DecodeJSON(w, r, &req) {
		return
	}
	p := auth.FromContext(r.Context())
	res, err := h.S.Reserve(r.Context(), p, req)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, h.withLinks(r, res))
}

func (h *Web) withLinks(r *http.Request, res Reservation) ReservationResponse {
	out := ReservationResponse{Reservation: res, Price: yuan(res.PriceCents)}
	if f, err := h.S.GetPublic(r.Context(), res.FacilityID); err == nil {
		out.Navigation = geo.LinkOptions{Region: h.region(r.Context())}.Links(geo.Point{Lat: f.Lat, Lng: f.Lng}, f.Name, nil)
	}
	out.Plate = res.Plate
	return out
}

// MyResponse lists the driver's reservations and notices.
type MyResponse struct {
	Items   []Reservation `json:"items"`
	Notices []Notice      `json:"notices"`
}

func (h *Web) mineAPI(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	items, err := h.S.MyReservations(r.Context(), p, 100)
	if err != nil {
		fail(w, r, err)
		return
	}
	notices, err := h.S.MyNotices(r.Context(), p, 20)
	if err != nil {
		fail(w, r, err)
		return
	}
	if items == nil {
		items = []Reservation{}
	}
	if notices == nil {
		notices = []Notice{}
	}
	web.WriteJSON(w, http.StatusOK, MyResponse{Items: items, Notices: notices})
}

func pathInt(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		web.WriteProblem(w, r, web.NewProblem(web.LangOf(r), http.StatusNotFound, web.ProblemNotFound, ""))
		return 0, false
	}
	return id, true
}

func (h *Web) cancelAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := pathInt(w, r, "rid")
	if !ok {
		return
	}
	res, err := h.S.Cancel(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, res)
}

// PushBatch is the body of a batch push.
type PushBatch struct {
	Counts []Count `json:"counts"`
}

// PushResponse answers a push.
type PushResponse struct {
	Results []PushResult `json:"results"`
	Stored  int          `json:"stored"`
}

func (h *Web) pushOne(w http.ResponseWriter, r *http.Request) {
	var c Count
	if !web.DecodeJSON(w, r, &c) {
		return
	}
	res, err := h.S.Push(r.Context(), auth.FromContext(r.Context()), []Count{c})
	if err != nil {
		fail(w, r, err)
		return
	}
	l := web.LangOf(r)
	switch res[0].Status {
	case "stored":
		web.WriteJSON(w, http.StatusOK, PushResponse{Results: res, Stored: 1})
	case "stale":
		p := web.NewProblem(l, http.StatusConflict, web.ProblemConflict, res[0].Error)
		p.Extra = map[string]any{"result": res[0]}
		web.WriteProblem(w, r, p)
	default:
		if res[0].Field == "facility_id" {
			web.WriteProblem(w, r, web.NewProblem(l, http.StatusNotFound, web.ProblemNotFound, ""))
			return
		}
		web.WriteProblem(w, r, web.ValidationProblem(r, web.FieldErrors{{Field: res[0].Field, Code: "invalid",
			Message: res[0].Error, MessageEn: res[0].Error}}))
	}
}

func (h *Web) pushBatch(w http.ResponseWriter, r *http.Request) {
	var b PushBatch
	if !web.DecodeJSON(w, r, &b) {
		return
	}
	res, err := h.S.Push(r.Context(), auth.FromContext(r.Context()), b.Counts)
	if err != nil {
		fail(w, r, err)
		return
	}
	n := 0
	for _, x := range res {
		if x.Status == "stored" {
			n++
		}
	}
	web.WriteJSON(w, http.StatusOK, PushResponse{Results: res, Stored: n})
}

func (h *Web) gateAPI(w http.ResponseWriter, r *http.Request) {
	var ev CarEvent
	if !web.DecodeJSON(w, r, &ev) {
		return
	}
	res, err := h.S.GateEvent(r.Context(), auth.FromContext(r.Context()), ev)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, res)
}

// FacilityInput is a facility as the API and forms take it; the location
// may come in any of the three coordinate systems.
type FacilityInput struct {
	Facility
	Coord   string `json:"coord,omitempty" doc:"system of lat/lng: wgs84 (default), gcj02 or bd09"`
	Version int64  `json:"expected_version,omitempty" doc:"for updates: the version edited (409 if it changed)"`
}

func (in *FacilityInput) toWGS84() error {
	if in.Coord == "" {
		return nil
	}
	sys, err := geo.ParseSystem(in.Coord)
	if err != nil {
		return ferr("coord", "invalid", "坐标系须为 wgs84、gcj02 或 bd09", "coord must be wgs84, gcj02 or bd09")
	}
	p := geo.Convert(geo.Point{Lat: in.Lat, Lng: in.Lng}, sys, geo.WGS84)
	in.Lat, in.Lng = p.Lat, p.Lng
	return nil
}

func (h *Web) listAPI(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	pg := web.PagingOf(r)
	f := filterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	items, total, err := h.S.List(r.Context(), p, f)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteList(w, pg, items, total)
}

func filterOf(v url.Values) Filter {
	return Filter{Keyword: strings.TrimSpace(v.Get("q")), Kind: Kind(v.Get("kind")), Ownership: Ownership(v.Get("ownership")),
		Status: Status(v.Get("status")), Shared: v.Get("shared") == "1"}
}

func (h *Web) getAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	f, err := h.S.Get(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, f)
}

func (h *Web) createAPI(w http.ResponseWriter, r *http.Request) {
	var in FacilityInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	if err := in.toWGS84(); err != nil {
		fail(w, r, err)
		return
	}
	p := auth.FromContext(r.Context())
	f, err := h.S.Create(r.Context(), p, in.Facility)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, f)
}

func (h *Web) updateAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	p := auth.FromContext(r.Context())
	if _, err := h.S.Get(r.Context(), p, id); err != nil { // in scope before the body is read
		fail(w, r, err)
		return
	}
	var in FacilityInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	if err := in.toWGS84(); err != nil {
		fail(w, r, err)
		return
	}
	f, _, err := h.S.Update(r.Context(), p, id, in.Facility, in.Version)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, f)
}

// RulesInput replaces a facility's sharing rules.
type RulesInput struct {
	Rules []Rule `json:"rules"`
}

// CancelledResponse names the reservations a change cancelled.
type CancelledResponse struct {
	Cancelled []int64 `json:"cancelled_reservations"`
}

func (h *Web) rulesAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	p := auth.FromContext(r.Context())
	if _, err := h.S.Get(r.Context(), p, id); err != nil {
		fail(w, r, err)
		return
	}
	var in RulesInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	c, err := h.S.SetRules(r.Context(), p, id, in.Rules)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, CancelledResponse{Cancelled: nonNil(c)})
}

// SuspendInput suspends sharing.
type SuspendInput struct {
	Starts time.Time `json:"starts_at"`
	Ends   time.Time `json:"ends_at,omitzero"`
	Reason string    `json:"reason"`
}

func (h *Web) suspendAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	p := auth.FromContext(r.Context())
	if _, err := h.S.Get(r.Context(), p, id); err != nil {
		fail(w, r, err)
		return
	}
	var in SuspendInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	_, c, err := h.S.Suspend(r.Context(), p, id, in.Starts, in.Ends, in.Reason)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, CancelledResponse{Cancelled: nonNil(c)})
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// HistoryResponse is a facility's hourly occupancy history.
type HistoryResponse struct {
	Items []HistoryPoint `json:"items"`
}

func (h *Web) historyAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	days := min(max(atoi(r.URL.Query().Get("days")), 1), 60)
	if r.URL.Query().Get("days") == "" {
		days = 7
	}
	items, err := h.S.History(r.Context(), auth.FromContext(r.Context()), id, days)
	if err != nil {
		fail(w, r, err)
		return
	}
	if items == nil {
		items = []HistoryPoint{}
	}
	web.WriteJSON(w, http.StatusOK, HistoryResponse{Items: items})
}

func (h *Web) apiRoutes() []web.Route {
	const tag = "parking"
	searchParams := []web.Param{
		{Name: "lat", Type: "number", Required: true, Description: "destination latitude"},
		{Name: "lng", Type: "number", Required: true, Description: "destination longitude"},
		{Name: "coord", Description: "coordinate system of lat/lng: wgs84 (default), gcj02 or bd09"},
		{Name: "arrive", Description: "arrival, RFC 3339 or local YYYY-MM-DDTHH:MM (default now)"},
		{Name: "stay", Type: "integer", Description: "minutes (default 60, at most 2880)"},
		{Name: "radius", Type: "integer", Description: "metres, 50–5000 (default 1000)"},
		{Name: "ev", Type: "boolean", Description: "needs EV charging"},
		{Name: "accessible", Type: "boolean", Description: "needs an accessible space"},
		{Name: "vehicle", Description: "small (default) or large"},
		{Name: "height", Type: "integer", Description: "vehicle height in cm"},
		{Name: "limit", Type: "integer", Description: "results, at most 100 (default 20)"},
	}
	listParams := []web.Param{{Name: "q", Description: "part of name, code or address"}, {Name: "kind"},
		{Name: "ownership"}, {Name: "status"}, {Name: "shared", Description: "1: only facilities with sharing rules"},
		{Name: "page", Type: "integer"}, {Name: "size", Type: "integer"}}
	return []web.Route{
		{Pattern: "GET /api/v1/parking/search", Access: web.Public, Handler: h.searchAPI, Doc: &web.APIDoc{
			Summary: "Find car parks open to the public for a whole stay near a destination, ranked", Tag: tag,
			Description: "Facilities within the radius that take the whole stay (opening hours, sharing windows, " +
				"blackouts, the official calendar), with free spaces (live at arrival now, forecast later, null when " +
				"unknown), the price of the stay, the walk, and navigation links into Amap, Baidu and Tencent.",
			Query: searchParams, Response: SearchResponse{}, Errors: []int{422}}},
		{Pattern: "POST /api/v1/parking/reservations", Access: web.LoggedIn, Handler: h.reserveAPI, Doc: &web.APIDoc{
			Summary: "Reserve capacity at a facility for a window (15-minute slots); 409 when full", Tag: tag,
			Request: ReserveRequest{}, Response: ReservationResponse{}, Status: http.StatusCreated, Errors: []int{409, 422}}},
		{Pattern: "GET /api/v1/parking/reservations/mine", Access: web.LoggedIn, Handler: h.mineAPI, Doc: &web.APIDoc{
			Summary: "My reservations and what I was told", Tag: tag, Response: MyResponse{}}},
		{Pattern: "POST /api/v1/parking/reservations/mine/{rid}/cancel", Access: web.LoggedIn, Handler: h.cancelAPI, Doc: &web.APIDoc{
			Summary: "Cancel my reservation, free of charge before its start", Tag: tag, Response: Reservation{}, Errors: []int{404, 409}}},
		{Pattern: "POST /api/v1/parking/occupancy", Access: pusher, Handler: h.pushOne, Doc: &web.APIDoc{
			Summary: "A car-park system pushes one count (machine token with parking:occupancy.push)", Tag: tag,
			Description: "free ≤ capacity over the registered total; an older count than the stored one answers 409.",
			Request:     Count{}, Response: PushResponse{}, Errors: []int{404, 409, 422}}},
		{Pattern: "POST /api/v1/parking/occupancy/batch", Access: pusher, Handler: h.pushBatch, Doc: &web.APIDoc{
			Summary: "A car-park system pushes up to 1000 counts; each gets its own result", Tag: tag,
			Request: PushBatch{}, Response: PushResponse{}, Errors: []int{422}}},
		{Pattern: "POST /api/v1/parking/gate-events", Access: pusher, Handler: h.gateAPI, Doc: &web.APIDoc{
			Summary: "A reserved car entered (check-in) or left (check-out, releasing the rest of its window)", Tag: tag,
			Request: CarEvent{}, Response: Reservation{}, Errors: []int{404, 409, 422}}},
		{Pattern: "GET /api/v1/parking/facilities", Access: staffView, Handler: h.listAPI, Doc: &web.APIDoc{
			Summary: "The registry in my jurisdiction", Tag: tag, Query: listParams, Response: web.ListResponse[Facility]{}}},
		{Pattern: "POST /api/v1/parking/facilities", Access: staffEdit, Handler: h.createAPI, Doc: &web.APIDoc{
			Summary: "Register a facility (location in wgs84, gcj02 or bd09, stored as WGS-84)", Tag: tag,
			Request: FacilityInput{}, Response: Facility{}, Status: http.StatusCreated, Errors: []int{422}}},
		{Pattern: "GET /api/v1/parking/facilities/{id}", Access: staffView, Handler: h.getAPI, Resource: "parking_facility",
			Doc: &web.APIDoc{Summary: "One facility with its sharing rules and suspensions", Tag: tag, Response: Facility{}}},
		{Pattern: "PUT /api/v1/parking/facilities/{id}", Access: staffEdit, Handler: h.updateAPI, Resource: "parking_facility",
			Doc: &web.APIDoc{Summary: "Change a facility; reservations it makes impossible are cancelled and their users told", Tag: tag,
				Request: FacilityInput{}, Response: Facility{}, Errors: []int{409, 422}}},
		{Pattern: "PUT /api/v1/parking/facilities/{id}/rules", Access: staffEdit, Handler: h.rulesAPI, Resource: "parking_facility",
			Doc: &web.APIDoc{Summary: "Replace the sharing rules (错时开放); reservations no longer admitted are cancelled", Tag: tag,
				Request: RulesInput{}, Response: CancelledResponse{}, Errors: []int{422}}},
		{Pattern: "POST /api/v1/parking/facilities/{id}/suspensions", Access: staffEdit, Handler: h.suspendAPI, Resource: "parking_facility",
			Doc: &web.APIDoc{Summary: "Suspend sharing with notice; affected reservations are cancelled and their users told", Tag: tag,
				Request: SuspendInput{}, Response: CancelledResponse{}, Status: http.StatusCreated, Errors: []int{422}}},
		{Pattern: "GET /api/v1/parking/facilities/{id}/history", Access: staffView, Handler: h.historyAPI, Resource: "parking_facility",
			Doc: &web.APIDoc{Summary: "Hourly occupancy history", Tag: tag, Query: []web.Param{{Name: "days", Type: "integer"}},
				Response: HistoryResponse{}}},
		{Pattern: "GET /feeds/parking.geojson", Access: web.Public, Handler: h.geojsonFeed},
		{Pattern: "GET /feeds/parking-datex.json", Access: web.Public, Handler: h.datexFeed},
	}
}
