package web

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"anju/internal/platform/db"
)

// MaxBodyBytes caps request bodies unless a route sets its own limit.
const MaxBodyBytes = 1 << 20

// WriteJSON sends v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// DecodeJSON reads the request body into v, rejecting unknown fields and
// trailing data, and answers with a problem when it cannot. It returns false
// when the handler should stop.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	l := LangOf(r)
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			WriteProblem(w, r, NewProblem(l, http.StatusRequestEntityTooLarge, ProblemTooLarge, err.Error()))
			return false
		}
		p := NewProblem(l, http.StatusBadRequest, ProblemBadRequest, T(l, "problem.bad_json", err.Error()))
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			p.Errors = []FieldDetail{{Field: typeErr.Field, Code: "type", Message: T(l, "problem.field_type", typeErr.Type.String())}}
		}
		// encoding/json names an unknown field only in its message.
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			field := strings.Trim(name, `"`)
			p.Errors = []FieldDetail{{Field: field, Code: "unknown", Message: T(l, "problem.unknown_field")}}
		}
		WriteProblem(w, r, p)
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		WriteProblem(w, r, NewProblem(l, http.StatusBadRequest, ProblemBadRequest, T(l, "problem.trailing_json")))
		return false
	}
	return true
}

// PathID parses the {id} path value; a malformed id answers 404, the same
// as an id that does not exist.
func PathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		WriteProblem(w, r, NewProblem(LangOf(r), http.StatusNotFound, ProblemNotFound, ""))
		return 0, false
	}
	return id, true
}

// IsNotFound tells whether err means "no such object (for you)".
func IsNotFound(err error) bool { return errors.Is(err, db.ErrNotFound) }

func logError(r *http.Request, err error) {
	slog.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
}

// Paging reads ?page= and ?size= with sane bounds.
type Paging struct{ Page, Size int }

// Offset of the first row of the page.
func (p Paging) Offset() int { return (p.Page - 1) * p.Size }

const maxPage = 1_000_000

// PagingOf reads the paging parameters of r (page from 1, size 1–200, default 20).
func PagingOf(r *http.Request) Paging {
	p := Paging{Page: 1, Size: 20}
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
		p.Page = min(v, maxPage) // keeps Offset far from overflow
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("size")); err == nil && v > 0 {
		p.Size = min(v, 200)
	}
	return p
}

// Pages is the number of pages for total rows.
func (p Paging) Pages(total int) int {
	if total == 0 {
		return 1
	}
	return (total + p.Size - 1) / p.Size
}

// WriteList answers one page of a list: its items (an empty list, never
// null), the total and the paging.
func WriteList[T any](w http.ResponseWriter, pg Paging, items []T, total int) {
	if items == nil {
		items = []T{}
	}
	WriteJSON(w, http.StatusOK, ListResponse[T]{Items: items, Total: total, Page: pg.Page, Size: pg.Size})
}

// ListResponse is the shape of every paged API list.
type ListResponse[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
	Page  int `json:"page"`
	Size  int `json:"size"`
}
