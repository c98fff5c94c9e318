package auth

import (
	"context"
	"database/sql"
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
//     fails, so guessing cannot continue in the background. A name without
//     an account is locked after as many failures, so the lockout does not
//     tell which names exist either.
//   - At most MaxConcurrentHashes password checks run at once; others wait
//     while ctx lasts.
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
		if err := s.argon(ctx, func() { _, _ = CheckPassword(dummyHash(), in.Password) }); err != nil {
			return SessionState{}, err
		}
		return SessionState{}, s.refuseUnknown(ctx, actx, ident)
	}
	if err != nil {
		return SessionState{}, err
	}
	// The slow hash runs outside the transaction so it never holds the
	// (SQLite single-writer) lock; the state it depends on is re-read inside.
	ok := false
	var rehash string
	err = s.argon(ctx, func() {
		if len(in.Password) > 4*MaxPasswordLength {
			_, _ = CheckPassword(dummyHash(), "")
			return
		}
		ok, _ = CheckPassword(u.passwordHash, in.Password)
		if ok && NeedsRehash(u.passwordHash) {
			rehash, _ = HashPassword(in.Password)
		}
	})
	if err != nil {
		return SessionState{}, err
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
			var counted bool
			loginErr, counted, err = s.recordFailure(ctx, tx, u, now)
			if err != nil {
				return err
			}
			detail := "wrong password"
			if !counted {
				detail = "locked"
			}
			return s.audit(actx, tx, "auth.login", "user", oid, resultRefused, detail, u.OrgPath)
		case u.Disabled:
			loginErr = ErrDisabled
			return s.audit(actx, tx, "auth.login", "user", oid, resultRefused, "disabled", u.OrgPath)
		}
		// Only if no concurrent failure locked the account since it was read
		// (PostgreSQL re-checks the condition on the row's latest version).
		q := `UPDATE users SET failed_logins = 0, locked_until = NULL
			WHERE id = ? AND (locked_until IS NULL OR locked_until <= ?)`
		args := []any{u.ID, now}
		if rehash != "" {
			q = `UPDATE users SET failed_logins = 0, locked_until = NULL, password_hash = ?
				WHERE id = ? AND (locked_until IS NULL OR locked_until <= ?)`
			args = []any{rehash, u.ID, now}
		}
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err != nil {
				return err
			}
			if loginErr, err = lockedNow(ctx, tx, `SELECT locked_until FROM users WHERE id = ?`, u.ID); err != nil {
				return err
			}
			return s.audit(actx, tx, "auth.login", "user", oid, resultRefused, "locked", u.OrgPath)
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
// A failure while the account is locked — by a concurrent failure since u
// was read — is not counted (counted false) and answers *LockedError.
func (s *Service) recordFailure(ctx context.Context, tx *db.Tx, u User, now time.Time) (loginErr error, counted bool, err error) {
	until := now.Add(s.lockout())
	var locked int
	err = tx.QueryRow(ctx, `UPDATE users SET
		failed_logins = CASE WHEN failed_logins + 1 >= ? THEN 0 ELSE failed_logins + 1 END,
		locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END
		WHERE id = ? AND (locked_until IS NULL OR locked_until <= ?)
		RETURNING CASE WHEN failed_logins = 0 THEN 1 ELSE 0 END`,
		s.maxFailed(), s.maxFailed(), until, u.ID, now).Scan(&locked)
	if errors.Is(err, sql.ErrNoRows) {
		loginErr, err = lockedNow(ctx, tx, `SELECT locked_until FROM users WHERE id = ?`, u.ID)
		return loginErr, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("auth: record failed login: %w", err)
	}
	if locked == 1 {
		return &LockedError{Until: until}, true, nil
	}
	return ErrBadCredentials, true, nil
}

// lockedNow reads the locked_until that query selects for arg, after a
// conditional update found the row locked.
func lockedNow(ctx context.Context, tx *db.Tx, query string, arg any) (error, error) {
	var until sql.NullTime
	if err := tx.QueryRow(ctx, query, arg).Scan(&until); err != nil {
		return nil, fmt.Errorf("auth: read lockout: %w", err)
	}
	return &LockedError{Until: until.Time.UTC()}, nil
}

// failureMemory is how long a failed login with a name that has no account
// is remembered (login_failures); older rows are removed. An account's own
// count (users.failed_logins) is kept until a login succeeds, so a probe
// that spreads its guesses over more than a day could still tell the two
// apart — at five guesses a day.
const failureMemory = 24 * time.Hour

// refuseUnknown answers a login with a name that has no account exactly as
// a wrong password for an existing account is answered: ErrBadCredentials,
// and after MaxFailedLogins consecutive failures *LockedError for
// LockoutDuration. The failures are counted per name in login_failures, in
// the database, so every process sees the same count; the name is stored
// hashed. The attempt is audited.
func (s *Service) refuseUnknown(ctx, actx context.Context, ident string) error {
	key := sha256Hex("login\x00" + loginKey(ident))
	var loginErr error
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE updated_at < ?
			AND (locked_until IS NULL OR locked_until < ?)`, now.Add(-failureMemory), now); err != nil {
			return fmt.Errorf("auth: forget old login failures: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO login_failures (ident_hash, failures, updated_at) VALUES (?, 0, ?)
			ON CONFLICT (ident_hash) DO NOTHING`, key, now); err != nil {
			return fmt.Errorf("auth: record failed login: %w", err)
		}
		// The same atomic count as recordFailure's, on the name's row, and
		// only while it is not locked.
		until := now.Add(s.lockout())
		var locked int
		err := tx.QueryRow(ctx, `UPDATE login_failures SET
			failures = CASE WHEN failures + 1 >= ? THEN 0 ELSE failures + 1 END,
			locked_until = CASE WHEN failures + 1 >= ? THEN ? ELSE locked_until END,
			updated_at = ?
			WHERE ident_hash = ? AND (locked_until IS NULL OR locked_until <= ?)
			RETURNING CASE WHEN failures = 0 THEN 1 ELSE 0 END`,
			s.maxFailed(), s.maxFailed(), until, now, key, now).Scan(&locked)
		if errors.Is(err, sql.ErrNoRows) {
			if loginErr, err = lockedNow(ctx, tx, `SELECT locked_until FROM login_failures WHERE ident_hash = ?`, key); err != nil {
				return err
			}
			return s.audit(actx, tx, "auth.login", "user", "", resultRefused, "unknown account, locked", "")
		}
		if err != nil {
			return fmt.Errorf("auth: record failed login: %w", err)
		}
		loginErr = ErrBadCredentials
		if locked == 1 {
			loginErr = &LockedError{Until: until}
		}
		return s.audit(actx, tx, "auth.login", "user", "", resultRefused, "unknown account", "")
	})
	if err != nil {
		return errors.Join(ErrBadCredentials, err)
	}
	return loginErr
}

// loginKey is the canonical form of a login name, as loadUserByLogin reads it.
func loginKey(ident string) string {
	if m := NormalizeMobile(ident); ValidMobile(m) {
		return m
	}
	return normUsername(ident)
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
