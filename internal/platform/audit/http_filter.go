package audit

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"anju/internal/platform/web"
)

// maxFilterRunes bounds a text filter: longer input cannot match anything
// useful and only makes the LIKE scan slower.
const maxFilterRunes = 200

// parseFilter reads the filters of the audit page and API. Dates are days in
// the city's time zone (as the page's date inputs send them), "to" included;
// RFC 3339 times are taken as they are, "to" excluded. A value that cannot
// mean anything is a field error, never silently dropped: an auditor must
// not believe a list is filtered when it is not.
func parseFilter(q url.Values) (Filter, web.FieldErrors) {
	var f Filter
	var errs web.FieldErrors
	bad := func(field, code, key string, args ...any) {
		errs = append(errs, &web.FieldError{Field: field, Code: code,
			Message: web.T(web.ZH, key, args...), MessageEn: web.T(web.EN, key, args...)})
	}
	if s := strings.TrimSpace(q.Get("from")); s != "" {
		t, ok := parseWhen(s, false)
		if !ok {
			bad("from", "invalid", "audit.err.date")
		}
		f.From = t
	}
	if s := strings.TrimSpace(q.Get("to")); s != "" {
		t, ok := parseWhen(s, true)
		if !ok {
			bad("to", "invalid", "audit.err.date")
		}
		f.To = t
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		bad("to", "range", "audit.err.range")
	}
	text := func(field string) string {
		s := strings.TrimSpace(q.Get(field))
		if utf8.RuneCountInString(s) > maxFilterRunes {
			bad(field, "too_long", "audit.err.too_long", maxFilterRunes)
			return ""
		}
		return s
	}
	f.Actor, f.Action, f.ObjectType, f.Keyword = text("actor"), text("action"), text("object_type"), text("q")
	switch r := strings.TrimSpace(q.Get("result")); r {
	case "", OK, Refused, Failed:
		f.Result = r
	default:
		bad("result", "invalid", "audit.err.result")
	}
	return f, errs
}

// parseWhen reads a day (YYYY-MM-DD, in the city's zone) or an RFC 3339
// time. A day given as the end of a range means up to the end of that day.
func parseWhen(s string, end bool) (time.Time, bool) {
	if d, err := time.ParseInLocation(time.DateOnly, s, web.Location); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, true
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}
