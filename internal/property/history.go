package property

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Change is one field of a registry record before and after a change.
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// HistoryEntry is one change of a registry record (a company or a
// compound's record): who, when, which version, and the fields changed.
type HistoryEntry struct {
	ID         int64     `json:"id"`
	ObjectType string    `json:"object_type"`
	ObjectID   int64     `json:"object_id"`
	Version    int       `json:"version"`
	Action     string    `json:"action"`
	Changes    []Change  `json:"changes"`
	ActorName  string    `json:"actor"`
	At         time.Time `json:"at"`
}

// diff lists the fields whose display values differ between before and
// after (same keys, in the order of fields).
func diff(fields []string, before, after map[string]string) []Change {
	var out []Change
	for _, f := range fields {
		if before[f] != after[f] {
			out = append(out, Change{Field: f, Before: before[f], After: after[f]})
		}
	}
	return out
}

// recordChange writes a history row and the audit record of a registry
// change, in the command's transaction.
func recordChange(ctx context.Context, tx *db.Tx, objType string, objID int64, version int, action, orgPath string,
	changes []Change, at time.Time) error {
	p := auth.FromContext(ctx)
	if changes == nil {
		changes = []Change{}
	}
	b, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	var actor any
	if p.UserID != 0 {
		actor = p.UserID
	}
	name := p.Name
	if name == "" {
		name = string(p.Role)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO property_history (object_type, object_id, version, action, org_path, changes,
		actor_id, actor_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		objType, objID, version, action, orgPath, string(b), actor, name, at); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	detail := fmt.Sprintf("v%d, %d fields", version, len(changes))
	if len(changes) > 0 && len(changes) <= 4 {
		detail = fmt.Sprintf("v%d:", version)
		for _, c := range changes {
			detail += " " + c.Field
		}
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "property." + objType + "." + action, ObjectType: "property_" + objType,
		ObjectID: fmt.Sprint(objID), Detail: detail, OrgPath: orgPath})
}

// History lists the changes of one record, newest first. The caller has
// checked the record lies in scope.
func (s *Service) History(ctx context.Context, objType string, objID int64, limit int) ([]HistoryEntry, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, object_type, object_id, version, action, changes, actor_name, at
		FROM property_history WHERE object_type = ? AND object_id = ? ORDER BY id DESC LIMIT ?`, objType, objID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		var changes string
		if err := rows.Scan(&h.ID, &h.ObjectType, &h.ObjectID, &h.Version, &h.Action, &changes, &h.ActorName, &h.At); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(changes), &h.Changes)
		out = append(out, h)
	}
	return out, rows.Err()
}
