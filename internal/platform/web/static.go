package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
)

// static holds the stylesheet, scripts and vendored libraries (htmx,
// ECharts, Leaflet — each with its licence and version). Nothing is loaded
// from outside the server.
//
//go:embed static
var static embed.FS

// StaticVersion changes whenever any static file changes; pages add it to
// asset URLs so browsers may cache them for a year.
var StaticVersion = func() string {
	h := sha256.New()
	_ = fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := static.ReadFile(p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

// StaticHandler serves /static/ from the binary with long-lived caching.
func StaticHandler() http.Handler {
	sub, _ := fs.Sub(static, "static")
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		fsrv.ServeHTTP(w, r)
	})
}
