package app

import (
	"context"
	"strconv"
	"time"

	"anju/internal/casework"
	"anju/internal/petition"
	"anju/internal/platform/web"
)

// Petitions (信访件量大面广), on the shared case engine (module_casework.go).
func init() {
	pm := petition.Migrations
	registerModule(Module{Name: "petition", Source: &pm, Section: true, Build: buildPetition})
	petition.RegisterDemo()
}

func buildPetition(a *App) (Parts, error) {
	e := caseEngine(a)
	s, err := petition.New(e, a.Org)
	if err != nil {
		return Parts{}, err
	}
	h := &petition.Handler{S: s}
	return Parts{
		Routes: h.Routes(),
		Jobs:   []Job{{Name: "petition-stats-rollup", Run: func(ctx context.Context) { s.RunRollup(ctx, 5*time.Second) }}},
		Work: casework.WorkSource{Engine: e, Type: petition.TypeName, Section: "petition",
			URL:   func(c casework.Case) string { return "/petition/cases/" + strconv.FormatInt(c.ID, 10) },
			State: func(st string) string { return web.T(web.ZH, "petition.state."+st) }},
	}, nil
}
