package open311

import (
	"encoding/xml"
	"net/http"
	"strings"
)

// Discovery is the service discovery document.
type Discovery struct {
	XMLName    xml.Name   `json:"-" xml:"discovery"`
	Changeset  string     `json:"changeset" xml:"changeset"`
	Contact    string     `json:"contact" xml:"contact"`
	KeyService string     `json:"key_service" xml:"key_service"`
	Endpoints  []Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

// Endpoint is one API the server offers.
type Endpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

func (h *Handler) discovery(w http.ResponseWriter, r *http.Request) {
	f := formatOfPath(r.URL.Path)
	contact, keys := h.Cfg.Contact, h.Cfg.KeyService
	if contact == "" {
		contact = msg(r, "open311.discovery.contact")
	}
	if keys == "" {
		keys = msg(r, "open311.discovery.key_service")
	}
	typ := h.Cfg.Type
	if typ != "test" {
		typ = "production"
	}
	d := Discovery{Changeset: Changeset, Contact: contact, KeyService: keys, Endpoints: []Endpoint{{
		Specification: Specification, URL: h.baseURL(r), Changeset: Changeset, Type: typ,
		Formats: []string{"text/xml", "application/json"},
	}}}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	write(w, r, f, http.StatusOK, d, d)
}

// baseURL is the endpoint's public address: the configured one, else the
// request's scheme and host.
func (h *Handler) baseURL(r *http.Request) string {
	if h.Cfg.BaseURL != "" {
		return strings.TrimSuffix(h.Cfg.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if h.Cfg.TrustProxy {
		if p := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto"))); p == "https" || p == "http" {
			scheme = p
		}
	}
	return scheme + "://" + r.Host + Root
}

// siteURL is the site's root (the petition tracking page lives there).
func (h *Handler) siteURL(r *http.Request) string {
	return strings.TrimSuffix(h.baseURL(r), Root)
}
