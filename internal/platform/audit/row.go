package audit

import (
	"database/sql"
	"time"
)

// Row is one stored audit record, every column.
type Row struct {
	ID         int64
	At         time.Time // UTC
	ActorID    *int64    // nil when no account acted (anonymous, system, token)
	ActorName  string
	ActorRole  string
	OrgPath    string
	IP         string
	Action     string
	ObjectType string
	ObjectID   string
	Result     string
	Detail     string
	ChainPos   *int64 // nil until sealed
	PrevHash   string // "" until sealed
	Hash       string // "" until sealed
}

// Sealed tells whether the row is linked into the hash chain yet.
func (r Row) Sealed() bool { return r.ChainPos != nil }

// rowColumns lists the columns in scanRow's order.
const rowColumns = `id, at, actor_id, actor_name, actor_role, org_path, ip, action,
	object_type, object_id, result, detail, chain_pos, prev_hash, hash`

// scanRow reads one row selected with rowColumns.
func scanRow(s interface{ Scan(...any) error }) (Row, error) {
	var r Row
	var actor, pos sql.NullInt64
	var prev, hash sql.NullString
	err := s.Scan(&r.ID, &r.At, &actor, &r.ActorName, &r.ActorRole, &r.OrgPath, &r.IP, &r.Action,
		&r.ObjectType, &r.ObjectID, &r.Result, &r.Detail, &pos, &prev, &hash)
	if err != nil {
		return Row{}, err
	}
	r.At = r.At.UTC()
	if actor.Valid {
		r.ActorID = &actor.Int64
	}
	if pos.Valid {
		r.ChainPos = &pos.Int64
	}
	r.PrevHash, r.Hash = prev.String, hash.String
	return r, nil
}
