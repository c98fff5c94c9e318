package web

import (
	"encoding/json"
	"errors"
	"net/http"
)

// FieldError names one field that was wrong and why, in both languages.
type FieldError struct {
	Field     string `json:"field"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageEn string `json:"-"`
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Msg returns the message in l.
func (e *FieldError) Msg(l Lang) string {
	if l == EN && e.MessageEn != "" {
		return e.MessageEn
	}
	return e.Message
}

// FieldErrors is several field errors returned together (one form, one reply).
type FieldErrors []*FieldError

func (fe FieldErrors) Error() string {
	if len(fe) == 0 {
		return "invalid input"
	}
	return fe[0].Error()
}

// FieldInfo is implemented by the validation errors of every package
// (auth, org, modules), so the web layer can show them without each package
// importing web: the field, a stable code, and the message in both languages.
type FieldInfo interface {
	FieldInfo() (field, code, zh, en string)
}

// FieldInfo makes *FieldError a FieldInfo too.
func (e *FieldError) FieldInfo() (string, string, string, string) {
	return e.Field, e.Code, e.Message, e.MessageEn
}

// AsFieldErrors collects every field error in err's tree (errors.Join,
// slices that unwrap to []error, wrapped errors).
func AsFieldErrors(err error) (FieldErrors, bool) {
	var out FieldErrors
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if many, ok := e.(FieldErrors); ok {
			out = append(out, many...)
			return
		}
		if fi, ok := e.(FieldInfo); ok {
			f, c, zh, en := fi.FieldInfo()
			out = append(out, &FieldError{Field: f, Code: c, Message: zh, MessageEn: en})
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out, len(out) > 0
}

// Problem is an RFC 9457 problem detail. Type is a stable URI per kind of
// problem; Title is in the request's language; Errors names the fields.
type Problem struct {
	Type     string        `json:"type"`
	Title    string        `json:"title"`
	Status   int           `json:"status"`
	Detail   string        `json:"detail,omitempty"`
	Instance string        `json:"instance,omitempty"`
	Errors   []FieldDetail `json:"errors,omitempty"`
	// Extra carries problem-specific members (e.g. the current state on a 409).
	Extra map[string]any `json:"-"`
}

// FieldDetail is how a field error appears in a problem document.
type FieldDetail struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// The problem types of the platform. Modules may add their own under the
// same prefix.
const (
	ProblemPrefix       = "https://anju.example/problems/"
	ProblemValidation   = ProblemPrefix + "validation"
	ProblemNotFound     = ProblemPrefix + "not-found"
	ProblemUnauthorized = ProblemPrefix + "unauthorized"
	ProblemForbidden    = ProblemPrefix + "forbidden"
	ProblemConflict     = ProblemPrefix + "conflict"
	ProblemTooLarge     = ProblemPrefix + "too-large"
	ProblemBadRequest   = ProblemPrefix + "bad-request"
	ProblemInternal     = ProblemPrefix + "internal"
	ProblemUnavailable  = ProblemPrefix + "unavailable"
	ProblemRateLimited  = ProblemPrefix + "rate-limited"
	ProblemMethod       = ProblemPrefix + "method-not-allowed"
)

var problemTitles = map[string]string{
	ProblemValidation:   "problem.validation",
	ProblemNotFound:     "problem.not_found",
	ProblemUnauthorized: "problem.unauthorized",
	ProblemForbidden:    "problem.forbidden",
	ProblemConflict:     "problem.conflict",
	ProblemTooLarge:     "problem.too_large",
	ProblemBadRequest:   "problem.bad_request",
	ProblemInternal:     "problem.internal",
	ProblemUnavailable:  "problem.unavailable",
	ProblemRateLimited:  "problem.rate_limited",
	ProblemMethod:       "problem.method",
}

// NewProblem builds a problem of type typ with its title in l.
func NewProblem(l Lang, status int, typ, detail string) *Problem {
	title := typ
	if k, ok := problemTitles[typ]; ok {
		title = T(l, k)
	}
	return &Problem{Type: typ, Title: title, Status: status, Detail: detail}
}

// MarshalJSON merges Extra into the document's top level, as RFC 9457 allows.
func (p *Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	b, err := json.Marshal((*plain)(p))
	if err != nil || len(p.Extra) == 0 {
		return b, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range p.Extra {
		if _, taken := m[k]; !taken {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// WriteProblem sends p as application/problem+json.
func WriteProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	if r != nil && p.Instance == "" {
		p.Instance = r.URL.Path
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// ValidationProblem turns field errors into a 422 problem in the request's language.
func ValidationProblem(r *http.Request, fe FieldErrors) *Problem {
	l := LangOf(r)
	p := NewProblem(l, http.StatusUnprocessableEntity, ProblemValidation, "")
	for _, e := range fe {
		p.Errors = append(p.Errors, FieldDetail{Field: e.Field, Code: e.Code, Message: e.Msg(l)})
	}
	if len(fe) > 0 {
		p.Detail = fe[0].Field + ": " + fe[0].Msg(l)
	}
	return p
}

// Fail writes the problem that fits err: field errors → 422, not found →
// 404, anything else → 500 (logged, detail hidden).
func Fail(w http.ResponseWriter, r *http.Request, err error) {
	if fe, ok := AsFieldErrors(err); ok {
		WriteProblem(w, r, ValidationProblem(r, fe))
		return
	}
	var p *Problem
	if errors.As(err, &p) {
		WriteProblem(w, r, p)
		return
	}
	if IsNotFound(err) {
		WriteProblem(w, r, NewProblem(LangOf(r), http.StatusNotFound, ProblemNotFound, ""))
		return
	}
	logError(r, err)
	WriteProblem(w, r, NewProblem(LangOf(r), http.StatusInternalServerError, ProblemInternal, ""))
}

// Error makes a *Problem usable as an error value returned by handlers' helpers.
func (p *Problem) Error() string { return p.Type + ": " + p.Detail }
