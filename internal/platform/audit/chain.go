package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"hash"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/db"
)

// genesisHash is the prev_hash of the first record ever sealed.
var genesisHash = strings.Repeat("0", 64)

// chainVersion starts every canonical encoding, so that a later change of
// the encoding can be told apart from tampering. v1 was plain SHA-256,
// which anyone able to write to the database could recompute; v2 is an
// HMAC under a key kept outside it.
const chainVersion = "anju-audit-v2"

// canonical encodes every field of r that the hash protects, the chain
// position included, in a fixed order. Each field is written as its byte
// length, ":", the bytes and "\n", so no choice of field contents can make
// two different rows encode the same (a detail ending in "|x" cannot pose as
// the next field).
func canonical(b []byte, r Row, pos int64) []byte {
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

// hasher computes chain hashes under one key. It reuses its HMAC and buffer,
// so it is for one goroutine; sealing and verifying make one per call.
type hasher struct {
	mac hash.Hash
	buf []byte
}

func (c *Chain) hasher() *hasher {
	return &hasher{mac: hmac.New(sha256.New, c.Key), buf: make([]byte, 0, 512)}
}

// sum is the hash of r sealed at pos after a record whose hash is prev:
// HMAC-SHA256(key, prev || canonical(r, pos)), in hex.
func (h *hasher) sum(prev string, r Row, pos int64) string {
	h.mac.Reset()
	h.mac.Write([]byte(prev))
	h.buf = canonical(h.buf[:0], r, pos)
	h.mac.Write(h.buf)
	return hex.EncodeToString(h.mac.Sum(nil))
}

// anchorMAC binds a purge anchor — the position and hash where the chain
// restarts, and the time before which records were purged — to the key.
// Purge writes it into the detail of its sealed audit.purge record; Verify
// accepts an anchor only with it, so an anchor added by hand (to hide a
// deletion of the oldest records) shows.
func (c *Chain) anchorMAC(a anchor) string {
	m := hmac.New(sha256.New, c.Key)
	var b []byte
	field := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
		b = append(b, '\n')
	}
	field(chainVersion + " anchor")
	field(strconv.FormatInt(a.Pos, 10))
	field(a.Hash)
	field(a.PurgedBefore.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano))
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

// link is a point of the chain: a position and the hash there. Position 0
// with genesisHash is the start of a chain nothing was purged from.
type link struct {
	Pos  int64
	Hash string
}

var start = link{0, genesisHash}

// anchor is a purge anchor: where the chain restarts after a purge, and
// the time before which the purge removed records.
type anchor struct {
	link
	PurgedBefore time.Time
}

// latestAnchor is where the chain begins after purges: the newest anchor,
// or the start (found false).
func latestAnchor(ctx context.Context, q db.Querier) (a anchor, found bool, err error) {
	err = q.QueryRow(ctx, `SELECT chain_pos, hash, purged_before FROM audit_anchor
		ORDER BY chain_pos DESC, id DESC LIMIT 1`).Scan(&a.Pos, &a.Hash, &a.PurgedBefore)
	if errors.Is(err, sql.ErrNoRows) {
		return anchor{link: start}, false, nil
	}
	a.PurgedBefore = a.PurgedBefore.UTC()
	return a, err == nil, err
}

// tip is the end of the chain, where the next sealed record attaches: the
// last sealed row (returned too), or the anchor when every sealed row was
// purged (row nil).
func tip(ctx context.Context, q db.Querier) (link, *Row, error) {
	a, _, err := latestAnchor(ctx, q)
	if err != nil {
		return link{}, nil, err
	}
	r, err := scanRow(q.QueryRow(ctx, `SELECT `+rowColumns+` FROM audit_log
		WHERE chain_pos IS NOT NULL ORDER BY chain_pos DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && *r.ChainPos <= a.Pos) {
		return a.link, nil, nil
	}
	if err != nil {
		return link{}, nil, err
	}
	return link{*r.ChainPos, r.Hash}, &r, nil
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
