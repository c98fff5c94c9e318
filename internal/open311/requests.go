package open311

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"anju/internal/casework"
	"anju/internal/petition"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
)

// Request is a service request as published: a petition that came by
// Open311, without its petitioner.
type Request struct {
	ServiceRequestID  string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       string   `json:"status_notes" xml:"status_notes"`
	ServiceName       string   `json:"service_name" xml:"service_name"`
	ServiceCode       string   `json:"service_code" xml:"service_code"`
	Description       string   `json:"description" xml:"description"`
	AgencyResponsible string   `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string   `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  string   `json:"expected_datetime" xml:"expected_datetime"`
	Address           string   `json:"address" xml:"address"`
	AddressID         string   `json:"address_id" xml:"address_id"`
	Zipcode           string   `json:"zipcode" xml:"zipcode"`
	Lat               *float64 `json:"lat" xml:"lat,omitempty"`
	Long              *float64 `json:"long" xml:"long,omitempty"`
	MediaURL          string   `json:"media_url" xml:"media_url"`
	// Notes (extensions=true) are the public timeline.
	Notes *Notes `json:"notes,omitempty" xml:"notes,omitempty"`
}

// Notes are a request's public timeline, oldest first: a JSON array, an XML
// <notes> of <note>s.
type Notes struct {
	Items []Note `xml:"note"`
}

// MarshalJSON writes the notes as an array.
func (n *Notes) MarshalJSON() ([]byte, error) {
	if n.Items == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(n.Items)
}

// Note is one public timeline entry.
type Note struct {
	Datetime    string `json:"datetime" xml:"datetime"`
	Description string `json:"description" xml:"description"`
	// Type is the event: created, accept, reply, extend, rate, …
	Type string `json:"type" xml:"type"`
}

// requestsXML is the <service_requests> list of every request answer.
type requestsXML struct {
	XMLName  xml.Name `xml:"service_requests"`
	Requests any      `xml:"request"`
}

// Filters of GET requests.
const (
	maxSpan     = 90 * 24 * time.Hour // start_date to end_date, and the default window
	maxIDs      = casework.MaxPublished
	defaultSize = casework.MaxPublished
)

func (h *Handler) listRequests(w http.ResponseWriter, r *http.Request) {
	f := formatOfPath(r.URL.Path)
	if !h.jurisdictionOK(w, r, f) {
		return
	}
	q, errs := h.parseQuery(r)
	if len(errs) > 0 {
		writeErrors(w, r, f, http.StatusBadRequest, errs...)
		return
	}
	if q.none {
		write(w, r, f, http.StatusOK, []Request{}, requestsXML{Requests: []Request{}})
		return
	}
	h.answer(w, r, f, q.Published, r.URL.Query().Get("extensions") == "true", false)
}

// query is a parsed GET requests.
type query struct {
	casework.Published
	none bool // ids were asked for and none can exist
}

// parseQuery reads the specification's filters. service_request_id (a
// comma list) overrides the others; without dates the window is the last
// 90 days, and a window may span at most 90 days.
func (h *Handler) parseQuery(r *http.Request) (query, []string) {
	v := r.URL.Query()
	q := query{Published: casework.Published{Type: petition.TypeName, Channel: petition.ChannelOpen311}}
	var errs []string
	bad := func(key string, args ...any) { errs = append(errs, msg(r, key, args...)) }
	if list := splitList(v.Get("service_request_id")); len(list) > 0 {
		if len(list) > maxIDs {
			bad("open311.error.too_many_ids", maxIDs)
			return q, errs
		}
		for _, s := range list {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
				q.IDs = append(q.IDs, id)
			}
		}
		q.none = len(q.IDs) == 0
		return q, nil
	}
	for _, code := range splitList(v.Get("service_code")) {
		if _, ok := petition.CategoryByCode(code); !ok {
			bad("open311.error.unknown_service", code)
		}
		q.Categories = append(q.Categories, code)
	}
	start, okStart := parseTime(v.Get("start_date"))
	end, okEnd := parseTime(v.Get("end_date"))
	if !okStart {
		bad("open311.error.date", "start_date")
	}
	if !okEnd {
		bad("open311.error.date", "end_date")
	}
	switch now := h.S.E.Clock(); {
	case start.IsZero() && end.IsZero():
		q.From = now.Add(-maxSpan)
	case end.IsZero():
		q.From, q.To = start, start.Add(maxSpan)
	case start.IsZero():
		q.From, q.To = end.Add(-maxSpan), end
	case end.Before(start):
		bad("open311.error.date_order")
	case end.Sub(start) > maxSpan:
		bad("open311.error.date_span")
	default:
		q.From, q.To = start, end
	}
	open, closed := false, false
	for _, s := range splitList(v.Get("status")) {
		switch s {
		case "open":
			open = true
		case "closed":
			closed = true
		default:
			bad("open311.error.status", s)
		}
	}
	if open != closed {
		terminal := h.terminalStates()
		if open {
			q.ExceptStates = terminal
		} else {
			q.States = terminal
		}
	}
	// The common extension: page and page_size (default and at most 1,000).
	q.Limit = defaultSize
	if s := v.Get("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > casework.MaxPublished {
			bad("open311.error.page_size", casework.MaxPublished)
		}
		q.Limit = n
	}
	if s := v.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			bad("open311.error.page")
		}
		q.Offset = (n - 1) * q.Limit
	}
	return q, errs
}

// splitList splits a comma list, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for x := range strings.SplitSeq(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parseTime reads an ISO 8601 date-time with a time zone (a bare date is
// taken as midnight in the city). An unencoded "+" of the offset arrives as
// a space; it is put back. Empty is the zero time, and ok.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	s = strings.Replace(s, " ", "+", 1)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, web.Location); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// terminalStates are the petition states that count as closed.
func (h *Handler) terminalStates() []string {
	var out []string
	if t, ok := h.S.E.Type(petition.TypeName); ok {
		for _, st := range t.States {
			if st.Terminal {
				out = append(out, st.Name)
			}
		}
	}
	return out
}

// closed tells whether a petition in state counts as closed for Open311.
func (h *Handler) closed(state string) bool {
	t, ok := h.S.E.Type(petition.TypeName)
	return ok && t.Terminal(state)
}

func (h *Handler) getRequest(w http.ResponseWriter, r *http.Request) {
	idText, f, ok := splitFormat(r.PathValue("service_request_id"))
	if !ok {
		writeErrors(w, r, f, http.StatusNotFound, msg(r, "open311.error.not_found"))
		return
	}
	if !h.jurisdictionOK(w, r, f) {
		return
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		writeErrors(w, r, f, http.StatusNotFound, msg(r, "open311.error.unknown_request", idText))
		return
	}
	pub := casework.Published{Type: petition.TypeName, Channel: petition.ChannelOpen311, IDs: []int64{id}}
	h.answer(w, r, f, pub, r.URL.Query().Get("extensions") == "true", true)
}

// answer lists the requests pub selects; one asks for the one request of
// pub.IDs, which is 404 when there is none.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, f format, pub casework.Published, notes, one bool) {
	ctx := r.Context()
	cs, err := h.S.E.PublishedCases(ctx, pub)
	if err != nil {
		serverError(w, r, f, http.StatusInternalServerError, err)
		return
	}
	if one && len(cs) == 0 {
		writeErrors(w, r, f, http.StatusNotFound, msg(r, "open311.error.unknown_request", pub.IDs[0]))
		return
	}
	list, err := h.requests(ctx, lang(r), cs, notes)
	if err != nil {
		serverError(w, r, f, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	write(w, r, f, http.StatusOK, list, requestsXML{Requests: list})
}

// requests publishes cases in l, with their public timelines if notes.
func (h *Handler) requests(ctx context.Context, l web.Lang, cs []casework.Case, notes bool) ([]Request, error) {
	var events map[int64][]casework.Event
	if notes {
		ids := make([]int64, len(cs))
		for i, c := range cs {
			ids[i] = c.ID
		}
		var err error
		if events, err = h.S.E.PublicEvents(ctx, ids); err != nil {
			return nil, err
		}
	}
	out := make([]Request, 0, len(cs))
	for i := range cs {
		req := h.publish(l, &cs[i])
		if notes {
			req.Notes = &Notes{Items: []Note{}}
			for _, ev := range events[cs[i].ID] {
				text := ev.Text
				if text == "" {
					text = web.T(l, "petition.action."+ev.Kind)
				}
				req.Notes.Items = append(req.Notes.Items, Note{Datetime: isoTime(ev.At), Type: ev.Kind,
					Description: maskText(text, &cs[i])})
			}
		}
		out = append(out, req)
	}
	return out, nil
}

// publish is what Open311 shows of petition c: never its party.
func (h *Handler) publish(l web.Lang, c *casework.Case) Request {
	desc, media := splitMedia(c.Body)
	if desc == emptyBody(c.Category) {
		desc = "" // the request came without a description
	}
	req := Request{
		ServiceRequestID: strconv.FormatInt(c.ID, 10), Status: "open",
		StatusNotes: web.T(l, "petition.state."+c.State), ServiceCode: c.Category,
		ServiceName: web.T(l, "petition.category."+c.Category), Description: maskText(desc, c),
		AgencyResponsible: c.UnitName, RequestedDatetime: isoTime(c.ReceivedAt), UpdatedDatetime: isoTime(c.UpdatedAt),
		Address: maskText(c.Address, c), Lat: c.Lat, Long: c.Lng, MediaURL: media,
	}
	if c.CompoundID != 0 {
		req.AddressID = strconv.FormatInt(c.CompoundID, 10)
	}
	if h.closed(c.State) {
		req.Status = "closed"
	} else if due := petition.Deadline(c); !due.IsZero() {
		req.ExpectedDatetime = isoTime(due)
		req.ServiceNotice = web.T(l, "open311.notice.due", due.In(web.Location).Format(time.DateOnly))
	}
	return req
}

// isoTime is t in the city's time zone, ISO 8601 with the offset.
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(web.Location).Format(time.RFC3339)
}

// emptyBody is the body of a petition filed without a description (the
// petition needs one; the specification does not).
func emptyBody(category string) string {
	return web.T(web.ZH, "open311.body.empty", web.T(web.ZH, "petition.category."+category))
}

// mediaLine starts the line that keeps a request's media_url in the
// petition's body, where its handlers see it.
const mediaLine = "\n\n媒体链接（media_url）："

// withMedia appends a media URL to a petition body; splitMedia takes it off.
func withMedia(body, media string) string {
	if media == "" {
		return body
	}
	return body + mediaLine + media
}

func splitMedia(body string) (string, string) {
	i := strings.LastIndex(body, mediaLine)
	if i < 0 {
		return body, ""
	}
	media := body[i+len(mediaLine):]
	if u, err := url.Parse(media); err != nil || strings.ContainsAny(media, " \n") || (u.Scheme != "http" && u.Scheme != "https") {
		return body, ""
	}
	return body[:i], media
}

// TokenAnswer resolves a token to its request.
type TokenAnswer struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Token            string `json:"token" xml:"token"`
}

var tokenShape = regexp.MustCompile(`^[a-z0-9]{16,64}$`)

func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	tok, f, ok := splitFormat(r.PathValue("token"))
	if !ok {
		writeErrors(w, r, f, http.StatusNotFound, msg(r, "open311.error.not_found"))
		return
	}
	if !h.jurisdictionOK(w, r, f) {
		return
	}
	var c casework.Case
	err := db.ErrNotFound
	if tokenShape.MatchString(tok) {
		c, err = h.S.E.PublishedByRef(r.Context(), petition.TypeName, petition.ChannelOpen311, tok)
	}
	if errors.Is(err, db.ErrNotFound) {
		writeErrors(w, r, f, http.StatusNotFound, msg(r, "open311.error.unknown_token"))
		return
	}
	if err != nil {
		serverError(w, r, f, http.StatusInternalServerError, err)
		return
	}
	list := []TokenAnswer{{ServiceRequestID: strconv.FormatInt(c.ID, 10), Token: tok}}
	write(w, r, f, http.StatusOK, list, requestsXML{Requests: list})
}
