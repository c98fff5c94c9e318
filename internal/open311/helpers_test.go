package open311_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/open311"
	"anju/internal/petition"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
	"anju/internal/platform/web/webtest"
	"anju/internal/platform/workday"
)

var sources = []db.Source{migrations.Platform, casework.Migrations, petition.Migrations}

// env is a city (districts A and B, a street and a compound with
// coordinates in each) served with the Open311 endpoint, the petition
// service on a settable clock, and api keys at several levels.
type env struct {
	*webtest.City
	E   *casework.Engine
	S   *petition.Service
	H   *open311.Handler
	Now time.Time

	CompoundA, CompoundB org.Unit
	// Keys: open311:requests at the city, district A and street A; a
	// car-park feed's key without it.
	KeyCity, KeyA, KeyStreetA, KeyParking string
	StaffA                                *auth.Principal
}

// Coordinates of the compounds (WGS-84, Hangzhou).
const (
	latA, lngA = 30.2500, 120.1700
	latB, lngB = 30.3000, 120.3000
)

func eachEnv(t *testing.T, body func(t *testing.T, e *env)) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) { body(t, newEnv(t, d)) })
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	e := &env{}
	e.Now = time.Date(2026, 3, 2, 10, 0, 0, 0, web.Location).UTC()
	e.City = webtest.NewCity(t, d, func(c *webtest.City) []web.Route {
		e.E = casework.New(c.DB, workday.New(workday.Builtin()...), web.Location)
		e.E.Now = func() time.Time { return e.Now }
		var err error
		if e.S, err = petition.New(e.E, c.Org); err != nil {
			t.Fatal(err)
		}
		e.H = &open311.Handler{S: petition.Over(e.E, c.Org), Tokens: c.Auth}
		return e.H.Routes()
	})
	ctx := webtest.Sys()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		p := auth.FromContext(ctx)
		mk := func(parent int64, kind org.Kind, code, name string, lat, lng float64) (org.Unit, error) {
			u := org.Unit{ParentID: parent, Kind: kind, Code: code, Name: name}
			if lat != 0 {
				u.Lat, u.Lng = &lat, &lng
			}
			return e.Org.Create(ctx, tx, p, u)
		}
		commA, err := mk(e.StreetA.ID, org.Community, "CA11", "甲社区", 0, 0)
		if err != nil {
			return err
		}
		commB, err := mk(e.StreetB.ID, org.Community, "CB11", "乙社区", 0, 0)
		if err != nil {
			return err
		}
		if e.CompoundA, err = mk(commA.ID, org.Compound, "CA111", "甲花园", latA, lngA); err != nil {
			return err
		}
		e.CompoundB, err = mk(commB.ID, org.Compound, "CB111", "乙家园", latB, lngB)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := e.User(t, "sysadmin", auth.SystemAdmin, e.City.City)
	ap := &auth.Principal{UserID: admin.ID, Name: "sysadmin", Role: auth.SystemAdmin, OrgUnitID: e.City.City.ID,
		OrgPath: e.City.City.Path, IP: "127.0.0.1"}
	key := func(name string, unit org.Unit, perms ...string) string {
		plain, _, err := e.Auth.CreateToken(auth.WithPrincipal(context.Background(), ap), ap, name, perms, unit.ID, unit.Path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return plain
	}
	e.KeyCity = key("city app", e.City.City, petition.PermOpen311)
	e.KeyA = key("district A app", e.A, petition.PermOpen311)
	e.KeyStreetA = key("street A app", e.StreetA, petition.PermOpen311)
	e.KeyParking = key("car parks", e.A, "parking:occupancy.push")
	staff := e.User(t, "staff_a", auth.DistrictStaff, e.A)
	e.StaffA = &auth.Principal{UserID: staff.ID, Name: "staff_a", Role: auth.DistrictStaff, OrgUnitID: e.A.ID,
		OrgPath: e.A.Path, IP: "127.0.0.1"}
	return e
}

// client is an Open311 client: no session. Its requests carry the
// platform's double-submit CSRF cookie and header (see TestSpecClientPost
// for a client without them).
type client struct {
	*http.Client
	base, csrf string
	header     http.Header
}

func (e *env) client(t *testing.T) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{Client: &http.Client{Jar: jar}, base: e.Server.URL, header: http.Header{}}
	resp, err := c.Client.Get(c.base + open311.Root + "/discovery.xml")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(c.base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "anju_csrf" {
			c.csrf = ck.Value
		}
	}
	if c.csrf == "" {
		t.Fatal("no CSRF cookie")
	}
	return c
}

func (c *client) do(t *testing.T, method, path string, body io.Reader, ctype string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *client) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	return c.do(t, http.MethodGet, path, nil, "")
}

func (c *client) post(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	return c.do(t, http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// wantFormat checks the status and the content type of format f.
func wantFormat(t *testing.T, resp *http.Response, body string, status int, f string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body %.800s", resp.Request.Method, resp.Request.URL, resp.StatusCode, status, body)
	}
	want := map[string]string{"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}[f]
	if ct := resp.Header.Get("Content-Type"); ct != want {
		t.Fatalf("%s: Content-Type %q, want %q", resp.Request.URL, ct, want)
	}
	if f == "xml" && !strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("%s: no XML declaration: %.100s", resp.Request.URL, body)
	}
}

// The wire shapes, written out from the specification (not the package's
// types), so the tests check the documents clients parse.

type xmlErrors struct {
	XMLName xml.Name `xml:"errors"`
	Errors  []struct {
		Code        int    `xml:"code"`
		Description string `xml:"description"`
	} `xml:"error"`
}

type jsonError struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

// errorsOf parses an error body of either format into (code, description)
// pairs, failing on any other shape.
func errorsOf(t *testing.T, f, body string) []jsonError {
	t.Helper()
	var out []jsonError
	if f == "json" {
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("error body is not a JSON array of {code, description}: %v; %s", err, body)
		}
	} else {
		var x xmlErrors
		if err := xml.Unmarshal([]byte(body), &x); err != nil {
			t.Fatalf("error body is not <errors>: %v; %s", err, body)
		}
		for _, e := range x.Errors {
			out = append(out, jsonError{e.Code, e.Description})
		}
	}
	if len(out) == 0 {
		t.Fatalf("empty error list: %s", body)
	}
	return out
}

// wantErrors checks a spec error answer: status, format, every code equal
// to the status, and a description containing each of parts somewhere.
func wantErrors(t *testing.T, resp *http.Response, body, f string, status int, parts ...string) {
	t.Helper()
	wantFormat(t, resp, body, status, f)
	errs := errorsOf(t, f, body)
	all := ""
	for _, e := range errs {
		if e.Code != status {
			t.Errorf("error code %d, want %d: %s", e.Code, status, body)
		}
		if e.Description == "" {
			t.Errorf("error without description: %s", body)
		}
		all += e.Description + "\n"
	}
	for _, p := range parts {
		if !strings.Contains(all, p) {
			t.Errorf("errors lack %q: %s", p, all)
		}
	}
}

type xmlRequest struct {
	ServiceRequestID  string   `xml:"service_request_id"`
	Token             string   `xml:"token"`
	ServiceNotice     string   `xml:"service_notice"`
	Status            string   `xml:"status"`
	StatusNotes       string   `xml:"status_notes"`
	ServiceName       string   `xml:"service_name"`
	ServiceCode       string   `xml:"service_code"`
	Description       string   `xml:"description"`
	AgencyResponsible string   `xml:"agency_responsible"`
	RequestedDatetime string   `xml:"requested_datetime"`
	UpdatedDatetime   string   `xml:"updated_datetime"`
	ExpectedDatetime  string   `xml:"expected_datetime"`
	Address           string   `xml:"address"`
	AddressID         string   `xml:"address_id"`
	Lat               *float64 `xml:"lat"`
	Long              *float64 `xml:"long"`
	MediaURL          string   `xml:"media_url"`
	Notes             *struct {
		Note []jsonNote `xml:"note"`
	} `xml:"notes"`
}

type jsonNote struct {
	Datetime    string `json:"datetime" xml:"datetime"`
	Description string `json:"description" xml:"description"`
	Type        string `json:"type" xml:"type"`
}

type xmlRequests struct {
	XMLName  xml.Name     `xml:"service_requests"`
	Requests []xmlRequest `xml:"request"`
}

// jsonRequest is a request as JSON; Notes is nil when the key is absent.
type jsonRequest struct {
	ServiceRequestID  string      `json:"service_request_id"`
	Token             string      `json:"token"`
	ServiceNotice     string      `json:"service_notice"`
	AccountID         *string     `json:"account_id"`
	Status            string      `json:"status"`
	StatusNotes       string      `json:"status_notes"`
	ServiceName       string      `json:"service_name"`
	ServiceCode       string      `json:"service_code"`
	Description       string      `json:"description"`
	AgencyResponsible string      `json:"agency_responsible"`
	RequestedDatetime string      `json:"requested_datetime"`
	UpdatedDatetime   string      `json:"updated_datetime"`
	ExpectedDatetime  string      `json:"expected_datetime"`
	Address           string      `json:"address"`
	AddressID         string      `json:"address_id"`
	Lat               *float64    `json:"lat"`
	Long              *float64    `json:"long"`
	MediaURL          string      `json:"media_url"`
	Notes             *[]jsonNote `json:"notes"`
}

// requestsOf parses a <service_requests> or JSON array answer into one
// shape (XML's notes become the JSON shape's).
func requestsOf(t *testing.T, f, body string) []jsonRequest {
	t.Helper()
	var out []jsonRequest
	if f == "json" {
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("not a JSON array of requests: %v; %s", err, body)
		}
		return out
	}
	var x xmlRequests
	if err := xml.Unmarshal([]byte(body), &x); err != nil {
		t.Fatalf("not <service_requests>: %v; %s", err, body)
	}
	for _, r := range x.Requests {
		jr := jsonRequest{ServiceRequestID: r.ServiceRequestID, Token: r.Token, ServiceNotice: r.ServiceNotice,
			Status: r.Status, StatusNotes: r.StatusNotes, ServiceName: r.ServiceName, ServiceCode: r.ServiceCode,
			Description: r.Description, AgencyResponsible: r.AgencyResponsible, RequestedDatetime: r.RequestedDatetime,
			UpdatedDatetime: r.UpdatedDatetime, ExpectedDatetime: r.ExpectedDatetime, Address: r.Address,
			AddressID: r.AddressID, Lat: r.Lat, Long: r.Long, MediaURL: r.MediaURL}
		if r.Notes != nil {
			notes := r.Notes.Note
			if notes == nil {
				notes = []jsonNote{}
			}
			jr.Notes = &notes
		}
		out = append(out, jr)
	}
	return out
}

// file posts a valid request with key and returns the created answer (JSON).
func (e *env) file(t *testing.T, c *client, key string, mut ...func(url.Values)) jsonRequest {
	t.Helper()
	form := url.Values{"api_key": {key}, "service_code": {"property_management"},
		"lat": {"30.2501"}, "long": {"120.1702"}, "description": {"小区垃圾无人清运已一周"}}
	for _, m := range mut {
		m(form)
	}
	resp, body := c.post(t, open311.Root+"/requests.json", form)
	wantFormat(t, resp, body, http.StatusOK, "json")
	got := requestsOf(t, "json", body)
	if len(got) != 1 || got[0].ServiceRequestID == "" {
		t.Fatalf("created: %s", body)
	}
	return got[0]
}

// caseOf reads a request's petition as the platform.
func (e *env) caseOf(t *testing.T, id string) casework.Case {
	t.Helper()
	var n int64
	for _, ch := range id {
		n = n*10 + int64(ch-'0')
	}
	c, err := e.E.Get(webtest.Sys(), n)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// act takes action on a petition as p.
func (e *env) act(t *testing.T, p *auth.Principal, id int64, action string, in casework.Input) casework.Case {
	t.Helper()
	c, err := e.E.Get(webtest.Sys(), id)
	if err != nil {
		t.Fatal(err)
	}
	c, err = e.E.Act(auth.WithPrincipal(context.Background(), p), id, c.Version, action, in)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	return c
}

var formatsUnderTest = []string{"xml", "json"}
