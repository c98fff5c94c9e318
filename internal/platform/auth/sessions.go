package auth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"anju/internal/platform/db"
)

// SessionState is a logged-in session as the web layer needs it.
type SessionState struct {
	// ID is the new session id for the cookie; set only by a login, since
	// the table keeps nothing but its hash.
	ID        string
	Principal *Principal
	// MustChangePassword: the password was set by an administrator or is
	// older than the policy allows. The login succeeded, but the web layer
	// sends every request to the change-password page until it is changed.
	MustChangePassword bool
	// ExpiresAt is when the session ends however active it is.
	ExpiresAt time.Time
}

// sessionIDBytes of randomness in a session id (256 bits), and the longest
// id accepted, so junk cookies are refused before any hashing or query.
const (
	sessionIDBytes = 32
	maxSessionID   = 64
)

// newSession stores a fresh session for u. A new random id at every login
// means an id planted before login (session fixation) is worth nothing.
func newSession(ctx context.Context, tx *db.Tx, u User, ip, ua string, now time.Time) (id, hash, csrf string, err error) {
	id = randomToken(sessionIDBytes)
	hash = sha256Hex(id)
	csrf = randomToken(32)
	if len(ua) > 512 {
		ua = ua[:512]
	}
	_, err = tx.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, hash, u.ID, csrf, now, now, ip, ua)
	return id, hash, csrf, err
}

// principalOf is the principal of a logged-in account. Citizens and
// companies get no jurisdiction (an empty OrgPath matches nothing in
// ScopeSQL): they see only their own matters, by UserID.
func principalOf(u User, sessionHash, csrf, ip string) *Principal {
	p := &Principal{
		UserID:       u.ID,
		Name:         u.DisplayName,
		Role:         u.Role,
		OrgUnitID:    u.OrgUnitID,
		OrgPath:      u.OrgPath,
		DepartmentID: u.DepartmentID,
		IP:           ip,
		SessionHash:  sessionHash,
		CSRFToken:    csrf,
	}
	if u.Role.IsPublic() {
		p.OrgUnitID, p.OrgPath, p.DepartmentID = 0, "", 0
	}
	return p
}

// mustChangePassword: an administrator set the password, or (for staff and
// administrators) it is older than the policy's MaxAgeDays. Citizens and
// companies are not made to rotate: 等保 rotation is about the system's
// operators, and forced rotation of the public's passwords only breeds
// weaker ones.
func mustChangePassword(u User, pol PasswordPolicy, now time.Time) bool {
	if !u.PasswordChangedAt.After(mustChangeMark) {
		return true
	}
	return !u.Role.IsPublic() && pol.Expired(u.PasswordChangedAt, now)
}

// Resume finds the session whose id the request carries. It enforces the
// idle and absolute timeouts (an expired session's row is deleted) and
// refuses a disabled account's session. It writes last_seen_at at most once
// a minute, so most requests only read.
func (s *Service) Resume(ctx context.Context, sessionID, ip string) (SessionState, error) {
	if sessionID == "" || len(sessionID) > maxSessionID {
		return SessionState{}, ErrNoSession
	}
	hash := sha256Hex(sessionID)
	var csrf string
	var created, seen time.Time
	u, err := scanUser(s.DB.QueryRow(ctx, `SELECT `+userColsOf("u")+`, s.csrf_token, s.created_at, s.last_seen_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`, hash), &csrf, &created, &seen)
	if errors.Is(err, db.ErrNotFound) {
		return SessionState{}, ErrNoSession
	}
	if err != nil {
		return SessionState{}, err
	}
	created, seen = created.UTC(), seen.UTC()
	now := s.now()
	if now.Sub(seen) >= s.idleTimeout() || now.Sub(created) >= s.absoluteTimeout() || u.Disabled {
		if _, err := s.DB.Exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, hash); err != nil {
			return SessionState{}, err
		}
		return SessionState{}, ErrNoSession
	}
	if now.Sub(seen) >= touchInterval {
		// The condition makes concurrent requests (or processes) write once.
		if _, err := s.DB.Exec(ctx, `UPDATE sessions SET last_seen_at = ?, ip = ? WHERE id_hash = ? AND last_seen_at < ?`,
			now, ip, hash, now.Add(-touchInterval)); err != nil {
			return SessionState{}, err
		}
	}
	pol, err := s.policy(ctx)
	if err != nil {
		return SessionState{}, err
	}
	return SessionState{
		Principal:          principalOf(u, hash, csrf, ip),
		MustChangePassword: mustChangePassword(u, pol, now),
		ExpiresAt:          created.Add(s.absoluteTimeout()),
	}, nil
}

// Session returns the principal of a session id (see Resume), or ErrNoSession.
func (s *Service) Session(ctx context.Context, sessionID, ip string) (*Principal, error) {
	st, err := s.Resume(ctx, sessionID, ip)
	if st.Principal != nil {
		st.Principal.MustChangePassword = st.MustChangePassword
	}
	return st.Principal, err
}

// Logout ends the session sessionID. Ending an unknown session is not an error.
func (s *Service) Logout(ctx context.Context, sessionID string) error {
	if sessionID == "" || len(sessionID) > maxSessionID {
		return nil
	}
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
		var uid int64
		err := tx.QueryRow(ctx, `DELETE FROM sessions WHERE id_hash = ? RETURNING user_id`, sha256Hex(sessionID)).Scan(&uid)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // no such session: nothing happened, nothing to record
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, "auth.logout", "user", strconv.FormatInt(uid, 10), resultOK, "", FromContext(ctx).OrgPath)
	})
}

// endSessions deletes the sessions of a user but keep (a session hash, or "").
func endSessions(ctx context.Context, ex db.Execer, userID int64, keep string) (int64, error) {
	res, err := ex.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?`, userID, keep)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CheckCSRF tells whether token is p's session CSRF token, compared in
// constant time. A principal without a session has none to match.
func CheckCSRF(p *Principal, token string) bool {
	if p == nil || p.CSRFToken == "" || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(p.CSRFToken), []byte(token)) == 1
}

// Sweep deletes sessions past their timeouts and SMS codes past use, so the
// tables do not grow with abandoned logins. Run it periodically from one
// place (any process: the deletes are idempotent).
func (s *Service) Sweep(ctx context.Context) (sessions, codes int64, err error) {
	now := s.now()
	res, err := s.DB.Exec(ctx, `DELETE FROM sessions WHERE last_seen_at <= ? OR created_at <= ?`,
		now.Add(-s.idleTimeout()), now.Add(-s.absoluteTimeout()))
	if err != nil {
		return 0, 0, err
	}
	sessions, _ = res.RowsAffected()
	// Codes are kept a day past expiry: the daily sending limit counts them.
	res, err = s.DB.Exec(ctx, `DELETE FROM sms_codes WHERE expires_at < ?`, now.Add(-24*time.Hour-codeTTL))
	if err != nil {
		return sessions, 0, err
	}
	codes, _ = res.RowsAffected()
	return sessions, codes, nil
}
