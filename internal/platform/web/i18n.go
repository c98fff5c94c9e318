package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"
)

// Lang is an interface language. Simplified Chinese is the default; English
// is available everywhere through the switch in the header.
type Lang string

const (
	ZH Lang = "zh-CN"
	EN Lang = "en"
)

//go:embed i18n/*.json
var catalogFiles embed.FS

var (
	catalogMu sync.RWMutex
	catalogs  = map[Lang]map[string]string{ZH: {}, EN: {}}
)

func init() {
	for _, l := range []Lang{ZH, EN} {
		b, err := catalogFiles.ReadFile("i18n/" + string(l) + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n/%s.json: %v", l, err))
		}
		AddMessages(l, m)
	}
}

// AddMessages adds a module's messages to a language's catalogue. Modules
// call it from init with their own embedded files, so their words live
// beside their code.
func AddMessages(l Lang, m map[string]string) {
	catalogMu.Lock()
	defer catalogMu.Unlock()
	for k, v := range m {
		catalogs[l][k] = v
	}
}

// Catalog returns a copy of a language's messages (for the parity test).
func Catalog(l Lang) map[string]string {
	catalogMu.RLock()
	defer catalogMu.RUnlock()
	out := make(map[string]string, len(catalogs[l]))
	for k, v := range catalogs[l] {
		out[k] = v
	}
	return out
}

// T translates key into l, formatting args with fmt when given. A key
// missing in English falls back to Chinese, then to the key itself, so a gap
// shows but never breaks a page.
func T(l Lang, key string, args ...any) string {
	catalogMu.RLock()
	s, ok := catalogs[l][key]
	if !ok {
		s, ok = catalogs[ZH][key]
	}
	catalogMu.RUnlock()
	if !ok {
		s = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// LangOf picks the request's language: ?lang=, then the "lang" cookie, else
// Chinese. The browser's Accept-Language is not consulted: the platform is
// Chinese by default and English is a deliberate switch — except for API
// clients, whose problem titles follow Accept-Language.
func LangOf(r *http.Request) Lang {
	if v := r.URL.Query().Get("lang"); v != "" {
		return parseLang(v)
	}
	if c, err := r.Cookie("lang"); err == nil {
		return parseLang(c.Value)
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		if al := r.Header.Get("Accept-Language"); strings.HasPrefix(strings.ToLower(al), "en") {
			return EN
		}
	}
	return ZH
}

func parseLang(v string) Lang {
	if strings.HasPrefix(strings.ToLower(v), "en") {
		return EN
	}
	return ZH
}

// MustMessages loads a module's catalogues, i18n/zh-CN.json and
// i18n/en.json of fsys, into the platform's (modules call it from init).
func MustMessages(fsys fs.FS) {
	for _, l := range []Lang{ZH, EN} {
		name := "i18n/" + string(l) + ".json"
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("%s: %v", name, err))
		}
		AddMessages(l, m)
	}
}
