package casework

import (
	"errors"
	"fmt"
)

// ErrConflict is matched (errors.Is) by *ConflictError: the case changed
// since the caller read it.
var ErrConflict = errors.New("casework: the case was changed by someone else")

// ConflictError carries the case as it is now, so the caller can show it
// (the API answers 409 with it).
type ConflictError struct {
	Current Case
	// Allowed are the transitions the caller may take on the current case.
	Allowed []string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("casework: case %s is at version %d (%s) now", e.Current.Number, e.Current.Version, e.Current.State)
}

func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// ErrForbidden: the actor may not take this transition on this case (role
// or scope rule). The case itself is visible to them, so 403 reveals nothing.
var ErrForbidden = errors.New("casework: not allowed")

// StateError: the transition cannot be taken in the case's current state
// (or a time window closed). The API answers 409 with the current case.
type StateError struct {
	Current Case
	Action  string
	Code    string // "state", "window_closed", "already", …
	Zh, En  string
}

func (e *StateError) Error() string {
	return fmt.Sprintf("casework: %s not possible on case %s in state %s: %s", e.Action, e.Current.Number, e.Current.State, e.En)
}

// FieldError is a rejected input. It implements web.FieldInfo, so web.Fail
// answers 422 naming the field.
type FieldError struct {
	Field, Code, Zh, En string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.En }

// FieldInfo implements web.FieldInfo.
func (e *FieldError) FieldInfo() (field, code, zh, en string) { return e.Field, e.Code, e.Zh, e.En }

// FieldErrors are several rejected inputs of one command.
type FieldErrors []*FieldError

func (es FieldErrors) Error() string {
	if len(es) == 0 {
		return "invalid input"
	}
	return "invalid input: " + es[0].Error()
}

func (es FieldErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// OrNil returns nil for no errors.
func (es FieldErrors) OrNil() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Invalid builds a FieldError.
func Invalid(field, code, zh, en string) *FieldError {
	return &FieldError{Field: field, Code: code, Zh: zh, En: en}
}

func required(field string) *FieldError {
	return Invalid(field, "required", "必须填写", "is required")
}
