package property

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

// Routes of the module: the staff pages and API, the public red/black list,
// coverage and regulations, and the company portal.
func (s *Service) Routes() []web.Route {
	var rs []web.Route
	rs = append(rs, s.homeRoutes()...)
	rs = append(rs, s.compoundRoutes()...)
	rs = append(rs, s.companyRoutes()...)
	rs = append(rs, s.coverageRoutes()...)
	rs = append(rs, s.regulationRoutes()...)
	rs = append(rs, s.creditRoutes()...)
	rs = append(rs, s.listRoutes()...)
	rs = append(rs, s.objectionRoutes()...)
	rs = append(rs, s.portalRoutes()...)
	rs = append(rs, s.rectifyRoutes()...)
	rs = append(rs, s.councilRoutes()...)
	rs = append(rs, s.ledgerRoutes()...)
	rs = append(rs, s.mediationLedgerRoutes()...)
	return rs
}

// Gates of the module's routes (rule() decides again per command).
var (
	viewGate   = web.Allowed(auth.ActViewRecords)
	editGate   = web.Allowed(auth.ActEditRecords)
	handleGate = web.Allowed(auth.ActHandleCase)
	exportGate = web.Allowed(auth.ActExportData)
	boardGate  = web.Allowed(auth.ActViewDashboard)
	company    = web.Roles(auth.Company)
)

// formInt reads an integer form or query value; 0 when absent or malformed.
func formInt(v string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// formBool reads a checkbox.
func formBool(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "1", "true", "yes", "是":
		return true
	}
	return false
}

// exportQuery is the page's query without paging, for the export link.
func exportQuery(base string, q url.Values) string {
	e := url.Values{}
	for k, v := range q {
		if k != "page" && k != "size" {
			e[k] = v
		}
	}
	if len(e) == 0 {
		return base
	}
	return base + "?" + e.Encode()
}

// pathInt reads a path value as a positive integer; 0 when malformed.
func pathInt(r *http.Request, name string) int64 {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}
