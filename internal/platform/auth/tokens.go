package auth

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/db"
)

// Token is a machine API token as listed; the secret itself is never stored.
type Token struct {
	ID          int64
	Name        string
	Prefix      string // the first characters of the token, to recognise it in a list
	Permissions []string
	OrgUnitID   int64
	OrgPath     string
	CreatedBy   int64
	CreatedAt   time.Time
	ExpiresAt   time.Time // zero: does not expire
	RevokedAt   time.Time // zero: not revoked
	LastUsedAt  time.Time // zero: never used
}

// Active tells whether the token may be used at now.
func (t Token) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// TokenPrefix starts every plaintext token, so a leaked one is recognisable
// (secret scanners, log filters) and a header value is quickly told apart
// from junk.
const TokenPrefix = "anju_"

const (
	tokenBytes     = 32
	tokenPrefixLen = len(TokenPrefix) + 6
	maxTokenLen    = 128
)

const tokenCols = `id, name, prefix, permissions, org_unit_id, org_path, created_by, created_at, expires_at,
	revoked_at, last_used_at`

func scanToken(row scanner) (Token, error) {
	var t Token
	var perms string
	var expires, revoked, used sql.NullTime
	if err := row.Scan(&t.ID, &t.Name, &t.Prefix, &perms, &t.OrgUnitID, &t.OrgPath, &t.CreatedBy, &t.CreatedAt,
		&expires, &revoked, &used); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return t, db.ErrNotFound
		}
		return t, err
	}
	if err := json.Unmarshal([]byte(perms), &t.Permissions); err != nil {
		return t, fmt.Errorf("auth: token %d permissions: %w", t.ID, err)
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt, t.RevokedAt, t.LastUsedAt = nullTime(expires), nullTime(revoked), nullTime(used)
	return t, nil
}

func nullTime(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func nullTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// validPermission: permissions are action names ("data.push"); a module may
// use its own, but never an administrator's action, which Can would refuse
// a token anyway — refusing it here keeps the token's list honest.
func validPermission(p string) bool {
	if p == "" || len(p) > 64 {
		return false
	}
	for _, c := range []byte(p) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == ':') {
			return false
		}
	}
	d := DutyOf(Action(p))
	return d == "" || d == DutyBusiness
}

// CreateToken makes a machine API token acting in the jurisdiction of
// orgUnitID with the given permissions. The plaintext is returned once and
// only its sha256 is stored (plus a short prefix for lists). The system
// administrator creates tokens, within their own jurisdiction.
func (s *Service) CreateToken(ctx context.Context, creator *Principal, name string, permissions []string,
	orgUnitID int64, orgPath string, expires *time.Time) (string, Token, error) {
	actx := WithPrincipal(ctx, creator)
	if !Can(creator, ActManageTokens) || creator.UserID == 0 {
		// The table's created_by names an account, so even the platform
		// principal needs one to create tokens.
		return "", Token{}, s.refuse(actx, "token.create", "api_token", "", "", ErrForbidden)
	}
	now := s.now()
	t := Token{Name: strings.TrimSpace(name), OrgUnitID: orgUnitID, CreatedBy: creator.UserID, CreatedAt: now}
	var es FieldErrors
	if n := len([]rune(t.Name)); n == 0 || n > 64 {
		es = append(es, fieldErr("name", "required", "请输入 1–64 字的名称", "Name must be 1–64 characters"))
	}
	for _, p := range permissions {
		p = strings.TrimSpace(p)
		if !validPermission(p) {
			es = append(es, fieldErr("permissions", "invalid", "权限无效："+p, "Invalid permission: "+p))
			continue
		}
		if !slices.Contains(t.Permissions, p) {
			t.Permissions = append(t.Permissions, p)
		}
	}
	slices.Sort(t.Permissions)
	if len(t.Permissions) == 0 && len(es) == 0 {
		es = append(es, fieldErr("permissions", "required", "请至少选择一项权限", "Choose at least one permission"))
	}
	if expires != nil {
		if !expires.After(now) {
			es = append(es, fieldErr("expires_at", "in_past", "到期时间须晚于现在", "Expiry must be in the future"))
		}
		t.ExpiresAt = expires.UTC().Truncate(time.Microsecond)
	}
	path, err := orgPathOf(ctx, s.DB, orgUnitID)
	switch {
	case errors.Is(err, db.ErrNotFound):
		es = append(es, fieldErr("org_unit_id", "not_found", "所选单位不存在", "The organisational unit does not exist"))
	case err != nil:
		return "", Token{}, err
	case orgPath != "" && orgPath != path:
		es = append(es, fieldErr("org_unit_id", "mismatch", "单位与其路径不一致",
			"The organisational unit does not match its path"))
	}
	t.OrgPath = path
	if len(es) > 0 {
		return "", Token{}, es
	}
	if !creator.InScope(path) {
		return "", Token{}, s.refuse(actx, "token.create", "api_token", "", "outside scope: "+path, ErrForbidden)
	}
	plain := TokenPrefix + randomToken(tokenBytes)
	t.Prefix = plain[:tokenPrefixLen]
	perms, _ := json.Marshal(t.Permissions)
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (name, prefix, token_hash, permissions, org_unit_id, org_path,
			created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			t.Name, t.Prefix, sha256Hex(plain), string(perms), t.OrgUnitID, t.OrgPath, t.CreatedBy, t.CreatedAt,
			nullTimeArg(t.ExpiresAt)).Scan(&t.ID); err != nil {
			return err
		}
		return s.audit(actx, tx, "token.create", "api_token", strconv.FormatInt(t.ID, 10), resultOK,
			fmt.Sprintf("%s %s %v", t.Name, t.Prefix, t.Permissions), t.OrgPath)
	})
	if err != nil {
		return "", Token{}, err
	}
	return plain, t, nil
}

// TokenPrincipal returns the machine principal of a plaintext token (from
// an Authorization: Bearer header). An unknown, revoked or expired token is
// ErrTokenInvalid, and refusals of a known token are audited. last_used_at is
// written at most once a minute.
func (s *Service) TokenPrincipal(ctx context.Context, plaintext, ip string) (*Principal, error) {
	if !strings.HasPrefix(plaintext, TokenPrefix) || len(plaintext) > maxTokenLen {
		return nil, ErrTokenInvalid
	}
	t, err := scanToken(s.DB.QueryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE token_hash = ?`,
		sha256Hex(plaintext)))
	if errors.Is(err, db.ErrNotFound) {
		return nil, ErrTokenInvalid
	}
	if err != nil {
		return nil, err
	}
	p := &Principal{TokenID: t.ID, Name: "token:" + t.Name, Role: Machine, OrgUnitID: t.OrgUnitID,
		OrgPath: t.OrgPath, Permissions: t.Permissions, IP: ip}
	now := s.now()
	if !t.Active(now) {
		why := "expired"
		if !t.RevokedAt.IsZero() {
			why = "revoked"
		}
		return nil, s.refuse(WithPrincipal(ctx, p), "token.use", "api_token", strconv.FormatInt(t.ID, 10), why,
			ErrTokenInvalid)
	}
	if t.LastUsedAt.IsZero() || now.Sub(t.LastUsedAt) >= touchInterval {
		if _, err := s.DB.Exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?
			AND (last_used_at IS NULL OR last_used_at < ?)`, now, t.ID, now.Add(-touchInterval)); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// RevokeToken ends token id for good. The system administrator revokes
// tokens within their jurisdiction; a token outside it, or none, is
// db.ErrNotFound, and the refusal is audited.
func (s *Service) RevokeToken(ctx context.Context, p *Principal, id int64) error {
	actx := WithPrincipal(ctx, p)
	oid := strconv.FormatInt(id, 10)
	if !Can(p, ActManageTokens) {
		return s.refuse(actx, "token.revoke", "api_token", oid, "", ErrForbidden)
	}
	scope, args := p.ScopeSQL("org_path")
	var refused error
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		t, err := scanToken(tx.QueryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE id = ? AND `+scope,
			append([]any{id}, args...)...))
		if errors.Is(err, db.ErrNotFound) {
			// Answered as missing, so ids cannot be probed, but on record.
			refused = db.ErrNotFound
			return s.audit(actx, tx, "token.revoke", "api_token", oid, resultRefused, outOfScope, p.OrgPath)
		}
		if err != nil {
			return err
		}
		if !t.RevokedAt.IsZero() {
			return nil // already revoked: the outcome the caller wants
		}
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, s.now(), id); err != nil {
			return err
		}
		return s.audit(actx, tx, "token.revoke", "api_token", oid, resultOK, t.Name+" "+t.Prefix, t.OrgPath)
	})
	if err != nil {
		return err
	}
	return refused
}

// ListTokens lists the tokens in p's jurisdiction, newest first.
func (s *Service) ListTokens(ctx context.Context, p *Principal) ([]Token, error) {
	if !Can(p, ActManageTokens) {
		return nil, ErrForbidden
	}
	scope, args := p.ScopeSQL("org_path")
	rows, err := s.DB.Query(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE `+scope+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
