package property

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"anju/internal/home"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// Objection is a company's objection (异议) to a fact about it: filed with
// reasons and evidence, answered within the working days the published
// rules set (20 by default, as in Shanghai); the fact is marked disputed
// meanwhile. Upheld, the fact is void and the company's results are
// computed again; rejected, the fact stands.
type Objection struct {
	ID          int64          `json:"id"`
	CompanyID   int64          `json:"company_id"`
	CompanyName string         `json:"company_name"`
	Fact        Fact           `json:"fact"`
	OrgPath     string         `json:"-"`
	Reason      string         `json:"reason"`
	Evidence    string         `json:"evidence"`
	FiledAt     time.Time      `json:"filed_at"`
	DueOn       workday.Date   `json:"due_on" doc:"answer due by this day (working days from filing, the filing day not counted)"`
	Status      string         `json:"status" doc:"open, upheld or rejected"`
	Answer      string         `json:"answer"`
	AnsweredAt  *time.Time     `json:"answered_at,omitempty"`
	Files       []EvidenceFile `json:"files"`
	Overdue     bool           `json:"overdue" doc:"open past its due day"`
}

// EvidenceFile is an uploaded piece of evidence.
type EvidenceFile struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	data        []byte
}

// Limits of evidence uploads.
const (
	maxEvidenceFiles = 3
	maxEvidenceBytes = 5 << 20
)

var evidenceTypes = map[string]bool{"application/pdf": true, "image/jpeg": true, "image/png": true}

// defaultObjectionWorkdays applies while no rules are published.
const defaultObjectionWorkdays = 20

// ObjectionInput is what a company files.
type ObjectionInput struct {
	FactID   int64  `json:"fact_id"`
	Reason   string `json:"reason"`
	Evidence string `json:"evidence" doc:"what the evidence shows; files are uploaded with the form"`
}

// objectionWorkdays is the answer period of the rules in effect on d.
func (s *Service) objectionWorkdays(ctx context.Context, q db.Querier, d workday.Date) (int, error) {
	rs, err := s.ruleSet(ctx, q, `status = 'published' AND effective_from <= ? ORDER BY effective_from DESC, version DESC LIMIT 1`, d.String())
	if errors.Is(err, db.ErrNotFound) {
		return defaultObjectionWorkdays, nil
	}
	if err != nil {
		return 0, err
	}
	return rs.ObjectionWorkdays, nil
}

// dueDate is the day an objection filed on d must be answered by.
func (s *Service) dueDate(ctx context.Context, q db.Querier, d workday.Date) (workday.Date, error) {
	n, err := s.objectionWorkdays(ctx, q, d)
	if err != nil {
		return workday.Date{}, err
	}
	due, err := s.Calendar.AddWorkdays(d, n)
	var nd *workday.NoDataError
	if errors.As(err, &nd) {
		return workday.Date{}, conflictf("工作日历缺少 %d 年的节假日数据，无法计算答复期限，请系统管理员导入", "the working-day calendar has no data for %d, so the answer's due date cannot be computed; ask the system administrator to load it", nd.Year)
	}
	return due, err
}

// FileObjection files an objection of the caller's company against one of
// its facts, with evidence files.
func (s *Service) FileObjection(ctx context.Context, in ObjectionInput, files []EvidenceFile) (Objection, error) {
	p := auth.FromContext(ctx)
	in.Reason, in.Evidence = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Evidence)
	var fe fieldErrors
	if e := checkText("reason", in.Reason, 2000, true); e != nil {
		fe = append(fe, e)
	}
	if e := checkText("evidence", in.Evidence, 2000, false); e != nil {
		fe = append(fe, e)
	}
	if in.Evidence == "" && len(files) == 0 {
		fe = append(fe, ferr("evidence", "required", "请说明证据或上传证据材料", "describe the evidence or upload it"))
	}
	if len(files) > maxEvidenceFiles {
		fe = append(fe, ferr("files", "too_many", fmt.Sprintf("最多上传 %d 个文件", maxEvidenceFiles), fmt.Sprintf("at most %d files", maxEvidenceFiles)))
	}
	for _, f := range files {
		if !evidenceTypes[f.ContentType] {
			fe = append(fe, ferr("files", "type", "证据材料只接受 PDF、JPG、PNG 文件", "evidence must be PDF, JPG or PNG files"))
			break
		}
		if f.Size > maxEvidenceBytes {
			fe = append(fe, ferr("files", "too_large", "单个文件不超过 5 MB", "each file at most 5 MB"))
			break
		}
	}
	if err := fe.err(); err != nil {
		return Objection{}, err
	}
	own, err := s.companyOf(ctx, p)
	if err != nil {
		return Objection{}, err
	}
	var id int64
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		f, err := s.factWhere(ctx, tx, auth.System("property"), "f.id = ?", in.FactID)
		if errors.Is(err, db.ErrNotFound) || (err == nil && f.CompanyID != own) {
			// Another company's fact does not exist for this company.
			return db.ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := rule(p, cmdFileObjection, target{Path: f.OrgPath, State: f.State(), CompanyID: f.CompanyID, OwnCompany: own}); err != nil {
			return err
		}
		var open int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM property_objections WHERE fact_id = ? AND status = 'open'`, f.ID).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return conflictf("该事项已有异议在办理中", "an objection to this item is already being handled")
		}
		now := s.stamp()
		due, err := s.dueDate(ctx, tx, workday.DateOf(now, locOf()))
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO property_objections (company_id, fact_id, org_path, reason, evidence, filed_by, filed_at,
			due_on, status, answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', '') RETURNING id`, f.CompanyID, f.ID, f.OrgPath, in.Reason,
			in.Evidence, nullID(p.UserID), now, due.String()).Scan(&id); err != nil {
			return err
		}
		for _, file := range files {
			if _, err := tx.Exec(ctx, `INSERT INTO property_objection_files (objection_id, name, content_type, size, data, created_at)
				VALUES (?, ?, ?, ?, ?, ?)`, id, file.Name, file.ContentType, file.Size, file.data, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE credit_facts SET disputed = 1 WHERE id = ?`, f.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "property.objection.file", ObjectType: "property_objection",
			ObjectID: fmt.Sprint(id), Detail: fmt.Sprintf("fact %d (%s), due %s, %d files", f.ID, f.Kind, due, len(files)),
			OrgPath: f.OrgPath})
	})
	if err != nil {
		return Objection{}, err
	}
	return s.objectionWhere(ctx, s.DB, "o.id = ?", id)
}

// AnswerObjection decides an open objection: upheld voids the fact and
// computes the company's results again; rejected leaves it standing.
func (s *Service) AnswerObjection(ctx context.Context, id int64, decision, answer string) (Objection, error) {
	p := auth.FromContext(ctx)
	answer = strings.TrimSpace(answer)
	var fe fieldErrors
	if decision != objUpheld && decision != objRejected {
		fe = append(fe, ferr("decision", "invalid", "请选择异议成立或不成立", "choose upheld or rejected"))
	}
	if e := checkText("answer", answer, 2000, true); e != nil {
		fe = append(fe, e)
	}
	if err := fe.err(); err != nil {
		return Objection{}, err
	}
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		o, err := s.objectionScoped(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := rule(p, cmdAnswerObjection, target{Path: o.OrgPath, State: o.Status}); err != nil {
			return err
		}
		now := s.stamp()
		if _, err := tx.Exec(ctx, `UPDATE property_objections SET status = ?, answer = ?, answered_by = ?, answered_at = ? WHERE id = ?`,
			decision, answer, nullID(p.UserID), now, id); err != nil {
			return err
		}
		amended := 0
		if decision == objUpheld {
			if _, err := tx.Exec(ctx, `UPDATE credit_facts SET disputed = 0, voided = 1, void_reason = ? WHERE id = ?`,
				"异议成立 objection upheld: "+answer, o.Fact.ID); err != nil {
				return err
			}
			if amended, err = s.rescore(ctx, tx, o.CompanyID, o.Fact.ValidFrom); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `UPDATE credit_facts SET disputed = 0 WHERE id = ?`, o.Fact.ID); err != nil {
			return err
		}
		late := ""
		if workday.DateOf(now, locOf()).After(o.DueOn) {
			late = ", answered after the due day " + o.DueOn.String()
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "property.objection.answer", ObjectType: "property_objection",
			ObjectID: fmt.Sprint(id), Detail: fmt.Sprintf("%s; fact %d; %d results amended%s", decision, o.Fact.ID, amended, late),
			OrgPath: o.OrgPath})
	})
	if err != nil {
		return Objection{}, err
	}
	return s.objectionWhere(ctx, s.DB, "o.id = ?", id)
}

const objectionSelect = `SELECT o.id, o.company_id, co.name, o.fact_id, o.org_path, o.reason, o.evidence, o.filed_at, o.due_on,
	o.status, o.answer, o.answered_at FROM property_objections o JOIN property_companies co ON co.id = o.company_id`

func (s *Service) scanObjection(ctx context.Context, q db.Querier, sc interface{ Scan(...any) error }) (Objection, error) {
	var o Objection
	var factID int64
	var due string
	var answered sql.NullTime
	if err := sc.Scan(&o.ID, &o.CompanyID, &o.CompanyName, &factID, &o.OrgPath, &o.Reason, &o.Evidence, &o.FiledAt, &due,
		&o.Status, &o.Answer, &answered); err != nil {
		return o, err
	}
	o.DueOn = mustDate(due)
	if answered.Valid {
		o.AnsweredAt = &answered.Time
	}
	o.Overdue = o.Status == objOpen && s.today().After(o.DueOn)
	o.Fact.ID = factID
	return o, nil
}

// objectionWhere reads one objection with its fact and files (no scope).
func (s *Service) objectionWhere(ctx context.Context, q db.Querier, cond string, args ...any) (Objection, error) {
	o, err := s.scanObjection(ctx, q, q.QueryRow(ctx, objectionSelect+` WHERE `+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Objection{}, db.ErrNotFound
	}
	if err != nil {
		return o, err
	}
	if o.Fact, err = s.factWhere(ctx, q, auth.System("property"), "f.id = ?", o.Fact.ID); err != nil {
		return o, err
	}
	o.Files, err = objectionFiles(ctx, q, o.ID)
	return o, err
}

// objectionScoped reads objection id if it lies in p's scope.
func (s *Service) objectionScoped(ctx context.Context, q db.Querier, p *auth.Principal, id int64) (Objection, error) {
	scope, args := p.ScopeSQL("o.org_path")
	return s.objectionWhere(ctx, q, "o.id = ? AND "+scope, append([]any{id}, args...)...)
}

// Objection returns objection id in p's scope.
func (s *Service) Objection(ctx context.Context, p *auth.Principal, id int64) (Objection, error) {
	return s.objectionScoped(ctx, s.DB, p, id)
}

func objectionFiles(ctx context.Context, q db.Querier, id int64) ([]EvidenceFile, error) {
	rows, err := q.Query(ctx, `SELECT id, name, content_type, size FROM property_objection_files WHERE objection_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []EvidenceFile{}
	for rows.Next() {
		var f EvidenceFile
		if err := rows.Scan(&f.ID, &f.Name, &f.ContentType, &f.Size); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// evidenceFile returns file fid of objection id (already checked in scope).
func (s *Service) evidenceFile(ctx context.Context, id, fid int64) (EvidenceFile, error) {
	var f EvidenceFile
	err := s.DB.QueryRow(ctx, `SELECT id, name, content_type, size, data FROM property_objection_files WHERE id = ? AND objection_id = ?`,
		fid, id).Scan(&f.ID, &f.Name, &f.ContentType, &f.Size, &f.data)
	if errors.Is(err, sql.ErrNoRows) {
		return f, db.ErrNotFound
	}
	return f, err
}

// ObjectionFilter narrows the objection ledger.
type ObjectionFilter struct {
	Status  string // open, upheld, rejected, overdue
	Company int64
	Limit   int
	Offset  int
}

// Objections lists objections in p's scope, soonest due first.
func (s *Service) Objections(ctx context.Context, p *auth.Principal, f ObjectionFilter) ([]Objection, int, error) {
	where, args := p.ScopeSQL("o.org_path")
	return s.listObjections(ctx, where, args, f)
}

// CompanyObjections lists a company's own objections.
func (s *Service) CompanyObjections(ctx context.Context, companyID int64, f ObjectionFilter) ([]Objection, int, error) {
	return s.listObjections(ctx, "o.company_id = ?", []any{companyID}, f)
}

func (s *Service) listObjections(ctx context.Context, where string, args []any, f ObjectionFilter) ([]Objection, int, error) {
	switch f.Status {
	case objOpen, objUpheld, objRejected:
		where += " AND o.status = ?"
		args = append(args, f.Status)
	case "overdue":
		where += " AND o.status = 'open' AND o.due_on < ?"
		args = append(args, s.today().String())
	}
	if f.Company != 0 {
		where += " AND o.company_id = ?"
		args = append(args, f.Company)
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM property_objections o WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	rows, err := s.DB.Query(ctx, objectionSelect+` WHERE `+where+
		` ORDER BY CASE o.status WHEN 'open' THEN 0 ELSE 1 END, o.due_on, o.id DESC LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	var out []Objection
	for rows.Next() {
		o, err := s.scanObjection(ctx, s.DB, rows)
		if err != nil {
			rows.Close()
			return nil, 0, err
		}
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	for i := range out {
		if out[i].Fact, err = s.factWhere(ctx, s.DB, auth.System("property"), "f.id = ?", out[i].Fact.ID); err != nil {
			return nil, 0, err
		}
		if out[i].Files, err = objectionFiles(ctx, s.DB, out[i].ID); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// openObjections counts the open objections in p's scope and how many are overdue.
func (s *Service) openObjections(ctx context.Context, p *auth.Principal) (int, int, error) {
	scope, args := p.ScopeSQL("org_path")
	var n, overdue int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_on < ? THEN 1 ELSE 0 END), 0) FROM property_objections
		WHERE status = 'open' AND `+scope, append([]any{s.today().String()}, args...)...).Scan(&n, &overdue)
	return n, overdue, err
}

// Work is the module's contribution to "my work": open objections to answer.
type Work struct{ S *Service }

// Module implements home.WorkSource.
func (Work) Module() string { return "property" }

// objectionsDue lists the open objections in p's scope due before horizon.
func (w Work) objectionsDue(ctx context.Context, p *auth.Principal, horizon time.Time, limit int) ([]home.WorkItem, int, error) {
	if !auth.Can(p, auth.ActHandleCase) && !auth.Can(p, auth.ActViewRecords) {
		return nil, 0, nil
	}
	s := w.S
	scope, args := p.ScopeSQL("o.org_path")
	until := workday.DateOf(horizon, locOf()).String()
	args = append([]any{until}, args...)
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM property_objections o WHERE o.status = 'open' AND o.due_on <= ? AND `+scope,
		args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.DB.Query(ctx, `SELECT o.id, co.name, o.due_on FROM property_objections o JOIN property_companies co ON co.id = o.company_id
		WHERE o.status = 'open' AND o.due_on <= ? AND `+scope+` ORDER BY o.due_on, o.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []home.WorkItem
	for rows.Next() {
		var id int64
		var name, due string
		if err := rows.Scan(&id, &name, &due); err != nil {
			return nil, 0, err
		}
		// Due at the end of the due day in the city.
		end := mustDate(due).AddDays(1).In(locOf()).Add(-time.Second)
		out = append(out, home.WorkItem{Module: "property", Title: "异议答复 Objection: " + name,
			URL: fmt.Sprintf("/property/objections/%d", id), Due: end, State: objOpen})
	}
	return out, total, rows.Err()
}

// evidenceFromRequest reads the uploaded evidence files of a multipart form.
func evidenceFromRequest(r *http.Request) ([]EvidenceFile, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []EvidenceFile
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Size == 0 {
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		buf := make([]byte, min(fh.Size, maxEvidenceBytes+1))
		n, err := ioReadFull(f, buf)
		f.Close()
		if err != nil {
			return nil, err
		}
		ct := http.DetectContentType(buf[:n])
		out = append(out, EvidenceFile{Name: cleanFileName(fh.Filename), ContentType: ct, Size: fh.Size, data: buf[:n]})
	}
	return out, nil
}
