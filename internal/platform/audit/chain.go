package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/db"
)

// genesisHash is the prev_hash of the first record ever sealed.
var genesisHash = strings.Repeat("0", 64)

// chainVersion starts every canonical encoding, so that a later change of
// the encoding can be told apart from tampering.
const chainVersion = "anju-audit-v1"

// canonical encodes every field of r that the hash protects, the chain
// position included, in a fixed order. Each field is written as its byte
// length, ":", the bytes and "\n", so no choice of field contents can make
// two different rows encode the same (a detail ending in "|x" cannot pose as
// the next field).
func canonical(r Row, pos int64) []byte {
	b := make([]byte, 0, 256+len(r.Detail))
	field := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
		b = append(b, '\n')
	}
	actor := "" // NULL; a present id is never empty
	if r.ActorID != nil {
		actor = strconv.FormatInt(*r.ActorID, 10)
	}
	field(chainVersion)
	field(strconv.FormatInt(r.ID, 10))
	field(r.At.UTC().Format(time.RFC3339Nano))
	field(actor)
	field(r.ActorName)
	field(r.ActorRole)
	field(r.IP)
	field(r.Action)
	field(r.ObjectType)
	field(r.ObjectID)
	field(r.Result)
	field(r.Detail)
	field(r.OrgPath)
	field(strconv.FormatInt(pos, 10))
	return b
}

// chainHash is the hash of r sealed at pos after a record whose hash is prev.
func chainHash(prev string, r Row, pos int64) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write(canonical(r, pos))
	return hex.EncodeToString(h.Sum(nil))
}

// link is a point of the chain: a position and the hash there. Position 0
// with genesisHash is the start of a chain nothing was purged from.
type link struct {
	Pos  int64
	Hash string
}

var start = link{0, genesisHash}

// latestAnchor is where the chain begins after purges: the newest anchor,
// or the start.
func latestAnchor(ctx context.Context, q db.Querier) (link, error) {
	var l link
	err := q.QueryRow(ctx, `SELECT chain_pos, hash FROM audit_anchor
		ORDER BY chain_pos DESC LIMIT 1`).Scan(&l.Pos, &l.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return start, nil
	}
	return l, err
}

// tip is the end of the chain, where the next sealed record attaches: the
// last sealed row, or the anchor when every sealed row was purged.
func tip(ctx context.Context, q db.Querier) (link, error) {
	a, err := latestAnchor(ctx, q)
	if err != nil {
		return link{}, err
	}
	var l link
	var hash sql.NullString
	err = q.QueryRow(ctx, `SELECT chain_pos, hash FROM audit_log
		WHERE chain_pos IS NOT NULL ORDER BY chain_pos DESC LIMIT 1`).Scan(&l.Pos, &hash)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && l.Pos <= a.Pos) {
		return a, nil
	}
	l.Hash = hash.String
	return l, err
}

// The advisory lock that lets one PostgreSQL session at a time extend or cut
// the chain. Its first key is the audit chain's class (db.Migrate uses
// 7261001); the second is the schema's name hashed, because advisory locks
// span the whole database while each schema (a tenant, or a test) has a
// chain of its own.
const (
	tryLockSQL = `SELECT pg_try_advisory_xact_lock(7261002, hashtext(current_schema()))`
	lockSQL    = `SELECT pg_advisory_xact_lock(7261002, hashtext(current_schema()))`
)
