package petition_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"anju/internal/petition"

	"github.com/xuri/excelize/v2"
)

// The page: KPI cards, charts with their numbers as tables, the filters,
// the definitions in both languages; scripts only from files.
func TestStatsPage(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		statsData(t, w)
		s := newServer(t, w)
		city := s.login(t, w.CityStaff)
		page := city.page(t, "/petition/stats", http.StatusOK)
		for _, want := range []string{
			`data-testid="kpi-received">24<`, `data-testid="kpi-timely">60.0%<`, `data-testid="kpi-on-time">80.0%<`,
			`data-testid="kpi-satisfaction">75.0%<`, `data-testid="kpi-participation">80.0%<`, `data-testid="kpi-repeat">2<`,
			`data-testid="kpi-decline">3<`, "2026-04 至 2026-06",
			`data-testid="stats-months"`, `data-testid="stats-categories"`, `data-testid="stats-districts"`, `data-testid="stats-yoy"`,
			`data-chart="monthly"`, `data-chart="districts"`, `<option value="2024"`, `name="district"`, "市本级",
			"受理期限为收到之日起 15 日", "连续有多少个月收到件数少于上年同月",
			`<script type="application/json" id="stats-data">`, `/static/vendor/echarts-5.6.0/echarts.min.js`, `/static/petition-stats.js`,
			`href="/petition/stats.xlsx?year=2026"`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the city's page lacks %q", want)
			}
		}
		// No inline script: only the JSON data block and script files.
		for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1) {
			if !strings.Contains(m, "src=") && !strings.Contains(m, `type="application/json"`) {
				t.Errorf("inline script %s", m)
			}
		}
		// The chart data parses and matches the tables.
		raw := regexp.MustCompile(`(?s)<script type="application/json" id="stats-data">(.*?)</script>`).FindStringSubmatch(page)
		var chart struct {
			Received []int    `json:"received"`
			LastYear []int    `json:"last_year"`
			Months   []string `json:"months"`
		}
		if len(raw) < 2 || json.Unmarshal([]byte(raw[1]), &chart) != nil {
			t.Fatalf("chart data: %.300s", raw)
		}
		if len(chart.Received) != 12 || chart.Received[0] != 5 || chart.LastYear[3] != 5 || chart.Months[0] != "1月" {
			t.Errorf("chart data: %+v", chart)
		}

		en := city.page(t, "/petition/stats?lang=en&year=2026&category=property_management", http.StatusOK)
		for _, want := range []string{"Petition statistics", "15 days from receipt", "Consecutive months of year-over-year decline",
			`data-testid="kpi-received">4<`, "Property management"} {
			if !strings.Contains(en, want) {
				t.Errorf("the English page lacks %q", want)
			}
		}

		// A district: its own figures, no district filter or table.
		a := s.login(t, w.StaffA).page(t, "/petition/stats", http.StatusOK)
		if !strings.Contains(a, `data-testid="kpi-received">16<`) || strings.Contains(a, `name="district"`) ||
			strings.Contains(a, `data-testid="stats-districts"`) || strings.Contains(a, "乙区") {
			t.Errorf("district A's page shows more than its district")
		}
		// A wrong filter comes back with the message beside the field.
		bad := city.page(t, "/petition/stats?year=1999&lang=zh", http.StatusUnprocessableEntity)
		if !strings.Contains(bad, "年份超出范围") {
			t.Errorf("bad year: %.300s", bad)
		}
		s.login(t, w.StaffA).page(t, fmt.Sprintf("/petition/stats?district=%d", w.B.ID), http.StatusNotFound)
		s.login(t, w.Citizen).page(t, "/petition/stats", http.StatusForbidden)
		resp, _ := s.login(t, nil).do(t, http.MethodGet, "/petition/stats", "", "")
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("anonymous: %d", resp.StatusCode)
		}
	})
}

func TestStatsAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		statsData(t, w)
		s := newServer(t, w)
		city := s.login(t, w.CityStaff)
		var st petition.Stats
		city.json(t, http.MethodGet, "/api/v1/petition/stats?year=2026", "", http.StatusOK, &st)
		wantFigures(t, "API", st.Total, petition.Figures{Received: 24, Accepted: 5, AcceptedTimely: 3, Replied: 5,
			RepliedOnTime: 4, Rated: 4, Satisfied: 3, Repeat: 2,
			TimelyRate: rate(60), OnTimeRate: rate(80), Satisfaction: rate(75), Participation: rate(80)})
		if st.DeclineMonths != 3 || len(st.Months) != 12 || len(st.Districts) != 3 || len(st.YoY) != len(petition.Categories)+1 {
			t.Errorf("API: %+v", st)
		}
		var raw map[string]any
		city.json(t, http.MethodGet, "/api/v1/petition/stats?year=2026&category=parking", "", http.StatusOK, &raw)
		if raw["yoy_decline_months"] != float64(12) || raw["total"].(map[string]any)["timely_acceptance_rate"] != nil {
			t.Errorf("parking: %v %v", raw["yoy_decline_months"], raw["total"])
		}
		a := s.login(t, w.StaffA)
		a.json(t, http.MethodGet, fmt.Sprintf("/api/v1/petition/stats?district=%d", w.B.ID), "", http.StatusNotFound, nil)
		for _, q := range []string{"year=abc", "year=2027", "category=nope", "district=x", fmt.Sprintf("district=%d", w.StreetA.ID)} {
			a.json(t, http.MethodGet, "/api/v1/petition/stats?"+q, "", http.StatusUnprocessableEntity, nil)
		}
		s.login(t, w.Citizen).json(t, http.MethodGet, "/api/v1/petition/stats", "", http.StatusForbidden, nil)
	})
}

// The workbook holds exactly the figures of the API, sheet by sheet.
func TestStatsExcel(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		statsData(t, w)
		s := newServer(t, w)
		city := s.login(t, w.CityStaff)
		var st petition.Stats
		city.json(t, http.MethodGet, "/api/v1/petition/stats?year=2026", "", http.StatusOK, &st)
		resp, body := city.do(t, http.MethodGet, "/petition/stats.xlsx?year=2026", "", "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if got := strings.Join(x.GetSheetList(), ","); got != "按月,按类别,按区县,同比,口径说明" {
			t.Fatalf("sheets %s", got)
		}
		rows := func(sheet string) [][]string {
			r, err := x.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		num := func(v *float64) string {
			if v == nil {
				return ""
			}
			return strconv.FormatFloat(*v, 'f', -1, 64)
		}
		kpis := func(f petition.Figures) []string {
			return []string{strconv.Itoa(f.Received), strconv.Itoa(f.Accepted), strconv.Itoa(f.AcceptedTimely), num(f.TimelyRate),
				strconv.Itoa(f.Replied), strconv.Itoa(f.RepliedOnTime), num(f.OnTimeRate), strconv.Itoa(f.Rated),
				strconv.Itoa(f.Satisfied), num(f.Satisfaction), num(f.Participation), strconv.Itoa(f.Repeat)}
		}
		same := func(where string, got []string, want []string) {
			t.Helper()
			for len(got) < len(want) {
				got = append(got, "")
			}
			if strings.Join(got[:len(want)], "|") != strings.Join(want, "|") {
				t.Errorf("%s:\n got %v\nwant %v", where, got, want)
			}
		}
		m := rows("按月")
		if len(m) != 14 || m[0][0] != "月份" || m[0][4] != "及时受理率 (%)" {
			t.Fatalf("by month: %d rows, head %v", len(m), m[0])
		}
		for i, ms := range st.Months {
			same("month "+strconv.Itoa(ms.Month), m[i+1][1:], append(kpis(ms.Figures), strconv.Itoa(ms.LastYear), num(ms.Change)))
		}
		same("total", m[13], append([]string{"合计"}, kpis(st.Total)...))
		c := rows("按类别")
		for i, cs := range st.Categories {
			same(cs.Code, c[i+1], append([]string{cs.Name}, kpis(cs.Figures)...))
		}
		d := rows("按区县")
		if len(d) != len(st.Districts)+1 {
			t.Errorf("by district: %d rows", len(d))
		}
		for i, ds := range st.Districts {
			same(ds.Name, d[i+1], append([]string{ds.Name}, kpis(ds.Figures)...))
		}
		y := rows("同比")
		for i, r := range st.YoY {
			want := []string{r.Name}
			for _, c := range r.Months {
				want = append(want, strconv.Itoa(c.Received), strconv.Itoa(c.LastYear), num(c.Change))
			}
			want = append(want, strconv.Itoa(r.Total.Received), strconv.Itoa(r.Total.LastYear), num(r.Total.Change))
			same("YoY "+r.Name, y[i+1], want)
		}
		about := rows("口径说明")
		same("year", about[0], []string{"年度", "2026"})
		same("decline", about[4], []string{"同比连续下降月数", "3"})
		var n int
		if err := w.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'petition.stats_export'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("export audited %d times (%v)", n, err)
		}
		// District A's export holds its own figures only.
		_, body = s.login(t, w.StaffA).do(t, http.MethodGet, "/petition/stats.xlsx?year=2026&lang=en", "", "")
		xa, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer xa.Close()
		total, _ := xa.GetRows("By month")
		if len(total) != 14 || total[13][0] != "Total" || total[13][1] != "16" {
			t.Errorf("district A's export: %v", total[len(total)-1])
		}
	})
}
