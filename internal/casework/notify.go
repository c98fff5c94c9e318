package casework

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Audiences of a notice.
const (
	AudienceStaff = "staff" // handlers: a person or a unit's staff
	AudienceParty = "party" // the petitioner, applicant or company
)

// Notice is one message about a case: shown in the recipient's in-app inbox
// and, if a channel takes it, sent out (webhook, SMS).
type Notice struct {
	ID       int64  `json:"id"`
	CaseID   int64  `json:"case_id"`
	Number   string `json:"case_number,omitempty"`
	Kind     string `json:"kind"`
	Audience string `json:"audience"`
	// UserID addresses one person (an assignee, a party with an account);
	// otherwise the notice is for the staff of UnitID.
	UserID       int64     `json:"user_id,omitempty"`
	UnitID       int64     `json:"unit_id,omitempty"`
	OrgPath      string    `json:"-"`
	DepartmentID int64     `json:"department_id,omitempty"`
	Text         string    `json:"text"`
	CreatedAt    time.Time `json:"created_at"`
	ReadAt       time.Time `json:"read_at,omitzero"`
}

// Channel delivers notices outside the platform.
type Channel interface {
	Name() string
	// Accepts tells whether the channel carries this notice at all.
	Accepts(n Notice) bool
	// Deliver sends it; phone is the party's number for party notices.
	Deliver(ctx context.Context, n Notice, phone string) error
}

func (e *Engine) outState(n Notice) string {
	for _, ch := range e.Channels {
		if ch.Accepts(n) {
			return "pending"
		}
	}
	return "none"
}

// insertNotices writes notices of case c in the transaction.
func (e *Engine) insertNotices(ctx context.Context, ex db.Execer, c *Case, ns []Notice, now time.Time) error {
	for _, n := range ns {
		if n.Audience == "" {
			n.Audience = AudienceStaff
		}
		if n.Audience == AudienceStaff && n.UserID == 0 && n.UnitID == 0 {
			n.UnitID = c.OrgUnitID
		}
		if n.OrgPath == "" {
			n.OrgPath = c.OrgPath
		}
		if n.Audience == AudienceParty && n.UserID == 0 && c.PartyPhone == "" {
			continue // nobody to tell
		}
		n.CaseID = c.ID
		if _, err := ex.Exec(ctx, `INSERT INTO case_notifications (case_id, kind, audience, recipient_user_id, recipient_unit_id,
			org_path, department_id, text, created_at, out_state, out_attempts, out_error)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')`,
			c.ID, n.Kind, n.Audience, ni(n.UserID), ni(n.UnitID), n.OrgPath, ni(n.DepartmentID), n.Text, now, e.outState(n)); err != nil {
			return fmt.Errorf("insert notice: %w", err)
		}
	}
	return nil
}

// inboxSQL selects the notices addressed to p: to p in person, or — staff —
// to p's unit (and department, if the notice names one and p has one).
func inboxSQL(p *auth.Principal) (string, []any) {
	if p.UserID == 0 {
		return "1 = 0", nil
	}
	if !p.Role.IsStaff() {
		return "n.recipient_user_id = ?", []any{p.UserID}
	}
	return `(n.recipient_user_id = ? OR (n.recipient_user_id IS NULL AND n.audience = 'staff' AND n.recipient_unit_id = ?
		AND (n.department_id IS NULL OR ? = 0 OR n.department_id = ?)))`,
		[]any{p.UserID, p.OrgUnitID, p.DepartmentID, p.DepartmentID}
}

// Inbox lists the notices of the principal of ctx, newest first, and how
// many are unread.
func (e *Engine) Inbox(ctx context.Context, unreadOnly bool, limit, offset int) (items []Notice, total, unread int, err error) {
	p := auth.FromContext(ctx)
	where, args := inboxSQL(p)
	if err := e.DB.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN n.read_at IS NULL THEN 1 ELSE 0 END), 0)
		FROM case_notifications n WHERE `+where, args...).Scan(&total, &unread); err != nil {
		return nil, 0, 0, err
	}
	if unreadOnly {
		where += " AND n.read_at IS NULL"
		total = unread
	}
	rows, err := e.DB.Query(ctx, `SELECT n.id, n.case_id, c.number, n.kind, n.audience, n.recipient_user_id, n.recipient_unit_id,
		n.department_id, n.text, n.created_at, n.read_at FROM case_notifications n JOIN cases c ON c.id = n.case_id
		WHERE `+where+` ORDER BY n.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rows.Close()
	items = []Notice{}
	for rows.Next() {
		var n Notice
		var user, unit, dept sql.NullInt64
		var read sql.NullTime
		if err := rows.Scan(&n.ID, &n.CaseID, &n.Number, &n.Kind, &n.Audience, &user, &unit, &dept, &n.Text, &n.CreatedAt, &read); err != nil {
			return nil, 0, 0, err
		}
		n.UserID, n.UnitID, n.DepartmentID, n.ReadAt, n.CreatedAt = user.Int64, unit.Int64, dept.Int64, utc(read), n.CreatedAt.UTC()
		items = append(items, n)
	}
	return items, total, unread, rows.Err()
}

// MarkRead marks notice id read for the principal of ctx (db.ErrNotFound if
// it is not addressed to them).
func (e *Engine) MarkRead(ctx context.Context, id int64) error {
	p := auth.FromContext(ctx)
	where, args := inboxSQL(p)
	var n int
	if err := e.DB.QueryRow(ctx, `SELECT COUNT(*) FROM case_notifications n WHERE n.id = ? AND `+where,
		append([]any{id}, args...)...).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return db.ErrNotFound
	}
	_, err := e.DB.Exec(ctx, `UPDATE case_notifications SET read_at = ? WHERE id = ? AND read_at IS NULL`, e.now(), id)
	return err
}

// maxAttempts of an outbound delivery before it is given up (still in the inbox).
const maxAttempts = 5

// Dispatch sends pending outbound notices once: it claims a batch (on
// PostgreSQL with SKIP LOCKED, so several processes share the queue without
// sending one notice twice), delivers each through the channels that accept
// it, and records the outcome. A claim left by a process that died is taken
// again after claimTimeout, so delivery is at least once; receivers dedupe
// on the notice id (X-Anju-Delivery).
func (e *Engine) Dispatch(ctx context.Context) (sent int, err error) {
	if len(e.Channels) == 0 {
		return 0, nil
	}
	now := e.now()
	lock := ""
	if e.DB.Dialect == db.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var batch []Notice
	err = e.DB.Tx(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE case_notifications SET out_state = 'sending', out_claimed_at = ?, out_attempts = out_attempts + 1
			WHERE id IN (SELECT id FROM case_notifications WHERE out_state = 'pending' OR (out_state = 'sending' AND out_claimed_at < ?)
				ORDER BY id LIMIT 100`+lock+`)
			RETURNING id, case_id, kind, audience, recipient_user_id, recipient_unit_id, department_id, text, created_at`,
			now, now.Add(-claimTimeout))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n Notice
			var user, unit, dept sql.NullInt64
			if err := rows.Scan(&n.ID, &n.CaseID, &n.Kind, &n.Audience, &user, &unit, &dept, &n.Text, &n.CreatedAt); err != nil {
				return err
			}
			n.UserID, n.UnitID, n.DepartmentID = user.Int64, unit.Int64, dept.Int64
			batch = append(batch, n)
		}
		return rows.Err()
	})
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	for _, n := range batch {
		var phone string
		_ = e.DB.QueryRow(ctx, `SELECT number, party_phone FROM cases WHERE id = ?`, n.CaseID).Scan(&n.Number, &phone)
		var errs []string
		for _, ch := range e.Channels {
			if !ch.Accepts(n) {
				continue
			}
			if err := ch.Deliver(ctx, n, phone); err != nil {
				errs = append(errs, ch.Name()+": "+err.Error())
			}
		}
		state, msg := "sent", ""
		if len(errs) > 0 {
			msg = strings.Join(errs, "; ")
			state = "pending"
			var attempts int
			_ = e.DB.QueryRow(ctx, `SELECT out_attempts FROM case_notifications WHERE id = ?`, n.ID).Scan(&attempts)
			if attempts >= maxAttempts {
				state = "failed"
			}
		} else {
			sent++
		}
		var sentAt time.Time
		if state == "sent" {
			sentAt = e.now()
		}
		if _, err := e.DB.Exec(ctx, `UPDATE case_notifications SET out_state = ?, out_sent_at = ?, out_error = ? WHERE id = ?`,
			state, nt(sentAt), msg, n.ID); err != nil {
			return sent, err
		}
	}
	return sent, nil
}

const claimTimeout = 5 * time.Minute

// WebhookChannel POSTs staff notices as JSON to a URL, signed with
// HMAC-SHA256 of the body (header X-Anju-Signature: sha256=…) and carrying
// the notice id (X-Anju-Delivery) for deduplication. Party notices are not
// sent: they carry personal data.
type WebhookChannel struct {
	URL    string
	Secret string
	Client *http.Client
}

func (w *WebhookChannel) Name() string { return "webhook" }

func (w *WebhookChannel) Accepts(n Notice) bool { return w.URL != "" && n.Audience == AudienceStaff }

func (w *WebhookChannel) Deliver(ctx context.Context, n Notice, _ string) error {
	body, err := json.Marshal(map[string]any{"id": n.ID, "case_id": n.CaseID, "case_number": n.Number, "kind": n.Kind,
		"text": n.Text, "unit_id": n.UnitID, "user_id": n.UserID, "created_at": n.CreatedAt})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Anju-Delivery", strconv.FormatInt(n.ID, 10))
	if w.Secret != "" {
		m := hmac.New(sha256.New, []byte(w.Secret))
		m.Write(body)
		req.Header.Set("X-Anju-Signature", "sha256="+hex.EncodeToString(m.Sum(nil)))
	}
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// SMSChannel texts party notices to the party's phone through an
// auth.SMSSender (auth.LogSMS is the development sink that only logs).
type SMSChannel struct{ Sender auth.SMSSender }

func (s *SMSChannel) Name() string { return "sms" }

func (s *SMSChannel) Accepts(n Notice) bool { return s.Sender != nil && n.Audience == AudienceParty }

func (s *SMSChannel) Deliver(ctx context.Context, n Notice, phone string) error {
	if phone == "" {
		return nil // an account-only party: the inbox has it
	}
	return s.Sender.Send(ctx, phone, "【安居】"+n.Text)
}

// RunDispatcher drains the outbound queue every interval until ctx ends.
func (e *Engine) RunDispatcher(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for {
				n, err := e.Dispatch(ctx)
				logErr("casework dispatch", err)
				if err != nil || n < 100 {
					break
				}
			}
		}
	}
}
