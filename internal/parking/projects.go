package parking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/geo"
	"anju/internal/platform/web"
)

// Supply projects (加法: new lots on cleared or leftover land; 减法: private
// capital builds and runs them), from plan to opening. Opening a project
// registers its facility; "new public parking spaces" is the sum of the
// spaces of projects opened in a period.

// Project stages, in order.
const (
	StagePlanned   = "planned"
	StageApproved  = "approved"
	StageBuilding  = "building"
	StageCompleted = "completed"
	StageOpened    = "opened"
)

// Stages lists the stages in order.
var Stages = []string{StagePlanned, StageApproved, StageBuilding, StageCompleted, StageOpened}

// Land sources of new lots.
var LandSources = []string{"cleared", "corner", "other"}

// Project is one supply project.
type Project struct {
	ID            int64       `json:"id"`
	OrgUnitID     int64       `json:"org_unit_id"`
	OrgPath       string      `json:"org_path"`
	Name          string      `json:"name"`
	Address       string      `json:"address"`
	Lat           float64     `json:"lat" doc:"WGS-84"`
	Lng           float64     `json:"lng" doc:"WGS-84"`
	LandSource    string      `json:"land_source" doc:"cleared (拆违清空土地), corner (边角地块) or other"`
	Kind          Kind        `json:"kind"`
	Operator      string      `json:"operator"`
	Ownership     Ownership   `json:"ownership"`
	InvestorType  string      `json:"investor_type" doc:"public or private (社会资本)"`
	Spaces        int         `json:"spaces"`
	InvestmentWan int64       `json:"investment_wan" doc:"investment in 万元"`
	Stage         string      `json:"stage"`
	PlannedOpen   string      `json:"planned_open" doc:"YYYY-MM"`
	FacilityID    int64       `json:"facility_id,omitempty"`
	OpenedAt      *time.Time  `json:"opened_at,omitempty"`
	CreatedAt     time.Time   `json:"created_at"`
	Milestones    []Milestone `json:"milestones,omitempty"`
}

// Milestone is one step of a project.
type Milestone struct {
	Stage string    `json:"stage"`
	At    time.Time `json:"at"`
	Note  string    `json:"note"`
	Actor string    `json:"actor"`
}

func (pr *Project) validate() error {
	var es fieldErrors
	pr.Name, pr.Address, pr.Operator = strings.TrimSpace(pr.Name), strings.TrimSpace(pr.Address), strings.TrimSpace(pr.Operator)
	if n := len([]rune(pr.Name)); n == 0 || n > 100 {
		es = append(es, ferr("name", "required", "请填写 1–100 字的项目名称", "Name must be 1–100 characters"))
	}
	if !oneOf(pr.LandSource, LandSources) {
		es = append(es, ferr("land_source", "invalid", "用地来源无效", "Unknown land source"))
	}
	if pr.Kind == "" {
		pr.Kind = PublicLot
	}
	if !oneOf(pr.Kind, Kinds) {
		es = append(es, ferr("kind", "invalid", "类型无效", "Unknown kind"))
	}
	if !oneOf(pr.Ownership, Ownerships) {
		es = append(es, ferr("ownership", "invalid", "产权类型无效", "Unknown ownership"))
	}
	if pr.InvestorType != "public" && pr.InvestorType != "private" {
		es = append(es, ferr("investor_type", "invalid", "投资主体须为政府或社会资本", "Investor must be public or private"))
	}
	if pr.Spaces < 1 || pr.Spaces > 10000 {
		es = append(es, ferr("spaces", "range", "新增泊位须为 1–10000", "Spaces must be 1–10000"))
	}
	if pr.InvestmentWan < 0 {
		es = append(es, ferr("investment_wan", "range", "投资额不能为负", "Investment cannot be negative"))
	}
	if pr.Lat < 3 || pr.Lat > 54 || pr.Lng < 73 || pr.Lng > 136 {
		es = append(es, ferr("lat", "out_of_range", "坐标不在中国境内", "Coordinates are outside China"))
	}
	if pr.Operator == "" {
		es = append(es, ferr("operator", "required", "请填写运营单位", "Operator is required"))
	}
	return es.orNil()
}

const projectCols = `id, org_unit_id, org_path, name, address, lat, lng, land_source, kind, operator, ownership, investor_type,
	spaces, investment_wan, stage, planned_open, facility_id, opened_at, created_at`

func scanProject(row scanner) (Project, error) {
	var pr Project
	var fid sql.NullInt64
	var opened sql.NullTime
	err := row.Scan(&pr.ID, &pr.OrgUnitID, &pr.OrgPath, &pr.Name, &pr.Address, &pr.Lat, &pr.Lng, &pr.LandSource, &pr.Kind,
		&pr.Operator, &pr.Ownership, &pr.InvestorType, &pr.Spaces, &pr.InvestmentWan, &pr.Stage, &pr.PlannedOpen, &fid,
		&opened, &pr.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return pr, db.ErrNotFound
	}
	pr.FacilityID = fid.Int64
	if opened.Valid {
		t := opened.Time.UTC()
		pr.OpenedAt = &t
	}
	pr.CreatedAt = pr.CreatedAt.UTC()
	return pr, err
}

// Projects lists the projects of p's scope.
func (s *Service) Projects(ctx context.Context, p *auth.Principal) ([]Project, error) {
	scope, args := p.ScopeSQL("org_path")
	rows, err := s.DB.Query(ctx, `SELECT `+projectCols+` FROM parking_projects WHERE `+scope+` ORDER BY created_at DESC, id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Project
	for rows.Next() {
		pr, err := scanProject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, pr)
	}
	return out, rows.Err()
}

// GetProject reads a project in p's scope with its milestones.
func (s *Service) GetProject(ctx context.Context, q db.Querier, p *auth.Principal, id int64) (Project, error) {
	scope, args := p.ScopeSQL("org_path")
	pr, err := scanProject(q.QueryRow(ctx, `SELECT `+projectCols+` FROM parking_projects WHERE id = ? AND `+scope, append([]any{id}, args...)...))
	if err != nil {
		return pr, err
	}
	rows, err := q.Query(ctx, `SELECT stage, at, note, actor FROM parking_project_milestones WHERE project_id = ? ORDER BY at, id`, id)
	if err != nil {
		return pr, err
	}
	defer rows.Close()
	for rows.Next() {
		var m Milestone
		if err := rows.Scan(&m.Stage, &m.At, &m.Note, &m.Actor); err != nil {
			return pr, err
		}
		pr.Milestones = append(pr.Milestones, m)
	}
	return pr, rows.Err()
}

// CreateProject records a planned project at the unit pr.OrgUnitID.
func (s *Service) CreateProject(ctx context.Context, p *auth.Principal, pr Project) (Project, error) {
	if err := pr.validate(); err != nil {
		return pr, err
	}
	now := s.now()
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		path, err := unitPath(ctx, tx, p, pr.OrgUnitID)
		if errors.Is(err, db.ErrNotFound) {
			return ferr("org_unit_id", "not_found", "所属单位不在您的辖区内", "The unit is not in your jurisdiction")
		} else if err != nil {
			return err
		}
		if !allowed(p, cmdEdit, path) {
			return errForbidden
		}
		pr.OrgPath, pr.Stage, pr.CreatedAt = path, StagePlanned, now
		return s.insertProject(ctx, tx, p, &pr, now)
	})
	return pr, err
}

func (s *Service) insertProject(ctx context.Context, tx *db.Tx, p *auth.Principal, pr *Project, now time.Time) error {
	if err := tx.QueryRow(ctx, `INSERT INTO parking_projects (org_unit_id, org_path, name, address, lat, lng, land_source, kind,
		operator, ownership, investor_type, spaces, investment_wan, stage, planned_open, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, pr.OrgUnitID, pr.OrgPath, pr.Name, pr.Address,
		pr.Lat, pr.Lng, pr.LandSource, string(pr.Kind), pr.Operator, string(pr.Ownership), pr.InvestorType, pr.Spaces,
		pr.InvestmentWan, pr.Stage, pr.PlannedOpen, now, now).Scan(&pr.ID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO parking_project_milestones (project_id, stage, at, note, actor) VALUES (?, ?, ?, ?, ?)`,
		pr.ID, pr.Stage, now, "", p.Name); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "parking.project.create", ObjectType: "parking_project",
		ObjectID: strconv.FormatInt(pr.ID, 10), Detail: pr.Name, OrgPath: pr.OrgPath})
}

// Advance moves a project to its next stage; reaching "opened" registers
// its facility (public lot, open 24 hours, all spaces public) in the same
// transaction.
func (s *Service) Advance(ctx context.Context, p *auth.Principal, id int64, note string) (Project, error) {
	var pr Project
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		var err error
		pr, err = s.GetProject(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !allowed(p, cmdEdit, pr.OrgPath) {
			return errForbidden
		}
		return s.advanceTx(ctx, tx, p, &pr, note, s.now())
	})
	return pr, s.touched(err)
}

func (s *Service) advanceTx(ctx context.Context, tx *db.Tx, p *auth.Principal, pr *Project, note string, now time.Time) error {
	i := 0
	for i < len(Stages) && Stages[i] != pr.Stage {
		i++
	}
	if i+1 >= len(Stages) {
		return ErrState
	}
	pr.Stage = Stages[i+1]
	if pr.Stage == StageOpened {
		f := Facility{OrgUnitID: pr.OrgUnitID, OrgPath: pr.OrgPath, Code: fmt.Sprintf("XM-%d", pr.ID), Name: pr.Name,
			Kind: pr.Kind, Operator: pr.Operator, Ownership: pr.Ownership, Address: pr.Address, Lat: pr.Lat, Lng: pr.Lng,
			TotalSpaces: pr.Spaces, PublicSpaces: pr.Spaces, ReservableSpaces: pr.Spaces / 5, VehicleClass: AnyVehicles,
			Hours: Hours{Always: true}, Status: Open, ProjectID: pr.ID,
			Tariff: Tariff{FreeMinutes: 15, HourCents: 300, DayCapCents: 2000, NightHourCents: 100, NightFrom: 1200, NightUntil: 480}}
		if err := f.Validate(); err != nil {
			return err
		}
		if err := s.insertFacility(ctx, tx, &f, now); err != nil {
			return err
		}
		pr.FacilityID, pr.OpenedAt = f.ID, &now
	}
	var fid, opened any
	if pr.FacilityID != 0 {
		fid, opened = pr.FacilityID, now
	}
	if _, err := tx.Exec(ctx, `UPDATE parking_projects SET stage = ?, facility_id = COALESCE(?, facility_id),
		opened_at = COALESCE(?, opened_at), updated_at = ? WHERE id = ?`, pr.Stage, fid, opened, now, pr.ID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO parking_project_milestones (project_id, stage, at, note, actor) VALUES (?, ?, ?, ?, ?)`,
		pr.ID, pr.Stage, now, strings.TrimSpace(note), p.Name); err != nil {
		return err
	}
	pr.Milestones = append(pr.Milestones, Milestone{Stage: pr.Stage, At: now, Note: note, Actor: p.Name})
	return audit.Record(ctx, tx, audit.Entry{Action: "parking.project.advance", ObjectType: "parking_project",
		ObjectID: strconv.FormatInt(pr.ID, 10), Detail: pr.Stage, OrgPath: pr.OrgPath})
}

// HTTP.

type boardView struct {
	Columns     []boardColumn
	Stats       Stats
	Units       []unitOption
	Kinds       []Kind
	Owners      []Ownership
	LandSources []string
	Form        map[string]string
}

type boardColumn struct {
	Stage    string
	Projects []Project
	Spaces   int
}

func (h *Web) projectRoutes() []web.Route {
	const tag = "parking"
	return []web.Route{
		{Pattern: "GET /parking/projects", Access: staffView, Handler: h.boardPage},
		{Pattern: "POST /parking/projects", Access: staffEdit, Handler: h.projectPost},
		{Pattern: "GET /parking/projects/{id}", Access: staffView, Handler: h.projectPage, Resource: "parking_project"},
		{Pattern: "POST /parking/projects/{id}/advance", Access: staffEdit, Handler: h.advancePost, Resource: "parking_project"},
		{Pattern: "GET /api/v1/parking/projects", Access: staffView, Handler: h.projectsAPI, Doc: &web.APIDoc{
			Summary: "Supply projects in my jurisdiction (加法/减法)", Tag: tag, Response: ProjectsResponse{}}},
		{Pattern: "POST /api/v1/parking/projects", Access: staffEdit, Handler: h.createProjectAPI, Doc: &web.APIDoc{
			Summary: "Record a planned supply project (location in wgs84, gcj02 or bd09)", Tag: tag, Request: ProjectInput{},
			Response: Project{}, Status: http.StatusCreated, Errors: []int{422}}},
		{Pattern: "GET /api/v1/parking/projects/{id}", Access: staffView, Handler: h.projectAPI, Resource: "parking_project",
			Doc: &web.APIDoc{Summary: "One supply project with its milestones", Tag: tag, Response: Project{}}},
		{Pattern: "POST /api/v1/parking/projects/{id}/advance", Access: staffEdit, Handler: h.advanceAPI, Resource: "parking_project",
			Doc: &web.APIDoc{Summary: "Move a project to its next stage; opening registers its facility", Tag: tag,
				Request: AdvanceInput{}, Response: Project{}, Errors: []int{409, 422}}},
		{Pattern: "GET /api/v1/parking/stats", Access: staffView, Handler: h.statsAPI, Doc: &web.APIDoc{
			Summary: "The campaign's figures: new public parking spaces (from opened projects), sharing sites, spaces", Tag: tag,
			Query: []web.Param{{Name: "from", Description: "YYYY-MM-DD (local), default the beginning"},
				{Name: "to", Description: "YYYY-MM-DD (local, exclusive), default now"}}, Response: Stats{}, Errors: []int{422}}},
	}
}

// ProjectsResponse lists projects.
type ProjectsResponse struct {
	Items []Project `json:"items"`
}

// ProjectInput is a project as the API takes it.
type ProjectInput struct {
	Project
	Coord string `json:"coord,omitempty" doc:"wgs84 (default), gcj02 or bd09"`
}

// AdvanceInput notes a stage change.
type AdvanceInput struct {
	Note string `json:"note"`
}

func (h *Web) boardView(r *http.Request) (boardView, error) {
	p := auth.FromContext(r.Context())
	prs, err := h.S.Projects(r.Context(), p)
	if err != nil {
		return boardView{}, err
	}
	v := boardView{Units: h.units(r), Kinds: Kinds, Owners: Ownerships, LandSources: LandSources, Form: map[string]string{}}
	for _, st := range Stages {
		col := boardColumn{Stage: st}
		for _, pr := range prs {
			if pr.Stage == st {
				col.Projects = append(col.Projects, pr)
				col.Spaces += pr.Spaces
			}
		}
		v.Columns = append(v.Columns, col)
	}
	v.Stats, err = h.S.Stats(r.Context(), p, time.Time{}, h.S.now())
	return v, err
}

func (h *Web) boardPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.boardView(r)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "projects", "parking.projects.title", v, nil)
}

func projectFromForm(r *http.Request) (Project, error) {
	v := r.PostForm
	pr := Project{Name: v.Get("name"), Address: v.Get("address"), LandSource: v.Get("land_source"), Kind: Kind(v.Get("kind")),
		Operator: v.Get("operator"), Ownership: Ownership(v.Get("ownership")), InvestorType: v.Get("investor_type"),
		Spaces: atoi(v.Get("spaces")), PlannedOpen: v.Get("planned_open")}
	pr.OrgUnitID, _ = strconv.ParseInt(v.Get("org_unit_id"), 10, 64)
	pr.InvestmentWan, _ = strconv.ParseInt(v.Get("investment_wan"), 10, 64)
	pr.Lat, _ = strconv.ParseFloat(v.Get("lat"), 64)
	pr.Lng, _ = strconv.ParseFloat(v.Get("lng"), 64)
	in := ProjectInput{Project: pr, Coord: v.Get("coord")}
	return in.Project, in.toWGS84()
}

func (in *ProjectInput) toWGS84() error {
	if in.Coord == "" {
		return nil
	}
	sys, err := geo.ParseSystem(in.Coord)
	if err != nil {
		return ferr("coord", "invalid", "坐标系须为 wgs84、gcj02 或 bd09", "coord must be wgs84, gcj02 or bd09")
	}
	pt := geo.Convert(geo.Point{Lat: in.Lat, Lng: in.Lng}, sys, geo.WGS84)
	in.Lat, in.Lng = pt.Lat, pt.Lng
	return nil
}

func (h *Web) projectPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	pr, err := projectFromForm(r)
	if err == nil {
		pr, err = h.S.CreateProject(r.Context(), auth.FromContext(r.Context()), pr)
	}
	if errs, ok := fieldMap(r, err); ok {
		v, err := h.boardView(r)
		if err != nil {
			pageFail(w, r, err)
			return
		}
		for k := range r.PostForm {
			v.Form[k] = r.PostForm.Get(k)
		}
		render(w, r, http.StatusUnprocessableEntity, "projects", "parking.projects.title", v, errs)
		return
	}
	if err != nil {
		pageFail(w, r, err)
		return
	}
	web.SetFlash(w, web.T(web.LangOf(r), "parking.projects.created"))
	http.Redirect(w, r, fmt.Sprintf("/parking/projects/%d", pr.ID), http.StatusSeeOther)
}

func (h *Web) projectPage(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	pr, err := h.S.GetProject(r.Context(), h.S.DB, auth.FromContext(r.Context()), id)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	next := ""
	for i, st := range Stages {
		if st == pr.Stage && i+1 < len(Stages) {
			next = Stages[i+1]
		}
	}
	v := web.NewView(r, "parking", map[string]any{"P": pr, "Next": next})
	v.Title = pr.Name
	v.Errors = map[string]string{}
	pages.Render(w, r, http.StatusOK, "project", v)
}

func (h *Web) advancePost(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	p := auth.FromContext(r.Context())
	if _, err := h.S.GetProject(r.Context(), h.S.DB, p, id); err != nil {
		pageFail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	pr, err := h.S.Advance(r.Context(), p, id, r.PostFormValue("note"))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	web.SetFlash(w, web.T(web.LangOf(r), "parking.projects.advanced", web.T(web.LangOf(r), "parking.stage."+pr.Stage)))
	http.Redirect(w, r, fmt.Sprintf("/parking/projects/%d", id), http.StatusSeeOther)
}

func (h *Web) projectsAPI(w http.ResponseWriter, r *http.Request) {
	prs, err := h.S.Projects(r.Context(), auth.FromContext(r.Context()))
	if err != nil {
		fail(w, r, err)
		return
	}
	if prs == nil {
		prs = []Project{}
	}
	web.WriteJSON(w, http.StatusOK, ProjectsResponse{Items: prs})
}

func (h *Web) projectAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	pr, err := h.S.GetProject(r.Context(), h.S.DB, auth.FromContext(r.Context()), id)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, pr)
}

func (h *Web) createProjectAPI(w http.ResponseWriter, r *http.Request) {
	var in ProjectInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	if err := in.toWGS84(); err != nil {
		fail(w, r, err)
		return
	}
	pr, err := h.S.CreateProject(r.Context(), auth.FromContext(r.Context()), in.Project)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, pr)
}

func (h *Web) advanceAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	p := auth.FromContext(r.Context())
	if _, err := h.S.GetProject(r.Context(), h.S.DB, p, id); err != nil {
		fail(w, r, err)
		return
	}
	var in AdvanceInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	pr, err := h.S.Advance(r.Context(), p, id, in.Note)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, pr)
}

func (h *Web) statsAPI(w http.ResponseWriter, r *http.Request) {
	var from, to time.Time
	to = h.S.now()
	var es fieldErrors
	if s := r.URL.Query().Get("from"); s != "" {
		t, err := time.ParseInLocation(time.DateOnly, s, h.S.Loc)
		if err != nil {
			es = append(es, ferr("from", "invalid", "日期格式须为 YYYY-MM-DD", "from must be YYYY-MM-DD"))
		}
		from = t
	}
	if s := r.URL.Query().Get("to"); s != "" {
		t, err := time.ParseInLocation(time.DateOnly, s, h.S.Loc)
		if err != nil {
			es = append(es, ferr("to", "invalid", "日期格式须为 YYYY-MM-DD", "to must be YYYY-MM-DD"))
		}
		to = t
	}
	if len(es) > 0 {
		fail(w, r, es)
		return
	}
	st, err := h.S.Stats(r.Context(), auth.FromContext(r.Context()), from, to)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, st)
}
