package org

import (
	"errors"
	"net/http"

	"anju/internal/platform/web"
)

// FieldInfo lets the web layer show a rejected field beside its input and
// list it in a 422 problem (web.FieldInfo), without this package's store
// depending on the web package's types.
func (e *FieldError) FieldInfo() (field, code, zh, en string) {
	return e.Field, e.Code, e.Message, e.MessageEn
}

// fail answers an API call with the problem that fits err: the store's
// refusal is 403 (the route's gate normally stops such callers first), an
// unreadable spreadsheet 422 (413 when too large), the rest as web.Fail.
func fail(w http.ResponseWriter, r *http.Request, err error) {
	l := web.LangOf(r)
	var ie *ImportError
	switch {
	case errors.Is(err, ErrForbidden):
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusForbidden, web.ProblemForbidden, ""))
	case errors.As(err, &ie):
		web.WriteProblem(w, r, importProblem(l, ie))
	default:
		web.Fail(w, r, err)
	}
}

// importProblem describes a file the importer could not read at all.
func importProblem(l web.Lang, ie *ImportError) *web.Problem {
	if ie.Code == "too_large" {
		return web.NewProblem(l, http.StatusRequestEntityTooLarge, web.ProblemTooLarge, ie.text(l))
	}
	p := web.NewProblem(l, http.StatusUnprocessableEntity, web.ProblemValidation, ie.text(l))
	p.Errors = []web.FieldDetail{{Field: "file", Code: ie.Code, Message: ie.text(l)}}
	return p
}

func (e *ImportError) text(l web.Lang) string {
	if l == web.EN {
		return e.MessageEn
	}
	return e.Message
}

func (e RowError) text(l web.Lang) string {
	if l == web.EN {
		return e.MessageEn
	}
	return e.Message
}

// formErrors maps field errors to the messages shown beside a form's
// inputs, in the page's language; ok is false for any other error.
func formErrors(l web.Lang, err error) (map[string]string, bool) {
	fe, ok := web.AsFieldErrors(err)
	if !ok {
		return nil, false
	}
	m := map[string]string{}
	for _, e := range fe {
		if _, seen := m[e.Field]; !seen {
			m[e.Field] = e.Msg(l)
		}
	}
	return m, true
}
