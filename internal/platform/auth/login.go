package auth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/db"
)

// LoginInput is what a login form or API call sends.
type LoginInput struct {
	Identifier string // username, or mobile number for any account that has one
	Password   string
	IP         string
	UserAgent  string
}

// Login checks a password and opens a session. See Authenticate, which also
// tells whether the password must be changed.
func (s *Service) Login(ctx context.Context, in LoginInput) (sessionID string, p *Principal, err error) {
	st, err := s.Authenticate(ctx, in)
	return st.ID, st.Principal, err
}

// Authenticate checks a password and opens a new session.
//
//   - An unknown account and a wrong password both give ErrBadCredentials,
//     after the same argon2 work, so neither the answer nor its timing tells
//     which names exist.
//   - MaxFailedLogins consecutive wrong passwords lock the account for
//     LockoutDuration (*LockedError); while locked even the right password
//     fails, so guessing cannot continue in the background.
//   - A disabled account gives ErrDisabled, but only with the right password.
//   - Every attempt, good or bad, is audited.
//   - Each login gets a new session id. Earlier sessions of the account stay
//     valid (a second device, a second browser) until they time out, log
//     out, or are ended by a password change, Disable or EndSessions.
func (s *Service) Authenticate(ctx context.Context, in LoginInput) (SessionState, error) {
	ident := strings.TrimSpace(in.Identifier)
	// Until the password is checked the actor is only a claim: audit records
	// name it (masked) and the address it came from.
	claim := &Principal{Name: maskIdentifier(ident), IP: in.IP}
	actx := WithPrincipal(ctx, claim)

	u, err := loadUserByLogin(ctx, s.DB, ident)
	if errors.Is(err, db.ErrNotFound) || ident == "" {
		_, _ = CheckPassword(dummyHash(), in.Password)
		return SessionState{}, s.refuse(actx, "auth.login", "user", "", "unknown account", ErrBadCredentials)
	}
	if err != nil {
		return SessionState{}, err
	}
	// The slow hash runs outside the transaction so it never holds the
	// (SQLite single-writer) lock; the state it depends on is re-read inside.
	ok := false
	if len(in.Password) <= 4*MaxPasswordLength {
		ok, _ = CheckPassword(u.passwordHash, in.Password)
	} else {
		_, _ = CheckPassword(dummyHash(), "")
	}
	var rehash string
	if ok && NeedsRehash(u.passwordHash) {
		rehash, _ = HashPassword(in.Password)
	}
	pol, err := s.policy(ctx)
	if err != nil {
		return SessionState{}, err
	}

	var st SessionState
	var loginErr error
	oid := strconv.FormatInt(u.ID, 10)
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		u, err := loadUserByLogin(ctx, tx, ident)
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case u.Locked(now):
			loginErr = &LockedError{Until: u.LockedUntil}
			return s.audit(actx, tx, "auth.login", "user", oid, resultRefused, "locked", u.OrgPath)
		case !ok:
			loginErr, err = s.recordFailure(ctx, tx, u, now)
			if err != nil {
				return err
			}
			return s.audit(actx, tx, "auth.login", "user", oid, resultRefused, "wrong password", u.OrgPath)
		case u.Disabled:
			loginErr = ErrDisabled
			return s.audit(actx, tx, "auth.login", "user", oid, resultRefused, "disabled", u.OrgPath)
		}
		q := `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?`
		args := []any{u.ID}
		if rehash != "" {
			q = `UPDATE users SET failed_logins = 0, locked_until = NULL, password_hash = ? WHERE id = ?`
			args = []any{rehash, u.ID}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return err
		}
		id, hash, csrf, err := newSession(ctx, tx, u, in.IP, in.UserAgent, now)
		if err != nil {
			return err
		}
		st = SessionState{
			ID:                 id,
			Principal:          principalOf(u, hash, csrf, in.IP),
			MustChangePassword: mustChangePassword(u, pol, now),
			ExpiresAt:          now.Add(s.absoluteTimeout()),
		}
		detail := "password"
		if st.MustChangePassword {
			detail += ", must change password"
		}
		return s.audit(WithPrincipal(ctx, st.Principal), tx, "auth.login", "user", oid, resultOK, detail, u.OrgPath)
	})
	if err != nil {
		return SessionState{}, err
	}
	if loginErr != nil {
		return SessionState{}, loginErr
	}
	return st, nil
}

// recordFailure counts a wrong password in one atomic statement (concurrent
// guesses cannot slip under the limit) and locks the account when the count
// reaches the limit. The count restarts at 0 when the lock is set, so after
// it ends the account gets a full set of attempts again. The failure that
// sets the lock already answers *LockedError, so the user learns at once.
func (s *Service) recordFailure(ctx context.Context, tx *db.Tx, u User, now time.Time) (error, error) {
	until := now.Add(s.lockout())
	var locked int
	err := tx.QueryRow(ctx, `UPDATE users SET
		failed_logins = CASE WHEN failed_logins + 1 >= ? THEN 0 ELSE failed_logins + 1 END,
		locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END
		WHERE id = ? RETURNING CASE WHEN failed_logins = 0 THEN 1 ELSE 0 END`,
		s.maxFailed(), s.maxFailed(), until, u.ID).Scan(&locked)
	if err != nil {
		return nil, fmt.Errorf("auth: record failed login: %w", err)
	}
	if locked == 1 {
		return &LockedError{Until: until}, nil
	}
	return ErrBadCredentials, nil
}

// maskIdentifier is how an attempted login name appears in the audit log: a
// mobile masked, a username cut short (people type passwords into the name
// field by mistake; the log should not keep more of one than necessary).
func maskIdentifier(ident string) string {
	if m := NormalizeMobile(ident); ValidMobile(m) {
		return MaskMobile(m)
	}
	r := []rune(ident)
	if len(r) > 32 {
		r = r[:32]
	}
	return string(r)
}
