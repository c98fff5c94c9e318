package open311

import (
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"net/http"
	"strings"

	"anju/internal/platform/web"
)

// format is a response format, chosen by the resource's suffix.
type format string

const (
	formatXML  format = "xml"
	formatJSON format = "json"
)

// splitFormat cuts the suffix off a resource name: "requests.json" →
// "requests", json. ok is false without a known suffix.
func splitFormat(name string) (base string, f format, ok bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return name, formatXML, false
	}
	switch format(name[i+1:]) {
	case formatXML:
		return name[:i], formatXML, true
	case formatJSON:
		return name[:i], formatJSON, true
	}
	return name, formatXML, false
}

// formatOfPath is the format a request asks for by its last segment; XML,
// the specification's required format, when it names none.
func formatOfPath(path string) format {
	_, f, _ := splitFormat(path[strings.LastIndexByte(path, '/')+1:])
	return f
}

// allowed lists the methods of the endpoint at path ("" if there is none).
func allowed(path string) string {
	rest, ok := strings.CutPrefix(path, Root+"/")
	if !ok {
		return ""
	}
	seg := strings.Split(rest, "/")
	switch {
	case len(seg) == 1:
		base, _, ok := splitFormat(seg[0])
		switch {
		case !ok:
		case base == "discovery" || base == "services":
			return "GET, HEAD"
		case base == "requests":
			return "GET, HEAD, POST"
		}
	case len(seg) == 2 && seg[1] != "" && (seg[0] == "services" || seg[0] == "requests" || seg[0] == "tokens"):
		return "GET, HEAD"
	}
	return ""
}

// lang is the language of names and messages: ?lang= or the lang cookie
// as everywhere, else the client's Accept-Language (Open311 clients are API
// clients), else Chinese.
func lang(r *http.Request) web.Lang {
	if r.URL.Query().Get("lang") != "" {
		return web.LangOf(r)
	}
	if _, err := r.Cookie("lang"); err == nil {
		return web.LangOf(r)
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(r.Header.Get("Accept-Language"))), "en") {
		return web.EN
	}
	return web.ZH
}

func msg(r *http.Request, key string, args ...any) string { return web.T(lang(r), key, args...) }

// write answers v as JSON, or xv as XML (the XML shapes have a root
// element where JSON has a bare array).
func write(w http.ResponseWriter, r *http.Request, f format, status int, v, xv any) {
	h := w.Header()
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// Public data without credentials: any site's scripts may read it.
		h.Set("Access-Control-Allow-Origin", "*")
	}
	var body []byte
	var err error
	if f == formatJSON {
		h.Set("Content-Type", "application/json; charset=utf-8")
		body, err = json.Marshal(v)
	} else {
		h.Set("Content-Type", "text/xml; charset=utf-8")
		body, err = xml.Marshal(xv)
		if err == nil {
			body = append([]byte(xml.Header), body...)
		}
	}
	if err != nil {
		slog.Error("open311: encode response", "err", err, "path", r.URL.Path)
		h.Del("Content-Type")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(append(body, '\n'))
	}
}

// Error is one entry of the specification's error list.
type Error struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

type errorsXML struct {
	XMLName xml.Name `xml:"errors"`
	Errors  []Error  `xml:"error"`
}

// writeErrors answers the specification's error body: every description
// with the status as its code.
func writeErrors(w http.ResponseWriter, r *http.Request, f format, status int, descriptions ...string) {
	list := make([]Error, len(descriptions))
	for i, d := range descriptions {
		list[i] = Error{Code: status, Description: d}
	}
	w.Header().Set("Cache-Control", "no-store")
	write(w, r, f, status, list, errorsXML{Errors: list})
}

// serverError logs err and answers 500 (or 503 when the cause is
// temporary) without detail.
func serverError(w http.ResponseWriter, r *http.Request, f format, status int, err error) {
	slog.Error("open311", "err", err, "method", r.Method, "path", r.URL.Path)
	key := "open311.error.internal"
	if status == http.StatusServiceUnavailable {
		key = "open311.error.unavailable"
	}
	writeErrors(w, r, f, status, msg(r, key))
}
