package workday_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
	"anju/internal/platform/web"
	"anju/internal/platform/web/webtest"
	"anju/internal/platform/workday"
)

var sources = []db.Source{migrations.Platform}

// calendarRoutes serves the calendar with the built-in years and a loader
// that does what the app's LoadCalendarYear does: store and audit in one
// transaction, then apply.
func calendarRoutes(e *env) []web.Route {
	cal := workday.New(workday.Builtin()...)
	h := &workday.Handler{Cal: cal, DB: e.DB, Load: func(ctx context.Context, y workday.Year) error {
		err := e.DB.Tx(ctx, func(tx *db.Tx) error {
			if err := workday.SaveYear(ctx, tx, y, auth.FromContext(ctx).UserID, time.Now()); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Entry{Action: "calendar.load", ObjectType: "calendar_year",
				ObjectID: "y", OrgPath: "/"})
		})
		if err != nil {
			return err
		}
		return cal.Load(y)
	}}
	return h.Routes()
}

// year2027 is a made-up notice for 2027 (the real one is not out when this
// is written): a three-day New Year break and one make-up Saturday.
const year2027 = `{"year": 2027, "papers": ["测试通知"], "days": [
	{"name": "元旦", "date": "2027-01-01", "isOffDay": true},
	{"name": "春节", "date": "2027-02-06", "isOffDay": true},
	{"name": "春节", "date": "2027-02-13", "isOffDay": false}
]}`

type deadline struct{ From, To, Rule, Note string }

func getDeadline(t *testing.T, c *webtest.Client, query string) deadline {
	t.Helper()
	resp, body := c.Get(t, "/api/v1/calendar/deadline?"+query)
	webtest.WantStatus(t, resp, body, http.StatusOK)
	var d deadline
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// Spring Festival 2026: 15–23 February off, Saturday 14 and Saturday 28
// February worked in exchange.
func TestDeadlineAcrossSpringFestival2026(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, calendarRoutes)
		c := e.Login(t, "staff_a", auth.DistrictStaff, e.A)
		for _, tc := range []struct{ query, to string }{
			{"from=2026-02-13&workdays=1", "2026-02-14"}, // the make-up Saturday counts
			{"from=2026-02-13&workdays=2", "2026-02-24"}, // the nine days off do not
			{"from=2026-02-13&workdays=6", "2026-02-28"},
			{"from=2026-02-10&days=7", "2026-02-24"}, // ends on 17 Feb, a holiday: moved to the next working day
			{"from=2026-02-06&days=8", "2026-02-14"}, // ends on the make-up Saturday: stays
		} {
			got := getDeadline(t, c, tc.query)
			if got.To != tc.to {
				t.Errorf("%s: to %s, want %s", tc.query, got.To, tc.to)
			}
		}
		got := getDeadline(t, c, "from=2026-02-13&workdays=2")
		if got.From != "2026-02-13" || got.Rule != "workdays" || !strings.Contains(got.Note, "起算日不计入") {
			t.Errorf("deadline %+v", got)
		}
	})
}

func TestDeadlineBadInputAndNoData(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, calendarRoutes)
		c := e.Login(t, "staff_a", auth.DistrictStaff, e.A)
		for _, tc := range []struct{ query, field string }{
			{"workdays=3", "from"},
			{"from=2026-02-30&workdays=3", "from"},
			{"from=2026-02-13", "workdays"},
			{"from=2026-02-13&workdays=-1", "workdays"},
			{"from=2026-02-13&days=x", "days"},
			{"from=2026-02-13&workdays=1&days=1", "days"},
		} {
			resp, body := c.Get(t, "/api/v1/calendar/deadline?"+tc.query)
			webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
			webtest.WantContains(t, body, `"type":"`+web.ProblemValidation+`"`, `"field":"`+tc.field+`"`)
		}
		// The period runs into 2027, which has no data: a problem naming the year.
		resp, body := c.Get(t, "/api/v1/calendar/deadline?from=2026-12-20&workdays=30")
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, `"type":"`+workday.ProblemNoData+`"`, `"year":2027`, "2027 年无数据")
	})
}

func TestCalendarYearAPI(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, calendarRoutes)
		staff := e.Login(t, "staff_a", auth.DistrictStaff, e.A)
		resp, body := staff.Get(t, "/api/v1/calendar/2027")
		webtest.WantStatus(t, resp, body, http.StatusNotFound)
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("2027: content type %q, want a problem", ct)
		}
		webtest.WantContains(t, body, `"type":"`+web.ProblemNotFound+`"`, "2027")

		resp, body = staff.Get(t, "/api/v1/calendar/2026")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		y, err := workday.ParseHolidayCN(strings.NewReader(body))
		if err != nil || y.Year != 2026 {
			t.Fatalf("2026 as holiday-cn: %v, %d", err, y.Year)
		}

		sec := e.Login(t, "secadmin", auth.SecurityAdmin, e.City)
		resp, body = sec.Send(t, http.MethodPut, "/api/v1/calendar/2027", "application/json", strings.NewReader(year2027))
		webtest.WantStatus(t, resp, body, http.StatusForbidden)

		admin := e.Login(t, "sysadmin", auth.SystemAdmin, e.City)
		resp, body = admin.Send(t, http.MethodPut, "/api/v1/calendar/2028", "application/json", strings.NewReader(year2027))
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, `"field":"year"`, `"code":"mismatch"`)
		bad := strings.Replace(year2027, `"date": "2027-02-13", "isOffDay": false`, `"date": "2027-02-12", "isOffDay": false`, 1)
		resp, body = admin.Send(t, http.MethodPut, "/api/v1/calendar/2027", "application/json", strings.NewReader(bad))
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, `"field":"days[2]"`)

		resp, body = admin.Send(t, http.MethodPut, "/api/v1/calendar/2027", "application/json", strings.NewReader(year2027))
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `"source":"loaded"`, `"days":3`)
		resp, body = staff.Get(t, "/api/v1/calendar/years")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `{"year":2026,"source":"builtin"`, `{"year":2027,"source":"loaded"`)
		// 2027 now counts: Friday 5 Feb + 2 working days skips the holiday
		// on Saturday 6 and lands on Tuesday 9.
		if got := getDeadline(t, staff, "from=2027-02-05&workdays=2"); got.To != "2027-02-09" {
			t.Errorf("2027 after loading: %+v", got)
		}
		var n int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.load'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("calendar.load audit rows: %d, %v", n, err)
		}
	})
}

func TestCalendarPage(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, calendarRoutes)
		staff := e.Login(t, "staff_a", auth.DistrictStaff, e.A)
		resp, body := staff.Get(t, "/admin/calendar?year=2026&from=2026-02-13&n=2&rule=workdays")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `data-testid="months"`, `data-date="2026-02-16"`, `class="cal-holiday"`,
			`class="cal-makeup-workday"`, "春节", `data-testid="calc-result"`, "2026-02-24")
		if strings.Contains(body, `data-testid="load-form"`) {
			t.Error("staff are offered the load form")
		}
		resp, body = staff.Get(t, "/admin/calendar?year=2026&from=2026-13-01&n=2")
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, `class="field-error"`)

		resp, body = staff.Get(t, "/admin/calendar?year=2027&lang=en")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `data-testid="no-data"`, "No data for 2027 — deadlines in this year cannot be computed until its notice is loaded.")

		admin := e.Login(t, "sysadmin", auth.SystemAdmin, e.City)
		resp, body = admin.Get(t, "/admin/calendar?lang=zh-CN")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `data-testid="load-form"`)
		resp, body = admin.Upload(t, "/admin/calendar", "2027.json", []byte(`{"year": 2027, "days": []}`))
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, "文件无法载入")
		resp, body = admin.Upload(t, "/admin/calendar", "2027.json", []byte(year2027))
		webtest.WantStatus(t, resp, body, http.StatusSeeOther)
		resp, body = admin.Get(t, "/admin/calendar?year=2027")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, "已载入 2027 年节假日安排", `data-date="2027-02-06"`, "管理员载入")

		sec := e.Login(t, "secadmin", auth.SecurityAdmin, e.City)
		resp, body = sec.Upload(t, "/admin/calendar", "2027.json", []byte(year2027))
		webtest.WantStatus(t, resp, body, http.StatusForbidden)
	})
}
