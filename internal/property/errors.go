package property

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"anju/internal/platform/db"
	"anju/internal/platform/web"
)

// fieldError is a rejected input value, in both languages; web.Fail turns it
// into a 422 naming the field, and pages show it beside the input.
type fieldError struct {
	field, code, zh, en string
}

func (e *fieldError) Error() string { return e.field + ": " + e.en }

// FieldInfo implements web.FieldInfo.
func (e *fieldError) FieldInfo() (string, string, string, string) { return e.field, e.code, e.zh, e.en }

func ferr(field, code, zh, en string) *fieldError { return &fieldError{field, code, zh, en} }

func required(field string) *fieldError {
	return ferr(field, "required", "必须填写", "is required")
}

// fieldErrors collects the rejected fields of one command.
type fieldErrors []*fieldError

func (fe fieldErrors) Error() string {
	s := make([]string, len(fe))
	for i, e := range fe {
		s[i] = e.Error()
	}
	return "invalid input: " + strings.Join(s, "; ")
}

func (fe fieldErrors) Unwrap() []error {
	out := make([]error, len(fe))
	for i, e := range fe {
		out[i] = e
	}
	return out
}

// err returns nil when nothing was rejected (a nil slice, not a typed nil).
func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// formErrors maps field errors to the messages a form shows beside inputs.
func formErrors(l web.Lang, err error) (map[string]string, bool) {
	fe, ok := web.AsFieldErrors(err)
	if !ok {
		return nil, false
	}
	m := map[string]string{}
	for _, e := range fe {
		if _, dup := m[e.Field]; !dup {
			m[e.Field] = e.Msg(l)
		}
	}
	return m, true
}

// forbidden is a refusal by the module's rules (role × scope × state).
type forbidden struct{ zh, en string }

func (e *forbidden) Error() string { return e.en }

func refuse(zh, en string) error { return &forbidden{zh, en} }

func isForbidden(err error) bool {
	var f *forbidden
	return errors.As(err, &f)
}

// conflict is a command that does not fit the object's state (publishing a
// published rule set, answering an answered objection).
type conflict struct{ zh, en string }

func (e *conflict) Error() string { return e.en }

func conflictf(zh, en string, args ...any) error {
	return &conflict{fmt.Sprintf(zh, args...), fmt.Sprintf(en, args...)}
}

// fail answers an API request with the problem that fits err.
func fail(w http.ResponseWriter, r *http.Request, err error) {
	l := web.LangOf(r)
	var f *forbidden
	var c *conflict
	switch {
	case errors.As(err, &f):
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusForbidden, web.ProblemForbidden, pick(l, f.zh, f.en)))
	case errors.As(err, &c):
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusConflict, web.ProblemConflict, pick(l, c.zh, c.en)))
	default:
		web.Fail(w, r, err)
	}
}

// message is err as one line for a page (flash or notice) in l.
func message(l web.Lang, err error) string {
	var f *forbidden
	var c *conflict
	switch {
	case errors.As(err, &f):
		return pick(l, f.zh, f.en)
	case errors.As(err, &c):
		return pick(l, c.zh, c.en)
	}
	if fe, ok := web.AsFieldErrors(err); ok && len(fe) > 0 {
		return fe[0].Field + ": " + fe[0].Msg(l)
	}
	return err.Error()
}

func pick(l web.Lang, zh, en string) string {
	if l == web.EN {
		return en
	}
	return zh
}

func logErr(r *http.Request, err error) {
	slog.Error("property", "method", r.Method, "path", r.URL.Path, "err", err)
}

func isConflict(err error) bool {
	var c *conflict
	return errors.As(err, &c)
}

// errNotFound is db.ErrNotFound under a short name for handlers.
var errNotFound = db.ErrNotFound
