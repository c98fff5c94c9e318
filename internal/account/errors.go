package account

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

// fieldMessages turns a command's validation error into field → message in
// l, for forms. It reads auth's own FieldErrors as well as anything the web
// layer recognises, so it works whether or not a package implements
// web.FieldInfo. Several messages on one field are joined: a password can
// be both too short and too plain, and the user should learn both at once.
func fieldMessages(l web.Lang, err error) (map[string]string, bool) {
	out := map[string]string{}
	add := func(field, zh, en string) {
		msg := zh
		if l == web.EN && en != "" {
			msg = en
		}
		if prev, ok := out[field]; ok {
			sep := "；"
			if l == web.EN {
				sep = "; "
			}
			out[field] = prev + sep + msg
			return
		}
		out[field] = msg
	}
	var many auth.FieldErrors
	var one auth.FieldError
	switch {
	case errors.As(err, &many):
		for _, e := range many {
			add(e.Field, e.Message, e.MessageEn)
		}
	case errors.As(err, &one):
		add(one.Field, one.Message, one.MessageEn)
	default:
		if fe, ok := web.AsFieldErrors(err); ok {
			for _, e := range fe {
				add(e.Field, e.Message, e.MessageEn)
			}
		}
	}
	return out, len(out) > 0
}

// asWebFieldErrors is fieldMessages for the API: the problem document lists
// each error with its code.
func asWebFieldErrors(err error) (web.FieldErrors, bool) {
	var many auth.FieldErrors
	var one auth.FieldError
	switch {
	case errors.As(err, &many):
		out := make(web.FieldErrors, 0, len(many))
		for _, e := range many {
			out = append(out, &web.FieldError{Field: e.Field, Code: e.Code, Message: e.Message, MessageEn: e.MessageEn})
		}
		return out, len(out) > 0
	case errors.As(err, &one):
		return web.FieldErrors{{Field: one.Field, Code: one.Code, Message: one.Message, MessageEn: one.MessageEn}}, true
	}
	return web.AsFieldErrors(err)
}

// Problem types of this package, under the platform's prefix.
const (
	ProblemBadCredentials = web.ProblemPrefix + "bad-credentials"
	ProblemLocked         = web.ProblemPrefix + "account-locked"
	ProblemDisabled       = web.ProblemPrefix + "account-disabled"
	ProblemMustChange     = web.ProblemPrefix + "password-change-required"
)

// problem builds one of this package's problems, its title from the catalogue.
func problem(r *http.Request, status int, typ, titleKey, detail string) *web.Problem {
	l := web.LangOf(r)
	p := web.NewProblem(l, status, typ, detail)
	if titleKey != "" {
		p.Title = web.T(l, titleKey)
	}
	return p
}

// apiFail writes the problem for err: validation → 422 naming the fields,
// not allowed → 403, missing or out of scope → 404 (the two look alike on
// purpose), too many requests → 429 with Retry-After.
func apiFail(w http.ResponseWriter, r *http.Request, err error) {
	l := web.LangOf(r)
	if fe, ok := asWebFieldErrors(err); ok {
		web.WriteProblem(w, r, web.ValidationProblem(r, fe))
		return
	}
	var rl *auth.RateLimitError
	switch {
	case errors.Is(err, auth.ErrForbidden):
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusForbidden, web.ProblemForbidden, ""))
	case web.IsNotFound(err):
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusNotFound, web.ProblemNotFound, ""))
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Round(time.Second)/time.Second)+1))
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusTooManyRequests, web.ProblemRateLimited, ""))
	default:
		web.Fail(w, r, err)
	}
}

// pageFail shows the error page that fits err on an HTML route.
func pageFail(w http.ResponseWriter, r *http.Request, err error) {
	l := web.LangOf(r)
	switch {
	case errors.Is(err, auth.ErrForbidden):
		web.ErrorPage(w, r, http.StatusForbidden, web.T(l, "problem.forbidden"), web.T(l, "page.forbidden_detail"))
	case web.IsNotFound(err):
		notFoundPage(w, r)
	default:
		slog.Error("account page", "method", r.Method, "path", r.URL.Path, "err", err)
		web.ErrorPage(w, r, http.StatusInternalServerError, web.T(l, "problem.internal"), web.T(l, "account.error.internal"))
	}
}

func notFoundPage(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	web.ErrorPage(w, r, http.StatusNotFound, web.T(l, "problem.not_found"), web.T(l, "page.not_found_detail"))
}

// pageID reads {id} on an HTML route; a malformed id is a missing page.
func pageID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		notFoundPage(w, r)
		return 0, false
	}
	return id, true
}

// lockedMessage says until when an account is locked, in the city's time.
func lockedMessage(l web.Lang, until time.Time) string {
	return web.T(l, "account.login.locked", until.In(web.Location).Format("2006-01-02 15:04"))
}
