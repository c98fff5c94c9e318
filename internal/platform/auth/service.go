package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"anju/internal/platform/db"
)

// AuditFunc writes one audit record in the transaction ex, the actor taken
// from auth.FromContext(ctx). The app wires audit.Record here; auth cannot
// import audit itself (audit imports auth).
type AuditFunc func(ctx context.Context, ex db.Execer, action, objectType, objectID, result, detail, orgPath string) error

// Service is accounts, logins, sessions, SMS codes and API tokens over one
// database. Every field but DB and Audit has a default.
type Service struct {
	DB    *db.DB
	Audit AuditFunc
	// Now is the clock; tests inject one. Default time.Now.
	Now func() time.Time
	// SMS sends verification codes. There is no default: a forgotten gateway
	// must not quietly fall back to LogSMS, which writes codes to the log.
	SMS SMSSender

	// IdleTimeout ends a session not used for this long (default 30 min,
	// 等保 idle timeout); AbsoluteTimeout ends it this long after login
	// however active it is (default 12 h).
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	// MaxFailedLogins consecutive wrong passwords lock the account for
	// LockoutDuration (defaults 5 and 15 min).
	MaxFailedLogins int
	LockoutDuration time.Duration
	// PublicOrgPath is the org_path stored on citizen and company accounts, so
	// that administrators of that node find them. Their principals get no
	// scope whatever it is. Default: the root of the org tree.
	PublicOrgPath string
	// MaxConcurrentHashes bounds the argon2 computations (password checks
	// and new hashes) running at once. Each takes 19 MiB and a core for about
	// 30 ms, so unbounded parallel logins exhaust memory long before they
	// exhaust anything else; callers past the bound wait for a slot while
	// their context lasts. Default 2 × GOMAXPROCS.
	MaxConcurrentHashes int

	hashOnce  sync.Once
	hashSlots chan struct{}

	policyMu    sync.Mutex
	policyCache PasswordPolicy
	policyAt    time.Time
}

// Audit results.
const (
	resultOK      = "ok"
	resultRefused = "refused"
	resultError   = "failed"
)

// touchInterval is how stale last_seen_at / last_used_at may be before a
// request writes it again: one write per minute per session instead of one
// per request keeps reads read-only, and the idle timeout loses at most a
// minute of precision.
const touchInterval = time.Minute

func (s *Service) now() time.Time {
	t := time.Now()
	if s.Now != nil {
		t = s.Now()
	}
	// PostgreSQL keeps microseconds; truncating here makes what we compare in
	// Go equal to what we read back from either database.
	return t.UTC().Truncate(time.Microsecond)
}

func (s *Service) idleTimeout() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return 30 * time.Minute
}

func (s *Service) absoluteTimeout() time.Duration {
	if s.AbsoluteTimeout > 0 {
		return s.AbsoluteTimeout
	}
	return 12 * time.Hour
}

func (s *Service) maxFailed() int {
	if s.MaxFailedLogins > 0 {
		return s.MaxFailedLogins
	}
	return 5
}

func (s *Service) lockout() time.Duration {
	if s.LockoutDuration > 0 {
		return s.LockoutDuration
	}
	return 15 * time.Minute
}

func (s *Service) slots() chan struct{} {
	s.hashOnce.Do(func() {
		n := s.MaxConcurrentHashes
		if n <= 0 {
			n = 2 * runtime.GOMAXPROCS(0)
		}
		s.hashSlots = make(chan struct{}, n)
	})
	return s.hashSlots
}

// argon runs f — a password check or hash — holding one of the
// MaxConcurrentHashes slots, waiting for one until ctx ends.
func (s *Service) argon(ctx context.Context, f func()) error {
	slots := s.slots()
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("auth: waiting to check a password: %w", context.Cause(ctx))
	}
	defer func() { <-slots }()
	f()
	return nil
}

// hashPassword is HashPassword within the concurrency bound.
func (s *Service) hashPassword(ctx context.Context, pw string) (hash string, err error) {
	if err := s.argon(ctx, func() { hash, err = HashPassword(pw) }); err != nil {
		return "", err
	}
	return hash, err
}

var errNoSMS = errors.New("auth: Service.SMS is not wired")

// errNoAudit: an unwired audit hook must stop writes, not let them go
// unrecorded (等保 requires every security event in the log).
var errNoAudit = errors.New("auth: Service.Audit is not wired")

func (s *Service) audit(ctx context.Context, ex db.Execer, action, objectType, objectID, result, detail, orgPath string) error {
	if s.Audit == nil {
		return errNoAudit
	}
	return s.Audit(ctx, ex, action, objectType, objectID, result, detail, orgPath)
}

// refuse records a refused command in its own transaction and returns cause,
// so that denied attempts are in the audit log too.
func (s *Service) refuse(ctx context.Context, action, objectType, objectID, detail string, cause error) error {
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		if detail == "" {
			detail = cause.Error()
		}
		return s.audit(ctx, tx, action, objectType, objectID, resultRefused, detail, FromContext(ctx).OrgPath)
	})
	if err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// randomToken returns n random bytes as unpadded base64url: safe in cookies,
// URLs and headers without escaping.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// sha256Hex is how session ids and API tokens are kept at rest: they are
// long random strings, so a fast unsalted hash is enough to make a stolen
// table useless, and it allows lookup by hash.
func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// nullID stores 0 as NULL for optional references.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
