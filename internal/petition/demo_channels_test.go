package petition_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/demo"
	"anju/internal/open311"
	"anju/internal/petition"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/workday"
)

// The demo's petitions as the engine and the Open311 adapter would have
// stored them: the progress bar and the summary count the same petitions;
// the Open311 ones are published at /open311/v2 with their place and
// status; some petitioners asked for a review (复查) and a re-review (复核)
// within the rules' 30 days, and the higher body decided within its 30.
func TestDemoOpen311AndReviews(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		ctx, env := demoEnv(d)
		var progress bytes.Buffer
		res, err := demo.Generate(ctx, env, demo.Options{Seed: 7, Scale: 1, Progress: &progress})
		if err != nil {
			t.Fatal(err)
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := d.QueryRow(ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// The bar, the summary and the table agree.
		summary := -1
		for _, c := range res.Counts {
			if c.Label == "信访事项 petitions" {
				summary = c.N
			}
		}
		bars := regexp.MustCompile(`信访事项 petitions\s+\[[#-]+\]\s+\d+% ([\d,]+)/([\d,]+)`).FindAllStringSubmatch(progress.String(), -1)
		if len(bars) == 0 {
			t.Fatalf("no petitions bar in %q", progress.String())
		}
		last := bars[len(bars)-1]
		done, total := atoiComma(last[1]), atoiComma(last[2])
		stored := count(`SELECT COUNT(*) FROM cases WHERE type = 'petition'`)
		if done != total || total != summary || summary != stored {
			t.Errorf("the bar says %d/%d, the summary %d, the table holds %d", done, total, summary, stored)
		}

		// Open311: stored as the adapter stores a request.
		n311 := count(`SELECT COUNT(*) FROM cases WHERE channel = 'open311'`)
		if n311 < stored/40 || n311 > stored/10 {
			t.Errorf("%d of %d petitions came by Open311", n311, stored)
		}
		if bad := count(`SELECT COUNT(*) FROM cases WHERE channel = 'open311' AND (external_ref IS NULL OR LENGTH(external_ref) <> 24
			OR title NOT LIKE '%：%' OR (lat IS NULL AND address = ''))`); bad != 0 {
			t.Errorf("%d Open311 petitions lack a token, a service title or a location", bad)
		}
		if bad := count(`SELECT COUNT(*) FROM case_events ev JOIN cases c ON c.id = ev.case_id WHERE c.channel = 'open311'
			AND ev.kind = 'created' AND (ev.actor_name NOT LIKE 'token:%' OR ev.actor_role <> '')`); bad != 0 {
			t.Errorf("%d Open311 petitions were not created by the client's token", bad)
		}
		e := casework.New(d, workday.New(workday.Builtin()...), shanghai)
		e.Now = func() time.Time { return time.Date(2026, 11, 20, 18, 0, 0, 0, shanghai) }
		if _, err := petition.New(e, env.Org); err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		for _, rt := range (&open311.Handler{S: petition.Over(e, env.Org)}).Routes() {
			mux.HandleFunc(rt.Pattern, rt.Handler)
		}
		get := func(path string, v any) {
			t.Helper()
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
			}
			if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
		}
		var list []open311.Request
		get(open311.Root+"/requests.json", &list)
		if len(list) < 5 {
			t.Fatalf("GET requests.json lists %d requests of the last 90 days", len(list))
		}
		statuses := map[string]int{}
		for _, r := range list {
			statuses[r.Status]++
			if r.Lat == nil || r.Long == nil || r.ServiceCode == "" || r.ServiceName == "" || r.RequestedDatetime == "" {
				t.Errorf("request %+v", r)
			}
		}
		if statuses["open"] == 0 || statuses["closed"] == 0 {
			t.Errorf("statuses of the last 90 days: %v", statuses)
		}
		var ref string
		if err := d.QueryRow(ctx, `SELECT external_ref FROM cases WHERE id = ?`, list[0].ServiceRequestID).Scan(&ref); err != nil {
			t.Fatal(err)
		}
		var tokens []struct {
			ID string `json:"service_request_id"`
		}
		if get(open311.Root+"/tokens/"+ref+".json", &tokens); len(tokens) != 1 || tokens[0].ID != list[0].ServiceRequestID {
			t.Errorf("token %s resolves to %+v, want %s", ref, tokens, list[0].ServiceRequestID)
		}

		// Reviews and re-reviews: a small share, some still under way.
		reviewed := count(`SELECT COUNT(DISTINCT case_id) FROM case_events WHERE kind = 'request_review'`)
		replied := count(`SELECT COUNT(DISTINCT case_id) FROM case_events WHERE kind = 'reply'`)
		if reviewed*100 < replied || reviewed*100 > replied*5 {
			t.Errorf("%d of %d replied petitions asked for a review", reviewed, replied)
		}
		for _, q := range []string{`state = 'reviewing'`, `state = 'rereviewing'`, `closed_reason = 'review'`, `closed_reason = 'rereview'`} {
			if count(`SELECT COUNT(*) FROM cases WHERE type = 'petition' AND `+q) == 0 {
				t.Errorf("no petition with %s", q)
			}
		}
		if bad := count(`SELECT COUNT(*) FROM cases WHERE state IN ('reviewing', 'rereviewing') AND (stage_due_at IS NULL
			OR due_at IS NULL OR closed_at IS NOT NULL)`); bad != 0 {
			t.Errorf("%d petitions under review without their deadline", bad)
		}
		checkReviewTimelines(t, ctx, d)
	})
}

// checkReviewTimelines walks the timeline of every reviewed petition: the
// states follow each other, each request comes within 30 days of the
// decision it contests and each decision within 30 days of the request,
// and the timeline ends where the petition is.
func checkReviewTimelines(t *testing.T, ctx context.Context, d *db.DB) {
	t.Helper()
	rows, err := d.Query(ctx, `SELECT ev.case_id, ev.kind, ev.at, ev.from_state, ev.to_state, c.state, c.closed_reason, c.flags
		FROM case_events ev JOIN cases c ON c.id = ev.case_id
		WHERE ev.case_id IN (SELECT case_id FROM case_events WHERE kind = 'request_review') ORDER BY ev.case_id, ev.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type ev struct {
		kind, from, to string
		at             time.Time
	}
	type story struct {
		evs           []ev
		state, reason string
		flags         int64
	}
	var ids []int64
	stories := map[int64]*story{}
	for rows.Next() {
		var id int64
		var e ev
		var s story
		if err := rows.Scan(&id, &e.kind, &e.at, &e.from, &e.to, &s.state, &s.reason, &s.flags); err != nil {
			t.Fatal(err)
		}
		if stories[id] == nil {
			stories[id], ids = &s, append(ids, id)
		}
		stories[id].evs = append(stories[id].evs, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	within := 30*24*time.Hour + 24*time.Hour // 30 days, to the end of the last one
	contested := map[string]string{"request_review": "reply", "decide_review": "request_review",
		"request_rereview": "decide_review", "decide_rereview": "request_rereview"}
	for _, id := range ids {
		s := stories[id]
		state := ""
		seen := map[string]time.Time{}
		for _, e := range s.evs {
			if e.from != state {
				t.Errorf("case %d: %s from %q, but the petition was %q", id, e.kind, e.from, state)
			}
			if prev, ok := contested[e.kind]; ok {
				at, ok := seen[prev]
				if !ok || e.at.Before(at) || e.at.Sub(at) > within {
					t.Errorf("case %d: %s at %s, %s at %s", id, e.kind, e.at, prev, at)
				}
			}
			state, seen[e.kind] = e.to, e.at
		}
		if state != s.state {
			t.Errorf("case %d: the timeline ends in %q, the petition is %q", id, state, s.state)
		}
		_, rereviewed := seen["decide_rereview"]
		if final := casework.Flags(s.flags).Has(casework.FlagFinal); rereviewed != (s.reason == petition.ClosedRereview) || rereviewed != final {
			t.Errorf("case %d: re-reviewed %v, closed %q, final %v", id, rereviewed, s.reason, final)
		}
	}
}

func atoiComma(s string) int {
	n, _ := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	return n
}
