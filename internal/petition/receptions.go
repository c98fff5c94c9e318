package petition

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"anju/internal/casework"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

// Kinds of a leader's meeting with petitioners.
const (
	ReceptionDay = "reception" // 领导接访日: petitioners come to the leader
	HomeVisit    = "visit"     // 下访: the leader goes to them (浦江经验)
)

// Reception is a leader's reception day or home visit and the petitions it
// took up.
type Reception struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind" doc:"reception or visit"`
	HeldOn     string    `json:"held_on" doc:"YYYY-MM-DD"`
	LeaderName string    `json:"leader_name"`
	Place      string    `json:"place"`
	OrgUnitID  int64     `json:"org_unit_id"`
	UnitName   string    `json:"unit_name,omitempty"`
	Notes      string    `json:"notes"`
	Cases      []string  `json:"cases" doc:"numbers of the petitions taken up"`
	CaseIDs    []int64   `json:"-"` // beside Cases, for the page's links
	CaseCount  int       `json:"case_count"`
	CreatedAt  time.Time `json:"created_at"`
}

// NewReception records one.
type NewReception struct {
	Kind       string   `json:"kind"`
	HeldOn     string   `json:"held_on"`
	LeaderName string   `json:"leader_name"`
	Place      string   `json:"place"`
	OrgUnitID  int64    `json:"org_unit_id,omitempty" doc:"defaults to the recorder's unit"`
	Notes      string   `json:"notes"`
	Cases      []string `json:"cases,omitempty" doc:"petition numbers to link; each gets a timeline entry"`
}

// RecordReception stores a reception day or home visit in p's
// jurisdiction, links the petitions named (each must be visible to p) and
// adds a public entry to each one's timeline — in one transaction.
func (s *Service) RecordReception(ctx context.Context, nr NewReception) (Reception, error) {
	p := me(ctx)
	if !(p.UserID != 0 && p.Role.IsStaff()) {
		return Reception{}, casework.ErrForbidden
	}
	var errs casework.FieldErrors
	bad := func(f, code, zh, en string) { errs = append(errs, casework.Invalid(f, code, zh, en)) }
	nr.LeaderName, nr.Place, nr.Notes = strings.TrimSpace(nr.LeaderName), strings.TrimSpace(nr.Place), strings.TrimSpace(nr.Notes)
	if nr.Kind != ReceptionDay && nr.Kind != HomeVisit {
		bad("kind", "invalid", "请选择接访或下访", "choose reception or visit")
	}
	d, err := workday.ParseDate(nr.HeldOn)
	if err != nil {
		bad("held_on", "invalid", "日期格式应为 YYYY-MM-DD", "must be a date YYYY-MM-DD")
	} else if d.After(s.E.Date(s.E.Clock())) {
		bad("held_on", "future", "不能晚于今天", "cannot be in the future")
	}
	if nr.LeaderName == "" || utf8.RuneCountInString(nr.LeaderName) > 64 {
		bad("leader_name", "required", "请填写接访领导（64字以内）", "is required (at most 64 characters)")
	}
	if utf8.RuneCountInString(nr.Place) > 200 {
		bad("place", "too_long", "最长200个字", "at most 200 characters")
	}
	if utf8.RuneCountInString(nr.Notes) > casework.MaxText {
		bad("notes", "too_long", "内容过长", "too long")
	}
	if nr.OrgUnitID == 0 {
		nr.OrgUnitID = p.OrgUnitID
	}
	_, path, err := s.unitInfo(ctx, nr.OrgUnitID)
	if err != nil || !p.InScope(path) {
		bad("org_unit_id", "out_of_scope", "只能记录本辖区的接访", "must be within your jurisdiction")
	}
	var ids []int64
	for _, n := range nr.Cases {
		n = NormalizeNumber(n)
		if n == "" {
			continue
		}
		c, err := s.E.ByNumber(ctx, n)
		if err == nil {
			_, err = s.E.Get(ctx, c.ID) // visible to the recorder?
		}
		if err != nil || c.Type != TypeName {
			bad("cases", "not_found", "找不到信访事项 "+n, "no petition "+n+" in your jurisdiction")
			continue
		}
		ids = append(ids, c.ID)
	}
	if len(errs) > 0 {
		return Reception{}, errs
	}
	now := s.E.Clock()
	rec := Reception{Kind: nr.Kind, HeldOn: d.String(), LeaderName: nr.LeaderName, Place: nr.Place, OrgUnitID: nr.OrgUnitID,
		Notes: nr.Notes, CreatedAt: now, Cases: []string{}}
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO petition_receptions (kind, held_on, leader_name, leader_user_id, place, org_unit_id,
			org_path, notes, created_by, created_at) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?) RETURNING id`,
			rec.Kind, rec.HeldOn, rec.LeaderName, rec.Place, rec.OrgUnitID, path, rec.Notes, nullID(p.UserID), now).Scan(&rec.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "petition.reception", ObjectType: "petition_reception",
			ObjectID: strconv.FormatInt(rec.ID, 10), Detail: fmt.Sprintf("%s %s %s, %d petitions", rec.Kind, rec.HeldOn, rec.LeaderName, len(ids)),
			OrgPath: path})
	})
	if err != nil {
		return Reception{}, err
	}
	// The links and timeline entries: each through the engine's note (its
	// own transaction, audited), so the case's history says who met whom.
	what := map[string]string{ReceptionDay: "领导接访", HomeVisit: "领导下访"}[rec.Kind]
	for _, id := range ids {
		if _, err := s.DB.Exec(ctx, `INSERT INTO petition_reception_cases (reception_id, case_id) VALUES (?, ?)`, rec.ID, id); err != nil {
			return Reception{}, err
		}
		if _, err := s.E.Note(ctx, id, eventKind[rec.Kind], fmt.Sprintf("%s：%s于%s%s", what, rec.LeaderName, rec.HeldOn, placeText(rec.Place)),
			true, map[string]any{"reception_id": rec.ID, "kind": rec.Kind}); err != nil {
			return Reception{}, err
		}
	}
	return s.Reception(ctx, rec.ID)
}

// eventKind is the timeline entry a reception leaves on its cases.
var eventKind = map[string]string{ReceptionDay: "reception", HomeVisit: "home_visit"}

func placeText(p string) string {
	if p == "" {
		return "接待信访人"
	}
	return "在" + p + "接待信访人"
}

const receptionCols = `r.id, r.kind, r.held_on, r.leader_name, r.place, r.org_unit_id, u.name, r.notes, r.created_at`

func scanReception(sc interface{ Scan(...any) error }) (Reception, error) {
	var r Reception
	err := sc.Scan(&r.ID, &r.Kind, &r.HeldOn, &r.LeaderName, &r.Place, &r.OrgUnitID, &r.UnitName, &r.Notes, &r.CreatedAt)
	r.Cases = []string{}
	return r, err
}

// Reception returns one reception in the jurisdiction of ctx's principal.
func (s *Service) Reception(ctx context.Context, id int64) (Reception, error) {
	scope, args := me(ctx).ScopeSQL("r.org_path")
	r, err := scanReception(s.DB.QueryRow(ctx, `SELECT `+receptionCols+` FROM petition_receptions r JOIN org_units u ON u.id = r.org_unit_id
		WHERE r.id = ? AND `+scope, append([]any{id}, args...)...))
	if isNoRows(err) {
		return Reception{}, db.ErrNotFound
	}
	if err != nil {
		return Reception{}, err
	}
	rows, err := s.DB.Query(ctx, `SELECT c.number FROM petition_reception_cases rc JOIN cases c ON c.id = rc.case_id
		WHERE rc.reception_id = ? ORDER BY c.number`, id)
	if err != nil {
		return Reception{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return Reception{}, err
		}
		r.Cases = append(r.Cases, n)
	}
	r.CaseCount = len(r.Cases)
	return r, rows.Err()
}

// Receptions lists the receptions in the jurisdiction, newest first.
func (s *Service) Receptions(ctx context.Context, limit, offset int) ([]Reception, int, error) {
	scope, args := me(ctx).ScopeSQL("r.org_path")
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM petition_receptions r WHERE `+scope, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+receptionCols+`, (SELECT COUNT(*) FROM petition_reception_cases rc WHERE rc.reception_id = r.id)
		FROM petition_receptions r JOIN org_units u ON u.id = r.org_unit_id WHERE `+scope+`
		ORDER BY r.held_on DESC, r.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Reception{}
	for rows.Next() {
		var r Reception
		var n int
		if err := rows.Scan(&r.ID, &r.Kind, &r.HeldOn, &r.LeaderName, &r.Place, &r.OrgUnitID, &r.UnitName, &r.Notes, &r.CreatedAt, &n); err != nil {
			return nil, 0, err
		}
		r.Cases, r.CaseCount = []string{}, n
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	return out, total, s.receptionCases(ctx, out)
}

// receptionCases fills the numbers of the cases each reception took up.
func (s *Service) receptionCases(ctx context.Context, rs []Reception) error {
	if len(rs) == 0 {
		return nil
	}
	at := map[int64]int{}
	args := make([]any, len(rs))
	for i, r := range rs {
		at[r.ID], args[i] = i, r.ID
	}
	rows, err := s.DB.Query(ctx, `SELECT rc.reception_id, c.id, c.number FROM petition_reception_cases rc JOIN cases c ON c.id = rc.case_id
		WHERE rc.reception_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(rs)), ", ")+`) ORDER BY c.number`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var rid, cid int64
		var n string
		if err := rows.Scan(&rid, &cid, &n); err != nil {
			return err
		}
		r := &rs[at[rid]]
		r.Cases, r.CaseIDs = append(r.Cases, n), append(r.CaseIDs, cid)
	}
	return rows.Err()
}

// ReceptionsOf lists the receptions that took up case id.
func (s *Service) ReceptionsOf(ctx context.Context, caseID int64) ([]Reception, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+receptionCols+` FROM petition_receptions r JOIN org_units u ON u.id = r.org_unit_id
		JOIN petition_reception_cases rc ON rc.reception_id = r.id WHERE rc.case_id = ? ORDER BY r.held_on`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reception
	for rows.Next() {
		r, err := scanReception(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (h *Handler) receptionRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /petition/receptions", Access: staffOrLeader, Handler: h.receptionsPage},
		{Pattern: "POST /petition/receptions", Access: staffOrLeader, Handler: h.receptionSubmit},
		{Pattern: "GET /api/v1/petition/receptions", Access: staffOrLeader, Handler: h.receptionsAPI, Doc: &web.APIDoc{
			Summary: "Leaders' reception days and home visits (接访、下访) in my jurisdiction", Tag: "petition",
			Query: []web.Param{{Name: "page", Type: "integer"}, {Name: "size", Type: "integer"}}, Response: web.ListResponse[Reception]{}}},
		{Pattern: "POST /api/v1/petition/receptions", Access: staffOrLeader, Handler: h.receptionCreateAPI, Doc: &web.APIDoc{
			Summary: "Record a reception day or home visit and link the petitions taken up", Tag: "petition",
			Request: NewReception{}, Response: Reception{}, Status: http.StatusCreated, Errors: []int{422}}},
		{Pattern: "GET /api/v1/petition/receptions/{id}", Access: staffOrLeader, Resource: "petition_reception",
			Handler: h.receptionAPI, Doc: &web.APIDoc{Summary: "A reception day or home visit", Tag: "petition", Response: Reception{}}},
	}
}

func (h *Handler) receptionsAPI(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	rs, total, err := h.S.Receptions(r.Context(), pg.Size, pg.Offset())
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteList(w, pg, rs, total)
}

func (h *Handler) receptionCreateAPI(w http.ResponseWriter, r *http.Request) {
	var nr NewReception
	if !web.DecodeJSON(w, r, &nr) {
		return
	}
	rec, err := h.S.RecordReception(r.Context(), nr)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, rec)
}

func (h *Handler) receptionAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	rec, err := h.S.Reception(r.Context(), id)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, rec)
}

type receptionsData struct {
	Rows  []Reception
	Total int
	Page  int
	Pages int
	Form  NewReception
	Cases string
	Units []option
}

func (h *Handler) showReceptions(w http.ResponseWriter, r *http.Request, status int, form NewReception, cases string, errs map[string]string) {
	pg := web.PagingOf(r)
	rs, total, err := h.S.Receptions(r.Context(), pg.Size, pg.Offset())
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	units, err := h.unitOptions(r.Context(), casework.Me(r), true)
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	if form.HeldOn == "" {
		form.HeldOn = h.e().Clock().In(web.Location).Format("2006-01-02")
	}
	render(w, r, status, "receptions", "petition.receptions.title", receptionsData{Rows: rs, Total: total, Page: pg.Page,
		Pages: pg.Pages(total), Form: form, Cases: cases, Units: units}, errs)
}

func (h *Handler) receptionsPage(w http.ResponseWriter, r *http.Request) {
	h.showReceptions(w, r, http.StatusOK, NewReception{Kind: ReceptionDay, LeaderName: casework.Me(r).Name}, "", nil)
}

func (h *Handler) receptionSubmit(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	unit, _ := strconv.ParseInt(r.PostFormValue("org_unit_id"), 10, 64)
	cases := r.PostFormValue("cases")
	nr := NewReception{Kind: r.PostFormValue("kind"), HeldOn: r.PostFormValue("held_on"), LeaderName: r.PostFormValue("leader_name"),
		Place: r.PostFormValue("place"), OrgUnitID: unit, Notes: r.PostFormValue("notes"),
		Cases: strings.FieldsFunc(cases, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' || r == '\r' || r == '、' })}
	if _, err := h.S.RecordReception(r.Context(), nr); err != nil {
		if m, ok := formErrors(l, err); ok {
			h.showReceptions(w, r, http.StatusUnprocessableEntity, nr, cases, m)
			return
		}
		casework.PageFail(w, r, err)
		return
	}
	web.SetFlash(w, web.T(l, "petition.receptions.saved"))
	http.Redirect(w, r, "/petition/receptions", http.StatusSeeOther)
}

var _ = auth.Anonymous
