package auth

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors callers tell apart with errors.Is. Their texts are for logs; the web
// layer shows its own wording for each.
var (
	// ErrBadCredentials covers both an unknown account and a wrong password,
	// so a login form does not reveal which names exist.
	ErrBadCredentials = errors.New("auth: wrong account or password")
	ErrDisabled       = errors.New("auth: account disabled")
	// ErrLocked is matched by a *LockedError, which carries the end time.
	ErrLocked = errors.New("auth: account locked")
	// ErrNoSession is returned for an unknown, ended or expired session.
	ErrNoSession = errors.New("auth: no such session")
	// ErrForbidden: the principal's role may not do this, or not to this
	// account (e.g. their own).
	ErrForbidden = errors.New("auth: not allowed")
	// ErrTokenInvalid is returned for an unknown, revoked or expired API token.
	ErrTokenInvalid = errors.New("auth: invalid API token")
	// ErrCodeInvalid is returned for a wrong, used, expired or exhausted SMS code.
	ErrCodeInvalid = errors.New("auth: invalid verification code")
	// ErrRateLimited is matched by a *RateLimitError.
	ErrRateLimited = errors.New("auth: too many requests")
	// ErrNotPublic: SMS-code login is for citizens and companies only; a staff
	// account must use its password.
	ErrNotPublic = errors.New("auth: code login is for public accounts only")
)

// LockedError is returned while an account is locked after repeated failed
// logins. Until is when it opens again (UTC).
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return "auth: account locked until " + e.Until.Format(time.RFC3339)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// RateLimitError is returned when a request comes too soon after the last
// one; RetryAfter is how long to wait.
type RateLimitError struct{ RetryAfter time.Duration }

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("auth: too many requests, retry in %s", e.RetryAfter.Round(time.Second))
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// FieldError is one invalid input, named by its form field, with a stable
// code for the API and a message in Chinese (default) and English.
type FieldError struct {
	Field     string `json:"field"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageEn string `json:"message_en"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.MessageEn }

// FieldErrors is every invalid input of one command, so a form can show each
// beside its field at once.
type FieldErrors []FieldError

func (es FieldErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Field returns the first error for field, if any.
func (es FieldErrors) Field(field string) (FieldError, bool) {
	for _, e := range es {
		if e.Field == field {
			return e, true
		}
	}
	return FieldError{}, false
}

func fieldErr(field, code, zh, en string) FieldError {
	return FieldError{Field: field, Code: code, Message: zh, MessageEn: en}
}

// orNil turns an empty list into a nil error (a nil FieldErrors in an error
// interface would not be nil).
func (es FieldErrors) orNil() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// FieldInfo lets the web layer show the error beside its field in either
// language (web.FieldInfo) without auth importing web.
func (e FieldError) FieldInfo() (field, code, zh, en string) {
	return e.Field, e.Code, e.Message, e.MessageEn
}

// Unwrap exposes each field error, so errors.As and the web layer see them all.
func (es FieldErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}
