package open311_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/open311"
	"anju/internal/petition"
	"anju/internal/platform/auth"
)

// GET requests/{id} and the list show a request as the specification
// lists it, in both formats, without the petitioner.
func TestGetRequest(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c := e.client(t)
		made := e.file(t, c, e.KeyCity, func(v url.Values) {
			v.Set("first_name", "五")
			v.Set("last_name", "王")
			v.Set("phone", "13912345678")
			v.Set("email", "wang@example.com")
			v.Set("description", "我是王五，电话13912345678，另一个号码13800001111，邮箱wang@example.com，身份证330102199001011234")
			v.Set("address_string", "甲花园1幢")
			v.Set("media_url", "https://img.example.com/a.jpg")
			v.Set("attribute[subcategory]", "service")
		})
		pc := e.caseOf(t, made.ServiceRequestID)
		for _, f := range formatsUnderTest {
			for _, path := range []string{"/requests/" + made.ServiceRequestID + "." + f, "/requests." + f} {
				resp, body := c.get(t, open311.Root+path)
				wantFormat(t, resp, body, http.StatusOK, f)
				if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
					t.Errorf("%s: no CORS header", path)
				}
				for _, secret := range []string{"王五", "13912345678", "13800001111", "wang@example.com", "330102199001011234",
					pc.Number, made.Token} {
					if strings.Contains(body, secret) {
						t.Errorf("%s publishes %q: %s", path, secret, body)
					}
				}
				got := requestsOf(t, f, body)
				if len(got) != 1 {
					t.Fatalf("%s: %d requests", path, len(got))
				}
				r := got[0]
				lat, lng := 30.2501, 120.1702
				want := jsonRequest{ServiceRequestID: made.ServiceRequestID, Status: "open", StatusNotes: "已登记，待受理",
					ServiceName: "物业管理", ServiceCode: "property_management",
					Description:       "我是王*，电话139****5678，另一个号码138****1111，邮箱w***@example.com，身份证330102********1234",
					AgencyResponsible: "甲区", RequestedDatetime: "2026-03-02T10:00:00+08:00", UpdatedDatetime: "2026-03-02T10:00:00+08:00",
					ExpectedDatetime: pc.StageDueAt.In(time.FixedZone("", 8*3600)).Format(time.RFC3339),
					ServiceNotice:    r.ServiceNotice, Address: "甲花园1幢", AddressID: itoa(e.CompoundA.ID), Lat: &lat, Long: &lng,
					MediaURL: "https://img.example.com/a.jpg"}
				if r.Lat == nil || r.Long == nil || *r.Lat != lat || *r.Long != lng {
					t.Errorf("%s: lat/long %v %v", path, r.Lat, r.Long)
				}
				r.Lat, r.Long, want.Lat, want.Long = nil, nil, nil, nil
				if r.ServiceNotice == "" || r.Notes != nil || r != want {
					t.Errorf("%s:\n got %+v\nwant %+v", path, r, want)
				}
			}
			// Unknown, malformed and other channels' ids are 404.
			other := e.S.Submit
			web, err := other(auth.WithPrincipal(t.Context(), &auth.Principal{IP: "1.2.3.4"}), petition.Submission{
				Kind: petition.KindComplaint, Category: "parking", Title: "网上信访", Body: "内容", Anonymous: true, UnitID: e.A.ID})
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"999999", "abc", "0", itoa(web.ID)} {
				resp, body := c.get(t, open311.Root+"/requests/"+id+"."+f)
				wantErrors(t, resp, body, f, http.StatusNotFound)
			}
			resp, body := c.get(t, open311.Root+"/requests/"+made.ServiceRequestID)
			wantErrors(t, resp, body, "xml", http.StatusNotFound)
		}
		// Only Open311's petitions are listed.
		if got := requestsOf(t, "json", getBody(t, c, open311.Root+"/requests.json")); len(got) != 1 {
			t.Errorf("list has %d requests, want the 1 Open311 one", len(got))
		}
		// Anyone reads any request: a staff member of district B, too.
		b := e.Login(t, "staff_b", auth.DistrictStaff, e.B)
		resp, body := b.Get(t, open311.Root+"/requests/"+made.ServiceRequestID+".json")
		wantFormat(t, resp, body, http.StatusOK, "json")
		// English.
		_, body = c.get(t, open311.Root+"/requests/"+made.ServiceRequestID+".json?lang=en")
		if r := requestsOf(t, "json", body)[0]; r.ServiceName != "Property management" || !strings.HasPrefix(r.StatusNotes, "Registered") {
			t.Errorf("english: %+v", r)
		}
	})
}

// The filters of GET requests.
func TestListFilters(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c := e.client(t)
		start := e.Now
		at := func(days int) { e.Now = start.AddDate(0, 0, days) }
		file := func(days int, code string) string {
			at(days)
			return e.file(t, c, e.KeyCity, func(v url.Values) { v.Set("service_code", code) }).ServiceRequestID
		}
		old := file(0, "parking")          // 2026-03-02
		mid := file(50, "parking")         // 2026-04-21
		recent := file(100, "demolition")  // 2026-06-10
		newest := file(110, "real_estate") // 2026-06-20
		e.act(t, e.StaffA, atoi(recent), "decline", casework.Input{Reason: "不属于本机关职责"})
		at(120) // 2026-06-30: the default window starts on 2026-04-01

		ids := func(f, query string) []string {
			t.Helper()
			resp, body := c.get(t, open311.Root+"/requests."+f+query)
			wantFormat(t, resp, body, http.StatusOK, f)
			var out []string
			for _, r := range requestsOf(t, f, body) {
				out = append(out, r.ServiceRequestID)
			}
			return out
		}
		enc := url.QueryEscape
		for _, f := range formatsUnderTest {
			for _, tc := range []struct {
				query string
				want  []string
			}{
				{"", []string{newest, recent, mid}}, // the last 90 days, newest first
				{"?service_request_id=" + old + "," + newest + ",abc", []string{newest, old}},
				{"?service_request_id=" + old + "&status=closed&service_code=real_estate", []string{old}}, // overrides the rest
				{"?service_request_id=abc", nil},
				{"?service_code=parking", []string{mid}},
				{"?service_code=parking,demolition", []string{recent, mid}},
				{"?start_date=" + enc("2026-03-01T00:00:00+08:00") + "&end_date=" + enc("2026-05-01T00:00:00+08:00"), []string{mid, old}},
				{"?start_date=2026-03-01T00:00:00+08:00&end_date=2026-05-01T00:00:00+08:00", []string{mid, old}}, // "+" unencoded
				{"?start_date=" + enc("2026-03-01T00:00:00Z"), []string{mid, old}},                               // 90 days from the start
				{"?end_date=" + enc("2026-06-15T00:00:00+08:00"), []string{recent, mid}},                         // 90 days to the end
				{"?status=closed", []string{recent}},
				{"?status=open", []string{newest, mid}},
				{"?status=open,closed", []string{newest, recent, mid}},
				{"?status=", []string{newest, recent, mid}}, // empty is absent
				{"?page_size=2", []string{newest, recent}},
				{"?page_size=2&page=2", []string{mid}},
				{"?service_code=&start_date=&end_date=&jurisdiction_id=", []string{newest, recent, mid}},
			} {
				if got := ids(f, tc.query); strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Errorf("%s%s: %v, want %v", f, tc.query, got, tc.want)
				}
			}
			for _, tc := range []struct{ query, part string }{
				{"?start_date=" + enc("2026-01-01T00:00:00+08:00") + "&end_date=" + enc("2026-06-01T00:00:00+08:00"), "90"},
				{"?start_date=" + enc("2026-06-01T00:00:00+08:00") + "&end_date=" + enc("2026-05-01T00:00:00+08:00"), "end_date"},
				{"?start_date=yesterday", "start_date"},
				{"?end_date=2026-05-01T00:00:00", "end_date"}, // no time zone
				{"?status=pending", "pending"},
				{"?service_code=potholes", "potholes"},
				{"?page_size=5000", "page_size"},
				{"?page=0", "page"},
			} {
				resp, body := c.get(t, open311.Root+"/requests."+f+tc.query+"&lang=en")
				wantErrors(t, resp, body, f, http.StatusBadRequest, tc.part)
			}
		}
	})
}

// open and closed follow the petition's state: terminal states are closed,
// a review reopens; extensions=true adds the public timeline as notes.
func TestStatusAndNotes(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c := e.client(t)
		made := e.file(t, c, e.KeyCity, func(v url.Values) {
			v.Set("first_name", "五")
			v.Set("last_name", "王")
			v.Set("phone", "13912345678")
		})
		id := atoi(made.ServiceRequestID)
		one := func(f, query string) jsonRequest {
			t.Helper()
			resp, body := c.get(t, open311.Root+"/requests/"+made.ServiceRequestID+"."+f+query)
			wantFormat(t, resp, body, http.StatusOK, f)
			return requestsOf(t, f, body)[0]
		}
		status := func(want string) {
			t.Helper()
			for _, f := range formatsUnderTest {
				if r := one(f, ""); r.Status != want {
					t.Errorf("%s: status %q, want %q (state %s)", f, r.Status, want, e.caseOf(t, made.ServiceRequestID).State)
				}
			}
		}
		status("open")
		e.act(t, e.StaffA, id, "accept", casework.Input{})
		status("open")
		e.act(t, e.StaffA, id, "reply", casework.Input{Text: "王五您好，已责成物业清运，电话13912345678已回访。"})
		status("open")
		// The petitioner, who proved the number and check code.
		party := casework.WithPartyProof(auth.WithPrincipal(t.Context(), &auth.Principal{IP: "1.2.3.4"}), id)
		pc := e.caseOf(t, made.ServiceRequestID)
		if _, err := e.E.Act(party, id, pc.Version, "rate",
			casework.Input{Rating: petition.RatingSatisfied}); err != nil {
			t.Fatal(err)
		}
		status("closed")
		if r := one("json", ""); r.ExpectedDatetime != "" || r.StatusNotes != "已办结" {
			t.Errorf("closed: %+v", r)
		}

		for _, f := range formatsUnderTest {
			r := one(f, "?extensions=true")
			if r.Notes == nil {
				t.Fatalf("%s: extensions=true without notes", f)
			}
			var kinds []string
			for _, n := range *r.Notes {
				kinds = append(kinds, n.Type)
				if _, err := time.Parse(time.RFC3339, n.Datetime); err != nil || n.Description == "" {
					t.Errorf("%s: note %+v", f, n)
				}
				if strings.Contains(n.Description, "王五") || strings.Contains(n.Description, "13912345678") {
					t.Errorf("%s: note publishes the petitioner: %q", f, n.Description)
				}
			}
			if got := strings.Join(kinds, ","); got != "created,accept,reply,rate" {
				t.Errorf("%s: notes %s", f, got)
			}
			// In the list too, and without extensions no notes.
			resp, body := c.get(t, open311.Root+"/requests."+f+"?extensions=true")
			wantFormat(t, resp, body, http.StatusOK, f)
			if l := requestsOf(t, f, body); len(l) != 1 || l[0].Notes == nil || len(*l[0].Notes) != 4 {
				t.Errorf("%s: list notes %s", f, body)
			}
			if b := getBody(t, c, open311.Root+"/requests."+f); strings.Contains(b, `"notes"`) || strings.Contains(b, "<notes>") {
				t.Errorf("%s: notes without extensions", f)
			}
		}
		// A review reopens the petition: open again.
		pc = e.caseOf(t, made.ServiceRequestID)
		if _, err := e.E.Act(party, id, pc.Version, "request_review",
			casework.Input{Reason: "物业又不清运了"}); err != nil {
			t.Fatal(err)
		}
		status("open")
	})
}

// GET tokens/{token}: the id of the request the token was given with.
func TestTokens(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c := e.client(t)
		made := e.file(t, c, e.KeyCity)
		for _, f := range formatsUnderTest {
			resp, body := c.get(t, open311.Root+"/tokens/"+made.Token+"."+f)
			wantFormat(t, resp, body, http.StatusOK, f)
			got := requestsOf(t, f, body)
			if len(got) != 1 || got[0].ServiceRequestID != made.ServiceRequestID || got[0].Token != made.Token {
				t.Errorf("%s: %s", f, body)
			}
			for _, tok := range []string{"0123456789abcdef01234567", "short", "ZZZ%20"} {
				resp, body := c.get(t, open311.Root+"/tokens/"+tok+"."+f)
				wantErrors(t, resp, body, f, http.StatusNotFound)
			}
		}
	})
}

// Unknown resources and methods answer the specification's errors;
// a configured jurisdiction refuses others.
func TestUnknownResources(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c := e.client(t)
		for _, f := range formatsUnderTest {
			resp, body := c.get(t, open311.Root+"/potholes."+f)
			wantErrors(t, resp, body, f, http.StatusNotFound)
			resp, body = c.do(t, http.MethodDelete, open311.Root+"/requests."+f, nil, "")
			wantErrors(t, resp, body, f, http.StatusMethodNotAllowed)
			if allow := resp.Header.Get("Allow"); allow != "GET, HEAD, POST" {
				t.Errorf("Allow %q", allow)
			}
			resp, body = c.do(t, http.MethodPut, open311.Root+"/services/parking."+f, strings.NewReader("x"), "text/plain")
			wantErrors(t, resp, body, f, http.StatusMethodNotAllowed)
		}
		resp, body := c.get(t, open311.Root+"/services.html")
		wantErrors(t, resp, body, "xml", http.StatusNotFound)

		e.H.Cfg.Jurisdiction = "hz.example.gov.cn"
		for _, f := range formatsUnderTest {
			for _, path := range []string{"/services.", "/requests.", "/services/parking."} {
				resp, body := c.get(t, open311.Root+path+f+"?jurisdiction_id=other.example")
				wantErrors(t, resp, body, f, http.StatusNotFound, "other.example")
				resp, body = c.get(t, open311.Root+path+f+"?jurisdiction_id=hz.example.gov.cn")
				wantFormat(t, resp, body, http.StatusOK, f)
			}
			resp, body := c.post(t, open311.Root+"/requests."+f, url.Values{"jurisdiction_id": {"other.example"}, "api_key": {e.KeyCity}})
			wantErrors(t, resp, body, f, http.StatusNotFound)
		}
	})
}

func atoi(s string) int64 {
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}
