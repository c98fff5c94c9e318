package open311

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"anju/internal/petition"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/geo"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

// Limits of a posted request.
const (
	maxDescription = 4000 // characters, as the specification says
	maxMediaURL    = 1000
	maxTitle       = 100 // the petition's title
)

// Created is the answer to POST requests. The request has its id at once
// (every service is realtime); the token is given as well, so a client
// written for servers that answer tokens can resolve it (GET tokens).
type Created struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Token            string `json:"token" xml:"token"`
	// ServiceNotice tells the petitioner the petition's number and check
	// code (to follow it on the bureau's site too) and when acceptance is
	// decided.
	ServiceNotice string  `json:"service_notice" xml:"service_notice"`
	AccountID     *string `json:"account_id" xml:"account_id,omitempty"`
}

var htmlTag = regexp.MustCompile(`<\s*/?\s*[A-Za-z!][^>]*>`)

func (h *Handler) postRequest(w http.ResponseWriter, r *http.Request) {
	f := formatOfPath(r.URL.Path)
	if err := parseForm(r); err != nil {
		writeErrors(w, r, f, http.StatusBadRequest, msg(r, "open311.error.form"))
		return
	}
	if !h.jurisdictionOK(w, r, f) {
		return
	}
	tok, ok := h.apiKey(w, r, f)
	if !ok {
		return
	}
	// Every problem is answered at once, in the order found: the
	// parameters, then the place, then what the petition's own intake check
	// refuses. A client then fixes its request in one round.
	sub, loc, errs := h.readSubmission(r)
	ctx := auth.WithPrincipal(r.Context(), tok)
	var district, compound int64
	if !loc.bad {
		var err error
		district, compound, err = h.place(ctx, tok, loc)
		var pe *placeError
		switch {
		case errors.As(err, &pe):
			errs.add(pe.param, msg(r, pe.key))
		case err != nil:
			serverError(w, r, f, http.StatusInternalServerError, err)
			return
		}
	}
	if len(errs.list) > 0 {
		h.petitionChecks(ctx, lang(r), sub, &errs)
		writeErrors(w, r, f, http.StatusBadRequest, errs.list...)
		return
	}
	sub.UnitID, sub.CompoundID = district, compound
	c, err := h.S.SubmitOpen311(ctx, sub)
	if err != nil {
		h.submitFailed(w, r, f, err)
		return
	}
	l := lang(r)
	notice := web.T(l, "open311.notice.filed", c.Number, c.CheckCode, h.siteURL(r)+"/petition/track")
	if !c.StageDueAt.IsZero() {
		notice += web.T(l, "open311.notice.accept_by", c.StageDueAt.In(web.Location).Format("2006-01-02"))
	}
	list := []Created{{ServiceRequestID: strconv.FormatInt(c.ID, 10), Token: sub.ExternalRef, ServiceNotice: notice}}
	// The notice carries the check code: no cache keeps it.
	w.Header().Set("Cache-Control", "no-store")
	write(w, r, f, http.StatusOK, list, requestsXML{Requests: list})
}

// parseForm reads the form: the body (urlencoded or multipart) and the query.
func parseForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(web.MaxBodyBytes)
	}
	return r.ParseForm()
}

// apiKey authenticates the request's api_key: an Anju machine token with
// petition.PermOpen311. A client that sends its token as a bearer header
// instead is taken too. Missing or invalid: 403.
func (h *Handler) apiKey(w http.ResponseWriter, r *http.Request, f format) (*auth.Principal, bool) {
	caller := auth.FromContext(r.Context())
	tok := caller
	if key := strings.TrimSpace(r.Form.Get("api_key")); key != "" {
		p, err := h.Tokens.TokenPrincipal(r.Context(), key, caller.IP)
		switch {
		case errors.Is(err, auth.ErrTokenInvalid):
			writeErrors(w, r, f, http.StatusForbidden, msg(r, "open311.error.api_key_invalid"))
			return nil, false
		case err != nil:
			serverError(w, r, f, http.StatusInternalServerError, err)
			return nil, false
		}
		tok = p
	} else if caller.TokenID == 0 {
		writeErrors(w, r, f, http.StatusForbidden, msg(r, "open311.error.api_key_missing"))
		return nil, false
	}
	if tok.Role != auth.Machine || !tok.HasPermission(petition.PermOpen311) {
		// A key of another feed (car parks, the hotline): on record.
		_ = audit.RecordAlone(auth.WithPrincipal(r.Context(), tok), h.S.DB, audit.Entry{Action: "open311.request",
			ObjectType: "api_token", ObjectID: strconv.FormatInt(tok.TokenID, 10), Result: audit.Refused,
			Detail: "the token lacks " + petition.PermOpen311})
		writeErrors(w, r, f, http.StatusForbidden, msg(r, "open311.error.api_key_permission"))
		return nil, false
	}
	return tok, true
}

// problems are a request's errors: the descriptions in the order found,
// and the parameters they name.
type problems struct {
	list  []string
	named map[string]bool
}

// add records a problem with param, described as "param: text".
func (p *problems) add(param, text string) { p.note(param, param+": "+text) }

// note records a problem with param that description names in its own words.
func (p *problems) note(param, description string) {
	if p.named == nil {
		p.named = map[string]bool{}
	}
	p.list = append(p.list, description)
	p.named[param] = true
}

// readSubmission reads the specification's parameters into a petition and
// its location, collecting every error.
func (h *Handler) readSubmission(r *http.Request) (petition.Submission, location, problems) {
	form := r.Form
	get := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	var errs problems
	bad := func(param, key string, args ...any) { errs.add(param, msg(r, key, args...)) }

	sub := petition.Submission{Kind: petition.KindComplaint}
	code := get("service_code")
	cat, known := petition.CategoryByCode(code)
	switch {
	case code == "":
		bad("service_code", "open311.error.required")
	case !known:
		bad("service_code", "open311.error.unknown_service", code)
	}
	sub.Category = code

	// Attributes: attribute[CODE]=v; attribute[CODE][]=v for lists of many.
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vs := form[k]
		name, ok := strings.CutPrefix(k, "attribute[")
		if !ok {
			continue
		}
		attr, rest, _ := strings.Cut(name, "]")
		var vals []string
		for _, v := range vs {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, v)
			}
		}
		param := "attribute[" + attr + "]"
		switch {
		case len(vals) == 0:
			continue
		case attr != attrKind && attr != attrSubcategory:
			bad(param, "open311.error.unknown_attribute")
			continue
		case len(vals) > 1 || rest != "":
			bad(param, "open311.error.single_value")
			continue
		}
		switch v := vals[0]; attr {
		case attrKind:
			if !contains(petition.Kinds, v) {
				bad(param, "open311.error.value", v)
			}
			sub.Kind = v
		case attrSubcategory:
			if known && !contains(cat.Subs, v) {
				bad(param, "open311.error.value", v)
			}
			sub.Subcategory = v
		}
	}

	desc := strings.TrimSpace(strings.ReplaceAll(form.Get("description"), "\r\n", "\n"))
	switch {
	case utf8.RuneCountInString(desc) > maxDescription:
		bad("description", "open311.error.too_long", maxDescription)
	case htmlTag.MatchString(desc):
		bad("description", "open311.error.html")
	}
	media := get("media_url")
	if media != "" {
		u, err := url.Parse(media)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			len(media) > maxMediaURL || strings.ContainsAny(media, " \n") {
			bad("media_url", "open311.error.url")
			media = ""
		}
	}
	if e := get("email"); e != "" && (len(e) > 254 || !email.MatchString(e)) {
		bad("email", "open311.error.email")
	}

	// Who: named when a name and a phone are given (the bureau answers a
	// named petition by phone); otherwise anonymous, which an appeal cannot
	// be. The e-mail, device_id and account_id are not kept: the platform
	// reaches petitioners by phone and SMS.
	sub.Name = fullName(get("first_name"), get("last_name"))
	sub.Phone = get("phone")
	sub.Anonymous = sub.Name == "" || sub.Phone == ""
	if sub.Anonymous && sub.Kind == petition.KindAppeal {
		bad("attribute[kind]", "open311.error.appeal_named")
	}

	var loc location
	latS, lngS := get("lat"), get("long")
	if (latS == "") != (lngS == "") {
		bad("lat/long", "open311.error.lat_long_pair")
		loc.bad = true
	} else if latS != "" {
		lat, err1 := strconv.ParseFloat(latS, 64)
		lng, err2 := strconv.ParseFloat(lngS, 64)
		if err1 != nil || err2 != nil || math.IsInf(lat, 0) || math.IsInf(lng, 0) || (geo.Point{Lat: lat, Lng: lng}).Valid() != nil {
			bad("lat/long", "open311.error.lat_long")
			loc.bad = true
		} else {
			loc.lat, loc.lng = &lat, &lng
		}
	}
	loc.address = get("address_string")
	if s := get("address_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			bad("address_id", "open311.error.address_id")
			loc.bad = true
		}
		loc.addressID = id
	}
	if latS == "" && loc.address == "" && get("address_id") == "" {
		errs.note("location", msg(r, "open311.error.location"))
		loc.bad = true
	}
	sub.Address, sub.Lat, sub.Lng = loc.address, loc.lat, loc.lng

	if known {
		sub.Title = title(web.T(web.ZH, "petition.category."+code), desc)
		if desc == "" {
			desc = emptyBody(code)
		}
	}
	sub.Body = withMedia(desc, media)
	sub.ExternalRef = newToken()
	return sub, loc, errs
}

// title is the petition's title: the service and the description's first
// line, within the title's limit.
func title(service, desc string) string {
	line, _, _ := strings.Cut(desc, "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return service
	}
	t := service + "：" + line
	if utf8.RuneCountInString(t) <= maxTitle {
		return t
	}
	return string([]rune(t)[:maxTitle-1]) + "…"
}

// fullName joins the given and family names: family name first and no
// space for Chinese names, as written in the West otherwise.
func fullName(first, last string) string {
	switch {
	case first == "":
		return last
	case last == "":
		return first
	case han(first) && han(last):
		return last + first
	}
	return first + " " + last
}

func han(s string) bool {
	for _, c := range s {
		if !unicode.Is(unicode.Han, c) {
			return false
		}
	}
	return s != ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// newToken is a request's token: 96 random bits, lower-case hex.
func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// submitFailed answers a refused petition: its field errors as the
// specification's 400s, named by the Open311 parameters.
func (h *Handler) submitFailed(w http.ResponseWriter, r *http.Request, f format, err error) {
	if errors.Is(err, petition.ErrNotAllowed) {
		writeErrors(w, r, f, http.StatusForbidden, msg(r, "open311.error.api_key_permission"))
		return
	}
	var nd *workday.NoDataError
	if errors.As(err, &nd) {
		serverError(w, r, f, http.StatusServiceUnavailable, err)
		return
	}
	fes, ok := web.AsFieldErrors(err)
	if !ok {
		serverError(w, r, f, http.StatusInternalServerError, err)
		return
	}
	l := lang(r)
	var list []string
	for _, fe := range fes {
		param, text := fieldError(l, fe)
		list = append(list, param+": "+text)
	}
	writeErrors(w, r, f, http.StatusBadRequest, list...)
}

// fieldError names a petition's field error by its Open311 parameter, in
// the adapter's words where the petition's would not fit a GeoReport client.
func fieldError(l web.Lang, fe *web.FieldError) (param, text string) {
	param, ok := params[fe.Field]
	if !ok {
		param = fe.Field
	}
	text = fe.Msg(l)
	if fe.Field == "anonymous" {
		text = web.T(l, "open311.error.appeal_named")
	}
	if fe.Code == "out_of_scope" {
		text = web.T(l, "open311.error.outside")
	}
	return param, text
}

// petitionChecks adds to errs what the petition's own intake check (the
// petition type's Validate, which Submit runs) refuses in sub: a phone
// number, a name or an address too long. A request refused for other
// reasons never reaches Submit, so without this its client would hear of
// these only after fixing the rest. A parameter already named is not named
// again (the adapter checks the service, kind and description itself).
func (h *Handler) petitionChecks(ctx context.Context, l web.Lang, sub petition.Submission, errs *problems) {
	sub.Channel = petition.ChannelOpen311
	fes, _ := web.AsFieldErrors(h.S.CheckFields(ctx, sub))
	for _, fe := range fes {
		// The adapter makes the title and body of the service's name; they
		// are empty only when the service_code, already named, is unknown.
		if (fe.Field == "title" || fe.Field == "body") && fe.Code == "required" {
			continue
		}
		if param, text := fieldError(l, fe); !errs.named[param] {
			errs.add(param, text)
		}
	}
}

// params names the petition's fields as Open311 parameters.
var params = map[string]string{
	"kind": "attribute[kind]", "category": "service_code", "subcategory": "attribute[subcategory]",
	"title": "description", "body": "description", "address": "address_string", "name": "first_name/last_name",
	"phone": "phone", "anonymous": "attribute[kind]", "lat": "lat", "lng": "long", "compound_id": "address_id",
	"unit_id": "location",
}
