package parking

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed i18n/*.json
var messageFiles embed.FS

var pages = web.MustPages(templateFiles, "templates/*.html")

func init() {
	for _, l := range []web.Lang{web.ZH, web.EN} {
		b, err := messageFiles.ReadFile("i18n/" + string(l) + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic("parking i18n/" + string(l) + ".json: " + err.Error())
		}
		web.AddMessages(l, m)
	}
}

// Web holds what the pages need beyond the service.
type Web struct {
	S *Service
	// Tiles is a Leaflet tile URL template for the maps ("" draws points
	// on a blank map; pages then need nothing from outside).
	Tiles string
	// Region is the city's name for Baidu's navigation links; empty: read
	// from the administrative tree when it exists.
	Region string

	regionMu sync.Mutex
}

// region is the city's name, read once the tree has a root.
func (h *Web) region(ctx context.Context) string {
	h.regionMu.Lock()
	defer h.regionMu.Unlock()
	if h.Region == "" {
		h.Region = CityName(ctx, h.S.DB)
	}
	return h.Region
}

// Routes of the parking module: staff pages under /parking/…, the public
// page /parking/find, the API under /api/v1/parking/…, the car-park push
// API and the open feeds.
func (h *Web) Routes() []web.Route {
	var rs []web.Route
	rs = append(rs, h.publicRoutes()...)
	rs = append(rs, h.apiRoutes()...)
	rs = append(rs, h.staffRoutes()...)
	rs = append(rs, h.projectRoutes()...)
	return rs
}

var (
	staffView = web.Access{Name: "staff: " + string(auth.ActViewRecords), Allow: func(p *auth.Principal) bool { return auth.Can(p, auth.ActViewRecords) }}
	staffEdit = web.Allowed(auth.ActEditRecords)
	pusher    = web.MachinePermission(PushPermission)
)

// ProblemFull is the problem type of a window with no capacity left.
const ProblemFull = web.ProblemPrefix + "parking-full"

// fail answers err as a problem: the module's own conflicts as 409.
func fail(w http.ResponseWriter, r *http.Request, err error) {
	l := web.LangOf(r)
	switch {
	case errors.Is(err, ErrFull):
		p := web.NewProblem(l, http.StatusConflict, ProblemFull, web.T(l, "parking.err.full"))
		p.Title = web.T(l, "parking.err.full_title")
		web.WriteProblem(w, r, p)
	case errors.Is(err, ErrStale):
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusConflict, web.ProblemConflict, web.T(l, "parking.err.stale")))
	case errors.Is(err, ErrState):
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusConflict, web.ProblemConflict, web.T(l, "parking.err.state")))
	case errors.Is(err, errForbidden):
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusForbidden, web.ProblemForbidden, ""))
	default:
		web.Fail(w, r, err)
	}
}

// pageFail shows an error page for a page route.
func pageFail(w http.ResponseWriter, r *http.Request, err error) {
	l := web.LangOf(r)
	switch {
	case web.IsNotFound(err):
		web.ErrorPage(w, r, http.StatusNotFound, web.T(l, "problem.not_found"), web.T(l, "page.not_found_detail"))
	case errors.Is(err, errForbidden):
		web.ErrorPage(w, r, http.StatusForbidden, web.T(l, "problem.forbidden"), "")
	case errors.Is(err, ErrFull):
		web.ErrorPage(w, r, http.StatusConflict, web.T(l, "parking.err.full_title"), web.T(l, "parking.err.full"))
	case errors.Is(err, ErrStale), errors.Is(err, ErrState):
		web.ErrorPage(w, r, http.StatusConflict, web.T(l, "problem.conflict"), web.T(l, "parking.err.state"))
	default:
		if fe, ok := web.AsFieldErrors(err); ok {
			web.ErrorPage(w, r, http.StatusUnprocessableEntity, web.T(l, "problem.validation"), fe[0].Field+": "+fe[0].Msg(l))
			return
		}
		web.ErrorPage(w, r, http.StatusInternalServerError, web.T(l, "problem.internal"), "")
	}
}

// fieldMap turns field errors into the form's Errors map.
func fieldMap(r *http.Request, err error) (map[string]string, bool) {
	fe, ok := web.AsFieldErrors(err)
	if !ok {
		return nil, false
	}
	l := web.LangOf(r)
	m := map[string]string{}
	for _, e := range fe {
		m[e.Field] = e.Msg(l)
	}
	return m, true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func render(w http.ResponseWriter, r *http.Request, status int, page, titleKey string, data any, errs map[string]string) {
	v := web.NewView(r, "parking", data)
	v.Title = v.T(titleKey)
	if errs == nil {
		errs = map[string]string{}
	}
	v.Errors = errs
	pages.Render(w, r, status, page, v)
}

// writeJSONBody encodes v after the caller set the headers.
func writeJSONBody(w http.ResponseWriter, v any) {
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v)
}
