package auth

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"anju/internal/platform/db"
)

// PasswordPolicy is the configurable password rule set of 等保 2.0 (complexity
// and rotation). It is stored as JSON in settings under PolicyKey so the
// security administrator changes it at run time, for every process at once.
type PasswordPolicy struct {
	MinLength  int `json:"min_length"`   // in characters
	MinClasses int `json:"min_classes"`  // of lower, upper, digit, symbol
	MaxAgeDays int `json:"max_age_days"` // rotation; 0 = passwords do not expire
}

// PolicyKey is the settings key of the password policy.
const PolicyKey = "password_policy"

// MaxPasswordLength bounds what is hashed, so a megabyte "password" cannot be
// used to burn server time.
const MaxPasswordLength = 128

// DefaultPolicy is used until the security administrator saves one.
func DefaultPolicy() PasswordPolicy {
	return PasswordPolicy{MinLength: 10, MinClasses: 3, MaxAgeDays: 90}
}

// Check tells whether the policy itself is sensible. A policy below a floor
// (8 characters, 2 classes) is refused rather than applied: no 等保 assessment
// would pass it, and a typo in the form should not disarm every account.
func (p PasswordPolicy) Check() error {
	var es FieldErrors
	if p.MinLength < 8 || p.MinLength > 64 {
		es = append(es, fieldErr("min_length", "out_of_range",
			"最小长度须在 8 到 64 之间", "Minimum length must be between 8 and 64"))
	}
	if p.MinClasses < 2 || p.MinClasses > 4 {
		es = append(es, fieldErr("min_classes", "out_of_range",
			"字符类别数须在 2 到 4 之间", "Character classes must be between 2 and 4"))
	}
	if p.MaxAgeDays < 0 || p.MaxAgeDays > 365 {
		es = append(es, fieldErr("max_age_days", "out_of_range",
			"有效期须在 0（不过期）到 365 天之间", "Maximum age must be between 0 (never) and 365 days"))
	}
	return es.orNil()
}

// Validate checks pw against the policy and returns every rule it breaks,
// each as a FieldError on field "password". identities are the account's
// username and mobile, which the password may not equal.
func (p PasswordPolicy) Validate(pw string, identities ...string) []FieldError {
	var es []FieldError
	n := utf8.RuneCountInString(pw)
	if n == 0 {
		return []FieldError{fieldErr("password", "required", "请输入密码", "Password is required")}
	}
	if n < p.MinLength {
		es = append(es, fieldErr("password", "too_short",
			fmt.Sprintf("密码长度至少 %d 位", p.MinLength),
			fmt.Sprintf("Password must be at least %d characters long", p.MinLength)))
	}
	if n > MaxPasswordLength {
		es = append(es, fieldErr("password", "too_long",
			fmt.Sprintf("密码长度不能超过 %d 位", MaxPasswordLength),
			fmt.Sprintf("Password must be at most %d characters long", MaxPasswordLength)))
	}
	if c := charClasses(pw); c < p.MinClasses {
		es = append(es, fieldErr("password", "too_few_classes",
			fmt.Sprintf("密码须包含小写字母、大写字母、数字、符号中的至少 %d 类", p.MinClasses),
			fmt.Sprintf("Password must mix at least %d of: lowercase letters, uppercase letters, digits, symbols", p.MinClasses)))
	}
	for _, id := range identities {
		if id != "" && strings.EqualFold(strings.TrimSpace(pw), id) {
			es = append(es, fieldErr("password", "same_as_account",
				"密码不能与用户名或手机号相同", "Password must not be the same as the username or mobile number"))
			break
		}
	}
	return es
}

// charClasses counts the kinds of character in pw. Anything that is not an
// ASCII-style letter case or digit (punctuation, spaces, Chinese characters)
// counts as a symbol.
func charClasses(pw string) int {
	var lower, upper, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			symbol = true
		}
	}
	n := 0
	for _, b := range []bool{lower, upper, digit, symbol} {
		if b {
			n++
		}
	}
	return n
}

// mustChangeMark is stored as password_changed_at when an administrator set
// the password (an initial or reset one): the owner must choose their own at
// next login whatever the rotation policy. A sentinel date instead of a
// column keeps the schema as it is.
var mustChangeMark = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// Expired tells whether a password set at changedAt must be changed at now:
// it was set by an administrator, or it is older than MaxAgeDays.
func (p PasswordPolicy) Expired(changedAt, now time.Time) bool {
	if !changedAt.After(mustChangeMark) {
		return true
	}
	if p.MaxAgeDays <= 0 {
		return false
	}
	return now.Sub(changedAt) >= time.Duration(p.MaxAgeDays)*24*time.Hour
}

// Policy returns the password policy in force (the default until one is saved).
func (s *Service) Policy(ctx context.Context) (PasswordPolicy, error) {
	return loadPolicy(ctx, s.DB)
}

// policyCacheTTL: every request checks password age, so the policy is read
// at most once a minute per process; another process's change reaches this
// one within that minute.
const policyCacheTTL = time.Minute

// policy is Policy through the per-process cache.
func (s *Service) policy(ctx context.Context) (PasswordPolicy, error) {
	now := s.now()
	s.policyMu.Lock()
	if !s.policyAt.IsZero() && now.Sub(s.policyAt) < policyCacheTTL && now.After(s.policyAt) {
		p := s.policyCache
		s.policyMu.Unlock()
		return p, nil
	}
	s.policyMu.Unlock()
	p, err := loadPolicy(ctx, s.DB)
	if err != nil {
		return p, err
	}
	s.policyMu.Lock()
	s.policyCache, s.policyAt = p, now
	s.policyMu.Unlock()
	return p, nil
}

func loadPolicy(ctx context.Context, q db.Querier) (PasswordPolicy, error) {
	var raw string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, PolicyKey).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultPolicy(), nil
	}
	if err != nil {
		return PasswordPolicy{}, fmt.Errorf("auth: load password policy: %w", err)
	}
	p := DefaultPolicy() // fields missing from an older JSON keep their defaults
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return PasswordPolicy{}, fmt.Errorf("auth: password policy setting: %w", err)
	}
	return p, nil
}

// SetPolicy saves a new password policy. Only the security administrator may.
func (s *Service) SetPolicy(ctx context.Context, pol PasswordPolicy) error {
	actor := FromContext(ctx)
	if !Can(actor, ActEditPasswordPolicy) {
		return s.refuse(ctx, "auth.policy.update", "setting", PolicyKey, "", ErrForbidden)
	}
	if err := pol.Check(); err != nil {
		return err
	}
	raw, err := json.Marshal(pol)
	if err != nil {
		return err
	}
	now := s.now()
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`, PolicyKey, string(raw), nullID(actor.UserID), now); err != nil {
			return err
		}
		return s.audit(ctx, tx, "auth.policy.update", "setting", PolicyKey, resultOK, string(raw), actor.OrgPath)
	})
	if err == nil {
		s.policyMu.Lock()
		s.policyAt = time.Time{} // this process sees its own change at once
		s.policyMu.Unlock()
	}
	return err
}
