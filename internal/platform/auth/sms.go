package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/db"
)

// SMSSender delivers a text message; the app wires the city's SMS gateway.
type SMSSender interface {
	Send(ctx context.Context, mobile, text string) error
}

// LogSMS is a development sink: it writes the message, code included, to the
// log instead of sending it. Never use it in production.
type LogSMS struct{ Logger *slog.Logger }

// Send logs text for mobile (masked).
func (l LogSMS) Send(ctx context.Context, mobile, text string) error {
	lg := l.Logger
	if lg == nil {
		lg = slog.Default()
	}
	lg.InfoContext(ctx, "SMS not sent (development sink)", "mobile", MaskMobile(mobile), "text", text)
	return nil
}

// Purposes of an SMS code: a code is only good for what it was sent for.
const (
	PurposeLogin    = "login"
	PurposeRegister = "register"
)

const (
	codeTTL         = 5 * time.Minute
	codeInterval    = 60 * time.Second // at most one code per mobile per minute
	codeMaxAttempts = 5                // wrong entries before a code is dead
	codeDailyMax    = 10               // codes per mobile per 24 h (SMS bombing, cost)
)

// codeHash keeps codes unreadable at rest; purpose and mobile are mixed in
// so a row's hash cannot be replayed for another number or purpose.
func codeHash(mobile, purpose, code string) string {
	return sha256Hex(purpose + "\x00" + mobile + "\x00" + code)
}

func newCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// SendCode sends a 6-digit code to mobile for purpose, valid for 5 minutes.
// A new code replaces any earlier unused one. At most one code per minute
// and ten a day go to a number (*RateLimitError). It does not reveal whether
// the number has an account.
func (s *Service) SendCode(ctx context.Context, mobile, purpose string) error {
	if s.SMS == nil {
		return errNoSMS
	}
	mobile = NormalizeMobile(mobile)
	if es := validateMobile(mobile, true); es != nil {
		return FieldErrors(es)
	}
	if purpose != PurposeLogin && purpose != PurposeRegister {
		return fmt.Errorf("auth: unknown SMS code purpose %q", purpose)
	}
	masked := MaskMobile(mobile)
	code := newCode()
	now := s.now()
	var id int64
	var limited error
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		// Requests for one number take turns, so the rate limit below is
		// checked against every code sent before, not just the committed
		// ones (otherwise a burst of parallel requests would all pass it). On
		// SQLite the write transaction is already exclusive.
		if s.DB.Dialect == db.Postgres {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7261003, hashtext(?))`, mobile); err != nil {
				return fmt.Errorf("auth: SMS code lock: %w", err)
			}
		}
		var err error
		limited, err = codeRateLimit(ctx, tx, mobile, now)
		if err != nil {
			return err
		}
		if limited != nil {
			return s.audit(ctx, tx, "auth.sms_code", "mobile", masked, resultRefused, purpose+": "+limited.Error(), "")
		}
		if _, err := tx.Exec(ctx, `UPDATE sms_codes SET used = 1 WHERE mobile = ? AND purpose = ? AND used = 0`,
			mobile, purpose); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO sms_codes (mobile, purpose, code_hash, expires_at, attempts, used, created_at)
			VALUES (?, ?, ?, ?, 0, 0, ?) RETURNING id`, mobile, purpose, codeHash(mobile, purpose, code),
			now.Add(codeTTL), now).Scan(&id); err != nil {
			return err
		}
		return s.audit(ctx, tx, "auth.sms_code", "mobile", masked, resultOK, purpose, "")
	})
	if err != nil {
		return err
	}
	if limited != nil {
		return limited
	}
	// Sent after the commit: a slow gateway must not hold the write lock.
	verb := map[string]string{PurposeLogin: "登录", PurposeRegister: "注册"}[purpose]
	text := fmt.Sprintf("【安居】您的%s验证码为 %s，%d 分钟内有效。请勿将验证码告诉他人。", verb, code, int(codeTTL.Minutes()))
	if err := s.SMS.Send(ctx, mobile, text); err != nil {
		// Not delivered: withdraw the code so the rate limit does not hold
		// the user to a message they never got.
		_ = s.DB.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `DELETE FROM sms_codes WHERE id = ?`, id); err != nil {
				return err
			}
			return s.audit(ctx, tx, "auth.sms_code", "mobile", masked, resultError, purpose+": "+err.Error(), "")
		})
		return fmt.Errorf("auth: send SMS: %w", err)
	}
	return nil
}

// codeRateLimit tells whether another code may go to mobile at now.
func codeRateLimit(ctx context.Context, q db.Querier, mobile string, now time.Time) (error, error) {
	var times []time.Time
	rows, err := q.Query(ctx, `SELECT created_at FROM sms_codes WHERE mobile = ? AND created_at > ?
		ORDER BY created_at DESC LIMIT ?`, mobile, now.Add(-24*time.Hour), codeDailyMax)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		times = append(times, t.UTC())
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(times) > 0 {
		if wait := times[0].Add(codeInterval).Sub(now); wait > 0 {
			return &RateLimitError{RetryAfter: wait}, nil
		}
	}
	if len(times) >= codeDailyMax {
		return &RateLimitError{RetryAfter: times[len(times)-1].Add(24 * time.Hour).Sub(now)}, nil
	}
	return nil, nil
}

// useCode checks code against the newest live code for mobile and purpose.
// Every entry first claims one of the code's codeMaxAttempts attempts in one
// conditional UPDATE, and only a claimed attempt is compared: however many
// entries arrive at once, at most codeMaxAttempts are ever checked. A wrong
// entry's claim must be committed even though the command fails. A right
// code is marked used, once: of two concurrent uses one wins.
func useCode(ctx context.Context, tx *db.Tx, mobile, purpose, code string, now time.Time) (bool, error) {
	var id int64
	var hash string
	err := tx.QueryRow(ctx, `UPDATE sms_codes SET attempts = attempts + 1
		WHERE id = (SELECT id FROM sms_codes WHERE mobile = ? AND purpose = ? AND used = 0 ORDER BY id DESC LIMIT 1)
		  AND used = 0 AND attempts < ? AND expires_at > ?
		RETURNING id, code_hash`, mobile, purpose, codeMaxAttempts, now).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // no live code, expired, or out of attempts
	}
	if err != nil {
		return false, err
	}
	code = strings.TrimSpace(code)
	if subtle.ConstantTimeCompare([]byte(codeHash(mobile, purpose, code)), []byte(hash)) != 1 {
		return false, nil
	}
	res, err := tx.Exec(ctx, `UPDATE sms_codes SET used = 1 WHERE id = ? AND used = 0`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// LoginWithCode logs a citizen or company in with an SMS code (purpose
// login). Staff accounts must use their password (ErrNotPublic); a number
// without an account gives ErrNoAccount, so the page can offer registration.
func (s *Service) LoginWithCode(ctx context.Context, mobile, code, ip, ua string) (string, *Principal, error) {
	st, err := s.AuthenticateCode(ctx, mobile, code, ip, ua)
	return st.ID, st.Principal, err
}

// ErrNoAccount: the SMS code was right but no account has this number. Only
// someone holding the phone learns it, so it need not be hidden.
var ErrNoAccount = errors.New("auth: no account for this mobile number")

// AuthenticateCode is LoginWithCode returning the whole SessionState.
func (s *Service) AuthenticateCode(ctx context.Context, mobile, code, ip, ua string) (SessionState, error) {
	mobile = NormalizeMobile(mobile)
	actx := WithPrincipal(ctx, &Principal{Name: MaskMobile(mobile), IP: ip})
	if !ValidMobile(mobile) {
		return SessionState{}, ErrCodeInvalid
	}
	pol, err := s.policy(ctx)
	if err != nil {
		return SessionState{}, err
	}
	var st SessionState
	var loginErr error
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		ok, err := useCode(ctx, tx, mobile, PurposeLogin, code, now)
		if err != nil {
			return err
		}
		if !ok {
			loginErr = ErrCodeInvalid
			return s.audit(actx, tx, "auth.login", "mobile", MaskMobile(mobile), resultRefused, "sms code: wrong code", "")
		}
		u, err := loadUserByLogin(ctx, tx, mobile)
		if errors.Is(err, db.ErrNotFound) {
			loginErr = ErrNoAccount
			return s.audit(actx, tx, "auth.login", "mobile", MaskMobile(mobile), resultRefused, "sms code: no account", "")
		}
		if err != nil {
			return err
		}
		oid := strconv.FormatInt(u.ID, 10)
		switch {
		case !u.Role.IsPublic():
			loginErr = ErrNotPublic
		case u.Locked(now):
			loginErr = &LockedError{Until: u.LockedUntil}
		case u.Disabled:
			loginErr = ErrDisabled
		}
		if loginErr != nil {
			return s.audit(actx, tx, "auth.login", "user", oid, resultRefused, "sms code: "+loginErr.Error(), u.OrgPath)
		}
		id, hash, csrf, err := newSession(ctx, tx, u, ip, ua, now)
		if err != nil {
			return err
		}
		st = SessionState{ID: id, Principal: principalOf(u, hash, csrf, ip),
			MustChangePassword: mustChangePassword(u, pol, now), ExpiresAt: now.Add(s.absoluteTimeout())}
		return s.audit(WithPrincipal(ctx, st.Principal), tx, "auth.login", "user", oid, resultOK, "sms code", u.OrgPath)
	})
	if err != nil {
		return SessionState{}, err
	}
	if loginErr != nil {
		return SessionState{}, loginErr
	}
	return st, nil
}

// RegisterPublic opens a citizen or company account for the holder of
// mobile, proven by an SMS code (purpose register). Input errors come back
// as FieldErrors before the code is touched; a wrong code counts an attempt;
// a failed insert leaves the code unused.
func (s *Service) RegisterPublic(ctx context.Context, mobile, code, displayName, password string, role Role) (User, error) {
	u := User{
		Mobile:      NormalizeMobile(mobile),
		DisplayName: strings.TrimSpace(displayName),
		Role:        role,
		Kind:        role.AccountKind(),
	}
	var es FieldErrors
	if !role.IsPublic() {
		es = append(es, fieldErr("role", "invalid", "请选择个人或企业", "Choose citizen or company"))
	}
	es = append(es, validateMobile(u.Mobile, true)...)
	es = append(es, validateDisplayName(u.DisplayName)...)
	pol, err := s.policy(ctx)
	if err != nil {
		return User{}, err
	}
	es = append(es, pol.Validate(password, u.Mobile)...)
	if len(es) > 0 {
		return User{}, es
	}
	path, err := s.publicOrgPath(ctx, s.DB)
	if err != nil {
		return User{}, err
	}
	u.OrgPath = path
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return User{}, err
	}
	actx := WithPrincipal(ctx, &Principal{Name: MaskMobile(u.Mobile), IP: FromContext(ctx).IP})
	var codeErr error
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		ok, err := useCode(ctx, tx, u.Mobile, PurposeRegister, code, now)
		if err != nil {
			return err
		}
		if !ok {
			codeErr = ErrCodeInvalid
			return s.audit(actx, tx, "user.register", "mobile", MaskMobile(u.Mobile), resultRefused, "wrong code", "")
		}
		u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = now, now, now
		if err := s.insertUser(ctx, tx, &u, hash); err != nil {
			return err
		}
		return s.audit(actx, tx, "user.register", "user", strconv.FormatInt(u.ID, 10), resultOK, u.String(), u.OrgPath)
	})
	if err != nil {
		return User{}, err
	}
	if codeErr != nil {
		return User{}, codeErr
	}
	return u, nil
}
