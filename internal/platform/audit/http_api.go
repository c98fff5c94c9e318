package audit

import (
	"net/http"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

// RecordJSON is an audit record as the API shows it.
type RecordJSON struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    *int64    `json:"actor_id" doc:"null when no account acted (anonymous, system, token)"`
	ActorName  string    `json:"actor_name"`
	ActorRole  string    `json:"actor_role"`
	OrgPath    string    `json:"org_path"`
	IP         string    `json:"ip"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Result     string    `json:"result" doc:"ok, refused or failed"`
	Detail     string    `json:"detail"`
	Sealed     bool      `json:"sealed" doc:"linked into the hash chain yet"`
	ChainPos   *int64    `json:"chain_pos" doc:"null until sealed"`
	PrevHash   string    `json:"prev_hash,omitempty"`
	Hash       string    `json:"hash,omitempty"`
}

func recordJSON(r Row) RecordJSON {
	return RecordJSON{ID: r.ID, At: r.At, ActorID: r.ActorID, ActorName: r.ActorName, ActorRole: r.ActorRole,
		OrgPath: r.OrgPath, IP: r.IP, Action: r.Action, ObjectType: r.ObjectType, ObjectID: r.ObjectID,
		Result: r.Result, Detail: r.Detail, Sealed: r.Sealed(), ChainPos: r.ChainPos, PrevHash: r.PrevHash, Hash: r.Hash}
}

func (h *Handler) listAPI(w http.ResponseWriter, r *http.Request) {
	f, errs := parseFilter(r.URL.Query())
	if len(errs) > 0 {
		web.WriteProblem(w, r, web.ValidationProblem(r, errs))
		return
	}
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := List(r.Context(), h.DB, auth.FromContext(r.Context()), f)
	if err != nil {
		web.Fail(w, r, err)
		return
	}
	out := web.ListResponse[RecordJSON]{Items: make([]RecordJSON, len(rows)), Total: total, Page: pg.Page, Size: pg.Size}
	for i, row := range rows {
		out.Items[i] = recordJSON(row)
	}
	web.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) getAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	row, err := Get(r.Context(), h.DB, auth.FromContext(r.Context()), id)
	if err != nil {
		web.Fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, recordJSON(row))
}
