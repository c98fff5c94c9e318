package app

import (
	"os"

	"anju/internal/open311"
	"anju/internal/petition"
)

// The Open311 GeoReport v2 adapter at /open311/v2 (internal/open311): civic
// apps and city systems file petitions and follow them. It has no tables
// and no section of its own: its requests are petitions, on the shared case
// engine, whose type the petition module registers.
//
// Settings from the environment (the module's own, so config.go stays the
// platform's): ANJU_OPEN311_URL — the endpoint's public address for
// discovery (default: from each request); ANJU_OPEN311_CONTACT and
// ANJU_OPEN311_KEY_SERVICE — whom developers ask, and how they get an
// api_key; ANJU_OPEN311_TYPE — production (default) or test;
// ANJU_OPEN311_JURISDICTION — the jurisdiction_id to answer to (default:
// the parameter is ignored).
func init() {
	registerModule(Module{Name: "open311", Build: buildOpen311})
}

func buildOpen311(a *App) (Parts, error) {
	h := &open311.Handler{
		S:      petition.Over(caseEngine(a), a.Org),
		Tokens: a.Auth,
		Cfg: open311.Config{
			BaseURL:      os.Getenv("ANJU_OPEN311_URL"),
			Contact:      os.Getenv("ANJU_OPEN311_CONTACT"),
			KeyService:   os.Getenv("ANJU_OPEN311_KEY_SERVICE"),
			Type:         os.Getenv("ANJU_OPEN311_TYPE"),
			Jurisdiction: os.Getenv("ANJU_OPEN311_JURISDICTION"),
			TrustProxy:   a.Cfg.TrustProxy,
		},
	}
	return Parts{Routes: h.Routes()}, nil
}
